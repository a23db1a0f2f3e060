//! Labelled synthetic posts for training and evaluating a text classifier that recognises terrorist
//! propaganda in every category of the taxonomy, with the hard negatives such a classifier must not flag.
//!
//! **Everything here is synthetic, generated from a seed, for testing the detector.** The posts come from
//! templates written for this project ([`crate::labelled_templates`]): short, formulaic, non-operational
//! statements, with no instructions of any kind, no real victim, attacker, private person or place. Group
//! and outlet names are the publicly documented ones used in news and research (Amaq, al-Hayat Media
//! Center, al-Furqan, al-Naba, As-Sahab in Latin and Arabic script; "Islamic State", "Daesh", "al-Qaeda").
//! Every link is on a domain reserved by RFC 2606: `example.com`, `example.net`, `example.org` and the
//! `.example` top-level domain; the file hosts are made up.
//!
//! The violating categories are the five of `vigie_model::TAXONOMY`: `glorification` (praise of attacks
//! and "martyrs"), `support` (pledges, loyalty slogans), `recruitment` (calls to join, travel or fund),
//! `incitement` (threats and calls to violence against groups of people) and `distribution` (release
//! notices with outlet names, part numbers, file-host links, "share before it is deleted"; about a tenth
//! spell the outlet name evasively with zero-width characters or tatweel). The hard negatives share their
//! vocabulary: `news` (reports quoting claims and slogans), `research`, `counter_speech`, `religious`
//! (greetings, the shahada, jihad al-nafs, the hijra and the bay'ah as history, prayers for the ordinary
//! dead), `activism_politics`, `gaming_sports` ("sniper", "bomb", "execute", "raid"), `osint_moderation`
//! (moderators reporting accounts), `file_links` (ordinary file-host links) and `everyday`.
//!
//! About 40 % of the posts violate (8 % per category); languages are balanced between French, English and
//! Arabic. Each template has an id and belongs to the training or the evaluation split
//! ([`Split`]): the training set is drawn from training templates only and the evaluation set from the
//! held-out ones, so that the evaluation measures generalisation to unseen templates, not recall of seen
//! ones. Paraphrase rules vary each post: synonym and spelling slots (dawla / dawlah, khilafa / caliphate,
//! shaheed / shahid), optional clauses and word-order alternatives in the templates, then typos, Arabic
//! spelling variants (ة / ه, dropped hamza), case, emoji and hashtags.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::dates::{self, CORPUS_END, CORPUS_START};
use crate::error::SampleError;
use crate::labelled_phrases::{self as lp, OUTLETS, Outlet};
use crate::labelled_templates::{self as lt, Split};
use crate::output::Output;
use crate::rng::Rng;
use crate::summary::{LabelCounts, LabelledSummary, LangCounts};
use crate::text::{Body, Lang, Seg};

/// The training set, relative to the corpus root. It is JSON lines in the format of
/// [`write_labels_jsonl`]; the extension is not `.jsonl` so that `vigie scan` of the corpus folder does
/// not ingest the labels as posts.
pub(crate) const TRAIN_FILE: &str = "labels/train.labels";
/// The evaluation set, relative to the corpus root (JSON lines, see [`TRAIN_FILE`]).
pub(crate) const EVAL_FILE: &str = "labels/eval.labels";
/// The made-up file-host domains, as CSV (`domain,category,weight,note`). Not named `.csv`: the scanner
/// would read it as a generic CSV export and fail on its missing `id` column.
pub(crate) const FILE_HOSTS_FILE: &str = "labels/file-hosts.list";
/// The evaluation posts as a generic JSONL export that `vigie scan` ingests.
pub(crate) const CORPUS_FILE: &str = "generic/labelled-posts.jsonl";
/// The platform name of the posts of [`CORPUS_FILE`], a made-up forum.
const CORPUS_PLATFORM: &str = "forum";

const S_PUBLIC: u64 = 0x6001;
const S_TRAIN: u64 = 0x6002;
const S_EVAL: u64 = 0x6003;
const S_CORPUS: u64 = 0x6004;

/// Zero-width characters that evasive spellings slip into an outlet name.
const ZERO_WIDTH: &[char] = &['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}'];

/// One labelled post, as `vigie model train --labels FILE` reads it (one JSON object per line with the
/// keys `id`, `text`, `language`, `label`, `category`, `template`, in that order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPost {
    /// Unique within a set, e.g. `lp-00042`, `train-00042` or `eval-00042`.
    pub id: String,
    /// The post text.
    pub text: String,
    /// The language the text was written in: `fr`, `en` or `ar`.
    pub language: String,
    /// True for the violating class: the post glorifies, supports, recruits for, incites to or
    /// distributes terrorism.
    pub label: bool,
    /// Why the post has its label. Violating: `glorification`, `support`, `recruitment`, `incitement`,
    /// `distribution` (the names of `vigie_model::TAXONOMY`). Not violating: `news`, `research`,
    /// `counter_speech`, `religious`, `activism_politics`, `gaming_sports`, `osint_moderation`,
    /// `file_links`, `everyday`.
    pub category: String,
    /// The id of the template the post was drawn from, e.g. `en-support-07`: every template generates
    /// either training or evaluation posts, never both.
    #[serde(default)]
    pub template: String,
}

/// The class a post is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Category {
    Glorification,
    Support,
    Recruitment,
    Incitement,
    Distribution,
    News,
    Research,
    CounterSpeech,
    Religious,
    ActivismPolitics,
    GamingSports,
    OsintModeration,
    FileLinks,
    Everyday,
}

/// Each category with its share of the posts, per mille: 40 % violating, 8 % each.
const WEIGHTS: [(Category, u64); 14] = [
    (Category::Glorification, 80),
    (Category::Support, 80),
    (Category::Recruitment, 80),
    (Category::Incitement, 80),
    (Category::Distribution, 80),
    (Category::News, 110),
    (Category::Research, 60),
    (Category::CounterSpeech, 70),
    (Category::Religious, 80),
    (Category::ActivismPolitics, 50),
    (Category::GamingSports, 60),
    (Category::OsintModeration, 50),
    (Category::FileLinks, 50),
    (Category::Everyday, 70),
];

