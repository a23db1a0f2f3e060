//! What a generated corpus holds, counted while it was written, so that tests can assert exact numbers
//! (posts, accounts, images, malformed records) instead of "at least one".

use std::collections::BTreeMap;

use serde::Serialize;

/// Posts by the language their text was written in (posts with no text are not counted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LangCounts {
    /// Posts written in French.
    pub fr: usize,
    /// Posts written in English.
    pub en: usize,
    /// Posts written in Arabic.
    pub ar: usize,
}

impl LangCounts {
    /// All posts counted.
    pub fn total(&self) -> usize {
        self.fr + self.en + self.ar
    }

    /// Counts one post in the language with ISO 639-1 code `code` (other codes are ignored).
    pub(crate) fn add(&mut self, code: &str) {
        match code {
            "fr" => self.fr += 1,
            "en" => self.en += 1,
            "ar" => self.ar += 1,
            _ => {}
        }
    }
}

/// The X / Twitter API v2 part of the corpus (`x/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct XSummary {
    /// `x/search_responses.jsonl`: one search response per line.
    pub responses_file: String,
    /// `x/single_response.json`: one pretty-printed `GET /2/tweets?ids=` response.
    pub single_response_file: String,
    /// Lines of the JSONL file, malformed ones included.
    pub lines: usize,
    /// Lines of the JSONL file that are complete JSON responses.
    pub responses: usize,
    /// Well-formed tweets under `data` in the JSONL file; each id appears there exactly once.
    pub data_tweets: usize,
    /// Distinct tweets that appear only under `includes.tweets` (referenced, never in `data`).
    pub included_only_tweets: usize,
    /// Distinct posts of the X files: `data_tweets + included_only_tweets`. The single response only
    /// re-observes tweets of the JSONL file (with higher counters), so it adds none.
    pub posts: usize,
    /// Items of `data` with an `id` of the wrong type or no `id` (see the malformed list).
    pub broken_tweets: usize,
    /// Tweets under `data` in the single response.
    pub single_response_tweets: usize,
    /// Distinct user ids under `includes.users`, both files together.
    pub accounts: usize,
    /// Users whose object (name, description, counters) differs between two observations.
    pub accounts_with_changes: usize,
    /// Distinct `media_key`s under `includes.media` (photos with `url`, videos with `preview_image_url`).
    pub media: usize,
    /// The distinct posts by `lang`.
    pub langs: LangCounts,
}

/// The Telegram Desktop part of the corpus (`telegram/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TelegramSummary {
    /// The one-chat export, `telegram/ChatExport_2024-01-15/result.json`.
    pub chat_file: String,
    /// The whole-account export, `telegram/full_export/result.json`.
    pub full_export_file: String,
    /// Entries of the chat's `messages`, service messages included.
    pub chat_messages: usize,
    /// `"type": "service"` entries of the chat.
    pub chat_service_messages: usize,
    /// Posts of the chat: its non-service messages (those with a bad media reference included).
    pub chat_posts: usize,
    /// Chats of the whole export: `chats.list` plus `left_chats.list`.
    pub full_export_chats: usize,
    /// Entries of all `messages` arrays of the whole export, service messages included.
    pub full_export_messages: usize,
    /// `"type": "service"` entries of the whole export.
    pub full_export_service_messages: usize,
    /// Posts of the whole export: its non-service messages.
    pub full_export_posts: usize,
    /// `chat_posts + full_export_posts`; post ids (`<chat id>/<message id>`) never repeat across files.
    pub posts: usize,
    /// Distinct `from_id`s of non-service messages, both files together (`channel…` and `user…`).
    pub accounts: usize,
    /// Photo files written under the two `photos/` folders.
    pub photo_files: usize,
    /// Messages whose `photo` names a file that exists (each such file is named by one message).
    pub photo_messages: usize,
    /// Messages whose `photo` or `file` must be quarantined (see the malformed list); the message
    /// itself is a valid post.
    pub bad_media_refs: usize,
    /// Non-service messages with `forwarded_from`.
    pub forwarded: usize,
    /// Non-service messages with `reply_to_message_id`.
    pub replies: usize,
    /// Non-service messages whose `text` is an array of strings and entity objects.
    pub rich_texts: usize,
    /// The posts with text, by language.
    pub langs: LangCounts,
}

