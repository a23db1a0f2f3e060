//! The account network in PostgreSQL.

use super::PostgresStore;
use crate::StoreError;
use crate::network::{
    AccountKey, NeighbourTie, Network, NetworkDelta, NetworkNode, PackWriter, SharedCaps,
    SharedMember, StoredTie, pack_of, pack_range, unpack,
};
use postgres::fallible_iterator::FallibleIterator;
use std::collections::HashMap;

const TIE_UPSERT_SET: &str = "ON CONFLICT (src, dst, kind) DO UPDATE SET \
     count = network_ties.count + excluded.count, \
     first_at = LEAST(network_ties.first_at, excluded.first_at), \
     last_at = GREATEST(network_ties.last_at, excluded.last_at)";

/// The pending references whose post is stored and folded in, with the node of that post's author.
const RESOLVABLE: &str = "FROM network_pending p \
     JOIN posts q ON q.platform = p.platform AND q.platform_id = p.post_id \
     JOIN accounts a ON a.id = q.account_id \
     JOIN network_nodes n ON n.key = q.platform || ':' || a.platform_id \
     WHERE q.id <= (SELECT position FROM network_state WHERE id = 1) AND n.id <> p.src";

impl Network for PostgresStore {
    fn network_position(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .client
            .query_one("SELECT position FROM network_state WHERE id = 1", &[])?
            .try_get(0)?)
    }

    fn apply_network(&mut self, delta: &NetworkDelta) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let node = tx.prepare(
            "INSERT INTO network_nodes \
             (key, platform, handle, display_name, posts, text_posts, reporting_posts, first_post, last_post) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (key) DO UPDATE SET \
             handle = coalesce(network_nodes.handle, excluded.handle), \
             display_name = coalesce(network_nodes.display_name, excluded.display_name), \
             posts = network_nodes.posts + excluded.posts, \
             text_posts = network_nodes.text_posts + excluded.text_posts, \
             reporting_posts = network_nodes.reporting_posts + excluded.reporting_posts, \
             first_post = LEAST(network_nodes.first_post, excluded.first_post), \
             last_post = GREATEST(network_nodes.last_post, excluded.last_post) \
             RETURNING id",
        )?;
        let mut ids: HashMap<&str, i64> = HashMap::with_capacity(delta.nodes.len());
        for n in &delta.nodes {
            let id: i64 = tx
                .query_one(
                    &node,
                    &[
                        &n.key,
                        &n.platform,
                        &n.handle,
                        &n.display_name,
                        &n.posts,
                        &n.text_posts,
                        &n.reporting_posts,
                        &n.first_post,
                        &n.last_post,
                    ],
                )?
                .try_get(0)?;
            ids.insert(n.key.as_str(), id);
        }
        let id = |key: &str| {
            ids.get(key).copied().ok_or_else(|| {
                StoreError::Feed(format!(
                    "a network tie names the account {key}, which its delta does not list"
                ))
            })
        };
        let tie = tx.prepare(&format!(
            "INSERT INTO network_ties (src, dst, kind, count, first_at, last_at) \
             VALUES ($1, $2, $3, $4, $5, $6) {TIE_UPSERT_SET}"
        ))?;
        let mut changed = std::collections::BTreeSet::new();
        for t in &delta.ties {
            let from = id(&t.from)?;
            tx.execute(
                &tie,
                &[&from, &id(&t.to)?, &t.kind, &t.count, &t.first, &t.last],
            )?;
            changed.insert(pack_of(from));
        }
        // An update, not DO NOTHING: it waits for a packing that holds the marker, so that ties changed while
        // their pack was being written leave it marked.
        let dirty = tx.prepare(
            "INSERT INTO network_tie_dirty (pack) VALUES ($1) ON CONFLICT (pack) DO UPDATE SET pack = excluded.pack",
        )?;
        for pack in changed {
            tx.execute(&dirty, &[&pack])?;
        }
        let shared = tx.prepare(
            "INSERT INTO network_shared (kind, what, node, first_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (kind, what, node) DO UPDATE SET \
             first_at = LEAST(network_shared.first_at, excluded.first_at)",
        )?;
        for s in &delta.shared {
            tx.execute(&shared, &[&s.kind, &s.what, &id(&s.node)?, &s.at])?;
        }
        let pending = tx.prepare(
            "INSERT INTO network_pending (src, platform, post_id, kind, at) VALUES ($1, $2, $3, $4, $5)",
        )?;
        for p in &delta.pending {
            tx.execute(
                &pending,
                &[&id(&p.from)?, &p.platform, &p.post, &p.kind, &p.at],
            )?;
        }
        tx.execute(
            "UPDATE network_state SET position = $1 WHERE id = 1",
            &[&delta.position],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn resolve_network_pending(&mut self) -> Result<u64, StoreError> {
        let mut tx = self.client.transaction()?;
        let tied: i64 = tx
            .query_one(&format!("SELECT count(*) {RESOLVABLE}"), &[])?
            .try_get(0)?;
        tx.execute(
            &format!(
                "INSERT INTO network_ties (src, dst, kind, count, first_at, last_at) \
                 SELECT p.src, n.id, p.kind, count(*), min(p.at), max(p.at) {RESOLVABLE} \
                 GROUP BY p.src, n.id, p.kind {TIE_UPSERT_SET}"
            ),
            &[],
        )?;
        tx.execute(
            "INSERT INTO network_tie_dirty (pack) SELECT DISTINCT p.src / 1024 \
             FROM network_pending p WHERE EXISTS (SELECT 1 FROM posts q \
             WHERE q.platform = p.platform AND q.platform_id = p.post_id \
             AND q.id <= (SELECT position FROM network_state WHERE id = 1)) \
             ON CONFLICT (pack) DO UPDATE SET pack = excluded.pack",
            &[],
        )?;
        tx.execute(
            "DELETE FROM network_pending WHERE EXISTS (SELECT 1 FROM posts q \
             WHERE q.platform = network_pending.platform AND q.platform_id = network_pending.post_id \
             AND q.id <= (SELECT position FROM network_state WHERE id = 1))",
            &[],
        )?;
        tx.commit()?;
        Ok(u64::try_from(tied).unwrap_or(0))
    }

    fn network_media_position(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .client
            .query_one("SELECT media_position FROM network_state WHERE id = 1", &[])?
            .try_get(0)?)
    }

    fn network_media_clusters(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        self.client
            .query("SELECT sha256, cluster FROM network_media", &[])?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    fn add_network_media_clusters(
        &mut self,
        clusters: &[(String, String)],
        position: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let add = tx.prepare(
            "INSERT INTO network_media (sha256, cluster) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING",
        )?;
        for (sha, cluster) in clusters {
            tx.execute(&add, &[sha, cluster])?;
        }
        tx.execute(
            "UPDATE network_state SET media_position = $1 WHERE id = 1",
            &[&position],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn reset_network(&mut self) -> Result<(), StoreError> {
        self.client.batch_execute(
            "BEGIN; DELETE FROM network_pending; DELETE FROM network_shared; DELETE FROM network_ties; \
             DELETE FROM network_tie_packs; DELETE FROM network_tie_dirty; \
             DELETE FROM network_nodes; DELETE FROM network_media; \
             UPDATE network_state SET position = 0, media_position = 0 WHERE id = 1; COMMIT;",
        )?;
        Ok(())
    }

    fn account_rows(
        &mut self,
        accounts: &[AccountKey],
    ) -> Result<Vec<(AccountKey, i64)>, StoreError> {
        let (platforms, ids): (Vec<&str>, Vec<&str>) = accounts
            .iter()
            .map(|(p, i)| (p.as_str(), i.as_str()))
            .unzip();
        self.client
            .query(
                "SELECT a.platform, a.platform_id, a.id FROM accounts a \
                 JOIN unnest($1::TEXT[], $2::TEXT[]) AS k (platform, platform_id) \
                 ON a.platform = k.platform AND a.platform_id = k.platform_id",
                &[&platforms, &ids],
            )?
            .iter()
            .map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get(2)?)))
            .collect()
    }

    fn network_neighbourhood(
        &mut self,
        keys: &[String],
        caps: SharedCaps,
    ) -> Result<Vec<NeighbourTie>, StoreError> {
        let cap = |c: usize| i64::try_from(c).unwrap_or(i64::MAX);
        let (shared, hashtags) = (cap(caps.shared), cap(caps.hashtags));
        let rows = self.client.query(
            "WITH me AS (SELECT id FROM network_nodes WHERE key = ANY($1)) \
             SELECT o.key, o.handle, o.display_name, t.kind, 'to', t.count FROM network_ties t \
             JOIN network_nodes o ON o.id = t.dst WHERE t.src IN (SELECT id FROM me) \
             AND t.dst NOT IN (SELECT id FROM me) \
             UNION ALL \
             SELECT o.key, o.handle, o.display_name, t.kind, 'from', t.count FROM network_ties t \
             JOIN network_nodes o ON o.id = t.src WHERE t.dst IN (SELECT id FROM me) \
             AND t.src NOT IN (SELECT id FROM me) \
             UNION ALL \
             SELECT o.key, o.handle, o.display_name, \
             CASE s.kind WHEN 'medium' THEN 'shared_medium' WHEN 'link' THEN 'shared_link' \
             ELSE 'shared_hashtag' END, 'shared', count(*) \
             FROM network_shared s JOIN network_shared m ON m.kind = s.kind AND m.what = s.what \
             AND m.node <> s.node JOIN network_nodes o ON o.id = m.node \
             WHERE s.node IN (SELECT id FROM me) AND (SELECT count(*) FROM network_shared g \
             WHERE g.kind = s.kind AND g.what = s.what) \
             <= (CASE s.kind WHEN 'hashtag' THEN $3::BIGINT ELSE $2::BIGINT END) \
             GROUP BY o.key, o.handle, o.display_name, s.kind",
            &[&keys, &shared, &hashtags],
        )?;
        rows.iter()
            .map(|r| {
                Ok(NeighbourTie {
                    key: r.try_get(0)?,
                    handle: r.try_get(1)?,
                    display_name: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    direction: r.try_get(4)?,
                    count: r.try_get(5)?,
                })
            })
            .collect()
    }

    fn network_node_top(&mut self) -> Result<i64, StoreError> {
        Ok(self
            .client
            .query_one(
                "SELECT coalesce(max(id), 0)::BIGINT FROM network_nodes",
                &[],
            )?
            .try_get(0)?)
    }

    fn each_network_node(
        &mut self,
        each: &mut dyn FnMut(i64, NetworkNode),
    ) -> Result<(), StoreError> {
        let params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
        let mut rows = self.client.query_raw(
            "SELECT id, key, platform, handle, display_name, posts, text_posts, reporting_posts, \
             first_post, last_post FROM network_nodes ORDER BY id",
            params,
        )?;
        while let Some(r) = rows.next()? {
            each(
                r.try_get(0)?,
                NetworkNode {
                    key: r.try_get(1)?,
                    platform: r.try_get(2)?,
                    handle: r.try_get(3)?,
                    display_name: r.try_get(4)?,
                    posts: r.try_get(5)?,
                    text_posts: r.try_get(6)?,
                    reporting_posts: r.try_get(7)?,
                    first_post: r.try_get(8)?,
                    last_post: r.try_get(9)?,
                },
            );
        }
        Ok(())
    }

    fn network_tie_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client
            .query_one(
                "SELECT (SELECT coalesce(sum(ties), 0) FROM network_tie_packs \
                 WHERE pack NOT IN (SELECT pack FROM network_tie_dirty))::BIGINT \
                 + (SELECT count(*) FROM network_tie_dirty d JOIN network_ties t \
                    ON t.src >= d.pack * 1024 AND t.src < d.pack * 1024 + 1024)",
                &[],
            )?
            .try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn network_ties(&mut self, each: &mut dyn FnMut(StoredTie<'_>)) -> Result<(), StoreError> {
        let dirty: Vec<i64> = self
            .client
            .query("SELECT pack FROM network_tie_dirty ORDER BY pack", &[])?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let packed: Vec<i64> = self
            .client
            .query(
                "SELECT pack FROM network_tie_packs \
                 WHERE pack NOT IN (SELECT pack FROM network_tie_dirty) ORDER BY pack",
                &[],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let one = self
            .client
            .prepare("SELECT data FROM network_tie_packs WHERE pack = $1")?;
        let mut dirty = dirty.into_iter().peekable();
        for pack in packed {
            while let Some(d) = dirty.next_if(|&d| d < pack) {
                self.ties_from_rows(d, each)?;
            }
            let row = self.client.query_one(&one, &[&pack])?;
            let data: &[u8] = row.try_get(0)?;
            unpack(data, &|| format!("network tie pack {pack}"), each)?;
        }
        for d in dirty {
            self.ties_from_rows(d, each)?;
        }
        Ok(())
    }

    fn pack_network_ties(&mut self) -> Result<u64, StoreError> {
        let mut tx = self.client.transaction()?;
        let dirty: Vec<i64> = tx
            .query(
                "SELECT pack FROM network_tie_dirty ORDER BY pack FOR UPDATE",
                &[],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let rows_of = tx.prepare(TIES_OF_PACK)?;
        let put = tx.prepare(
            "INSERT INTO network_tie_packs (pack, ties, data) VALUES ($1, $2, $3) \
             ON CONFLICT (pack) DO UPDATE SET ties = excluded.ties, data = excluded.data",
        )?;
        let drop_pack = tx.prepare("DELETE FROM network_tie_packs WHERE pack = $1")?;
        let forget = tx.prepare("DELETE FROM network_tie_dirty WHERE pack = $1")?;
        for &pack in &dirty {
            let (start, end) = pack_range(pack);
            let rows = tx.query(&rows_of, &[&start, &end])?;
            let mut writer = PackWriter::default();
            for r in &rows {
                writer.push(&tie_of_row(r)?);
            }
            if writer.ties() == 0 {
                tx.execute(&drop_pack, &[&pack])?;
            } else {
                let ties = writer.ties();
                tx.execute(&put, &[&pack, &ties, &writer.finish()])?;
            }
            tx.execute(&forget, &[&pack])?;
        }
        tx.commit()?;
        Ok(dirty.len() as u64)
    }

    fn network_shared(
        &mut self,
        caps: SharedCaps,
        each: &mut dyn FnMut(SharedMember<'_>),
    ) -> Result<(), StoreError> {
        let cap = |c: usize| i64::try_from(c).unwrap_or(i64::MAX);
        let (shared, hashtags) = (cap(caps.shared), cap(caps.hashtags));
        let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&shared, &hashtags];
        let mut rows = self.client.query_raw(
            "SELECT s.kind, s.what, s.node, s.first_at FROM network_shared s JOIN \
             (SELECT kind, what FROM network_shared GROUP BY kind, what \
              HAVING count(*) >= 2 AND count(*) <= (CASE kind WHEN 'hashtag' THEN $2::BIGINT ELSE $1::BIGINT END)) g \
             ON g.kind = s.kind AND g.what = s.what ORDER BY s.kind, s.what, s.node",
            params,
        )?;
        while let Some(r) = rows.next()? {
            each(SharedMember {
                kind: r.try_get(0)?,
                what: r.try_get(1)?,
                node: r.try_get(2)?,
                at: r.try_get(3)?,
            });
        }
        Ok(())
    }
}

/// The ties from the sources of one pack, in (from, to, kind) order.
const TIES_OF_PACK: &str = "SELECT src, dst, kind, count, first_at, last_at FROM network_ties \
     WHERE src >= $1 AND src < $2 ORDER BY src, dst, kind";

impl PostgresStore {
    /// Gives the ties of `pack` from their rows.
    fn ties_from_rows(
        &mut self,
        pack: i64,
        each: &mut dyn FnMut(StoredTie<'_>),
    ) -> Result<(), StoreError> {
        let (start, end) = pack_range(pack);
        let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&start, &end];
        let mut rows = self.client.query_raw(TIES_OF_PACK, params)?;
        while let Some(r) = rows.next()? {
            each(tie_of_row(&r)?);
        }
        Ok(())
    }
}

/// A tie from a row of `TIES_OF_PACK`.
fn tie_of_row(r: &postgres::Row) -> Result<StoredTie<'_>, StoreError> {
    Ok(StoredTie {
        from: r.try_get(0)?,
        to: r.try_get(1)?,
        kind: r.try_get(2)?,
        count: r.try_get(3)?,
        first: r.try_get(4)?,
        last: r.try_get(5)?,
    })
}
