//! Hash banks, entries and matches in the PostgreSQL backend: the same rows and semantics as SQLite's.

use super::PostgresStore;
use crate::StoreError;
use crate::banks::{
    Banks, EntryChange, EntryCounts, FeedPosition, HuntState, ImportProgress, MatchQuery,
    MediumMatches, NewMatch, Settled, StoredMedium, VideoRecord,
};
use crate::rows::{
    BANK_SETTINGS_SQL, BANK_SQL, ENTRY_SQL, MATCH_SQL, MEDIUM_HASH_COLUMNS, STORED_MATCH_SQL,
    bank_of, entry_of, labels_json, match_of, medium_of, parse_signal, raw_bank, raw_entry,
    raw_match, raw_medium, raw_stored_match, stored_match_of,
};
use crate::rules::{Effect, effect, plan_settle};
use postgres::{GenericClient, Row, Transaction};
use vigie_model::{Bank, BankEntry, EntryRecord, MatchStatus, MediaMatch, SignalType, Timestamp};

fn bank_row(r: &Row) -> Result<Bank, StoreError> {
    bank_of(raw_bank(r)?)
}

fn entry_row(r: &Row) -> Result<BankEntry, StoreError> {
    entry_of(raw_entry(r)?)
}

fn match_row(r: &Row) -> Result<MediaMatch, StoreError> {
    match_of(raw_match(r)?)
}

/// The row id of the bank named `name`: all a write or a listing needs, without the two counts over the bank's
/// entries that a whole bank row holds (read on every chunk of an import before).
fn bank_id(c: &mut impl GenericClient, name: &str) -> Result<i64, StoreError> {
    c.query_opt("SELECT id FROM banks WHERE name = $1", &[&name])?
        .map(|r| r.try_get(0))
        .transpose()?
        .ok_or_else(|| StoreError::NoSuchBank(name.to_owned()))
}

fn next_seq(tx: &mut Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx
        .query_one(
            "UPDATE bank_state SET seq = seq + 1 WHERE id = 1 RETURNING seq",
            &[],
        )?
        .try_get(0)?)
}

/// An entry as the records applied so far leave it.
struct Pending {
    /// Its id; `None` for an entry new in this application.
    id: Option<i64>,
    labels: String,
    provenance: Option<String>,
    source_updated: Option<i64>,
    removed: bool,
    /// Removed by a record of this application (its removal time is now).
    removed_now: bool,
    /// Added, revived or removed: the change feed takes it again.
    bumped: bool,
    /// Changed by a record of this application.
    touched: bool,
}

