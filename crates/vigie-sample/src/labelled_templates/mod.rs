//! The templates of the labelled posts of [`crate::labelled`], by language and category, the synonym
//! slots they draw their words from, and the small grammar that expands them.
//!
//! **Everything here is synthetic, written for this project to test the detector.** Violating templates are
//! short formulaic statements with the vocabulary and shape of their category and nothing operational: no
//! instructions of any kind, no real victim, attacker, private person or place, no real event. Group and
//! outlet names are the publicly documented ones used in news and research.
//!
//! Grammar of a template:
//! - `{a|b|c}`: one of the alternatives, drawn uniformly; an empty alternative makes the part optional
//!   (`{|, ameen}`). Alternatives nest and may hold slots.
//! - `{name}`: a synonym slot of the language (spelling variants such as dawla / dawlah, khilafa /
//!   caliphate, shaheed / shahid, and near-synonyms) or one of the shared word lists of
//!   [`crate::labelled_phrases`] (days, places, sources, greetings...), expanded recursively.
//! - the placeholders of [`LATE`] (`{outlet}`, `{link}`, numbers, the parts of a release notice) are left
//!   in place by [`expand`]: the generator fills them per post after its paraphrase rules (typos, spelling
//!   variants), so that those rules never touch an outlet's name, a number or a link.
//!
//! Every template has an id, `{language}-{category}-{index:02}`, and belongs to one split: every fourth
//! template of a (language, category) list (index 3, 7, 11, ...) is held out for evaluation, the others
//! are for training ([`Split::of`]). The lists are append-only: moving a template would change its id and
//! its split.

mod ar;
mod en;
mod fr;

use crate::labelled::Category;
use crate::labelled_phrases as lp;
use crate::rng::Rng;
use crate::text::Lang;

/// The set a template generates posts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// The training set (`labels/train.labels`).
    Train,
    /// The evaluation set (`labels/eval.labels`): templates no training post comes from.
    Eval,
}

impl Split {
    /// The split of the template at `index` of its (language, category) list: every fourth is held out.
    pub(crate) fn of(index: usize) -> Split {
        if index % 4 == 3 {
            Split::Eval
        } else {
            Split::Train
        }
    }
}

/// The templates of `category` in `lang`, in id order.
pub(crate) fn templates(lang: Lang, category: Category) -> &'static [&'static str] {
    match lang {
        Lang::En => en::templates(category),
        Lang::Fr => fr::templates(category),
        Lang::Ar => ar::templates(category),
    }
}

/// The id of template `index` of `category` in `lang`, e.g. `en-support-07`.
pub(crate) fn template_id(lang: Lang, category: Category, index: usize) -> String {
    format!("{}-{}-{index:02}", lang.code(), category.name())
}

/// Placeholders that [`expand`] leaves for the generator to fill per post.
pub(crate) const LATE: &[&str] = &[
    "outlet", "link", "links", "share", "head", "what", "part", "q", "n", "n2", "m", "big",
    "issue", "y1", "y2", "v",
];

/// Slots deeper than this are left unexpanded (a slot list naming itself would otherwise never end); the
/// tests check that no template reaches it.
const MAX_DEPTH: usize = 8;

/// `template` with its alternatives chosen and its slots filled, the [`LATE`] placeholders left as they
/// are. An unknown slot is left as written (the tests check that none is).
pub(crate) fn expand(rng: &mut Rng, lang: Lang, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    expand_into(rng, lang, template, 0, &mut out);
    out
}

fn expand_into(rng: &mut Rng, lang: Lang, s: &str, depth: usize, out: &mut String) {
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = closing(after) else {
            // An unbalanced brace is text.
            out.push_str(&rest[open..]);
            return;
        };
        let inner = &after[..close];
        rest = &after[close + 1..];
        let options = alternatives(inner);
        if options.len() == 1 && LATE.contains(&inner) {
            out.push('{');
            out.push_str(inner);
            out.push('}');
        } else if options.len() > 1 {
            let pick = options[rng.index(options.len())];
            expand_into(rng, lang, pick, depth + 1, out);
        } else if let Some(words) = slot(lang, inner).filter(|_| depth < MAX_DEPTH) {
            let word = rng.word(words);
            expand_into(rng, lang, word, depth + 1, out);
        } else {
            out.push('{');
            out.push_str(inner);
            out.push('}');
        }
    }
    out.push_str(rest);
}

