//! The store suite: one set of tests, run against SQLite (always, in a temporary folder) and against
//! PostgreSQL (a fresh database per test on the server named by `VIGIE_TEST_POSTGRES`).
//!
//! Both backends must give the same answers to the same writes; the last test writes the same batches to both
//! and compares everything they return. Without `VIGIE_TEST_POSTGRES` the PostgreSQL tests fail, pointing at
//! `scripts/test` (which starts a server with `scripts/test-env.sh`), unless `VIGIE_SKIP_POSTGRES=1`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use vigie_model::{
    Account, Attachment, Format, ImportCounts, ImportStatus, Media, MediaKind, Platform, Position,
    Post, PostRef, QuarantinedRecord, RefKind, Source, Timestamp,
};
use vigie_model::{
    Action, AuditEvent, BankKind, CaseStatus, CaseSubject, DecisionError, EntryRecord, Evidence,
    Labels, MatchStatus, Role, SignalKind, SignalType, User, UserSettings, Violation,
};
use vigie_store::{
    AccountQuery, Actor, Backend, BankChange, Batch, CaseQuery, CaseSort, DecisionOutcome,
    EntryCounts, FeedPosition, HuntState, ImportProgress, LoginOutcome, MatchQuery, MediumMatches,
    NewBank, NewCase, NewDecision, NewList, NewMatch, PostQuery, ReviewRules, Settled, Snapshot,
    Stats, Store, StoreError, StoredMedia, UserChange, verify_audit,
};

// ---------------------------------------------------------------------------------------------------------
// The harness: a factory of fresh stores for one backend.

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Makes fresh, empty stores of one backend for one test, and removes them when dropped.
struct Env {
    backend: Backend,
    dir: tempfile::TempDir,
    /// For PostgreSQL: the server URL given by the environment, and the databases this test created.
    server: Option<String>,
    databases: Vec<String>,
}

impl Env {
    fn sqlite() -> Env {
        Env {
            backend: Backend::Sqlite,
            dir: temp_dir(),
            server: None,
            databases: Vec::new(),
        }
    }

    /// The PostgreSQL environment, or `None` (after saying so) when `VIGIE_SKIP_POSTGRES=1` and no server is
    /// given. Panics, failing the test, when neither is set: a suite that silently skips half of itself is
    /// how a backend rots.
    fn postgres() -> Option<Env> {
        match std::env::var("VIGIE_TEST_POSTGRES") {
            Ok(url) if !url.trim().is_empty() => Some(Env {
                backend: Backend::Postgres,
                dir: temp_dir(),
                server: Some(url.trim().to_owned()),
                databases: Vec::new(),
            }),
            _ if std::env::var("VIGIE_SKIP_POSTGRES").is_ok_and(|v| v == "1") => {
                eprintln!("VIGIE_SKIP_POSTGRES=1: skipping a PostgreSQL store test");
                None
            }
            _ => panic!(
                "VIGIE_TEST_POSTGRES is not set, so the PostgreSQL half of the store suite has no server. Run the \
                 tests through `scripts/test`, which starts a throwaway server; or start one yourself with \
                 `eval \"$(scripts/test-env.sh start)\"` (stop it with `scripts/test-env.sh stop \
                 \"$VIGIE_TEST_PG_DIR\"`); or set VIGIE_SKIP_POSTGRES=1 to skip these tests."
            ),
        }
    }

    /// The URL of a fresh, empty database (nothing is created for SQLite until it is opened).
    fn fresh_url(&mut self) -> String {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        match &self.server {
            None => self
                .dir
                .path()
                .join(format!("store{n}.db"))
                .to_string_lossy()
                .into_owned(),
            Some(server) => {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0);
                let name = format!("vigie_test_{}_{n}_{nanos}", std::process::id());
                let mut admin = ::postgres::Client::connect(server, ::postgres::NoTls)
                    .unwrap_or_else(|e| {
                        panic!("cannot connect to VIGIE_TEST_POSTGRES={server}: {e}")
                    });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("cannot create database {name} on {server}: {e}"));
                self.databases.push(name.clone());
                with_database(server, &name)
            }
        }
    }

    /// Opens the store at `url`, with its media in a folder of its own.
    fn open(&self, url: &str) -> Box<dyn Store> {
        let name = url
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("store")
            .split('?')
            .next()
            .unwrap_or("store");
        let media = self.dir.path().join(format!("media-{name}"));
        match vigie_store::open(url, Some(&media)) {
            Ok(store) => store,
            Err(e) => panic!("cannot open {url}: {e}"),
        }
    }

    /// Runs SQL on the database at `url` behind the store's back (to fake a newer schema).
    fn execute_raw(&self, url: &str, sql: &str) {
        match &self.server {
            None => {
                let conn = rusqlite::Connection::open(url)
                    .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
                conn.execute_batch(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Some(_) => {
                let mut client = ::postgres::Client::connect(url, ::postgres::NoTls)
                    .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
                client
                    .batch_execute(sql)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    /// A fresh store.
    fn fresh(&mut self) -> Box<dyn Store> {
        let url = self.fresh_url();
        self.open(&url)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let Some(server) = &self.server else { return };
        if self.databases.is_empty() {
            return;
        }
        // Best effort: a failed drop leaves a database named vigie_test_* behind, nothing worse.
        if let Ok(mut admin) = ::postgres::Client::connect(server, ::postgres::NoTls) {
            for db in &self.databases {
                let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot create a temporary folder: {e}"))
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let host_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let head = match base[host_start..].find('/') {
        Some(i) => &base[..host_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{head}/{db}?{q}"),
        None => format!("{head}/{db}"),
    }
}

/// Unwraps a store result, failing the test with the error's message.
fn ok<T>(r: Result<T, StoreError>) -> T {
    r.unwrap_or_else(|e| panic!("store error: {e}"))
}

/// Declares each test once per backend: `sqlite::NAME` and `postgres::NAME`.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&mut super::Env::sqlite()); })*
        }
        mod postgres {
            $(#[test] fn $name() { if let Some(mut env) = super::Env::postgres() { super::$name(&mut env); } })*
        }
    };
}

suite!(
    migrations_run_once,
    concurrent_opens_migrate_once,
    errors_say_what_went_wrong,
    batch_round_trips,
    stats_count_per_platform_and_language,
    writing_twice_changes_nothing,
    account_states_become_observations,
    newest_state_wins_whatever_the_write_order,
    equal_times_break_ties_the_same_way,
    id_only_records_never_erase_a_profile,
    posts_by_account,
    later_sightings_fill_missing_fields,
    a_posts_own_address_is_kept_and_becomes_its_permalink,
    duplicates_within_one_batch,
    known_and_new_posts_in_one_statement,
    attachments_gain_their_digest,
    media_and_loose_sources,
    imports_are_logged,
    quarantine_round_trips,
    blobs_are_content_addressed,
    account_search,
    large_batch,
    banks_import_update_and_feed_the_index,
    matches_are_recorded_held_and_released,
    matches_settle_and_withdraw_and_the_hunt_reads_stored_media,
    allow_bank_scopes_and_renames_round_trip,
    cases_lists_and_models_round_trip,
    users_are_added_changed_and_listed,
    logins_record_failures_and_lockouts,
    sessions_expire_and_end_with_their_user,
    tokens_record_their_use_and_are_revoked,
    decisions_follow_the_two_person_rule,
    cases_are_assigned_and_filtered,
    media_pdq_by_digest,
    case_view_reads_a_case_with_its_decisions_and_post,
    the_audit_trail_records_every_change,
    an_edited_audit_entry_is_found,
    removed_audit_entries_are_found,
    audited_entries_and_their_audit_entry_are_one_transaction,
    a_fed_import_is_applied_whole_or_not_at_all,
    evidence_is_frozen_once,
    referrals_take_confirmed_cases_once_and_move_forward,
    the_network_adds_deltas_and_ties_references_when_their_post_arrives,
    network_ties_read_the_same_packed_or_not,
    video_hashes_round_trip,
);

// ---------------------------------------------------------------------------------------------------------
// Test data.

const T0: i64 = 1_700_000_000_000;
const SHA_A: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const SHA_B: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn account(platform: Platform, id: &str, handle: &str, name: &str, seen: Option<i64>) -> Account {
    let mut a = Account::with_id(platform, id);
    a.handle = Some(handle.to_owned());
    a.display_name = Some(name.to_owned());
    a.bio = Some(format!("bio of {handle}"));
    a.avatar_url = Some(format!("https://img.example/{id}.jpg"));
    a.created_at = Some(Timestamp(T0 - 86_400_000 * 365));
    a.followers = Some(100);
    a.following = Some(10);
    a.post_count = Some(1000);
    a.observed_at = seen.map(Timestamp);
    a
}

fn post(
    platform: Platform,
    id: &str,
    author: Option<&str>,
    text: Option<&str>,
    created: Option<i64>,
) -> Post {
    let mut p = Post::with_id(platform, id);
    p.account_id = author.map(str::to_owned);
    p.text = text.map(str::to_owned);
    p.created_at = created.map(Timestamp);
    p
}

fn media(sha256: &str, size: u64, dims: Option<(u32, u32)>) -> Media {
    Media {
        sha256: sha256.to_owned(),
        md5: sha256[..32].to_owned(),
        mime: if dims.is_some() {
            "image/png"
        } else {
            "video/mp4"
        }
        .to_owned(),
        byte_size: size,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        // A made-up hash for images, derived from the digest so that each medium has its own.
        pdq: dims.map(|_| sha256.chars().rev().collect()),
        pdq_quality: dims.map(|_| 87),
        pdq_variants: dims.map(|_| sha256.repeat(7)),
    }
}

fn attachment(kind: MediaKind, key: Option<&str>, sha256: Option<&str>) -> Attachment {
    let mut a = Attachment::new(kind);
    a.media_key = key.map(str::to_owned);
    a.url = key.map(|k| format!("https://pbs.example/{k}.jpg"));
    a.width = key.map(|_| 1200);
    a.height = key.map(|_| 675);
    a.sha256 = sha256.map(str::to_owned);
    a
}

/// The four kinds of quarantine position, each with raw bytes that are not text.
fn quarantine_records() -> Vec<QuarantinedRecord> {
    vec![
        QuarantinedRecord::new(
            "export/tweets.jsonl",
            Position::Line(3),
            "not JSON: expected value at column 1",
            b"{oops",
        ),
        QuarantinedRecord::new(
            "export/tweets.jsonl",
            Position::LinePath(7, "$.data[2]".into()),
            "missing field `id`",
            &[0, 159, 146, 150, b'\n', 0xff],
        ),
        QuarantinedRecord::new(
            "tg/result.json",
            Position::JsonPath("$.chats.list[0].messages[17]".into()),
            "date is not a timestamp",
            b"{\"date\": \"yesterday\"}",
        ),
        QuarantinedRecord::new("export/empty.csv", Position::File, "no header row", b""),
    ]
}

/// A batch exercising every table: profiles and id-only accounts, posts with every kind of child row,
/// attachments with and without a digest, media with and without a loose source, and quarantine.
fn sample_batch() -> Batch {
    let mut b = Batch::default();
    b.push_account(account(Platform::x(), "1", "Alpha", "Alpha One", Some(T0)));
    b.push_account(account(
        Platform::x(),
        "2",
        "beta",
        "Beta Two",
        Some(T0 + 5),
    ));
    b.push_account(account(
        Platform::telegram(),
        "-1001",
        "chan",
        "Le Canal",
        Some(T0 + 9),
    ));

    let mut p = post(
        Platform::x(),
        "10",
        Some("1"),
        Some("hello #a #b https://t.co/x @beta"),
        Some(T0 + 1000),
    );
    p.lang = Some("en".into());
    p.references = vec![
        PostRef {
            kind: RefKind::ReplyTo,
            target_post_id: Some("9".into()),
            target_account: Some("2".into()),
        },
        PostRef {
            kind: RefKind::Quote,
            target_post_id: Some("8".into()),
            target_account: None,
        },
    ];
    p.hashtags = vec!["a".into(), "b".into()];
    p.urls = vec!["https://example.org/long".into()];
    p.mentions = vec!["beta".into()];
    p.attachments = vec![
        attachment(MediaKind::Photo, Some("3_100"), None),
        attachment(MediaKind::Photo, Some("3_101"), Some(SHA_A)),
    ];
    p.source = Some(Source {
        file: "export/tweets.jsonl".into(),
        position: Position::LinePath(1, "$.data[0]".into()),
    });
    b.push_post(p);

    let mut p = post(Platform::x(), "11", Some("2"), Some("bonjour"), None);
    p.lang = Some("fr".into());
    p.references = vec![PostRef {
        kind: RefKind::Repost,
        target_post_id: Some("10".into()),
        target_account: None,
    }];
    p.source = Some(Source {
        file: "export/tweets.jsonl".into(),
        position: Position::Line(2),
    });
    b.push_post(p);

    let mut p = post(Platform::x(), "12", Some("3"), None, Some(T0 + 500));
    p.source = Some(Source {
        file: "export/tweets.jsonl".into(),
        position: Position::File,
    });
    b.push_post(p);

    let mut p = post(
        Platform::telegram(),
        "-1001/5",
        Some("-1001"),
        Some("message"),
        Some(T0 + 2000),
    );
    p.lang = Some("fr".into());
    p.references = vec![PostRef {
        kind: RefKind::Forward,
        target_post_id: None,
        target_account: Some("Some Channel".into()),
    }];
    let mut video = attachment(MediaKind::Video, None, Some(SHA_B));
    video.source_path = Some("video_files/clip.mp4".into());
    p.attachments = vec![video];
    p.source = Some(Source {
        file: "tg/result.json".into(),
        position: Position::JsonPath("$.messages[4]".into()),
    });
    b.push_post(p);

    b.media.push(StoredMedia {
        media: media(SHA_A, 2048, Some((1200, 675))),
        source_path: None,
    });
    b.media.push(StoredMedia {
        media: media(SHA_B, 1 << 33, None),
        source_path: Some("loose/clip.mp4".into()),
    });
    b.quarantine = quarantine_records();
    b
}

fn counts_of(b: &Batch) -> ImportCounts {
    ImportCounts {
        accounts: b.accounts.len() as u64,
        posts: b.posts.len() as u64,
        media: b.media.len() as u64,
        quarantined: b.quarantine.len() as u64,
    }
}

/// Writes batches as one import, as the engine does.
fn import(store: &mut dyn Store, batches: &[Batch]) -> i64 {
    let id = ok(store.begin_import("export/tweets.jsonl", Format::XV2));
    let mut total = ImportCounts::default();
    for b in batches {
        total.add(&counts_of(b));
        ok(store.write_batch(id, b, &total));
    }
    ok(store.finish_import(id, ImportStatus::Complete, &total, None));
    id
}

fn all_posts(store: &mut dyn Store) -> Vec<Post> {
    ok(store.posts(&PostQuery {
        limit: 1000,
        ..PostQuery::default()
    }))
    .into_iter()
    .map(|v| v.post)
    .collect()
}

fn find_post(store: &mut dyn Store, platform: &str, id: &str) -> Post {
    let posts = ok(store.posts(&PostQuery {
        platform: Some(platform.into()),
        limit: 1000,
        ..PostQuery::default()
    }));
    posts
        .into_iter()
        .map(|v| v.post)
        .find(|p| p.platform_id == id)
        .unwrap_or_else(|| panic!("post {platform}/{id} not found"))
}

fn accounts_of(store: &mut dyn Store, platform: &str) -> Vec<Account> {
    let q = AccountQuery {
        platform: Some(platform.into()),
        limit: 1000,
        ..AccountQuery::default()
    };
    ok(store.accounts(&q))
        .into_iter()
        .map(|v| v.account)
        .collect()
}

fn account_of(store: &mut dyn Store, platform: &str, id: &str) -> Account {
    accounts_of(store, platform)
        .into_iter()
        .find(|a| a.platform_id == id)
        .unwrap_or_else(|| panic!("account {platform}/{id} not found"))
}

// ---------------------------------------------------------------------------------------------------------
// The tests, each written once for both backends.

fn migrations_run_once(env: &mut Env) {
    let url = env.fresh_url();
    let mut store = env.open(&url);
    assert_eq!(store.backend(), env.backend);
    assert_eq!(ok(store.schema_version()), 18);
    assert_eq!(
        ok(store.snapshot())
            .tables
            .iter()
            .map(|(_, rows)| rows.len())
            .sum::<usize>(),
        0
    );
    import(&mut *store, &[sample_batch()]);
    let before = ok(store.snapshot());
    drop(store);

    // Reopening a migrated store applies nothing and keeps the content.
    let mut again = env.open(&url);
    assert_eq!(ok(again.schema_version()), 18);
    assert_eq!(ok(again.snapshot()), before);
    assert_eq!(ok(again.imports(10)).len(), 1);
    drop(again);

    // A database written by a newer Vigie is refused, not half-understood.
    env.execute_raw(
        &url,
        "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)",
    );
    let media = env.dir.path().join("media-newer");
    match vigie_store::open(&url, Some(&media)) {
        Err(StoreError::TooNew {
            found: 99,
            supported: 18,
        }) => {}
        Err(e) => panic!("expected TooNew, got {e}"),
        Ok(_) => panic!("a schema newer than this build was accepted"),
    }
}

fn errors_say_what_went_wrong(env: &mut Env) {
    // A foreign key the batch breaks (an attachment naming bytes that were never stored): PostgreSQL refuses
    // the whole batch, with the database's own words; SQLite, which verifies its declared keys in `check`
    // rather than on every insert (a quarter of the load time), reports the broken reference there.
    let mut store = env.fresh();
    let mut p = post(Platform::x(), "1", None, Some("t"), None);
    p.attachments = vec![attachment(MediaKind::Photo, None, Some(SHA_A))];
    let mut b = Batch::default();
    b.push_post(p);
    let id = ok(store.begin_import("f", Format::Jsonl));
    assert_eq!(
        ok(store.check()),
        Vec::<String>::new(),
        "a fresh store is healthy"
    );
    match (env.backend, store.write_batch(id, &b, &counts_of(&b))) {
        (Backend::Postgres, Err(e)) => {
            assert!(e.to_string().to_lowercase().contains("foreign key"), "{e}");
            assert_eq!(
                ok(store.stats()).posts,
                0,
                "the failed batch left nothing behind"
            );
        }
        (Backend::Postgres, Ok(())) => panic!("an attachment of unknown bytes was stored"),
        (Backend::Sqlite, Ok(())) => {
            let problems = ok(store.check());
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(
                problems[0].contains("post_media") && problems[0].contains("media"),
                "{problems:?}"
            );
        }
        (Backend::Sqlite, Err(e)) => panic!("SQLite does not check foreign keys on insert: {e}"),
    }

    if env.backend == Backend::Postgres {
        let url = with_database(
            env.server.as_deref().unwrap_or_default(),
            "vigie_test_no_such_database",
        );
        match vigie_store::open(&url, Some(&env.dir.path().join("media-none"))) {
            Err(e) => assert!(e.to_string().contains("vigie_test_no_such_database"), "{e}"),
            Ok(_) => panic!("opened a database that does not exist"),
        }
    }
}

fn concurrent_opens_migrate_once(env: &mut Env) {
    // Several processes (here threads) opening one new database at once must all succeed and migrate it once.
    let url = env.fresh_url();
    let results: Vec<Result<i64, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let media = env.dir.path().join("media-concurrent");
                    let mut store =
                        vigie_store::open(&url, Some(&media)).map_err(|e| e.to_string())?;
                    store.schema_version().map_err(|e| e.to_string())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into())))
            .collect()
    });
    for r in results {
        assert_eq!(r, Ok(18));
    }
}

fn batch_round_trips(env: &mut Env) {
    let mut store = env.fresh();
    let batch = sample_batch();
    import(&mut *store, std::slice::from_ref(&batch));

    // Every post comes back as written, with its entities, references, attachments and source.
    let mut got = all_posts(&mut *store);
    let mut want = batch.posts.clone();
    got.sort_by(|a, b| {
        (a.platform.as_str(), &a.platform_id).cmp(&(b.platform.as_str(), &b.platform_id))
    });
    want.sort_by(|a, b| {
        (a.platform.as_str(), &a.platform_id).cmp(&(b.platform.as_str(), &b.platform_id))
    });
    assert_eq!(got, want);

    // Accounts: the profiles as written (observed when last seen), and the author that was known by id only.
    for s in batch.accounts.iter().filter(|s| s.fingerprint.is_some()) {
        let got = account_of(
            &mut *store,
            s.account.platform.as_str(),
            &s.account.platform_id,
        );
        assert_eq!(got, s.account);
    }
    assert_eq!(
        account_of(&mut *store, "x", "3"),
        Account::with_id(Platform::x(), "3")
    );

    let views = ok(store.posts(&PostQuery {
        account: Some("alpha".into()),
        limit: 10,
        ..PostQuery::default()
    }));
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].handle.as_deref(), Some("Alpha"));
    assert_eq!(views[0].display_name.as_deref(), Some("Alpha One"));

    let snapshot = ok(store.snapshot());
    for (table, rows) in [
        ("accounts", 4),
        ("account_observations", 3),
        ("posts", 4),
        ("post_refs", 4),
        ("post_hashtags", 2),
        ("post_urls", 1),
        ("post_mentions", 1),
        ("post_media", 3),
        ("media", 2),
        ("media_sources", 1),
        ("quarantine", 4),
    ] {
        assert_eq!(snapshot.rows(table), rows, "{table}: {snapshot:#?}");
    }
}

