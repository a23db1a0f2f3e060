//! Writing import batches to SQLite: a cache of what this connection knows is stored (accounts, post shapes,
//! observation ranges), so that repeated sightings cost no SQL, and posts written with multi-row inserts.

use super::*;
pub(super) fn ts(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.0)
}

/// What this connection knows is already stored for an account, so that a repeated sighting costs no SQL.
#[derive(Debug, Clone, Copy)]
pub(super) struct KnownAccount {
    id: i64,
    state_fp: Option<i64>,
    last_seen: Option<i64>,
    /// `last_seen` moved later for the same shown state and is not yet written (see [`flush_observations`]).
    dirty: bool,
}

/// Write-side caches. They only skip statements that would change nothing; they are dropped whenever a
/// transaction fails, and cleared when they grow past [`CACHE_LIMIT`] entries, so memory stays bounded.
#[derive(Default)]
pub(crate) struct WriteCache {
    accounts: HashMap<u128, KnownAccount>,
    /// Per (account, fingerprint): the seen range, and whether it is wider than what is written.
    observations: HashMap<(i64, i64), ObservedRange>,
    pub(super) dirty_observations: usize,
    /// Keyed by a 128-bit hash of (platform, id): a collision, which would make a post's update be skipped, is
    /// about as likely as a SHA-256 collision on a set of billions.
    posts: HashMap<u128, PostShape>,
}

/// What a stored post already holds: which fields are set and how many child rows of each kind. A sighting
/// whose shape fits inside the stored one can add nothing (fields are only ever filled, child rows are keyed by
/// position), so it is skipped. Reposted and quoted tweets repeat under `includes.tweets` all the time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PostShape {
    fields: u8,
    counts: [u16; 6],
}

impl PostShape {
    fn of(p: &vigie_model::Post) -> PostShape {
        let fields = u8::from(p.account_id.is_some())
            | u8::from(p.text.is_some()) << 1
            | u8::from(p.lang.is_some()) << 2
            | u8::from(p.created_at.is_some()) << 3
            | u8::from(p.url.is_some()) << 4;
        let n = |len: usize| u16::try_from(len).unwrap_or(u16::MAX);
        let hashed = p.attachments.iter().filter(|a| a.sha256.is_some()).count();
        PostShape {
            fields,
            counts: [
                n(p.references.len()),
                n(p.hashtags.len()),
                n(p.urls.len()),
                n(p.mentions.len()),
                n(p.attachments.len()),
                n(hashed),
            ],
        }
    }

    fn within(&self, stored: &PostShape) -> bool {
        self.fields & !stored.fields == 0
            && self.counts.iter().zip(stored.counts).all(|(a, b)| *a <= b)
    }

    fn union(&self, other: &PostShape) -> PostShape {
        let mut counts = self.counts;
        for (c, o) in counts.iter_mut().zip(other.counts) {
            *c = (*c).max(o);
        }
        PostShape {
            fields: self.fields | other.fields,
            counts,
        }
    }
}

/// The span of times an account state was seen. Widening an existing observation is deferred: the
/// widened range is kept here and written by [`flush_observations`] (at the end of an import, or when many
/// are pending), since in a large import almost every batch widens the range of almost every account.
/// A scan killed before the flush leaves ranges narrower than the posts stored; scanning again restores them.
#[derive(Debug, Clone, Copy)]
pub(super) struct ObservedRange {
    first: Option<i64>,
    last: Option<i64>,
    dirty: bool,
}

pub(super) const CACHE_LIMIT: usize = 500_000;
/// About 48 MB of post shapes.
pub(super) const POST_CACHE_LIMIT: usize = 1_000_000;
/// Dirty ranges are written when this many are pending. A flag on an entry already cached costs no memory, so
/// this is as large as the caches: in a large import every batch widens nearly every account's range, and
/// writing them all once at the end beats writing them after every few batches (measured: 6 % of a
/// million-post import at 100,000).
pub(super) const DIRTY_LIMIT: usize = CACHE_LIMIT;

