//! A store with the sample corpus scanned into cases, one user per role with a session and an API token.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use vigie_model::{Role, Timestamp, User};
use vigie_review::{hash_password, random_hex, secret_hash};
use vigie_server::pool::Pool;
use vigie_server::{AppState, ServerConfig};
use vigie_store::{Actor, CaseQuery, Store};

/// One logged-in user.
#[derive(Clone)]
pub struct Login {
    pub user: User,
    pub password: String,
    pub session: String,
    pub csrf: String,
    pub token: String,
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: String,
    pub users: BTreeMap<Role, Login>,
    /// An open post case whose post has a stored medium.
    pub media_case: i64,
    pub media_sha: String,
    /// Other open cases, strongest first.
    pub open_cases: Vec<i64>,
}

pub fn user_name(role: Role) -> String {
    format!("{}-user", role.as_str())
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let corpus = dir.path().join("corpus");
        vigie_sample::generate(&corpus, &vigie_sample::SampleConfig::small())
            .expect("sample corpus");
        let db = dir.path().join("vigie.db").display().to_string();
        let mut store = vigie_store::open(&db, None).expect("store");
        vigie_engine::scan(
            store.as_mut(),
            std::slice::from_ref(&corpus),
            &vigie_engine::ScanConfig::default(),
            &vigie_engine::SilentProgress,
        )
        .expect("scan");
        // A block bank holding the SHA-256 of a few stored media (stand-ins for known propaganda), then the
        // scan again: their posts become hash-match cases.
        let mut known = Vec::new();
        for view in store
            .posts(&vigie_store::PostQuery {
                limit: 100_000,
                ..Default::default()
            })
            .expect("posts")
        {
            for a in &view.post.attachments {
                if let Some(sha) = &a.sha256
                    && a.kind == vigie_model::MediaKind::Photo
                    && std::fs::metadata(store.blobs().path_of(sha)).is_ok()
                    && known.len() < 3
                    && !known.contains(sha)
                {
                    known.push(sha.clone());
                }
            }
        }
        assert!(!known.is_empty(), "the sample corpus has stored photos");
        let mut bank = vigie_store::NewBank::named("demo");
        bank.labels.insert("source".into(), "test".into());
        store
            .create_bank(&bank, &vigie_store::Actor::cli("test"))
            .expect("bank");
        let records: Vec<vigie_model::EntryRecord> = known
            .iter()
            .map(|sha| vigie_model::EntryRecord {
                signal: vigie_model::SignalType::Sha256,
                value: sha.clone(),
                labels: Default::default(),
                provenance: None,
                deleted: false,
                updated_on: None,
            })
            .collect();
        store.apply_entries("demo", &records).expect("entries");
        let corpus = dir.path().join("corpus");
        vigie_engine::scan(
            store.as_mut(),
            &[corpus],
            &vigie_engine::ScanConfig::default(),
            &vigie_engine::SilentProgress,
        )
        .expect("second scan");
        let actor = Actor::cli("test");
        let mut users = BTreeMap::new();
        for role in Role::ALL {
            let password = format!("password of {}", role.as_str());
            let user = store
                .add_user(&user_name(role), role, &hash_password(&password), &actor)
                .expect("user");
            let session = random_hex(32);
            let csrf = random_hex(32);
            store
                .create_session(
                    &secret_hash(&session),
                    user.id,
                    &csrf,
                    Timestamp(Timestamp::now().0 + 3_600_000),
                )
                .expect("session");
            let token = format!("vigie_{}", random_hex(32));
            store
                .create_token(user.id, "test", &secret_hash(&token), &token[..14], &actor)
                .expect("token");
            users.insert(
                role,
                Login {
                    user,
                    password,
                    session,
                    csrf,
                    token,
                },
            );
        }
        let cases = store
            .cases(&CaseQuery {
                status: Some("open".into()),
                subject: Some(vigie_model::CaseSubject::Post),
                limit: 5000,
                ..CaseQuery::default()
            })
            .expect("cases");
        assert!(cases.len() > 10, "the sample corpus gives cases");
        let mut media_case = None;
        for c in &cases {
            let detail = vigie_server::api::case_detail(store.as_mut(), c.id)
                .expect("detail")
                .expect("case");
            if let Some(m) = detail.media.first()
                && std::fs::metadata(store.blobs().path_of(&m.sha256)).is_ok()
            {
                media_case = Some((c.id, m.sha256.clone()));
                break;
            }
        }
        let (media_case, media_sha) = media_case.expect("a post case with a stored medium");
        let open_cases = cases
            .iter()
            .map(|c| c.id)
            .filter(|&id| id != media_case)
            .collect();
        Fixture {
            dir,
            db,
            users,
            media_case,
            media_sha,
            open_cases,
        }
    }

    pub fn store(&self) -> Box<dyn Store> {
        vigie_store::open(&self.db, None).expect("store")
    }

    pub fn state(&self, config: ServerConfig) -> AppState {
        let db = self.db.clone();
        let pool = Pool::new(2, move || vigie_store::open(&db, None)).expect("pool");
        AppState::new(pool, config)
    }

    pub fn login(&self, role: Role) -> &Login {
        &self.users[&role]
    }

    pub fn media_dir(&self) -> PathBuf {
        self.dir.path().join("vigie-media")
    }
}
