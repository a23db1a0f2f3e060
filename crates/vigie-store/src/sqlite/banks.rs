//! Hash banks, entries and matches in the SQLite backend.

use super::{At, SqliteStore};
use crate::StoreError;
use crate::banks::{
    Banks, EntryChange, EntryCounts, FeedPosition, HuntState, ImportProgress, MatchQuery,
    MediumMatches, NewMatch, Settled, StoredMedium, VideoRecord,
};
use crate::rows::{
    BANK_SETTINGS_SQL, MATCH_SQL, MEDIUM_HASH_COLUMNS, STORED_MATCH_SQL, bank_of, entry_of,
    labels_json, match_of, medium_of, parse_signal, raw_bank, raw_entry, raw_match, raw_medium,
    raw_stored_match, stored_match_of,
};
use crate::rules::{Effect, effect, plan_settle};
use rusqlite::{Connection, OptionalExtension, params};
use vigie_model::{Bank, BankEntry, EntryRecord, MatchStatus, MediaMatch, SignalType, Timestamp};

/// A bank with its counts of live and held entries. A removed entry has a row in `bank_removals` (schema
/// version 14) instead of a mark in its own row.
pub(super) const BANK_SQL: &str = "SELECT b.id, b.name, b.kind, b.source, b.labels, b.enabled, b.pdq_distance, \
     b.created_at, b.updated_at, \
     (SELECT COUNT(*) FROM bank_entries e WHERE e.bank_id = b.id) \
     - (SELECT COUNT(*) FROM bank_removals r JOIN bank_entries e ON e.id = r.entry_id WHERE e.bank_id = b.id), \
     (SELECT COUNT(*) FROM bank_entries e WHERE e.bank_id = b.id AND e.quarantine IS NOT NULL \
      AND NOT EXISTS (SELECT 1 FROM bank_removals r WHERE r.entry_id = e.id)), \
     b.suppresses FROM banks b";

/// An entry, its bank's name and its removal if any; it was last updated when it was removed, if that is later.
const ENTRY_SQL: &str = "SELECT e.id, b.name, e.signal, e.value, e.labels, e.provenance, e.added_at, \
     MAX(e.updated_at, COALESCE(r.removed_at, e.updated_at)), r.removed_at, e.quarantine \
     FROM bank_entries e JOIN banks b ON b.id = e.bank_id LEFT JOIN bank_removals r ON r.entry_id = e.id";

pub(super) fn bank_id(conn: &Connection, name: &str) -> Result<Option<i64>, rusqlite::Error> {
    conn.query_row("SELECT id FROM banks WHERE name = ?1", [name], |r| r.get(0))
        .optional()
}

fn next_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "UPDATE bank_state SET seq = seq + 1 WHERE id = 1 RETURNING seq",
        [],
        |r| r.get(0),
    )
}

impl Banks for SqliteStore {
    crate::audited::audited_bank_methods!();

    fn banks(&mut self) -> Result<Vec<Bank>, StoreError> {
        self.bank_rows(BANK_SQL)
    }

    fn bank_settings(&mut self) -> Result<Vec<Bank>, StoreError> {
        self.bank_rows(BANK_SETTINGS_SQL)
    }

