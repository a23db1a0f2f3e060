//! `vigie-bench text`: the text pipeline on one thread over generated posts — normalization, language
//! identification, term matching (the default list), URL extraction and canonicalization with a domain
//! list, and the classifier (trained first on separate generated examples) — reported in posts per second.
//! Each stage is also timed alone, on the same posts, so that a regression points at its stage.

use crate::OutputFormat;
use serde::Serialize;
use std::time::Instant;
use vigie_text::classifier::{Example, TrainConfig, train};
use vigie_text::{DomainEntry, DomainList, Normalized, TermHit, TermMatcher};

#[derive(Serialize)]
struct TextBench {
    posts: usize,
    mean_chars: f64,
    seconds: f64,
    posts_per_second: f64,
    stages_posts_per_second: Vec<(String, f64)>,
    term_hits: u64,
    listed_links: u64,
    flagged_by_classifier: u64,
}

/// What the pipeline found, so that no stage can be optimized away.
#[derive(Default)]
struct Counts {
    term_hits: u64,
    listed: u64,
    flagged: u64,
}

/// The whole per-post pipeline: what ingest and analysis run on each post's text.
fn pipeline(
    texts: &[String],
    normalized: &mut Normalized,
    hits: &mut Vec<TermHit>,
    matcher: &TermMatcher,
    domains: &DomainList,
    model: &vigie_text::classifier::Model,
    counts: &mut Counts,
) {
    for text in texts {
        vigie_text::normalize_into(text, normalized);
        std::hint::black_box(vigie_text::detect_language(text));
        hits.clear();
        matcher.find(normalized, hits);
        counts.term_hits += hits.len() as u64;
        if text.contains("://") || text.contains("www.") {
            for (_, url) in vigie_text::extract_urls_canonical(text) {
                counts.listed += u64::from(domains.find(&url.host).is_some());
            }
        }
        counts.flagged += u64::from(model.score(normalized.as_str()) >= 0.5);
    }
}

/// Runs the benchmark.
pub fn run(format: OutputFormat, posts: usize) -> anyhow::Result<()> {
    // Training examples and benchmark posts come from different seeds.
    let training: Vec<Example> = vigie_sample::labelled_posts(11, 2_000)
        .into_iter()
        .map(|p| Example {
            text: vigie_text::normalize(&p.text).as_str().to_owned(),
            label: p.label,
            language: Some(p.language),
            category: Some(p.category),
        })
        .collect();
    let model = train(&training, &TrainConfig::default());
    let texts: Vec<String> = vigie_sample::labelled_posts(12, posts)
        .into_iter()
        .map(|p| p.text)
        .collect();
    let matcher = TermMatcher::new(&vigie_text::default_terms())?;
    let domains = DomainList::new(
        [
            "files.example.net",
            "upload.example.org",
            "mirror.example",
            "paste.example.net",
        ]
        .map(|d| DomainEntry {
            domain: d.to_owned(),
            category: "file_host".to_owned(),
            weight: 1.0,
            note: None,
        }),
    )?;
    let mut normalized = Normalized::default();
    let mut hits: Vec<TermHit> = Vec::new();
    let mut counts = Counts::default();
    // One untimed pass over the first posts warms the caches and lazily built tables, as a long-running
    // ingest would have them.
    let warm = texts.len().min(10_000);
    pipeline(
        &texts[..warm],
        &mut normalized,
        &mut hits,
        &matcher,
        &domains,
        &model,
        &mut Counts::default(),
    );
    let started = Instant::now();
    pipeline(
        &texts,
        &mut normalized,
        &mut hits,
        &matcher,
        &domains,
        &model,
        &mut counts,
    );
    let seconds = started.elapsed().as_secs_f64();
    let rate = |f: &mut dyn FnMut(&str)| {
        let t = Instant::now();
        for text in &texts {
            f(text);
        }
        texts.len() as f64 / t.elapsed().as_secs_f64()
    };
    let mut stages = Vec::new();
    stages.push((
        "normalize".to_owned(),
        rate(&mut |t| vigie_text::normalize_into(t, &mut normalized)),
    ));
    stages.push((
        "language".to_owned(),
        rate(&mut |t| {
            std::hint::black_box(vigie_text::detect_language(t));
        }),
    ));
    stages.push((
        "terms (after normalize)".to_owned(),
        rate(&mut |t| {
            vigie_text::normalize_into(t, &mut normalized);
            hits.clear();
            matcher.find(&normalized, &mut hits);
        }),
    ));
    stages.push((
        "urls".to_owned(),
        rate(&mut |t| {
            std::hint::black_box(vigie_text::extract_urls_canonical(t));
        }),
    ));
    stages.push((
        "classifier (after normalize)".to_owned(),
        rate(&mut |t| {
            vigie_text::normalize_into(t, &mut normalized);
            std::hint::black_box(model.score(normalized.as_str()));
        }),
    ));
    let report = TextBench {
        posts: texts.len(),
        mean_chars: texts.iter().map(|t| t.chars().count()).sum::<usize>() as f64
            / texts.len().max(1) as f64,
        seconds,
        posts_per_second: texts.len() as f64 / seconds,
        stages_posts_per_second: stages,
        term_hits: counts.term_hits,
        listed_links: counts.listed,
        flagged_by_classifier: counts.flagged,
    };
    if format == OutputFormat::Json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} posts ({:.0} characters on average) in {:.2} s on one thread: {:.0} posts/s \
             ({} term hits, {} listed links, {} flagged by the classifier)",
            report.posts,
            report.mean_chars,
            report.seconds,
            report.posts_per_second,
            report.term_hits,
            report.listed_links,
            report.flagged_by_classifier
        );
        for (stage, r) in &report.stages_posts_per_second {
            println!("  {stage:<30} {r:>12.0} posts/s");
        }
    }
    Ok(())
}
