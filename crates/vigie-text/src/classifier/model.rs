//! The trained model: scoring, explanations, and its versioned binary file format.
//!
//! File format, version 1, all integers and floats little-endian:
//!
//! | offset     | size   | field                                                          |
//! |------------|--------|----------------------------------------------------------------|
//! | 0          | 8      | magic `VIGIEMDL`                                               |
//! | 8          | 4      | format version, u32 = 1                                        |
//! | 12         | 4      | feature scheme, u32 = 3 (the hashing of `features`)            |
//! | 16         | 4      | hash bits, u32, in `MIN_BITS..=MAX_BITS`                       |
//! | 20         | 4      | bias, f32                                                      |
//! | 24         | 4      | training epochs, u32                                           |
//! | 28         | 4      | learning rate, f32                                             |
//! | 32         | 4      | L2 penalty, f32                                                |
//! | 36         | 1      | class weighting, u8: 0 unweighted, 1 balanced                  |
//! | 37         | 3      | reserved, zero                                                 |
//! | 40         | 8      | seed, u64                                                      |
//! | 48         | 8      | training examples, u64                                         |
//! | 56         | 8      | positive training examples, u64                                |
//! | 64         | 8      | weight count `n`, u64 = `2^bits`                               |
//! | 72         | 4 n    | weights, f32                                                   |
//! | 72 + 4 n   | 8      | checksum, u64, of every byte before it                         |
//!
//! The checksum is the crate's stable hash step over the bytes read as little-endian u64 words (the last one
//! zero-padded), seeded with `VIGIEMDL`, finished with the byte count. Floats must be finite.

use serde::Serialize;

use super::features::{MAX_BITS, MIN_BITS, features, for_each_batch, named_features};
use super::train::{ClassWeighting, TrainConfig};
use crate::neardup::{finish, step};

const MAGIC: &[u8; 8] = b"VIGIEMDL";
const FORMAT_VERSION: u32 = 1;
/// Version of the feature hashing; bump when [`features`] changes.
/// Scheme 3: no character bigrams, word features counted twice (scheme 2 had char 2- to 4-grams inside words,
/// scheme 1 also ran them across word boundaries).
const FEATURE_SCHEME: u32 = 3;
const HEADER_LEN: usize = 72;
const CHECKSUM_LEN: usize = 8;

/// The logistic function.
#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// What a model was trained with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelMetadata {
    /// Number of training examples.
    pub examples: u64,
    /// Number of positive training examples.
    pub positives: u64,
    /// The effective training configuration (bits clamped, invalid rates replaced).
    pub config: TrainConfig,
}

/// A linear model over hashed features: one weight per bucket and a bias.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    bits: u32,
    /// `2^bits` weights.
    weights: Vec<f32>,
    bias: f32,
    metadata: ModelMetadata,
}

/// One feature's share of a score, for reviewers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The feature's name (`c:abc`, `w:word`, `w2:two words`).
    pub feature: String,
    /// Its weight times its value: what it adds to the logit (positive pushes towards the detected class).
    pub weight: f32,
}

