//! Reading posts and counts from SQLite, with the lists that SQLite keeps in the post row (references,
//! mentions, hashtags, URLs) and the attachments.

use super::*;
pub(super) fn counts_of(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<ImportCounts> {
    Ok(ImportCounts {
        accounts: r.get::<_, i64>(from)? as u64,
        posts: r.get::<_, i64>(from + 1)? as u64,
        media: r.get::<_, i64>(from + 2)? as u64,
        quarantined: r.get::<_, i64>(from + 3)? as u64,
    })
}

pub(super) fn counts(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Count>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok(Count {
            key: r.get(0)?,
            count: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// The snapshot renderings of the lists that SQLite keeps in the post row: the same rows as the child tables
/// of PostgreSQL (see [`SNAPSHOT_SQL`]).
pub(super) const LIST_SNAPSHOT_SQL: &[(&str, &str)] = &[
    (
        "post_refs",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || (j.value ->> 0) || '|' \
         || COALESCE(j.value ->> 1,'~') || '|' || COALESCE(j.value ->> 2,'~') FROM posts p, json_each(p.refs) j",
    ),
    (
        "post_hashtags",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.hashtags) j",
    ),
    (
        "post_urls",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.urls) j",
    ),
    (
        "post_mentions",
        "SELECT p.platform || '|' || p.platform_id || '|' || CAST(j.key AS TEXT) || '|' || j.value \
         FROM posts p, json_each(p.mentions) j",
    ),
];

/// Fills a post's lists from the JSON columns read with its row (`refs, hashtags, urls, mentions`).
pub(super) fn fill_lists(
    [refs, tags, urls, mentions]: [Option<String>; 4],
    post: &mut Post,
) -> rusqlite::Result<()> {
    fn decode<T: serde::de::DeserializeOwned>(json: Option<String>) -> rusqlite::Result<Vec<T>> {
        json.map_or(Ok(Vec::new()), |j| {
            serde_json::from_str(&j).map_err(bad_json)
        })
    }
    post.references = decode::<(String, Option<String>, Option<String>)>(refs)?
        .into_iter()
        .map(|(kind, target_post_id, target_account)| PostRef {
            kind: parse_ref_kind(&kind),
            target_post_id,
            target_account,
        })
        .collect();
    post.hashtags = decode(tags)?;
    post.urls = decode(urls)?;
    post.mentions = decode(mentions)?;
    Ok(())
}

/// Fills the attachments of `rows` from `post_media`, in one query for all of them (the ids go in as one JSON
/// array): a query per post cost more than reading the posts.
pub(super) fn fill_attachments(
    c: &Connection,
    rows: &mut [crate::cases::PostRow],
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let at: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let ids = serde_json::to_string(&ids)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    let mut media = c.prepare_cached(
        "SELECT post_id, kind, media_key, url, source_path, width, height, sha256 FROM post_media \
         WHERE post_id IN (SELECT value FROM json_each(?1)) ORDER BY post_id, position",
    )?;
    let mut found = media.query([ids])?;
    while let Some(r) = found.next()? {
        let Some(&i) = at.get(&r.get::<_, i64>(0)?) else {
            continue;
        };
        let mut a = Attachment::new(MediaKind::parse(&r.get::<_, String>(1)?));
        a.media_key = r.get(2)?;
        a.url = r.get(3)?;
        a.source_path = r.get(4)?;
        a.width = r.get(5)?;
        a.height = r.get(6)?;
        a.sha256 = r.get(7)?;
        rows[i].view.post.attachments.push(a);
    }
    Ok(())
}

/// Reads the posts after row `after`, in row order, with what text analysis reads: keys, text, language, author
/// row and attachments, not the author's handle nor the entity lists (decoding those was a quarter of the
/// analysis of a million posts).
pub(crate) fn read_post_texts(
    c: &Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<crate::cases::PostRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.platform, p.platform_id, p.text, p.lang, p.account_id FROM posts p \
         WHERE p.id > ?1 ORDER BY p.id LIMIT ?2",
    )?;
    let mut out = Vec::new();
    let mut rows = stmt.query(params![after, i64::try_from(limit).unwrap_or(i64::MAX)])?;
    while let Some(r) = rows.next()? {
        let mut post = Post::with_id(
            Platform::new(&r.get::<_, String>(1)?),
            r.get::<_, String>(2)?,
        );
        post.text = r.get(3)?;
        post.lang = r.get(4)?;
        out.push(crate::cases::PostRow {
            id: r.get(0)?,
            account: r.get(5)?,
            view: PostView {
                post,
                handle: None,
                display_name: None,
            },
        });
    }
    fill_attachments(c, &mut out)?;
    Ok(out)
}

/// Reads posts with their author's handle, entities and attachments: the rows `filter` (a WHERE, ORDER BY and
/// LIMIT over `posts p LEFT JOIN accounts a`) selects.
pub(crate) fn read_posts(
    c: &Connection,
    filter: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<crate::cases::PostRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT p.id, p.platform, p.platform_id, a.platform_id, p.text, p.lang, p.created_at, p.source_file, \
         p.source_position, a.handle, a.display_name, p.refs, p.hashtags, p.urls, p.mentions, p.account_id, p.url \
         FROM posts p LEFT JOIN accounts a ON a.id = p.account_id {filter}"
    ))?;
    let mut out = Vec::new();
    let mut lists: Vec<[Option<String>; 4]> = Vec::new();
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        lists.push([r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?]);
        let mut post = Post::with_id(
            Platform::new(&r.get::<_, String>(1)?),
            r.get::<_, String>(2)?,
        );
        post.account_id = r.get(3)?;
        post.text = r.get(4)?;
        post.lang = r.get(5)?;
        post.url = r.get(16)?;
        post.created_at = r.get::<_, Option<i64>>(6)?.map(Timestamp);
        if let (Some(file), Some(pos)) = (
            r.get::<_, Option<String>>(7)?,
            r.get::<_, Option<String>>(8)?,
        ) {
            post.source = Some(vigie_model::Source {
                file,
                position: parse_position(&pos),
            });
        }
        out.push(crate::cases::PostRow {
            id: r.get(0)?,
            account: r.get(15)?,
            view: PostView {
                post,
                handle: r.get(9)?,
                display_name: r.get(10)?,
            },
        });
    }
    for (row, lists) in out.iter_mut().zip(lists) {
        fill_lists(lists, &mut row.view.post)?;
    }
    fill_attachments(c, &mut out)?;
    Ok(out)
}