    fn bank_entries(
        &mut self,
        bank: &str,
        include_removed: bool,
        limit: usize,
    ) -> Result<Vec<BankEntry>, StoreError> {
        let id = bank_id(&self.conn, bank)
            .map_err(self.err())?
            .ok_or_else(|| StoreError::NoSuchBank(bank.to_owned()))?;
        let sql = format!(
            "{ENTRY_SQL} WHERE e.bank_id = ?1 {} ORDER BY e.id LIMIT ?2",
            if include_removed {
                ""
            } else {
                "AND r.entry_id IS NULL"
            }
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let raws = stmt
            .query_map(params![id, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                raw_entry(r)
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(entry_of).collect()
    }

    fn find_entry(
        &mut self,
        bank: &str,
        signal: SignalType,
        value: &str,
    ) -> Result<Option<BankEntry>, StoreError> {
        self.flush_pending()?;
        let raw = self
            .conn
            .prepare_cached(&format!(
                "{ENTRY_SQL} WHERE e.bank_id = (SELECT id FROM banks WHERE name = ?1) \
                 AND e.signal = ?2 AND e.value = ?3"
            ))
            .and_then(|mut s| {
                s.query_row(params![bank, signal.as_str(), value], |r| raw_entry(r))
                    .optional()
            })
            .map_err(self.err())?;
        raw.map(entry_of).transpose()
    }

    fn entries_by_id(&mut self, ids: &[i64]) -> Result<Vec<BankEntry>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{ENTRY_SQL} WHERE e.id = ?1"))
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(raw) = stmt
                .query_row([id], |r| raw_entry(r))
                .optional()
                .map_err(self.err())?
            {
                out.push(entry_of(raw)?);
            }
        }
        Ok(out)
    }

    fn media_type(&mut self, sha256: &str) -> Result<Option<String>, StoreError> {
        self.flush_pending()?;
        self.conn
            .prepare_cached("SELECT mime FROM media WHERE sha256 = ?1")
            .and_then(|mut s| s.query_row([sha256], |r| r.get(0)).optional())
            .map_err(self.err())
    }

    fn media_pdq(&mut self, sha256: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT pdq FROM media WHERE sha256 = ?1")
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(sha256.len());
        for sha in sha256 {
            let pdq: Option<Option<String>> = stmt
                .query_row([sha], |r| r.get(0))
                .optional()
                .map_err(self.err())?;
            out.push(pdq.flatten());
        }
        Ok(out)
    }

    fn entry_changes(
        &mut self,
        since: Option<FeedPosition>,
        each: &mut dyn FnMut(EntryChange<'_>),
    ) -> Result<(FeedPosition, bool), StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // One read transaction, so that the position read matches the rows read.
        let tx = self.conn.unchecked_transaction().map_err(err)?;
        let now = tx
            .query_row("SELECT epoch, seq FROM bank_state WHERE id = 1", [], |r| {
                Ok(FeedPosition {
                    epoch: r.get(0)?,
                    seq: r.get(1)?,
                })
            })
            .map_err(err)?;
        let (from, fresh) = match since {
            Some(p) if p.epoch == now.epoch => (p.seq, false),
            _ => (-1, true),
        };
        {
            let mut stmt = tx
                .prepare(
                    // Entries added or brought back since, and entries removed since, in the order of their
                    // changes (an entry added and then removed since comes twice, removed the second time).
                    "SELECT id, signal, value, live FROM ( \
                       SELECT e.id, e.signal, e.value, \
                         NOT EXISTS (SELECT 1 FROM bank_removals r WHERE r.entry_id = e.id) AS live, \
                         e.change_seq AS seq FROM bank_entries e WHERE e.change_seq > ?1 \
                       UNION ALL \
                       SELECT e.id, e.signal, e.value, 0 AS live, r.change_seq AS seq \
                         FROM bank_removals r JOIN bank_entries e ON e.id = r.entry_id WHERE r.change_seq > ?1) \
                     ORDER BY seq, id",
                )
                .map_err(err)?;
            let mut rows = stmt.query([from]).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                let signal: String = r.get(1).map_err(err)?;
                let value: String = r.get(2).map_err(err)?;
                each(EntryChange {
                    id: r.get(0).map_err(err)?,
                    signal: parse_signal(&signal)?,
                    value: &value,
                    live: r.get(3).map_err(err)?,
                });
            }
        }
        tx.commit().map_err(err)?;
        Ok((now, fresh))
    }