/// Why bytes are not a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Shorter than the fixed header.
    #[error("model is {found} bytes, shorter than the {expected}-byte header")]
    TooShort {
        /// Bytes given.
        found: usize,
        /// Header length.
        expected: usize,
    },
    /// Does not start with `VIGIEMDL`.
    #[error("not a Vigie model: the bytes do not start with \"VIGIEMDL\"")]
    BadMagic,
    /// A format version this build cannot read.
    #[error("model format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// Trained with another feature hashing than this build computes.
    #[error("model uses feature scheme {found}, this build computes scheme {supported}")]
    UnsupportedFeatureScheme {
        /// Scheme in the file.
        found: u32,
        /// Scheme of this build.
        supported: u32,
    },
    /// Hash bits outside the accepted range.
    #[error("model hash bits {bits} outside {MIN_BITS}..={MAX_BITS}")]
    BitsOutOfRange {
        /// Bits in the file.
        bits: u32,
    },
    /// Unknown class weighting code.
    #[error("model class weighting code {code} is unknown (expected 0 or 1)")]
    UnknownClassWeighting {
        /// Code in the file.
        code: u8,
    },
    /// The weight count does not match the bits.
    #[error("model declares {found} weights, expected 2^{bits} = {expected}")]
    WeightCount {
        /// Declared count.
        found: u64,
        /// Bits in the file.
        bits: u32,
        /// `2^bits`.
        expected: u64,
    },
    /// The byte length does not match the weight count.
    #[error("model is {found} bytes, expected {expected} for its {weights} weights")]
    Length {
        /// Bytes given.
        found: usize,
        /// Bytes a model with that many weights has.
        expected: usize,
        /// Weight count.
        weights: u64,
    },
    /// The checksum does not match: the bytes were altered.
    #[error(
        "model checksum {stored:#018x} does not match its contents ({computed:#018x}): corrupted"
    )]
    Checksum {
        /// Checksum in the file.
        stored: u64,
        /// Checksum of the contents.
        computed: u64,
    },
    /// A header float is NaN or infinite.
    #[error("model {field} is not a finite number")]
    NonFiniteParameter {
        /// `"bias"`, `"learning rate"` or `"l2"`.
        field: &'static str,
    },
    /// A weight is NaN or infinite.
    #[error("model weight {index} is not a finite number")]
    NonFiniteWeight {
        /// Its bucket.
        index: u64,
    },
}

impl Model {
    /// Assembles a model; `weights.len()` must be `2^bits` with `bits` in range (the callers guarantee it).
    pub(crate) fn from_parts(
        bits: u32,
        weights: Vec<f32>,
        bias: f32,
        metadata: ModelMetadata,
    ) -> Self {
        debug_assert_eq!(weights.len(), 1usize << bits);
        Self {
            bits,
            weights,
            bias,
            metadata,
        }
    }

    /// Hash bits: the model has `2^bits` weights.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The weights, one per bucket.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The bias (the logit of a text without features).
    pub fn bias(&self) -> f32 {
        self.bias
    }

    /// What the model was trained with.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// Probability (0 to 1) that already-normalized `text` belongs to the detected class.
    ///
    /// One pass over the text with no allocation: about 4 us for a 200-character post with `2^20` buckets
    /// (270,000 posts/s on one core of the development machine), a good part of it random reads of the
    /// weight table.
    pub fn score(&self, text: &str) -> f32 {
        let weights = &self.weights[..];
        let mut sum = 0f32;
        let n = for_each_batch(text, self.bits, |batch| {
            // Four sums, so that the weight reads (mostly cache misses) overlap instead of queueing behind one
            // chain of additions.
            let mut sums = [0f32; 4];
            let mut chunks = batch.chunks_exact(4);
            for c in &mut chunks {
                for (s, &b) in sums.iter_mut().zip(c) {
                    *s += weights[b as usize];
                }
            }
            for &b in chunks.remainder() {
                sums[0] += weights[b as usize];
            }
            sum += (sums[0] + sums[1]) + (sums[2] + sums[3]);
        });
        if n == 0 {
            return sigmoid(self.bias);
        }
        sigmoid(self.bias + sum * (1.0 / (n as f32).sqrt()))
    }

    /// [`score`](Self::score) that also leaves the text's [`features`] in `scratch` (its contents are replaced),
    /// for callers that reuse them; allocation-free once `scratch` has grown. Equal to `score` up to float
    /// rounding.
    pub fn score_with(&self, text: &str, scratch: &mut Vec<(u32, f32)>) -> f32 {
        features(text, self.bits, scratch);
        let sum: f32 = scratch
            .iter()
            .map(|&(b, v)| self.weights[b as usize] * v)
            .sum();
        sigmoid(self.bias + sum)
    }

