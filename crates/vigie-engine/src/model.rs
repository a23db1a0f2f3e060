//! Training and evaluating the text classifier on labelled examples, and keeping it in the store.
//!
//! Texts are normalized exactly as analysis normalizes post texts before they reach the classifier, so that a
//! model sees the same features in training and in use.

use crate::EngineError;
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
pub fn train_and_store(
    store: &mut dyn Store,
    name: &str,
    training: &[LabelledText],
    holdout: Option<&[LabelledText]>,
    config: &TrainConfig,
    threshold: f32,
) -> Result<(Model, Evaluation), EngineError> {
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
    Ok((model, evaluation))
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
    fn heads_of_an_earlier_training_are_left_out() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = vigie_store::open(&dir.path().join("t.db").to_string_lossy(), None)
            .unwrap_or_else(|e| panic!("{e}"));
        let config = TrainConfig::default();
        train_and_store(
            store.as_mut(),
            "default",
            &labelled(12, &["glorification", "support"]),
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
            "default",
            &labelled(12, &["distribution"]),
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
