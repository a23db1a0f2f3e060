//! Fault injection (issue 19): `vigie scan` and `vigie bank import` killed (SIGKILL) at seeded random points, each
//! kill followed by a rerun, on SQLite and PostgreSQL, end with the same content as a run never interrupted
//! (every table's digest); a full disk and a read-only store give a clear error and leave the store sound.
//!
//! `VIGIE_FAULT_KILLS` kills per command and backend (default 6: the suite's share), `VIGIE_FAULT_SEED` the seed
//! (default 19). `scripts/fault-injection` runs 100 of each on a release build.

#[allow(dead_code)]
mod util;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use util::Dir;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small seeded generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Every table's digest and row count, by table.
fn tables(dir: &Dir, db: &str, media: &str) -> Vec<(String, u64, String)> {
    let out = dir
        .vigie(&[
            "--db",
            db,
            "--media-dir",
            media,
            "stats",
            "--digest",
            "--format",
            "json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "stats: {}", util::show(&out));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stats: {e}"));
    v["digest"]["tables"]
        .as_array()
        .unwrap_or_else(|| panic!("no table digests in {v}"))
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap_or("").to_owned(),
                t["rows"].as_u64().unwrap_or(0),
                t["sha256"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The tables whose content differs.
fn differences(a: &[(String, u64, String)], b: &[(String, u64, String)]) -> Vec<String> {
    let mut out: Vec<String> = a
        .iter()
        .filter(|t| !b.contains(t))
        .map(|(t, n, _)| {
            let other = b.iter().find(|x| &x.0 == t).map_or(0, |x| x.1);
            format!("{t} ({n} rows vs {other})")
        })
        .collect();
    if a.len() != b.len() {
        out.push(format!("{} tables vs {}", a.len(), b.len()));
    }
    out
}

/// A store to run in: its URL and media folder. PostgreSQL stores are fresh databases.
struct Stores<'a> {
    dir: &'a Dir,
    postgres: Option<String>,
    n: usize,
}

impl Stores<'_> {
    fn fresh(&mut self) -> (String, String) {
        self.n += 1;
        let media = self
            .dir
            .join(&format!("media-{}", self.n))
            .to_string_lossy()
            .into_owned();
        let db = match &self.postgres {
            None => self
                .dir
                .join(&format!("store-{}.db", self.n))
                .to_string_lossy()
                .into_owned(),
            Some(admin) => util::fresh_postgres_db(admin, &format!("fault_{}", self.n)),
        };
        (db, media)
    }
}

/// Runs `args` on a fresh store to the end (the reference), then `kills` times: a fresh store, `prepare`, the
/// command killed after a seeded random delay, the command again to the end; the content must equal the
/// reference's.
fn kill_and_rerun(
    stores: &mut Stores<'_>,
    what: &str,
    prepare: &dyn Fn(&str, &str),
    args: &[&str],
    kills: u64,
    rng: &mut Rng,
) {
    let dir = stores.dir;
    let command = |db: &str, media: &str| {
        let mut all = vec!["--db", db, "--media-dir", media];
        all.extend_from_slice(args);
        let mut c = dir.vigie(&all);
        c.stdout(Stdio::null()).stderr(Stdio::piped());
        c
    };
    let run = |db: &str, media: &str| {
        let out = command(db, media)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "{what}: {}", util::show(&out));
    };
    // The reference, then two more uninterrupted runs that must equal it: the shortest of the three bounds the
    // kill delays, so that the kills land while the command runs rather than after a slow first run.
    let mut reference = Vec::new();
    let mut took = Duration::MAX;
    for attempt in 0..3 {
        let (db, media) = stores.fresh();
        prepare(&db, &media);
        let started = Instant::now();
        run(&db, &media);
        took = took.min(started.elapsed());
        let content = tables(dir, &db, &media);
        if attempt == 0 {
            reference = content;
        } else {
            let differ = differences(&reference, &content);
            assert!(
                differ.is_empty(),
                "{what}: two uninterrupted runs differ in {differ:?}"
            );
        }
    }
    let mut interrupted = 0;
    for k in 0..kills {
        let (db, media) = stores.fresh();
        prepare(&db, &media);
        let delay = Duration::from_micros(rng.next() % (took.as_micros() as u64).max(1));
        let mut child: std::process::Child = command(&db, &media)
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(delay);
        if child.try_wait().ok().flatten().is_none() {
            interrupted += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        run(&db, &media);
        let got = tables(dir, &db, &media);
        let differ = differences(&reference, &got);
        assert!(
            differ.is_empty(),
            "{what}, kill {k} after {delay:?}: after the rerun these tables differ from an uninterrupted run: {differ:?}"
        );
        let check = dir
            .vigie(&["--db", &db, "--media-dir", &media, "check"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            check.status.success(),
            "{what}, kill {k}: {}",
            util::show(&check)
        );
    }
    eprintln!(
        "{what}: {kills} kills ({interrupted} mid-run) in runs of {took:?}, each rerun equal to the reference"
    );
    assert!(
        interrupted * 2 >= kills,
        "{what}: only {interrupted} of {kills} kills landed while the command ran: the test proved little"
    );
}

/// A hash list of `n` seeded PDQ hashes, one per line.
fn hash_list(path: &std::path::Path, n: usize, seed: u64) {
    let mut rng = Rng(seed | 1);
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| panic!("{e}")));
    for _ in 0..n {
        let hex: String = (0..4).map(|_| format!("{:016x}", rng.next())).collect();
        writeln!(f, "pdq {hex}").unwrap_or_else(|e| panic!("{e}"));
    }
}