    fn record_matches(&mut self, matches: &[NewMatch]) -> Result<Vec<bool>, StoreError> {
        let path = self.path.clone();
        self.write(|tx| {
            let c = tx.conn;
            let run = || -> rusqlite::Result<Vec<bool>> {
                let now = Timestamp::now().0;
                let mut insert = c.prepare_cached(
                    "INSERT INTO media_matches (media_sha256, entry_id, distance, variant, status, suppressed_by, matched_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                )?;
                let mut update = c.prepare_cached(
                    "UPDATE media_matches SET distance = ?3, variant = ?4, status = ?5, suppressed_by = ?6 \
                     WHERE media_sha256 = ?1 AND entry_id = ?2",
                )?;
                let mut out = Vec::with_capacity(matches.len());
                for m in matches {
                    let row = params![
                        m.media_sha256,
                        m.entry_id,
                        m.distance,
                        m.variant,
                        m.status.as_str(),
                        m.suppressed_by,
                    ];
                    let new = insert.execute(params![
                        m.media_sha256,
                        m.entry_id,
                        m.distance,
                        m.variant,
                        m.status.as_str(),
                        m.suppressed_by,
                        now
                    ])? == 1;
                    if !new {
                        update.execute(row)?;
                    }
                    out.push(new);
                }
                Ok(out)
            };
            run().map_err(|source| StoreError::Sqlite { path, source })
        })
    }

    fn matches(&mut self, q: &MatchQuery) -> Result<Vec<MediaMatch>, StoreError> {
        self.flush_pending()?;
        let sql = format!(
            "{MATCH_SQL} WHERE (?1 IS NULL OR b.name = ?1) AND (?2 IS NULL OR m.media_sha256 = ?2) \
             AND (?3 IS NULL OR m.status = ?3) ORDER BY m.matched_at DESC, m.media_sha256, m.entry_id LIMIT ?4"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err())?;
        let raws = stmt
            .query_map(
                params![
                    q.bank,
                    q.media_sha256,
                    q.status.map(MatchStatus::as_str),
                    i64::try_from(q.limit).unwrap_or(i64::MAX)
                ],
                |r| raw_match(r),
            )
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(match_of).collect()
    }

    fn match_counts(&mut self, entry_ids: &[i64]) -> Result<Vec<u64>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM media_matches WHERE entry_id = ?1")
            .map_err(self.err())?;
        entry_ids
            .iter()
            .map(|id| {
                stmt.query_row([id], |r| r.get::<_, i64>(0))
                    .map(|n| u64::try_from(n).unwrap_or(0))
                    .map_err(self.err())
            })
            .collect()
    }

