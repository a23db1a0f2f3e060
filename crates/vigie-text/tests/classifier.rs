//! The classifier on generated toy data: it learns a made-up marker phrase, explains itself with it, is
//! deterministic, round-trips its file format, rejects bad bytes without panicking, and evaluates correctly.

use proptest::prelude::*;
use vigie_text::classifier::{
    ClassWeighting, Example, Model, ModelError, TrainConfig, evaluate, evaluate_scores, features,
    named_features, train,
};

/// A xorshift generator: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "ve", "du", "xa", "zo", "bel", "tor", "ny",
    "ish",
];

fn filler(rng: &mut Rng, words: usize) -> Vec<String> {
    (0..words)
        .map(|_| {
            (0..1 + rng.below(3))
                .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
                .collect()
        })
        .collect()
}

/// Inserts `phrase` at a random word position of `words`.
fn with_phrase(rng: &mut Rng, mut words: Vec<String>, phrase: &str) -> String {
    let at = rng.below(words.len() + 1);
    words.insert(at, phrase.to_owned());
    words.join(" ")
}

/// Toy data: positives carry the made-up phrase "zorblax release"; hard negatives carry "zorblax" or
/// "release" alone (made-up reporting and counter-speech); the rest is filler. 3 % of labels are flipped.
fn dataset(seed: u64, n: usize) -> Vec<Example> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let count = 10 + rng.below(30);
            let words = filler(&mut rng, count);
            let language = Some(if rng.below(3) == 0 { "yy" } else { "xx" }.to_owned());
            let (text, label, category) = match rng.below(10) {
                0..=2 => (
                    with_phrase(&mut rng, words, "zorblax release"),
                    true,
                    "distribution",
                ),
                3 => (
                    with_phrase(&mut rng, words, "reporters on zorblax"),
                    false,
                    "news_reporting",
                ),
                4 => (
                    with_phrase(&mut rng, words, "reject the release"),
                    false,
                    "counter_speech",
                ),
                _ => (words.join(" "), false, "everyday"),
            };
            let label = if rng.below(100) < 3 { !label } else { label };
            Example {
                text,
                label,
                language,
                category: Some(category.to_owned()),
            }
        })
        .collect()
}

fn small_config() -> TrainConfig {
    TrainConfig {
        bits: 16,
        ..TrainConfig::default()
    }
}

#[test]
fn learns_the_marker_and_explains_with_it() {
    let train_set = dataset(1, 3000);
    let test_set = dataset(2, 1000);
    let model = train(&train_set, &TrainConfig::default());
    let evaluation = evaluate(&model, &test_set, 0.5);
    eprintln!(
        "toy data: F1 {:?}, precision {:?}, recall {:?}, AP {:?}, hard negatives {:?}",
        evaluation.metrics.f1,
        evaluation.metrics.precision,
        evaluation.metrics.recall,
        evaluation.average_precision,
        evaluation.negative_categories,
    );
    // Flipped labels cap what is reachable at about 0.94.
    assert!(
        evaluation.metrics.f1.unwrap_or(0.0) > 0.9,
        "{evaluation:#?}"
    );
    assert!(evaluation.average_precision.unwrap_or(0.0) > 0.9);
    for hard in ["news_reporting", "counter_speech"] {
        let rate = &evaluation.negative_categories[hard];
        assert!(rate.false_positive_rate < 0.1, "{hard}: {rate:?}");
    }

    let text = "pota miri zorblax release nesu kalo";
    assert!(model.score(text) > 0.9);
    eprintln!(
        "scores: {} {}",
        model.score(text),
        model.score("pota miri nesu kalo")
    );
    assert!(model.score("pota miri nesu kalo") < 0.5);
    let explanation = model.explain(text, 5);
    eprintln!("explanation: {explanation:?}");
    assert_eq!(explanation.len(), 5);
    for pair in explanation.windows(2) {
        assert!(pair[0].weight.abs() >= pair[1].weight.abs());
    }
    // The strongest feature is the marker phrase itself (the word pair no negative has); the next are its words
    // or pieces of them, and no character n-gram spans the two words.
    assert_eq!(explanation[0].feature, "w2:zorblax release");
    for contribution in &explanation[..3] {
        let feature = &contribution.feature;
        let piece = feature.split_once(':').map_or("", |(_, p)| p);
        assert!(contribution.weight > 0.0, "{feature}");
        assert!(
            feature.starts_with("w2:")
                || (!piece.trim().contains(' ') && " zorblax release ".contains(piece)),
            "{feature} is not the phrase, one of its words or a piece of one"
        );
    }
    // Both signs show up, and the contributions add up to the logit.
    let all = model.explain(text, usize::MAX);
    assert!(all.iter().any(|c| c.weight < 0.0));
    let logit = model.bias() + all.iter().map(|c| c.weight).sum::<f32>();
    assert!((1.0 / (1.0 + (-logit).exp()) - model.score(text)).abs() < 1e-4);
}

