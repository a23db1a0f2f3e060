//! Labelled synthetic posts for training and evaluating a text classifier that recognises the
//! distribution of terrorist media releases, with the hard negatives such a classifier must not flag.
//!
//! **Everything here is synthetic, generated from a seed, for testing the detector. No real propaganda
//! text is used or imitated.** The positive class (`distribution`) has the *shape* analysts see when a
//! release is pushed out, not its content: an outlet name, "new release" or "download" wording, part
//! numbers, links to file hosts, campaign hashtags and "share before it is deleted" calls. Positives
//! contain no violent language, no slogans, no calls to violence and no praise of anyone. The names of the
//! media outlets (Amaq, al-Hayat Media Center, al-Furqan, al-Naba, As-Sahab, in Latin and Arabic script)
//! are the publicly documented names, used as they appear in news reports and research. Every link is on a
//! domain reserved by RFC 2606: `example.com`, `example.net`, `example.org` and the `.example` top-level
//! domain; the file hosts are made up.
//!
//! The negative class holds the posts a naive detector confuses with distribution: journalists reporting
//! about the outlets (`news_reporting`), researchers (`research`), people condemning the outlets and asking
//! others to report them (`counter_speech`), ordinary religious greetings and notices with no outlet name
//! (`religious`), and the everyday posts of the rest of the corpus (`everyday`), a third of them in Arabic,
//! some with ordinary file-host links. Languages are balanced between French, English and Arabic, about a
//! quarter of the posts are positive, and about a tenth of the positives spell the outlet name evasively
//! (zero-width characters, tatweel) so that a classifier has to generalise.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::dates::{self, CORPUS_END, CORPUS_START};
use crate::error::SampleError;
use crate::labelled_phrases::{self as lp, OUTLETS, Outlet};
use crate::output::Output;
use crate::rng::Rng;
use crate::summary::{LabelCounts, LabelledSummary, LangCounts};
use crate::text::{self, Body, Lang, Seg, Style};

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
/// keys `id`, `text`, `language`, `label`, `category`, in that order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledPost {
    /// Unique within a set, e.g. `lp-00042`, `train-00042` or `eval-00042`.
    pub id: String,
    /// The post text.
    pub text: String,
    /// The language the text was written in: `fr`, `en` or `ar`.
    pub language: String,
    /// True for the positive class: the post distributes a release of a terrorist media outlet.
    pub label: bool,
    /// Why the post has its label: `distribution` (the only positive category), `news_reporting`,
    /// `research`, `counter_speech`, `religious` or `everyday`.
    pub category: String,
}