impl Category {
    /// Every category: the five violating ones first, in the taxonomy's order, then the hard negatives.
    #[cfg(test)]
    pub(crate) const ALL: [Category; 14] = [
        Category::Glorification,
        Category::Support,
        Category::Recruitment,
        Category::Incitement,
        Category::Distribution,
        Category::News,
        Category::Research,
        Category::CounterSpeech,
        Category::Religious,
        Category::ActivismPolitics,
        Category::GamingSports,
        Category::OsintModeration,
        Category::FileLinks,
        Category::Everyday,
    ];

    /// The name written in the label files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Category::Glorification => "glorification",
            Category::Support => "support",
            Category::Recruitment => "recruitment",
            Category::Incitement => "incitement",
            Category::Distribution => "distribution",
            Category::News => "news",
            Category::Research => "research",
            Category::CounterSpeech => "counter_speech",
            Category::Religious => "religious",
            Category::ActivismPolitics => "activism_politics",
            Category::GamingSports => "gaming_sports",
            Category::OsintModeration => "osint_moderation",
            Category::FileLinks => "file_links",
            Category::Everyday => "everyday",
        }
    }

    /// True for the violating categories.
    pub(crate) fn label(self) -> bool {
        matches!(
            self,
            Category::Glorification
                | Category::Support
                | Category::Recruitment
                | Category::Incitement
                | Category::Distribution
        )
    }

    /// A category drawn by [`WEIGHTS`].
    fn draw(rng: &mut Rng) -> Category {
        let mut roll = rng.below(1000);
        for (category, weight) in WEIGHTS {
            if roll < weight {
                return category;
            }
            roll -= weight;
        }
        Category::Everyday
    }
}

/// A post text under construction.
#[derive(Debug, Default)]
struct Segs(Vec<Seg>);

impl Segs {
    fn text(&mut self, s: impl Into<String>) {
        let s = s.into();
        if !s.is_empty() {
            self.0.push(Seg::Plain(s));
        }
    }

    fn link(&mut self, url: String) {
        self.0.push(Seg::Link(url));
    }

    /// Adds `count` hashtags of `tags` (fewer when the list is shorter), the first after a line break
    /// about a quarter of the time.
    fn tags(&mut self, rng: &mut Rng, tags: &[&str], count: usize) {
        if tags.is_empty() || count == 0 {
            return;
        }
        let first = rng.index(tags.len());
        let newline = rng.chance(250);
        for k in 0..count.min(tags.len()) {
            self.text(if k == 0 && newline { "\n" } else { " " });
            self.0
                .push(Seg::Hashtag(tags[(first + k) % tags.len()].to_owned()));
        }
    }

    /// Adds a filled template, putting a link segment where it says `{link}`.
    fn template(&mut self, filled: &str, link: &mut dyn FnMut() -> String) {
        let mut parts = filled.split("{link}");
        if let Some(first) = parts.next() {
            self.text(first);
        }
        for rest in parts {
            self.link(link());
            self.text(rest);
        }
    }
}

/// A random token of `len` letters and digits, as file hosts put in their links.
fn token(rng: &mut Rng, len: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..len).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}

/// A link to a made-up file host; `file` names the file for the hosts whose links carry one.
fn file_host_link(rng: &mut Rng, file: &str) -> String {
    let (domain, _, _, shape) = *rng.pick(lp::FILE_HOSTS);
    let len = rng.range(5, 10);
    let id = token(rng, len);
    let mut url = format!(
        "https://{domain}/{}",
        lp::fill(shape, &[("id", &id), ("file", file)])
    );
    if rng.chance(100) {
        url.push_str("?dl=1");
    }
    url
}

/// The script an outlet's name is written in: mostly that of the post's language.
fn arabic_script(rng: &mut Rng, lang: Lang) -> bool {
    match lang {
        Lang::Ar => rng.chance(800),
        _ => rng.chance(120),
    }
}

/// The outlet's name as an ordinary post writes it.
fn plain_name(rng: &mut Rng, outlet: &Outlet, lang: Lang) -> String {
    let list = if arabic_script(rng, lang) {
        outlet.arabic
    } else {
        outlet.latin
    };
    if rng.chance(550) {
        list[0].to_owned()
    } else {
        rng.word(list).to_owned()
    }
}