/// The generic JSONL and CSV part of the corpus (`generic/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenericSummary {
    /// `generic/posts.jsonl`.
    pub jsonl_file: String,
    /// `generic/posts.csv`.
    pub csv_file: String,
    /// Lines of the JSONL file, malformed ones included.
    pub jsonl_lines: usize,
    /// Well-formed post records of the JSONL file (distinct `(platform, id)`).
    pub jsonl_posts: usize,
    /// `"record": "account"` lines of the JSONL file.
    pub jsonl_account_records: usize,
    /// Data records of the CSV file (the header excluded, the malformed row included). Records may span
    /// several lines: quoted texts hold newlines.
    pub csv_records: usize,
    /// Well-formed post rows of the CSV file (distinct `(platform, id)`, none shared with the JSONL).
    pub csv_posts: usize,
    /// `jsonl_posts + csv_posts`.
    pub posts: usize,
    /// Distinct accounts of both files: `(platform, id)`, or `(platform, @handle)` for the accounts that
    /// are only ever named by handle. Ids stay the same across the two files.
    pub accounts: usize,
    /// Image files under `generic/media/`.
    pub media_files: usize,
    /// Media entries that point to a local file (`media[].path` in JSONL, a relative path in CSV).
    pub local_media_refs: usize,
    /// The posts by language.
    pub langs: LangCounts,
}

/// Image files across the whole corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaSummary {
    /// Image files written anywhere in the corpus (Telegram photos, generic media, loose media).
    pub image_files: usize,
    /// Distinct images among them, by exact bytes; equals the configured `images`.
    pub distinct_images: usize,
    /// Files that repeat the bytes of another: `image_files - distinct_images`.
    pub duplicate_files: usize,
    /// Files whose bytes are PNG.
    pub png_files: usize,
    /// Files whose bytes are JPEG.
    pub jpeg_files: usize,
    /// Files under `media/` (loose media with no post).
    pub loose_files: usize,
    /// Loose files whose bytes equal a file attached to a post elsewhere (a Telegram photo or a
    /// generic media file).
    pub loose_shared_with_posts: usize,
    /// Loose files whose extension does not match their bytes (JPEG bytes named `.png`): formats are
    /// to be recognised by content.
    pub mislabeled_files: Vec<String>,
}

/// What is wrong with a deliberately malformed record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MalformedKind {
    /// A JSON line cut short.
    TruncatedJson,
    /// A line that is not JSON at all.
    NotJson,
    /// A line with bytes that are not UTF-8.
    InvalidUtf8,
    /// A record whose `id` has the wrong JSON type.
    WrongIdType,
    /// A record with no `id` (or an empty one).
    MissingId,
    /// A media path that leaves the export folder through `..`.
    PathTraversal,
    /// A media path that is absolute.
    AbsolutePath,
    /// A media path to a file that does not exist.
    MissingFile,
    /// A media entry that the export did not include (Telegram's "File not included" placeholder).
    MediaNotExported,
}

/// One deliberately malformed record: where it is and what a reader should make of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedRecord {
    /// The file, relative to the corpus root, with `/` separators.
    pub file: String,
    /// The 1-based line where the record starts, for line-oriented files (JSONL, CSV).
    pub line: Option<usize>,
    /// A readable locator, e.g. `line 7, data[100]` or `messages[41] (id 40)`.
    pub position: String,
    /// What is wrong.
    pub kind: MalformedKind,
    /// What the record holds and what a reader should do with it.
    pub detail: String,
}

