//! The pipeline: find inputs, read them with the ingest adapters, hash and store media, write everything to
//! the store in batched transactions, and match media against the hash banks.
//!
//! Owns no format and no SQL: it wires `vigie-ingest`, `vigie-media`, `vigie-pdq`, `vigie-index` and
//! `vigie-store`.

mod analysis;
mod error;
mod hashing;
mod hashlist;
mod hunt;
mod matching;
pub mod model;
mod network;
mod scan;
mod successors;
mod takedown;

pub use analysis::{
    AnalysisReport, Analyzer, ScoredText, ScoringConfig, analyze, case_violation,
    parse_domain_list, parse_term_list, score_texts,
};
pub use error::EngineError;
pub use hashing::{
    FileHashes, ImageHash, ImageHashError, VideoHash, hash_bytes, hash_file, hash_file_with,
    video_hash,
};
pub use hashlist::{HashListImport, QUOTED_PROBLEMS, import_hash_list};
pub use hunt::{HuntOptions, HuntReport, MediaIndex, hunt};
pub use matching::{
    BankHit, DISABLE_UNTIL_LABEL, IndexStats, MatchConfig, MatchResult, Matcher, MediumHashes,
    VARIANTS, entry_enabled, map_segment, write_atomically,
};
pub use network::{
    AccountParts, Neighbour, Network, NetworkAccount, NetworkOptions, NetworkUpdate, RankSettings,
    RankedAccount, Ranking, SeedTie, account_neighbourhood, account_parts, build_network,
    load_network, rank_accounts, update_network,
};
pub use scan::{
    FloodedEntry, InputReport, MatchReport, Progress, ScanConfig, ScanReport, SilentProgress, scan,
};
pub use successors::{Successor, SuccessorSettings, handle_skeleton, successors};