/// The outlet's name as a distribution post writes it: sometimes in odd case, about a tenth of the time
/// with zero-width characters or tatweel inside.
fn positive_name(rng: &mut Rng, outlet: &Outlet, lang: Lang) -> String {
    let arabic = arabic_script(rng, lang);
    let list = if arabic { outlet.arabic } else { outlet.latin };
    let name = if rng.chance(550) {
        list[0]
    } else {
        rng.word(list)
    };
    let roll = rng.below(1000);
    if roll < 100 {
        if arabic && rng.chance(600) {
            return outlet.arabic_stretched.to_owned();
        }
        return hide_name(rng, name);
    }
    if roll < 160 && !arabic {
        return name
            .chars()
            .map(|c| {
                if rng.chance(500) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
    }
    name.to_owned()
}

/// `name` with a zero-width character slipped inside the part that identifies the outlet, so that an
/// exact match of the name fails while the text looks the same.
fn hide_name(rng: &mut Rng, name: &str) -> String {
    let lower = name.to_lowercase();
    let chars: Vec<char> = name.chars().collect();
    // Lower-casing keeps the length of these names (ASCII and Arabic), so char positions agree.
    let (start, len) = lp::OUTLET_NEEDLES
        .iter()
        .find_map(|n| {
            lower
                .find(n)
                .map(|at| (lower[..at].chars().count(), n.chars().count()))
        })
        .unwrap_or((0, chars.len()));
    let at = (start + 1 + rng.index(len.saturating_sub(1))).min(chars.len());
    let mut out: String = chars[..at].iter().collect();
    out.push(*rng.pick(ZERO_WIDTH));
    out.extend(&chars[at..]);
    out
}

/// `s` with two adjacent letters of one longer Latin word swapped, as fast typing does.
fn typo(rng: &mut Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    let mut starts = Vec::new();
    let mut run = 0;
    // Letters inside `{placeholder}`s are never touched, so templates can be typed before they are filled.
    let mut in_placeholder = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == '{' || c == '}' {
            in_placeholder = c == '{';
            run = 0;
        } else if c.is_ascii_alphabetic() && !in_placeholder {
            run += 1;
            if run >= 5 {
                starts.push(i - 2);
            }
        } else {
            run = 0;
        }
    }
    if starts.is_empty() {
        return s.to_owned();
    }
    let at = *rng.pick(&starts);
    chars.swap(at, at + 1);
    chars.into_iter().collect()
}

/// `s`, with a typo about `per_mille / 1000` of the time.
fn maybe_typo(rng: &mut Rng, s: &str, per_mille: u64) -> String {
    if rng.chance(per_mille) {
        typo(rng, s)
    } else {
        s.to_owned()
    }
}

/// A hashtag count: 0 to 3, mostly 0 or 1.
fn tag_count(rng: &mut Rng) -> usize {
    match rng.below(20) {
        0..6 => 0,
        6..13 => 1,
        13..18 => 2,
        _ => 3,
    }
}

/// A link to a made-up news site.
fn news_link(rng: &mut Rng) -> String {
    const SECTIONS: &[&str] = &["world", "security", "tech", "international"];
    const SLUGS: &[&str] = &[
        "statement-online",
        "claims-monitoring",
        "platform-takedowns",
        "media-monitoring",
        "file-hosts-removals",
    ];
    format!(
        "https://news.example.com/{}/2024/{:02}/{}-{}",
        rng.word(SECTIONS),
        rng.range(1, 3),
        rng.word(SLUGS),
        rng.range(10_000, 99_999)
    )
}

/// A link to a made-up research site.
fn research_link(rng: &mut Rng) -> String {
    if rng.chance(650) {
        const KINDS: &[&str] = &["papers", "reports", "datasets"];
        format!(
            "https://research.example.org/{}/{}/{}",
            rng.word(KINDS),
            rng.range(2019, 2024),
            token(rng, 6)
        )
    } else {
        format!(
            "https://lab.university.example/pubs/{}-{}.pdf",
            rng.word(&["distribution", "takedowns", "outlets", "mirrors"]),
            rng.range(2019, 2024)
        )
    }
}

/// A link to a made-up community page.
fn community_link(rng: &mut Rng) -> String {
    if rng.chance(500) {
        format!("https://example.org/prayer-times/{}", rng.range(100, 999))
    } else {
        format!(
            "https://www.example.com/community/notices/{}",
            rng.range(1000, 9999)
        )
    }
}

/// The numbers and outlet name that the [`lt::LATE`] placeholders of an ordinary post take.
fn late_vars(rng: &mut Rng, lang: Lang) -> Vec<(&'static str, String)> {
    let indic = lp::indic_digits(rng, lang);
    let outlet = rng.pick(OUTLETS);
    let name = plain_name(rng, outlet, lang);
    let n = rng.range(2, 12);
    let y1 = rng.range(2015, 2021);
    let y2 = y1 + rng.range(1, 3);
    vec![
        ("outlet", name),
        ("n", lp::number(indic, n)),
        ("m", lp::number(indic, n + rng.range(1, 4))),
        ("n2", lp::number(indic, rng.range(10, 95))),
        ("big", lp::number(indic, rng.range(120, 4800))),
        ("issue", lp::number(indic, rng.range(380, 520))),
        ("y1", lp::number(indic, y1)),
        ("y2", lp::number(indic, y2)),
        (
            "v",
            format!(
                "{}.{}.{}",
                rng.range(1, 4),
                rng.range(0, 9),
                rng.range(0, 9)
            ),
        ),
    ]
}

/// 1 to 3 labelled file-host links (`{link}` marks each), or none about a tenth of the time.
fn link_list(rng: &mut Rng, lang: Lang) -> Option<String> {
    if rng.chance(100) {
        return None;
    }
    let sep = match rng.below(3) {
        0 => " ",
        1 => " | ",
        _ => "\n",
    };
    let mut out = String::new();
    for k in 0..rng.range(1, 3) {
        if k > 0 {
            out.push_str(sep);
        }
        if rng.chance(750) {
            let label = rng.word(lp::link_labels(lang));
            out.push_str(&maybe_typo(rng, label, 80));
            out.push(' ');
        }
        out.push_str("{link}");
    }
    Some(out)
}

/// The parts of a release notice: the placeholders of a distribution template, the file name its links
/// carry, and whether it has links (a notice without any sends the reader elsewhere instead).
fn release_vars(rng: &mut Rng, lang: Lang) -> (Vec<(&'static str, String)>, String, bool) {
    let outlet = rng.pick(OUTLETS);
    let name = positive_name(rng, outlet, lang);
    let n = match outlet.kind {
        lp::OutletKind::Newsletter => rng.range(380, 520),
        _ => rng.range(1, 24),
    };
    let m = n + rng.range(1, 4);
    let indic = lp::indic_digits(rng, lang);
    let part = lp::fill(
        rng.word(lp::part_labels(lang)),
        &[("n", &lp::number(indic, n)), ("m", &lp::number(indic, m))],
    );
    let head = rng.word(lp::release_heads(lang));
    let head = maybe_typo(rng, head, 100);
    let what = rng.word(lp::release_kinds(lang, outlet.kind));
    let q = if rng.chance(450) {
        rng.word(lp::QUALITY)
    } else {
        ""
    };
    let file = lp::fill(
        rng.word(lp::file_names(outlet.kind)),
        &[("n", &n.to_string())],
    );
    let links = link_list(rng, lang);
    let linked = links.is_some();
    let links = links.unwrap_or_else(|| rng.word(lp::links_elsewhere(lang)).to_owned());
    let call = rng.word(lp::share_calls(lang));
    let mut share = maybe_typo(rng, call, 100);
    if rng.chance(300) {
        share.push_str(if lang == Lang::Fr { " !" } else { "!" });
    }
    let vars = vec![
        ("outlet", name),
        ("head", head),
        ("what", what.to_owned()),
        ("part", part),
        ("q", q.to_owned()),
        ("links", links),
        ("share", share),
    ];
    (vars, file, linked)
}

/// A link of the kind a post of `category` carries; `file` names the file of file-host links.
fn link_for(rng: &mut Rng, category: Category, file: &str) -> String {
    match category {
        Category::Distribution | Category::FileLinks => file_host_link(rng, file),
        Category::News => news_link(rng),
        Category::Research => research_link(rng),
        Category::ActivismPolitics => format!(
            "https://petition.example.org/{}/{}",
            rng.word(&[
                "fair-rents",
                "save-the-library",
                "press-freedom",
                "clean-air"
            ]),
            token(rng, 6)
        ),
        Category::GamingSports => format!("https://clips.example.net/{}", token(rng, 8)),
        Category::OsintModeration => format!(
            "https://transparency.example.com/reports/{}-h{}",
            rng.range(2021, 2024),
            rng.range(1, 2)
        ),
        Category::Glorification
        | Category::Support
        | Category::Recruitment
        | Category::Incitement => format!("https://chat.example/+{}", token(rng, 10)),
        Category::CounterSpeech | Category::Religious | Category::Everyday => community_link(rng),
    }
}

/// Whether `c` is an Arabic letter (hamza to yeh).
fn arabic_letter(c: char) -> bool {
    ('\u{0621}'..='\u{064A}').contains(&c)
}

/// `s` with every word-final ta marbuta (ة) written as heh (ه), a common informal spelling.
fn ta_marbuta_as_heh(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if c == 'ة' && chars.get(i + 1).is_none_or(|&next| !arabic_letter(next)) {
                'ه'
            } else {
                c
            }
        })
        .collect()
}