/// Writes the deferred observation ranges.
pub(super) fn flush_observations(tx: &Connection, cache: &mut WriteCache) -> rusqlite::Result<()> {
    if cache.dirty_observations == 0 {
        return Ok(());
    }
    let mut widen_stmt = tx.prepare_cached(
        "UPDATE account_observations SET \
         first_seen = COALESCE(min(first_seen, ?3), first_seen, ?3), \
         last_seen = COALESCE(max(last_seen, ?4), last_seen, ?4) \
         WHERE account_id = ?1 AND fingerprint = ?2",
    )?;
    for ((id, fp), range) in cache.observations.iter_mut() {
        if range.dirty {
            widen_stmt.execute(params![id, fp, range.first, range.last])?;
            range.dirty = false;
        }
    }
    let mut later_stmt = tx.prepare_cached(
        "UPDATE accounts SET last_seen = ?2 WHERE id = ?1 AND state_fp IS ?3 AND COALESCE(last_seen, -1) < ?2",
    )?;
    for known in cache.accounts.values_mut() {
        if known.dirty {
            later_stmt.execute(params![known.id, known.last_seen, known.state_fp])?;
            known.dirty = false;
        }
    }
    cache.dirty_observations = 0;
    Ok(())
}

impl WriteCache {
    /// Bounds the caches; call only when no observation is dirty.
    fn trim(&mut self) {
        if self.accounts.len() > CACHE_LIMIT {
            self.accounts.clear();
        }
        if self.observations.len() > CACHE_LIMIT {
            self.observations.clear();
        }
        if self.posts.len() > POST_CACHE_LIMIT {
            self.posts.clear();
        }
    }
}

/// Whether a sighting seen at `new` with fingerprint `new_fp` replaces the shown state `(old, old_fp)`:
/// the newest sighting wins, ties broken by the larger fingerprint, and an id-only sighting never wins.
pub(super) fn newer(
    new_fp: Option<i64>,
    new: Option<i64>,
    old_fp: Option<i64>,
    old: Option<i64>,
) -> bool {
    match (new_fp, old_fp) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(nf), Some(of)) => {
            let (n, o) = (new.unwrap_or(-1), old.unwrap_or(-1));
            n > o || (n == o && nf > of)
        }
    }
}

pub(super) fn widen(a: Option<i64>, b: Option<i64>, pick: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(pick(a, b)),
        (a, b) => a.or(b),
    }
}

