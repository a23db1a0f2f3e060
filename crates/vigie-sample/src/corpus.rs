//! The corpus generator: splits a [`SampleConfig`] across the export formats, draws the picture pool,
//! has each format write its files, and sums up what was written into a [`SampleSummary`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Serialize;

use crate::error::SampleError;
use crate::generic::{self, GenericPlan};
use crate::labelled::{self, LabelledPlan};
use crate::media::{self, Format, Picture};
use crate::output::Output;
use crate::summary::{MediaSummary, SampleSummary};
use crate::telegram::{self, TelegramPlan};
use crate::x_v2::{self, XPlan};

/// The size of a corpus. The same configuration always gives byte-identical files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SampleConfig {
    /// Fixes every byte of the corpus.
    pub seed: u64,
    /// Accounts across all platforms (at least 20): about 40 % on X, 15 % Telegram users plus three
    /// Telegram channels, the rest on the generic formats.
    pub accounts: usize,
    /// Well-formed posts across all formats (at least 200): about 35 % X, 30 % Telegram, 20 % generic
    /// JSONL, 15 % CSV. Malformed records come on top, and so do the labelled posts: a training set of
    /// `posts * 2 / 3` posts (under `labels/` only) and an evaluation set of `posts / 5` posts, which the
    /// corpus also holds as `generic/labelled-posts.jsonl`.
    pub posts: usize,
    /// Distinct pictures (at least 12, at most `posts / 4`), attached to Telegram and generic posts and
    /// left loose under `media/`, several of them in more than one place.
    pub images: usize,
}

impl SampleConfig {
    /// The corpus the tests and the CLI's sample command use: seed 7, 300 accounts, 3,000 posts and
    /// 48 pictures, about 3.6 MB on disk with the labelled posts.
    pub fn small() -> Self {
        Self {
            seed: 7,
            accounts: 300,
            posts: 3000,
            images: 48,
        }
    }

    fn check(&self) -> Result<(), SampleError> {
        let at_least = |field: &'static str, value: usize, min: usize| {
            if value < min {
                Err(SampleError::Config {
                    field,
                    value,
                    expected: format!("at least {min}"),
                })
            } else {
                Ok(())
            }
        };
        at_least("accounts", self.accounts, 20)?;
        at_least("posts", self.posts, 200)?;
        at_least("images", self.images, 12)?;
        if self.images > self.posts / 4 {
            return Err(SampleError::Config {
                field: "images",
                value: self.images,
                expected: format!("at most posts / 4 = {}", self.posts / 4),
            });
        }
        Ok(())
    }
}

/// How a configuration is split across the formats.
#[derive(Debug)]
struct Plan {
    x: XPlan,
    telegram: TelegramPlan,
    generic: GenericPlan,
    loose: Range<usize>,
    loose_copies: Vec<usize>,
    formats: Vec<Format>,
    labelled: LabelledPlan,
}

fn plan(config: &SampleConfig) -> Result<Plan, SampleError> {
    config.check()?;
    let SampleConfig {
        seed,
        accounts,
        posts,
        images,
    } = *config;

    let x_accounts = accounts * 2 / 5;
    let tg_users = accounts * 3 / 20;
    let tg_channels = 3;
    let generic_accounts = accounts - x_accounts - tg_users - tg_channels;

    let x_posts = posts * 7 / 20;
    let tg_posts = posts * 3 / 10;
    let jsonl_posts = posts / 5;
    let csv_posts = posts - x_posts - tg_posts - jsonl_posts;
    let externals = x_posts / 20;
    let chat_posts = tg_posts * 2 / 5;
    let full_posts = tg_posts - chat_posts;
    let channel_posts = full_posts * 9 / 20;
    let group_posts = full_posts * 2 / 5;
    let left_posts = full_posts - channel_posts - group_posts;

    let chat_pics = images * 3 / 8;
    let full_pics = images / 4;
    let generic_pics = images / 8;
    let chat = 0..chat_pics;
    let full = chat.end..chat.end + full_pics;
    let generic = full.end..full.end + generic_pics;
    let loose = generic.end..images;
    let formats = (0..images)
        .map(|i| {
            if i < full.end || i % 2 == 1 {
                Format::Jpeg
            } else {
                Format::Png
            }
        })
        .collect();
    let reposted = chat_pics.min(3);

    // Every photo needs a post of its own to sit on.
    let fits = [
        ("Telegram chat photos", chat_pics + 4, chat_posts),
        (
            "Telegram full-export photos",
            full_pics + reposted,
            full_posts,
        ),
        ("generic media files", generic_pics + 1, jsonl_posts),
    ];
    for (what, needed, available) in fits {
        if needed > available {
            return Err(SampleError::Config {
                field: "images",
                value: images,
                expected: format!(
                    "fewer: {what} need {needed} posts, only {available} are planned"
                ),
            });
        }
    }

    Ok(Plan {
        x: XPlan {
            seed,
            posts: x_posts - externals,
            accounts: x_accounts,
            externals,
        },
        telegram: TelegramPlan {
            seed,
            users: tg_users,
            chat_posts,
            channel_posts,
            group_posts,
            left_posts,
            chat_photos: chat.clone(),
            full_photos: full.clone(),
            reposted,
        },
        generic: GenericPlan {
            seed,
            accounts: generic_accounts,
            jsonl_posts,
            csv_posts,
            pictures: generic.clone(),
            reposted: Some(chat.start + 1).filter(|&i| i < chat.end),
        },
        loose_copies: vec![chat.start, chat.start + 1, full.start, generic.start],
        loose,
        formats,
        labelled: LabelledPlan {
            seed,
            train: posts * 2 / 3,
            eval: posts / 5,
        },
    })
}