fn fault_runs(postgres: Option<String>) {
    let dir = Dir::new();
    dir.ok(&["sample", "--out", "sample"]);
    hash_list(&dir.join("list.txt"), 30_000, 5);
    let kills = setting("VIGIE_FAULT_KILLS", 6);
    let mut rng = Rng(setting("VIGIE_FAULT_SEED", 19) | 1);
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let mut stores = Stores {
        dir: &dir,
        postgres,
        n: 0,
    };
    let nothing = |_: &str, _: &str| {};
    kill_and_rerun(
        &mut stores,
        &format!("scan on {backend}"),
        &nothing,
        &["scan", "sample/telegram", "sample/media", "sample/x"],
        kills,
        &mut rng,
    );
    let create = |db: &str, media: &str| {
        dir.ok(&["--db", db, "--media-dir", media, "bank", "create", "list"]);
    };
    kill_and_rerun(
        &mut stores,
        &format!("bank import on {backend}"),
        &create,
        &["bank", "import", "list", "list.txt"],
        kills,
        &mut rng,
    );
}

#[test]
fn killed_scans_and_bank_imports_end_as_uninterrupted_ones_on_sqlite() {
    fault_runs(None);
}

#[test]
fn killed_scans_and_bank_imports_end_as_uninterrupted_ones_on_postgresql() {
    let Some(admin) = util::postgres_admin_url() else {
        return;
    };
    fault_runs(Some(admin));
}

/// Mounts a tmpfs of `size` at `at` (root, or a user with the right to mount), or explains why the test cannot run.
fn tmpfs(at: &std::path::Path, size: &str) {
    std::fs::create_dir_all(at).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output()
        .unwrap_or_else(|e| panic!("mount: {e}"));
    assert!(
        out.status.success(),
        "cannot mount a tmpfs (this test needs root, as in CI): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_and_a_read_only_store_give_a_clear_error_and_leave_the_store_sound() {
    let dir = Dir::new();
    dir.ok(&["sample", "--out", "sample"]);
    let disk = dir.join("disk");
    tmpfs(&disk, "3m");
    let _unmount = Unmount(disk.clone());
    let db = disk.join("vigie.db").to_string_lossy().into_owned();
    let media = disk.join("media").to_string_lossy().into_owned();

    // Full: the scan stops with an error that says so, and the store still opens and checks clean.
    let out = dir.run(&["--db", &db, "--media-dir", &media, "scan", "sample"]);
    assert!(
        !out.status.success(),
        "the scan filled 3 MB without failing"
    );
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        err.contains("full") || err.contains("no space"),
        "no clear error for a full disk: {}",
        util::show(&out)
    );
    let check = dir.run(&["--db", &db, "--media-dir", &media, "check"]);
    assert!(
        check.status.success(),
        "the store is damaged after the disk filled: {}",
        util::show(&check)
    );
    let stats = dir.run(&["--db", &db, "--media-dir", &media, "stats"]);
    assert!(stats.status.success(), "{}", util::show(&stats));

    // Read-only: room made, the file system remounted read-only; the scan refuses clearly, nothing changes.
    let ro = dir.join("ro");
    tmpfs(&ro, "64m");
    let _unmount_ro = Unmount(ro.clone());
    let db = ro.join("vigie.db").to_string_lossy().into_owned();
    let media = ro.join("media").to_string_lossy().into_owned();
    dir.ok(&[
        "--db",
        &db,
        "--media-dir",
        &media,
        "scan",
        "sample/telegram",
    ]);
    let before = tables(&dir, &db, &media);
    remount(&ro, "ro");
    let out = dir.run(&["--db", &db, "--media-dir", &media, "scan", "sample/x"]);
    assert!(
        !out.status.success(),
        "a scan into a read-only store succeeded"
    );
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        err.contains("read-only") || err.contains("readonly"),
        "no clear error: {}",
        util::show(&out)
    );
    remount(&ro, "rw");
    assert_eq!(
        tables(&dir, &db, &media),
        before,
        "the refused scan changed the store"
    );
    dir.ok(&["--db", &db, "--media-dir", &media, "check"]);
}

/// Remounts a test's tmpfs read-only (`ro`) or writable (`rw`).
fn remount(path: &std::path::Path, mode: &str) {
    let out = Command::new("mount")
        .args(["-o", &format!("remount,{mode}")])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("mount: {e}"));
    assert!(
        out.status.success(),
        "remount,{mode} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_read_only_postgresql_store_gives_a_clear_error_and_stays_as_it_was() {
    let Some(admin) = util::postgres_admin_url() else {
        return;
    };
    let dir = Dir::new();
    dir.ok(&["sample", "--out", "sample"]);
    let db = util::fresh_postgres_db(&admin, "read_only");
    let media = dir.join("media").to_string_lossy().into_owned();
    dir.ok(&[
        "--db",
        &db,
        "--media-dir",
        &media,
        "scan",
        "sample/telegram",
    ]);
    let before = tables(&dir, &db, &media);
    let name = db.rsplit('/').next().unwrap_or_default().to_owned();
    let mut client =
        postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = on"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.run(&["--db", &db, "--media-dir", &media, "scan", "sample/x"]);
    client
        .batch_execute(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = off"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !out.status.success(),
        "a scan into a read-only database succeeded"
    );
    let err = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        err.contains("read-only"),
        "no clear error: {}",
        util::show(&out)
    );
    assert_eq!(
        tables(&dir, &db, &media),
        before,
        "the refused scan changed the store"
    );
}