/// Applies list records to the bank `bank` inside `tx` ([`Banks::apply_entries`]) in a constant number of round
/// trips: the entries they name are read at once, the records are applied to them in memory in key order (as
/// SQLite applies them, with the same counts and end state), then the new entries are inserted at once in key
/// order (so they get their ids in hash order on both backends) and the changed ones updated at once.
pub(super) fn apply_in(
    tx: &mut Transaction<'_>,
    bank: &str,
    records: &[EntryRecord],
) -> Result<EntryCounts, StoreError> {
    let bank_id = bank_id(tx, bank)?;
    let seq = next_seq(tx)?;
    let now = Timestamp::now().0;
    let signals: Vec<&str> = records.iter().map(|r| r.signal.as_str()).collect();
    let values: Vec<&str> = records.iter().map(|r| r.value.as_str()).collect();
    let rows = tx.query(
        "SELECT e.id, e.signal, e.value, e.labels, e.provenance, e.source_updated, e.removed_at IS NOT NULL \
         FROM bank_entries e JOIN UNNEST($2::text[], $3::text[]) AS k(signal, value) \
         ON e.signal = k.signal AND e.value = k.value WHERE e.bank_id = $1",
        &[&bank_id, &signals, &values],
    )?;
    let mut entries: std::collections::HashMap<(SignalType, String), Pending> =
        std::collections::HashMap::with_capacity(records.len());
    for r in &rows {
        let signal: String = r.try_get(1)?;
        let Ok(signal) = SignalType::parse(&signal) else {
            continue;
        };
        entries.insert(
            (signal, r.try_get(2)?),
            Pending {
                id: Some(r.try_get(0)?),
                labels: r.try_get(3)?,
                provenance: r.try_get(4)?,
                source_updated: r.try_get(5)?,
                removed: r.try_get(6)?,
                removed_now: false,
                bumped: false,
                touched: false,
            },
        );
    }
    // The new entries' keys, in the order they were first added (key order).
    let mut added: Vec<(SignalType, String)> = Vec::new();
    let mut counts = EntryCounts::default();
    for r in crate::banks::in_key_order(records) {
        let labels = labels_json(&r.labels);
        let key = (r.signal, r.value.clone());
        let updated_on = r.updated_on.map(|t| t.0);
        let view = entries
            .get(&key)
            .map(|e| (e.labels.as_str(), e.provenance.as_deref(), e.removed));
        match effect(r, &labels, view) {
            Effect::Insert => {
                added.push(key.clone());
                entries.insert(
                    key,
                    Pending {
                        id: None,
                        labels,
                        provenance: r.provenance.clone(),
                        source_updated: updated_on,
                        removed: false,
                        removed_now: false,
                        bumped: true,
                        touched: true,
                    },
                );
                counts.added += 1;
            }
            Effect::Revive | Effect::Update => {
                let Some(e) = entries.get_mut(&key) else {
                    return Err(StoreError::Corrupt(format!(
                        "no entry {} to update",
                        r.value
                    )));
                };
                if e.removed {
                    e.removed = false;
                    e.removed_now = false;
                    e.bumped = true;
                    counts.added += 1;
                } else {
                    counts.updated += 1;
                }
                e.labels = labels;
                e.provenance = r.provenance.clone().or(e.provenance.take());
                e.source_updated = updated_on;
                e.touched = true;
            }
            Effect::Remove => {
                let Some(e) = entries.get_mut(&key) else {
                    return Err(StoreError::Corrupt(format!(
                        "no entry {} to remove",
                        r.value
                    )));
                };
                e.removed = true;
                e.removed_now = true;
                e.bumped = true;
                e.touched = true;
                counts.removed += 1;
            }
            Effect::Nothing => counts.unchanged += 1,
        }
    }
    if !added.is_empty() {
        let mut cols = NewColumns::default();
        for key in &added {
            let e = &entries[key];
            cols.signal.push(key.0.as_str());
            cols.value.push(&key.1);
            cols.labels.push(&e.labels);
            cols.provenance.push(e.provenance.as_deref());
            cols.source_updated.push(e.source_updated);
            cols.removed.push(e.removed);
        }
        tx.execute(
            "INSERT INTO bank_entries (bank_id, signal, value, labels, provenance, source_updated, added_at, \
             updated_at, change_seq, removed_at) \
             SELECT $1::bigint, u.signal, u.value, u.labels, u.provenance, u.source_updated, $2::bigint, $2::bigint, $3::bigint, \
             CASE WHEN u.removed THEN $2::bigint END \
             FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bool[]) \
             WITH ORDINALITY AS u(signal, value, labels, provenance, source_updated, removed, n) ORDER BY u.n",
            &[
                &bank_id,
                &now,
                &seq,
                &cols.signal,
                &cols.value,
                &cols.labels,
                &cols.provenance,
                &cols.source_updated,
                &cols.removed,
            ],
        )?;
    }
    let changed: Vec<&Pending> = entries
        .values()
        .filter(|e| e.touched && e.id.is_some())
        .collect();
    if !changed.is_empty() {
        let ids: Vec<i64> = changed.iter().filter_map(|e| e.id).collect();
        let labels: Vec<&str> = changed.iter().map(|e| e.labels.as_str()).collect();
        let provenance: Vec<Option<&str>> =
            changed.iter().map(|e| e.provenance.as_deref()).collect();
        let source_updated: Vec<Option<i64>> = changed.iter().map(|e| e.source_updated).collect();
        let removed: Vec<bool> = changed.iter().map(|e| e.removed).collect();
        let removed_now: Vec<bool> = changed.iter().map(|e| e.removed_now).collect();
        let bumped: Vec<bool> = changed.iter().map(|e| e.bumped).collect();
        tx.execute(
            "UPDATE bank_entries e SET labels = u.labels, provenance = u.provenance, \
             source_updated = u.source_updated, updated_at = $1::bigint, \
             removed_at = CASE WHEN NOT u.removed THEN NULL WHEN u.removed_now THEN $1::bigint ELSE e.removed_at END, \
             change_seq = CASE WHEN u.bumped THEN $2::bigint ELSE e.change_seq END \
             FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bool[], $8::bool[], $9::bool[]) \
             AS u(id, labels, provenance, source_updated, removed, removed_now, bumped) WHERE e.id = u.id",
            &[
                &now,
                &seq,
                &ids,
                &labels,
                &provenance,
                &source_updated,
                &removed,
                &removed_now,
                &bumped,
            ],
        )?;
    }
    Ok(counts)
}

