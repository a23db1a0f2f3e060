//! Post texts as sequences of segments (plain text, hashtags, mentions, links), so that each export
//! format can render the same text its own way: X with character offsets, Telegram as an array of
//! entity objects, the generic formats as a flat string with entity lists.

use crate::phrases;
use crate::rng::Rng;

/// A post language; the corpus mixes them about 40 % French, 40 % English and 20 % Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    Fr,
    En,
    Ar,
}

impl Lang {
    /// The ISO 639-1 code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// A language drawn 40/40/20.
    pub(crate) fn draw(rng: &mut Rng) -> Lang {
        match rng.below(10) {
            0..=3 => Lang::Fr,
            4..=7 => Lang::En,
            _ => Lang::Ar,
        }
    }

    /// An account's post language: its own most of the time, sometimes another.
    pub(crate) fn near(primary: Lang, rng: &mut Rng) -> Lang {
        if rng.chance(850) {
            primary
        } else {
            Lang::draw(rng)
        }
    }
}

/// What a post talks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Weather,
    Market,
    Football,
    Cooking,
    Transport,
    Local,
}

impl Topic {
    /// Every topic, in a fixed order.
    pub(crate) const ALL: [Topic; 6] = [
        Topic::Weather,
        Topic::Market,
        Topic::Football,
        Topic::Cooking,
        Topic::Transport,
        Topic::Local,
    ];

    /// The position in [`Topic::ALL`].
    pub(crate) fn ordinal(self) -> usize {
        match self {
            Topic::Weather => 0,
            Topic::Market => 1,
            Topic::Football => 2,
            Topic::Cooking => 3,
            Topic::Transport => 4,
            Topic::Local => 5,
        }
    }

    /// A topic drawn uniformly.
    pub(crate) fn draw(rng: &mut Rng) -> Topic {
        *rng.pick(&Topic::ALL)
    }
}

/// One piece of a post text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// Text with no entity.
    Plain(String),
    /// A hashtag, without its `#`.
    Hashtag(String),
    /// A mention of a handle, without its `@`.
    Mention(String),
    /// A URL written out in the text.
    Link(String),
    /// A hyperlink on words (Telegram `text_link`).
    TextLink { text: String, href: String },
    /// Emphasised words (Telegram `bold`).
    Bold(String),
}

/// How rich a format's texts are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    /// Whether bold leads and hyperlinks on words may appear (Telegram only).
    pub rich: bool,
    /// How often a link is added, per mille.
    pub link_per_mille: u64,
    /// The most hashtags on one post.
    pub max_hashtags: u64,
}

impl Style {
    pub(crate) const X: Style = Style {
        rich: false,
        link_per_mille: 300,
        max_hashtags: 3,
    };
    pub(crate) const TELEGRAM: Style = Style {
        rich: true,
        link_per_mille: 350,
        max_hashtags: 2,
    };
    pub(crate) const GENERIC: Style = Style {
        rich: false,
        link_per_mille: 250,
        max_hashtags: 3,
    };
}

/// A post text: its language and its segments.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    pub lang: Lang,
    pub segs: Vec<Seg>,
}

/// Composes a post text in `lang`; `mention`, when given, is thanked somewhere in the text.
pub(crate) fn compose(rng: &mut Rng, lang: Lang, mention: Option<&str>, style: Style) -> Body {
    let topic = Topic::draw(rng);
    let mut segs = Vec::with_capacity(12);
    if style.rich && rng.chance(120) {
        segs.push(Seg::Bold(phrases::bold_lead(rng, lang).to_owned()));
        segs.push(Seg::Plain(" ".to_owned()));
    }
    let mut plain = phrases::sentence(rng, lang, topic);
    if rng.chance(350) {
        let other = Topic::draw(rng);
        plain.push(' ');
        plain.push_str(&phrases::sentence(rng, lang, other));
    }
    segs.push(Seg::Plain(plain));
    if let Some(handle) = mention {
        let (before, after) = phrases::thanks(rng, lang);
        segs.push(Seg::Plain(before.to_owned()));
        segs.push(Seg::Mention(handle.to_owned()));
        segs.push(Seg::Plain(after.to_owned()));
    }
    if rng.chance(250) {
        segs.push(Seg::Plain(format!(" {}", phrases::emoji(rng, topic))));
    }
    if rng.chance(style.link_per_mille) {
        let url = phrases::link(rng, topic);
        if style.rich && rng.chance(500) {
            segs.push(Seg::Plain(phrases::link_lead(lang).to_owned()));
            segs.push(Seg::TextLink {
                text: phrases::link_label(rng, lang).to_owned(),
                href: url,
            });
            segs.push(Seg::Plain(".".to_owned()));
        } else {
            segs.push(Seg::Plain(" ".to_owned()));
            segs.push(Seg::Link(url));
        }
    }
    let count = rng.below(style.max_hashtags + 1) as usize;
    if count > 0 {
        let tags = phrases::hashtags(lang, topic);
        let first = rng.index(tags.len());
        let newline = rng.chance(250);
        for k in 0..count.min(tags.len()) {
            let sep = if k == 0 && newline { "\n" } else { " " };
            segs.push(Seg::Plain(sep.to_owned()));
            segs.push(Seg::Hashtag(tags[(first + k) % tags.len()].to_owned()));
        }
    }
    Body { lang, segs }.normalized()
}

