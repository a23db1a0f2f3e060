//! Evaluation of scores against labelled examples: the numbers that decide whether a model may be used.
//!
//! A text is predicted positive when its score is at or above the threshold. Ratios whose denominator is zero
//! (precision with no predicted positive, recall with no positive) are `None` (`null` in JSON), never a
//! made-up 0 or 1. Hard negatives (news reporting, research, counter-speech, religious text) get their own
//! false-positive rates, because a model that flags reporting about terrorism harms the reporters.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::Model;
use super::train::Example;

/// Key for examples without a language.
const NO_LANGUAGE: &str = "und";
/// Key for negative examples without a category.
const NO_CATEGORY: &str = "unspecified";

/// Confusion counts and the ratios drawn from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Positives scored at or above the threshold.
    pub true_positives: usize,
    /// Negatives scored at or above the threshold.
    pub false_positives: usize,
    /// Negatives scored below the threshold.
    pub true_negatives: usize,
    /// Positives scored below the threshold.
    pub false_negatives: usize,
    /// `tp / (tp + fp)`; `None` when nothing is predicted positive.
    pub precision: Option<f64>,
    /// `tp / (tp + fn)`; `None` without positives.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall; `None` when either is, or both are 0.
    pub f1: Option<f64>,
    /// `(tp + tn) / all`; `None` without examples.
    pub accuracy: Option<f64>,
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

impl Metrics {
    fn from_counts(tp: usize, fp: usize, tn: usize, fn_: usize) -> Self {
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            _ => None,
        };
        Self {
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
            precision,
            recall,
            f1,
            accuracy: ratio(tp + tn, tp + fp + tn + fn_),
        }
    }
}

/// Per-group counts, turned into [`Metrics`] at the end.
#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    tn: usize,
    fn_: usize,
}

impl Counts {
    fn add(&mut self, label: bool, predicted: bool) {
        match (label, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }

    fn metrics(self) -> Metrics {
        Metrics::from_counts(self.tp, self.fp, self.tn, self.fn_)
    }
}

/// One point of the precision-recall curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrPoint {
    /// Score threshold (predicted positive at or above it).
    pub threshold: f32,
    /// Precision at this threshold; `None` when nothing scores at or above it.
    pub precision: Option<f64>,
    /// Recall at this threshold; `None` without positives.
    pub recall: Option<f64>,
}

/// False positives among the negatives of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRate {
    /// Negative examples of the category.
    pub negatives: usize,
    /// Of those, how many scored at or above the threshold.
    pub false_positives: usize,
    /// `false_positives / negatives`.
    pub false_positive_rate: f64,
}

/// Recall among the positives of one category (a kind of violating content).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRecall {
    /// Positive examples of the category.
    pub positives: usize,
    /// Of those, how many scored at or above the threshold.
    pub found: usize,
    /// `found / positives`.
    pub recall: f64,
}

/// A model's quality on a labelled set. Serializes to JSON for the CLI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The threshold of [`metrics`](Self::metrics), [`by_language`](Self::by_language) and
    /// [`negative_categories`](Self::negative_categories).
    pub threshold: f32,
    /// Examples evaluated.
    pub examples: usize,
    /// Positive examples.
    pub positives: usize,
    /// Negative examples.
    pub negatives: usize,
    /// Counts and ratios at the threshold.
    pub metrics: Metrics,
    /// Average precision over all thresholds: `sum over distinct scores, highest first, of (recall gained) x
    /// (precision there)`, the step-wise area under the exact precision-recall curve; `None` without positives.
    pub average_precision: Option<f64>,
    /// Precision and recall at the 101 thresholds 0.00, 0.01, ..., 1.00 (a bounded summary of the curve).
    pub pr_curve: Vec<PrPoint>,
    /// Metrics at the threshold per language (`"und"` for examples without one).
    pub by_language: BTreeMap<String, Metrics>,
    /// For each category of negative examples (`"unspecified"` for those without one), its false positives.
    pub negative_categories: BTreeMap<String, CategoryRate>,
    /// For each category of positive examples, its recall.
    pub positive_categories: BTreeMap<String, CategoryRecall>,
    /// Recall per (language, category of positives): the floor a per-language target checks.
    pub positive_categories_by_language: BTreeMap<String, BTreeMap<String, CategoryRecall>>,
}

