//! The PostgreSQL backend: one database shared by a team, with the same semantics as the SQLite backend.
//!
//! SQLite is loaded row by row with cached statements because a statement there costs a function call; here
//! every statement is a network round trip, so a batch is written table by table: each table's rows go to
//! the server as arrays in one `INSERT ... SELECT FROM UNNEST(...)`, about ten round trips per batch whatever
//! its size. A multi-row upsert may not touch the same row twice, so records that occur more than once in a
//! batch are first merged here exactly as SQLite's row-by-row upserts would merge them, which keeps the two
//! backends' content identical (the store suite checks it).

use crate::batch::AccountSighting;
use crate::cases::{CASE_FROM, case_columns};
use crate::migrations::{MIGRATIONS, latest};
use crate::query::{SNAPSHOT_SQL, parse_position, parse_ref_kind};
use crate::rows::account_of;
use crate::rows::{DECISION_COLUMNS, RawDecision, case_of, decision_of, raw_case};
use crate::{
    AccountQuery, AccountView, Backend, Batch, Blobs, Count, PostQuery, PostView, Snapshot, Stats,
    Store, StoreError,
};
use postgres::{Client, GenericClient, NoTls, Row, Transaction};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use vigie_model::{
    Account, Attachment, Format, ImportCounts, ImportStatus, ImportSummary, MediaKind, Platform,
    Post, PostRef, QuarantinedRecord, Source, Timestamp,
};

mod banks;
mod cases;
mod review;
mod tx;

pub(crate) use tx::Pg;

/// The advisory lock key that serializes migrations between processes ("VIGIE" and the digit 1).
const MIGRATION_LOCK: i64 = 0x5649_4749_4531;

/// A store in a PostgreSQL database.
pub(crate) struct PostgresStore {
    pub(crate) client: Client,
    blobs: Blobs,
    /// Statements prepared on this connection, by their SQL: a cached statement skips a parse round trip.
    pub(crate) stmts: Stmts,
}

/// Prepared statements of one connection, by SQL.
#[derive(Default)]
pub(crate) struct Stmts(HashMap<String, postgres::Statement>);

impl Stmts {
    /// The statement for `sql`, prepared on `client` the first time.
    pub(crate) fn get(
        &mut self,
        client: &mut Client,
        sql: &str,
    ) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        if self.0.len() >= 256 {
            self.0.clear();
        }
        let s = client.prepare(sql)?;
        self.0.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

impl PostgresStore {
    /// Connects to the server named by `url` and brings its schema up to date.
    pub(crate) fn open(url: &str, blobs: Blobs) -> Result<PostgresStore, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        migrate(&mut client)?;
        Ok(PostgresStore {
            client,
            blobs,
            stmts: Stmts::default(),
        })
    }

    /// Runs `f` in a transaction, committed when it returns `Ok` and rolled back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&mut Pg<'_, '_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = self.client.transaction()?;
        let out = f(&mut Pg { tx: &mut tx })?;
        tx.commit()?;
        Ok(out)
    }
}

/// Applies pending migrations, each in its own transaction. Every transaction first takes a transaction-level
/// advisory lock, so two processes opening a fresh database at once apply each migration exactly once: the
/// second waits, then sees the first one's version.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    loop {
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .try_get(0)?;
        if current > latest() {
            return Err(StoreError::TooNew {
                found: current,
                supported: latest(),
            });
        }
        let Some(m) = MIGRATIONS.iter().find(|m| m.version > current) else {
            tx.commit()?;
            return Ok(());
        };
        tx.batch_execute(m.postgres)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[&m.version, &Timestamp::now().0],
        )?;
        tx.commit()?;
    }
}

fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

/// A count or size for a BIGINT column.
fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n)
        .map_err(|_| StoreError::Corrupt(format!("{what} {n} does not fit in a BIGINT column")))
}

/// A count read back from a BIGINT column, which this crate only ever writes non-negative.
fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} is {n}, expected a count")))
}

/// A pixel dimension read back from a BIGINT column.
fn to_u32(n: Option<i64>, what: &str) -> Result<Option<u32>, StoreError> {
    n.map(|n| {
        u32::try_from(n)
            .map_err(|_| StoreError::Corrupt(format!("{what} is {n}, expected a pixel count")))
    })
    .transpose()
}

/// A limit for `LIMIT $n`, which PostgreSQL refuses when negative.
fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

type Key<'a> = (&'a str, &'a str);

/// Whether sighting `s` replaces `cur` as an account's current state: the `WHERE` rule of the accounts upsert
/// (a profile beats an id-only record, then the newest `last_seen`, then the larger fingerprint).
fn replaces(s: &AccountSighting, cur: &AccountSighting) -> bool {
    let Some(fp) = s.fingerprint else {
        return false;
    };
    match cur.fingerprint {
        None => true,
        Some(cur_fp) => {
            (s.last_seen.map_or(-1, |t| t.0), fp) > (cur.last_seen.map_or(-1, |t| t.0), cur_fp)
        }
    }
}

/// One observation to upsert: the first sighting of a state in the batch, with its times widened by the
/// later sightings of the same state.
struct Observation<'a> {
    sighting: &'a AccountSighting,
    fingerprint: i64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Rows of `(id, platform, platform_id)` as a map from the natural key to the row id.
fn id_map(rows: &[Row]) -> Result<HashMap<Key<'_>, i64>, StoreError> {
    let mut ids = HashMap::with_capacity(rows.len());
    for r in rows {
        ids.insert((r.try_get(1)?, r.try_get(2)?), r.try_get(0)?);
    }
    Ok(ids)
}