#[test]
fn balanced_weighting_helps_a_rare_class() {
    // Keep positives at about 3 %.
    let examples: Vec<Example> = dataset(3, 4000)
        .into_iter()
        .enumerate()
        .filter(|(i, e)| !e.label || i % 10 == 0)
        .map(|(_, e)| e)
        .collect();
    let test_set = dataset(4, 2000);
    let recall = |weighting| {
        let config = TrainConfig {
            class_weighting: weighting,
            epochs: 3,
            ..small_config()
        };
        evaluate(&train(&examples, &config), &test_set, 0.5)
            .metrics
            .recall
            .unwrap_or(0.0)
    };
    let (balanced, unweighted) = (
        recall(ClassWeighting::Balanced),
        recall(ClassWeighting::Unweighted),
    );
    eprintln!("recall on a 3 % class: balanced {balanced:.3}, unweighted {unweighted:.3}");
    assert!(balanced >= unweighted);
}

#[test]
fn training_is_deterministic() {
    let examples = dataset(5, 500);
    let a = train(&examples, &small_config()).to_bytes();
    let b = train(&examples, &small_config()).to_bytes();
    assert_eq!(a, b);
    let other_seed = TrainConfig {
        seed: 99,
        ..small_config()
    };
    assert_ne!(a, train(&examples, &other_seed).to_bytes());
}

#[test]
fn bytes_round_trip() {
    let examples = dataset(6, 300);
    let config = TrainConfig {
        class_weighting: ClassWeighting::Unweighted,
        ..small_config()
    };
    let model = train(&examples, &config);
    let bytes = model.to_bytes();
    assert_eq!(&bytes[..8], b"VIGIEMDL");
    assert_eq!(bytes.len(), 72 + 4 * (1 << 16) + 8);
    let back = Model::from_bytes(&bytes).expect("valid model");
    assert_eq!(back, model);
    assert_eq!(back.metadata().examples, 300);
    assert_eq!(
        back.metadata().positives,
        examples.iter().filter(|e| e.label).count() as u64
    );
    assert_eq!(back.metadata().config, config);
    for e in &examples[..20] {
        assert_eq!(back.score(&e.text), model.score(&e.text));
    }
}

#[test]
fn bad_bytes_are_errors() {
    let bytes = train(
        &dataset(7, 50),
        &TrainConfig {
            bits: 8,
            ..TrainConfig::default()
        },
    )
    .to_bytes();
    assert!(Model::from_bytes(&bytes).is_ok());
    assert!(matches!(
        Model::from_bytes(&bytes[..10]),
        Err(ModelError::TooShort { .. })
    ));
    assert!(matches!(
        Model::from_bytes(&bytes[..bytes.len() - 1]),
        Err(ModelError::Length { .. })
    ));
    let mut bad = bytes.clone();
    bad[0] = b'X';
    assert_eq!(Model::from_bytes(&bad), Err(ModelError::BadMagic));
    let mut bad = bytes.clone();
    bad[8] = 2;
    assert!(matches!(
        Model::from_bytes(&bad),
        Err(ModelError::UnsupportedVersion {
            found: 2,
            supported: 1
        })
    ));
    let mut bad = bytes.clone();
    bad[16] = 40;
    assert_eq!(
        Model::from_bytes(&bad),
        Err(ModelError::BitsOutOfRange { bits: 40 })
    );
    let mut bad = bytes.clone();
    bad[100] ^= 1;
    assert!(matches!(
        Model::from_bytes(&bad),
        Err(ModelError::Checksum { .. })
    ));
    // Errors name what was wrong.
    let message = Model::from_bytes(&bytes[..10])
        .map(|_| ())
        .expect_err("truncated model")
        .to_string();
    assert!(message.contains("10 bytes"), "{message}");
}

#[test]
fn scoring_paths_agree() {
    let model = train(&dataset(8, 300), &small_config());
    let mut scratch = Vec::new();
    for text in [
        "",
        "!!",
        "zorblax release",
        "a b c",
        "ça été 北京 #tag @who",
        "pota miri zorblax",
    ] {
        let a = model.score(text);
        let b = model.score_with(text, &mut scratch);
        assert!((a - b).abs() < 1e-5, "{text:?}: {a} vs {b}");
        assert!((0.0..=1.0).contains(&a));
    }
    assert_eq!(model.score(""), 1.0 / (1.0 + (-model.bias()).exp()));
    // Features and names agree on buckets and total value.
    features("zorblax release", 16, &mut scratch);
    let named = named_features("zorblax release", 16);
    let total: f32 = named.iter().map(|n| n.2).sum();
    assert!((total - scratch.iter().map(|e| e.1).sum::<f32>()).abs() < 1e-4);
}

fn example(label: bool, language: &str, category: &str) -> Example {
    Example {
        text: String::new(),
        label,
        language: Some(language.to_owned()),
        category: Some(category.to_owned()),
    }
}