/// Scores every example with `model` and evaluates at `threshold` ([`evaluate_scores`]).
pub fn evaluate(model: &Model, examples: &[Example], threshold: f32) -> Evaluation {
    evaluate_scores(
        examples.iter().map(|e| (model.score(&e.text), e)),
        threshold,
    )
}

/// Evaluates given `(score, example)` pairs at `threshold`: predicted positive when `score >= threshold`.
///
/// A NaN score counts as below every threshold. Cost: a sort of the scores.
pub fn evaluate_scores<'a>(
    scored: impl IntoIterator<Item = (f32, &'a Example)>,
    threshold: f32,
) -> Evaluation {
    let mut all = Counts::default();
    let mut by_language: BTreeMap<String, Counts> = BTreeMap::new();
    let mut categories: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut positive_categories: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut positive_by_language: BTreeMap<String, BTreeMap<String, (usize, usize)>> =
        BTreeMap::new();
    let mut ranked: Vec<(f32, bool)> = Vec::new();
    for (score, example) in scored {
        let score = if score.is_nan() {
            f32::NEG_INFINITY
        } else {
            score
        };
        let predicted = score >= threshold;
        all.add(example.label, predicted);
        let language = example.language.as_deref().unwrap_or(NO_LANGUAGE);
        by_language
            .entry(language.to_owned())
            .or_default()
            .add(example.label, predicted);
        let category = example.category.as_deref().unwrap_or(NO_CATEGORY);
        if example.label {
            for entry in [
                positive_categories.entry(category.to_owned()).or_default(),
                positive_by_language
                    .entry(language.to_owned())
                    .or_default()
                    .entry(category.to_owned())
                    .or_default(),
            ] {
                entry.0 += 1;
                entry.1 += usize::from(predicted);
            }
        } else {
            let entry = categories.entry(category.to_owned()).or_default();
            entry.0 += 1;
            entry.1 += usize::from(predicted);
        }
        ranked.push((score, example.label));
    }
    // Highest score first.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = all.tp + all.fn_;

    let mut average_precision = None;
    if positives > 0 {
        let (mut tp, mut fp, mut sum) = (0usize, 0usize, 0f64);
        let mut i = 0;
        while i < ranked.len() {
            // Take every example tied at this score: a threshold cannot separate them.
            let score = ranked[i].0;
            let before = tp;
            while i < ranked.len() && ranked[i].0 == score {
                if ranked[i].1 {
                    tp += 1;
                } else {
                    fp += 1;
                }
                i += 1;
            }
            sum += (tp - before) as f64 / positives as f64 * (tp as f64 / (tp + fp) as f64);
        }
        average_precision = Some(sum);
    }

    // Positives among the first k ranked, for the curve.
    let mut positives_before = Vec::with_capacity(ranked.len() + 1);
    positives_before.push(0usize);
    for &(_, label) in &ranked {
        let last = positives_before.last().copied().unwrap_or(0);
        positives_before.push(last + usize::from(label));
    }
    let pr_curve = (0..=100)
        .map(|k| {
            let threshold = k as f32 / 100.0;
            let predicted = ranked.partition_point(|&(s, _)| s >= threshold);
            let tp = positives_before[predicted];
            PrPoint {
                threshold,
                precision: ratio(tp, predicted),
                recall: ratio(tp, positives),
            }
        })
        .collect();

    Evaluation {
        threshold,
        examples: ranked.len(),
        positives,
        negatives: ranked.len() - positives,
        metrics: all.metrics(),
        average_precision,
        pr_curve,
        by_language: by_language
            .into_iter()
            .map(|(k, c)| (k, c.metrics()))
            .collect(),
        negative_categories: categories
            .into_iter()
            .map(|(k, (negatives, false_positives))| {
                (
                    k,
                    CategoryRate {
                        negatives,
                        false_positives,
                        false_positive_rate: false_positives as f64 / negatives as f64,
                    },
                )
            })
            .collect(),
        positive_categories: recalls(positive_categories),
        positive_categories_by_language: positive_by_language
            .into_iter()
            .map(|(language, counts)| (language, recalls(counts)))
            .collect(),
    }
}

/// `(positives, found)` per category as [`CategoryRecall`]s.
fn recalls(counts: BTreeMap<String, (usize, usize)>) -> BTreeMap<String, CategoryRecall> {
    counts
        .into_iter()
        .map(|(k, (positives, found))| {
            (
                k,
                CategoryRecall {
                    positives,
                    found,
                    recall: found as f64 / positives.max(1) as f64,
                },
            )
        })
        .collect()
}