/// Writes the batch's accounts and observations; returns `(id, platform, platform_id)` of every account in
/// the batch.
fn write_accounts(
    tx: &mut Transaction<'_>,
    import_id: i64,
    sightings: &[AccountSighting],
) -> Result<Vec<Row>, StoreError> {
    if sightings.is_empty() {
        return Ok(Vec::new());
    }
    // Row by row, the first sighting of an account inserts it and each later one replaces it when
    // `replaces` says so: the result is the first sighting folded with `replaces`, upserted once.
    let mut current: HashMap<Key<'_>, usize> = HashMap::with_capacity(sightings.len());
    let mut order: Vec<usize> = Vec::with_capacity(sightings.len());
    let mut observations: Vec<Observation<'_>> = Vec::new();
    let mut observation_index: HashMap<(Key<'_>, i64), usize> = HashMap::new();
    for (i, s) in sightings.iter().enumerate() {
        let a = &s.account;
        let key = (a.platform.as_str(), a.platform_id.as_str());
        match current.entry(key) {
            Entry::Vacant(e) => {
                e.insert(i);
                order.push(i);
            }
            Entry::Occupied(mut e) => {
                if replaces(s, &sightings[*e.get()]) {
                    e.insert(i);
                }
            }
        }
        if let Some(fp) = s.fingerprint {
            let (first, last) = (ts(s.first_seen), ts(s.last_seen));
            match observation_index.entry((key, fp)) {
                Entry::Vacant(e) => {
                    e.insert(observations.len());
                    observations.push(Observation {
                        sighting: s,
                        fingerprint: fp,
                        first_seen: first,
                        last_seen: last,
                    });
                }
                Entry::Occupied(e) => {
                    let o = &mut observations[*e.get()];
                    o.first_seen = min_opt(o.first_seen, first);
                    o.last_seen = max_opt(o.last_seen, last);
                }
            }
        }
    }
    let winners: Vec<&AccountSighting> = order
        .iter()
        .filter_map(|i| current.get(&key_of(&sightings[*i])))
        .map(|&i| &sightings[i])
        .collect();

    let accounts: Vec<&Account> = winners.iter().map(|s| &s.account).collect();
    let platforms: Vec<&str> = accounts.iter().map(|a| a.platform.as_str()).collect();
    let ids: Vec<&str> = accounts.iter().map(|a| a.platform_id.as_str()).collect();
    let handles: Vec<Option<&str>> = accounts.iter().map(|a| a.handle.as_deref()).collect();
    let names: Vec<Option<&str>> = accounts.iter().map(|a| a.display_name.as_deref()).collect();
    let bios: Vec<Option<&str>> = accounts.iter().map(|a| a.bio.as_deref()).collect();
    let avatars: Vec<Option<&str>> = accounts.iter().map(|a| a.avatar_url.as_deref()).collect();
    let created: Vec<Option<i64>> = accounts.iter().map(|a| ts(a.created_at)).collect();
    let followers: Vec<Option<i64>> = accounts.iter().map(|a| a.followers).collect();
    let following: Vec<Option<i64>> = accounts.iter().map(|a| a.following).collect();
    let post_counts: Vec<Option<i64>> = accounts.iter().map(|a| a.post_count).collect();
    let fps: Vec<Option<i64>> = winners.iter().map(|s| s.fingerprint).collect();
    let last_seen: Vec<Option<i64>> = winners.iter().map(|s| ts(s.last_seen)).collect();
    tx.execute(
        "INSERT INTO accounts (platform, platform_id, handle, display_name, bio, avatar_url, created_at, followers, \
         following, post_count, state_fp, last_seen, first_import) \
         SELECT t.platform, t.platform_id, t.handle, t.display_name, t.bio, t.avatar_url, t.created_at, t.followers, \
         t.following, t.post_count, t.state_fp, t.last_seen, $13::int8 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[], \
         $9::int8[], $10::int8[], $11::int8[], $12::int8[]) WITH ORDINALITY AS t(platform, platform_id, handle, \
         display_name, bio, avatar_url, created_at, followers, following, post_count, state_fp, last_seen, ord) \
         ORDER BY t.ord \
         ON CONFLICT (platform, platform_id) DO UPDATE SET handle = excluded.handle, display_name = excluded.display_name, \
         bio = excluded.bio, avatar_url = excluded.avatar_url, created_at = excluded.created_at, \
         followers = excluded.followers, following = excluded.following, post_count = excluded.post_count, \
         state_fp = excluded.state_fp, last_seen = excluded.last_seen \
         WHERE excluded.state_fp IS NOT NULL AND (accounts.state_fp IS NULL \
           OR COALESCE(excluded.last_seen, -1) > COALESCE(accounts.last_seen, -1) \
           OR (COALESCE(excluded.last_seen, -1) = COALESCE(accounts.last_seen, -1) AND excluded.state_fp > accounts.state_fp))",
        &[
            &platforms,
            &ids,
            &handles,
            &names,
            &bios,
            &avatars,
            &created,
            &followers,
            &following,
            &post_counts,
            &fps,
            &last_seen,
            &import_id,
        ],
    )?;
    // The upsert returns only the rows it changed; the ids of all of them come from a lookup.
    let rows = tx.query(
        "SELECT a.id, a.platform, a.platform_id FROM accounts a \
         JOIN UNNEST($1::text[], $2::text[]) AS k(platform, platform_id) \
         ON a.platform = k.platform AND a.platform_id = k.platform_id",
        &[&platforms, &ids],
    )?;

    if !observations.is_empty() {
        let map = id_map(&rows)?;
        let mut account_ids = Vec::with_capacity(observations.len());
        for o in &observations {
            let key = key_of(o.sighting);
            let id = map.get(&key).copied().ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "account {}/{} vanished while being written",
                    key.0, key.1
                ))
            })?;
            account_ids.push(id);
        }
        let accounts: Vec<&Account> = observations.iter().map(|o| &o.sighting.account).collect();
        let fps: Vec<i64> = observations.iter().map(|o| o.fingerprint).collect();
        let handles: Vec<Option<&str>> = accounts.iter().map(|a| a.handle.as_deref()).collect();
        let names: Vec<Option<&str>> = accounts.iter().map(|a| a.display_name.as_deref()).collect();
        let bios: Vec<Option<&str>> = accounts.iter().map(|a| a.bio.as_deref()).collect();
        let avatars: Vec<Option<&str>> = accounts.iter().map(|a| a.avatar_url.as_deref()).collect();
        let created: Vec<Option<i64>> = accounts.iter().map(|a| ts(a.created_at)).collect();
        let followers: Vec<Option<i64>> = accounts.iter().map(|a| a.followers).collect();
        let following: Vec<Option<i64>> = accounts.iter().map(|a| a.following).collect();
        let post_counts: Vec<Option<i64>> = accounts.iter().map(|a| a.post_count).collect();
        let first_seen: Vec<Option<i64>> = observations.iter().map(|o| o.first_seen).collect();
        let last_seen: Vec<Option<i64>> = observations.iter().map(|o| o.last_seen).collect();
        tx.execute(
            "INSERT INTO account_observations (account_id, fingerprint, handle, display_name, bio, avatar_url, created_at, \
             followers, following, post_count, first_seen, last_seen) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], \
             $8::int8[], $9::int8[], $10::int8[], $11::int8[], $12::int8[]) \
             ON CONFLICT (account_id, fingerprint) DO UPDATE SET \
             first_seen = LEAST(account_observations.first_seen, excluded.first_seen), \
             last_seen = GREATEST(account_observations.last_seen, excluded.last_seen)",
            &[
                &account_ids,
                &fps,
                &handles,
                &names,
                &bios,
                &avatars,
                &created,
                &followers,
                &following,
                &post_counts,
                &first_seen,
                &last_seen,
            ],
        )?;
    }

    Ok(rows)
}