    fn record_video_hashes(&mut self, videos: &[VideoRecord]) -> Result<(), StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .at(&path)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO media_vpdq (sha256, codec, width, height, frame_rate, seconds, frame_count, frames) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (sha256) DO UPDATE SET \
                     codec = excluded.codec, width = excluded.width, height = excluded.height, \
                     frame_rate = excluded.frame_rate, seconds = excluded.seconds, \
                     frame_count = excluded.frame_count, frames = excluded.frames",
                )
                .at(&path)?;
            for v in videos {
                put.execute(params![
                    v.sha256,
                    v.codec,
                    v.width,
                    v.height,
                    v.frame_rate,
                    v.seconds,
                    i64::try_from(v.frame_count).unwrap_or(i64::MAX),
                    v.frames
                ])
                .at(&path)?;
            }
        }
        tx.commit().at(&path)
    }

    fn video_hash(&mut self, sha256: &str) -> Result<Option<VideoRecord>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                "SELECT sha256, codec, width, height, frame_rate, seconds, frame_count, frames \
                 FROM media_vpdq WHERE sha256 = ?1",
                [sha256],
                |r| {
                    Ok(VideoRecord {
                        sha256: r.get(0)?,
                        codec: r.get(1)?,
                        width: r.get(2)?,
                        height: r.get(3)?,
                        frame_rate: r.get(4)?,
                        seconds: r.get(5)?,
                        frame_count: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                        frames: r.get(7)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    fn media_feed(&mut self, after: i64, limit: usize) -> Result<Vec<StoredMedium>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT rowid, {MEDIUM_HASH_COLUMNS} FROM media WHERE rowid > ?1 ORDER BY rowid LIMIT ?2"
            ))
            .map_err(self.err())?;
        let raws = stmt
            .query_map(
                params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| raw_medium(r),
            )
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        Ok(raws.into_iter().map(medium_of).collect())
    }

    fn media_by_id(&mut self, ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError> {
        self.media_where("rowid", ids)
    }

    fn media_by_digest(
        &mut self,
        signal: SignalType,
        values: &[String],
    ) -> Result<Vec<StoredMedium>, StoreError> {
        match signal {
            SignalType::Sha256 => self.media_where("sha256", values),
            SignalType::Md5 => self.media_where("md5", values),
            SignalType::Pdq => Ok(Vec::new()),
        }
    }

    fn media_matched_by(&mut self, entry_ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT media_sha256 FROM media_matches WHERE entry_id = ?1 \
                 UNION SELECT media_sha256 FROM media_matches WHERE suppressed_by = ?1",
            )
            .map_err(self.err())?;
        let mut shas: Vec<String> = Vec::new();
        for id in entry_ids {
            let found = stmt
                .query_map([id], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.err())?;
            shas.extend(found);
        }
        drop(stmt);
        shas.sort_unstable();
        shas.dedup();
        self.media_where("sha256", &shas)
    }

    fn settle_matches(&mut self, media: &[MediumMatches]) -> Result<Settled, StoreError> {
        let path = self.path.clone();
        self.write(|tx| {
            let c = tx.conn;
            let run = || -> Result<Settled, StoreError> {
                let now = Timestamp::now().0;
                let sql = |e| StoreError::Sqlite {
                    path: path.clone(),
                    source: e,
                };
                let mut read = c
                    .prepare_cached(&format!("{STORED_MATCH_SQL}?1"))
                    .map_err(sql)?;
                let mut insert = c
                    .prepare_cached(
                        "INSERT INTO media_matches (media_sha256, entry_id, distance, variant, status, suppressed_by, matched_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .map_err(sql)?;
                let mut update = c
                    .prepare_cached(
                        "UPDATE media_matches SET distance = ?3, variant = ?4, status = ?5, suppressed_by = ?6 \
                         WHERE media_sha256 = ?1 AND entry_id = ?2",
                    )
                    .map_err(sql)?;
                let mut withdraw = c
                    .prepare_cached(
                        "UPDATE media_matches SET status = 'withdrawn', suppressed_by = NULL \
                         WHERE media_sha256 = ?1 AND entry_id = ?2",
                    )
                    .map_err(sql)?;
                let mut settled = Settled::default();
                for m in media {
                    let stored = read
                        .query_map([&m.media_sha256], |r| raw_stored_match(r))
                        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                        .map_err(sql)?
                        .into_iter()
                        .map(stored_match_of)
                        .collect::<Result<Vec<_>, _>>()?;
                    let plan = plan_settle(&stored, &m.matches, &mut settled);
                    for n in &plan.insert {
                        insert
                            .execute(params![
                                n.media_sha256,
                                n.entry_id,
                                n.distance,
                                n.variant,
                                n.status.as_str(),
                                n.suppressed_by,
                                now
                            ])
                            .map_err(sql)?;
                    }
                    for n in &plan.update {
                        update
                            .execute(params![
                                n.media_sha256,
                                n.entry_id,
                                n.distance,
                                n.variant,
                                n.status.as_str(),
                                n.suppressed_by,
                            ])
                            .map_err(sql)?;
                    }
                    for entry in &plan.withdraw {
                        withdraw
                            .execute(params![m.media_sha256, entry])
                            .map_err(sql)?;
                    }
                }
                Ok(settled)
            };
            run()
        })
    }

    fn feed_position(&mut self) -> Result<FeedPosition, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT epoch, seq FROM bank_state WHERE id = 1", [], |r| {
                Ok(FeedPosition {
                    epoch: r.get(0)?,
                    seq: r.get(1)?,
                })
            })
            .map_err(self.err())
    }

    fn hunt_state(&mut self) -> Result<Option<HuntState>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row("SELECT seq, banks FROM hunt_state WHERE id = 1", [], |r| {
                Ok(HuntState {
                    seq: r.get(0)?,
                    banks: r.get(1)?,
                })
            })
            .optional()
            .map_err(self.err())
    }

    fn import_progress(
        &mut self,
        bank: &str,
        list: &str,
    ) -> Result<Option<ImportProgress>, StoreError> {
        self.flush_pending()?;
        let row = self
            .conn
            .query_row(
                "SELECT p.import_id, p.applied, p.counts, i.status FROM import_progress p \
                 JOIN imports i ON i.id = p.import_id WHERE p.bank = ?1 AND p.list = ?2 \
                 ORDER BY p.import_id DESC LIMIT 1",
                params![bank, list],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err())?;
        crate::rows::unfinished_progress(row, bank, list)
    }

    fn set_hunt_state(&mut self, state: &HuntState) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.write(|tx| {
            tx.conn
                .execute(
                    "INSERT INTO hunt_state (id, seq, banks) VALUES (1, ?1, ?2) \
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, banks = excluded.banks",
                    params![state.seq, state.banks],
                )
                .map(drop)
                .map_err(|source| StoreError::Sqlite { path, source })
        })
    }

    fn quarantine_entry(&mut self, entry_id: i64, reason: &str) -> Result<(), StoreError> {
        let path = self.path.clone();
        self.write(|tx| {
            let c = tx.conn;
            let run = || -> rusqlite::Result<()> {
                c.execute(
                    "UPDATE bank_entries SET quarantine = ?2, updated_at = ?3 WHERE id = ?1",
                    params![entry_id, reason, Timestamp::now().0],
                )?;
                c.execute(
                    "UPDATE media_matches SET status = 'held' WHERE entry_id = ?1 AND status = 'active'",
                    [entry_id],
                )?;
                Ok(())
            };
            run().map_err(|source| StoreError::Sqlite { path, source })
        })
    }
}

