//! Reading posts and counts from PostgreSQL, with each post's child rows (references, mentions, hashtags,
//! URLs, attachments) aggregated as JSON in the same statement.

use super::*;
pub(super) fn counts(c: &mut impl GenericClient, sql: &str) -> Result<Vec<Count>, StoreError> {
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

pub(super) fn one(c: &mut impl GenericClient, sql: &str) -> Result<i64, StoreError> {
    Ok(c.query_one(sql, &[])?.try_get(0)?)
}

/// A post's references, as `json_agg` writes them: kind, target post, target account.
pub(super) type RefRow = (String, Option<String>, Option<String>);
/// A post's attachments, as `json_agg` writes them: kind, media key, URL, source path, width, height, SHA-256.
pub(super) type MediaRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Parses a `json_agg` column (NULL when the post has no such rows).
pub(super) fn child_rows<T: serde::de::DeserializeOwned>(
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
pub(super) fn post_columns(account: &str) -> String {
    format!(
        "p.id, p.platform, p.platform_id, {account}.platform_id, p.text, p.lang, p.created_at, p.source_file, \
         p.source_position, {account}.handle, {account}.display_name, p.account_id, \
         ARRAY(SELECT ph.tag FROM post_hashtags ph WHERE ph.post_id = p.id ORDER BY ph.position), \
         ARRAY(SELECT pu.url FROM post_urls pu WHERE pu.post_id = p.id ORDER BY pu.position), \
         ARRAY(SELECT pm.handle FROM post_mentions pm WHERE pm.post_id = p.id ORDER BY pm.position), \
         (SELECT json_agg(json_build_array(pr.kind, pr.target_post_id, pr.target_account) ORDER BY pr.position) \
          FROM post_refs pr WHERE pr.post_id = p.id)::text, \
         (SELECT json_agg(json_build_array(pd.kind, pd.media_key, pd.url, pd.source_path, pd.width, pd.height, \
          pd.sha256) ORDER BY pd.position) FROM post_media pd WHERE pd.post_id = p.id)::text, p.url"
    )
}

/// Reads the [`post_columns`] that start at column `at`: the post's row id, its account's row id, the view.
pub(super) fn post_of(r: &Row, at: usize) -> Result<(i64, Option<i64>, PostView), StoreError> {
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
    post.url = r.try_get(at + 17)?;
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
