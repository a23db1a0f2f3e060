//! The account network in SQLite.

use super::{At, SqliteStore};
use crate::StoreError;
use crate::network::{
    AccountKey, NeighbourTie, Network, NetworkDelta, NetworkNode, PackWriter, SharedCaps,
    SharedMember, StoredTie, pack_of, pack_range, unpack,
};
use foldhash::{HashMap, HashMapExt};
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// SQLite's two-argument `min`/`max` are NULL when either side is: these keep the side that is not.
const NODE_UPSERT: &str = "INSERT INTO network_nodes \
     (key, platform, handle, display_name, posts, text_posts, reporting_posts, first_post, last_post) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
     ON CONFLICT (key) DO UPDATE SET handle = coalesce(handle, excluded.handle), \
     display_name = coalesce(display_name, excluded.display_name), posts = posts + excluded.posts, \
     text_posts = text_posts + excluded.text_posts, \
     reporting_posts = reporting_posts + excluded.reporting_posts, \
     first_post = coalesce(min(first_post, excluded.first_post), first_post, excluded.first_post), \
     last_post = coalesce(max(last_post, excluded.last_post), last_post, excluded.last_post) \
     RETURNING id";

const TIE_UPSERT_SET: &str = "ON CONFLICT (src, dst, kind) DO UPDATE SET count = count + excluded.count, \
     first_at = coalesce(min(first_at, excluded.first_at), first_at, excluded.first_at), \
     last_at = coalesce(max(last_at, excluded.last_at), last_at, excluded.last_at)";