fn stats_count_per_platform_and_language(env: &mut Env) {
    let mut store = env.fresh();
    assert_eq!(ok(store.stats()), Stats::default());
    import(&mut *store, &[sample_batch()]);
    let stats = ok(store.stats());
    let pairs = |c: &[vigie_store::Count]| {
        c.iter()
            .map(|c| (c.key.clone(), c.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        (
            stats.accounts,
            stats.observations,
            stats.posts,
            stats.attachments,
            stats.media
        ),
        (4, 3, 4, 3, 2)
    );
    assert_eq!(stats.media_bytes, 2048 + (1 << 33));
    assert_eq!((stats.quarantined, stats.imports), (4, 1));
    assert_eq!(
        pairs(&stats.posts_per_platform),
        [("x".to_owned(), 3), ("telegram".to_owned(), 1)]
    );
    assert_eq!(
        pairs(&stats.accounts_per_platform),
        [("x".to_owned(), 3), ("telegram".to_owned(), 1)]
    );
    // Ties sort by key, bytewise.
    assert_eq!(
        pairs(&stats.posts_per_language),
        [
            ("fr".to_owned(), 2),
            ("en".to_owned(), 1),
            ("unknown".to_owned(), 1)
        ]
    );
}

fn writing_twice_changes_nothing(env: &mut Env) {
    let mut store = env.fresh();
    import(&mut *store, &[sample_batch()]);
    let once = ok(store.snapshot());
    let stats_once = ok(store.stats());
    import(&mut *store, &[sample_batch(), sample_batch()]);
    assert_eq!(ok(store.snapshot()), once);
    let stats_twice = ok(store.stats());
    assert_eq!(
        stats_twice,
        Stats {
            imports: 2,
            ..stats_once
        }
    );
}

fn account_states_become_observations(env: &mut Env) {
    let mut store = env.fresh();
    let old = account(Platform::x(), "1", "alpha", "Alpha", Some(T0));
    let mut new = account(
        Platform::x(),
        "1",
        "alpha_renamed",
        "Alpha",
        Some(T0 + 60_000),
    );
    new.followers = Some(250);
    let mut b = Batch::default();
    b.push_account(old.clone());
    b.push_account(new.clone());
    // The same state seen again later widens its observation rather than adding one.
    let mut old_again = old.clone();
    old_again.observed_at = Some(Timestamp(T0 + 30_000));
    b.push_account(old_again);
    import(&mut *store, &[b]);

    let observations = ok(store.observations("x", "1"));
    assert_eq!(observations.len(), 2, "{observations:#?}");
    assert_eq!(
        observations[0], old,
        "oldest first, observed when first seen"
    );
    assert_eq!(observations[1], new);
    let view = ok(store.accounts(&AccountQuery {
        limit: 10,
        ..AccountQuery::default()
    }));
    assert_eq!(view.len(), 1);
    assert_eq!(view[0].account, new);
    assert_eq!(view[0].observations, 2);
    assert!(ok(store.observations("x", "404")).is_empty());

    // In a later import, the old state seen even earlier stretches its first sighting back.
    let mut b = Batch::default();
    let mut older = old.clone();
    older.observed_at = Some(Timestamp(T0 - 1000));
    b.push_account(older.clone());
    import(&mut *store, &[b]);
    let observations = ok(store.observations("x", "1"));
    assert_eq!(observations.len(), 2);
    assert_eq!(observations[0], older);
    assert_eq!(
        account_of(&mut *store, "x", "1"),
        new,
        "an older sighting never replaces the newest state"
    );
    let snapshot = ok(store.snapshot());
    let row = snapshot
        .tables
        .iter()
        .find(|(t, _)| t == "account_observations")
        .map(|(_, r)| r.clone());
    let old_fp = vigie_model::observation_fingerprint(&old);
    let expected = format!(
        "x|1|{old_fp}|alpha|Alpha|bio of alpha|100|{}|{}",
        T0 - 1000,
        T0 + 30_000
    );
    assert!(
        row.is_some_and(|rows| rows.contains(&expected)),
        "{snapshot:#?}\nexpected {expected}"
    );
}

fn newest_state_wins_whatever_the_write_order(env: &mut Env) {
    let old = account(Platform::x(), "7", "seven", "Seven", Some(T0));
    let new = account(Platform::x(), "7", "seven_v2", "Seven (new)", Some(T0 + 1));
    let batch_of = |a: &Account| {
        let mut b = Batch::default();
        b.push_account(a.clone());
        b.push_post(post(Platform::x(), "70", Some("7"), Some("text"), Some(T0)));
        b
    };
    let mut forward = env.fresh();
    import(&mut *forward, &[batch_of(&old), batch_of(&new)]);
    let mut backward = env.fresh();
    import(&mut *backward, &[batch_of(&new), batch_of(&old)]);
    let mut together = env.fresh();
    let mut b = batch_of(&new);
    b.push_account(old.clone());
    import(&mut *together, &[b]);

    for store in [&mut forward, &mut backward, &mut together] {
        assert_eq!(account_of(&mut **store, "x", "7"), new);
        assert_eq!(ok(store.observations("x", "7")), [old.clone(), new.clone()]);
    }
    let a = ok(forward.snapshot());
    assert_eq!(a, ok(backward.snapshot()));
    assert_eq!(a, ok(together.snapshot()));
}

fn equal_times_break_ties_the_same_way(env: &mut Env) {
    // Two states seen at the same instant (or both at no known time): the larger fingerprint wins, in any order.
    for seen in [Some(T0), None] {
        let a = account(Platform::x(), "5", "five_a", "Five", seen);
        let b = account(Platform::x(), "5", "five_b", "Five", seen);
        let winner = if vigie_model::observation_fingerprint(&a)
            > vigie_model::observation_fingerprint(&b)
        {
            &a
        } else {
            &b
        };
        for order in [[&a, &b], [&b, &a]] {
            let mut store = env.fresh();
            for acc in order {
                let mut batch = Batch::default();
                batch.push_account(acc.clone());
                import(&mut *store, &[batch]);
            }
            assert_eq!(&account_of(&mut *store, "x", "5"), winner);
        }
    }
}

fn id_only_records_never_erase_a_profile(env: &mut Env) {
    let mut store = env.fresh();
    let profile = account(Platform::x(), "1", "alpha", "Alpha", Some(T0));
    let mut b = Batch::default();
    b.push_account(profile.clone());
    import(&mut *store, &[b]);
    // A later post names its author by id only (as X's `author_id` does): the profile stays.
    let mut b = Batch::default();
    b.push_post(post(
        Platform::x(),
        "99",
        Some("1"),
        Some("later"),
        Some(T0 + 10_000),
    ));
    let mut bare = Account::with_id(Platform::x(), "1");
    bare.observed_at = Some(Timestamp(T0 + 10_000));
    b.push_account(bare);
    import(&mut *store, &[b]);
    assert_eq!(account_of(&mut *store, "x", "1"), profile);
    assert_eq!(ok(store.observations("x", "1")), [profile]);

    // An account first known by id only gains its profile when one arrives.
    let mut b = Batch::default();
    b.push_post(post(Platform::x(), "98", Some("2"), None, None));
    import(&mut *store, &[b]);
    assert_eq!(
        account_of(&mut *store, "x", "2"),
        Account::with_id(Platform::x(), "2")
    );
    let beta = account(Platform::x(), "2", "beta", "Beta", None);
    let mut b = Batch::default();
    b.push_account(beta.clone());
    import(&mut *store, &[b]);
    assert_eq!(account_of(&mut *store, "x", "2"), beta);
}

fn posts_by_account(env: &mut Env) {
    let mut store = env.fresh();
    let mut b = sample_batch();
    b.push_account(account(Platform::x(), "@gamma", "gamma", "Gamma", Some(T0)));
    b.push_post(post(
        Platform::x(),
        "20",
        Some("1"),
        Some("newest"),
        Some(T0 + 9000),
    ));
    b.push_post(post(Platform::x(), "21", Some("1"), Some("undated"), None));
    b.push_post(post(
        Platform::x(),
        "22",
        Some("1"),
        Some("same time, later row"),
        Some(T0 + 1000),
    ));
    b.push_post(post(
        Platform::x(),
        "30",
        Some("@gamma"),
        Some("by handle"),
        Some(T0),
    ));
    import(&mut *store, &[b]);

    let ids = |store: &mut dyn Store, account: &str, limit: usize| -> Vec<String> {
        let q = PostQuery {
            account: Some(account.into()),
            limit,
            ..PostQuery::default()
        };
        ok(store.posts(&q))
            .into_iter()
            .map(|v| v.post.platform_id)
            .collect()
    };
    // Newest first; equal times by storage order, newest row first; undated last.
    let alpha = ["20", "22", "10", "21"];
    for name in ["alpha", "Alpha", "@alpha", "@ALPHA", "1"] {
        assert_eq!(ids(&mut *store, name, 100), alpha, "account {name:?}");
    }
    assert_eq!(ids(&mut *store, "alpha", 2), ["20", "22"]);
    assert_eq!(ids(&mut *store, "alpha", 0), Vec::<String>::new());
    assert_eq!(ids(&mut *store, "@gamma", 10), ["30"]);
    assert_eq!(ids(&mut *store, "gamma", 10), ["30"]);
    assert_eq!(ids(&mut *store, "nobody", 10), Vec::<String>::new());
    assert_eq!(ids(&mut *store, "-1001", 10), ["-1001/5"]);

    let all = ok(store.posts(&PostQuery {
        limit: 100,
        ..PostQuery::default()
    }));
    let order: Vec<&str> = all.iter().map(|v| v.post.platform_id.as_str()).collect();
    assert_eq!(order, ["20", "-1001/5", "22", "10", "12", "30", "21", "11"]);
    let telegram = ok(store.posts(&PostQuery {
        platform: Some("telegram".into()),
        limit: 100,
        ..PostQuery::default()
    }));
    assert_eq!(telegram.len(), 1);
    assert_eq!(telegram[0].handle.as_deref(), Some("chan"));
    let none = ok(store.posts(&PostQuery {
        account: Some("1".into()),
        platform: Some("telegram".into()),
        limit: 10,
        ..PostQuery::default()
    }));
    assert!(none.is_empty());
    // One post by its key, with or without the platform.
    let id = telegram[0].post.platform_id.clone();
    for platform in [Some("telegram".to_owned()), None] {
        let one = ok(store.posts(&PostQuery {
            platform,
            post_id: Some(id.clone()),
            limit: 10,
            ..PostQuery::default()
        }));
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].post.platform_id, id);
    }
    let other = ok(store.posts(&PostQuery {
        platform: Some("x".into()),
        post_id: Some(id),
        limit: 10,
        ..PostQuery::default()
    }));
    assert!(other.is_empty());
}

fn later_sightings_fill_missing_fields(env: &mut Env) {
    let mut store = env.fresh();
    let write = |store: &mut dyn Store, p: Post| {
        let mut b = Batch::default();
        b.push_post(p);
        import(store, &[b]);
    };
    // First seen as a bare reference (no text, author or time), as a quoted tweet often is.
    write(&mut *store, post(Platform::x(), "40", None, None, None));
    let bare = find_post(&mut *store, "x", "40");
    assert_eq!(
        (bare.text, bare.account_id, bare.created_at),
        (None, None, None)
    );

    let mut full = post(Platform::x(), "40", Some("4"), Some("the text"), Some(T0));
    full.lang = Some("en".into());
    full.source = Some(Source {
        file: "second.jsonl".into(),
        position: Position::Line(9),
    });
    write(&mut *store, full);
    let got = find_post(&mut *store, "x", "40");
    assert_eq!(got.text.as_deref(), Some("the text"));
    assert_eq!(got.account_id.as_deref(), Some("4"));
    assert_eq!(got.lang.as_deref(), Some("en"));
    assert_eq!(got.created_at, Some(Timestamp(T0)));
    assert_eq!(
        got.source, None,
        "the source is where the post was first stored"
    );

    // Once known, a field keeps its first value.
    let mut other = post(
        Platform::x(),
        "40",
        Some("5"),
        Some("edited text"),
        Some(T0 + 1),
    );
    other.lang = Some("de".into());
    write(&mut *store, other);
    let again = find_post(&mut *store, "x", "40");
    assert_eq!(again, got);
}

fn a_posts_own_address_is_kept_and_becomes_its_permalink(env: &mut Env) {
    let mut store = env.fresh();
    let write = |store: &mut dyn Store, p: Post| {
        let mut b = Batch::default();
        b.push_post(p);
        import(store, &[b]);
    };
    let facebook = Platform::new("facebook");
    // First seen without its address, then with it, then with another: the first address stays.
    write(
        &mut *store,
        post(facebook.clone(), "fb1", None, Some("a"), None),
    );
    assert_eq!(find_post(&mut *store, "facebook", "fb1").url, None);
    let mut with_url = post(facebook.clone(), "fb1", None, Some("a"), None);
    with_url.url = Some("https://www.facebook.com/page/posts/1".into());
    write(&mut *store, with_url);
    let mut other = post(facebook.clone(), "fb1", None, Some("a"), None);
    other.url = Some("https://www.facebook.com/page/posts/other".into());
    write(&mut *store, other);
    assert_eq!(
        find_post(&mut *store, "facebook", "fb1").url.as_deref(),
        Some("https://www.facebook.com/page/posts/1")
    );
    // An address that is not a web address is kept as given, and never becomes a link.
    let mut odd = post(facebook, "fb2", None, Some("b"), None);
    odd.url = Some("javascript:alert(1)".into());
    write(&mut *store, odd);
    let rows = ok(store.posts_after(0, 10));
    let cases: Vec<NewCase> = rows
        .iter()
        .map(|r| NewCase {
            category: None,
            subject: CaseSubject::Post,
            row: r.id,
            score: 0.9,
            evidence: vec![evidence(SignalKind::Posts, 0.9)],
        })
        .collect();
    ok(store.put_cases(&cases));
    let mut links: Vec<(String, Option<String>)> = ok(store.cases(&CaseQuery {
        limit: 10,
        ..CaseQuery::default()
    }))
    .into_iter()
    .map(|c| (c.post_id.unwrap_or_default(), c.permalink))
    .collect();
    links.sort();
    assert_eq!(
        links,
        [
            (
                "fb1".to_owned(),
                Some("https://www.facebook.com/page/posts/1".to_owned())
            ),
            ("fb2".to_owned(), None),
        ]
    );
}