fn key_of(s: &AccountSighting) -> Key<'_> {
    (s.account.platform.as_str(), s.account.platform_id.as_str())
}

fn write_media(tx: &mut Transaction<'_>, import_id: i64, batch: &Batch) -> Result<(), StoreError> {
    if batch.media.is_empty() {
        return Ok(());
    }
    // One row per digest: `ON CONFLICT DO UPDATE` may not touch a row twice in one statement. The first
    // sighting gives the row; a later one in the batch may only add the perceptual hash it lacked.
    let mut media: Vec<vigie_model::Media> = Vec::with_capacity(batch.media.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(batch.media.len());
    for m in &batch.media {
        match seen.get(m.media.sha256.as_str()) {
            Some(&i) => {
                if media[i].pdq.is_none() && m.media.pdq.is_some() {
                    media[i].pdq = m.media.pdq.clone();
                    media[i].pdq_quality = m.media.pdq_quality;
                }
            }
            None => {
                seen.insert(m.media.sha256.as_str(), media.len());
                media.push(m.media.clone());
            }
        }
    }
    let sha: Vec<&str> = media.iter().map(|m| m.sha256.as_str()).collect();
    let md5: Vec<&str> = media.iter().map(|m| m.md5.as_str()).collect();
    let mime: Vec<&str> = media.iter().map(|m| m.mime.as_str()).collect();
    let sizes = media
        .iter()
        .map(|m| to_i64(m.byte_size, "media size"))
        .collect::<Result<Vec<i64>, _>>()?;
    let widths: Vec<Option<i64>> = media.iter().map(|m| m.width.map(i64::from)).collect();
    let heights: Vec<Option<i64>> = media.iter().map(|m| m.height.map(i64::from)).collect();
    let pdq: Vec<Option<&str>> = media.iter().map(|m| m.pdq.as_deref()).collect();
    let quality: Vec<Option<i32>> = media.iter().map(|m| m.pdq_quality.map(i32::from)).collect();
    tx.execute(
        "INSERT INTO media (sha256, md5, mime, byte_size, width, height, first_import, pdq, pdq_quality) \
         SELECT t.sha256, t.md5, t.mime, t.byte_size, t.width, t.height, $7::int8, t.pdq, t.pdq_quality \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $8::text[], $9::int4[]) \
         AS t(sha256, md5, mime, byte_size, width, height, pdq, pdq_quality) \
         ON CONFLICT (sha256) DO UPDATE SET pdq = COALESCE(media.pdq, excluded.pdq), \
         pdq_quality = COALESCE(media.pdq_quality, excluded.pdq_quality)",
        &[&sha, &md5, &mime, &sizes, &widths, &heights, &import_id, &pdq, &quality],
    )?;
    let (source_sha, source_path): (Vec<&str>, Vec<&str>) = batch
        .media
        .iter()
        .filter_map(|m| {
            m.source_path
                .as_deref()
                .map(|p| (m.media.sha256.as_str(), p))
        })
        .unzip();
    if !source_sha.is_empty() {
        tx.execute(
            "INSERT INTO media_sources (sha256, path) SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            &[&source_sha, &source_path],
        )?;
    }
    Ok(())
}

/// A post as the row-by-row upserts would leave it after every occurrence of it in one batch: the first
/// occurrence's identity and source, its fields filled in from later ones (`COALESCE`), and its child rows
/// the first occurrence's at each position (`ON CONFLICT DO NOTHING`), attachments gaining a later SHA-256.
struct MergedPost<'a> {
    first: &'a Post,
    author: Option<i64>,
    text: Option<&'a str>,
    lang: Option<&'a str>,
    created_at: Option<i64>,
    refs: Vec<&'a PostRef>,
    hashtags: Vec<&'a str>,
    urls: Vec<&'a str>,
    mentions: Vec<&'a str>,
    attachments: Vec<(&'a Attachment, Option<&'a str>)>,
}