impl Network for SqliteStore {
    fn network_position(&mut self) -> Result<i64, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT position FROM network_state WHERE id = 1", [], |r| {
                r.get(0)
            })
            .at(&self.path)
    }

    fn apply_network(&mut self, delta: &NetworkDelta) -> Result<(), StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        {
            let mut ids: HashMap<&str, i64> = HashMap::with_capacity(delta.nodes.len());
            let mut node = tx.prepare_cached(NODE_UPSERT).at(&path)?;
            for n in &delta.nodes {
                let id: i64 = node
                    .query_row(
                        params![
                            n.key,
                            n.platform,
                            n.handle,
                            n.display_name,
                            n.posts,
                            n.text_posts,
                            n.reporting_posts,
                            n.first_post,
                            n.last_post
                        ],
                        |r| r.get(0),
                    )
                    .at(&path)?;
                ids.insert(n.key.as_str(), id);
            }
            let id = |key: &str| {
                ids.get(key).copied().ok_or_else(|| {
                    StoreError::Feed(format!(
                        "a network tie names the account {key}, which its delta does not list"
                    ))
                })
            };
            let mut tie = tx
                .prepare_cached(&format!(
                    "INSERT INTO network_ties (src, dst, kind, count, first_at, last_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) {TIE_UPSERT_SET}"
                ))
                .at(&path)?;
            let mut changed = std::collections::BTreeSet::new();
            for t in &delta.ties {
                let from = id(&t.from)?;
                tie.execute(params![from, id(&t.to)?, t.kind, t.count, t.first, t.last])
                    .at(&path)?;
                changed.insert(pack_of(from));
            }
            let mut dirty = tx
                .prepare_cached("INSERT OR IGNORE INTO network_tie_dirty (pack) VALUES (?1)")
                .at(&path)?;
            for pack in changed {
                dirty.execute([pack]).at(&path)?;
            }
            let mut shared = tx
                .prepare_cached(
                    "INSERT INTO network_shared (kind, what, node, first_at) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (kind, what, node) DO UPDATE SET \
                     first_at = coalesce(min(first_at, excluded.first_at), first_at, excluded.first_at)",
                )
                .at(&path)?;
            for s in &delta.shared {
                shared
                    .execute(params![s.kind, s.what, id(&s.node)?, s.at])
                    .at(&path)?;
            }
            let mut pending = tx
                .prepare_cached(
                    "INSERT INTO network_pending (src, platform, post_id, kind, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .at(&path)?;
            for p in &delta.pending {
                pending
                    .execute(params![id(&p.from)?, p.platform, p.post, p.kind, p.at])
                    .at(&path)?;
            }
            tx.execute(
                "UPDATE network_state SET position = ?1 WHERE id = 1",
                [delta.position],
            )
            .at(&path)?;
        }
        tx.commit().at(&path)
    }

    fn resolve_network_pending(&mut self) -> Result<u64, StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        let tied: i64 = tx
            .query_row(
                "SELECT count(*) FROM network_pending p \
                 JOIN posts q ON q.platform = p.platform AND q.platform_id = p.post_id \
                 JOIN accounts a ON a.id = q.account_id \
                 JOIN network_nodes n ON n.key = q.platform || ':' || a.platform_id \
                 WHERE q.id <= (SELECT position FROM network_state WHERE id = 1) AND n.id <> p.src",
                [],
                |r| r.get(0),
            )
            .at(&path)?;
        tx.execute(
            &format!(
                "INSERT INTO network_ties (src, dst, kind, count, first_at, last_at) \
                 SELECT p.src, n.id, p.kind, count(*), min(p.at), max(p.at) FROM network_pending p \
                 JOIN posts q ON q.platform = p.platform AND q.platform_id = p.post_id \
                 JOIN accounts a ON a.id = q.account_id \
                 JOIN network_nodes n ON n.key = q.platform || ':' || a.platform_id \
                 WHERE q.id <= (SELECT position FROM network_state WHERE id = 1) AND n.id <> p.src \
                 GROUP BY p.src, n.id, p.kind {TIE_UPSERT_SET}"
            ),
            [],
        )
        .at(&path)?;
        tx.execute(
            "INSERT OR IGNORE INTO network_tie_dirty (pack) SELECT DISTINCT p.src / 1024 \
             FROM network_pending p WHERE EXISTS (SELECT 1 FROM posts q \
             WHERE q.platform = p.platform AND q.platform_id = p.post_id \
             AND q.id <= (SELECT position FROM network_state WHERE id = 1))",
            [],
        )
        .at(&path)?;
        tx.execute(
            "DELETE FROM network_pending WHERE EXISTS (SELECT 1 FROM posts q \
             WHERE q.platform = network_pending.platform AND q.platform_id = network_pending.post_id \
             AND q.id <= (SELECT position FROM network_state WHERE id = 1))",
            [],
        )
        .at(&path)?;
        tx.commit().at(&path)?;
        Ok(u64::try_from(tied).unwrap_or(0))
    }

    fn network_media_position(&mut self) -> Result<i64, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                "SELECT media_position FROM network_state WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .at(&self.path)
    }

    fn network_media_clusters(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT sha256, cluster FROM network_media")
            .at(&self.path)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .at(&self.path)
    }

    fn add_network_media_clusters(
        &mut self,
        clusters: &[(String, String)],
        position: i64,
    ) -> Result<(), StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        {
            let mut add = tx
                .prepare_cached(
                    "INSERT INTO network_media (sha256, cluster) VALUES (?1, ?2) \
                     ON CONFLICT (sha256) DO NOTHING",
                )
                .at(&path)?;
            for (sha, cluster) in clusters {
                add.execute(params![sha, cluster]).at(&path)?;
            }
            tx.execute(
                "UPDATE network_state SET media_position = ?1 WHERE id = 1",
                [position],
            )
            .at(&path)?;
        }
        tx.commit().at(&path)
    }

    fn reset_network(&mut self) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute_batch(
                "BEGIN IMMEDIATE; DELETE FROM network_pending; DELETE FROM network_shared; \
                 DELETE FROM network_ties; DELETE FROM network_tie_packs; DELETE FROM network_tie_dirty; \
                 DELETE FROM network_nodes; DELETE FROM network_media; \
                 UPDATE network_state SET position = 0, media_position = 0 WHERE id = 1; COMMIT;",
            )
            .at(&self.path)
    }

    fn account_rows(
        &mut self,
        accounts: &[AccountKey],
    ) -> Result<Vec<(AccountKey, i64)>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM accounts WHERE platform = ?1 AND platform_id = ?2")
            .at(&self.path)?;
        let mut out = Vec::new();
        for (platform, id) in accounts {
            if let Some(row) = stmt
                .query_row(params![platform, id], |r| r.get(0))
                .optional()
                .at(&self.path)?
            {
                out.push(((platform.clone(), id.clone()), row));
            }
        }
        Ok(out)
    }

    fn network_neighbourhood(
        &mut self,
        keys: &[String],
        caps: SharedCaps,
    ) -> Result<Vec<NeighbourTie>, StoreError> {
        self.flush_pending()?;
        let mut ids = Vec::new();
        for key in keys {
            if let Some(id) = self
                .conn
                .query_row("SELECT id FROM network_nodes WHERE key = ?1", [key], |r| {
                    r.get::<_, i64>(0)
                })
                .optional()
                .at(&self.path)?
            {
                ids.push(id);
            }
        }
        let mut out = Vec::new();
        let cap = |c: usize| i64::try_from(c).unwrap_or(i64::MAX);
        let tie = |direction: &str| {
            let direction = direction.to_owned();
            move |r: &rusqlite::Row<'_>| {
                Ok(NeighbourTie {
                    key: r.get(0)?,
                    handle: r.get(1)?,
                    display_name: r.get(2)?,
                    kind: r.get(3)?,
                    direction: direction.clone(),
                    count: r.get(4)?,
                })
            }
        };
        for &id in &ids {
            for (sql, direction) in [
                (
                    "SELECT o.key, o.handle, o.display_name, t.kind, t.count FROM network_ties t \
                     JOIN network_nodes o ON o.id = t.dst WHERE t.src = ?1",
                    "to",
                ),
                (
                    "SELECT o.key, o.handle, o.display_name, t.kind, t.count FROM network_ties t \
                     JOIN network_nodes o ON o.id = t.src WHERE t.dst = ?1",
                    "from",
                ),
            ] {
                let mut stmt = self.conn.prepare_cached(sql).at(&self.path)?;
                let rows = stmt
                    .query_map([id], tie(direction))
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                    .at(&self.path)?;
                out.extend(rows.into_iter().filter(|t| !keys.contains(&t.key)));
            }
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT o.key, o.handle, o.display_name, \
                     CASE s.kind WHEN 'medium' THEN 'shared_medium' WHEN 'link' THEN 'shared_link' \
                     ELSE 'shared_hashtag' END, count(*) \
                     FROM network_shared s JOIN network_shared m ON m.kind = s.kind AND m.what = s.what \
                     AND m.node <> s.node JOIN network_nodes o ON o.id = m.node \
                     WHERE s.node = ?1 AND (SELECT count(*) FROM network_shared g \
                     WHERE g.kind = s.kind AND g.what = s.what) \
                     <= (CASE s.kind WHEN 'hashtag' THEN ?3 ELSE ?2 END) \
                     GROUP BY o.key, o.handle, o.display_name, s.kind",
                )
                .at(&self.path)?;
            let rows = stmt
                .query_map(
                    params![id, cap(caps.shared), cap(caps.hashtags)],
                    tie("shared"),
                )
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .at(&self.path)?;
            out.extend(rows);
        }
        Ok(out)
    }

    fn network_node_top(&mut self) -> Result<i64, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT coalesce(max(id), 0) FROM network_nodes", [], |r| {
                r.get(0)
            })
            .at(&self.path)
    }

    fn each_network_node(
        &mut self,
        each: &mut dyn FnMut(i64, NetworkNode),
    ) -> Result<(), StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, key, platform, handle, display_name, posts, text_posts, reporting_posts, \
                 first_post, last_post FROM network_nodes ORDER BY id",
            )
            .at(&self.path)?;
        let mut rows = stmt.query([]).at(&self.path)?;
        while let Some(r) = rows.next().at(&self.path)? {
            let node = (|| {
                Ok::<_, rusqlite::Error>((
                    r.get(0)?,
                    NetworkNode {
                        key: r.get(1)?,
                        platform: r.get(2)?,
                        handle: r.get(3)?,
                        display_name: r.get(4)?,
                        posts: r.get(5)?,
                        text_posts: r.get(6)?,
                        reporting_posts: r.get(7)?,
                        first_post: r.get(8)?,
                        last_post: r.get(9)?,
                    },
                ))
            })()
            .at(&self.path)?;
            each(node.0, node.1);
        }
        Ok(())
    }

    fn network_tie_count(&mut self) -> Result<u64, StoreError> {
        self.flush_pending()?;
        let dirty = self.dirty_packs()?;
        let packed: i64 = self
            .conn
            .query_row(
                "SELECT coalesce(sum(ties), 0) FROM network_tie_packs \
                 WHERE pack NOT IN (SELECT pack FROM network_tie_dirty)",
                [],
                |r| r.get(0),
            )
            .at(&self.path)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM network_ties WHERE src >= ?1 AND src < ?2")
            .at(&self.path)?;
        let mut n = packed;
        for pack in dirty {
            let (start, end) = pack_range(pack);
            n += stmt
                .query_row([start, end], |r| r.get::<_, i64>(0))
                .at(&self.path)?;
        }
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn network_ties(&mut self, each: &mut dyn FnMut(StoredTie<'_>)) -> Result<(), StoreError> {
        self.flush_pending()?;
        let dirty = self.dirty_packs()?;
        let mut dirty = dirty.into_iter().peekable();
        let mut packs = self
            .conn
            .prepare_cached("SELECT pack, data FROM network_tie_packs ORDER BY pack")
            .at(&self.path)?;
        let mut rows_of = self
            .conn
            .prepare_cached(
                "SELECT src, dst, kind, count, first_at, last_at FROM network_ties \
                 WHERE src >= ?1 AND src < ?2 ORDER BY src, dst, kind",
            )
            .at(&self.path)?;
        let path = self.path.clone();
        let mut from_rows = |pack: i64, each: &mut dyn FnMut(StoredTie<'_>)| {
            let (start, end) = pack_range(pack);
            let mut rows = rows_of.query([start, end]).at(&path)?;
            while let Some(r) = rows.next().at(&path)? {
                each(tie_of_row(r).at(&path)?);
            }
            Ok::<_, StoreError>(())
        };
        let mut rows = packs.query([]).at(&self.path)?;
        while let Some(r) = rows.next().at(&self.path)? {
            let pack: i64 = r
                .get_ref_unwrap(0)
                .as_i64()
                .map_err(rusqlite::Error::from)
                .at(&self.path)?;
            while let Some(d) = dirty.next_if(|&d| d < pack) {
                from_rows(d, each)?;
            }
            if dirty.next_if_eq(&pack).is_some() {
                from_rows(pack, each)?;
                continue;
            }
            let data = r
                .get_ref_unwrap(1)
                .as_blob()
                .map_err(rusqlite::Error::from)
                .at(&self.path)?;
            let path = &self.path;
            unpack(
                data,
                &|| format!("{}: network tie pack {pack}", path.display()),
                each,
            )?;
        }
        for d in dirty {
            from_rows(d, each)?;
        }
        Ok(())
    }

    fn pack_network_ties(&mut self) -> Result<u64, StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(&path)?;
        let dirty: Vec<i64> = {
            let mut stmt = tx
                .prepare_cached("SELECT pack FROM network_tie_dirty ORDER BY pack")
                .at(&path)?;
            stmt.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .at(&path)?
        };
        {
            let mut rows_of = tx
                .prepare_cached(
                    "SELECT src, dst, kind, count, first_at, last_at FROM network_ties \
                     WHERE src >= ?1 AND src < ?2 ORDER BY src, dst, kind",
                )
                .at(&path)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO network_tie_packs (pack, ties, data) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (pack) DO UPDATE SET ties = excluded.ties, data = excluded.data",
                )
                .at(&path)?;
            let mut drop_pack = tx
                .prepare_cached("DELETE FROM network_tie_packs WHERE pack = ?1")
                .at(&path)?;
            for &pack in &dirty {
                let (start, end) = pack_range(pack);
                let mut writer = PackWriter::default();
                let mut rows = rows_of.query([start, end]).at(&path)?;
                while let Some(r) = rows.next().at(&path)? {
                    writer.push(&tie_of_row(r).at(&path)?);
                }
                if writer.ties() == 0 {
                    drop_pack.execute([pack]).at(&path)?;
                } else {
                    let ties = writer.ties();
                    put.execute(params![pack, ties, writer.finish()])
                        .at(&path)?;
                }
            }
        }
        tx.execute("DELETE FROM network_tie_dirty", []).at(&path)?;
        tx.commit().at(&path)?;
        Ok(dirty.len() as u64)
    }

    fn network_shared(
        &mut self,
        caps: SharedCaps,
        each: &mut dyn FnMut(SharedMember<'_>),
    ) -> Result<(), StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.kind, s.what, s.node, s.first_at FROM network_shared s JOIN \
                 (SELECT kind, what FROM network_shared GROUP BY kind, what \
                  HAVING count(*) >= 2 AND count(*) <= (CASE kind WHEN 'hashtag' THEN ?2 ELSE ?1 END)) g \
                 ON g.kind = s.kind AND g.what = s.what ORDER BY s.kind, s.what, s.node",
            )
            .at(&self.path)?;
        let cap = |c: usize| i64::try_from(c).unwrap_or(i64::MAX);
        let mut rows = stmt
            .query(params![cap(caps.shared), cap(caps.hashtags)])
            .at(&self.path)?;
        while let Some(r) = rows.next().at(&self.path)? {
            let kind = r.get_ref(0).and_then(|v| Ok(v.as_str()?)).at(&self.path)?;
            let what = r.get_ref(1).and_then(|v| Ok(v.as_str()?)).at(&self.path)?;
            each(SharedMember {
                kind,
                what,
                node: r.get(2).at(&self.path)?,
                at: r.get(3).at(&self.path)?,
            });
        }
        Ok(())
    }
}

impl SqliteStore {
    /// The packs whose ties changed since they were written, in order.
    fn dirty_packs(&mut self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT pack FROM network_tie_dirty ORDER BY pack")
            .at(&self.path)?;
        stmt.query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .at(&self.path)
    }
}

/// A tie from a row of `SELECT src, dst, kind, count, first_at, last_at`, each column read once as what the schema
/// says it is.
fn tie_of_row<'r>(r: &'r rusqlite::Row<'_>) -> Result<StoredTie<'r>, rusqlite::Error> {
    let int = |v: ValueRef<'_>| v.as_i64().map_err(rusqlite::Error::from);
    let opt = |v: ValueRef<'_>| v.as_i64_or_null().map_err(rusqlite::Error::from);
    Ok(StoredTie {
        from: int(r.get_ref_unwrap(0))?,
        to: int(r.get_ref_unwrap(1))?,
        kind: r
            .get_ref_unwrap(2)
            .as_str()
            .map_err(rusqlite::Error::from)?,
        count: int(r.get_ref_unwrap(3))?,
        first: opt(r.get_ref_unwrap(4))?,
        last: opt(r.get_ref_unwrap(5))?,
    })
}
