//! Normalization and term matching over generated 200-character posts in French, English and Arabic.
//!
//! The posts are built from neutral vocabulary by a fixed-seed generator (no real post text); a quarter
//! of them carry an outlet name from the default list, some written evasively, so the matcher does
//! real work. The bench checks the hit count before timing; criterion's throughput is in posts per second
//! (`elem/s`).

// `criterion_main!` generates an undocumented `main`.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_text::{Normalized, TermHit, TermMatcher, default_terms, normalize_into};

const POSTS: usize = 3_000;
const POST_CHARS: usize = 200;

const FR: &[&str] = &[
    "le",
    "marché",
    "ouvre",
    "demain",
    "matin",
    "sur",
    "la",
    "place",
    "de",
    "mairie",
    "météo",
    "prévue",
    "été",
    "très",
    "belle",
    "équipe",
    "gagné",
    "hier",
    "soir",
    "à",
    "Lyon",
    "élèves",
    "rentrée",
    "2024",
    "#foot",
    "selon",
    "journaliste",
    "https://example.org/a?utm_source=x",
];
const EN: &[&str] = &[
    "the",
    "market",
    "opens",
    "tomorrow",
    "morning",
    "on",
    "town",
    "hall",
    "square",
    "weather",
    "is",
    "fine",
    "today",
    "our",
    "team",
    "won",
    "last",
    "night",
    "in",
    "Leeds",
    "students",
    "back",
    "2024",
    "#football",
    "according",
    "to",
    "reported",
    "@someone",
    "https://example.com/x",
];
const AR: &[&str] = &[
    "يفتح",
    "السوق",
    "صباح",
    "الغد",
    "في",
    "ساحة",
    "البلدية",
    "الطقس",
    "جميل",
    "اليوم",
    "فاز",
    "فريقنا",
    "مساء",
    "أمس",
    "الطلاب",
    "عادوا",
    "إلى",
    "المدرسة",
    "٢٠٢٤",
    "بحسب",
    "صحفي",
    "مَدْرَسَة",
    "#كرة_القدم",
];
const OUTLETS: &[&str] = &[
    "Amaq",
    "4m4q",
    "A\u{200B}maq",
    "\u{0410}maq",
    "al-Hayat Media Center",
    "وكالة أعماق",
    "وكـالة أَعْمَاق",
    "مؤسسة الفرقان",
    "Dabiq magazine",
];

/// A xorshift generator: deterministic posts without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[(self.next() % words.len() as u64) as usize]
    }
}

fn posts() -> Vec<String> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..POSTS)
        .map(|i| {
            let words = [FR, EN, AR][i % 3];
            let mut post = String::new();
            if i % 4 == 0 {
                post.push_str(rng.pick(OUTLETS));
                post.push(' ');
            }
            while post.chars().count() < POST_CHARS {
                post.push_str(rng.pick(words));
                post.push(' ');
            }
            post.chars().take(POST_CHARS).collect()
        })
        .collect()
}

fn run(
    matcher: &TermMatcher,
    posts: &[String],
    norm: &mut Normalized,
    hits: &mut Vec<TermHit>,
) -> usize {
    let mut total = 0;
    for post in posts {
        normalize_into(post, norm);
        matcher.find(norm, hits);
        total += hits.len();
    }
    total
}

fn bench(c: &mut Criterion) {
    let posts = posts();
    let matcher = match TermMatcher::new(&default_terms()) {
        Ok(matcher) => matcher,
        Err(e) => panic!("the default terms compile: {e}"),
    };
    let mut norm = Normalized::new();
    let mut hits = Vec::new();
    let outlet_posts = posts.iter().filter(|p| {
        normalize_into(p, &mut norm);
        matcher.find(&norm, &mut hits);
        hits.iter()
            .any(|h| matcher.terms()[h.term].category.as_str() == "outlet")
    });
    assert_eq!(
        outlet_posts.count(),
        POSTS.div_ceil(4),
        "every seeded outlet name is found"
    );

    let subsets: Vec<(&str, Vec<String>)> = ["fr", "en", "ar"]
        .into_iter()
        .enumerate()
        .map(|(lang, name)| (name, posts.iter().skip(lang).step_by(3).cloned().collect()))
        .collect();
    let mut group = c.benchmark_group("text");
    for (name, subset) in &subsets {
        group.throughput(Throughput::Elements(subset.len() as u64));
        group.bench_function(format!("normalize_{name}"), |b| {
            b.iter(|| {
                for post in subset {
                    normalize_into(black_box(post), &mut norm);
                }
            })
        });
        group.bench_function(format!("normalize_and_find_{name}"), |b| {
            b.iter(|| black_box(run(&matcher, subset, &mut norm, &mut hits)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