/// The columns of the entries to insert, one array each.
#[derive(Default)]
struct NewColumns<'a> {
    signal: Vec<&'a str>,
    value: Vec<&'a str>,
    labels: Vec<&'a str>,
    provenance: Vec<Option<&'a str>>,
    source_updated: Vec<Option<i64>>,
    removed: Vec<bool>,
}

impl Banks for PostgresStore {
    crate::audited::audited_bank_methods!();

    fn banks(&mut self) -> Result<Vec<Bank>, StoreError> {
        self.client
            .query(&format!("{BANK_SQL} ORDER BY b.name"), &[])?
            .iter()
            .map(bank_row)
            .collect()
    }

    fn bank_settings(&mut self) -> Result<Vec<Bank>, StoreError> {
        self.client
            .query(&format!("{BANK_SETTINGS_SQL} ORDER BY b.name"), &[])?
            .iter()
            .map(bank_row)
            .collect()
    }

    fn bank_entries(
        &mut self,
        bank: &str,
        include_removed: bool,
        limit: usize,
    ) -> Result<Vec<BankEntry>, StoreError> {
        let id = bank_id(&mut self.client, bank)?;
        let sql = format!(
            "{ENTRY_SQL} WHERE e.bank_id = $1 {} ORDER BY e.id LIMIT $2",
            if include_removed {
                ""
            } else {
                "AND e.removed_at IS NULL"
            }
        );
        self.client
            .query(&sql, &[&id, &i64::try_from(limit).unwrap_or(i64::MAX)])?
            .iter()
            .map(entry_row)
            .collect()
    }

    fn find_entry(
        &mut self,
        bank: &str,
        signal: SignalType,
        value: &str,
    ) -> Result<Option<BankEntry>, StoreError> {
        self.client
            .query_opt(
                &format!(
                    "{ENTRY_SQL} WHERE e.bank_id = (SELECT id FROM banks WHERE name = $1) \
                     AND e.signal = $2 AND e.value = $3"
                ),
                &[&bank, &signal.as_str(), &value],
            )?
            .map(|r| entry_row(&r))
            .transpose()
    }

    fn entries_by_id(&mut self, ids: &[i64]) -> Result<Vec<BankEntry>, StoreError> {
        let rows = self
            .client
            .query(&format!("{ENTRY_SQL} WHERE e.id = ANY($1)"), &[&ids])?;
        let mut found: std::collections::HashMap<i64, BankEntry> = rows
            .iter()
            .map(entry_row)
            .map(|e| e.map(|e| (e.id, e)))
            .collect::<Result<_, _>>()?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    fn media_type(&mut self, sha256: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .client
            .query_opt("SELECT mime FROM media WHERE sha256 = $1", &[&sha256])?
            .map(|r| r.try_get::<_, String>(0))
            .transpose()?)
    }