fn duplicates_within_one_batch(env: &mut Env) {
    // The same post twice in one batch, the second richer: the batch must merge as row-by-row upserts do.
    let mut first = post(Platform::x(), "50", None, None, None);
    first.hashtags = vec!["one".into()];
    first.attachments = vec![attachment(MediaKind::Photo, Some("k1"), None)];
    first.source = Some(Source {
        file: "a.jsonl".into(),
        position: Position::Line(1),
    });
    let mut second = post(Platform::x(), "50", Some("1"), Some("text"), Some(T0));
    second.hashtags = vec!["uno".into(), "two".into()];
    second.attachments = vec![
        attachment(MediaKind::Photo, Some("k1"), Some(SHA_A)),
        attachment(MediaKind::Video, Some("k2"), None),
    ];
    second.source = Some(Source {
        file: "b.jsonl".into(),
        position: Position::Line(2),
    });
    let mut b = Batch::default();
    b.media.push(StoredMedia {
        media: media(SHA_A, 10, Some((1, 1))),
        source_path: None,
    });
    b.push_post(first.clone());
    b.push_account(account(Platform::x(), "1", "alpha", "Alpha", Some(T0)));
    b.push_post(second.clone());
    b.push_post(first);
    let mut store = env.fresh();
    import(&mut *store, &[b]);

    let got = find_post(&mut *store, "x", "50");
    assert_eq!(got.text.as_deref(), Some("text"));
    assert_eq!(got.account_id.as_deref(), Some("1"));
    assert_eq!(got.hashtags, ["one", "two"]);
    assert_eq!(got.attachments.len(), 2);
    assert_eq!(got.attachments[0].sha256.as_deref(), Some(SHA_A));
    assert_eq!(got.attachments[1].kind, MediaKind::Video);
    assert_eq!(got.source.map(|s| s.file), Some("a.jsonl".to_owned()));
}

fn known_and_new_posts_in_one_statement(env: &mut Env) {
    // Posts stored by an earlier connection (whose caches this one does not share) sit between new posts in
    // one batch: each must keep its own row and gain the new fields and child rows, and no new post may take
    // another's id.
    let url = env.fresh_url();
    {
        let mut earlier = env.open(&url);
        let mut b = Batch::default();
        for i in (0..150).step_by(3) {
            let mut p = post(Platform::x(), &format!("{}", 500 + i), None, None, None);
            p.hashtags = vec![format!("old{i}")];
            b.push_post(p);
        }
        import(&mut *earlier, &[b]);
    }
    let mut store = env.open(&url);
    let mut b = Batch::default();
    for i in 0..150i64 {
        let text = format!("text {i}");
        let mut p = post(
            Platform::x(),
            &format!("{}", 500 + i),
            None,
            Some(&text),
            Some(T0 + i),
        );
        p.hashtags = vec![format!("old{i}"), format!("new{i}")];
        b.push_post(p);
    }
    import(&mut *store, &[b]);
    for i in 0..150i64 {
        let got = find_post(&mut *store, "x", &format!("{}", 500 + i));
        assert_eq!(got.text, Some(format!("text {i}")), "post {i}");
        assert_eq!(got.created_at, Some(Timestamp(T0 + i)), "post {i}");
        assert_eq!(
            got.hashtags,
            [format!("old{i}"), format!("new{i}")],
            "post {i}"
        );
    }
    assert_eq!(ok(store.stats()).posts, 150);
}

fn attachments_gain_their_digest(env: &mut Env) {
    let mut store = env.fresh();
    let mut p = post(Platform::telegram(), "-1/1", None, Some("photo"), Some(T0));
    p.attachments = vec![attachment(MediaKind::Photo, None, None)];
    let mut b = Batch::default();
    b.push_post(p.clone());
    import(&mut *store, &[b]);
    assert_eq!(
        find_post(&mut *store, "telegram", "-1/1").attachments[0].sha256,
        None
    );

    // The bytes are hashed and stored later (a scan of the export's files): the attachment gains its digest.
    p.attachments[0].sha256 = Some(SHA_B.into());
    let mut b = Batch::default();
    b.media.push(StoredMedia {
        media: media(SHA_B, 5, None),
        source_path: None,
    });
    b.push_post(p.clone());
    import(&mut *store, &[b]);
    assert_eq!(find_post(&mut *store, "telegram", "-1/1"), p);

    // A digest, once known, is not replaced.
    p.attachments[0].sha256 = Some(SHA_A.into());
    let mut b = Batch::default();
    b.media.push(StoredMedia {
        media: media(SHA_A, 5, None),
        source_path: None,
    });
    b.push_post(p);
    import(&mut *store, &[b]);
    assert_eq!(
        find_post(&mut *store, "telegram", "-1/1").attachments[0]
            .sha256
            .as_deref(),
        Some(SHA_B)
    );
}

fn case_view_reads_a_case_with_its_decisions_and_post(env: &mut Env) {
    let (mut store, ids) = store_with_cases(env);
    let analyst = add_user(&mut *store, "ann", Role::Analyst);
    let reviewer = add_user(&mut *store, "rev", Role::Reviewer);
    taken(decide(
        &mut *store,
        &analyst,
        ids[0],
        Action::Escalate,
        None,
        Some("unsure"),
    ));
    taken(decide(
        &mut *store,
        &reviewer,
        ids[0],
        Action::Reject,
        None,
        Some("a news report"),
    ));
    // An account case too: no post.
    let author = ok(store.posts_after(0, 100))
        .iter()
        .find_map(|p| p.account)
        .unwrap_or_else(|| panic!("a post with an account"));
    ok(store.put_cases(&[NewCase {
        category: None,
        subject: CaseSubject::Account,
        row: author,
        score: 0.5,
        evidence: vec![evidence(SignalKind::Posts, 0.5)],
    }]));
    let all: Vec<i64> = ok(store.cases(&CaseQuery {
        limit: 100,
        ..CaseQuery::default()
    }))
    .iter()
    .map(|c| c.id)
    .collect();
    assert_eq!(all.len(), ids.len() + 1);
    let mut entities = 0;
    for id in all {
        let view = ok(store.case_view(id)).unwrap_or_else(|| panic!("case {id}"));
        let case = ok(store.case(id)).unwrap_or_else(|| panic!("case {id}"));
        assert_eq!(view.decisions, ok(store.decisions(id)));
        let post = case.post_id.as_ref().and_then(|post_id| {
            ok(store.posts(&PostQuery {
                platform: Some(case.platform.clone()),
                post_id: Some(post_id.clone()),
                limit: 1,
                ..PostQuery::default()
            }))
            .into_iter()
            .next()
        });
        assert_eq!(view.post.is_some(), case.subject == CaseSubject::Post);
        if let Some(p) = &view.post {
            entities += p.post.hashtags.len() + p.post.urls.len() + p.post.attachments.len();
        }
        assert_eq!(view.post, post);
        assert_eq!(view.case, case);
    }
    assert!(entities > 0, "the sample posts carry entities to compare");
    let first = ok(store.case_view(ids[0])).unwrap_or_else(|| panic!("case"));
    assert_eq!(
        first
            .decisions
            .iter()
            .map(|d| (d.user.as_str(), d.action))
            .collect::<Vec<_>>(),
        [("ann", Action::Escalate), ("rev", Action::Reject)]
    );
    assert_eq!(
        ok(store.case_view(ids.iter().max().copied().unwrap_or(0) + 1000)),
        None
    );
}

fn media_pdq_by_digest(env: &mut Env) {
    let mut store = env.fresh();
    let mut b = Batch::default();
    // An image (with a PDQ hash) and a video (without).
    for (sha, dims) in [(SHA_A, Some((64, 64))), (SHA_B, None)] {
        b.media.push(StoredMedia {
            media: media(sha, 5, dims),
            source_path: None,
        });
    }
    import(&mut *store, &[b]);
    let unknown = "f".repeat(64);
    let image_pdq: String = SHA_A.chars().rev().collect();
    assert_eq!(
        ok(store.media_pdq(&[
            SHA_B.to_owned(),
            SHA_A.to_owned(),
            unknown,
            SHA_A.to_owned()
        ])),
        [None, Some(image_pdq.clone()), None, Some(image_pdq)]
    );
    assert!(ok(store.media_pdq(&[])).is_empty());
    // The type ingest sniffed is kept with the medium (the review pages serve the bytes with it).
    assert_eq!(ok(store.media_type(SHA_A)).as_deref(), Some("image/png"));
    assert_eq!(ok(store.media_type(SHA_B)).as_deref(), Some("video/mp4"));
    assert_eq!(ok(store.media_type(&"f".repeat(64))), None);
}

fn media_and_loose_sources(env: &mut Env) {
    let mut store = env.fresh();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n not really a picture";
    assert!(ok(store.blobs().put(SHA_A, png)));
    // First stored without a perceptual hash (as an older version did, or a decode that failed).
    let mut unhashed = media(SHA_A, png.len() as u64, Some((64, 48)));
    (unhashed.pdq, unhashed.pdq_quality, unhashed.pdq_variants) = (None, None, None);
    let mut b = Batch::default();
    b.media.push(StoredMedia {
        media: unhashed.clone(),
        source_path: Some("loose/a.png".into()),
    });
    // The same bytes found again under another name: one medium, two sources.
    b.media.push(StoredMedia {
        media: unhashed,
        source_path: Some("loose/copy.png".into()),
    });
    import(&mut *store, &[b]);
    let mut b = Batch::default();
    b.media.push(StoredMedia {
        media: media(SHA_A, png.len() as u64, Some((64, 48))),
        source_path: Some("loose/a.png".into()),
    });
    import(&mut *store, &[b]);

    let stats = ok(store.stats());
    assert_eq!(
        (
            stats.media,
            stats.media_bytes,
            stats.posts,
            stats.attachments
        ),
        (1, png.len() as i64, 0, 0)
    );
    let snapshot = ok(store.snapshot());
    let rows = |t: &str| {
        snapshot
            .tables
            .iter()
            .find(|(n, _)| n == t)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        rows("media"),
        // Seen again with its hash: the hash is filled in.
        [format!(
            "{SHA_A}|{}|image/png|{}|64|48|{}|87|{}",
            &SHA_A[..32],
            png.len(),
            SHA_A.chars().rev().collect::<String>(),
            SHA_A.repeat(7)
        )]
    );
    assert_eq!(
        rows("media_sources"),
        [
            format!("{SHA_A}|loose/a.png"),
            format!("{SHA_A}|loose/copy.png")
        ]
    );
    let stored = std::fs::read(store.blobs().path_of(SHA_A)).unwrap_or_default();
    assert_eq!(stored, png);
}

fn imports_are_logged(env: &mut Env) {
    let mut store = env.fresh();
    assert!(ok(store.imports(10)).is_empty());
    let batch = sample_batch();
    let first = ok(store.begin_import("export/tweets.jsonl", Format::XV2));
    let running = ok(store.imports(10));
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].status, ImportStatus::Running);
    assert_eq!(running[0].finished_at, None);
    assert_eq!(running[0].counts, ImportCounts::default());
    let counts = counts_of(&batch);
    ok(store.write_batch(first, &batch, &counts));
    assert_eq!(
        ok(store.imports(10))[0].counts,
        counts,
        "each batch records the running counts"
    );
    ok(store.finish_import(first, ImportStatus::Complete, &counts, None));

    let second = ok(store.begin_import("tg/result.json", Format::Telegram));
    let failed = ImportCounts {
        accounts: 0,
        posts: 0,
        media: 0,
        quarantined: 1,
    };
    ok(store.finish_import(
        second,
        ImportStatus::Failed,
        &failed,
        Some("unexpected end of file at byte 1024"),
    ));
    let third = ok(store.begin_import("media/", Format::Media));

    let imports = ok(store.imports(10));
    assert_eq!(
        imports.iter().map(|i| i.id).collect::<Vec<_>>(),
        [third, second, first],
        "newest first"
    );
    let [i3, i2, i1] = &imports[..] else {
        panic!("three imports expected, got {imports:#?}")
    };
    assert_eq!(
        (i1.path.as_str(), i1.format, i1.status, i1.counts),
        (
            "export/tweets.jsonl",
            Format::XV2,
            ImportStatus::Complete,
            counts
        )
    );
    assert!(i1.finished_at.is_some_and(|f| f >= i1.started_at));
    assert_eq!(i1.error, None);
    assert_eq!(
        (i2.path.as_str(), i2.format, i2.status, i2.counts),
        (
            "tg/result.json",
            Format::Telegram,
            ImportStatus::Failed,
            failed
        )
    );
    assert_eq!(
        i2.error.as_deref(),
        Some("unexpected end of file at byte 1024")
    );
    assert_eq!(
        (i3.format, i3.status, i3.finished_at),
        (Format::Media, ImportStatus::Running, None)
    );
    assert_eq!(ok(store.imports(2)).len(), 2);
    assert_eq!(ok(store.imports(usize::MAX)).len(), 3);
    assert_eq!(ok(store.stats()).imports, 3);
}

fn quarantine_round_trips(env: &mut Env) {
    let mut store = env.fresh();
    let records = quarantine_records();
    let mut b = Batch::default();
    b.quarantine = records.clone();
    import(&mut *store, &[b]);
    assert_eq!(
        ok(store.quarantined(100)),
        records,
        "in the order stored, positions parsed back"
    );
    assert_eq!(ok(store.quarantined(2)), records[..2]);

    // Written again (a re-import), with one new record: nothing doubles, and the new one comes last.
    let extra = QuarantinedRecord::new(
        "export/tweets.jsonl",
        Position::Line(40),
        "too large",
        b"...",
    );
    let mut b = Batch::default();
    b.quarantine = records.clone();
    b.quarantine.insert(1, extra.clone());
    import(&mut *store, &[b]);
    let mut want = records;
    want.push(extra);
    assert_eq!(ok(store.quarantined(100)), want);
    assert_eq!(ok(store.stats()).quarantined, 5);
}