impl<'a> MergedPost<'a> {
    fn new(p: &'a Post, author: Option<i64>) -> Self {
        MergedPost {
            first: p,
            author,
            text: p.text.as_deref(),
            lang: p.lang.as_deref(),
            created_at: ts(p.created_at),
            refs: p.references.iter().collect(),
            hashtags: p.hashtags.iter().map(String::as_str).collect(),
            urls: p.urls.iter().map(String::as_str).collect(),
            mentions: p.mentions.iter().map(String::as_str).collect(),
            attachments: p
                .attachments
                .iter()
                .map(|a| (a, a.sha256.as_deref()))
                .collect(),
        }
    }

    fn merge(&mut self, p: &'a Post, author: Option<i64>) {
        self.author = self.author.or(author);
        self.text = self.text.or(p.text.as_deref());
        self.lang = self.lang.or(p.lang.as_deref());
        self.created_at = self.created_at.or(ts(p.created_at));
        extend_from(&mut self.refs, p.references.iter());
        extend_from(&mut self.hashtags, p.hashtags.iter().map(String::as_str));
        extend_from(&mut self.urls, p.urls.iter().map(String::as_str));
        extend_from(&mut self.mentions, p.mentions.iter().map(String::as_str));
        for (i, a) in p.attachments.iter().enumerate() {
            match self.attachments.get_mut(i) {
                Some((_, sha)) => *sha = sha.or(a.sha256.as_deref()),
                None => self.attachments.push((a, a.sha256.as_deref())),
            }
        }
    }
}

/// Appends the items of `later` at positions `have` does not have yet.
fn extend_from<T>(have: &mut Vec<T>, later: impl Iterator<Item = T>) {
    let n = have.len();
    have.extend(later.skip(n));
}

/// Positions of child rows: an index in a list, stored as BIGINT.
fn positions<T>(items: &[T]) -> impl Iterator<Item = i64> + '_ {
    (0i64..).zip(items).map(|(i, _)| i)
}