/// `s` with the hamza seats of alef (أ إ آ) written as a bare alef, as fast typing does.
fn without_hamza(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'أ' | 'إ' | 'آ' => 'ا',
            c => c,
        })
        .collect()
}

/// The paraphrase rules applied to an expanded template before its late placeholders are filled (so they
/// never touch an outlet name, a number or a link): typos, Arabic spelling variants, case and a dropped
/// final full stop. Release notices keep their own typos and case.
fn paraphrase(rng: &mut Rng, lang: Lang, category: Category, text: String) -> String {
    if category == Category::Distribution {
        return text;
    }
    let mut text = maybe_typo(rng, &text, 80);
    if lang == Lang::Ar {
        if rng.chance(200) {
            text = without_hamza(&text);
        }
        if rng.chance(120) {
            text = ta_marbuta_as_heh(&text);
        }
    } else if rng.chance(70) {
        text = text.to_lowercase();
    } else if let Some(first) = text.chars().next().filter(|c| c.is_lowercase()) {
        text = first.to_uppercase().chain(text.chars().skip(1)).collect();
    }
    if text.ends_with('.') && !text.ends_with("..") && rng.chance(150) {
        text.pop();
    }
    text
}

/// `s` without the doubled and dangling spaces that empty alternatives and placeholders leave, line by
/// line, and without empty lines.
fn tidy(s: &str) -> String {
    s.split('\n')
        .map(|line| {
            let mut line = line
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            for (from, to) in [(" ,", ","), (" .", "."), (" ،", "،")] {
                if line.contains(from) {
                    line = line.replace(from, to);
                }
            }
            line
        })
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A post of `category` in `lang` drawn from template `index`: the template expanded, paraphrased and
/// filled, then emoji, category extras (a news link, a research link) and hashtags.
fn compose(rng: &mut Rng, lang: Lang, category: Category, index: usize) -> Vec<Seg> {
    let templates = lt::templates(lang, category);
    let template = templates.get(index).copied().unwrap_or_default();
    let expanded = lt::expand(rng, lang, template);
    let text = paraphrase(rng, lang, category, expanded);
    let (vars, file, linked) = if category == Category::Distribution {
        release_vars(rng, lang)
    } else {
        let n = rng.range(1, 99).to_string();
        let file = lp::fill(rng.word(lp::ORDINARY_FILES), &[("n", &n)]);
        (late_vars(rng, lang), file, true)
    };
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let filled = tidy(&lp::fill(&text, &pairs));

    let emoji = lp::category_emoji(category);
    let (before, after) = match category {
        Category::Distribution => (400, 200),
        c if c.label() => (150, 350),
        _ => (60, 250),
    };
    let mut segs = Segs::default();
    if category == Category::News && rng.chance(100) {
        segs.text(match lang {
            Lang::En => "Update: ",
            Lang::Fr => "Mise à jour : ",
            Lang::Ar => "تحديث: ",
        });
    } else if rng.chance(before) {
        segs.text(format!("{} ", rng.word(emoji)));
    }
    let has_link = filled.contains("{link}");
    segs.template(&filled, &mut || link_for(rng, category, &file));
    match category {
        Category::News if !has_link && rng.chance(450) => {
            segs.text(format!(" {} ", rng.word(lp::read_more(lang))));
            segs.link(news_link(rng));
        }
        Category::Research if !has_link && rng.chance(400) => {
            segs.text(" ");
            segs.link(research_link(rng));
        }
        _ => {}
    }
    if rng.chance(after) {
        segs.text(format!(" {}", rng.word(emoji)));
    }
    let tags = match category {
        // A notice without links names its campaign hashtag.
        Category::Distribution if !linked => tag_count(rng).max(1),
        c if c.label() => tag_count(rng),
        _ if rng.chance(350) => rng.range(1, 2) as usize,
        _ => 0,
    };
    segs.tags(rng, lp::category_tags(lang, category), tags);
    segs.0
}

/// One post drawn from the templates of `split` (from every template when `None`): its category, the id
/// of its template and its text.
fn draw_one(rng: &mut Rng, split: Option<Split>) -> (Category, String, Body) {
    let lang = match rng.below(3) {
        0 => Lang::Fr,
        1 => Lang::En,
        _ => Lang::Ar,
    };
    let category = Category::draw(rng);
    let allowed: Vec<usize> = (0..lt::templates(lang, category).len())
        .filter(|&i| split.is_none_or(|s| Split::of(i) == s))
        .collect();
    let index = allowed
        .get(rng.index(allowed.len()))
        .copied()
        .unwrap_or_default();
    let segs = compose(rng, lang, category, index);
    (
        category,
        lt::template_id(lang, category, index),
        Body { lang, segs },
    )
}

/// A drawn post with its text's segments, which the corpus file needs for its entity lists.
#[derive(Debug, Clone)]
struct Drawn {
    post: LabelledPost,
    category: Category,
    body: Body,
}

/// Draws `count` posts with ids `{prefix}-00000` upwards from the templates of `split`, none of whose
/// texts is in `seen` (which receives them), so that no text repeats within a set or between the sets
/// drawn with one `seen`.
fn draw_set(
    seed: u64,
    stream: u64,
    prefix: &str,
    count: usize,
    split: Option<Split>,
    seen: &mut HashSet<String>,
) -> Vec<Drawn> {
    let mut out = Vec::with_capacity(count);
    // A bound on redraws that is never reached in practice; past it, repeats are accepted.
    let give_up = count as u64 * 20 + 100;
    let mut attempt = 0_u64;
    while out.len() < count {
        let mut rng = Rng::derive(seed, stream, attempt);
        attempt += 1;
        let (category, template, body) = draw_one(&mut rng, split);
        let text = body.flat();
        if !seen.insert(text.clone()) && attempt <= give_up {
            continue;
        }
        out.push(Drawn {
            post: LabelledPost {
                id: format!("{prefix}-{:05}", out.len()),
                text,
                language: body.lang.code().to_owned(),
                label: category.label(),
                category: category.name().to_owned(),
                template,
            },
            category,
            body,
        });
    }
    out
}

/// The training and the evaluation sets of a corpus: the first from training templates only, the second
/// from held-out templates only, no text in both.
fn draw_splits(seed: u64, train: usize, eval: usize) -> (Vec<Drawn>, Vec<Drawn>) {
    let mut seen = HashSet::new();
    let train = draw_set(seed, S_TRAIN, "train", train, Some(Split::Train), &mut seen);
    let eval = draw_set(seed, S_EVAL, "eval", eval, Some(Split::Eval), &mut seen);
    (train, eval)
}

/// `count` labelled posts drawn from `seed`, with ids `lp-00000` upwards; the same arguments always give
/// the same posts, and no text repeats.
///
/// About 40 % violate, 8 % in each category of the taxonomy (`glorification`, `support`, `recruitment`,
/// `incitement`, `distribution`); the rest are hard negatives that share their vocabulary (`news`,
/// `research`, `counter_speech`, `religious`, `activism_politics`, `gaming_sports`, `osint_moderation`,
/// `file_links`, `everyday`). Languages are split evenly between `fr`, `en` and `ar`. The posts come from
/// every template, training and held-out alike (the corpus's `labels/` files keep the two apart). Every
/// text is synthetic, generated for testing the detector from short non-operational templates, and every
/// link is on a domain reserved by RFC 2606. Cost: a few microseconds per post.
pub fn labelled_posts(seed: u64, count: usize) -> Vec<LabelledPost> {
    draw_set(seed, S_PUBLIC, "lp", count, None, &mut HashSet::new())
        .into_iter()
        .map(|d| d.post)
        .collect()
}

/// Writes `posts` as JSON lines: one object per line with the keys `id`, `text`, `language`, `label`,
/// `category` and `template`, in that order, each line ending with `\n`. This is the `--labels` format of
/// `vigie model train` and `vigie evaluate` (which ignore `template`).
///
/// Fails only when `out` fails.
pub fn write_labels_jsonl(out: &mut impl Write, posts: &[LabelledPost]) -> io::Result<()> {
    for post in posts {
        serde_json::to_writer(&mut *out, post).map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// How many labelled posts the corpus holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LabelledPlan {
    pub seed: u64,
    /// Posts of the training set.
    pub train: usize,
    /// Posts of the evaluation set, which are also the posts of the corpus file.
    pub eval: usize,
}

/// The made-up accounts of the corpus file: `(stem, how many)` by pool.
fn pools() -> [(&'static [&'static str], usize); 6] {
    [
        (lp::DISTRIBUTOR_STEMS, 2),
        (lp::NEWSROOM_STEMS, 2),
        (lp::RESEARCH_STEMS, 2),
        (lp::COUNTER_STEMS, 2),
        (lp::ORDINARY_STEMS, 4),
        (lp::SUPPORTER_STEMS, 2),
    ]
}

/// `(account id, handle, display name)` of account `k` of pool `pool`.
fn account(pool: usize, k: usize) -> (String, String, String) {
    let all = pools();
    let (stems, per_stem) = all[pool.min(all.len() - 1)];
    let offset: usize = all[..pool.min(all.len() - 1)]
        .iter()
        .map(|(s, n)| s.len() * n)
        .sum();
    let stem = stems[(k / per_stem) % stems.len()];
    let number = k % per_stem + 1;
    let handle = format!("{stem}_{number}");
    let mut display: String = stem.replace('_', " ");
    if let Some(first) = display.get(..1) {
        display = format!("{}{}", first.to_uppercase(), &display[1..]);
    }
    (
        format!("forum-{:04}", offset + k + 1),
        handle,
        format!("{display} {number}"),
    )
}

/// The account that posts a post of `category`: each pool its own kinds of post, with a few everyday posts
/// from the distributors and supporters so that the account alone does not give the label away.
fn author(rng: &mut Rng, category: Category) -> (String, String, String) {
    let pool = match category {
        Category::Distribution => 0,
        Category::News => 1,
        Category::Research | Category::OsintModeration => 2,
        Category::CounterSpeech | Category::ActivismPolitics => 3,
        Category::Glorification
        | Category::Support
        | Category::Recruitment
        | Category::Incitement => 5,
        Category::Everyday if rng.chance(100) => 0,
        Category::Everyday if rng.chance(100) => 5,
        Category::Religious | Category::GamingSports | Category::FileLinks | Category::Everyday => {
            4
        }
    };
    let (stems, per_stem) = pools()[pool];
    account(pool, rng.index(stems.len() * per_stem))
}

#[derive(Debug, Serialize)]
struct CorpusLine<'a> {
    platform: &'static str,
    id: &'a str,
    created_at: String,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    account_id: String,
    account_handle: String,
    account_display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hashtags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<Vec<String>>,
}

