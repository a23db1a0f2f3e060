//! Deterministic, synthetic and benign test corpora in every export format Vigie ingests.
//!
//! The corpora are the negative class and the plumbing test bed: everyday posts (weather, markets,
//! football, cooking, transport, local news) in French, English and Arabic, drawn pictures, and a handful
//! of deliberately malformed records, each listed in the [`SampleSummary`] so that tests can assert exact
//! counts. A seed fixes every byte; no `rand` crate is involved.
//!
//! Beside them, [`labelled_posts`] draws labelled posts for training and evaluating a text classifier:
//! synthetic posts that distribute releases of terrorist media outlets (the shape only: outlet names,
//! release wording, made-up file-host links on reserved example domains, no content and no violence) and
//! the hard negatives a detector must not flag (news reports, research, counter-speech, religious and
//! everyday posts).

mod accounts;
mod corpus;
mod dates;
mod error;
mod generic;
mod image;
mod labelled;
mod labelled_phrases;
mod media;
mod output;
mod phrases;
mod rng;
mod summary;
mod telegram;
mod text;
mod x_v2;

pub use corpus::{SampleConfig, generate};
pub use error::SampleError;
pub use image::{draw_image, encode_jpeg, encode_png};
pub use labelled::{LabelledPost, labelled_posts, write_labels_jsonl};
pub use summary::{
    GenericSummary, LabelCounts, LabelledSummary, LangCounts, MalformedKind, MalformedRecord,
    MediaSummary, SampleSummary, TelegramSummary, XSummary,
};
pub use x_v2::write_x_v2_jsonl;
