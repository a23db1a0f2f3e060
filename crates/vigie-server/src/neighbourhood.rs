//! The picture of an account's neighbourhood on its case page: the account in the middle, the accounts it is most
//! tied to around it, each line as thick as the ties weigh and coloured by their strongest kind, confirmed accounts
//! filled. Drawn here as inline SVG: no script, nothing fetched.

use crate::api::NeighbourView;
use maud::{Markup, html};

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 470.0;
const CX: f64 = WIDTH / 2.0;
const CY: f64 = 225.0;
const RX: f64 = 250.0;
const RY: f64 = 170.0;

/// The colour and the words of a tie's kind.
fn kind_style(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "repost" | "forward" | "shared_medium" => ("#b03030", "spreads its posts or media"),
        "announced" => ("#7030b0", "announced a handle"),
        "shared_link" | "shared_hashtag" => ("#3070a0", "the same links or rare hashtags"),
        _ => ("#8a8a8a", "mentions, replies, quotes"),
    }
}

/// Shortens a label to fit beside its node.
fn short(label: &str) -> String {
    if label.chars().count() <= 22 {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(21).collect();
        s.push('…');
        s
    }
}

/// The queue filtered to a stored account's cases; none for an account only named by others.
fn account_link(key: &str) -> Option<String> {
    let (platform, id) = key.split_once(':')?;
    if id.starts_with('@') || id.starts_with('~') {
        return None;
    }
    Some(format!(
        "/?platform={}&account={}",
        crate::auth::url_escape(platform),
        crate::auth::url_escape(id)
    ))
}

/// The picture, with `center` (the case's account, as shown) in the middle.
pub fn picture(center: &str, neighbours: &[NeighbourView]) -> Markup {
    let n = neighbours.len().max(1) as f64;
    let placed: Vec<(f64, f64, &NeighbourView)> = neighbours
        .iter()
        .enumerate()
        .map(|(i, nb)| {
            let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n;
            (CX + RX * angle.cos(), CY + RY * angle.sin(), nb)
        })
        .collect();
    let label = format!(
        "The accounts most tied to {center}: {}",
        neighbours
            .iter()
            .map(|n| n.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let legend = [
        ("repost", 20.0),
        ("announced", 210.0),
        ("shared_link", 360.0),
        ("mention", 565.0),
    ];
    html! {
        svg #neighbourhood xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (WIDTH) " " (HEIGHT)}
            width="100%" role="img" aria-label=(label) {
            title { (label) }
            @for (x, y, nb) in &placed {
                @let kind = nb.ties.first().map_or("mention", |t| t.0.as_str());
                @let width = (1.0 + 1.5 * (1.0 + nb.weight).ln()).clamp(1.0, 9.0);
                line x1=(CX) y1=(CY) x2=(format!("{x:.1}")) y2=(format!("{y:.1}"))
                    stroke=(kind_style(kind).0) stroke-width=(format!("{width:.1}")) stroke-opacity="0.8" {
                    title {
                        (nb.label) ": "
                        (nb.ties.iter().map(|(k, d, c)| format!("{} {} x{c}", k.replace('_', " "), d)).collect::<Vec<_>>().join("; "))
                    }
                }
            }
            @for (x, y, nb) in &placed {
                @let anchor = if (*x - CX).abs() < 20.0 { "middle" } else if *x > CX { "start" } else { "end" };
                @let dx = if anchor == "start" { 11.0 } else if anchor == "end" { -11.0 } else { 0.0 };
                @let dy = if anchor == "middle" { if *y < CY { -12.0 } else { 20.0 } } else { 4.0 };
                @let node = html! {
                    circle.neighbour cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7"
                        fill=(if nb.confirmed { "#b03030" } else { "#ffffff" }) stroke="#333333" stroke-width="1.5" {
                        title { (nb.label) @if nb.confirmed { " (confirmed)" } }
                    }
                    text x=(format!("{:.1}", x + dx)) y=(format!("{:.1}", y + dy)) text-anchor=(anchor)
                        font-size="12" fill="#222222" { (short(&nb.label)) }
                };
                @if let Some(href) = account_link(&nb.key) { a href=(href) { (node) } } @else { (node) }
            }
            circle cx=(CX) cy=(CY) r="11" fill="#222222" {}
            text x=(CX) y=(CY + 28.0) text-anchor="middle" font-size="13" font-weight="bold" fill="#222222" { (short(center)) }
            @for (kind, x) in legend {
                @let (colour, words) = kind_style(kind);
                line x1=(x) y1=(HEIGHT - 14.0) x2=(x + 24.0) y2=(HEIGHT - 14.0) stroke=(colour) stroke-width="4" {}
                text x=(x + 30.0) y=(HEIGHT - 10.0) font-size="11" fill="#333333" { (words) }
            }
        }
        p.hint { "Filled: a confirmed account. Thicker: more and stronger ties. Point at a line for its ties." }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neighbour(key: &str, label: &str, kind: &str, confirmed: bool) -> NeighbourView {
        NeighbourView {
            key: key.to_owned(),
            label: label.to_owned(),
            ties: vec![(kind.to_owned(), "to".to_owned(), 3)],
            weight: 2.0,
            confirmed,
        }
    }

    #[test]
    fn each_neighbour_is_a_node_with_its_ties_and_confirmed_ones_are_filled() {
        let page = picture(
            "@center",
            &[
                neighbour("x:1", "@spreader", "repost", true),
                neighbour("x:@named", "@named<b>", "mention", false),
            ],
        )
        .into_string();
        assert!(page.starts_with("<svg id=\"neighbourhood\""), "{page}");
        assert_eq!(
            page.matches("<circle class=\"neighbour\"").count(),
            2,
            "{page}"
        );
        assert!(
            page.contains("fill=\"#b03030\" stroke=\"#333333\""),
            "{page}"
        );
        assert!(page.contains("repost to x3"), "{page}");
        // A stored account links to its cases; one only named does not; labels are escaped.
        assert!(
            page.contains("href=\"/?platform=x&amp;account=1\""),
            "{page}"
        );
        assert!(!page.contains("account=%40named"), "{page}");
        assert!(page.contains("@named&lt;b&gt;"), "{page}");
        assert!(!page.contains("<script"), "{page}");
    }
}