impl SqliteStore {
    /// Banks as `sql` reads them, by name.
    fn bank_rows(&mut self, sql: &str) -> Result<Vec<Bank>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{sql} ORDER BY b.name"))
            .map_err(self.err())?;
        let raws = stmt
            .query_map([], |r| raw_bank(r))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(bank_of).collect()
    }

    /// Stored media whose `column` is one of `keys`, in the order of their numbers.
    fn media_where<K: rusqlite::ToSql>(
        &mut self,
        column: &str,
        keys: &[K],
    ) -> Result<Vec<StoredMedium>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT rowid, {MEDIUM_HASH_COLUMNS} FROM media WHERE {column} = ?1"
            ))
            .map_err(self.err())?;
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            let found = stmt
                .query_map([key], |r| raw_medium(r))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.err())?;
            out.extend(found.into_iter().map(medium_of));
        }
        out.sort_by_key(|m| m.id);
        out.dedup_by_key(|m| m.id);
        Ok(out)
    }
}

pub(super) fn apply(
    c: &Connection,
    bank_id: i64,
    records: &[EntryRecord],
) -> rusqlite::Result<EntryCounts> {
    let seq = next_seq(c)?;
    let now = Timestamp::now().0;
    let mut find = c.prepare_cached(
        "SELECT e.id, e.labels, e.provenance, EXISTS (SELECT 1 FROM bank_removals r WHERE r.entry_id = e.id) \
         FROM bank_entries e WHERE e.bank_id = ?1 AND e.signal = ?2 AND e.value = ?3",
    )?;
    let mut insert = c.prepare_cached(
        "INSERT INTO bank_entries (bank_id, signal, value, labels, provenance, source_updated, added_at, updated_at, change_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8) ON CONFLICT (bank_id, signal, value) DO NOTHING",
    )?;
    let mut revive = c.prepare_cached(
        "UPDATE bank_entries SET labels = ?2, provenance = COALESCE(?3, provenance), \
         source_updated = ?4, updated_at = ?5, change_seq = ?6 WHERE id = ?1",
    )?;
    let mut unremove = c.prepare_cached("DELETE FROM bank_removals WHERE entry_id = ?1")?;
    let mut update = c.prepare_cached(
        "UPDATE bank_entries SET labels = ?2, provenance = COALESCE(?3, provenance), source_updated = ?4, \
         updated_at = ?5 WHERE id = ?1",
    )?;
    // A removal appends a row to `bank_removals` and leaves the entry's own row (and its page) as it is.
    let mut remove = c.prepare_cached(
        "INSERT INTO bank_removals (entry_id, removed_at, change_seq) VALUES (?1, ?2, ?3)",
    )?;
    // (A removal looked up first and then inserted as one row: one `INSERT ... SELECT` statement could insert
    // several rows, and SQLite copied every page it touched into a statement journal to be able to undo it.)
    let mut find_live = c.prepare_cached(
        "SELECT e.id FROM bank_entries e WHERE e.bank_id = ?1 AND e.signal = ?2 AND e.value = ?3 \
         AND NOT EXISTS (SELECT 1 FROM bank_removals r WHERE r.entry_id = e.id)",
    )?;
    let mut counts = EntryCounts::default();
    // In key order, so that the lookups and inserts walk the entries' index, and the new rows the table, from one
    // end to the other instead of touching a random page for each record (stable: of two records of one hash,
    // the later still wins). New entries of one application are therefore stored, and listed, in hash order.
    let order = crate::banks::in_key_order(records);
    for r in order {
        let labels = labels_json(&r.labels);
        let updated_on = r.updated_on.map(|t| t.0);
        // A deletion removes the entry when it is there and live, and otherwise changes nothing (the effect
        // rule: absent or already removed, unchanged).
        if r.deleted {
            let live: Option<i64> = find_live
                .query_row(params![bank_id, r.signal.as_str(), r.value], |row| {
                    row.get(0)
                })
                .optional()?;
            if let Some(id) = live {
                remove.execute(params![id, now, seq])?;
                counts.removed += 1;
            } else {
                counts.unchanged += 1;
            }
            continue;
        }
        // Most records of an import are new hashes: inserting first spares them the lookup, and one already
        // there takes the path below (an insert that conflicts changes nothing).
        if !r.deleted
            && insert.execute(params![
                bank_id,
                r.signal.as_str(),
                r.value,
                labels,
                r.provenance,
                updated_on,
                now,
                seq
            ])? == 1
        {
            counts.added += 1;
            continue;
        }
        let stored: Option<(i64, String, Option<String>, bool)> = find
            .query_row(params![bank_id, r.signal.as_str(), r.value], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .optional()?;
        let view = stored
            .as_ref()
            .map(|(_, l, p, removed)| (l.as_str(), p.as_deref(), *removed));
        let id = stored.as_ref().map_or(0, |s| s.0);
        match effect(r, &labels, view) {
            // Not reached: a record that is not deleted and not stored was inserted above.
            Effect::Insert => counts.added += 1,
            Effect::Revive => {
                revive.execute(params![id, labels, r.provenance, updated_on, now, seq])?;
                unremove.execute([id])?;
                counts.added += 1;
            }
            Effect::Update => {
                update.execute(params![id, labels, r.provenance, updated_on, now])?;
                counts.updated += 1;
            }
            Effect::Remove => {
                remove.execute(params![id, now, seq])?;
                counts.removed += 1;
            }
            Effect::Nothing => counts.unchanged += 1,
        }
    }
    Ok(counts)
}