fn blobs_are_content_addressed(env: &mut Env) {
    let store = env.fresh();
    let blobs = store.blobs();
    let path = blobs.path_of(SHA_B);
    assert_eq!(path, blobs.dir().join("0f").join("1e").join(SHA_B));
    assert!(!path.exists());
    assert!(ok(blobs.put(SHA_B, b"bytes")), "new bytes");
    assert!(!ok(blobs.put(SHA_B, b"bytes")), "stored once");
    assert_eq!(std::fs::read(&path).unwrap_or_default(), b"bytes");
    for bad in ["", "abc", "../../../../etc/passwd", "g".repeat(64).as_str()] {
        assert!(
            matches!(blobs.put(bad, b"x"), Err(StoreError::Corrupt(_))),
            "{bad:?}"
        );
    }
    // No temporary files are left behind.
    let tmp: Vec<PathBuf> = std::fs::read_dir(blobs.dir().join("tmp"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(tmp.is_empty(), "{tmp:?}");
    // Reopening the folder keeps the bytes.
    let reopened = ok(vigie_store::Blobs::open(blobs.dir()));
    assert!(!ok(reopened.put(SHA_B, b"bytes")));
    assert!(Path::new(&reopened.path_of(SHA_B)).is_file());
}

fn account_search(env: &mut Env) {
    let mut store = env.fresh();
    let mut b = sample_batch();
    b.push_account(account(
        Platform::x(),
        "@under_score",
        "under_score",
        "Back\\slash",
        None,
    ));
    import(&mut *store, &[b]);
    let search = |store: &mut dyn Store,
                  platform: Option<&str>,
                  s: Option<&str>,
                  limit: usize|
     -> Vec<String> {
        let q = AccountQuery {
            platform: platform.map(str::to_owned),
            search: s.map(str::to_owned),
            limit,
        };
        ok(store.accounts(&q))
            .into_iter()
            .map(|v| format!("{}/{}", v.account.platform, v.account.platform_id))
            .collect()
    };
    // Most posts first, then platform and id.
    assert_eq!(
        search(&mut *store, None, None, 100),
        ["telegram/-1001", "x/1", "x/2", "x/3", "x/@under_score"]
    );
    assert_eq!(
        search(&mut *store, None, None, 2),
        ["telegram/-1001", "x/1"]
    );
    assert_eq!(
        search(&mut *store, Some("telegram"), None, 100),
        ["telegram/-1001"]
    );
    assert_eq!(search(&mut *store, None, Some("ALPH"), 100), ["x/1"]);
    assert_eq!(search(&mut *store, None, Some("@beta"), 100), ["x/2"]);
    assert_eq!(
        search(&mut *store, None, Some("canal"), 100),
        ["telegram/-1001"]
    );
    assert_eq!(
        search(&mut *store, Some("x"), Some("canal"), 100),
        Vec::<String>::new()
    );
    assert_eq!(
        search(&mut *store, None, Some("-100"), 100),
        ["telegram/-1001"]
    );
    assert_eq!(
        search(&mut *store, None, Some("k\\s"), 100),
        ["x/@under_score"],
        "a backslash is literal"
    );
    let views = ok(store.accounts(&AccountQuery {
        search: Some("alpha".into()),
        limit: 1,
        ..AccountQuery::default()
    }));
    assert_eq!((views[0].posts, views[0].observations), (1, 1));
}

fn large_batch(env: &mut Env) {
    // A batch of the size the engine writes (no timing assertion: the time is printed for a human).
    let mut b = Batch::default();
    for i in 0..3000i64 {
        let author = format!("{}", i % 100);
        b.push_account(account(
            Platform::x(),
            &author,
            &format!("user{author}"),
            "User",
            Some(T0 + i),
        ));
        let mut p = post(
            Platform::x(),
            &format!("{}", 1_000_000 + i),
            Some(&author),
            Some("some text #tag"),
            Some(T0 + i),
        );
        p.lang = Some(if i % 3 == 0 { "ar" } else { "en" }.into());
        p.hashtags = vec!["tag".into(), format!("t{}", i % 7)];
        p.urls = vec![format!("https://example.org/{i}")];
        p.mentions = vec![format!("user{}", (i + 1) % 100)];
        p.references = vec![PostRef {
            kind: RefKind::ReplyTo,
            target_post_id: Some(format!("{}", i)),
            target_account: None,
        }];
        p.attachments = vec![attachment(MediaKind::Photo, Some(&format!("3_{i}")), None)];
        p.source = Some(Source {
            file: "big.jsonl".into(),
            position: Position::Line(i as u64 + 1),
        });
        b.push_post(p);
    }
    let mut store = env.fresh();
    let id = ok(store.begin_import("big.jsonl", Format::XV2));
    let started = Instant::now();
    ok(store.write_batch(id, &b, &counts_of(&b)));
    let first = started.elapsed();
    let started = Instant::now();
    ok(store.write_batch(id, &b, &counts_of(&b)));
    let again = started.elapsed();
    eprintln!(
        "{:?}: 3,000-post batch written in {first:?}, rewritten in {again:?}",
        env.backend
    );
    let stats = ok(store.stats());
    assert_eq!(
        (
            stats.posts,
            stats.accounts,
            stats.observations,
            stats.attachments
        ),
        (3000, 100, 100, 3000)
    );
}

// ---------------------------------------------------------------------------------------------------------
// Both backends, side by side.

/// Batches that exercise every merge rule: profiles in both orders, duplicates within a batch, ties.
fn cross_backend_batches() -> Vec<Vec<Batch>> {
    let mut imports = vec![vec![sample_batch()]];
    let a = account(Platform::x(), "1", "alpha_v2", "Alpha Two", Some(T0 + 100));
    let b = account(
        Platform::x(),
        "1",
        "alpha_v3",
        "Alpha Three",
        Some(T0 + 100),
    );
    let c = account(Platform::x(), "1", "alpha_v0", "Alpha Zero", None);
    let mut batch = Batch::default();
    for acc in [&a, &c, &b] {
        batch.push_account(acc.clone());
    }
    let mut p = post(Platform::x(), "10", Some("1"), Some("another text"), None);
    p.hashtags = vec!["x".into(), "y".into(), "z".into()];
    batch.push_post(p);
    let mut p = post(Platform::x(), "60", None, None, Some(T0 + 7));
    p.mentions = vec!["m".into()];
    batch.push_post(p);
    let mut p = post(Platform::x(), "60", Some("2"), Some("filled"), None);
    p.mentions = vec!["n".into(), "o".into()];
    p.lang = Some("es".into());
    batch.push_post(p);
    batch.quarantine = vec![QuarantinedRecord::new(
        "f",
        Position::Line(1),
        "bad",
        b"\x00\x01",
    )];
    batch.quarantine.extend(quarantine_records());
    imports.push(vec![batch]);
    // Names beyond ASCII: both backends must fold case the same way (SQLite's `lower()` folds ASCII only).
    let mut batch = Batch::default();
    batch.push_account(account(
        Platform::telegram(),
        "-2002",
        "Ärger",
        "Élan VITAL",
        Some(T0),
    ));
    batch.push_account(account(
        Platform::new("generic"),
        &Account::id_from_handle("Ünal"),
        "Ünal",
        "ünal",
        Some(T0),
    ));
    batch.push_post(post(
        Platform::telegram(),
        "-2002/1",
        Some("-2002"),
        Some("ü"),
        Some(T0),
    ));
    batch.push_post(post(
        Platform::new("generic"),
        "g1",
        Some(&Account::id_from_handle("Ünal")),
        Some("x"),
        Some(T0),
    ));
    imports.push(vec![batch]);
    let mut batch = Batch::default();
    batch.push_account(account(
        Platform::telegram(),
        "-1001",
        "chan",
        "Le Canal",
        Some(T0 - 50),
    ));
    batch.push_account(account(
        Platform::telegram(),
        "-1001",
        "chan2",
        "Le Canal 2",
        Some(T0 + 50),
    ));
    imports.push(vec![batch, sample_batch()]);
    imports
}

#[test]
fn postgres_matches_sqlite() {
    let Some(mut pg_env) = Env::postgres() else {
        return;
    };
    let mut sqlite_env = Env::sqlite();
    let mut sqlite = sqlite_env.fresh();
    let mut pg = pg_env.fresh();
    for batches in cross_backend_batches() {
        import(&mut *sqlite, &batches);
        import(&mut *pg, &batches);
    }
    let snapshot: Snapshot = ok(sqlite.snapshot());
    assert_eq!(ok(pg.snapshot()), snapshot);
    assert_eq!(ok(pg.stats()), ok(sqlite.stats()));
    assert_eq!(ok(pg.quarantined(100)), ok(sqlite.quarantined(100)));
    let everything = PostQuery {
        limit: 100,
        ..PostQuery::default()
    };
    assert_eq!(ok(pg.posts(&everything)), ok(sqlite.posts(&everything)));
    for account in [
        "@Alpha_V3",
        "alpha_v2",
        "1",
        "-1001",
        "Ärger",
        "ärger",
        "ÄRGER",
        "@Ünal",
        "ünal",
        "@ünal",
    ] {
        let q = PostQuery {
            account: Some(account.into()),
            limit: 100,
            ..PostQuery::default()
        };
        let want = ok(sqlite.posts(&q));
        assert_eq!(ok(pg.posts(&q)), want, "posts of {account}");
    }
    for search in [
        None,
        Some("élan"),
        Some("Élan"),
        Some("VITAL"),
        Some("ärg"),
        Some("@Ün"),
        Some("ün"),
        Some("chan"),
    ] {
        let q = AccountQuery {
            search: search.map(str::to_owned),
            limit: 100,
            ..AccountQuery::default()
        };
        let want = ok(sqlite.accounts(&q));
        assert_eq!(ok(pg.accounts(&q)), want, "accounts matching {search:?}");
    }
    for (platform, id) in [("x", "1"), ("x", "2"), ("telegram", "-1001")] {
        assert_eq!(
            ok(pg.observations(platform, id)),
            ok(sqlite.observations(platform, id))
        );
    }
    // The import log differs only in its wall-clock times.
    let strip = |mut v: Vec<vigie_model::ImportSummary>| {
        for i in &mut v {
            i.started_at = Timestamp(0);
            i.finished_at = i.finished_at.map(|_| Timestamp(0));
            i.id = 0;
        }
        v
    };
    assert_eq!(strip(ok(pg.imports(10))), strip(ok(sqlite.imports(10))));
    assert!(snapshot.rows("posts") > 0 && snapshot.rows("quarantine") == 5);
}

// ---------------------------------------------------------------------------------------------------------
// Banks.

const PDQ_1: &str = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95";
const PDQ_2: &str = "b062eb9d2ab170c0567fcb672d9a5548c5612982dd5e374a7424ebbc8b135cb5";
const MD5_1: &str = "0123456789abcdef0123456789abcdef";

fn record(signal: SignalType, value: &str, labels: &[(&str, &str)], deleted: bool) -> EntryRecord {
    EntryRecord {
        signal,
        value: value.to_owned(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Labels>(),
        provenance: None,
        deleted,
        updated_on: None,
    }
}

/// Every change after `since`, as (id, value, live), and the new position.
fn feed(
    store: &mut dyn Store,
    since: Option<FeedPosition>,
) -> (Vec<(i64, String, bool)>, FeedPosition, bool) {
    let mut seen = Vec::new();
    let (at, fresh) = ok(store.entry_changes(since, &mut |c| {
        seen.push((c.id, c.value.to_owned(), c.live))
    }));
    (seen, at, fresh)
}

fn banks_import_update_and_feed_the_index(env: &mut Env) {
    let mut store = env.fresh();
    let mut new = NewBank::named("tcap");
    new.source = Some("a hash list".into());
    new.labels.insert("group".into(), "g".into());
    let bank = ok(store.create_bank(&new, &cli()));
    assert_eq!(
        (
            bank.kind,
            bank.enabled,
            bank.pdq_distance,
            bank.live_entries
        ),
        (BankKind::Block, true, 31, 0)
    );
    assert!(matches!(
        store.create_bank(&new, &cli()),
        Err(StoreError::BankExists(_))
    ));
    let mut allow = NewBank::named("logos");
    allow.kind = BankKind::Allow;
    ok(store.create_bank(&allow, &cli()));
    assert!(matches!(
        store.apply_entries("nope", &[]),
        Err(StoreError::NoSuchBank(_))
    ));

    let (_, start, fresh) = feed(&mut *store, None);
    assert!(fresh);
    let list = vec![
        record(SignalType::Pdq, PDQ_1, &[("ideology", "x")], false),
        record(SignalType::Pdq, PDQ_2, &[], false),
        record(SignalType::Md5, MD5_1, &[("media_type", "video")], false),
    ];
    let counts = ok(store.apply_entries("tcap", &list));
    assert_eq!(
        counts,
        EntryCounts {
            added: 3,
            ..EntryCounts::default()
        }
    );
    let again = ok(store.apply_entries("tcap", &list));
    assert_eq!(
        again,
        EntryCounts {
            unchanged: 3,
            ..EntryCounts::default()
        },
        "imports are idempotent"
    );
    let (changes, after_add, fresh) = feed(&mut *store, Some(start));
    assert!(!fresh);
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c.2));

    // A label change, a deletion, and a deletion of a hash the bank never had.
    let update = vec![
        record(SignalType::Pdq, PDQ_1, &[("ideology", "y")], false),
        record(SignalType::Pdq, PDQ_2, &[], true),
        record(SignalType::Sha256, SHA_A, &[], true),
    ];
    let counts = ok(store.apply_entries("tcap", &update));
    assert_eq!(
        counts,
        EntryCounts {
            updated: 1,
            removed: 1,
            unchanged: 1,
            added: 0
        }
    );
    let (changes, after_remove, _) = feed(&mut *store, Some(after_add));
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.1.as_str(), c.2))
            .collect::<Vec<_>>(),
        vec![(PDQ_2, false)]
    );
    let live = ok(store.bank_entries("tcap", false, 100));
    assert_eq!(live.len(), 2);
    let pdq_1 = live
        .iter()
        .find(|e| e.value == PDQ_1)
        .expect("PDQ_1 is live");
    assert_eq!(pdq_1.labels.get("ideology").map(String::as_str), Some("y"));
    assert_eq!(pdq_1.bank, "tcap");
    let all = ok(store.bank_entries("tcap", true, 100));
    assert_eq!(all.len(), 3);
    assert!(
        all.iter()
            .find(|e| e.value == PDQ_2)
            .is_some_and(|e| e.removed_at.is_some())
    );
    // A removed hash listed again comes back.
    let counts = ok(store.apply_entries("tcap", &[record(SignalType::Pdq, PDQ_2, &[], false)]));
    assert_eq!(counts.added, 1);
    let (changes, _, _) = feed(&mut *store, Some(after_remove));
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.1.as_str(), c.2))
            .collect::<Vec<_>>(),
        vec![(PDQ_2, true)]
    );

    // Settings change in place; out-of-range distances are refused.
    let mut change = BankChange {
        enabled: Some(false),
        pdq_distance: Some(40),
        ..BankChange::default()
    };
    change.set_labels.insert("ideology".into(), "z".into());
    change.unset_labels.push("group".into());
    let bank = ok(store.update_bank("tcap", &change, &cli()));
    assert_eq!((bank.enabled, bank.pdq_distance), (false, 40));
    assert_eq!(bank.labels.keys().collect::<Vec<_>>(), vec!["ideology"]);
    assert_eq!(bank.live_entries, 3);
    let too_far = BankChange {
        pdq_distance: Some(64),
        ..BankChange::default()
    };
    assert!(matches!(
        store.update_bank("tcap", &too_far, &cli()),
        Err(StoreError::InvalidBank(_))
    ));
    let names: Vec<String> = ok(store.banks()).into_iter().map(|b| b.name).collect();
    assert_eq!(names, vec!["logos", "tcap"]);
    let id_of = |value: &str| {
        all.iter()
            .find(|e| e.value == value)
            .map(|e| e.id)
            .expect("stored")
    };
    let by_id = ok(store.entries_by_id(&[id_of(MD5_1), 999_999, id_of(PDQ_1)]));
    assert_eq!(
        by_id.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(),
        vec![MD5_1, PDQ_1]
    );

    // Deleting a bank starts a new epoch: indexes rebuild from everything that is left.
    assert_eq!(ok(store.delete_bank("tcap", &cli())), 3);
    let (changes, now, fresh) = feed(&mut *store, Some(after_remove));
    assert!(fresh, "a deleted bank forces a rebuild");
    assert!(changes.is_empty());
    assert_ne!(now.epoch, after_remove.epoch);
    assert!(matches!(
        store.delete_bank("tcap", &cli()),
        Err(StoreError::NoSuchBank(_))
    ));
}

fn matches_are_recorded_held_and_released(env: &mut Env) {
    let mut store = env.fresh();
    import(&mut *store, &[sample_batch()]);
    ok(store.create_bank(&NewBank::named("b"), &cli()));
    ok(store.apply_entries(
        "b",
        &[
            record(SignalType::Pdq, PDQ_1, &[], false),
            record(SignalType::Md5, MD5_1, &[], false),
        ],
    ));
    // One application stores its new entries in hash order: take them by hash.
    let stored = ok(store.bank_entries("b", false, 10));
    let entries: Vec<_> = [PDQ_1, MD5_1]
        .iter()
        .map(|v| {
            stored
                .iter()
                .find(|e| e.value == *v)
                .cloned()
                .expect("both entries stored")
        })
        .collect();
    let m = |sha: &str, entry: i64, distance: u32| NewMatch {
        media_sha256: sha.to_owned(),
        entry_id: entry,
        distance,
        variant: "original".into(),
        status: MatchStatus::Active,
        suppressed_by: None,
    };
    let new = ok(store.record_matches(&[m(SHA_A, entries[0].id, 12), m(SHA_B, entries[1].id, 0)]));
    assert_eq!(new, vec![true, true]);
    let again = ok(store.record_matches(&[m(SHA_A, entries[0].id, 10)]));
    assert_eq!(again, vec![false], "a known pair is updated, not added");
    let found = ok(store.matches(&MatchQuery {
        media_sha256: Some(SHA_A.into()),
        limit: 10,
        ..MatchQuery::default()
    }));
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].distance,
            found[0].bank.as_str(),
            found[0].value.as_str()
        ),
        (10, "b", PDQ_1)
    );
    assert_eq!(
        ok(store.match_counts(&[entries[0].id, entries[1].id, 424_242])),
        vec![1, 1, 0]
    );

    ok(store.quarantine_entry(entries[0].id, "matched 500 media in one scan"));
    let held = ok(store.matches(&MatchQuery {
        status: Some(MatchStatus::Held),
        limit: 10,
        ..MatchQuery::default()
    }));
    assert_eq!(held.len(), 1);
    assert_eq!(ok(store.banks())[0].quarantined_entries, 1);
    assert!(ok(store.release_entry("b", SignalType::Pdq, PDQ_1, &cli())));
    assert!(
        !ok(store.release_entry("b", SignalType::Pdq, PDQ_1, &cli())),
        "nothing left to release"
    );
    let active = ok(store.matches(&MatchQuery {
        status: Some(MatchStatus::Active),
        limit: 10,
        ..MatchQuery::default()
    }));
    assert_eq!(active.len(), 2);
    assert_eq!(ok(store.delete_bank("b", &cli())), 2);
    assert!(
        ok(store.matches(&MatchQuery {
            limit: 10,
            ..MatchQuery::default()
        }))
        .is_empty()
    );
}

