//! The `vigie` binary: parses arguments, opens the store, calls the engine, prints results.
//!
//! Errors are turned into exit codes in one place: 0 success, 1 failure, 2 usage (clap's own code).

mod backup;
mod bank;
mod cli;
mod config;
mod evidence;
mod hash;
mod network;
mod output;
mod referral;
mod review;
mod signals;

use std::process::ExitCode;

// Ingest allocates and frees millions of small strings; mimalloc handles that churn with a fraction of the
// time glibc's allocator spends consolidating free lists (measured with `vigie-bench ingest`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::parse();
    init_logging(args.verbose, args.log_format);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes, each said once: many errors quote their cause in their own message already
/// ("cannot read FILE: No such file or directory"), and printing the chain would repeat it.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Logging to standard error. `vigie serve` logs its start and one line per request (targets `vigie::serve`
/// and `vigie::access`, at info) whatever the verbosity; VIGIE_LOG replaces every default.
fn init_logging(verbose: u8, format: cli::LogFormat) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "{default},vigie::serve=info,vigie::access=info"
        ))
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        cli::LogFormat::Text => logs.init(),
        cli::LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}