fn write_posts(
    tx: &mut Transaction<'_>,
    import_id: i64,
    posts: &[Post],
    account_ids: &HashMap<Key<'_>, i64>,
) -> Result<(), StoreError> {
    if posts.is_empty() {
        return Ok(());
    }
    let mut merged: Vec<MergedPost<'_>> = Vec::with_capacity(posts.len());
    let mut index: HashMap<Key<'_>, usize> = HashMap::with_capacity(posts.len());
    for p in posts {
        let author = p
            .account_id
            .as_deref()
            .and_then(|a| account_ids.get(&(p.platform.as_str(), a)))
            .copied();
        match index.entry((p.platform.as_str(), p.platform_id.as_str())) {
            Entry::Vacant(e) => {
                e.insert(merged.len());
                merged.push(MergedPost::new(p, author));
            }
            Entry::Occupied(e) => merged[*e.get()].merge(p, author),
        }
    }

    let platforms: Vec<&str> = merged.iter().map(|m| m.first.platform.as_str()).collect();
    let ids: Vec<&str> = merged
        .iter()
        .map(|m| m.first.platform_id.as_str())
        .collect();
    let authors: Vec<Option<i64>> = merged.iter().map(|m| m.author).collect();
    let texts: Vec<Option<&str>> = merged.iter().map(|m| m.text).collect();
    let langs: Vec<Option<&str>> = merged.iter().map(|m| m.lang).collect();
    let created: Vec<Option<i64>> = merged.iter().map(|m| m.created_at).collect();
    let files: Vec<Option<&str>> = merged
        .iter()
        .map(|m| m.first.source.as_ref().map(|s| s.file.as_str()))
        .collect();
    let positions_text: Vec<Option<String>> = merged
        .iter()
        .map(|m| m.first.source.as_ref().map(|s| s.position.text()))
        .collect();
    let rows = tx.query(
        "INSERT INTO posts (platform, platform_id, account_id, text, lang, created_at, source_file, source_position, \
         first_import) \
         SELECT t.platform, t.platform_id, t.account_id, t.text, t.lang, t.created_at, t.source_file, t.source_position, \
         $9::int8 FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::int8[], $7::text[], \
         $8::text[]) WITH ORDINALITY AS t(platform, platform_id, account_id, text, lang, created_at, source_file, \
         source_position, ord) ORDER BY t.ord \
         ON CONFLICT (platform, platform_id) DO UPDATE SET \
         account_id = COALESCE(posts.account_id, excluded.account_id), text = COALESCE(posts.text, excluded.text), \
         lang = COALESCE(posts.lang, excluded.lang), created_at = COALESCE(posts.created_at, excluded.created_at) \
         RETURNING id, platform, platform_id",
        &[&platforms, &ids, &authors, &texts, &langs, &created, &files, &positions_text, &import_id],
    )?;
    let post_ids = id_map(&rows)?;

    // Child rows, one array per column, each row keyed by (post row id, position).
    let mut refs = ChildRows::default();
    let (mut ref_kind, mut ref_post, mut ref_account) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tags, mut tag) = (ChildRows::default(), Vec::new());
    let (mut urls, mut url) = (ChildRows::default(), Vec::new());
    let (mut mentions, mut mention) = (ChildRows::default(), Vec::new());
    let mut media = ChildRows::default();
    let (mut m_kind, mut m_key, mut m_url, mut m_path, mut m_width, mut m_height, mut m_sha) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for m in &merged {
        let key = (m.first.platform.as_str(), m.first.platform_id.as_str());
        let id = post_ids.get(&key).copied().ok_or_else(|| {
            StoreError::Corrupt(format!(
                "post {}/{} was not returned by its upsert",
                key.0, key.1
            ))
        })?;
        for (pos, r) in positions(&m.refs).zip(&m.refs) {
            refs.push(id, pos);
            ref_kind.push(r.kind.as_str());
            ref_post.push(r.target_post_id.as_deref());
            ref_account.push(r.target_account.as_deref());
        }
        for (pos, t) in positions(&m.hashtags).zip(&m.hashtags) {
            tags.push(id, pos);
            tag.push(*t);
        }
        for (pos, u) in positions(&m.urls).zip(&m.urls) {
            urls.push(id, pos);
            url.push(*u);
        }
        for (pos, h) in positions(&m.mentions).zip(&m.mentions) {
            mentions.push(id, pos);
            mention.push(*h);
        }
        for (pos, (a, sha)) in positions(&m.attachments).zip(&m.attachments) {
            media.push(id, pos);
            m_kind.push(a.kind.as_str());
            m_key.push(a.media_key.as_deref());
            m_url.push(a.url.as_deref());
            m_path.push(a.source_path.as_deref());
            m_width.push(a.width.map(i64::from));
            m_height.push(a.height.map(i64::from));
            m_sha.push(*sha);
        }
    }
    if !refs.is_empty() {
        tx.execute(
            "INSERT INTO post_refs (post_id, position, kind, target_post_id, target_account) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING",
            &[&refs.post_ids, &refs.positions, &ref_kind, &ref_post, &ref_account],
        )?;
    }
    for (rows, values, sql) in [
        (
            &tags,
            &tag,
            "INSERT INTO post_hashtags (post_id, position, tag) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[]) ON CONFLICT DO NOTHING",
        ),
        (
            &urls,
            &url,
            "INSERT INTO post_urls (post_id, position, url) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[]) ON CONFLICT DO NOTHING",
        ),
        (
            &mentions,
            &mention,
            "INSERT INTO post_mentions (post_id, position, handle) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[]) ON CONFLICT DO NOTHING",
        ),
    ] {
        if !rows.is_empty() {
            tx.execute(sql, &[&rows.post_ids, &rows.positions, values])?;
        }
    }
    if !media.is_empty() {
        tx.execute(
            "INSERT INTO post_media (post_id, position, kind, media_key, url, source_path, width, height, sha256) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], \
             $8::int8[], $9::text[]) \
             ON CONFLICT (post_id, position) DO UPDATE SET sha256 = COALESCE(post_media.sha256, excluded.sha256)",
            &[
                &media.post_ids,
                &media.positions,
                &m_kind,
                &m_key,
                &m_url,
                &m_path,
                &m_width,
                &m_height,
                &m_sha,
            ],
        )?;
    }
    Ok(())
}

/// The key columns of a child table's rows.
#[derive(Default)]
struct ChildRows {
    post_ids: Vec<i64>,
    positions: Vec<i64>,
}

impl ChildRows {
    fn push(&mut self, post_id: i64, position: i64) {
        self.post_ids.push(post_id);
        self.positions.push(position);
    }

    fn is_empty(&self) -> bool {
        self.post_ids.is_empty()
    }
}