pub(super) fn write_batch(
    tx: &Connection,
    import_id: i64,
    batch: &Batch,
    cache: &mut WriteCache,
) -> rusqlite::Result<()> {
    if cache.dirty_observations >= DIRTY_LIMIT
        || cache.observations.len() > CACHE_LIMIT
        || cache.accounts.len() > CACHE_LIMIT
    {
        flush_observations(tx, cache)?;
    }
    cache.trim();
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO accounts (platform, platform_id, handle, display_name, bio, avatar_url, created_at, followers, \
             following, post_count, state_fp, last_seen, first_import) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) \
             ON CONFLICT (platform, platform_id) DO NOTHING",
        )?;
        let mut lookup = tx.prepare_cached(
            "SELECT id, state_fp, last_seen FROM accounts WHERE platform = ?1 AND platform_id = ?2",
        )?;
        let mut update = tx.prepare_cached(
            "UPDATE accounts SET handle = ?2, display_name = ?3, bio = ?4, avatar_url = ?5, created_at = ?6, \
             followers = ?7, following = ?8, post_count = ?9, state_fp = ?10, last_seen = ?11 WHERE id = ?1 \
             AND (state_fp IS NULL OR COALESCE(?11, -1) > COALESCE(last_seen, -1) \
                  OR (COALESCE(?11, -1) = COALESCE(last_seen, -1) AND ?10 > state_fp))",
        )?;
        let mut observe = tx.prepare_cached(
            "INSERT INTO account_observations (account_id, fingerprint, handle, display_name, bio, avatar_url, created_at, \
             followers, following, post_count, first_seen, last_seen) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) \
             ON CONFLICT (account_id, fingerprint) DO UPDATE SET \
             first_seen = COALESCE(min(account_observations.first_seen, excluded.first_seen), account_observations.first_seen, excluded.first_seen), \
             last_seen = COALESCE(max(account_observations.last_seen, excluded.last_seen), account_observations.last_seen, excluded.last_seen)",
        )?;
        for s in &batch.accounts {
            let a = &s.account;
            let last_seen = ts(s.last_seen);
            let key = identity_key(a.platform.as_str(), &a.platform_id);
            let known = match cache.accounts.get(&key) {
                Some(k) => Some(*k),
                None => lookup
                    .query_row(params![a.platform.as_str(), a.platform_id], |r| {
                        Ok(KnownAccount {
                            id: r.get(0)?,
                            state_fp: r.get(1)?,
                            last_seen: r.get(2)?,
                            dirty: false,
                        })
                    })
                    .optional()?,
            };
            let id = match known {
                None => {
                    let inserted = insert.execute(params![
                        a.platform.as_str(),
                        a.platform_id,
                        a.handle,
                        a.display_name,
                        a.bio,
                        a.avatar_url,
                        ts(a.created_at),
                        a.followers,
                        a.following,
                        a.post_count,
                        s.fingerprint,
                        last_seen,
                        import_id
                    ])?;
                    if inserted == 1 {
                        let id = tx.last_insert_rowid();
                        cache.accounts.insert(
                            key,
                            KnownAccount {
                                id,
                                state_fp: s.fingerprint,
                                last_seen,
                                dirty: false,
                            },
                        );
                        id
                    } else {
                        // Another writer created it since the lookup: take its id, let the next batch update it.
                        lookup
                            .query_row(params![a.platform.as_str(), a.platform_id], |r| r.get(0))?
                    }
                }
                Some(k) => {
                    let same_state = s.fingerprint.is_some() && s.fingerprint == k.state_fp;
                    if same_state {
                        // The shown state seen again, maybe later: only `last_seen` can move, and that write
                        // is deferred like the observation ranges (a large import sees every account in
                        // almost every batch).
                        let later = widen(k.last_seen, last_seen, i64::max);
                        if later != k.last_seen {
                            if !k.dirty {
                                cache.dirty_observations += 1;
                            }
                            cache.accounts.insert(
                                key,
                                KnownAccount {
                                    last_seen: later,
                                    dirty: true,
                                    ..k
                                },
                            );
                        } else {
                            cache.accounts.insert(key, k);
                        }
                    } else if newer(s.fingerprint, last_seen, k.state_fp, k.last_seen) {
                        update.execute(params![
                            k.id,
                            a.handle,
                            a.display_name,
                            a.bio,
                            a.avatar_url,
                            ts(a.created_at),
                            a.followers,
                            a.following,
                            a.post_count,
                            s.fingerprint,
                            last_seen
                        ])?;
                        if k.dirty {
                            cache.dirty_observations = cache.dirty_observations.saturating_sub(1);
                        }
                        cache.accounts.insert(
                            key,
                            KnownAccount {
                                id: k.id,
                                state_fp: s.fingerprint,
                                last_seen,
                                dirty: false,
                            },
                        );
                    } else {
                        cache.accounts.insert(key, k);
                    }
                    k.id
                }
            };
            if let Some(fp) = s.fingerprint {
                let (first, last) = (ts(s.first_seen), ts(s.last_seen));
                match cache.observations.get_mut(&(id, fp)) {
                    Some(range) => {
                        let (f, l) = (
                            widen(range.first, first, i64::min),
                            widen(range.last, last, i64::max),
                        );
                        if (f, l) != (range.first, range.last) {
                            (range.first, range.last) = (f, l);
                            if !range.dirty {
                                range.dirty = true;
                                cache.dirty_observations += 1;
                            }
                        }
                    }
                    None => {
                        observe.execute(params![
                            id,
                            fp,
                            a.handle,
                            a.display_name,
                            a.bio,
                            a.avatar_url,
                            ts(a.created_at),
                            a.followers,
                            a.following,
                            a.post_count,
                            first,
                            last
                        ])?;
                        // What this connection wrote is known; a row written elsewhere may be wider, which
                        // only makes a later widening unnecessary, never wrong.
                        cache.observations.insert(
                            (id, fp),
                            ObservedRange {
                                first,
                                last,
                                dirty: false,
                            },
                        );
                    }
                }
            }
        }
    }
    {
        let mut media = tx.prepare_cached(
            "INSERT INTO media (sha256, md5, mime, byte_size, width, height, first_import, pdq, pdq_quality, pdq_variants) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) ON CONFLICT (sha256) DO UPDATE SET \
             pdq = COALESCE(media.pdq, excluded.pdq), pdq_quality = COALESCE(media.pdq_quality, excluded.pdq_quality), \
             pdq_variants = COALESCE(media.pdq_variants, excluded.pdq_variants)",
        )?;
        let mut source = tx.prepare_cached(
            "INSERT INTO media_sources (sha256, path) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?;
        for m in &batch.media {
            let x = &m.media;
            media.execute(params![
                x.sha256,
                x.md5,
                x.mime,
                x.byte_size as i64,
                x.width,
                x.height,
                import_id,
                x.pdq,
                x.pdq_quality,
                x.pdq_variants
            ])?;
            if let Some(path) = &m.source_path {
                source.execute(params![x.sha256, path])?;
            }
        }
    }
    write_posts(tx, import_id, batch, cache)?;
    {
        let mut q = tx.prepare_cached(
            "INSERT INTO quarantine (file, position, reason, raw, import_id) VALUES (?1,?2,?3,?4,?5) ON CONFLICT DO NOTHING",
        )?;
        for r in &batch.quarantine {
            q.execute(params![
                r.file,
                r.position.to_string(),
                r.reason,
                r.raw,
                import_id
            ])?;
        }
    }
    Ok(())
}

