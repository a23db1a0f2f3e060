//! Deterministic, synthetic and benign test corpora in every export format Vigie ingests.
//!
//! The corpora are the negative class and the plumbing test bed: everyday posts (weather, markets,
//! football, cooking, transport, local news) in French, English and Arabic, drawn pictures, and a handful
//! of deliberately malformed records, each listed in the [`SampleSummary`] so that tests can assert exact
//! counts. A seed fixes every byte; no `rand` crate is involved.
//!
//! Beside them, [`labelled_posts`] draws labelled posts for training and evaluating a text classifier:
//! short, formulaic, non-operational synthetic posts of every violating category of the taxonomy
//! (glorification, support, recruitment, incitement, distribution; made-up links on reserved example
//! domains) and the hard negatives that share their vocabulary (news, research, counter-speech, religious
//! practice, activism, games and sport, moderation, ordinary file links, everyday posts), in French,
//! English and Arabic, drawn from templates split between training and evaluation.

mod accounts;
mod corpus;
mod dates;
mod error;
mod generic;
mod image;
mod labelled;
mod labelled_phrases;
mod labelled_templates;
mod media;
mod network;
mod output;
mod phrases;
mod rng;
mod summary;
mod telegram;
mod text;
mod video;
mod x_v2;

pub use corpus::{SampleConfig, generate};
pub use error::SampleError;
pub use image::{draw_image, draw_video, encode_jpeg, encode_png};
pub use labelled::{LabelledPost, labelled_posts, write_labels_jsonl};
pub use network::{NETWORK_LABELS, NETWORK_POSTS, NetworkLabels, NetworkSummary, SuccessorPair};
pub use summary::{
    GenericSummary, LabelCounts, LabelledSummary, LangCounts, MalformedKind, MalformedRecord,
    MediaSummary, SampleSummary, TelegramSummary, XSummary,
};
pub use video::{VideoSpec, encode_video};
pub use x_v2::write_x_v2_jsonl;