fn write_quarantine(
    tx: &mut Transaction<'_>,
    import_id: i64,
    records: &[QuarantinedRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let files: Vec<&str> = records.iter().map(|r| r.file.as_str()).collect();
    let positions: Vec<String> = records.iter().map(|r| r.position.to_string()).collect();
    let reasons: Vec<&str> = records.iter().map(|r| r.reason.as_str()).collect();
    let raws: Vec<&[u8]> = records.iter().map(|r| r.raw.as_slice()).collect();
    // Row ids follow the batch's order, as in SQLite: `quarantined()` lists records in the order stored.
    tx.execute(
        "INSERT INTO quarantine (file, position, reason, raw, import_id) \
         SELECT t.file, t.position, t.reason, t.raw, $5::int8 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bytea[]) WITH ORDINALITY AS t(file, position, reason, raw, ord) \
         ORDER BY t.ord ON CONFLICT DO NOTHING",
        &[&files, &positions, &reasons, &raws, &import_id],
    )?;
    Ok(())
}

fn counts(c: &mut impl GenericClient, sql: &str) -> Result<Vec<Count>, StoreError> {
    c.query(sql, &[])?
        .iter()
        .map(|r| {
            Ok(Count {
                key: r.try_get(0)?,
                count: r.try_get(1)?,
            })
        })
        .collect()
}

fn one(c: &mut impl GenericClient, sql: &str) -> Result<i64, StoreError> {
    Ok(c.query_one(sql, &[])?.try_get(0)?)
}

impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        let v: Option<i64> = self
            .client
            .query_one("SELECT MAX(version) FROM schema_migrations", &[])?
            .try_get(0)?;
        Ok(v.unwrap_or(0))
    }

    fn begin_import(&mut self, path: &str, format: Format) -> Result<i64, StoreError> {
        let row = self.client.query_one(
            "INSERT INTO imports (path, format, started_at, status) VALUES ($1, $2, $3, 'running') RETURNING id",
            &[&path, &format.as_str(), &Timestamp::now().0],
        )?;
        Ok(row.try_get(0)?)
    }

    fn write_batch(
        &mut self,
        import_id: i64,
        batch: &Batch,
        c: &ImportCounts,
    ) -> Result<(), StoreError> {
        let counts = [
            to_i64(c.accounts, "account count")?,
            to_i64(c.posts, "post count")?,
            to_i64(c.media, "media count")?,
            to_i64(c.quarantined, "quarantine count")?,
        ];
        let mut tx = self.client.transaction()?;
        let account_rows = write_accounts(&mut tx, import_id, &batch.accounts)?;
        let account_ids = id_map(&account_rows)?;
        write_media(&mut tx, import_id, batch)?;
        write_posts(&mut tx, import_id, &batch.posts, &account_ids)?;
        write_quarantine(&mut tx, import_id, &batch.quarantine)?;
        tx.execute(
            "UPDATE imports SET accounts = $2, posts = $3, media = $4, quarantined = $5 WHERE id = $1",
            &[&import_id, &counts[0], &counts[1], &counts[2], &counts[3]],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn finish_import(
        &mut self,
        import_id: i64,
        status: ImportStatus,
        c: &ImportCounts,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let counts = [
            to_i64(c.accounts, "account count")?,
            to_i64(c.posts, "post count")?,
            to_i64(c.media, "media count")?,
            to_i64(c.quarantined, "quarantine count")?,
        ];
        self.client.execute(
            "UPDATE imports SET finished_at = $2, status = $3, accounts = $4, posts = $5, media = $6, quarantined = $7, \
             error = $8 WHERE id = $1",
            &[&import_id, &Timestamp::now().0, &status.as_str(), &counts[0], &counts[1], &counts[2], &counts[3], &error],
        )?;
        Ok(())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        // One snapshot for all the totals, as SQLite's single connection gives. Text keys sort bytewise
        // (`COLLATE "C"`), as SQLite's BINARY collation does, whatever the database's locale.
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let c = &mut tx;
        let stats = Stats {
            accounts: one(c, "SELECT COUNT(*) FROM accounts")?,
            observations: one(c, "SELECT COUNT(*) FROM account_observations")?,
            posts: one(c, "SELECT COUNT(*) FROM posts")?,
            attachments: one(c, "SELECT COUNT(*) FROM post_media")?,
            media: one(c, "SELECT COUNT(*) FROM media")?,
            media_bytes: one(
                c,
                "SELECT CAST(COALESCE(SUM(byte_size), 0) AS BIGINT) FROM media",
            )?,
            quarantined: one(c, "SELECT COUNT(*) FROM quarantine")?,
            imports: one(c, "SELECT COUNT(*) FROM imports")?,
            posts_per_platform: counts(
                c,
                "SELECT platform, COUNT(*) AS n FROM posts GROUP BY platform ORDER BY n DESC, platform COLLATE \"C\"",
            )?,
            accounts_per_platform: counts(
                c,
                "SELECT platform, COUNT(*) AS n FROM accounts GROUP BY platform ORDER BY n DESC, platform COLLATE \"C\"",
            )?,
            posts_per_language: counts(
                c,
                "SELECT l, n FROM (SELECT COALESCE(lang, 'unknown') AS l, COUNT(*) AS n FROM posts GROUP BY 1) t \
                 ORDER BY n DESC, l COLLATE \"C\"",
            )?,
        };
        tx.commit()?;
        Ok(stats)
    }

    fn accounts(&mut self, q: &AccountQuery) -> Result<Vec<AccountView>, StoreError> {
        let search = q
            .search
            .as_ref()
            .map(|s| format!("%{}%", s.trim_start_matches('@').to_ascii_lowercase()));
        // SQLite's `lower()` folds ASCII letters only; `lower(x COLLATE "C")` does the same here, whatever the
        // database's locale. `ESCAPE ''` makes `\` an ordinary character, as in SQLite's LIKE.
        let rows = self.client.query(
            "SELECT a.platform, a.platform_id, a.handle, a.display_name, a.bio, a.avatar_url, a.created_at, a.followers, \
             a.following, a.post_count, a.last_seen, \
             (SELECT COUNT(*) FROM posts p WHERE p.account_id = a.id), \
             (SELECT COUNT(*) FROM account_observations o WHERE o.account_id = a.id) \
             FROM accounts a WHERE ($1::text IS NULL OR a.platform = $1) \
             AND ($2::text IS NULL OR lower(COALESCE(a.handle, '') COLLATE \"C\") LIKE $2 ESCAPE '' \
                  OR lower(a.platform_id COLLATE \"C\") LIKE $2 ESCAPE '' \
                  OR lower(COALESCE(a.display_name, '') COLLATE \"C\") LIKE $2 ESCAPE '') \
             ORDER BY 12 DESC, a.platform COLLATE \"C\", a.platform_id COLLATE \"C\" LIMIT $3",
            &[&q.platform, &search, &limit(q.limit)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(AccountView {
                    account: account_of(r)?,
                    posts: r.try_get(11)?,
                    observations: r.try_get(12)?,
                })
            })
            .collect()
    }

    fn observations(
        &mut self,
        platform: &str,
        platform_id: &str,
    ) -> Result<Vec<Account>, StoreError> {
        // SQLite sorts NULL first in ascending order; PostgreSQL must be told.
        let rows = self.client.query(
            "SELECT a.platform, a.platform_id, o.handle, o.display_name, o.bio, o.avatar_url, o.created_at, o.followers, \
             o.following, o.post_count, o.first_seen FROM account_observations o JOIN accounts a ON a.id = o.account_id \
             WHERE a.platform = $1 AND a.platform_id = $2 ORDER BY o.first_seen NULLS FIRST, o.fingerprint",
            &[&platform, &platform_id],
        )?;
        rows.iter().map(|r| Ok(account_of(r)?)).collect()
    }

    fn posts(&mut self, q: &PostQuery) -> Result<Vec<PostView>, StoreError> {
        let account = q
            .account
            .as_ref()
            .map(|a| a.trim_start_matches('@').to_ascii_lowercase());
        // SQLite sorts NULL last in descending order, and its `lower()` folds ASCII only: PostgreSQL must be
        // told both.
        if let Some(id) = &q.post_id {
            let rows = read_posts(
                &mut self.client,
                &mut self.stmts,
                if q.platform.is_some() {
                    "WHERE p.platform = $2 AND p.platform_id = $1 ORDER BY p.id DESC LIMIT $3"
                } else {
                    "WHERE p.platform_id = $1 AND $2::text IS NULL ORDER BY p.created_at DESC NULLS LAST, p.id DESC LIMIT $3"
                },
                &[id, &q.platform, &limit(q.limit)],
            )?;
            return Ok(rows.into_iter().map(|r| r.view).collect());
        }
        let rows = read_posts(
            &mut self.client,
            &mut self.stmts,
            "WHERE ($1::text IS NULL OR lower(a.handle COLLATE \"C\") = $1 OR lower(a.platform_id COLLATE \"C\") = $1) \
             AND ($2::text IS NULL OR p.platform = $2) \
             ORDER BY p.created_at DESC NULLS LAST, p.id DESC LIMIT $3",
            &[&account, &q.platform, &limit(q.limit)],
        )?;
        Ok(rows.into_iter().map(|r| r.view).collect())
    }

    fn case_view(&mut self, id: i64) -> Result<Option<crate::CaseView>, StoreError> {
        // One statement: the case, its decisions as a JSON aggregate (their `u` is the deciding user, inside
        // the subquery), and its post with the post's own author (`pa`), as `posts` reads them.
        let stmt = self.stmts.get(
            &mut self.client,
            &format!(
                "SELECT {}, (SELECT json_agg(json_build_array({DECISION_COLUMNS}) ORDER BY d.id) \
                 FROM decisions d LEFT JOIN users u ON u.id = d.user_id WHERE d.case_id = c.id)::text, {} \
                 {CASE_FROM} LEFT JOIN accounts pa ON pa.id = p.account_id WHERE c.id = $1",
                case_columns(false),
                post_columns("pa"),
            ),
        )?;
        let Some(r) = self.client.query_opt(&stmt, &[&id])? else {
            return Ok(None);
        };
        let case = case_of(raw_case(&r)?)?;
        let decisions = child_rows::<RawDecision>(r.try_get(17)?, id, "decisions")?
            .into_iter()
            .map(decision_of)
            .collect::<Result<Vec<_>, _>>()?;
        let post = match r.try_get::<_, Option<i64>>(18)? {
            Some(_) => Some(post_of(&r, 18)?.2),
            None => None,
        };
        Ok(Some(crate::CaseView {
            case,
            decisions,
            post,
        }))
    }

    fn quarantined(&mut self, limit_: usize) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let rows = self.client.query(
            "SELECT file, position, reason, raw FROM quarantine ORDER BY id LIMIT $1",
            &[&limit(limit_)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(QuarantinedRecord {
                    file: r.try_get(0)?,
                    position: parse_position(r.try_get(1)?),
                    reason: r.try_get(2)?,
                    raw: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn imports(&mut self, limit_: usize) -> Result<Vec<ImportSummary>, StoreError> {
        let rows = self.client.query(
            "SELECT id, path, format, started_at, finished_at, status, accounts, posts, media, quarantined, error \
             FROM imports ORDER BY id DESC LIMIT $1",
            &[&limit(limit_)],
        )?;
        rows.iter()
            .map(|r| {
                Ok(ImportSummary {
                    id: r.try_get(0)?,
                    path: r.try_get(1)?,
                    format: Format::parse(r.try_get(2)?).unwrap_or(Format::Jsonl),
                    started_at: Timestamp(r.try_get(3)?),
                    finished_at: r.try_get::<_, Option<i64>>(4)?.map(Timestamp),
                    status: ImportStatus::parse(r.try_get(5)?),
                    counts: ImportCounts {
                        accounts: to_u64(r.try_get(6)?, "imports.accounts")?,
                        posts: to_u64(r.try_get(7)?, "imports.posts")?,
                        media: to_u64(r.try_get(8)?, "imports.media")?,
                        quarantined: to_u64(r.try_get(9)?, "imports.quarantined")?,
                    },
                    error: r.try_get(10)?,
                })
            })
            .collect()
    }

    fn check(&mut self) -> Result<Vec<String>, StoreError> {
        // PostgreSQL enforces the declared foreign keys on every write and checks its own pages; a query
        // confirms the database answers.
        self.client.query_one("SELECT 1", &[])?;
        Ok(Vec::new())
    }

    fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let mut tx = self.client.build_transaction().read_only(true).start()?;
        let mut snapshot = Snapshot::default();
        for (table, sql) in SNAPSHOT_SQL {
            // Sorted here rather than in SQL, so the order is bytewise on both backends.
            let mut rows = tx
                .query(*sql, &[])?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<Result<Vec<String>, _>>()?;
            rows.sort();
            snapshot.tables.push(((*table).to_owned(), rows));
        }
        tx.commit()?;
        Ok(snapshot)
    }

    fn blobs(&self) -> &Blobs {
        &self.blobs
    }
}

/// A post's references, as `json_agg` writes them: kind, target post, target account.
type RefRow = (String, Option<String>, Option<String>);
/// A post's attachments, as `json_agg` writes them: kind, media key, URL, source path, width, height, SHA-256.
type MediaRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Parses a `json_agg` column (NULL when the post has no such rows).
fn child_rows<T: serde::de::DeserializeOwned>(
    json: Option<&str>,
    post: i64,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    match json {
        None => Ok(Vec::new()),
        Some(j) => serde_json::from_str(j)
            .map_err(|e| StoreError::Corrupt(format!("post row {post}: {what}: {e}"))),
    }
}

/// The columns [`post_of`] reads: a post of `posts p`, its author from the accounts row aliased `account`, and
/// its children (arrays and JSON aggregates of its child rows, through their primary keys).
fn post_columns(account: &str) -> String {
    format!(
        "p.id, p.platform, p.platform_id, {account}.platform_id, p.text, p.lang, p.created_at, p.source_file, \
         p.source_position, {account}.handle, {account}.display_name, p.account_id, \
         ARRAY(SELECT ph.tag FROM post_hashtags ph WHERE ph.post_id = p.id ORDER BY ph.position), \
         ARRAY(SELECT pu.url FROM post_urls pu WHERE pu.post_id = p.id ORDER BY pu.position), \
         ARRAY(SELECT pm.handle FROM post_mentions pm WHERE pm.post_id = p.id ORDER BY pm.position), \
         (SELECT json_agg(json_build_array(pr.kind, pr.target_post_id, pr.target_account) ORDER BY pr.position) \
          FROM post_refs pr WHERE pr.post_id = p.id)::text, \
         (SELECT json_agg(json_build_array(pd.kind, pd.media_key, pd.url, pd.source_path, pd.width, pd.height, \
          pd.sha256) ORDER BY pd.position) FROM post_media pd WHERE pd.post_id = p.id)::text"
    )
}

/// Reads the [`post_columns`] that start at column `at`: the post's row id, its account's row id, the view.
fn post_of(r: &Row, at: usize) -> Result<(i64, Option<i64>, PostView), StoreError> {
    let id = r.try_get::<_, i64>(at)?;
    let mut post = Post::with_id(
        Platform::new(r.try_get(at + 1)?),
        r.try_get::<_, String>(at + 2)?,
    );
    post.account_id = r.try_get(at + 3)?;
    post.text = r.try_get(at + 4)?;
    post.lang = r.try_get(at + 5)?;
    post.created_at = r.try_get::<_, Option<i64>>(at + 6)?.map(Timestamp);
    if let (Some(file), Some(pos)) = (
        r.try_get::<_, Option<String>>(at + 7)?,
        r.try_get::<_, Option<&str>>(at + 8)?,
    ) {
        post.source = Some(Source {
            file,
            position: parse_position(pos),
        });
    }
    post.hashtags = r.try_get(at + 12)?;
    post.urls = r.try_get(at + 13)?;
    post.mentions = r.try_get(at + 14)?;
    for (kind, target_post_id, target_account) in
        child_rows::<RefRow>(r.try_get(at + 15)?, id, "references")?
    {
        post.references.push(PostRef {
            kind: parse_ref_kind(&kind),
            target_post_id,
            target_account,
        });
    }
    for (kind, media_key, url, source_path, width, height, sha256) in
        child_rows::<MediaRow>(r.try_get(at + 16)?, id, "attachments")?
    {
        let mut a = Attachment::new(MediaKind::parse(&kind));
        a.media_key = media_key;
        a.url = url;
        a.source_path = source_path;
        a.width = to_u32(width, "post_media.width")?;
        a.height = to_u32(height, "post_media.height")?;
        a.sha256 = sha256;
        post.attachments.push(a);
    }
    let view = PostView {
        post,
        handle: r.try_get(at + 9)?,
        display_name: r.try_get(at + 10)?,
    };
    Ok((id, r.try_get(at + 11)?, view))
}

/// Reads posts with their author's handle, entities and attachments: the rows `filter` (a WHERE, ORDER BY and
/// LIMIT over `posts p LEFT JOIN accounts a`) selects. One statement brings each post with its children (as
/// arrays and JSON aggregates of its child rows, through their primary keys), so the read is consistent without
/// a transaction and costs one round trip: the case page reads one post per request.
pub(crate) fn read_posts(
    client: &mut Client,
    stmts: &mut Stmts,
    filter: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<crate::cases::PostRow>, StoreError> {
    let main = stmts.get(
        client,
        &format!(
            "SELECT {} FROM posts p LEFT JOIN accounts a ON a.id = p.account_id {filter}",
            post_columns("a")
        ),
    )?;
    let rows = client.query(&main, params)?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut accounts = Vec::with_capacity(rows.len());
    let mut views = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, account, view) = post_of(r, 0)?;
        ids.push(id);
        accounts.push(account);
        views.push(view);
    }
    Ok(ids
        .into_iter()
        .zip(accounts)
        .zip(views)
        .map(|((id, account), view)| crate::cases::PostRow { id, account, view })
        .collect())
}
