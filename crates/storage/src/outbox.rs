//! The outbox of both engines: messages held instead of delivered, read back newest first.

use crate::{OutboxFilter, OutboxRow, StoreResult};

/// Columns of an [`OutboxRow`] in the order both engines read them.
const COLUMNS: &str =
    "pool_id, username, channel, destination, purpose, subject, body, code, sent_ms";

/// SQLite: appends a held message.
pub(crate) fn sqlite_append(c: &rusqlite::Connection, row: &OutboxRow) -> StoreResult<()> {
    c.prepare_cached(&format!(
        "INSERT INTO outbox ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))
    .and_then(|mut stmt| {
        stmt.execute(rusqlite::params![
            row.pool_id,
            row.username,
            row.channel,
            row.destination,
            row.purpose,
            row.subject,
            row.body,
            row.code,
            row.sent_ms
        ])
    })
    .map_err(|e| crate::StoreError::Engine(e.to_string()))?;
    Ok(())
}

/// SQLite: held messages, newest first.
pub(crate) fn sqlite_list(
    c: &rusqlite::Connection,
    filter: OutboxFilter<'_>,
    limit: usize,
) -> StoreResult<Vec<OutboxRow>> {
    let engine = |e: rusqlite::Error| crate::StoreError::Engine(e.to_string());
    let mut stmt = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR pool_id = ?1) \
             AND (?2 IS NULL OR destination = ?2) ORDER BY id DESC LIMIT ?3"
        ))
        .map_err(engine)?;
    let rows = stmt
        .query_map(
            rusqlite::params![filter.pool_id, filter.destination, limit as i64],
            |r| {
                Ok(OutboxRow {
                    pool_id: r.get(0)?,
                    username: r.get(1)?,
                    channel: r.get(2)?,
                    destination: r.get(3)?,
                    purpose: r.get(4)?,
                    subject: r.get(5)?,
                    body: r.get(6)?,
                    code: r.get(7)?,
                    sent_ms: r.get(8)?,
                })
            },
        )
        .map_err(engine)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(engine)
}

/// PostgreSQL: appends a held message.
pub(crate) async fn postgres_append(pool: &sqlx::PgPool, row: OutboxRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO outbox ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(row.pool_id)
    .bind(row.username)
    .bind(row.channel)
    .bind(row.destination)
    .bind(row.purpose)
    .bind(row.subject)
    .bind(row.body)
    .bind(row.code)
    .bind(row.sent_ms)
    .execute(pool)
    .await
    .map_err(|e| crate::StoreError::Engine(e.to_string()))?;
    Ok(())
}

/// PostgreSQL: held messages, newest first.
pub(crate) async fn postgres_list(
    pool: &sqlx::PgPool,
    filter: OutboxFilter<'_>,
    limit: usize,
) -> StoreResult<Vec<OutboxRow>> {
    use sqlx::Row;
    let engine = |e: sqlx::Error| crate::StoreError::Engine(e.to_string());
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE ($1::TEXT IS NULL OR pool_id = $1) \
         AND ($2::TEXT IS NULL OR destination = $2) ORDER BY id DESC LIMIT $3"
    ))
    .bind(filter.pool_id)
    .bind(filter.destination)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(engine)?;
    rows.iter()
        .map(|r| {
            Ok(OutboxRow {
                pool_id: r.try_get(0)?,
                username: r.try_get(1)?,
                channel: r.try_get(2)?,
                destination: r.try_get(3)?,
                purpose: r.try_get(4)?,
                subject: r.try_get(5)?,
                body: r.try_get(6)?,
                code: r.try_get(7)?,
                sent_ms: r.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(engine)
}