/// How many rows one multi-row `INSERT` carries. Fewer statements per row is what loads SQLite fastest,
/// and 64 rows of at most 14 columns stays far below SQLite's limit on bound parameters.
pub(super) const ROWS_PER_INSERT: usize = 64;

/// Child rows of posts (attachments), collected for a whole batch and inserted many rows per statement.
pub(super) struct ChildRows<'b, const N: usize> {
    /// `table (columns)`.
    target: &'static str,
    /// What to do on a key conflict, for posts seen before (`""` for posts inserted in this batch, whose
    /// children cannot exist yet).
    on_conflict: &'static str,
    rows: Vec<[&'b dyn ToSql; N]>,
}

impl<'b, const N: usize> ChildRows<'b, N> {
    fn new(target: &'static str, on_conflict: &'static str) -> Self {
        ChildRows {
            target,
            on_conflict,
            rows: Vec::new(),
        }
    }

    fn write(&self, tx: &Connection) -> rusqlite::Result<()> {
        let one = format!("({})", vec!["?"; N].join(","));
        for chunk in self.rows.chunks(ROWS_PER_INSERT) {
            let values = vec![one.as_str(); chunk.len()].join(",");
            let sql = format!(
                "INSERT INTO {} VALUES {values} {}",
                self.target, self.on_conflict
            );
            let mut stmt = tx.prepare_cached(&sql)?;
            stmt.execute(rusqlite::params_from_iter(chunk.iter().flatten()))?;
        }
        Ok(())
    }
}

/// Where attachment rows go.
pub(super) const POST_MEDIA: &str =
    "post_media (post_id, position, kind, media_key, url, source_path, width, height, sha256)";

/// One post row about to be inserted, with the values computed for it.
pub(super) struct PostRow<'b> {
    index: usize,
    /// The id this row gets if it is new: ids are handed out here, under the write lock, so that rows can
    /// be inserted many per statement and still be known without a `RETURNING` or a lookup.
    id: i64,
    post: &'b vigie_model::Post,
    platform: &'b str,
    author: Option<i64>,
    created: Option<i64>,
    file: Option<&'b str>,
    position: Option<String>,
    /// References, hashtags, URLs and mentions as JSON arrays (see [`post_lists`]).
    lists: [Option<String>; 4],
}

