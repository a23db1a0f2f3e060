//! Writing import batches to PostgreSQL, table by table: each table's rows go to the server as arrays in one
//! `INSERT ... SELECT FROM UNNEST(...)`, after merging the records that occur more than once in a batch.

use super::*;
pub(super) type Key<'a> = (&'a str, &'a str);

/// Whether sighting `s` replaces `cur` as an account's current state: the `WHERE` rule of the accounts upsert
/// (a profile beats an id-only record, then the newest `last_seen`, then the larger fingerprint).
pub(super) fn replaces(s: &AccountSighting, cur: &AccountSighting) -> bool {
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
pub(super) struct Observation<'a> {
    sighting: &'a AccountSighting,
    fingerprint: i64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

pub(super) fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(super) fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Rows of `(id, platform, platform_id)` as a map from the natural key to the row id.
pub(super) fn id_map(rows: &[Row]) -> Result<HashMap<Key<'_>, i64>, StoreError> {
    let mut ids = HashMap::with_capacity(rows.len());
    for r in rows {
        ids.insert((r.try_get(1)?, r.try_get(2)?), r.try_get(0)?);
    }
    Ok(ids)
}

/// Writes the batch's accounts and observations; returns `(id, platform, platform_id)` of every account in
/// the batch.
pub(super) fn write_accounts(
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

pub(super) fn key_of(s: &AccountSighting) -> Key<'_> {
    (s.account.platform.as_str(), s.account.platform_id.as_str())
}

pub(super) fn write_media(
    tx: &mut Transaction<'_>,
    import_id: i64,
    batch: &Batch,
) -> Result<(), StoreError> {
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
                if media[i].pdq_variants.is_none() && m.media.pdq_variants.is_some() {
                    media[i].pdq_variants = m.media.pdq_variants.clone();
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
    let variants: Vec<Option<&str>> = media.iter().map(|m| m.pdq_variants.as_deref()).collect();
    tx.execute(
        "INSERT INTO media (sha256, md5, mime, byte_size, width, height, first_import, pdq, pdq_quality, pdq_variants) \
         SELECT t.sha256, t.md5, t.mime, t.byte_size, t.width, t.height, $7::int8, t.pdq, t.pdq_quality, t.pdq_variants \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::int8[], $8::text[], $9::int4[], $10::text[]) \
         AS t(sha256, md5, mime, byte_size, width, height, pdq, pdq_quality, pdq_variants) \
         ON CONFLICT (sha256) DO UPDATE SET pdq = COALESCE(media.pdq, excluded.pdq), \
         pdq_quality = COALESCE(media.pdq_quality, excluded.pdq_quality), \
         pdq_variants = COALESCE(media.pdq_variants, excluded.pdq_variants)",
        &[&sha, &md5, &mime, &sizes, &widths, &heights, &import_id, &pdq, &quality, &variants],
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
pub(super) struct MergedPost<'a> {
    first: &'a Post,
    author: Option<i64>,
    url: Option<&'a str>,
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
            url: p.url.as_deref(),
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
        self.url = self.url.or(p.url.as_deref());
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
pub(super) fn extend_from<T>(have: &mut Vec<T>, later: impl Iterator<Item = T>) {
    let n = have.len();
    have.extend(later.skip(n));
}

/// Positions of child rows: an index in a list, stored as BIGINT.
pub(super) fn positions<T>(items: &[T]) -> impl Iterator<Item = i64> + '_ {
    (0i64..).zip(items).map(|(i, _)| i)
}

pub(super) fn write_posts(
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
    let post_urls: Vec<Option<&str>> = merged.iter().map(|m| m.url).collect();
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
         first_import, url) \
         SELECT t.platform, t.platform_id, t.account_id, t.text, t.lang, t.created_at, t.source_file, t.source_position, \
         $9::int8, t.url FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::int8[], $7::text[], \
         $8::text[], $10::text[]) WITH ORDINALITY AS t(platform, platform_id, account_id, text, lang, created_at, \
         source_file, source_position, url, ord) ORDER BY t.ord \
         ON CONFLICT (platform, platform_id) DO UPDATE SET \
         account_id = COALESCE(posts.account_id, excluded.account_id), text = COALESCE(posts.text, excluded.text), \
         lang = COALESCE(posts.lang, excluded.lang), created_at = COALESCE(posts.created_at, excluded.created_at), \
         url = COALESCE(posts.url, excluded.url) \
         RETURNING id, platform, platform_id",
        &[&platforms, &ids, &authors, &texts, &langs, &created, &files, &positions_text, &import_id, &post_urls],
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
pub(super) struct ChildRows {
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

pub(super) fn write_quarantine(
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