    fn media_pdq(&mut self, sha256: &[String]) -> Result<Vec<Option<String>>, StoreError> {
        let found: std::collections::HashMap<String, String> = self
            .client
            .query(
                "SELECT sha256, pdq FROM media WHERE sha256 = ANY($1) AND pdq IS NOT NULL",
                &[&sha256],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, postgres::Error>>()?;
        Ok(sha256.iter().map(|s| found.get(s).cloned()).collect())
    }

    fn entry_changes(
        &mut self,
        since: Option<FeedPosition>,
        each: &mut dyn FnMut(EntryChange<'_>),
    ) -> Result<(FeedPosition, bool), StoreError> {
        // REPEATABLE READ: the position and the rows come from one snapshot.
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let row = tx.query_one("SELECT epoch, seq FROM bank_state WHERE id = 1", &[])?;
        let now = FeedPosition {
            epoch: row.try_get(0)?,
            seq: row.try_get(1)?,
        };
        let (from, fresh) = match since {
            Some(p) if p.epoch == now.epoch => (p.seq, false),
            _ => (-1, true),
        };
        let params: [&(dyn postgres::types::ToSql + Sync); 1] = [&from];
        let mut rows = tx.query_raw(
            "SELECT id, signal, value, removed_at IS NULL FROM bank_entries WHERE change_seq > $1 ORDER BY change_seq, id",
            params,
        )?;
        use postgres::fallible_iterator::FallibleIterator;
        while let Some(r) = rows.next()? {
            let signal: &str = r.try_get(1)?;
            let value: &str = r.try_get(2)?;
            each(EntryChange {
                id: r.try_get(0)?,
                signal: parse_signal(signal)?,
                value,
                live: r.try_get(3)?,
            });
        }
        drop(rows);
        tx.commit()?;
        Ok((now, fresh))
    }

    fn record_matches(&mut self, matches: &[NewMatch]) -> Result<Vec<bool>, StoreError> {
        let mut tx = self.client.transaction()?;
        let now = Timestamp::now().0;
        let mut out = Vec::with_capacity(matches.len());
        for m in matches {
            // `xmax = 0` holds for a row this statement inserted, not for one it updated.
            let row = tx.query_one(
                "INSERT INTO media_matches (media_sha256, entry_id, distance, variant, status, suppressed_by, matched_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (media_sha256, entry_id) DO UPDATE SET \
                 distance = EXCLUDED.distance, variant = EXCLUDED.variant, status = EXCLUDED.status, \
                 suppressed_by = EXCLUDED.suppressed_by RETURNING (xmax = 0)",
                &[
                    &m.media_sha256,
                    &m.entry_id,
                    &i64::from(m.distance),
                    &m.variant,
                    &m.status.as_str(),
                    &m.suppressed_by,
                    &now,
                ],
            )?;
            out.push(row.try_get(0)?);
        }
        tx.commit()?;
        Ok(out)
    }

    fn matches(&mut self, q: &MatchQuery) -> Result<Vec<MediaMatch>, StoreError> {
        // Each filter only when set (an unset one is the constant `$n IS NULL`): a cached statement's generic
        // plan can then use the indexes.
        let cond = |set: bool, n: usize, col: &str| {
            if set {
                format!("{col} = ${n}::text")
            } else {
                format!("${n}::text IS NULL")
            }
        };
        let sql = format!(
            "{MATCH_SQL} WHERE {} AND {} AND {} ORDER BY m.matched_at DESC, m.media_sha256, m.entry_id LIMIT $4",
            cond(q.bank.is_some(), 1, "b.name"),
            cond(q.media_sha256.is_some(), 2, "m.media_sha256"),
            cond(q.status.is_some(), 3, "m.status"),
        );
        let stmt = self.stmts.get(&mut self.client, &sql)?;
        self.client
            .query(
                &stmt,
                &[
                    &q.bank,
                    &q.media_sha256,
                    &q.status.map(MatchStatus::as_str),
                    &i64::try_from(q.limit).unwrap_or(i64::MAX),
                ],
            )?
            .iter()
            .map(match_row)
            .collect()
    }

    fn match_counts(&mut self, entry_ids: &[i64]) -> Result<Vec<u64>, StoreError> {
        let rows = self.client.query(
            "SELECT entry_id, COUNT(*) FROM media_matches WHERE entry_id = ANY($1) GROUP BY entry_id",
            &[&entry_ids],
        )?;
        let mut counts = std::collections::HashMap::new();
        for r in &rows {
            counts.insert(r.try_get::<_, i64>(0)?, r.try_get::<_, i64>(1)?);
        }
        Ok(entry_ids
            .iter()
            .map(|id| u64::try_from(counts.get(id).copied().unwrap_or(0)).unwrap_or(0))
            .collect())
    }

    fn record_video_hashes(&mut self, videos: &[VideoRecord]) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let put = tx.prepare(
            "INSERT INTO media_vpdq (sha256, codec, width, height, frame_rate, seconds, frame_count, frames) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO UPDATE SET \
             codec = excluded.codec, width = excluded.width, height = excluded.height, \
             frame_rate = excluded.frame_rate, seconds = excluded.seconds, \
             frame_count = excluded.frame_count, frames = excluded.frames",
        )?;
        for v in videos {
            tx.execute(
                &put,
                &[
                    &v.sha256,
                    &v.codec,
                    &i64::from(v.width),
                    &i64::from(v.height),
                    &v.frame_rate,
                    &v.seconds,
                    &i64::try_from(v.frame_count).unwrap_or(i64::MAX),
                    &v.frames,
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn video_hash(&mut self, sha256: &str) -> Result<Option<VideoRecord>, StoreError> {
        let row = self.client.query_opt(
            "SELECT sha256, codec, width, height, frame_rate, seconds, frame_count, frames \
             FROM media_vpdq WHERE sha256 = $1",
            &[&sha256],
        )?;
        row.map(|r| {
            Ok(VideoRecord {
                sha256: r.try_get(0)?,
                codec: r.try_get(1)?,
                width: u32::try_from(r.try_get::<_, i64>(2)?).unwrap_or(0),
                height: u32::try_from(r.try_get::<_, i64>(3)?).unwrap_or(0),
                frame_rate: r.try_get(4)?,
                seconds: r.try_get(5)?,
                frame_count: u64::try_from(r.try_get::<_, i64>(6)?).unwrap_or(0),
                frames: r.try_get(7)?,
            })
        })
        .transpose()
    }

    fn media_feed(&mut self, after: i64, limit: usize) -> Result<Vec<StoredMedium>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT id, {MEDIUM_HASH_COLUMNS} FROM media WHERE id > $1 ORDER BY id LIMIT $2"
                ),
                &[&after, &i64::try_from(limit).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(|r| Ok(medium_of(raw_medium(r)?)))
            .collect()
    }

    fn media_by_id(&mut self, ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT id, {MEDIUM_HASH_COLUMNS} FROM media WHERE id = ANY($1) ORDER BY id"
                ),
                &[&ids],
            )?
            .iter()
            .map(|r| Ok(medium_of(raw_medium(r)?)))
            .collect()
    }

    fn media_by_digest(
        &mut self,
        signal: SignalType,
        values: &[String],
    ) -> Result<Vec<StoredMedium>, StoreError> {
        let column = match signal {
            SignalType::Sha256 => "sha256",
            SignalType::Md5 => "md5",
            SignalType::Pdq => return Ok(Vec::new()),
        };
        self.client
            .query(
                &format!(
                    "SELECT id, {MEDIUM_HASH_COLUMNS} FROM media WHERE {column} = ANY($1) ORDER BY id"
                ),
                &[&values],
            )?
            .iter()
            .map(|r| Ok(medium_of(raw_medium(r)?)))
            .collect()
    }

    fn media_matched_by(&mut self, entry_ids: &[i64]) -> Result<Vec<StoredMedium>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT id, {MEDIUM_HASH_COLUMNS} FROM media WHERE sha256 IN \
                     (SELECT media_sha256 FROM media_matches WHERE entry_id = ANY($1) OR suppressed_by = ANY($1)) \
                     ORDER BY id"
                ),
                &[&entry_ids],
            )?
            .iter()
            .map(|r| Ok(medium_of(raw_medium(r)?)))
            .collect()
    }

    fn settle_matches(&mut self, media: &[MediumMatches]) -> Result<Settled, StoreError> {
        let mut tx = self.client.transaction()?;
        let now = Timestamp::now().0;
        let read = tx.prepare(&format!("{STORED_MATCH_SQL}$1 FOR UPDATE"))?;
        let insert = tx.prepare(
            "INSERT INTO media_matches (media_sha256, entry_id, distance, variant, status, suppressed_by, matched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )?;
        let update = tx.prepare(
            "UPDATE media_matches SET distance = $3, variant = $4, status = $5, suppressed_by = $6 \
             WHERE media_sha256 = $1 AND entry_id = $2",
        )?;
        let withdraw = tx.prepare(
            "UPDATE media_matches SET status = 'withdrawn', suppressed_by = NULL \
             WHERE media_sha256 = $1 AND entry_id = $2",
        )?;
        let mut settled = Settled::default();
        for m in media {
            let stored = tx
                .query(&read, &[&m.media_sha256])?
                .iter()
                .map(|r| stored_match_of(raw_stored_match(r)?))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let plan = plan_settle(&stored, &m.matches, &mut settled);
            for n in &plan.insert {
                tx.execute(
                    &insert,
                    &[
                        &n.media_sha256,
                        &n.entry_id,
                        &i64::from(n.distance),
                        &n.variant,
                        &n.status.as_str(),
                        &n.suppressed_by,
                        &now,
                    ],
                )?;
            }
            for n in &plan.update {
                tx.execute(
                    &update,
                    &[
                        &n.media_sha256,
                        &n.entry_id,
                        &i64::from(n.distance),
                        &n.variant,
                        &n.status.as_str(),
                        &n.suppressed_by,
                    ],
                )?;
            }
            for entry in &plan.withdraw {
                tx.execute(&withdraw, &[&m.media_sha256, entry])?;
            }
        }
        tx.commit()?;
        Ok(settled)
    }

    fn feed_position(&mut self) -> Result<FeedPosition, StoreError> {
        let r = self
            .client
            .query_one("SELECT epoch, seq FROM bank_state WHERE id = 1", &[])?;
        Ok(FeedPosition {
            epoch: r.try_get(0)?,
            seq: r.try_get(1)?,
        })
    }

    fn hunt_state(&mut self) -> Result<Option<HuntState>, StoreError> {
        self.client
            .query_opt("SELECT seq, banks FROM hunt_state WHERE id = 1", &[])?
            .map(|r| {
                Ok(HuntState {
                    seq: r.try_get(0)?,
                    banks: r.try_get(1)?,
                })
            })
            .transpose()
    }

    fn import_progress(
        &mut self,
        bank: &str,
        list: &str,
    ) -> Result<Option<ImportProgress>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT p.import_id, p.applied, p.counts, i.status FROM import_progress p \
                 JOIN imports i ON i.id = p.import_id WHERE p.bank = $1 AND p.list = $2 \
                 ORDER BY p.import_id DESC LIMIT 1",
                &[&bank, &list],
            )?
            .map(|r| -> Result<_, StoreError> {
                Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?))
            })
            .transpose()?;
        crate::rows::unfinished_progress(row, bank, list)
    }

    fn set_hunt_state(&mut self, state: &HuntState) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO hunt_state (id, seq, banks) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, banks = EXCLUDED.banks",
            &[&state.seq, &state.banks],
        )?;
        Ok(())
    }

    fn quarantine_entry(&mut self, entry_id: i64, reason: &str) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        tx.execute(
            "UPDATE bank_entries SET quarantine = $2, updated_at = $3 WHERE id = $1",
            &[&entry_id, &reason, &Timestamp::now().0],
        )?;
        tx.execute(
            "UPDATE media_matches SET status = 'held' WHERE entry_id = $1 AND status = 'active'",
            &[&entry_id],
        )?;
        tx.commit()?;
        Ok(())
    }
}
