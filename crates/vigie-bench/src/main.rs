//! `vigie-bench`: Vigie's benchmarks, in a binary of their own so that `vigie` links nothing it does not serve.
//! Each reports its figures as text or JSON; `bench/*.sh` run them beside their references and peers.

mod bank_import;
mod graph;
mod index;
mod ingest;
mod lookup;
mod pdq;
mod serve;
mod soak;
mod text;
mod video;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text.
    Text,
    /// One JSON document.
    Json,
}

/// Vigie's benchmarks: ingest, PDQ, the match index, the text pipeline and the review server.
#[derive(Debug, Parser)]
#[command(name = "vigie-bench", version)]
struct Args {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    #[command(subcommand)]
    command: Command,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
enum Command {
    /// The text pipeline on one thread (normalization, language, terms, URLs, classifier) over generated
    /// posts; reports posts per second, overall and per stage.
    Text {
        /// Posts to generate.
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
    },
    /// The PDQ match index on one thread: build rate, bytes per hash, open time of the saved index, queries
    /// per second and latency at distances 31 and 52, recall of planted near-duplicates; a sample of queries
    /// is checked against brute force. Writes the hashes and queries to DIR for the reference
    /// (`bench/index-vs-reference.sh`).
    Index {
        /// Index sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
        sizes: Vec<usize>,
        /// Queries per size (nine in ten planted near-duplicates, one in ten random).
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        /// Work folder.
        #[arg(long)]
        dir: PathBuf,
    },
    /// The review server under load on loopback: fills a fresh store with cases, then runs concurrent clients
    /// against the queue page and random case pages; reports requests/s and latency percentiles.
    Serve {
        /// Cases in the store.
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
        /// Concurrent clients (keep-alive connections).
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Seconds of load per page.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// An empty PostgreSQL database to fill instead of a temporary SQLite file.
        #[arg(long)]
        postgres: Option<String>,
        /// Keep the store (and the generated posts) in this folder instead of a temporary one.
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Measure a store that an earlier run filled (kept with `--dir`, or the `--postgres` database) instead
        /// of filling an empty one.
        #[arg(long)]
        reuse: bool,
        /// Store connections of the server (default: `vigie serve`'s).
        #[arg(long)]
        connections: Option<usize>,
    },
    /// The review server under a long mixed load: `--clients` clients for `--minutes` reading the queue, the
    /// API's case list and cases, and confirming cases as two reviewers; per window: requests per second,
    /// errors, p99 latency, resident memory.
    Soak {
        /// Cases in the store.
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        /// Concurrent clients (keep-alive connections).
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Minutes of load.
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
        /// Seconds per reported window.
        #[arg(long, default_value_t = 30.0)]
        window: f64,
        /// Share of requests that are decisions, percent.
        #[arg(long, default_value_t = 10)]
        decide_percent: u64,
        /// An empty PostgreSQL database to fill instead of a temporary SQLite file.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// The lookup path on one thread: a bank of random PDQ hashes in a SQLite store (kept in DIR), the match
    /// index opened cold and warm, and a batch of hashes matched through `vigie match`'s code, beside the bare
    /// index in the same run; hashes per second end to end. Writes the queries to `DIR/lookup-queries.txt`.
    Lookup {
        /// Entries in the bank.
        #[arg(long, default_value_t = 1_000_000)]
        entries: usize,
        /// Hashes in the batch (nine in ten near-duplicates of entries, one in ten random).
        #[arg(long, default_value_t = 10_000)]
        queries: usize,
        /// Work folder (the store, kept for the next run, and the queries).
        #[arg(long)]
        dir: PathBuf,
    },
    /// HMA's `GET /m/raw_lookup` (PDQ) on the server under concurrent keep-alive clients on loopback, with an
    /// API token, against the store of `lookup` (made in DIR when missing); requests/s and latency percentiles.
    HmaLookup {
        /// Entries in the bank.
        #[arg(long, default_value_t = 1_000_000)]
        entries: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Seconds of load.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Work folder (shared with `lookup`).
        #[arg(long)]
        dir: PathBuf,
    },
    /// The account network on one thread: a generated graph of ACCOUNTS accounts (communities of fifty) and
    /// EVENTS tie events built, then personalized PageRank from 100 seeds and Louvain communities; seconds and
    /// peak memory. Writes the undirected weighted edge list and the seeds to DIR for the peers
    /// (`bench/graph-vs-peers.sh`).
    Graph {
        /// Accounts.
        #[arg(long, default_value_t = 1_000_000)]
        accounts: usize,
        /// Tie events (edges after gathering: about as many).
        #[arg(long, default_value_t = 10_000_000)]
        events: usize,
        /// Work folder.
        #[arg(long)]
        dir: PathBuf,
        /// Also write the graph's accounts and edges to a fresh SQLite store, and time reading them back into
        /// the graph (what `vigie accounts rank` does).
        #[arg(long)]
        store: bool,
    },
    /// Hash-list import into a bank of a fresh SQLite store on one thread: random PDQ hashes in the plain list
    /// format, then a tenth of them withdrawn (TCAP deletions); entries per second and peak memory per size.
    BankImport {
        /// List sizes, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
        sizes: Vec<usize>,
        /// Work folder (the lists and the stores).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Generate X API v2 posts, then ingest them into a fresh SQLite store on one thread; report posts/s and
    /// peak memory.
    Ingest {
        /// Posts to generate.
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
        /// Accounts they are spread over.
        #[arg(long, default_value_t = 50_000)]
        accounts: usize,
        /// Work folder (default: a temporary folder, removed afterwards).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// vPDQ video hashing on one thread over generated videos (H.264, VP9, MPEG-4 with B-frames, MJPEG): seconds
    /// of video hashed per second of wall time. Writes the videos to DIR/vpdq-videos and our frame hashes to
    /// DIR/vpdq-ours for the reference (`bench/vpdq-vs-reference.sh`).
    Video {
        /// Seconds of each video.
        #[arg(long, default_value_t = 60)]
        seconds: u32,
        /// Work folder (the videos are kept and reused).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Generate JPEG images (1024x768 by default), then time, on one thread, PDQ from decoded pixels and
    /// decoding plus PDQ; writes every hash to `DIR/pdq-ours.csv` for comparison with the reference.
    Pdq {
        /// Images to generate.
        #[arg(long, default_value_t = 200)]
        images: usize,
        /// Width of each image.
        #[arg(long, default_value_t = 1024)]
        width: u32,
        /// Height of each image.
        #[arg(long, default_value_t = 768)]
        height: u32,
        /// Work folder: the images go in `DIR/pdq-images` (kept, and reused when already there).
        #[arg(long)]
        dir: PathBuf,
    },
}

fn run(args: Args) -> anyhow::Result<()> {
    let fmt = args.format;
    match args.command {
        Command::Ingest {
            posts,
            accounts,
            dir,
        } => ingest::ingest(fmt, posts, accounts, dir),
        Command::Soak {
            cases,
            clients,
            minutes,
            window,
            decide_percent,
            postgres,
        } => soak::run(
            fmt,
            soak::Soak {
                cases,
                clients,
                minutes,
                window: window.max(1.0),
                decide_percent: decide_percent.min(100),
            },
            postgres,
        ),
        Command::Serve {
            cases,
            clients,
            seconds,
            postgres,
            dir,
            reuse,
            connections,
        } => serve::run(
            fmt,
            serve::Load {
                cases,
                clients,
                seconds,
                connections,
            },
            postgres,
            dir.as_deref(),
            reuse,
        ),
        Command::Text { posts } => text::run(fmt, posts),
        Command::BankImport { sizes, dir } => bank_import::run(fmt, &sizes, &dir),
        Command::Graph {
            accounts,
            events,
            dir,
            store,
        } => graph::run(fmt, accounts, events, &dir, store),
        Command::HmaLookup {
            entries,
            clients,
            seconds,
            dir,
        } => lookup::serve(fmt, entries, clients, seconds, &dir),
        Command::Lookup {
            entries,
            queries,
            dir,
        } => lookup::run(fmt, entries, queries, &dir),
        Command::Index {
            sizes,
            queries,
            dir,
        } => index::run(fmt, &sizes, queries, &dir),
        Command::Pdq {
            images,
            width,
            height,
            dir,
        } => pdq::pdq(fmt, images, width, height, &dir),
        Command::Video { seconds, dir } => video::video(fmt, seconds, &dir),
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigie-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