/// A post's references, hashtags, URLs and mentions as the JSON arrays stored in its row (`None` for an empty
/// list). A reference is `[kind, target post id, target account id]`.
pub(super) fn post_lists(p: &vigie_model::Post) -> [Option<String>; 4] {
    fn json<T: serde::Serialize>(items: &[T]) -> Option<String> {
        // Strings and options of strings always serialize.
        (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default())
    }
    let refs: Vec<(&str, &Option<String>, &Option<String>)> = p
        .references
        .iter()
        .map(|r| (r.kind.as_str(), &r.target_post_id, &r.target_account))
        .collect();
    [
        json(&refs),
        json(&p.hashtags),
        json(&p.urls),
        json(&p.mentions),
    ]
}

pub(super) fn bad_json(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

/// A stored list extended by a later sighting: items are kept by position, so the new list adds only what lies
/// past the end of the stored one. `None` when it adds nothing.
pub(super) fn extend_list(
    stored: Option<&str>,
    new: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    let Some(new) = new else { return Ok(None) };
    let parse = |s: &str| serde_json::from_str::<Vec<serde_json::Value>>(s).map_err(bad_json);
    let mut items = stored.map(parse).transpose()?.unwrap_or_default();
    let extra = parse(new)?;
    if extra.len() <= items.len() {
        return Ok(None);
    }
    let have = items.len();
    items.extend(extra.into_iter().skip(have));
    serde_json::to_string(&items).map(Some).map_err(bad_json)
}

/// Inserts a chunk of post rows in one statement and records, for each, its id and whether it is new. A row
/// whose post was already stored (or appears twice in the chunk) inserts nothing; it is then looked up, and
/// its missing fields filled.
pub(super) fn insert_posts(
    tx: &Connection,
    import_id: i64,
    rows: &[PostRow<'_>],
    written: &mut Vec<(usize, i64, bool)>,
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO posts (id, platform, platform_id, account_id, text, lang, created_at, source_file, \
         source_position, first_import, refs, hashtags, urls, mentions, url) VALUES {} \
         ON CONFLICT (platform, platform_id) DO NOTHING",
        vec!["(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"; rows.len()].join(",")
    );
    let mut insert = tx.prepare_cached(&sql)?;
    let values = rows.iter().flat_map(|r| {
        let p = r.post;
        [
            &r.id as &dyn ToSql,
            &r.platform,
            &p.platform_id,
            &r.author,
            &p.text,
            &p.lang,
            &r.created,
            &r.file,
            &r.position,
            &import_id,
            &r.lists[0],
            &r.lists[1],
            &r.lists[2],
            &r.lists[3],
            &p.url,
        ]
    });
    let inserted = insert.execute(rusqlite::params_from_iter(values))?;
    if inserted == rows.len() {
        written.extend(rows.iter().map(|r| (r.index, r.id, true)));
        return Ok(());
    }
    let mut lookup = tx.prepare_cached(
        "SELECT id, refs, hashtags, urls, mentions FROM posts WHERE platform = ?1 AND platform_id = ?2",
    )?;
    let mut fill = tx.prepare_cached(
        "UPDATE posts SET account_id = COALESCE(account_id, ?2), text = COALESCE(text, ?3), lang = COALESCE(lang, ?4), \
         created_at = COALESCE(created_at, ?5), refs = COALESCE(?6, refs), hashtags = COALESCE(?7, hashtags), \
         urls = COALESCE(?8, urls), mentions = COALESCE(?9, mentions), url = COALESCE(url, ?10) WHERE id = ?1",
    )?;
    for r in rows {
        let p = r.post;
        let (id, stored): (i64, [Option<String>; 4]) =
            lookup.query_row(params![r.platform, p.platform_id], |row| {
                Ok((
                    row.get(0)?,
                    [row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?],
                ))
            })?;
        if id == r.id {
            written.push((r.index, id, true));
        } else {
            let mut longer: [Option<String>; 4] = Default::default();
            for ((l, old), new) in longer.iter_mut().zip(&stored).zip(&r.lists) {
                *l = extend_list(old.as_deref(), new.as_deref())?;
            }
            let [refs, tags, urls, mentions] = longer;
            fill.execute(params![
                id, r.author, p.text, p.lang, r.created, refs, tags, urls, mentions, p.url
            ])?;
            written.push((r.index, id, false));
        }
    }
    Ok(())
}

pub(super) fn write_posts(
    tx: &Connection,
    import_id: i64,
    batch: &Batch,
    cache: &mut WriteCache,
) -> rusqlite::Result<()> {
    let mut lookup =
        tx.prepare_cached("SELECT id FROM accounts WHERE platform = ?1 AND platform_id = ?2")?;
    // This transaction holds the write lock, so no other writer can take these ids meanwhile.
    let mut next_id: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM posts", [], |r| {
        r.get(0)
    })?;
    // Pass 1: the post rows themselves, and which posts need their children written.
    let mut written: Vec<(usize, i64, bool)> = Vec::with_capacity(batch.posts.len());
    let mut pending: Vec<PostRow<'_>> = Vec::with_capacity(ROWS_PER_INSERT);
    for (index, p) in batch.posts.iter().enumerate() {
        let shape = PostShape::of(p);
        let key = identity_key(p.platform.as_str(), &p.platform_id);
        let stored = cache.posts.get(&key).copied();
        if stored.is_some_and(|s| shape.within(&s)) {
            continue;
        }
        cache
            .posts
            .insert(key, stored.map_or(shape, |s| s.union(&shape)));
        let author = match p.account_id.as_deref() {
            None => None,
            Some(a) => match cache.accounts.get(&identity_key(p.platform.as_str(), a)) {
                Some(k) => Some(k.id),
                None => lookup
                    .query_row(params![p.platform.as_str(), a], |r| r.get::<_, i64>(0))
                    .optional()?,
            },
        };
        pending.push(PostRow {
            index,
            id: next_id,
            post: p,
            platform: p.platform.as_str(),
            author,
            created: ts(p.created_at),
            file: p.source.as_ref().map(|s| s.file.as_str()),
            position: p.source.as_ref().map(|s| s.position.text()),
            lists: post_lists(p),
        });
        next_id += 1;
        if pending.len() == ROWS_PER_INSERT {
            insert_posts(tx, import_id, &pending, &mut written)?;
            pending.clear();
        }
    }
    insert_posts(tx, import_id, &pending, &mut written)?;
    // Pass 2: attachment rows, many per statement. A post inserted in this batch cannot have any yet; one
    // seen before keeps those it has, and gains the digest of any that lacked one.
    let longest = batch.posts.iter().map(|p| p.attachments.len()).max();
    let positions: Vec<i64> = (0..longest.unwrap_or(0) as i64).collect();
    let kinds: Vec<Vec<&'static str>> = written
        .iter()
        .map(|&(index, _, _)| {
            let p = &batch.posts[index];
            p.attachments.iter().map(|a| a.kind.as_str()).collect()
        })
        .collect();
    let mut fresh = ChildRows::<9>::new(POST_MEDIA, "");
    let mut seen = ChildRows::<9>::new(
        POST_MEDIA,
        "ON CONFLICT (post_id, position) DO UPDATE SET sha256 = COALESCE(post_media.sha256, excluded.sha256)",
    );
    for ((index, id, is_new), kinds) in written.iter().zip(&kinds) {
        let rows = if *is_new {
            &mut fresh.rows
        } else {
            &mut seen.rows
        };
        let p = &batch.posts[*index];
        for ((a, pos), kind) in p.attachments.iter().zip(&positions).zip(kinds) {
            rows.push([
                id,
                pos,
                kind,
                &a.media_key,
                &a.url,
                &a.source_path,
                &a.width,
                &a.height,
                &a.sha256,
            ]);
        }
    }
    fresh.write(tx)?;
    seen.write(tx)
}
