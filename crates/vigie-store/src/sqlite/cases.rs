//! Signal lists, models and cases in the SQLite backend.

use super::SqliteStore;
use crate::StoreError;
use crate::cases::case_filter;
use crate::cases::{
    AccountPostCase, AccountText, CaseQuery, Cases, HashtagTimeline, NewCase, NewList, PostRow,
    StoredList, StoredModel, author_of, case_select, evidence_json, parse_signals, signals_column,
};
use crate::rows::{
    LIST_COLUMNS, MODEL_COLUMNS, RawCase, case_of, raw_case, stored_list_of, stored_model_of,
};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use vigie_model::{Case, CaseSubject, Timestamp, Violation};

/// SQLite's condition that a case's evidence holds a hash match from the bank in placeholder `p`.
fn sqlite_from_bank(p: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM json_each(c.evidence) e WHERE json_extract(e.value, '$.signal') = 'hash_match' \
         AND json_extract(e.value, '$.source') = {p})"
    )
}

impl Cases for SqliteStore {
    fn put_list(&mut self, list: &NewList) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute(
                "INSERT INTO signal_lists (name, kind, format, source, body, entries, imported_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, \
                 format = excluded.format, source = excluded.source, body = excluded.body, entries = excluded.entries, \
                 imported_at = excluded.imported_at",
                params![
                    list.name,
                    list.kind,
                    list.format,
                    list.source,
                    list.body,
                    i64::try_from(list.entries).unwrap_or(i64::MAX),
                    Timestamp::now().0
                ],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    fn lists(&mut self) -> Result<Vec<StoredList>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {LIST_COLUMNS} FROM signal_lists ORDER BY name"
            ))
            .map_err(self.err())?;
        stmt.query_map([], |r| stored_list_of(r))
            .and_then(|rows| rows.collect())
            .map_err(self.err())
    }

    fn delete_list(&mut self, name: &str) -> Result<bool, StoreError> {
        self.flush_pending()?;
        self.conn
            .execute("DELETE FROM signal_lists WHERE name = ?1", [name])
            .map(|n| n > 0)
            .map_err(self.err())
    }

    fn put_model(
        &mut self,
        name: &str,
        body: &[u8],
        metrics: Option<&str>,
        examples: u64,
    ) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute(
                "INSERT INTO models (name, body, metrics, examples, trained_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, metrics = excluded.metrics, \
                 examples = excluded.examples, trained_at = excluded.trained_at",
                params![
                    name,
                    body,
                    metrics,
                    i64::try_from(examples).unwrap_or(i64::MAX),
                    Timestamp::now().0
                ],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    fn model(&mut self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                &format!("SELECT {MODEL_COLUMNS} FROM models WHERE name = ?1"),
                [name],
                |r| stored_model_of(r),
            )
            .optional()
            .map_err(self.err())
    }

    fn posts_after(&mut self, after: i64, limit: usize) -> Result<Vec<PostRow>, StoreError> {
        self.flush_pending()?;
        crate::sqlite::read_post_texts(&self.conn, after, limit).map_err(self.err())
    }

    fn account_texts(
        &mut self,
        account: i64,
        limit: usize,
    ) -> Result<Vec<AccountText>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, text, lang FROM posts WHERE account_id = ?1 \
                 ORDER BY created_at DESC, id DESC LIMIT ?2",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(
                params![account, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        rows.map_err(self.err())
    }

    fn analysis_position(&mut self) -> Result<(i64, String), StoreError> {
        self.flush_pending()?;
        self.conn
            .query_row(
                "SELECT last_post_id, settings FROM analysis_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.err())
    }

    fn set_analysis_position(&mut self, last_post: i64, settings: &str) -> Result<(), StoreError> {
        self.flush_pending()?;
        self.conn
            .execute(
                "UPDATE analysis_state SET last_post_id = ?1, settings = ?2 WHERE id = 1",
                params![last_post, settings],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    fn put_cases(&mut self, cases: &[NewCase]) -> Result<(), StoreError> {
        self.flush_pending()?;
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let now = Timestamp::now().0;
            let column = |c: &NewCase| match c.subject {
                CaseSubject::Post => "post_id",
                CaseSubject::Account => "account_id",
            };
            for c in cases {
                let col = column(c);
                // The subject is written into the SQL, not bound: the partial unique indexes (`WHERE subject =
                // 'post'`) are usable only with its value known, and SQLite re-prepares a statement whose plan
                // depends on a bound value each time that value is bound again (a quarter of the analysis time).
                let subject = c.subject.as_str();
                let author = author_of(c.subject, "?1");
                if c.evidence.is_empty() {
                    tx.prepare_cached(&format!(
                        "DELETE FROM cases WHERE subject = '{subject}' AND {col} = ?1 \
                         AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = cases.id)"
                    ))
                    .and_then(|mut s| s.execute(params![c.row]))
                    .map_err(err)?;
                    continue;
                }
                let (signals, evidence) = (signals_column(&c.evidence), evidence_json(&c.evidence));
                // The UPDATE and the INSERT bind the same six values.
                let bound = params![
                    c.row,
                    c.score,
                    signals,
                    evidence,
                    now,
                    c.category.map(Violation::as_str)
                ];
                let updated = tx
                    .prepare_cached(&format!(
                        "UPDATE cases SET score = ?2, signals = ?3, evidence = ?4, updated_at = ?5, \
                         author_id = {author}, category = ?6 \
                         WHERE subject = '{subject}' AND {col} = ?1 \
                         AND (score <> ?2 OR evidence <> ?4 OR author_id IS NOT {author} \
                         OR category IS NOT ?6)"
                    ))
                    .and_then(|mut s| s.execute(bound))
                    .map_err(err)?;
                if updated == 0 {
                    tx.prepare_cached(&format!(
                        "INSERT INTO cases (subject, {col}, author_id, score, signals, evidence, created_at, updated_at, \
                         category) \
                         SELECT '{subject}', ?1, {author}, ?2, ?3, ?4, ?5, ?5, ?6 WHERE NOT EXISTS \
                         (SELECT 1 FROM cases WHERE subject = '{subject}' AND {col} = ?1)"
                    ))
                    .and_then(|mut s| s.execute(bound))
                    .map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)
    }

    fn account_post_cases(&mut self, accounts: &[i64]) -> Result<Vec<AccountPostCase>, StoreError> {
        self.flush_pending()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT p.account_id, c.id, p.platform_id, c.score, c.signals, c.category FROM cases c JOIN posts p ON p.id = c.post_id \
                 WHERE c.subject = 'post' AND p.account_id = ?1 ORDER BY c.score DESC, c.id",
            )
            .map_err(self.err())?;
        let mut out = Vec::new();
        for account in accounts {
            let rows = stmt
                .query_map([account], |r| {
                    Ok(AccountPostCase {
                        account: r.get(0)?,
                        case_id: r.get(1)?,
                        post_id: r.get(2)?,
                        score: r.get(3)?,
                        signals: parse_signals(&r.get::<_, String>(4)?),
                        category: r
                            .get::<_, Option<String>>(5)?
                            .as_deref()
                            .and_then(Violation::parse),
                    })
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.err())?;
            out.extend(rows);
        }
        Ok(out)
    }

    fn cases(&mut self, q: &CaseQuery) -> Result<Vec<Case>, StoreError> {
        self.flush_pending()?;
        let sql = format!(
            "SELECT {} {}",
            case_select(q.brief),
            case_filter(q, |n| format!("?{n}"), sqlite_from_bank)
        );
        // Cached: the queue runs the same few statements (one per sort order and account form) all day.
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err())?;
        let raws = stmt
            .query_map(
                params![
                    q.subject.map(CaseSubject::as_str),
                    q.platform,
                    q.language,
                    q.signal.map(|s| format!("%,{},%", s.as_str())),
                    q.status,
                    q.min_score,
                    q.assignee,
                    q.label,
                    q.bank,
                    q.account,
                    q.after.map(|a| a.0),
                    q.after.map(|a| a.1)
                ],
                |r| raw_case(r),
            )
            .and_then(|rows| rows.collect::<Result<Vec<RawCase>, _>>())
            .map_err(self.err())?;
        raws.into_iter().map(case_of).collect()
    }

    fn hashtag_timeline(&mut self, tag: &str, top: usize) -> Result<HashtagTimeline, StoreError> {
        self.flush_pending()?;
        let tag = tag.trim_start_matches('#').to_lowercase();
        let top = i64::try_from(top).unwrap_or(i64::MAX);
        let tagged = "WITH tagged AS (SELECT DISTINCT p.id, p.created_at, p.account_id, p.hashtags FROM posts p, \
                      json_each(p.hashtags) t WHERE lower(t.value) = ?1)";
        let run = || -> rusqlite::Result<HashtagTimeline> {
            let c = &self.conn;
            let posts: i64 = c.query_row(
                &format!("{tagged} SELECT COUNT(*) FROM tagged"),
                [&tag],
                |r| r.get(0),
            )?;
            let per_hour = c
                .prepare(&format!(
                    "{tagged} SELECT (created_at / 3600000) * 3600000 AS hour, COUNT(*) FROM tagged \
                     WHERE created_at IS NOT NULL GROUP BY hour ORDER BY hour"
                ))?
                .query_map([&tag], |r| Ok((Timestamp(r.get(0)?), r.get::<_, i64>(1)? as u64)))?
                .collect::<Result<Vec<_>, _>>()?;
            let top_accounts = c
                .prepare(&format!(
                    "{tagged} SELECT a.platform, COALESCE(a.handle, a.platform_id), COUNT(*) AS n FROM tagged \
                     JOIN accounts a ON a.id = tagged.account_id GROUP BY a.id ORDER BY n DESC, 2 LIMIT ?2"
                ))?
                .query_map(params![tag, top], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64)))?
                .collect::<Result<Vec<_>, _>>()?;
            let co_tags = c
                .prepare(&format!(
                    "{tagged} SELECT lower(t2.value) AS other, COUNT(DISTINCT tagged.id) AS n FROM tagged, \
                     json_each(tagged.hashtags) t2 WHERE lower(t2.value) <> ?1 GROUP BY other ORDER BY n DESC, other LIMIT ?2"
                ))?
                .query_map(params![tag, top], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(HashtagTimeline {
                tag: tag.clone(),
                posts: posts as u64,
                per_hour,
                top_accounts,
                co_tags,
            })
        };
        run().map_err(self.err())
    }
}
