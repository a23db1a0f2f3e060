//! A trainable linear classifier over hashed n-grams of post text, with explanations and evaluation.
//!
//! Logistic regression on the hashing trick: each text becomes a sparse vector of character and word n-gram
//! counts folded into `2^bits` buckets ([`features`]), and a [`Model`] is one weight per bucket plus a bias.
//! This is deliberately simple: it trains in seconds on a laptop, scores a post in microseconds, its files
//! are small and versioned, and every score can be explained feature by feature to the human reviewer who
//! decides ([`Model::explain`]). A score is evidence for review, never a decision.
//!
//! Inputs are texts already normalized by the caller (lowercased, Unicode-folded).

mod evaluate;
mod features;
mod model;
mod train;

pub use evaluate::{
    CategoryRate, CategoryRecall, Evaluation, Metrics, PrPoint, evaluate, evaluate_scores,
};
pub use features::{DEFAULT_BITS, MAX_BITS, MIN_BITS, features, named_features};
pub use model::{Contribution, Model, ModelError, ModelMetadata};
pub use train::{ClassWeighting, Example, TrainConfig, train};