/// One set of labelled posts, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    /// Posts of the set.
    pub posts: usize,
    /// Posts with `label` true (the violating categories `glorification`, `support`, `recruitment`,
    /// `incitement` and `distribution`).
    pub positives: usize,
    /// Posts with `label` false.
    pub negatives: usize,
    /// Posts by category: the five violating ones and the hard negatives `news`, `research`,
    /// `counter_speech`, `religious`, `activism_politics`, `gaming_sports`, `osint_moderation`,
    /// `file_links` and `everyday` (a category with no post is absent).
    pub per_category: BTreeMap<String, usize>,
    /// Posts by language.
    pub langs: LangCounts,
}

/// The labelled posts for training and evaluating a text classifier (`labels/`), and the evaluation posts
/// written again as a generic JSONL export for `vigie scan` (see [`labelled_posts`](crate::labelled_posts)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelledSummary {
    /// `labels/train.labels`: the training set, JSON lines of
    /// [`write_labels_jsonl`](crate::write_labels_jsonl). Not named `.jsonl`, so that a scan of the corpus
    /// folder does not ingest the labels as posts.
    pub train_file: String,
    /// `labels/eval.labels`: the evaluation set, in the same format; no id, text or template is shared
    /// with the training set (its posts come from held-out templates).
    pub eval_file: String,
    /// `labels/file-hosts.list`: CSV with the header `domain,category,weight,note`, one made-up file-host
    /// domain per row, category `file_host`. Not named `.csv`, so that a scan does not read it as posts.
    pub file_hosts_file: String,
    /// `generic/labelled-posts.jsonl`: the evaluation posts as generic JSONL posts, with the same ids,
    /// spread over a few dozen made-up accounts.
    pub corpus_file: String,
    /// The `platform` of the posts of `corpus_file`.
    pub corpus_platform: String,
    /// The training set.
    pub train: LabelCounts,
    /// The evaluation set.
    pub eval: LabelCounts,
    /// Well-formed posts of `corpus_file` (`eval.posts`); the file has no malformed line.
    pub corpus_posts: usize,
    /// Distinct accounts of `corpus_file`.
    pub corpus_accounts: usize,
    /// Rows of `file_hosts_file`, the header excluded.
    pub file_hosts: usize,
}

/// Everything [`generate`](crate::generate) wrote, with the counts tests can assert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleSummary {
    /// The seed the corpus was drawn from.
    pub seed: u64,
    /// Every file written, relative to the output folder, with `/` separators, sorted.
    pub files: Vec<String>,
    /// The bytes of all files written.
    pub total_bytes: u64,
    /// Distinct well-formed posts of the whole corpus: `x.posts + telegram.posts + generic.posts +
    /// labelled.corpus_posts + network.posts`. Equals the configured `posts` plus the labelled posts and the
    /// network's posts.
    pub posts: usize,
    /// Distinct accounts of the whole corpus, platform by platform: `x.accounts + telegram.accounts +
    /// generic.accounts + labelled.corpus_accounts + network.accounts`. Equals the configured `accounts` plus
    /// the made-up accounts of the labelled posts and the network's accounts.
    pub accounts: usize,
    /// The X / Twitter part.
    pub x: XSummary,
    /// The Telegram part.
    pub telegram: TelegramSummary,
    /// The generic JSONL and CSV part.
    pub generic: GenericSummary,
    /// Image files across the corpus.
    pub media: MediaSummary,
    /// The labelled posts (`labels/` and `generic/labelled-posts.jsonl`).
    pub labelled: LabelledSummary,
    /// The generated account network (`network/`).
    pub network: crate::network::NetworkSummary,
    /// Every deliberately malformed record, in file order.
    pub malformed: Vec<MalformedRecord>,
    /// The number of malformed records by file.
    pub malformed_per_file: BTreeMap<String, usize>,
}

impl SampleSummary {
    /// The number of malformed records in `file` (a path relative to the corpus root).
    pub fn malformed_in(&self, file: &str) -> usize {
        self.malformed_per_file.get(file).copied().unwrap_or(0)
    }
}