fn matches_settle_and_withdraw_and_the_hunt_reads_stored_media(env: &mut Env) {
    let mut store = env.fresh();
    import(&mut *store, &[sample_batch()]);
    // The media feed, in the order stored, with their hashes and variants.
    let all = ok(store.media_feed(0, 10));
    assert_eq!(all.len(), 2);
    assert!(all[0].id < all[1].id);
    let image = all
        .iter()
        .find(|m| m.sha256 == SHA_A)
        .cloned()
        .expect("stored");
    assert_eq!(image.pdq_quality, Some(87));
    assert_eq!(image.pdq_variants.as_deref().map(str::len), Some(64 * 7));
    assert_eq!(ok(store.media_feed(all[0].id, 10)), vec![all[1].clone()]);
    assert!(ok(store.media_feed(all[1].id, 10)).is_empty());
    assert_eq!(
        ok(store.media_by_id(&[image.id, 999_999])),
        vec![image.clone()]
    );
    let by_md5 = ok(store.media_by_digest(SignalType::Md5, &[SHA_A[..32].to_owned()]));
    assert_eq!(by_md5, vec![image.clone()]);
    assert_eq!(
        ok(store.media_by_digest(SignalType::Sha256, &[SHA_B.to_owned(), "00".into()])).len(),
        1
    );
    assert!(ok(store.media_by_digest(SignalType::Pdq, &[SHA_A.to_owned()])).is_empty());

    ok(store.create_bank(&NewBank::named("b"), &cli()));
    ok(store.apply_entries(
        "b",
        &[
            record(SignalType::Pdq, PDQ_1, &[], false),
            record(SignalType::Md5, MD5_1, &[], false),
        ],
    ));
    let entries = ok(store.bank_entries("b", false, 10));
    let (e1, e2) = (entries[0].id, entries[1].id);
    let m = |sha: &str, entry: i64, distance: u32, status: MatchStatus| NewMatch {
        media_sha256: sha.to_owned(),
        entry_id: entry,
        distance,
        variant: "original".into(),
        status,
        suppressed_by: None,
    };
    let settle = |store: &mut dyn Store, sha: &str, matches: Vec<NewMatch>| {
        ok(store.settle_matches(&[MediumMatches {
            media_sha256: sha.to_owned(),
            matches,
        }]))
    };
    let first = settle(
        &mut *store,
        SHA_A,
        vec![
            m(SHA_A, e1, 3, MatchStatus::Active),
            m(SHA_A, e2, 0, MatchStatus::Active),
        ],
    );
    assert_eq!(
        (first.media_newly_matched, first.inserted, first.withdrawn),
        (1, 2, 0)
    );
    assert_eq!(first.new_active, vec![e1, e2]);
    assert_eq!(ok(store.media_matched_by(&[e2])), vec![image.clone()]);
    // Settling the same again changes nothing.
    let again = settle(
        &mut *store,
        SHA_A,
        vec![
            m(SHA_A, e1, 3, MatchStatus::Active),
            m(SHA_A, e2, 0, MatchStatus::Active),
        ],
    );
    assert_eq!(again, Settled::default());
    // One match lost: withdrawn, kept as history, and not evidence any more.
    let lost = settle(
        &mut *store,
        SHA_A,
        vec![m(SHA_A, e1, 3, MatchStatus::Active)],
    );
    assert_eq!(
        (lost.withdrawn, lost.inserted, lost.media_newly_matched),
        (1, 0, 0)
    );
    let withdrawn = ok(store.matches(&MatchQuery {
        status: Some(MatchStatus::Withdrawn),
        limit: 10,
        ..MatchQuery::default()
    }));
    assert_eq!(withdrawn.len(), 1);
    assert_eq!(withdrawn[0].entry_id, e2);
    assert_eq!(ok(store.media_matched_by(&[e2])), vec![image.clone()]);
    // Back: the medium newly matches again, but the match is not new to the flood guard.
    let back = settle(
        &mut *store,
        SHA_A,
        vec![
            m(SHA_A, e1, 3, MatchStatus::Active),
            m(SHA_A, e2, 0, MatchStatus::Active),
        ],
    );
    assert_eq!((back.media_newly_matched, back.inserted), (1, 0));
    assert!(back.new_active.is_empty());
    // Nothing matches: every match withdrawn.
    let none = settle(&mut *store, SHA_A, Vec::new());
    assert_eq!(none.withdrawn, 2);
    assert!(
        ok(store.matches(&MatchQuery {
            status: Some(MatchStatus::Active),
            limit: 10,
            ..MatchQuery::default()
        }))
        .is_empty()
    );

    // The hunt's position and the banks' settings it saw.
    assert_eq!(ok(store.hunt_state()), None);
    let now = ok(store.feed_position());
    let state = HuntState {
        seq: now.seq,
        banks: "{\"b\":1}".into(),
    };
    ok(store.set_hunt_state(&state));
    assert_eq!(ok(store.hunt_state()), Some(state.clone()));
    let later = HuntState {
        seq: now.seq + 1,
        banks: "{}".into(),
    };
    ok(store.set_hunt_state(&later));
    assert_eq!(ok(store.hunt_state()), Some(later));
}

fn allow_bank_scopes_and_renames_round_trip(env: &mut Env) {
    let mut store = env.fresh();
    let allow = NewBank {
        kind: vigie_model::BankKind::Allow,
        suppresses: Some(vec!["gifct".into()]),
        ..NewBank::named("logos")
    };
    let made = ok(store.create_bank(&allow, &cli()));
    assert_eq!(made.suppresses, Some(vec!["gifct".to_owned()]));
    assert!(made.suppresses("gifct") && !made.suppresses("local"));
    assert!(matches!(
        store.create_bank(
            &NewBank {
                suppresses: Some(vec!["x".into()]),
                ..NewBank::named("block")
            },
            &cli()
        ),
        Err(StoreError::InvalidBank(_))
    ));
    let all = ok(store.update_bank(
        "logos",
        &BankChange {
            suppresses: Some(None),
            rename: Some("LOGOS".into()),
            ..BankChange::default()
        },
        &cli(),
    ));
    assert_eq!(
        (all.name.as_str(), all.suppresses.as_ref()),
        ("LOGOS", None)
    );
    assert!(all.suppresses("anything"));
    assert_eq!(ok(store.bank_settings())[0].name, "LOGOS");
    ok(store.create_bank(&NewBank::named("other"), &cli()));
    assert!(matches!(
        store.update_bank(
            "other",
            &BankChange {
                rename: Some("LOGOS".into()),
                ..BankChange::default()
            },
            &cli()
        ),
        Err(StoreError::BankExists(_))
    ));
    let trail = ok(store.audit(0, 100));
    assert!(
        trail
            .iter()
            .any(|e| e.action == "bank_set" && e.detail.contains("\"rename\":\"LOGOS\"")),
        "{trail:?}"
    );
}

fn evidence(signal: SignalKind, weight: f64) -> Evidence {
    Evidence {
        violation: None,
        signal,
        detail: format!("{} found", signal.as_str()),
        source: Some("default".into()),
        entry: None,
        span: Some((0, 5)),
        weight,
    }
}