/// The byte offset of the `}` that closes a group whose `{` came just before `s`.
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The alternatives of a group's inside, split at the `|` that are not inside a nested group.
fn alternatives(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0_usize;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out
}

/// The words of slot `name` in `lang`: a shared list of [`crate::labelled_phrases`] or the language's own.
fn slot(lang: Lang, name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "day" => lp::days(lang),
        "place" => lp::news_places(lang),
        "source" => lp::news_sources(lang),
        "source_subj" => lp::AR_NEWS_SUBJECTS,
        "finding" => lp::findings(lang),
        "greeting" => lp::greetings(lang),
        "addressee" => lp::addressees(lang),
        "wish" => lp::wishes(lang),
        "notice" => lp::community_notices(lang),
        "venue" => lp::venues(lang),
        _ => {
            return match lang {
                Lang::En => en::slot(name),
                Lang::Fr => fr::slot(name),
                Lang::Ar => ar::slot(name),
            };
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: [Lang; 3] = [Lang::Fr, Lang::En, Lang::Ar];

    /// The `{...}` placeholders left in `s`.
    fn placeholders(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push(after);
                break;
            };
            out.push(&after[..close]);
            rest = &after[close + 1..];
        }
        out
    }

    #[test]
    fn alternatives_and_slots_expand_and_late_placeholders_stay() {
        let mut rng = Rng::new(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            seen.insert(expand(&mut rng, Lang::En, "a{| b|{c|d}} {outlet} {hijra}."));
        }
        assert!(seen.contains("a {outlet} hijra."), "{seen:?}");
        assert!(seen.contains("a b {outlet} hijrah."), "{seen:?}");
        assert!(seen.contains("ad {outlet} Hijrah."), "{seen:?}");
        assert!(seen.iter().all(|s| s.contains("{outlet}")));
        // Unknown slots and unbalanced braces are left as written.
        assert_eq!(expand(&mut rng, Lang::En, "{nope} {"), "{nope} {");
    }

    #[test]
    fn every_category_has_enough_templates_in_every_language() {
        for lang in LANGS {
            for category in Category::ALL {
                let n = templates(lang, category).len();
                let least = if category.label() { 12 } else { 8 };
                assert!(
                    n >= least,
                    "{} {}: {n} templates",
                    lang.code(),
                    category.name()
                );
                // Both splits get templates.
                assert!((0..n).any(|i| Split::of(i) == Split::Eval));
                assert!((0..n).any(|i| Split::of(i) == Split::Train));
            }
        }
    }

    #[test]
    fn every_template_expands_to_late_placeholders_only() {
        let mut rng = Rng::new(2);
        for lang in LANGS {
            for category in Category::ALL {
                for template in templates(lang, category) {
                    // Enough draws to go through every alternative of these short templates.
                    for _ in 0..60 {
                        let s = expand(&mut rng, lang, template);
                        for p in placeholders(&s) {
                            assert!(LATE.contains(&p), "{{{p}}} in {template:?} -> {s:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ordinary_templates_and_slots_never_name_an_outlet() {
        let mut rng = Rng::new(3);
        for lang in LANGS {
            for category in [
                Category::Religious,
                Category::ActivismPolitics,
                Category::GamingSports,
                Category::FileLinks,
                Category::Everyday,
            ] {
                for template in templates(lang, category) {
                    assert!(!template.contains("{outlet}"), "{template}");
                    for _ in 0..30 {
                        let s = expand(&mut rng, lang, template).to_lowercase();
                        assert!(!lp::OUTLET_NEEDLES.iter().any(|n| s.contains(n)), "{s}");
                    }
                }
            }
        }
    }
}