/// Writes a synthetic corpus under `out` (folders are created; files of the same name are replaced,
/// other files are left alone) and returns what it holds.
///
/// The layout: `x/search_responses.jsonl` and `x/single_response.json` (X API v2);
/// `telegram/ChatExport_2024-01-15/` and `telegram/full_export/` (Telegram Desktop, each with
/// `result.json` and `photos/`); `generic/posts.jsonl`, `generic/posts.csv` and `generic/media/`; loose
/// pictures under `media/`; and the labelled posts of [`labelled_posts`](crate::labelled_posts):
/// `labels/train.labels` and `labels/eval.labels` (JSON lines for `vigie model train --labels`),
/// `labels/file-hosts.list` (the made-up file-host domains, as CSV) and `generic/labelled-posts.jsonl`
/// (the evaluation posts, as posts that a scan ingests). The `labels/` files are deliberately not named
/// `.jsonl` or `.csv`: a scan of the corpus folder passes them over instead of reading them as posts.
///
/// Every text is synthetic. All of them are benign except the labelled positives, short formulaic
/// non-operational posts of the five violating categories drawn from templates written for this project
/// (the training and evaluation sets from disjoint templates, see [`labelled_posts`](crate::labelled_posts));
/// every link is on a domain reserved by RFC 2606 (`example.com`, `example.org`, `example.net` and their
/// subdomains, the `.example` top-level domain); the few malformed records are listed in
/// [`SampleSummary::malformed`].
///
/// Cost: [`SampleConfig::small`] takes well under a second in release builds and writes about 3.6 MB.
/// Fails with [`SampleError::Config`] for a configuration below the documented minimums, and with
/// [`SampleError::Io`] when a file cannot be written.
pub fn generate(out: &Path, config: &SampleConfig) -> Result<SampleSummary, SampleError> {
    let plan = plan(config)?;
    let pictures: Vec<Picture> = plan
        .formats
        .iter()
        .enumerate()
        .map(|(i, &format)| media::picture(config.seed, i, format))
        .collect::<Result<_, _>>()?;

    let mut output = Output::new(out);
    let (x, mut malformed) = x_v2::write_corpus(&mut output, &plan.x)?;
    let (telegram, more) = telegram::write(&mut output, &plan.telegram, &pictures)?;
    malformed.extend(more);
    let (generic, more) = generic::write(&mut output, &plan.generic, &pictures)?;
    malformed.extend(more);
    let labelled = labelled::write(&mut output, &plan.labelled)?;
    let network = crate::network::write(&mut output, config.seed)?;
    media::write_loose(
        &mut output,
        &pictures,
        plan.loose.clone(),
        &plan.loose_copies,
    )?;

    let (png_files, jpeg_files) = output.formats();
    let (loose_files, loose_shared_with_posts) = output.loose();
    let media = MediaSummary {
        image_files: output.image_files(),
        distinct_images: output.distinct_images(),
        duplicate_files: output.image_files() - output.distinct_images(),
        png_files,
        jpeg_files,
        loose_files,
        loose_shared_with_posts,
        mislabeled_files: output.mislabeled(),
    };
    let mut malformed_per_file = BTreeMap::new();
    for m in &malformed {
        *malformed_per_file.entry(m.file.clone()).or_insert(0) += 1;
    }
    let summary = SampleSummary {
        seed: config.seed,
        files: output.files(),
        total_bytes: output.total_bytes(),
        posts: x.posts + telegram.posts + generic.posts + labelled.corpus_posts + network.posts,
        accounts: x.accounts
            + telegram.accounts
            + generic.accounts
            + labelled.corpus_accounts
            + network.accounts,
        x,
        telegram,
        generic,
        media,
        labelled,
        network,
        malformed,
        malformed_per_file,
    };
    tracing::info!(
        out = %out.display(),
        files = summary.files.len(),
        bytes = summary.total_bytes,
        posts = summary.posts,
        accounts = summary.accounts,
        malformed = summary.malformed.len(),
        "sample corpus written"
    );
    Ok(summary)
}