fn cases_lists_and_models_round_trip(env: &mut Env) {
    let mut store = env.fresh();
    import(&mut *store, &[sample_batch()]);
    // Lists and models, replaced by name.
    let mut list = NewList {
        name: "terms".into(),
        kind: "terms".into(),
        format: "toml".into(),
        source: Some("t.toml".into()),
        body: "[[term]]\ntext = \"x\"\n".into(),
        entries: 1,
    };
    ok(store.put_list(&list));
    list.entries = 2;
    ok(store.put_list(&list));
    let lists = ok(store.lists());
    assert_eq!(lists.len(), 1);
    assert_eq!(
        (lists[0].entries, lists[0].body.as_str()),
        (2, list.body.as_str())
    );
    assert!(ok(store.delete_list("terms")));
    assert!(!ok(store.delete_list("terms")));
    ok(store.put_model("default", &[1, 2, 3], Some("{\"f1\":1}"), 10));
    let model = ok(store.model("default")).unwrap_or_else(|| panic!("the model was stored"));
    assert_eq!((model.body, model.examples), (vec![1, 2, 3], 10));
    assert!(ok(store.model("other")).is_none());

    // Posts come back in row order, after a position, with their author's row.
    let posts = ok(store.posts_after(0, 100));
    assert!(posts.len() >= 2, "{posts:?}");
    assert!(posts.windows(2).all(|w| w[0].id < w[1].id));
    let rest = ok(store.posts_after(posts[0].id, 100));
    assert_eq!(rest.len(), posts.len() - 1);
    assert_eq!(ok(store.analysis_position()), (0, String::new()));
    ok(store.set_analysis_position(posts[1].id, "digest"));
    assert_eq!(
        ok(store.analysis_position()),
        (posts[1].id, "digest".to_owned())
    );

    // Cases: created, updated in place, filtered, removed when their evidence is gone.
    let first = &posts[0];
    let account = first
        .account
        .unwrap_or_else(|| panic!("the first post has an author"));
    let post_case = |row: i64, score: f64, ev: Vec<Evidence>| NewCase {
        category: (score > 2.0).then_some(Violation::Glorification),
        subject: CaseSubject::Post,
        row,
        score,
        evidence: ev,
    };
    ok(store.put_cases(&[
        post_case(
            first.id,
            2.5,
            vec![
                evidence(SignalKind::Term, 2.0),
                evidence(SignalKind::Url, 0.5),
            ],
        ),
        post_case(
            posts[1].id,
            1.0,
            vec![evidence(SignalKind::Classifier, 1.0)],
        ),
        NewCase {
            category: None,
            subject: CaseSubject::Account,
            row: account,
            score: 2.5,
            evidence: vec![evidence(SignalKind::Posts, 2.5)],
        },
    ]));
    let all = ok(store.cases(&CaseQuery {
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(all.len(), 3);
    assert!(
        all[0].score >= all[1].score && all[1].score >= all[2].score,
        "highest score first"
    );
    let top = all
        .iter()
        .find(|c| c.subject == CaseSubject::Post)
        .unwrap_or_else(|| panic!("a post case"));
    assert_eq!(
        top.post_id.as_deref(),
        Some(first.view.post.platform_id.as_str())
    );
    assert_eq!(top.evidence.len(), 2);
    assert_eq!(top.evidence[0].span, Some((0, 5)));
    assert_eq!(top.status, "open");
    let urls = ok(store.cases(&CaseQuery {
        signal: Some(SignalKind::Url),
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(urls.len(), 1);
    let accounts = ok(store.cases(&CaseQuery {
        subject: Some(CaseSubject::Account),
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(accounts.len(), 1);
    assert!(accounts[0].handle.is_some() || accounts[0].account_id.is_some());
    let strong = ok(store.cases(&CaseQuery {
        min_score: Some(2.0),
        sort: CaseSort::Newest,
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(strong.len(), 2);
    // The category is stored with the case, read back, and filters the listing.
    assert_eq!(top.category, Some(Violation::Glorification));
    let glorifying = ok(store.cases(&CaseQuery {
        category: Some(Violation::Glorification),
        brief: true,
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(glorifying.len(), 1);
    assert_eq!(glorifying[0].id, top.id);
    let recruiting = ok(store.cases(&CaseQuery {
        category: Some(Violation::Recruitment),
        limit: 10,
        ..CaseQuery::default()
    }));
    assert!(recruiting.is_empty());
    let of_account = ok(store.account_post_cases(&[account]));
    assert!(
        of_account
            .iter()
            .any(|c| c.category == Some(Violation::Glorification)),
        "an account's post cases carry their category"
    );
    assert!(
        of_account
            .iter()
            .any(|c| c.post_id == first.view.post.platform_id
                && c.signals.contains(&SignalKind::Term))
    );

    ok(store.put_cases(&[post_case(
        first.id,
        3.0,
        vec![evidence(SignalKind::Term, 3.0)],
    )]));
    let again = ok(store.cases(&CaseQuery {
        subject: Some(CaseSubject::Post),
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(again.len(), 2, "updated in place");
    assert_eq!(again[0].score, 3.0);
    assert_eq!(again[0].created_at, top.created_at);
    ok(store.put_cases(&[post_case(first.id, 0.0, Vec::new())]));
    let after = ok(store.cases(&CaseQuery {
        subject: Some(CaseSubject::Post),
        limit: 10,
        ..CaseQuery::default()
    }));
    assert_eq!(after.len(), 1, "no evidence, no case");

    // A hashtag's timeline: its posts per hour, who posted it, and the tags that come with it.
    let timeline = ok(store.hashtag_timeline("#A", 5));
    assert!(timeline.posts >= 1, "{timeline:?}");
    assert_eq!(timeline.tag, "a");
    assert_eq!(
        timeline.per_hour.iter().map(|(_, n)| n).sum::<u64>(),
        timeline.posts,
        "{timeline:?}"
    );
    assert!(
        timeline.co_tags.iter().any(|(t, _)| t == "b"),
        "{timeline:?}"
    );
    assert!(!timeline.top_accounts.is_empty(), "{timeline:?}");
    assert_eq!(ok(store.hashtag_timeline("nothing-uses-this", 5)).posts, 0);
}

// ---------------------------------------------------------------------------------------------------------
// Review: users, sessions, tokens, decisions and the audit trail.

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

fn cli() -> Actor {
    Actor::cli("tester")
}

fn add_user(store: &mut dyn Store, name: &str, role: Role) -> User {
    ok(store.add_user(name, role, HASH, &cli()))
}

fn rules() -> ReviewRules {
    ReviewRules {
        two_person: true,
        taxonomy: vec!["propaganda".into(), "incitement".into()],
    }
}

fn hash_match(bank: &str) -> Evidence {
    Evidence {
        violation: None,
        signal: SignalKind::HashMatch,
        detail: "medium matches".into(),
        source: Some(bank.into()),
        entry: Some("#1".into()),
        span: None,
        weight: 2.0,
    }
}

/// A store with the sample posts and one case per post, scored 4, 3, 2 and 1 in post order: the first has a
/// hash match from bank `tcap`, the third one from bank `other`. Returns the case ids, highest score first.
fn store_with_cases(env: &mut Env) -> (Box<dyn Store>, Vec<i64>) {
    let mut store = env.fresh();
    import(&mut *store, &[sample_batch()]);
    let posts = ok(store.posts_after(0, 100));
    assert_eq!(posts.len(), 4);
    let evidence = [
        vec![hash_match("tcap"), evidence(SignalKind::Term, 2.0)],
        vec![evidence(SignalKind::Term, 3.0)],
        vec![hash_match("other")],
        vec![evidence(SignalKind::Classifier, 1.0)],
    ];
    let cases: Vec<NewCase> = posts
        .iter()
        .zip(evidence)
        .enumerate()
        .map(|(i, (p, ev))| NewCase {
            category: None,
            subject: CaseSubject::Post,
            row: p.id,
            score: 4.0 - i as f64,
            evidence: ev,
        })
        .collect();
    ok(store.put_cases(&cases));
    let ids = ok(store.cases(&CaseQuery {
        limit: 10,
        ..CaseQuery::default()
    }))
    .iter()
    .map(|c| c.id)
    .collect();
    (store, ids)
}

fn decide(
    store: &mut dyn Store,
    user: &User,
    case_id: i64,
    action: Action,
    label: Option<&str>,
    reason: Option<&str>,
) -> DecisionOutcome {
    ok(store.decide(
        user,
        &NewDecision {
            case_id,
            action,
            label: label.map(str::to_owned),
            reason: reason.map(str::to_owned),
            allow_list: action == Action::Reject,
        },
        &rules(),
        &Actor::user(user, Some("127.0.0.1".into())),
    ))
}

fn taken(outcome: DecisionOutcome) -> vigie_model::Decision {
    match outcome {
        DecisionOutcome::Taken(d) => d,
        other => panic!("expected the decision to be taken, got {other:?}"),
    }
}

/// Every entry of the trail, checked against the recorded head.
fn audit_problems(store: &mut dyn Store) -> Vec<vigie_store::AuditProblem> {
    let entries = ok(store.audit(0, 1_000_000));
    let head = ok(store.audit_head()).unwrap_or_default();
    verify_audit(&entries, (head.0, &head.1))
}

fn audit_actions(store: &mut dyn Store) -> Vec<(String, String)> {
    ok(store.audit(0, 1_000_000))
        .into_iter()
        .map(|e| (e.action, e.subject))
        .collect()
}

fn users_are_added_changed_and_listed(env: &mut Env) {
    let mut store = env.fresh();
    let alice = add_user(&mut *store, "alice", Role::Analyst);
    assert_eq!(
        (alice.role, alice.disabled, alice.failed_logins),
        (Role::Analyst, false, 0)
    );
    assert_eq!(alice.settings, UserSettings::default());
    let bob = add_user(&mut *store, "bob", Role::Admin);
    assert_ne!(alice.id, bob.id);
    match store.add_user("alice", Role::Viewer, HASH, &cli()) {
        Err(StoreError::Conflict(m)) => assert!(m.contains("alice"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let (found, hash) = ok(store.user_login("alice")).unwrap_or_else(|| panic!("alice exists"));
    assert_eq!((found, hash.as_str()), (alice.clone(), HASH));
    assert!(ok(store.user_login("nobody")).is_none());
    assert_eq!(ok(store.user_by_id(bob.id)), Some(bob.clone()));
    assert!(ok(store.user_by_id(bob.id + 100)).is_none());

    let changed = ok(store.change_user(
        "alice",
        &UserChange {
            role: Some(Role::Reviewer),
            disabled: Some(true),
            password_hash: None,
        },
        &Actor::user(&bob, None),
    ))
    .unwrap_or_else(|| panic!("alice exists"));
    assert_eq!((changed.role, changed.disabled), (Role::Reviewer, true));
    assert!(
        ok(store.change_user("nobody", &UserChange::default(), &cli())).is_none(),
        "no such user"
    );
    let enabled = ok(store.change_user(
        "alice",
        &UserChange {
            disabled: Some(false),
            ..UserChange::default()
        },
        &cli(),
    ))
    .unwrap_or_else(|| panic!("alice exists"));
    assert!(!enabled.disabled);
    assert_eq!(enabled.role, Role::Reviewer);

    let settings = UserSettings {
        blur: false,
        greyscale: true,
        autoplay: true,
    };
    ok(store.set_user_settings(alice.id, &settings, &Actor::user(&alice, None)));
    assert!(matches!(
        store.set_user_settings(alice.id + 100, &settings, &cli()),
        Err(StoreError::NoSuchUser(_))
    ));
    let users = ok(store.users());
    assert_eq!(
        users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert_eq!(users[0].settings, settings);

    // The changes are in the trail, the password hash never is.
    let entries = ok(store.audit(0, 100));
    let trail: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("cli:tester", "user_add", "user:alice"),
            ("cli:tester", "user_add", "user:bob"),
            ("bob", "user_change", "user:alice"),
            ("cli:tester", "user_change", "user:alice"),
            ("alice", "settings", "user:alice"),
        ]
    );
    assert!(entries[2].detail.contains("reviewer") && entries[2].detail.contains("disabled"));
    assert!(entries.iter().all(|e| !e.detail.contains(HASH)));
    assert!(audit_problems(&mut *store).is_empty());
}

fn logins_record_failures_and_lockouts(env: &mut Env) {
    let mut store = env.fresh();
    let alice = add_user(&mut *store, "alice", Role::Analyst);
    let web = Actor {
        user_id: None,
        name: "-".into(),
        origin: Some("10.0.0.1".into()),
    };
    ok(store.record_login("alice", &LoginOutcome::Failure { lock_until: None }, &web));
    let lock = Timestamp(T0 + 60_000);
    ok(store.record_login(
        "alice",
        &LoginOutcome::Failure {
            lock_until: Some(lock),
        },
        &web,
    ));
    let user = ok(store.user_by_id(alice.id)).unwrap_or_else(|| panic!("alice exists"));
    assert_eq!((user.failed_logins, user.locked_until), (2, Some(lock)));
    ok(store.record_login(
        "alice",
        &LoginOutcome::Refused {
            reason: "locked".into(),
        },
        &web,
    ));
    let user = ok(store.user_by_id(alice.id)).unwrap_or_else(|| panic!("alice exists"));
    assert_eq!(
        (user.failed_logins, user.locked_until),
        (2, Some(lock)),
        "a refusal changes nothing"
    );
    ok(store.record_login("alice", &LoginOutcome::Success, &Actor::user(&alice, None)));
    let user = ok(store.user_by_id(alice.id)).unwrap_or_else(|| panic!("alice exists"));
    assert_eq!((user.failed_logins, user.locked_until), (0, None));
    // An unknown name is only recorded.
    ok(store.record_login("mallory", &LoginOutcome::Failure { lock_until: None }, &web));

    // A new password clears the lockout too.
    ok(store.record_login(
        "alice",
        &LoginOutcome::Failure {
            lock_until: Some(lock),
        },
        &web,
    ));
    let user = ok(store.change_user(
        "alice",
        &UserChange {
            password_hash: Some("$argon2id$new".into()),
            ..UserChange::default()
        },
        &cli(),
    ))
    .unwrap_or_else(|| panic!("alice exists"));
    assert_eq!((user.failed_logins, user.locked_until), (0, None));
    let (_, hash) = ok(store.user_login("alice")).unwrap_or_else(|| panic!("alice exists"));
    assert_eq!(hash, "$argon2id$new");

    let entries = ok(store.audit(0, 100));
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.subject.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("user_add", "user:alice"),
            ("login_failed", "user:alice"),
            ("login_failed", "user:alice"),
            ("login_refused", "user:alice"),
            ("login", "user:alice"),
            ("login_failed", "user:mallory"),
            ("login_failed", "user:alice"),
            ("user_change", "user:alice"),
        ]
    );
    assert!(
        entries[2].detail.contains("\"failed_logins\":2"),
        "{}",
        entries[2].detail
    );
    assert!(
        entries[3].detail.contains("locked"),
        "{}",
        entries[3].detail
    );
    assert!(
        entries[1].detail.contains("10.0.0.1"),
        "the origin is recorded"
    );
    assert!(
        !entries[7].detail.contains("argon2"),
        "{}",
        entries[7].detail
    );
    assert!(audit_problems(&mut *store).is_empty());
}

fn sessions_expire_and_end_with_their_user(env: &mut Env) {
    let mut store = env.fresh();
    let alice = add_user(&mut *store, "alice", Role::Analyst);
    let bob = add_user(&mut *store, "bob", Role::Viewer);
    let now = Timestamp::now();
    let later = Timestamp(now.0 + 3_600_000);
    ok(store.create_session("s-alice", alice.id, "csrf-a", later));
    ok(store.create_session("s-bob", bob.id, "csrf-b", later));
    ok(store.create_session("s-old", alice.id, "csrf-o", Timestamp(now.0 + 1_000)));

    let (user, csrf) =
        ok(store.session("s-alice", now)).unwrap_or_else(|| panic!("a live session"));
    assert_eq!((user.id, csrf.as_str()), (alice.id, "csrf-a"));
    assert!(ok(store.session("s-old", now)).is_some());
    assert!(
        ok(store.session("s-old", Timestamp(now.0 + 1_000))).is_none(),
        "expired"
    );
    assert!(ok(store.session("unknown", now)).is_none());

    ok(store.delete_session("s-bob"));
    assert!(ok(store.session("s-bob", now)).is_none(), "logged out");

    // Disabling a user ends their sessions, and enabling them again does not bring them back.
    ok(store.change_user(
        "alice",
        &UserChange {
            disabled: Some(true),
            ..UserChange::default()
        },
        &cli(),
    ));
    assert!(ok(store.session("s-alice", now)).is_none());
    ok(store.change_user(
        "alice",
        &UserChange {
            disabled: Some(false),
            ..UserChange::default()
        },
        &cli(),
    ));
    assert!(ok(store.session("s-alice", now)).is_none());
    // Other changes keep the sessions, which see the user as they are now; a new password ends them.
    ok(store.create_session("s-alice2", alice.id, "csrf-2", later));
    ok(store.change_user(
        "alice",
        &UserChange {
            role: Some(Role::Reviewer),
            ..UserChange::default()
        },
        &cli(),
    ));
    let (user, _) = ok(store.session("s-alice2", now)).unwrap_or_else(|| panic!("still live"));
    assert_eq!(
        user.role,
        Role::Reviewer,
        "the session sees the user as they are now"
    );
    ok(store.change_user(
        "alice",
        &UserChange {
            password_hash: Some("$argon2id$other".into()),
            ..UserChange::default()
        },
        &cli(),
    ));
    assert!(
        ok(store.session("s-alice2", now)).is_none(),
        "a new password ends the sessions"
    );
}

fn tokens_record_their_use_and_are_revoked(env: &mut Env) {
    let mut store = env.fresh();
    let alice = add_user(&mut *store, "alice", Role::Analyst);
    let bob = add_user(&mut *store, "bob", Role::Admin);
    let as_alice = Actor::user(&alice, None);
    let first = ok(store.create_token(alice.id, "ci", "h-1", "vg_abc", &as_alice));
    assert_eq!(
        (
            first.user.as_str(),
            first.name.as_str(),
            first.prefix.as_str()
        ),
        ("alice", "ci", "vg_abc")
    );
    assert_eq!((first.last_used_at, first.revoked_at), (None, None));
    let second = ok(store.create_token(alice.id, "script", "h-2", "vg_def", &as_alice));
    let bobs = ok(store.create_token(bob.id, "admin", "h-3", "vg_ghi", &cli()));
    assert!(matches!(
        store.create_token(bob.id + 100, "x", "h-4", "vg_x", &cli()),
        Err(StoreError::NoSuchUser(_))
    ));

    let used = Timestamp(T0 + 42);
    let user = ok(store.token_user("h-1", used)).unwrap_or_else(|| panic!("a live token"));
    assert_eq!(user.id, alice.id);
    assert!(ok(store.token_user("unknown", used)).is_none());
    let mine = ok(store.tokens(Some(alice.id)));
    assert_eq!(
        mine.iter().map(|t| t.id).collect::<Vec<_>>(),
        [second.id, first.id],
        "newest first"
    );
    assert_eq!(mine[1].last_used_at, Some(used));
    assert_eq!(ok(store.tokens(None)).len(), 3);

    // Revoking: only one's own tokens with an owner, anyone's without; once.
    assert!(!ok(store.revoke_token(bobs.id, Some(alice.id), &as_alice)));
    assert!(ok(store.token_user("h-3", used)).is_some());
    assert!(ok(store.revoke_token(first.id, Some(alice.id), &as_alice)));
    assert!(!ok(store.revoke_token(first.id, Some(alice.id), &as_alice)));
    assert!(ok(store.token_user("h-1", used)).is_none(), "revoked");
    assert!(ok(store.revoke_token(bobs.id, None, &cli())));
    assert!(ok(store.token_user("h-3", used)).is_none());
    let revoked = ok(store.tokens(Some(alice.id)));
    assert!(revoked[1].revoked_at.is_some() && revoked[0].revoked_at.is_none());

    // A disabled user's tokens stop working.
    assert!(ok(store.token_user("h-2", used)).is_some());
    ok(store.change_user(
        "alice",
        &UserChange {
            disabled: Some(true),
            ..UserChange::default()
        },
        &cli(),
    ));
    assert!(ok(store.token_user("h-2", used)).is_none());

    let actions = audit_actions(&mut *store);
    let tokens: Vec<&(String, String)> = actions
        .iter()
        .filter(|(a, _)| a.starts_with("token_"))
        .collect();
    assert_eq!(
        tokens,
        [
            &("token_create".to_owned(), format!("token:{}", first.id)),
            &("token_create".to_owned(), format!("token:{}", second.id)),
            &("token_create".to_owned(), format!("token:{}", bobs.id)),
            &("token_revoke".to_owned(), format!("token:{}", first.id)),
            &("token_revoke".to_owned(), format!("token:{}", bobs.id)),
        ]
    );
    let entries = ok(store.audit(0, 100));
    assert!(
        entries
            .iter()
            .filter(|e| e.action == "token_create")
            .all(|e| e.detail.contains("\"prefix\"") && !e.detail.contains("h-")),
        "the prefix is recorded, never the hash"
    );
    assert!(audit_problems(&mut *store).is_empty());
}

fn decisions_follow_the_two_person_rule(env: &mut Env) {
    let (mut store, ids) = store_with_cases(env);
    let analyst = add_user(&mut *store, "ann", Role::Analyst);
    let reviewer = add_user(&mut *store, "rev", Role::Reviewer);
    let other = add_user(&mut *store, "ora", Role::Reviewer);
    let viewer = add_user(&mut *store, "vic", Role::Viewer);
    let case = ids[0];

    // Refusals change nothing.
    assert_eq!(
        decide(&mut *store, &analyst, case, Action::Confirm, None, None),
        DecisionOutcome::Refused(DecisionError::LabelRequired)
    );
    assert_eq!(
        decide(
            &mut *store,
            &analyst,
            case,
            Action::Confirm,
            Some("spam"),
            None
        ),
        DecisionOutcome::Refused(DecisionError::UnknownLabel("spam".into()))
    );
    assert_eq!(
        decide(
            &mut *store,
            &analyst,
            case,
            Action::Reject,
            None,
            Some("  ")
        ),
        DecisionOutcome::Refused(DecisionError::ReasonRequired)
    );
    assert!(matches!(
        decide(&mut *store, &viewer, case, Action::Escalate, None, None),
        DecisionOutcome::Refused(DecisionError::Forbidden { .. })
    ));
    assert_eq!(
        decide(
            &mut *store,
            &analyst,
            case + 1000,
            Action::Escalate,
            None,
            None
        ),
        DecisionOutcome::NoCase
    );
    assert!(ok(store.decisions(case)).is_empty());
    assert_eq!(
        audit_actions(&mut *store)
            .iter()
            .filter(|(a, _)| a == "decision")
            .count(),
        0
    );

    // The analyst confirms: pending, waiting for a second reviewer.
    let first = taken(decide(
        &mut *store,
        &analyst,
        case,
        Action::Confirm,
        Some("propaganda"),
        None,
    ));
    assert_eq!(
        (first.from_status, first.to_status, first.user.as_str()),
        (CaseStatus::Open, CaseStatus::Pending, "ann")
    );
    let pending = ok(store.case(case)).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!(
        (pending.status.as_str(), pending.label.as_deref()),
        ("pending", Some("propaganda"))
    );
    // An analyst may not give the second confirmation, nor may the first confirmer, reviewer or not.
    let other_analyst = add_user(&mut *store, "abe", Role::Analyst);
    assert!(matches!(
        decide(
            &mut *store,
            &other_analyst,
            case,
            Action::Confirm,
            Some("propaganda"),
            None
        ),
        DecisionOutcome::Refused(DecisionError::Forbidden { .. })
    ));
    ok(store.change_user(
        "ann",
        &UserChange {
            role: Some(Role::Reviewer),
            ..UserChange::default()
        },
        &cli(),
    ));
    let promoted = ok(store.user_by_id(analyst.id)).unwrap_or_else(|| panic!("ann exists"));
    assert_eq!(
        decide(
            &mut *store,
            &promoted,
            case,
            Action::Confirm,
            Some("propaganda"),
            None
        ),
        DecisionOutcome::Refused(DecisionError::SameReviewer)
    );
    // Another reviewer confirms with the same label: confirmed.
    let second = taken(decide(
        &mut *store,
        &reviewer,
        case,
        Action::Confirm,
        Some("propaganda"),
        None,
    ));
    assert_eq!(second.to_status, CaseStatus::Confirmed);
    let confirmed = ok(store.case(case)).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!(
        (confirmed.status.as_str(), confirmed.label.as_deref()),
        ("confirmed", Some("propaganda"))
    );
    assert!(matches!(
        decide(
            &mut *store,
            &reviewer,
            case,
            Action::Confirm,
            Some("propaganda"),
            None
        ),
        DecisionOutcome::Refused(DecisionError::InvalidTransition { .. })
    ));

    // Re-analysis keeps the decision, the label and the status; removing the evidence keeps a reviewed case.
    let post_row = ok(store.posts_after(0, 1))[0].id;
    ok(store.put_cases(&[NewCase {
        category: None,
        subject: CaseSubject::Post,
        row: post_row,
        score: 9.0,
        evidence: vec![evidence(SignalKind::Term, 9.0)],
    }]));
    let rescored = ok(store.case(case)).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!(
        (
            rescored.score,
            rescored.status.as_str(),
            rescored.label.as_deref()
        ),
        (9.0, "confirmed", Some("propaganda"))
    );
    ok(store.put_cases(&[NewCase {
        category: None,
        subject: CaseSubject::Post,
        row: post_row,
        score: 0.0,
        evidence: Vec::new(),
    }]));
    assert!(ok(store.case(case)).is_some(), "a reviewed case stays");

    // A reviewer reopens it: open again, label cleared, the history kept in order.
    let reopened = taken(decide(
        &mut *store,
        &other,
        case,
        Action::Reopen,
        None,
        Some("appeal"),
    ));
    assert_eq!(reopened.to_status, CaseStatus::Open);
    let open = ok(store.case(case)).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!((open.status.as_str(), open.label), ("open", None));
    let history = ok(store.decisions(case));
    assert_eq!(
        history,
        vec![first.clone(), second.clone(), reopened.clone()]
    );
    assert_eq!(
        history
            .iter()
            .map(|d| (
                d.action,
                d.user.as_str(),
                d.label.as_deref(),
                d.reason.as_deref()
            ))
            .collect::<Vec<_>>(),
        [
            (Action::Confirm, "ann", Some("propaganda"), None),
            (Action::Confirm, "rev", Some("propaganda"), None),
            (Action::Reopen, "ora", None, Some("appeal")),
        ]
    );

    // Rejections need a reason and may feed an allow-list; an open case rejected has no label.
    let rejected = taken(decide(
        &mut *store,
        &analyst,
        ids[1],
        Action::Reject,
        None,
        Some("news report"),
    ));
    assert!(rejected.allow_list);
    assert_eq!(rejected.to_status, CaseStatus::Rejected);
    // The first confirmation after an escalation by a reviewer is the first of two again.
    taken(decide(
        &mut *store,
        &analyst,
        ids[2],
        Action::Escalate,
        None,
        Some("unsure"),
    ));
    let escalated = taken(decide(
        &mut *store,
        &reviewer,
        ids[2],
        Action::Confirm,
        Some("propaganda"),
        None,
    ));
    assert_eq!(escalated.to_status, CaseStatus::Pending);
    assert_eq!(
        decide(
            &mut *store,
            &reviewer,
            ids[2],
            Action::Confirm,
            Some("propaganda"),
            None
        ),
        DecisionOutcome::Refused(DecisionError::SameReviewer)
    );

    let decisions: Vec<vigie_model::AuditEntry> = ok(store.audit(0, 1000))
        .into_iter()
        .filter(|e| e.action == "decision")
        .collect();
    assert_eq!(decisions.len(), 6);
    assert_eq!(decisions[0].subject, format!("case:{case}"));
    assert_eq!(decisions[0].actor, "ann");
    let detail: serde_json::Value =
        serde_json::from_str(&decisions[0].detail).unwrap_or_else(|e| panic!("detail JSON: {e}"));
    assert_eq!(detail["action"], "confirm");
    assert_eq!(detail["from"], "open");
    assert_eq!(detail["to"], "pending");
    assert_eq!(detail["label"], "propaganda");
    assert_eq!(detail["origin"], "127.0.0.1");
    assert!(audit_problems(&mut *store).is_empty());
    assert_eq!(
        ok(store.check()),
        Vec::<String>::new(),
        "every reference holds"
    );

    // Two reviewers, two labels: nothing is confirmed; the case is escalated with both labels on record.
    let disputed = ids[3];
    taken(decide(
        &mut *store,
        &analyst,
        disputed,
        Action::Confirm,
        Some("propaganda"),
        None,
    ));
    let other_label = taken(decide(
        &mut *store,
        &other,
        disputed,
        Action::Confirm,
        Some("incitement"),
        None,
    ));
    assert_eq!(other_label.to_status, CaseStatus::Escalated);
    assert_eq!(other_label.label.as_deref(), Some("incitement"));
    assert!(
        other_label
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("disagree"))
    );
    let escalated = ok(store.case(disputed)).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!(
        (escalated.status.as_str(), escalated.label.as_deref()),
        ("escalated", Some("propaganda"))
    );
}

fn cases_are_assigned_and_filtered(env: &mut Env) {
    let (mut store, ids) = store_with_cases(env);
    let ann = add_user(&mut *store, "ann", Role::Analyst);
    let rev = add_user(&mut *store, "rev", Role::Reviewer);
    let query = |q: CaseQuery| CaseQuery { limit: 10, ..q };
    let listed = |store: &mut dyn Store, q: CaseQuery| -> Vec<i64> {
        ok(store.cases(&query(q))).iter().map(|c| c.id).collect()
    };
    assert_eq!(listed(&mut *store, CaseQuery::default()), ids);

    assert!(ok(store.assign(
        ids[0],
        Some(ann.id),
        &Actor::user(&rev, None)
    )));
    assert!(ok(store.assign(ids[2], Some(ann.id), &cli())));
    assert!(ok(store.assign(ids[3], Some(rev.id), &cli())));
    assert!(ok(store.assign(ids[3], None, &cli())), "unassigned again");
    assert!(
        !ok(store.assign(ids[0] + 1000, Some(ann.id), &cli())),
        "no such case"
    );
    assert!(matches!(
        store.assign(ids[0], Some(rev.id + 100), &cli()),
        Err(StoreError::NoSuchUser(_))
    ));
    let case = ok(store.case(ids[0])).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!(case.assignee.as_deref(), Some("ann"));
    assert!(ok(store.case(ids[0] + 1000)).is_none());

    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                assignee: Some("ann".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[0], ids[2]]
    );
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                assignee: Some("none".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[1], ids[3]]
    );
    assert!(
        listed(
            &mut *store,
            CaseQuery {
                assignee: Some("rev".into()),
                ..CaseQuery::default()
            }
        )
        .is_empty()
    );

    // Status and label, after decisions.
    taken(decide(
        &mut *store,
        &ann,
        ids[1],
        Action::Confirm,
        Some("propaganda"),
        None,
    ));
    taken(decide(
        &mut *store,
        &ann,
        ids[2],
        Action::Reject,
        None,
        Some("satire"),
    ));
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                status: Some("pending".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[1]]
    );
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                status: Some("open".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[0], ids[3]]
    );
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                label: Some("propaganda".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[1]]
    );
    let pending = ok(store.cases(&query(CaseQuery {
        label: Some("propaganda".into()),
        ..CaseQuery::default()
    })));
    assert_eq!(pending[0].label.as_deref(), Some("propaganda"));

    // Bank: cases with a hash match from that bank only.
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                bank: Some("tcap".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[0]]
    );
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                bank: Some("other".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[2]]
    );
    assert!(
        listed(
            &mut *store,
            CaseQuery {
                bank: Some("default".into()),
                ..CaseQuery::default()
            }
        )
        .is_empty(),
        "the source of other evidence is no bank"
    );

    // Account: the cases of one author's posts.
    let first = ok(store.case(ids[0])).unwrap_or_else(|| panic!("the case exists"));
    let author = first
        .account_id
        .clone()
        .unwrap_or_else(|| panic!("the first post has an author"));
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                platform: Some(first.platform.clone()),
                account: Some(author.clone()),
                ..CaseQuery::default()
            }
        ),
        [ids[0]]
    );
    // Without the platform, the author's id alone.
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                account: Some(author),
                ..CaseQuery::default()
            }
        ),
        [ids[0]]
    );
    // A brief listing leaves the evidence out and keeps its kinds.
    let brief = ok(store.cases(&query(CaseQuery {
        brief: true,
        ..CaseQuery::default()
    })));
    assert_eq!(brief.len(), ids.len());
    for b in &brief {
        let full = ok(store.case(b.id)).unwrap_or_else(|| panic!("the case exists"));
        assert!(
            b.evidence.is_empty(),
            "brief case {} kept its evidence",
            b.id
        );
        assert!(!full.evidence.is_empty());
        let mut kinds: Vec<SignalKind> = full.evidence.iter().map(|e| e.signal).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(b.signals, kinds);
        assert_eq!(full.signals, kinds);
    }

    // Pages.
    let page = |store: &mut dyn Store, offset: usize| {
        ok(store.cases(&CaseQuery {
            limit: 3,
            offset,
            ..CaseQuery::default()
        }))
        .iter()
        .map(|c| c.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(page(&mut *store, 0), ids[..3]);
    assert_eq!(page(&mut *store, 3), ids[3..]);
    assert!(page(&mut *store, 4).is_empty());
    // The cases after one in score order: the queue's next case.
    for (i, &id) in ids.iter().enumerate() {
        let c = ok(store.case(id)).unwrap_or_else(|| panic!("the case exists"));
        assert_eq!(
            listed(
                &mut *store,
                CaseQuery {
                    after: Some((c.score, c.id)),
                    ..CaseQuery::default()
                }
            ),
            ids[i + 1..]
        );
    }
    assert_eq!(
        listed(
            &mut *store,
            CaseQuery {
                offset: 1,
                assignee: Some("ann".into()),
                ..CaseQuery::default()
            }
        ),
        [ids[2]]
    );

    // Re-analysis keeps the assignee.
    let first_post = ok(store.posts_after(0, 1))[0].id;
    ok(store.put_cases(&[NewCase {
        category: None,
        subject: CaseSubject::Post,
        row: first_post,
        score: 5.0,
        evidence: vec![evidence(SignalKind::Term, 5.0)],
    }]));
    let case = ok(store.case(ids[0])).unwrap_or_else(|| panic!("the case exists"));
    assert_eq!((case.score, case.assignee.as_deref()), (5.0, Some("ann")));

    let assigns: Vec<vigie_model::AuditEntry> = ok(store.audit(0, 100))
        .into_iter()
        .filter(|e| e.action == "assign")
        .collect();
    assert_eq!(assigns.len(), 4);
    assert_eq!(assigns[0].subject, format!("case:{}", ids[0]));
    assert_eq!(assigns[0].actor, "rev");
    assert!(assigns[0].detail.contains("\"assignee\":\"ann\""));
    assert!(assigns[3].detail.contains("\"assignee\":null"));
    assert!(audit_problems(&mut *store).is_empty());
}

/// A store whose trail holds a few entries of every kind; returns it with its URL.
fn store_with_a_trail(env: &mut Env) -> (Box<dyn Store>, String) {
    let url = env.fresh_url();
    let mut store = env.open(&url);
    let alice = add_user(&mut *store, "alice", Role::Reviewer);
    ok(store.record_login("alice", &LoginOutcome::Success, &Actor::user(&alice, None)));
    ok(store.create_token(alice.id, "ci", "h-1", "vg_1", &cli()));
    ok(store.audit_append(
        &cli(),
        &AuditEvent::Note {
            action: "bank_update".into(),
            subject: "bank:tcap".into(),
            detail: serde_json::json!({"entries": 3}),
        },
    ));
    ok(store.set_user_settings(alice.id, &UserSettings::default(), &cli()));
    (store, url)
}

fn the_audit_trail_records_every_change(env: &mut Env) {
    let (mut store, url) = store_with_a_trail(env);
    assert_eq!(ok(store.audit_head()).unwrap_or_default().0, 5);
    let entries = ok(store.audit(0, 1_000_000));
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(entries[0].prev_hash, vigie_model::AUDIT_GENESIS);
    assert!(
        entries.windows(2).all(|w| w[1].prev_hash == w[0].hash),
        "chained"
    );
    assert_eq!(
        (entries[3].action.as_str(), entries[3].subject.as_str()),
        ("bank_update", "bank:tcap")
    );
    assert_eq!(
        ok(store.audit_head()).unwrap_or_default().1,
        entries[4].hash
    );
    // Paging through the trail.
    assert_eq!(
        ok(store.audit(2, 2))
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [3, 4]
    );
    assert!(audit_problems(&mut *store).is_empty());

    // A reopened store goes on with the same chain.
    drop(store);
    let mut store = env.open(&url);
    let appended = ok(store.audit_append(
        &cli(),
        &AuditEvent::Note {
            action: "check".into(),
            subject: "store".into(),
            detail: serde_json::json!({}),
        },
    ));
    assert_eq!(appended.seq, 6);
    assert_eq!(appended.prev_hash, entries[4].hash);
    assert!(audit_problems(&mut *store).is_empty());
}

fn an_edited_audit_entry_is_found(env: &mut Env) {
    let (mut store, url) = store_with_a_trail(env);
    assert!(audit_problems(&mut *store).is_empty());
    env.execute_raw(
        &url,
        "UPDATE audit_log SET detail = '{\"role\":\"viewer\"}' WHERE seq = 1",
    );
    let problems = audit_problems(&mut *store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].seq, 1);
    assert!(problems[0].problem.contains("edited"), "{problems:?}");
}

fn removed_audit_entries_are_found(env: &mut Env) {
    // From the middle.
    let (mut store, url) = store_with_a_trail(env);
    env.execute_raw(&url, "DELETE FROM audit_log WHERE seq = 3");
    let problems = audit_problems(&mut *store);
    assert!(
        problems
            .iter()
            .any(|p| p.seq == 4 && p.problem.contains("removed")),
        "{problems:?}"
    );
    drop(store);

    // From the end: the recorded head no longer matches.
    let (mut store, url) = store_with_a_trail(env);
    env.execute_raw(&url, "DELETE FROM audit_log WHERE seq = 5");
    let problems = audit_problems(&mut *store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].seq, 5);
    assert!(problems[0].problem.contains("end"), "{problems:?}");
    drop(store);

    // From the end with the head rewound in the same database: the chain alone looks whole; an anchor
    // exported before (kept outside the database) finds the cut.
    let (mut store, url) = store_with_a_trail(env);
    let anchor = ok(store.audit_head()).unwrap_or_else(|| panic!("a head"));
    let entries = ok(store.audit(0, 1_000_000));
    let fourth = entries[3].hash.clone();
    env.execute_raw(&url, "DELETE FROM audit_log WHERE seq = 5");
    env.execute_raw(
        &url,
        &format!("UPDATE audit_head SET seq = 4, hash = '{fourth}' WHERE id = 1"),
    );
    assert!(
        audit_problems(&mut *store).is_empty(),
        "the database alone cannot tell"
    );
    let anchored = |store: &mut dyn Store| {
        let mut v = vigie_store::AuditVerifier::anchored(anchor.0, &anchor.1);
        for e in ok(store.audit(0, 1_000_000)) {
            v.check(&e);
        }
        let head = ok(store.audit_head()).unwrap_or_default();
        v.finish((head.0, &head.1))
    };
    let problems = anchored(&mut *store);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].problem.contains("anchor"), "{problems:?}");
    drop(store);

    // Both tables wiped: no head, said as such, not an error.
    let (mut store, url) = store_with_a_trail(env);
    env.execute_raw(&url, "DELETE FROM audit_log");
    env.execute_raw(&url, "DELETE FROM audit_head");
    assert_eq!(ok(store.audit_head()), None);
}

fn audited_entries_and_their_audit_entry_are_one_transaction(env: &mut Env) {
    let mut store = env.fresh();
    ok(store.create_bank(&NewBank::named("allowed"), &cli()));
    let records = [record(SignalType::Pdq, PDQ_1, &[("case", "7")], false)];
    let event = |bank: &str| AuditEvent::BankAllowList {
        bank: bank.to_owned(),
        cases: 1,
        media: 1,
        entries: 1,
    };
    let counts = ok(store.apply_entries_audited("allowed", &records, &cli(), &event("allowed")));
    assert_eq!(counts.added, 1);
    let last = ok(store.audit(0, 1_000_000)).pop().expect("an audit entry");
    assert_eq!(
        (last.action.as_str(), last.subject.as_str()),
        ("bank_allow_list", "bank:allowed")
    );
    let recorded: serde_json::Value = serde_json::from_str(&last.detail).expect("JSON detail");
    assert_eq!(recorded["cases"], 1, "{recorded}");
    assert_eq!(recorded["counts"]["added"], 1, "{recorded}");
    assert!(audit_problems(&mut *store).is_empty());
    // An unknown bank changes nothing: no entry, no audit entry.
    let before = ok(store.audit(0, 1_000_000)).len();
    assert!(matches!(
        store.apply_entries_audited("nope", &records, &cli(), &event("nope")),
        Err(StoreError::NoSuchBank(_))
    ));
    assert_eq!(ok(store.audit(0, 1_000_000)).len(), before);
}

fn a_fed_import_is_applied_whole_or_not_at_all(env: &mut Env) {
    let mut store = env.fresh();
    ok(store.create_bank(&NewBank::named("blk"), &cli()));
    let event = AuditEvent::BankImport {
        bank: "blk".into(),
        file: "list.txt".into(),
        format: "lines".into(),
    };
    // Three parts, one transaction, one audit entry: a hash added in the first part is removed by the third.
    let parts = [
        vec![
            record(SignalType::Pdq, PDQ_1, &[("group", "a")], false),
            record(SignalType::Pdq, PDQ_2, &[], false),
        ],
        vec![record(SignalType::Md5, &"ab".repeat(16), &[], false)],
        vec![record(SignalType::Pdq, PDQ_1, &[], true)],
    ];
    let before = ok(store.audit(0, 1_000_000)).len();
    let import = ok(store.begin_import("list.txt", Format::HashList));
    let progress = |applied: u64, added: u64| ImportProgress {
        import_id: import,
        bank: "blk".into(),
        list: "digest:lines".into(),
        applied,
        counts: EntryCounts {
            added,
            ..EntryCounts::default()
        },
    };
    assert_eq!(ok(store.import_progress("blk", "digest:lines")), None);
    let counts = ok(store.apply_entry_feed_audited(
        "blk",
        &mut |apply| parts.iter().try_for_each(|p| apply(p)),
        &cli(),
        &event,
        Some(&progress(4, 0)),
    ));
    // Written with the entries (the counts before it plus what it changed): an import that stops here goes on
    // from there.
    let written = ImportProgress {
        counts: EntryCounts {
            added: 3,
            removed: 1,
            ..EntryCounts::default()
        },
        ..progress(4, 0)
    };
    assert_eq!(
        ok(store.import_progress("blk", "digest:lines")),
        Some(written.clone())
    );
    assert_eq!(ok(store.import_progress("other", "digest:lines")), None);
    assert_eq!((counts.added, counts.removed), (3, 1), "{counts:?}");
    let trail = ok(store.audit(0, 1_000_000));
    assert_eq!(trail.len(), before + 1);
    let detail: serde_json::Value =
        serde_json::from_str(&trail[before].detail).expect("JSON detail");
    assert_eq!(detail["counts"]["added"], 3, "{detail}");
    let live = |store: &mut dyn Store| -> Vec<String> {
        ok(store.bank_entries("blk", false, 100))
            .into_iter()
            .map(|e| e.value)
            .collect()
    };
    assert_eq!(live(&mut *store), vec![PDQ_2.to_owned(), "ab".repeat(16)]);

    // A feed that fails after applying a part leaves the bank as it was, and writes no audit entry.
    let failing = [
        vec![record(SignalType::Pdq, PDQ_1, &[], false)],
        vec![record(SignalType::Pdq, PDQ_2, &[], true)],
    ];
    let mut fed = 0;
    let result = store.apply_entry_feed_audited(
        "blk",
        &mut |apply| {
            for p in &failing {
                apply(p)?;
                fed += 1;
            }
            Err(StoreError::Feed("the disk is full".into()))
        },
        &cli(),
        &event,
        Some(&progress(6, 3)),
    );
    assert_eq!(fed, 2);
    assert!(
        matches!(&result, Err(StoreError::Feed(m)) if m == "the disk is full"),
        "{result:?}"
    );
    assert_eq!(live(&mut *store), vec![PDQ_2.to_owned(), "ab".repeat(16)]);
    assert_eq!(ok(store.audit(0, 1_000_000)).len(), before + 1);
    assert!(audit_problems(&mut *store).is_empty());
    // Neither is the progress; once the import completes there is nothing to go on from.
    assert_eq!(
        ok(store.import_progress("blk", "digest:lines")),
        Some(written)
    );
    ok(store.finish_import(
        import,
        ImportStatus::Complete,
        &ImportCounts::default(),
        None,
    ));
    assert_eq!(ok(store.import_progress("blk", "digest:lines")), None);
}

fn evidence_is_frozen_once(env: &mut Env) {
    let (mut store, ids) = store_with_cases(env);
    assert_eq!(ok(store.frozen_evidence(ids[0])), None);
    assert!(ok(store.freeze_evidence(
        ids[0],
        r#"{"score":0.9}"#,
        &cli()
    )));
    // A second freeze changes nothing: the first document stays.
    assert!(!ok(store.freeze_evidence(
        ids[0],
        r#"{"score":0.1}"#,
        &cli()
    )));
    let frozen = ok(store.frozen_evidence(ids[0])).expect("frozen");
    assert_eq!(frozen.body, r#"{"score":0.9}"#);
    assert_eq!(frozen.sha256, hex_sha256(r#"{"score":0.9}"#));
    assert_eq!(ok(store.frozen_evidence(ids[1])), None);
    let trail = ok(store.audit(0, 1_000_000));
    let freezes: Vec<_> = trail
        .iter()
        .filter(|e| e.action == "evidence_freeze")
        .collect();
    assert_eq!(freezes.len(), 1);
    assert_eq!(freezes[0].subject, format!("case:{}", ids[0]));
    assert!(
        freezes[0].detail.contains(&frozen.sha256),
        "{}",
        freezes[0].detail
    );
    assert!(audit_problems(&mut *store).is_empty());
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn referrals_take_confirmed_cases_once_and_move_forward(env: &mut Env) {
    use vigie_model::ReferralStatus;
    let (mut store, ids) = store_with_cases(env);
    let analyst = add_user(&mut *store, "ann", Role::Analyst);
    let reviewer = add_user(&mut *store, "rev", Role::Reviewer);
    for &id in &ids[..2] {
        for user in [&analyst, &reviewer] {
            taken(decide(
                &mut *store,
                user,
                id,
                Action::Confirm,
                Some("propaganda"),
                None,
            ));
        }
    }
    let platform = ok(store.case(ids[0])).map(|c| c.platform).expect("case");
    let other = ok(store.case(ids[2])).map(|c| c.platform).expect("case");
    // Only confirmed cases: the third is open, and nothing is made.
    let refused = store.create_referral(&platform, "x", &[ids[0], ids[2]], &cli());
    let expected = if other == platform {
        "not confirmed"
    } else {
        "not "
    };
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains(expected)),
        "{refused:?}"
    );
    assert_eq!(ok(store.referrals(None, None)), vec![]);
    assert!(matches!(
        store.create_referral(&platform, "x", &[9_999], &cli()),
        Err(StoreError::NotFound(_))
    ));
    let made = ok(store.create_referral(&platform, "x", &ids[..2], &cli()));
    assert_eq!(
        (made.status, made.items, made.actioned),
        (ReferralStatus::Draft, 2, 0)
    );
    assert_eq!(made.created_by, "cli:tester");
    // Never twice.
    let again = store.create_referral(&platform, "x", &[ids[1]], &cli());
    assert!(
        matches!(&again, Err(StoreError::Conflict(m)) if m.contains("never referred twice")),
        "{again:?}"
    );
    let items = ok(vigie_store::referral_items(&mut *store, made.id));
    assert_eq!(
        items.iter().map(|i| i.case_id).collect::<Vec<_>>(),
        ids[..2].to_vec()
    );
    assert_eq!(items[0].label.as_deref(), Some("propaganda"));
    // Forward only: a draft is not actioned before it is sent.
    assert!(matches!(
        store.mark_referral(made.id, ReferralStatus::Actioned, None, &cli()),
        Err(StoreError::Conflict(_))
    ));
    let sent = ok(store.mark_referral(made.id, ReferralStatus::Sent, Some("by e-mail"), &cli()));
    assert!(sent.sent_at.is_some());
    // Answers per item: all or none.
    let answer = |case_id: i64, outcome: &str| vigie_store::ItemResponse {
        case_id,
        outcome: outcome.into(),
        at: None,
    };
    ok(store.record_responses(made.id, &[answer(ids[0], "declined")], &cli()));
    assert!(matches!(
        store.record_responses(made.id, &[answer(ids[1], "actioned"), answer(9_999, "actioned")], &cli()),
        Err(StoreError::NotFound(m)) if m.contains("not an item")
    ));
    assert!(matches!(
        store.record_responses(made.id, &[answer(ids[1], "removed")], &cli()),
        Err(StoreError::Conflict(_))
    ));
    // What a later scan saw.
    ok(store.record_sightings(
        &[ids[1]],
        &[ids[0]],
        vigie_model::Timestamp(1_800_000_000_000),
        &cli(),
    ));
    let seen = ok(store.referral(made.id)).expect("referral");
    assert_eq!((seen.still_live, seen.no_longer_observed), (1, 1));
    let done = ok(store.mark_referral(made.id, ReferralStatus::Actioned, None, &cli()));
    // The referral's answer goes to the items without one: the declined item stays declined.
    assert_eq!((done.status, done.actioned), (ReferralStatus::Actioned, 1));
    let items = ok(vigie_store::referral_items(&mut *store, made.id));
    assert_eq!(items[0].outcome.as_deref(), Some("declined"));
    assert_eq!(
        items[0].gone_at,
        Some(vigie_model::Timestamp(1_800_000_000_000))
    );
    assert_eq!(items[1].outcome.as_deref(), Some("actioned"));
    assert!(items[1].actioned_at.is_some() && items[1].seen_live_at.is_some());
    assert!(matches!(
        store.mark_referral(made.id, ReferralStatus::Declined, None, &cli()),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        ok(store.referrals(Some(&platform), Some(ReferralStatus::Actioned))).len(),
        1
    );
    assert_eq!(ok(store.referrals(Some("nowhere"), None)).len(), 0);
    let trail = ok(store.audit(0, 1_000_000));
    let actions: Vec<&str> = trail
        .iter()
        .filter(|e| e.subject == format!("referral:{}", made.id))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "referral_create",
            "referral_mark",
            "referral_response",
            "referral_mark"
        ]
    );
    assert!(audit_problems(&mut *store).is_empty());
}

fn the_network_adds_deltas_and_ties_references_when_their_post_arrives(env: &mut Env) {
    use vigie_store::{NetworkDelta, NetworkNode, NetworkTie, PendingTie, SharedAct, SharedCaps};
    let mut store = env.fresh();
    assert_eq!(ok(store.network_position()), 0);
    let node = |key: &str, posts: i64, first: Option<i64>, last: Option<i64>| NetworkNode {
        key: key.to_owned(),
        platform: "x".to_owned(),
        handle: key.strip_prefix("x:@").map(str::to_owned),
        posts,
        text_posts: posts,
        reporting_posts: 0,
        first_post: first,
        last_post: last,
        ..NetworkNode::default()
    };
    let tie = |count: i64, first: i64, last: i64| NetworkTie {
        from: "x:a".to_owned(),
        to: "x:@b".to_owned(),
        kind: "mention".to_owned(),
        count,
        first: Some(first),
        last: Some(last),
    };
    let act = |node: &str, at: i64| SharedAct {
        kind: "medium".to_owned(),
        what: SHA_A.to_owned(),
        node: node.to_owned(),
        at: Some(at),
    };
    ok(store.apply_network(&NetworkDelta {
        position: 5,
        nodes: vec![
            node("x:a", 1, Some(10), Some(10)),
            node("x:@b", 0, None, None),
        ],
        ties: vec![tie(1, 10, 10)],
        shared: vec![act("x:a", 10)],
        pending: vec![PendingTie {
            from: "x:a".to_owned(),
            platform: "x".to_owned(),
            post: "p2".to_owned(),
            kind: "repost".to_owned(),
            at: Some(12),
        }],
    }));
    assert_eq!(ok(store.network_position()), 5);
    // A second delta adds to the counts and widens the times; an earlier act moves the member's first time.
    ok(store.apply_network(&NetworkDelta {
        position: 9,
        nodes: vec![
            node("x:a", 1, Some(5), Some(20)),
            node("x:@b", 0, None, None),
            node("x:c", 1, Some(40), Some(40)),
        ],
        ties: vec![tie(2, 20, 30)],
        shared: vec![act("x:a", 3), act("x:c", 40)],
        pending: Vec::new(),
    }));
    assert_eq!(ok(store.network_position()), 9);
    let nodes = ok(store.network_nodes());
    let id_of = |key: &str| {
        nodes
            .iter()
            .find(|(_, n)| n.key == key)
            .map(|(id, _)| *id)
            .unwrap_or_else(|| panic!("no node {key}: {nodes:?}"))
    };
    let a = nodes
        .iter()
        .find(|(_, n)| n.key == "x:a")
        .map(|(_, n)| n.clone());
    assert_eq!(
        a.map(|n| (n.posts, n.first_post, n.last_post)),
        Some((2, Some(5), Some(20)))
    );
    let read_ties = |store: &mut dyn Store| {
        let mut ties = Vec::new();
        ok(store.network_ties(&mut |t| {
            ties.push((t.from, t.to, t.kind.to_owned(), t.count, t.first, t.last));
        }));
        ties.sort();
        ties
    };
    assert_eq!(
        read_ties(&mut *store),
        vec![(
            id_of("x:a"),
            id_of("x:@b"),
            "mention".to_owned(),
            3,
            Some(10),
            Some(30)
        )]
    );
    let members = |store: &mut dyn Store, cap: usize| {
        let mut m = Vec::new();
        ok(store.network_shared(
            SharedCaps {
                shared: cap,
                hashtags: cap,
            },
            &mut |s| {
                m.push((s.kind.to_owned(), s.what.to_owned(), s.node, s.at));
            },
        ));
        m
    };
    assert_eq!(
        members(&mut *store, 5),
        vec![
            ("medium".to_owned(), SHA_A.to_owned(), id_of("x:a"), Some(3)),
            (
                "medium".to_owned(),
                SHA_A.to_owned(),
                id_of("x:c"),
                Some(40)
            ),
        ]
    );
    assert!(
        members(&mut *store, 1).is_empty(),
        "a group over its cap is popular"
    );
    // The reposted post is not stored yet: nothing to tie, and the reference waits.
    assert_eq!(ok(store.resolve_network_pending()), 0);
    let mut b = Batch::default();
    b.push_post(post(
        Platform::x(),
        "p2",
        Some("c"),
        Some("hello"),
        Some(T0),
    ));
    import(&mut *store, &[b]);
    assert_eq!(ok(store.resolve_network_pending()), 1);
    assert!(
        read_ties(&mut *store).contains(&(
            id_of("x:a"),
            id_of("x:c"),
            "repost".to_owned(),
            1,
            Some(12),
            Some(12)
        )),
        "{:?}",
        read_ties(&mut *store)
    );
    // Tied once: the reference is forgotten.
    assert_eq!(ok(store.resolve_network_pending()), 0);
    // The neighbourhood of an account, both ways, with what it shares with others.
    let caps = SharedCaps {
        shared: 5,
        hashtags: 5,
    };
    let around = |store: &mut dyn Store, key: &str| {
        let mut v: Vec<(String, String, String, i64)> =
            ok(store.network_neighbourhood(&[key.to_owned()], caps))
                .into_iter()
                .map(|t| (t.key, t.kind, t.direction, t.count))
                .collect();
        v.sort();
        v
    };
    let tuple =
        |k: &str, kind: &str, d: &str, n: i64| (k.to_owned(), kind.to_owned(), d.to_owned(), n);
    assert_eq!(
        around(&mut *store, "x:a"),
        vec![
            tuple("x:@b", "mention", "to", 3),
            tuple("x:c", "repost", "to", 1),
            tuple("x:c", "shared_medium", "shared", 1),
        ]
    );
    assert_eq!(
        around(&mut *store, "x:c"),
        vec![
            tuple("x:a", "repost", "from", 1),
            tuple("x:a", "shared_medium", "shared", 1),
        ]
    );
    assert!(around(&mut *store, "x:nobody").is_empty());
    // Near-duplicate media, and how far the media were looked at.
    assert_eq!(ok(store.network_media_position()), 0);
    ok(store.add_network_media_clusters(&[(SHA_B.to_owned(), SHA_A.to_owned())], 7));
    ok(store.add_network_media_clusters(&[(SHA_B.to_owned(), "other".to_owned())], 8));
    assert_eq!(ok(store.network_media_position()), 8);
    assert_eq!(
        ok(store.network_media_clusters()),
        vec![(SHA_B.to_owned(), SHA_A.to_owned())],
        "a medium keeps the first medium it counted as"
    );
    ok(store.reset_network());
    assert_eq!(ok(store.network_position()), 0);
    assert_eq!(ok(store.network_media_position()), 0);
    assert!(ok(store.network_media_clusters()).is_empty());
    assert!(ok(store.network_nodes()).is_empty());
    assert!(read_ties(&mut *store).is_empty());
}

/// A video's vPDQ hash is stored by its SHA-256, read back whole, and replaced when hashed again.
fn video_hashes_round_trip(env: &mut Env) {
    let mut store = env.fresh();
    let record = |frames: &str, count: u64| vigie_store::VideoRecord {
        sha256: SHA_A.to_owned(),
        codec: "h264".to_owned(),
        width: 1280,
        height: 720,
        frame_rate: 30_000.0 / 1001.0,
        seconds: Some(12.5),
        frame_count: count,
        frames: frames.to_owned(),
    };
    assert_eq!(ok(store.video_hash(SHA_A)), None);
    let first = record(&format!("0,100,{},0.000\n", "ab".repeat(32)), 1);
    ok(store.record_video_hashes(std::slice::from_ref(&first)));
    assert_eq!(ok(store.video_hash(SHA_A)), Some(first));
    let again = vigie_store::VideoRecord {
        seconds: None,
        ..record(
            &format!(
                "0,90,{},0.000\n29,80,{},0.968\n",
                "cd".repeat(32),
                "ef".repeat(32)
            ),
            2,
        )
    };
    ok(store.record_video_hashes(std::slice::from_ref(&again)));
    assert_eq!(ok(store.video_hash(SHA_A)), Some(again));
    assert_eq!(ok(store.video_hash(SHA_B)), None);
}

/// Ties read the same whether their packs are written, stale or missing; a packed store that changes is read from
/// the rows where it changed, in (from, to, kind) order throughout.
fn network_ties_read_the_same_packed_or_not(env: &mut Env) {
    use vigie_store::{NetworkDelta, NetworkNode, NetworkTie};
    let mut store = env.fresh();
    let node = |i: usize| NetworkNode {
        key: format!("x:n{i}"),
        platform: "x".to_owned(),
        ..NetworkNode::default()
    };
    // 2,500 accounts: their ties fall in three packs of 1,024 sources.
    let nodes: Vec<NetworkNode> = (0..2_500).map(node).collect();
    let tie = |from: usize, to: usize, kind: &str, count: i64, at: i64| NetworkTie {
        from: format!("x:n{from}"),
        to: format!("x:n{to}"),
        kind: kind.to_owned(),
        count,
        first: Some(at),
        last: (at % 3 != 0).then_some(at + 5),
    };
    let first: Vec<NetworkTie> = (0..2_500)
        .flat_map(|i| {
            [
                tie(i, (i * 7 + 1) % 2_500, "mention", 1, i as i64),
                tie(i, (i * 7 + 1) % 2_500, "repost", 2, -(i as i64)),
                tie(i, (i * 13 + 2) % 2_500, "announced", 3, 1_700_000_000_000),
            ]
        })
        .filter(|t| t.from != t.to)
        .collect();
    ok(store.apply_network(&NetworkDelta {
        position: 1,
        nodes: nodes.clone(),
        ties: first,
        ..NetworkDelta::default()
    }));
    let read = |store: &mut dyn Store| {
        let mut ties = Vec::new();
        ok(store.network_ties(&mut |t| {
            ties.push((t.from, t.to, t.kind.to_owned(), t.count, t.first, t.last));
        }));
        ties
    };
    let rows = read(&mut *store);
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(rows, sorted, "ties not in (from, to, kind) order");
    assert_eq!(rows.len(), 7_500);
    assert_eq!(ok(store.network_tie_count()), 7_500);
    assert_eq!(ok(store.pack_network_ties()), 3, "three packs to write");
    assert_eq!(
        read(&mut *store),
        rows,
        "packed ties differ from their rows"
    );
    assert_eq!(ok(store.network_tie_count()), 7_500);
    assert_eq!(ok(store.pack_network_ties()), 0, "nothing changed since");

    // A change in the middle pack: it is read from its rows (the others from their packs), then packed again.
    let id_of: std::collections::HashMap<String, i64> = ok(store.network_nodes())
        .into_iter()
        .map(|(id, n)| (n.key, id))
        .collect();
    let (a, b) = (1_500, 9);
    ok(store.apply_network(&NetworkDelta {
        position: 2,
        nodes: vec![node(a), node(b), node((a * 7 + 1) % 2_500)],
        ties: vec![
            tie(a, b, "quote", 4, 77),
            tie(a, (a * 7 + 1) % 2_500, "mention", 10, -50),
        ],
        ..NetworkDelta::default()
    }));
    let (ia, ib) = (id_of[&format!("x:n{a}")], id_of[&format!("x:n{b}")]);
    let ic = id_of[&format!("x:n{}", (a * 7 + 1) % 2_500)];
    let mut expected = rows.clone();
    for t in &mut expected {
        if (t.0, t.1, t.2.as_str()) == (ia, ic, "mention") {
            t.3 += 10;
            t.4 = Some(-50);
            t.5 = Some(t.5.map_or(-45, |l| l.max(-45)));
        }
    }
    expected.push((ia, ib, "quote".to_owned(), 4, Some(77), Some(82)));
    expected.sort();
    let got = read(&mut *store);
    let differ: Vec<_> = got
        .iter()
        .zip(&expected)
        .filter(|(g, e)| g != e)
        .take(3)
        .collect();
    assert!(
        got.len() == expected.len() && differ.is_empty(),
        "a stale pack was read: {} ties, {} expected; first differences {differ:?}",
        got.len(),
        expected.len()
    );
    assert_eq!(ok(store.network_tie_count()), 7_501);
    assert_eq!(ok(store.pack_network_ties()), 1, "only the changed pack");
    assert!(
        read(&mut *store) == expected,
        "packed again, the ties differ"
    );
    assert_eq!(ok(store.network_tie_count()), 7_501);

    // Forgotten, then folded again: nothing of the old packs is read.
    ok(store.reset_network());
    assert!(read(&mut *store).is_empty());
    assert_eq!(ok(store.network_tie_count()), 0);
    ok(store.apply_network(&NetworkDelta {
        position: 3,
        nodes: vec![node(1), node(2)],
        ties: vec![tie(1, 2, "reply", 1, 3)],
        ..NetworkDelta::default()
    }));
    assert_eq!(read(&mut *store).len(), 1);
    assert_eq!(ok(store.pack_network_ties()), 1);
    assert_eq!(read(&mut *store).len(), 1);
}