    /// The `top` features that move the score of `text` most, in either direction, largest `|weight|` first
    /// (ties by name). The logit is the bias plus the sum of every feature's contribution.
    ///
    /// Allocates a string per feature: for reviewers, not for bulk scoring.
    pub fn explain(&self, text: &str, top: usize) -> Vec<Contribution> {
        let mut contributions: Vec<Contribution> = named_features(text, self.bits)
            .into_iter()
            .map(|(feature, b, value)| Contribution {
                feature,
                weight: self.weights[b as usize] * value,
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.weight
                .abs()
                .total_cmp(&a.weight.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        contributions.truncate(top);
        contributions
    }

    /// The model in the version-1 file format (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let config = &self.metadata.config;
        let mut out = Vec::with_capacity(HEADER_LEN + 4 * self.weights.len() + CHECKSUM_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_SCHEME.to_le_bytes());
        out.extend_from_slice(&self.bits.to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&config.epochs.to_le_bytes());
        out.extend_from_slice(&config.learning_rate.to_le_bytes());
        out.extend_from_slice(&config.l2.to_le_bytes());
        out.push(match config.class_weighting {
            ClassWeighting::Unweighted => 0,
            ClassWeighting::Balanced => 1,
        });
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&config.seed.to_le_bytes());
        out.extend_from_slice(&self.metadata.examples.to_le_bytes());
        out.extend_from_slice(&self.metadata.positives.to_le_bytes());
        out.extend_from_slice(&(self.weights.len() as u64).to_le_bytes());
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes), checking every field, the length and the
    /// checksum. Never panics; reads the whole input once.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < HEADER_LEN {
            return Err(ModelError::TooShort {
                found: bytes.len(),
                expected: HEADER_LEN,
            });
        }
        let u32_at =
            |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let f32_at = |o: usize| f32::from_bits(u32_at(o));
        let u64_at = |o: usize| u64::from(u32_at(o)) | (u64::from(u32_at(o + 4)) << 32);

        if &bytes[..8] != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = u32_at(8);
        if version != FORMAT_VERSION {
            return Err(ModelError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let scheme = u32_at(12);
        if scheme != FEATURE_SCHEME {
            return Err(ModelError::UnsupportedFeatureScheme {
                found: scheme,
                supported: FEATURE_SCHEME,
            });
        }
        let bits = u32_at(16);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(ModelError::BitsOutOfRange { bits });
        }
        let class_weighting = match bytes[36] {
            0 => ClassWeighting::Unweighted,
            1 => ClassWeighting::Balanced,
            code => return Err(ModelError::UnknownClassWeighting { code }),
        };
        let count = u64_at(64);
        let expected_count = 1u64 << bits;
        if count != expected_count {
            return Err(ModelError::WeightCount {
                found: count,
                bits,
                expected: expected_count,
            });
        }
        // `bits <= MAX_BITS` keeps this far from overflow.
        let weights_len = 4 * (1usize << bits);
        let expected_len = HEADER_LEN + weights_len + CHECKSUM_LEN;
        if bytes.len() != expected_len {
            return Err(ModelError::Length {
                found: bytes.len(),
                expected: expected_len,
                weights: count,
            });
        }
        let body = &bytes[..HEADER_LEN + weights_len];
        let stored = u64_at(HEADER_LEN + weights_len);
        let computed = checksum(body);
        if stored != computed {
            return Err(ModelError::Checksum { stored, computed });
        }
        let bias = f32_at(20);
        let learning_rate = f32_at(28);
        let l2 = f32_at(32);
        for (field, value) in [("bias", bias), ("learning rate", learning_rate), ("l2", l2)] {
            if !value.is_finite() {
                return Err(ModelError::NonFiniteParameter { field });
            }
        }
        let mut weights = Vec::with_capacity(1 << bits);
        for (index, chunk) in bytes[HEADER_LEN..HEADER_LEN + weights_len]
            .chunks_exact(4)
            .enumerate()
        {
            let w = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            if !w.is_finite() {
                return Err(ModelError::NonFiniteWeight {
                    index: index as u64,
                });
            }
            weights.push(w);
        }
        let metadata = ModelMetadata {
            examples: u64_at(48),
            positives: u64_at(56),
            config: TrainConfig {
                bits,
                epochs: u32_at(24),
                learning_rate,
                l2,
                seed: u64_at(40),
                class_weighting,
            },
        };
        Ok(Model::from_parts(bits, weights, bias, metadata))
    }
}

/// The file checksum (see the module docs).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h = u64::from_le_bytes(*MAGIC);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = step(h, u64::from_le_bytes(word));
    }
    finish(h, bytes.len() as u64)
}
