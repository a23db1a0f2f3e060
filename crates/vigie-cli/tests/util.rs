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

/// Virtual environments are made one at a time: the tests of this file run in parallel, as threads of one process
/// or as processes of their own (nextest), so a lock file under `target/` orders them.
pub fn venv_lock() -> std::fs::File {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venvs.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
    file
}

/// A virtual environment under `target/` with `package` from PyPI (made on first use), or `None` when `skip`
/// is set to 1.
pub fn venv(dir: &str, package: &str, skip: &str) -> Option<PathBuf> {
    if std::env::var(skip).is_ok_and(|v| v == "1") {
        eprintln!("{skip}=1: the {package} part is skipped");
        return None;
    }
    let _one_at_a_time = venv_lock();
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(dir);
    let stamp = venv.join("installed");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == package) {
        return Some(venv);
    }
    let _ = std::fs::remove_dir_all(&venv);
    // Debian's interpreter when there is one (its python3-venv and python3-dev build native wheels), else python3.
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .unwrap_or_else(|| panic!("no python3: install python3, python3-venv and python3-dev"));
    let made = Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .unwrap_or_else(|e| panic!("{python} -m venv: {e}"));
    assert!(
        made.status.success(),
        "{python} -m venv failed:\n{}",
        show(&made)
    );
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", "--disable-pip-version-check", package])
        .output()
        .unwrap_or_else(|e| panic!("pip: {e}"));
    assert!(
        pip.status.success(),
        "pip install {package} failed (no network to PyPI? set {skip}=1 to skip):\n{}",
        show(&pip)
    );
    std::fs::write(&stamp, package).unwrap_or_else(|e| panic!("{e}"));
    Some(venv)
}

/// Two reviewers confirm case `id` with the same label, as the review server has them do.
pub fn confirm(db: &str, media: &Path, id: i64) {
    let mut store = vigie_store::open(db, Some(media)).unwrap_or_else(|e| panic!("{e}"));
    let rules = vigie_store::ReviewRules {
        two_person: true,
        taxonomy: vec!["glorification".into()],
    };
    for name in ["ann", "bob"] {
        let known = store
            .users()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .find(|u| u.name == name);
        let user = match known {
            Some(user) => user,
            None => store
                .add_user(
                    name,
                    vigie_model::Role::Reviewer,
                    "not-a-login",
                    &vigie_store::Actor::cli("test"),
                )
                .unwrap_or_else(|e| panic!("{e}")),
        };
        let decision = vigie_store::NewDecision {
            case_id: id,
            action: vigie_model::Action::Confirm,
            label: Some("glorification".into()),
            reason: None,
            allow_list: false,
        };
        let outcome = store
            .decide(
                &user,
                &decision,
                &rules,
                &vigie_store::Actor::user(&user, None),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(outcome, vigie_store::DecisionOutcome::Taken(_)),
            "{outcome:?}"
        );
    }
}