/// The class a post is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Distribution,
    NewsReporting,
    Research,
    CounterSpeech,
    Religious,
    Everyday,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Distribution => "distribution",
            Category::NewsReporting => "news_reporting",
            Category::Research => "research",
            Category::CounterSpeech => "counter_speech",
            Category::Religious => "religious",
            Category::Everyday => "everyday",
        }
    }

    fn label(self) -> bool {
        self == Category::Distribution
    }

    /// A category drawn 25 % distribution, 18 % news, 12 % research, 12 % counter-speech, 13 % religious
    /// and 20 % everyday.
    fn draw(rng: &mut Rng) -> Category {
        match rng.below(1000) {
            0..250 => Category::Distribution,
            250..430 => Category::NewsReporting,
            430..550 => Category::Research,
            550..670 => Category::CounterSpeech,
            670..800 => Category::Religious,
            _ => Category::Everyday,
        }
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

/// A distribution post: release notice, file-host links, a share call, campaign hashtags.
fn distribution(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let outlet = rng.pick(OUTLETS);
    let name = positive_name(rng, outlet, lang);
    let n = match outlet.kind {
        lp::OutletKind::Newsletter => rng.range(380, 520),
        _ => rng.range(1, 24),
    };
    let m = n + rng.range(1, 4);
    let indic = lp::indic_digits(rng, lang);
    let n_text = lp::number(indic, n);
    let m_text = lp::number(indic, m);
    let part = lp::fill(
        rng.word(lp::part_labels(lang)),
        &[("n", &n_text), ("m", &m_text)],
    );
    let head = rng.word(lp::release_heads(lang));
    let head = maybe_typo(rng, head, 100);
    let what = rng.word(lp::release_kinds(lang, outlet.kind));
    let q = if rng.chance(450) {
        rng.word(lp::QUALITY)
    } else {
        ""
    };
    let line = lp::fill(
        rng.word(lp::release_lines(lang)),
        &[
            ("head", &head),
            ("outlet", &name),
            ("what", what),
            ("part", &part),
            ("q", q),
        ],
    );
    let line = line
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>();
    let mut segs = Segs::default();
    if rng.chance(400) {
        segs.text(format!("{} ", rng.word(lp::DISTRIBUTION_EMOJI)));
    }
    segs.text(line.join(" "));

    let links = if rng.chance(100) { 0 } else { rng.range(1, 3) };
    let file = lp::fill(
        rng.word(lp::file_names(outlet.kind)),
        &[("n", &n.to_string())],
    );
    let list_sep = match rng.below(3) {
        0 => " ",
        1 => " | ",
        _ => "\n",
    };
    for k in 0..links {
        segs.text(if k == 0 && rng.chance(600) {
            "\n"
        } else {
            list_sep
        });
        if rng.chance(750) {
            let label = rng.word(lp::link_labels(lang));
            let label = maybe_typo(rng, label, 80);
            segs.text(format!("{label} "));
        }
        segs.link(file_host_link(rng, &file));
    }
    if links == 0 {
        segs.text(format!(" — {}", rng.word(lp::links_elsewhere(lang))));
    }
    if rng.chance(700) {
        let call = rng.word(lp::share_calls(lang));
        let call = maybe_typo(rng, call, 100);
        let sep = if rng.chance(500) { "\n" } else { " " };
        segs.text(format!("{sep}{call}"));
        if rng.chance(300) {
            segs.text(if lang == Lang::Fr { " !" } else { "!" });
        }
    }
    let mut tags = tag_count(rng);
    if links == 0 {
        tags = tags.max(1);
    }
    segs.tags(rng, lp::campaign_tags(lang), tags);
    if rng.chance(200) {
        segs.text(format!(" {}", rng.word(lp::DISTRIBUTION_EMOJI)));
    }
    segs.0
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

/// A journalist reporting about an outlet, with an attribution.
fn news_reporting(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let outlet = rng.pick(OUTLETS);
    let name = plain_name(rng, outlet, lang);
    let template = rng.word(lp::news_templates(lang));
    let issue = rng.range(380, 520);
    let n = lp::number(lp::indic_digits(rng, lang), issue);
    let filled = lp::fill(
        template,
        &[
            ("outlet", &name),
            ("src", rng.word(lp::news_sources(lang))),
            ("subj", rng.word(lp::AR_NEWS_SUBJECTS)),
            ("place", rng.word(lp::news_places(lang))),
            ("day", rng.word(lp::days(lang))),
            ("n", &n),
        ],
    );
    let mut segs = Segs::default();
    if rng.chance(100) {
        segs.text(match lang {
            Lang::En => "Update: ",
            Lang::Fr => "Mise à jour : ",
            Lang::Ar => "تحديث: ",
        });
    }
    segs.text(filled);
    if rng.chance(450) {
        segs.text(format!(" {} ", rng.word(lp::read_more(lang))));
        segs.link(news_link(rng));
    }
    if rng.chance(250) {
        segs.tags(rng, lp::news_tags(lang), 1);
    }
    segs.0
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

/// A researcher writing about an outlet.
fn research(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let outlet = rng.pick(OUTLETS);
    let name = plain_name(rng, outlet, lang);
    let template = rng.word(lp::research_templates(lang));
    let y1 = rng.range(2015, 2021);
    let y2 = y1 + rng.range(1, 3);
    let indic = lp::indic_digits(rng, lang);
    let filled = lp::fill(
        template,
        &[
            ("outlet", &name),
            ("y1", &lp::number(indic, y1)),
            ("y2", &lp::number(indic, y2)),
            ("n", &rng.range(40, 900).to_string()),
            ("finding", rng.word(lp::findings(lang))),
            ("day", rng.word(lp::days(lang))),
        ],
    );
    let mut segs = Segs::default();
    let has_link = filled.contains("{link}");
    segs.template(&filled, &mut || research_link(rng));
    if !has_link && rng.chance(400) {
        segs.text(" ");
        segs.link(research_link(rng));
    }
    if rng.chance(150) {
        segs.text(" 📊");
    }
    if rng.chance(350) {
        let count = rng.range(1, 2) as usize;
        segs.tags(rng, lp::research_tags(lang), count);
    }
    segs.0
}

/// Someone condemning an outlet and asking others to report rather than share.
fn counter_speech(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let outlet = rng.pick(OUTLETS);
    let name = plain_name(rng, outlet, lang);
    let template = rng.word(lp::counter_templates(lang));
    let template = maybe_typo(rng, template, 80);
    let mut segs = Segs::default();
    segs.text(lp::fill(&template, &[("outlet", &name)]));
    if rng.chance(300) {
        segs.text(format!(" {}", rng.word(lp::COUNTER_EMOJI)));
    }
    if rng.chance(400) {
        segs.tags(rng, lp::counter_tags(lang), 1);
    }
    segs.0
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

/// An ordinary religious greeting, wish or community notice: no outlet, no violence.
fn religious(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let mut segs = Segs::default();
    let greeting = rng.word(lp::greetings(lang));
    let notice = |rng: &mut Rng| {
        lp::fill(
            rng.word(lp::community_notices(lang)),
            &[
                ("day", rng.word(lp::days(lang))),
                ("venue", rng.word(lp::venues(lang))),
            ],
        )
    };
    match rng.below(4) {
        0 | 1 => {
            segs.text(greeting);
            if rng.chance(600) {
                segs.text(format!(" {}", rng.word(lp::addressees(lang))));
            }
            if rng.chance(400) {
                segs.text(format!(" {}", rng.word(lp::RELIGIOUS_EMOJI)));
            }
            if rng.chance(650) {
                segs.text(if rng.chance(300) { "\n" } else { ". " });
                segs.text(rng.word(lp::wishes(lang)));
            }
        }
        2 => {
            segs.text(format!("{greeting}! "));
            let filled = notice(rng);
            segs.template(&filled, &mut || community_link(rng));
        }
        _ => {
            let filled = notice(rng);
            segs.template(&filled, &mut || community_link(rng));
            if rng.chance(500) {
                segs.text(format!(" {}", rng.word(lp::wishes(lang))));
            }
        }
    }
    if rng.chance(250) {
        segs.text(format!(" {}", rng.word(lp::RELIGIOUS_EMOJI)));
    }
    if rng.chance(400) {
        let count = rng.range(1, 2) as usize;
        segs.tags(rng, lp::religious_tags(lang), count);
    }
    segs.0
}

/// An everyday post of the benign corpus, now and then with an ordinary file-host link.
fn everyday(rng: &mut Rng, lang: Lang) -> Vec<Seg> {
    let mut segs = text::compose(rng, lang, None, Style::GENERIC).segs;
    if rng.chance(70) {
        segs.push(Seg::Plain(format!(" {} ", rng.word(lp::album_leads(lang)))));
        let file = format!("photos_{}.zip", rng.range(1, 99));
        segs.push(Seg::Link(file_host_link(rng, &file)));
    }
    segs
}

/// One post: its category and text.
fn draw_one(rng: &mut Rng) -> (Category, Body) {
    let lang = match rng.below(3) {
        0 => Lang::Fr,
        1 => Lang::En,
        _ => Lang::Ar,
    };
    let category = Category::draw(rng);
    let segs = match category {
        Category::Distribution => distribution(rng, lang),
        Category::NewsReporting => news_reporting(rng, lang),
        Category::Research => research(rng, lang),
        Category::CounterSpeech => counter_speech(rng, lang),
        Category::Religious => religious(rng, lang),
        Category::Everyday => everyday(rng, lang),
    };
    (category, Body { lang, segs })
}

/// A drawn post with its text's segments, which the corpus file needs for its entity lists.
#[derive(Debug, Clone)]
struct Drawn {
    post: LabelledPost,
    category: Category,
    body: Body,
}

/// Draws `count` posts with ids `{prefix}-00000` upwards, none of whose texts is in `seen` (which
/// receives them), so that no text repeats within a set or between the sets drawn with one `seen`.
fn draw_set(
    seed: u64,
    stream: u64,
    prefix: &str,
    count: usize,
    seen: &mut HashSet<String>,
) -> Vec<Drawn> {
    let mut out = Vec::with_capacity(count);
    // A bound on redraws that is never reached in practice; past it, repeats are accepted.
    let give_up = count as u64 * 20 + 100;
    let mut attempt = 0_u64;
    while out.len() < count {
        let mut rng = Rng::derive(seed, stream, attempt);
        attempt += 1;
        let (category, body) = draw_one(&mut rng);
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
            },
            category,
            body,
        });
    }
    out
}

/// `count` labelled posts drawn from `seed`, with ids `lp-00000` upwards; the same arguments always give
/// the same posts, and no text repeats.
///
/// About 25 % are positives (category `distribution`); the rest are the hard negatives `news_reporting`,
/// `research`, `counter_speech`, `religious` and `everyday`, languages split evenly between `fr`, `en`
/// and `ar`. Every text is synthetic and generated for testing the detector: positives show only the
/// distribution mechanics of a release (the publicly documented outlet names, release wording, part
/// numbers, made-up file-host links and hashtags), never any content, violence or praise, and every link
/// is on a domain reserved by RFC 2606. Cost: a few microseconds per post.
pub fn labelled_posts(seed: u64, count: usize) -> Vec<LabelledPost> {
    draw_set(seed, S_PUBLIC, "lp", count, &mut HashSet::new())
        .into_iter()
        .map(|d| d.post)
        .collect()
}

/// Writes `posts` as JSON lines: one object per line with the keys `id`, `text`, `language`, `label` and
/// `category`, in that order, each line ending with `\n`. This is the `--labels` format of
/// `vigie model train`.
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
fn pools() -> [(&'static [&'static str], usize); 5] {
    [
        (lp::DISTRIBUTOR_STEMS, 2),
        (lp::NEWSROOM_STEMS, 2),
        (lp::RESEARCH_STEMS, 2),
        (lp::COUNTER_STEMS, 2),
        (lp::ORDINARY_STEMS, 4),
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

/// The account that posts a post of `category`: each pool its own kind of post, with a few everyday posts
/// from the distributors so that the account alone does not give the label away.
fn author(rng: &mut Rng, category: Category) -> (String, String, String) {
    let pool = match category {
        Category::Distribution => 0,
        Category::NewsReporting => 1,
        Category::Research => 2,
        Category::CounterSpeech => 3,
        Category::Everyday if rng.chance(100) => 0,
        Category::Religious | Category::Everyday => 4,
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
    let mut seen = HashSet::new();
    let train = draw_set(plan.seed, S_TRAIN, "train", plan.train, &mut seen);
    let eval = draw_set(plan.seed, S_EVAL, "eval", plan.eval, &mut seen);
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
mod tests {
    use super::*;

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
    }

    #[test]
    fn classes_and_languages_are_balanced() {
        let posts = labelled_posts(7, 3000);
        let positives = posts.iter().filter(|p| p.label).count();
        assert!((630..870).contains(&positives), "{positives} positives");
        let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
        let mut per_lang: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &posts {
            *per_category.entry(p.category.as_str()).or_default() += 1;
            *per_lang.entry(p.language.as_str()).or_default() += 1;
            assert_eq!(p.label, p.category == "distribution", "{p:?}");
        }
        for (category, (lo, hi)) in [
            ("distribution", (630, 870)),
            ("news_reporting", (420, 660)),
            ("research", (270, 450)),
            ("counter_speech", (270, 450)),
            ("religious", (280, 500)),
            ("everyday", (480, 720)),
        ] {
            let n = per_category.get(category).copied().unwrap_or(0);
            assert!((lo..hi).contains(&n), "{category}: {n} {per_category:?}");
        }
        assert_eq!(per_lang.len(), 3, "{per_lang:?}");
        for (lang, n) in &per_lang {
            assert!((900..1100).contains(n), "{lang}: {n}");
        }
        // Each language has positives and every kind of hard negative.
        for lang in ["fr", "en", "ar"] {
            for category in [
                "distribution",
                "news_reporting",
                "research",
                "counter_speech",
                "religious",
                "everyday",
            ] {
                assert!(
                    posts
                        .iter()
                        .any(|p| p.language == lang && p.category == category),
                    "no {category} in {lang}"
                );
            }
        }
    }

    #[test]
    fn positives_name_an_outlet_and_carry_a_link_or_hashtag() {
        let posts = labelled_posts(3, 4000);
        let mut evasive = 0;
        let mut positives = 0;
        for p in posts.iter().filter(|p| p.label) {
            positives += 1;
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
        // About a tenth of the positives hide the name from exact matching.
        let share = evasive as f64 / positives as f64;
        assert!((0.06..0.14).contains(&share), "{evasive} of {positives}");
    }

    #[test]
    fn ordinary_negatives_never_name_an_outlet() {
        let posts = labelled_posts(5, 4000);
        let mut checked = 0;
        for p in &posts {
            if p.category == "religious" || p.category == "everyday" {
                checked += 1;
                assert!(!names_outlet(&p.text), "{}: {}", p.category, p.text);
            } else {
                assert!(names_outlet(&p.text), "{}: {}", p.category, p.text);
            }
        }
        assert!(checked > 1000);
        // Arabic everyday chatter is there, as a false positive to avoid.
        assert!(
            posts
                .iter()
                .filter(|p| p.category == "everyday" && p.language == "ar")
                .count()
                > 200
        );
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
        assert!(file_hosts > 500);
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
            assert_eq!(keys.len(), 5, "{line}");
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
