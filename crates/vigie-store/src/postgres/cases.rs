//! Signal lists, models and cases in the PostgreSQL backend: the same rows and semantics as SQLite's.

use super::{PostgresStore, read_posts};
use crate::StoreError;
use crate::cases::case_filter;
use crate::cases::{
    AccountPostCase, AccountText, CaseQuery, Cases, HashtagTimeline, NewCase, NewList, PostRow,
    StoredList, StoredModel, author_of, case_select, evidence_json, parse_signals, signals_column,
};
use crate::rows::{
    LIST_COLUMNS, MODEL_COLUMNS, case_of, raw_case, stored_list_of, stored_model_of,
};
use vigie_model::{Case, CaseSubject, Timestamp, Violation};

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Cases for PostgresStore {
    fn put_list(&mut self, list: &NewList) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO signal_lists (name, kind, format, source, body, entries, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, \
             format = EXCLUDED.format, source = EXCLUDED.source, body = EXCLUDED.body, entries = EXCLUDED.entries, \
             imported_at = EXCLUDED.imported_at",
            &[
                &list.name,
                &list.kind,
                &list.format,
                &list.source,
                &list.body,
                &to_i64(list.entries),
                &Timestamp::now().0,
            ],
        )?;
        Ok(())
    }

    fn lists(&mut self) -> Result<Vec<StoredList>, StoreError> {
        self.client
            .query(
                &format!("SELECT {LIST_COLUMNS} FROM signal_lists ORDER BY name"),
                &[],
            )?
            .iter()
            .map(|r| Ok(stored_list_of(r)?))
            .collect()
    }

    fn delete_list(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .client
            .execute("DELETE FROM signal_lists WHERE name = $1", &[&name])?
            > 0)
    }

    fn put_model(
        &mut self,
        name: &str,
        body: &[u8],
        metrics: Option<&str>,
        examples: u64,
    ) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO models (name, body, metrics, examples, trained_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body, metrics = EXCLUDED.metrics, \
             examples = EXCLUDED.examples, trained_at = EXCLUDED.trained_at",
            &[&name, &body, &metrics, &to_i64(examples), &Timestamp::now().0],
        )?;
        Ok(())
    }

    fn model(&mut self, name: &str) -> Result<Option<StoredModel>, StoreError> {
        Ok(self
            .client
            .query_opt(
                &format!("SELECT {MODEL_COLUMNS} FROM models WHERE name = $1"),
                &[&name],
            )?
            .map(|r| stored_model_of(&r))
            .transpose()?)
    }

    fn posts_after(&mut self, after: i64, limit: usize) -> Result<Vec<PostRow>, StoreError> {
        read_posts(
            &mut self.client,
            &mut self.stmts,
            "WHERE p.id > $1 ORDER BY p.id LIMIT $2",
            &[&after, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )
    }

    fn account_texts(
        &mut self,
        account: i64,
        limit: usize,
    ) -> Result<Vec<AccountText>, StoreError> {
        let rows = self.client.query(
            "SELECT id, text, lang FROM posts WHERE account_id = $1 \
             ORDER BY created_at DESC NULLS LAST, id DESC LIMIT $2",
            &[&account, &i64::try_from(limit).unwrap_or(i64::MAX)],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    fn analysis_position(&mut self) -> Result<(i64, String), StoreError> {
        let r = self.client.query_one(
            "SELECT last_post_id, settings FROM analysis_state WHERE id = 1",
            &[],
        )?;
        Ok((r.try_get(0)?, r.try_get(1)?))
    }

    fn set_analysis_position(&mut self, last_post: i64, settings: &str) -> Result<(), StoreError> {
        self.client.execute(
            "UPDATE analysis_state SET last_post_id = $1, settings = $2 WHERE id = 1",
            &[&last_post, &settings],
        )?;
        Ok(())
    }

    fn put_cases(&mut self, cases: &[NewCase]) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let now = Timestamp::now().0;
        for c in cases {
            let col = match c.subject {
                CaseSubject::Post => "post_id",
                CaseSubject::Account => "account_id",
            };
            let author = author_of(c.subject, "$2");
            if c.evidence.is_empty() {
                tx.execute(
                    &format!(
                        "DELETE FROM cases WHERE subject = $1 AND {col} = $2 \
                         AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = cases.id)"
                    ),
                    &[&c.subject.as_str(), &c.row],
                )?;
                continue;
            }
            let (signals, evidence) = (signals_column(&c.evidence), evidence_json(&c.evidence));
            let category = c.category.map(Violation::as_str);
            let subject = c.subject.as_str();
            // The UPDATE and the INSERT bind the same seven values.
            let bound: &[&(dyn postgres::types::ToSql + Sync)] = &[
                &subject, &c.row, &c.score, &signals, &evidence, &now, &category,
            ];
            let updated = tx.execute(
                &format!(
                    "UPDATE cases SET score = $3, signals = $4, evidence = $5, updated_at = $6, \
                     author_id = {author}, category = $7 \
                     WHERE subject = $1 AND {col} = $2 \
                     AND (score <> $3 OR evidence <> $5 OR author_id IS DISTINCT FROM {author} \
                     OR category IS DISTINCT FROM $7)"
                ),
                bound,
            )?;
            if updated == 0 {
                tx.execute(
                    &format!(
                        "INSERT INTO cases (subject, {col}, author_id, score, signals, evidence, created_at, updated_at, \
                         category) \
                         SELECT $1, $2, {author}, $3, $4, $5, $6, $6, $7 WHERE NOT EXISTS \
                         (SELECT 1 FROM cases WHERE subject = $1 AND {col} = $2)"
                    ),
                    bound,
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn account_post_cases(&mut self, accounts: &[i64]) -> Result<Vec<AccountPostCase>, StoreError> {
        self.client
            .query(
                "SELECT p.account_id, c.id, p.platform_id, c.score, c.signals, c.category FROM cases c JOIN posts p ON p.id = c.post_id \
                 WHERE c.subject = 'post' AND p.account_id = ANY($1) ORDER BY p.account_id, c.score DESC, c.id",
                &[&accounts],
            )?
            .iter()
            .map(|r| {
                Ok(AccountPostCase {
                    account: r.try_get(0)?,
                    case_id: r.try_get(1)?,
                    post_id: r.try_get(2)?,
                    score: r.try_get(3)?,
                    signals: parse_signals(r.try_get(4)?),
                    category: r
                        .try_get::<_, Option<&str>>(5)?
                        .and_then(Violation::parse),
                })
            })
            .collect()
    }

    fn cases(&mut self, q: &CaseQuery) -> Result<Vec<Case>, StoreError> {
        let sql = format!(
            "SELECT {} {}",
            case_select(q.brief),
            case_filter(q, pg_placeholder, pg_from_bank)
        );
        let signal = q.signal.map(|s| format!("%,{},%", s.as_str()));
        let stmt = self.stmts.get(&mut self.client, &sql)?;
        self.client
            .query(
                &stmt,
                &[
                    &q.subject.map(CaseSubject::as_str),
                    &q.platform,
                    &q.language,
                    &signal,
                    &q.status,
                    &q.min_score,
                    &q.assignee,
                    &q.label,
                    &q.bank,
                    &q.account,
                    &q.after.map(|a| a.0),
                    &q.after.map(|a| a.1),
                ],
            )?
            .iter()
            .map(|r| case_of(raw_case(r)?))
            .collect()
    }

    fn hashtag_timeline(&mut self, tag: &str, top: usize) -> Result<HashtagTimeline, StoreError> {
        let tag = tag.trim_start_matches('#').to_lowercase();
        let top = i64::try_from(top).unwrap_or(i64::MAX);
        let tagged = "WITH tagged AS (SELECT DISTINCT p.id, p.created_at, p.account_id FROM posts p \
                      JOIN post_hashtags h ON h.post_id = p.id WHERE lower(h.tag) = $1)";
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let posts: i64 = self
            .client
            .query_one(&format!("{tagged} SELECT COUNT(*) FROM tagged"), &[&tag])?
            .try_get(0)?;
        let per_hour = self
            .client
            .query(
                &format!(
                    "{tagged} SELECT (created_at / 3600000) * 3600000 AS hour, COUNT(*) FROM tagged \
                     WHERE created_at IS NOT NULL GROUP BY hour ORDER BY hour"
                ),
                &[&tag],
            )?
            .iter()
            .map(|r| Ok((Timestamp(r.try_get(0)?), count(r.try_get(1)?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let top_accounts = self
            .client
            .query(
                &format!(
                    "{tagged} SELECT a.platform, COALESCE(a.handle, a.platform_id) AS who, COUNT(*) AS n FROM tagged \
                     JOIN accounts a ON a.id = tagged.account_id GROUP BY a.id ORDER BY n DESC, who LIMIT $2"
                ),
                &[&tag, &top],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, count(r.try_get(2)?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let co_tags = self
            .client
            .query(
                &format!(
                    "{tagged} SELECT lower(h.tag) AS other, COUNT(DISTINCT tagged.id) AS n FROM tagged \
                     JOIN post_hashtags h ON h.post_id = tagged.id WHERE lower(h.tag) <> $1 \
                     GROUP BY other ORDER BY n DESC, other LIMIT $2"
                ),
                &[&tag, &top],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, count(r.try_get(1)?))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(HashtagTimeline {
            tag,
            posts: count(posts),
            per_hour,
            top_accounts,
            co_tags,
        })
    }
}

/// `$N` with the type PostgreSQL cannot infer from `$N IS NULL`.
fn pg_placeholder(n: usize) -> String {
    match n {
        6 | 11 => format!("${n}::float8"),
        12 => "$12::int8".to_owned(),
        _ => format!("${n}::text"),
    }
}

/// PostgreSQL's condition that a case's evidence holds a hash match from the bank in placeholder `p`.
fn pg_from_bank(p: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM jsonb_array_elements(c.evidence::jsonb) e \
         WHERE e->>'signal' = 'hash_match' AND e->>'source' = {p})"
    )
}