impl Body {
    /// This text with `prefix` segments in front (a reply's leading mention, a retweet's `RT @x: `).
    pub(crate) fn prefixed(mut self, prefix: Vec<Seg>) -> Body {
        let mut segs = prefix;
        segs.append(&mut self.segs);
        Body {
            lang: self.lang,
            segs,
        }
        .normalized()
    }

    /// Merges adjacent plain segments and drops empty ones.
    fn normalized(self) -> Body {
        let mut segs: Vec<Seg> = Vec::with_capacity(self.segs.len());
        for seg in self.segs {
            match (seg, segs.last_mut()) {
                (Seg::Plain(s), _) if s.is_empty() => {}
                (Seg::Plain(s), Some(Seg::Plain(last))) => last.push_str(&s),
                (seg, _) => segs.push(seg),
            }
        }
        Body {
            lang: self.lang,
            segs,
        }
    }

    /// The text as one string; a hyperlink on words is written `words (url)`.
    pub(crate) fn flat(&self) -> String {
        let mut out = String::new();
        for seg in &self.segs {
            match seg {
                Seg::Plain(s) | Seg::Bold(s) | Seg::Link(s) => out.push_str(s),
                Seg::Hashtag(t) => {
                    out.push('#');
                    out.push_str(t);
                }
                Seg::Mention(h) => {
                    out.push('@');
                    out.push_str(h);
                }
                Seg::TextLink { text, href } => {
                    out.push_str(text);
                    out.push_str(" (");
                    out.push_str(href);
                    out.push(')');
                }
            }
        }
        out
    }

    /// The hashtags, without `#`, in text order.
    pub(crate) fn hashtags(&self) -> Vec<String> {
        self.segs
            .iter()
            .filter_map(|s| match s {
                Seg::Hashtag(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    /// The URLs (written out or behind words), in text order.
    pub(crate) fn urls(&self) -> Vec<String> {
        self.segs
            .iter()
            .filter_map(|s| match s {
                Seg::Link(u) | Seg::TextLink { href: u, .. } => Some(u.clone()),
                _ => None,
            })
            .collect()
    }

    /// The mentioned handles, without `@`, in text order.
    pub(crate) fn mentions(&self) -> Vec<String> {
        self.segs
            .iter()
            .filter_map(|s| match s {
                Seg::Mention(h) => Some(h.clone()),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_mixed_about_40_40_20() {
        let mut rng = Rng::new(11);
        let mut counts = [0_u32; 3];
        for _ in 0..10_000 {
            match Lang::draw(&mut rng) {
                Lang::Fr => counts[0] += 1,
                Lang::En => counts[1] += 1,
                Lang::Ar => counts[2] += 1,
            }
        }
        assert!((3700..4300).contains(&counts[0]), "{counts:?}");
        assert!((3700..4300).contains(&counts[1]), "{counts:?}");
        assert!((1700..2300).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn texts_vary_and_keep_their_entities() {
        let mut rng = Rng::new(5);
        let mut seen = std::collections::HashSet::new();
        for i in 0..500 {
            let lang = Lang::draw(&mut rng);
            let mention = (i % 5 == 0).then_some("user_0042");
            let body = compose(&mut rng, lang, mention, Style::TELEGRAM);
            let flat = body.flat();
            for tag in body.hashtags() {
                assert!(flat.contains(&format!("#{tag}")));
            }
            for url in body.urls() {
                assert!(url.starts_with("https://example."), "{url}");
            }
            if mention.is_some() {
                assert_eq!(body.mentions(), vec!["user_0042".to_owned()]);
            }
            seen.insert(flat);
        }
        assert!(
            seen.len() > 480,
            "only {} distinct texts of 500",
            seen.len()
        );
    }
}
