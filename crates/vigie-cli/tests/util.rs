//! The test harness: a temporary folder per test and a `vigie` command that runs in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test's own folder and the `vigie` binary under test.
pub struct Dir {
    pub root: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir {
            root: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }

    /// `vigie ARGS` in the test folder, with no inherited configuration.
    pub fn vigie(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigie"));
        cmd.current_dir(self.path()).args(args);
        for var in ["VIGIE_DB", "VIGIE_MEDIA_DIR", "VIGIE_CONFIG", "VIGIE_LOG"] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Runs `vigie ARGS`, asserting success, and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "vigie {args:?} failed ({:?}):\n{}",
            out.status,
            show(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `vigie ARGS --format json`, asserting success, and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("vigie {all:?}: not JSON ({e}):\n{text}"))
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.vigie(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run vigie: {e}"))
    }
}

pub fn show(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The PostgreSQL server to test against, or `None` when the run explicitly skips PostgreSQL. Without
/// either, the test fails: CI and `scripts/test` always provide a server.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("VIGIE_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("VIGIE_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
            eprintln!("VIGIE_SKIP_POSTGRES=1: PostgreSQL part skipped");
            None
        }
        _ => panic!(
            "VIGIE_TEST_POSTGRES is not set: run the tests with scripts/test, which starts a PostgreSQL server"
        ),
    }
}

/// Creates a fresh database on the test server and returns its URL.
pub fn fresh_postgres_db(admin_url: &str, name_hint: &str) -> String {
    let name = format!("vigie_cli_{name_hint}_{}", std::process::id());
    let mut admin = postgres::Client::connect(admin_url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("connect {admin_url}: {e}"));
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap_or_else(|e| panic!("drop: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("create: {e}"));
    match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("cannot derive a database URL from {admin_url}"),
    }
}