fn counts(set: &[Drawn]) -> LabelCounts {
    let mut per_category = BTreeMap::new();
    let mut langs = LangCounts::default();
    for d in set {
        *per_category
            .entry(d.category.name().to_owned())
            .or_insert(0) += 1;
        langs.add(&d.post.language);
    }
    let positives = set.iter().filter(|d| d.post.label).count();
    LabelCounts {
        posts: set.len(),
        positives,
        negatives: set.len() - positives,
        per_category,
        langs,
    }
}

fn labels_bytes(set: &[Drawn], file: &str) -> Result<Vec<u8>, SampleError> {
    let posts: Vec<LabelledPost> = set.iter().map(|d| d.post.clone()).collect();
    let mut bytes = Vec::new();
    write_labels_jsonl(&mut bytes, &posts).map_err(|source| SampleError::Stream {
        what: if file == TRAIN_FILE {
            "training labels"
        } else {
            "evaluation labels"
        },
        source,
    })?;
    Ok(bytes)
}

/// Writes the two label sets, the file-host list and the corpus file of the evaluation posts.
pub(crate) fn write(out: &mut Output, plan: &LabelledPlan) -> Result<LabelledSummary, SampleError> {
    let (train, eval) = draw_splits(plan.seed, plan.train, plan.eval);
    out.write(TRAIN_FILE, &labels_bytes(&train, TRAIN_FILE)?)?;
    out.write(EVAL_FILE, &labels_bytes(&eval, EVAL_FILE)?)?;

    let mut hosts = String::from("domain,category,weight,note\n");
    for (domain, weight, note, _) in lp::FILE_HOSTS {
        hosts.push_str(&format!("{domain},file_host,{weight},{note}\n"));
    }
    out.write(FILE_HOSTS_FILE, hosts.as_bytes())?;

    let mut bytes = Vec::new();
    let mut accounts = BTreeSet::new();
    for (i, d) in eval.iter().enumerate() {
        let mut rng = Rng::derive(plan.seed, S_CORPUS, i as u64);
        let (account_id, account_handle, account_display_name) = author(&mut rng, d.category);
        accounts.insert(account_id.clone());
        let unix = dates::spread(i, eval.len(), CORPUS_START, CORPUS_END, &mut rng);
        let lists = rng.chance(500);
        let line = CorpusLine {
            platform: CORPUS_PLATFORM,
            id: &d.post.id,
            created_at: dates::rfc3339_utc(unix),
            text: &d.post.text,
            lang: rng.chance(600).then_some(d.post.language.as_str()),
            account_id,
            account_handle,
            account_display_name,
            hashtags: lists.then(|| d.body.hashtags()),
            urls: lists.then(|| d.body.urls()),
        };
        serde_json::to_writer(&mut bytes, &line).map_err(|source| SampleError::Json {
            what: format!("labelled post {}", d.post.id),
            source,
        })?;
        bytes.push(b'\n');
    }
    out.write(CORPUS_FILE, &bytes)?;

    Ok(LabelledSummary {
        train_file: TRAIN_FILE.to_owned(),
        eval_file: EVAL_FILE.to_owned(),
        file_hosts_file: FILE_HOSTS_FILE.to_owned(),
        corpus_file: CORPUS_FILE.to_owned(),
        corpus_platform: CORPUS_PLATFORM.to_owned(),
        train: counts(&train),
        eval: counts(&eval),
        corpus_posts: eval.len(),
        corpus_accounts: accounts.len(),
        file_hosts: lp::FILE_HOSTS.len(),
    })
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    const LANGS: [&str; 3] = ["fr", "en", "ar"];
    /// The violating categories of `vigie_model::TAXONOMY`, as the label files name them.
    fn violating() -> [&'static str; 5] {
        vigie_model::Violation::ALL.map(vigie_model::Violation::as_str)
    }
    const HARD_NEGATIVES: [&str; 9] = [
        "news",
        "research",
        "counter_speech",
        "religious",
        "activism_politics",
        "gaming_sports",
        "osint_moderation",
        "file_links",
        "everyday",
    ];

    /// The text lower-cased, without zero-width characters and tatweel.
    fn folded(text: &str) -> String {
        text.chars()
            .filter(|c| !ZERO_WIDTH.contains(c) && *c != '\u{0640}' && *c != '\u{FEFF}')
            .collect::<String>()
            .to_lowercase()
    }

    fn names_outlet(text: &str) -> bool {
        let t = folded(text);
        lp::OUTLET_NEEDLES.iter().any(|n| t.contains(n))
    }

    /// The hosts of every `scheme://host` in `text`.
    fn hosts(text: &str) -> Vec<String> {
        text.match_indices("://")
            .map(|(at, _)| {
                text[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
                    .collect()
            })
            .collect()
    }

    fn reserved(host: &str) -> bool {
        ["example.com", "example.org", "example.net"]
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
            || host == "example"
            || host.ends_with(".example")
    }

    /// The split of the template a post names by its id (`{lang}-{category}-{index}`).
    fn split_of(post: &LabelledPost) -> Option<Split> {
        let index: usize = post.template.rsplit('-').next()?.parse().ok()?;
        Some(Split::of(index))
    }

    #[test]
    fn the_same_seed_gives_the_same_posts() {
        let a = labelled_posts(11, 400);
        assert_eq!(a, labelled_posts(11, 400));
        assert_ne!(a, labelled_posts(12, 400));
        // A shorter draw is a prefix of a longer one.
        assert_eq!(labelled_posts(11, 50), a[..50].to_vec());
        let ids: HashSet<&str> = a.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), a.len());
        let texts: HashSet<&str> = a.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts.len(), a.len());
        assert!(labelled_posts(1, 0).is_empty());
        // The corpus's two sets too.
        let posts = |set: Vec<Drawn>| set.into_iter().map(|d| d.post).collect::<Vec<_>>();
        let (train, eval) = draw_splits(5, 300, 100);
        let (train_again, eval_again) = draw_splits(5, 300, 100);
        let (train, eval) = (posts(train), posts(eval));
        assert_eq!(train, posts(train_again));
        assert_eq!(eval, posts(eval_again));
        assert_ne!(train, posts(draw_splits(6, 300, 100).0));
    }

    #[test]
    fn eval_templates_never_generate_training_posts() {
        let (train, eval) = draw_splits(7, 2000, 600);
        let train_templates: BTreeSet<&str> =
            train.iter().map(|d| d.post.template.as_str()).collect();
        let eval_templates: BTreeSet<&str> =
            eval.iter().map(|d| d.post.template.as_str()).collect();
        let shared: Vec<&&str> = train_templates.intersection(&eval_templates).collect();
        assert!(shared.is_empty(), "in both splits: {shared:?}");
        for d in &train {
            assert_eq!(split_of(&d.post), Some(Split::Train), "{:?}", d.post);
        }
        for d in &eval {
            assert_eq!(split_of(&d.post), Some(Split::Eval), "{:?}", d.post);
        }
        // Every post's template id names its language and category.
        for d in train.iter().chain(&eval) {
            let p = &d.post;
            let prefix = format!("{}-{}-", p.language, p.category);
            assert!(p.template.starts_with(&prefix), "{p:?}");
        }
        // Every (language, violating category) has posts in both splits, from more than one template.
        for lang in LANGS {
            for category in violating() {
                for (set, name) in [(&train, "train"), (&eval, "eval")] {
                    let templates: BTreeSet<&str> = set
                        .iter()
                        .filter(|d| d.post.language == lang && d.post.category == category)
                        .map(|d| d.post.template.as_str())
                        .collect();
                    assert!(
                        templates.len() >= 2,
                        "{lang} {category} {name}: {templates:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_category_appears_in_every_language() {
        // The violating categories are exactly the taxonomy's, in its order.
        let labelled: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| c.label())
            .map(|c| c.name())
            .collect();
        assert_eq!(labelled, violating());
        let benign: Vec<&str> = Category::ALL
            .iter()
            .filter(|c| !c.label())
            .map(|c| c.name())
            .collect();
        assert_eq!(benign, HARD_NEGATIVES);

        let posts = |set: Vec<Drawn>| set.into_iter().map(|d| d.post).collect::<Vec<_>>();
        let (train, eval) = draw_splits(3, 2000, 1000);
        for (name, set) in [
            ("public", labelled_posts(3, 2000)),
            ("train", posts(train)),
            ("eval", posts(eval)),
        ] {
            for lang in LANGS {
                for category in violating().iter().chain(&HARD_NEGATIVES) {
                    assert!(
                        set.iter()
                            .any(|p| p.language == lang && p.category == *category),
                        "{name}: no {category} in {lang}"
                    );
                }
            }
        }
    }

    #[test]
    fn classes_and_languages_are_balanced() {
        let posts = labelled_posts(7, 3000);
        let positives = posts.iter().filter(|p| p.label).count();
        assert!((1080..1320).contains(&positives), "{positives} positives");
        let mut per_category: BTreeMap<&str, u64> = BTreeMap::new();
        let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &posts {
            *per_category.entry(p.category.as_str()).or_default() += 1;
            *per_lang.entry(p.language.as_str()).or_default() += 1;
            assert_eq!(p.label, violating().contains(&p.category.as_str()), "{p:?}");
        }
        for (category, per_mille) in WEIGHTS {
            let expected = per_mille * 3;
            let n = per_category.get(category.name()).copied().unwrap_or(0);
            assert!(
                n * 4 > expected * 3 && n * 4 < expected * 5,
                "{}: {n}, expected about {expected}",
                category.name()
            );
        }
        assert_eq!(per_lang.len(), 3, "{per_lang:?}");
        for (lang, n) in &per_lang {
            assert!((900..1100).contains(n), "{lang}: {n}");
        }
    }

    #[test]
    fn distribution_posts_name_an_outlet_and_carry_a_link_or_hashtag() {
        let posts = labelled_posts(3, 8000);
        let mut evasive = 0;
        let mut distribution = 0;
        for p in posts.iter().filter(|p| p.category == "distribution") {
            distribution += 1;
            assert!(names_outlet(&p.text), "{}", p.text);
            assert!(
                p.text.contains("https://") || p.text.contains('#'),
                "{}",
                p.text
            );
            let t = p.text.to_lowercase();
            if folded(&p.text) != t {
                evasive += 1;
                // The evasive spelling defeats an exact match of every known spelling.
                assert!(
                    !lp::OUTLET_NEEDLES.iter().any(|n| t.contains(n)),
                    "{}",
                    p.text
                );
            }
        }
        // About a tenth of them hide the name from exact matching.
        let share = evasive as f64 / distribution as f64;
        assert!((0.06..0.14).contains(&share), "{evasive} of {distribution}");
    }

    #[test]
    fn ordinary_negatives_never_name_an_outlet() {
        let posts = labelled_posts(5, 4000);
        let ordinary = [
            "religious",
            "activism_politics",
            "gaming_sports",
            "file_links",
            "everyday",
        ];
        let mut checked = 0;
        let mut naming = BTreeMap::<&str, usize>::new();
        for p in &posts {
            if ordinary.contains(&p.category.as_str()) {
                checked += 1;
                assert!(!names_outlet(&p.text), "{}: {}", p.category, p.text);
            } else if names_outlet(&p.text) {
                *naming.entry(p.category.as_str()).or_default() += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
        // The hard negatives that report on the outlets name them, as distribution posts do.
        for category in ["news", "research", "counter_speech", "osint_moderation"] {
            assert!(
                naming.get(category).copied().unwrap_or(0) > 20,
                "{naming:?}"
            );
        }
        // The other violating categories do not lean on outlet names.
        for category in ["glorification", "support", "recruitment", "incitement"] {
            assert_eq!(naming.get(category), None, "{naming:?}");
        }
    }

    #[test]
    fn links_stay_on_reserved_example_domains() {
        let posts = labelled_posts(9, 3000);
        let mut file_hosts = 0;
        for p in &posts {
            for host in hosts(&p.text) {
                assert!(reserved(&host), "{host} in {}", p.text);
                if lp::FILE_HOSTS.iter().any(|(d, ..)| *d == host) {
                    file_hosts += 1;
                }
            }
        }
        assert!(file_hosts > 300, "{file_hosts}");
        for (domain, ..) in lp::FILE_HOSTS {
            assert!(reserved(domain), "{domain}");
        }
        // Some negatives link to file hosts too: the link alone must not decide.
        assert!(posts.iter().any(|p| {
            !p.label
                && lp::FILE_HOSTS
                    .iter()
                    .any(|(d, ..)| p.text.contains(&format!("https://{d}/")))
        }));
    }

    #[test]
    fn paraphrase_rules_vary_spelling_and_leave_no_placeholder() {
        let posts = labelled_posts(13, 3000);
        for p in &posts {
            assert!(!p.text.contains('{') && !p.text.contains('}'), "{}", p.text);
            assert!(
                !p.text.contains("  ") && !p.text.contains(" ,"),
                "{:?}",
                p.text
            );
            assert_eq!(p.text.trim(), p.text, "{:?}", p.text);
        }
        // Spelling variants of the same words occur.
        let has = |needle: &str| posts.iter().any(|p| p.text.contains(needle));
        for (a, b) in [
            ("dawla ", "dawlah"),
            ("khilafa", "caliphate"),
            ("shaheed", "shahid"),
            ("الدولة", "الدوله"),
        ] {
            assert!(has(a) && has(b), "{a} / {b}");
        }
        assert_eq!(ta_marbuta_as_heh("الدولة الإسلامية."), "الدوله الإسلاميه.");
        assert_eq!(ta_marbuta_as_heh("ةا"), "ةا");
        assert_eq!(without_hamza("أإآب"), "اااب");
        assert_eq!(tidy("a  b ,c\n \n d ."), "a b,c\nd.");
    }

    #[test]
    fn jsonl_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        let posts = labelled_posts(21, 300);
        let mut buf = Vec::new();
        write_labels_jsonl(&mut buf, &posts)?;
        let text = String::from_utf8(buf)?;
        assert_eq!(text.lines().count(), posts.len());
        assert!(text.ends_with('\n'));
        let mut back = Vec::new();
        for line in text.lines() {
            assert!(line.starts_with("{\"id\":"), "{line}");
            let value: serde_json::Value = serde_json::from_str(line)?;
            let keys: Vec<&str> = value
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            assert_eq!(keys.len(), 6, "{line}");
            assert!(
                ["label", "category", "text", "template"]
                    .iter()
                    .all(|k| keys.contains(k)),
                "{line}"
            );
            back.push(serde_json::from_str::<LabelledPost>(line)?);
        }
        assert_eq!(back, posts);
        Ok(())
    }

    #[test]
    fn typos_swap_letters_of_long_words_only() {
        let mut rng = Rng::new(4);
        for _ in 0..100 {
            let t = typo(&mut rng, "Share before it is deleted");
            assert_ne!(t, "Share before it is deleted");
            let mut a: Vec<char> = t.chars().collect();
            let mut b: Vec<char> = "Share before it is deleted".chars().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
        }
        assert_eq!(typo(&mut rng, "انشروا قبل الحذف"), "انشروا قبل الحذف");
        assert_eq!(typo(&mut rng, "a b c"), "a b c");
        assert_eq!(typo(&mut rng, "x {outlet} y"), "x {outlet} y");
    }

    #[test]
    fn accounts_are_distinct_across_pools() {
        let mut ids = HashSet::new();
        let mut handles = HashSet::new();
        for (pool, (stems, per)) in pools().iter().enumerate() {
            for k in 0..stems.len() * per {
                let (id, handle, name) = account(pool, k);
                assert!(ids.insert(id));
                assert!(handles.insert(handle));
                assert!(!name.is_empty());
            }
        }
        assert!((30..80).contains(&ids.len()), "{}", ids.len());
    }
}