#[test]
fn evaluation_math_on_hand_made_scores() {
    let examples = [
        (0.9, example(true, "en", "distribution")),
        (0.8, example(false, "en", "news_reporting")),
        (0.7, example(true, "fr", "distribution")),
        (0.6, example(true, "en", "distribution")),
        (0.4, example(false, "fr", "news_reporting")),
        (0.3, example(false, "en", "research")),
        (0.2, example(true, "fr", "distribution")),
    ];
    let e = evaluate_scores(examples.iter().map(|(s, e)| (*s, e)), 0.5);
    assert_eq!((e.examples, e.positives, e.negatives), (7, 4, 3));
    let m = &e.metrics;
    assert_eq!(
        (
            m.true_positives,
            m.false_positives,
            m.true_negatives,
            m.false_negatives
        ),
        (3, 1, 2, 1)
    );
    assert_eq!(m.precision, Some(0.75));
    assert_eq!(m.recall, Some(0.75));
    assert!((m.f1.unwrap_or(0.0) - 0.75).abs() < 1e-12);
    assert_eq!(m.accuracy, Some(5.0 / 7.0));
    // Recall steps of 1/4 at precisions 1, 2/3, 3/4 and 4/7.
    let ap = 0.25 * (1.0 + 2.0 / 3.0 + 0.75 + 4.0 / 7.0);
    assert!((e.average_precision.unwrap_or(0.0) - ap).abs() < 1e-12);

    let en = &e.by_language["en"];
    assert_eq!(
        (en.true_positives, en.false_positives, en.false_negatives),
        (2, 1, 0)
    );
    assert_eq!(en.recall, Some(1.0));
    let fr = &e.by_language["fr"];
    assert_eq!(
        (fr.true_positives, fr.false_positives, fr.false_negatives),
        (1, 0, 1)
    );
    assert_eq!(fr.precision, Some(1.0));
    assert_eq!(fr.recall, Some(0.5));

    let news = &e.negative_categories["news_reporting"];
    assert_eq!((news.negatives, news.false_positives), (2, 1));
    assert_eq!(news.false_positive_rate, 0.5);
    assert_eq!(e.negative_categories["research"].false_positive_rate, 0.0);
    assert!(!e.negative_categories.contains_key("distribution"));

    assert_eq!(e.pr_curve.len(), 101);
    let at = |t: usize| &e.pr_curve[t];
    assert_eq!(
        (at(0).precision, at(0).recall),
        (Some(4.0 / 7.0), Some(1.0))
    );
    assert_eq!((at(50).precision, at(50).recall), (Some(0.75), Some(0.75)));
    assert_eq!((at(85).precision, at(85).recall), (Some(1.0), Some(0.25)));
    assert_eq!((at(100).precision, at(100).recall), (None, Some(0.0)));

    let json = serde_json::to_value(&e).expect("serializes");
    assert_eq!(json["metrics"]["precision"], 0.75);
    assert!(json["pr_curve"][100]["precision"].is_null());
}

#[test]
fn evaluation_edge_cases() {
    // Tied scores count together: one step, at precision 1/2.
    let tied = [
        (0.5, example(true, "en", "x")),
        (0.5, example(false, "en", "y")),
    ];
    let e = evaluate_scores(tied.iter().map(|(s, e)| (*s, e)), 0.5);
    assert_eq!(e.average_precision, Some(0.5));
    // No positives: recall and AP are undefined, not 0.
    let negatives = [
        (0.1, example(false, "en", "x")),
        (f32::NAN, example(false, "en", "x")),
    ];
    let e = evaluate_scores(negatives.iter().map(|(s, e)| (*s, e)), 0.5);
    assert_eq!(e.metrics.recall, None);
    assert_eq!(e.metrics.f1, None);
    assert_eq!(e.average_precision, None);
    assert_eq!(e.metrics.true_negatives, 2);
    // Nothing at all.
    let e = evaluate_scores(std::iter::empty(), 0.5);
    assert_eq!(e.metrics.accuracy, None);
    // Missing language and category get their own keys.
    let bare = Example {
        text: String::new(),
        label: false,
        language: None,
        category: None,
    };
    let e = evaluate_scores([(0.9, &bare)], 0.5);
    assert!(e.by_language.contains_key("und"));
    assert_eq!(e.negative_categories["unspecified"].false_positives, 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Model::from_bytes(&bytes);
    }

    #[test]
    fn random_headers_never_panic(mut header in proptest::collection::vec(any::<u8>(), 72..73), tail in 0usize..2000) {
        header[..8].copy_from_slice(b"VIGIEMDL");
        header.resize(72 + tail, 0);
        let _ = Model::from_bytes(&header);
    }

    #[test]
    fn corrupted_models_never_panic(position in 0usize..1100, value in any::<u8>(), cut in 0usize..1100) {
        let mut bytes = train(&[], &TrainConfig { bits: 8, ..TrainConfig::default() }).to_bytes();
        if let Some(b) = bytes.get_mut(position) {
            *b = value;
        }
        bytes.truncate(cut.max(1));
        let _ = Model::from_bytes(&bytes);
    }

    #[test]
    fn any_text_scores_in_range(text in "\\PC{0,80}") {
        let model = train(&[], &TrainConfig { bits: 8, ..TrainConfig::default() });
        let s = model.score(&text);
        prop_assert!((0.0..=1.0).contains(&s));
        let mut scratch = Vec::new();
        prop_assert!((model.score_with(&text, &mut scratch) - s).abs() < 1e-6);
    }
}
