//! Eight tasks each run 1,000 random adds, removes and in-place operations on the same
//! three sets. Every operation commits with a line in a log, written while it still holds
//! its sets' locks, so the log's order is an order the operations could have run in one at a
//! time. Replaying the log on in-memory sets must give each set's members and stored count
//! exactly. PostgreSQL and MariaDB run it with their row locks; SQLite, on a file shared by
//! eight connections, under its own database lock.

// Test code over small, bounded numbers (8 tasks, 1,000 steps, 24 ids): a failed unwrap is
// the test failing, and no cast here can truncate.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

mod common;

use std::collections::BTreeSet;

use futures::future::try_join_all;
use setql::Error;
use setql::object_set::{ObjectSet, ObjectSetStore};
use setql::prelude::*;
use sqlx::{Acquire, AssertSqlSafe, Connection, Executor};

use common::Engine;

const TASKS: usize = 8;
const OPERATIONS: usize = 1_000;
const SETS: usize = 3;
const IDS: i64 = 24;

#[derive(Debug, Clone, Copy)]
enum Op {
    Add(usize, i64),
    Remove(usize, i64),
    Union(usize, usize),
    Intersect(usize, usize),
    Difference(usize, usize),
    Symmetric(usize, usize),
}

/// A task's operations, from a small deterministic generator (xorshift).
fn operations(task: usize) -> Vec<Op> {
    let mut state =
        0x9E37_79B9_7F4A_7C15_u64 ^ (task as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    (0..OPERATIONS)
        .map(|_| {
            let set = next(SETS as u64) as usize;
            let other = (set + 1 + next(SETS as u64 - 1) as usize) % SETS;
            let id = next(IDS as u64) as i64 + 1;
            match next(100) {
                0..40 => Op::Add(set, id),
                40..65 => Op::Remove(set, id),
                65..78 => Op::Union(set, other),
                78..90 => Op::Symmetric(set, other),
                90..96 => Op::Difference(set, other),
                _ => Op::Intersect(set, other),
            }
        })
        .collect()
}

fn replay(log: &[(usize, usize)], ops: &[Vec<Op>]) -> Vec<BTreeSet<i64>> {
    let mut sets = vec![BTreeSet::new(); SETS];
    for &(task, step) in log {
        match ops[task][step] {
            Op::Add(s, id) => {
                sets[s].insert(id);
            }
            Op::Remove(s, id) => {
                sets[s].remove(&id);
            }
            Op::Union(s, o) => sets[s] = &sets[s] | &sets[o],
            Op::Intersect(s, o) => sets[s] = &sets[s] & &sets[o],
            Op::Difference(s, o) => sets[s] = &sets[s] - &sets[o],
            Op::Symmetric(s, o) => sets[s] = &sets[s] ^ &sets[o],
        }
    }
    sets
}

/// A deadlock or serialization failure: the transaction is run again, as an application
/// would.
fn retryable(error: &Error) -> bool {
    error.is_retryable()
}

async fn run_all<DB>(pool: sqlx::Pool<DB>, engine: Engine)
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    for<'c> &'c sqlx::Pool<DB>: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    (i64, i64): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let objects = common::unique("cc_objects");
    let log = common::unique("cc_log");
    let prefix = format!("{}_", common::unique("cc"));
    let store = ObjectSetStore::with_prefix(&prefix);
    let serial = match engine {
        Engine::Postgres => "BIGSERIAL PRIMARY KEY",
        Engine::MySql => "BIGINT AUTO_INCREMENT PRIMARY KEY",
        Engine::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
    };
    let ddl = [
        format!("CREATE TABLE {objects} (id BIGINT PRIMARY KEY)"),
        format!(
            "INSERT INTO {objects} (id) VALUES {}",
            (1..=IDS)
                .map(|id| format!("({id})"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!("CREATE TABLE {log} (id {serial}, task BIGINT NOT NULL, step BIGINT NOT NULL)"),
    ];
    for sql in ddl {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .unwrap();
    }
    store.install(&pool).await.unwrap();
    let kind = store.kind(objects.clone(), "id");
    let mut sets = Vec::new();
    for n in 0..SETS {
        sets.push(
            kind.create(&pool, &format!("s{n}"), Vec::<i64>::new())
                .await
                .unwrap(),
        );
    }
    let ops: Vec<Vec<Op>> = (0..TASKS).map(operations).collect();
    let tasks = ops.iter().cloned().enumerate().map(|(task, ops)| {
        let pool = pool.clone();
        let mut sets = sets.clone();
        let log = log.clone();
        async move {
            let mut retries = 0u64;
            for (step, op) in ops.into_iter().enumerate() {
                loop {
                    match apply(&pool, engine, &mut sets, op, &log, task, step).await {
                        Ok(()) => break,
                        Err(error) if retryable(&error) => retries += 1,
                        Err(error) => return Err(error),
                    }
                }
            }
            Ok::<u64, Error>(retries)
        }
    });
    // The tasks interleave on one thread; the database sees eight connections at once.
    let retries: u64 = try_join_all(tasks).await.unwrap().into_iter().sum();
    let order: Vec<(i64, i64)> = QuerySet::table(log.clone())
        .columns(["task", "step"])
        .order_by("id", Order::Asc)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        order.len(),
        TASKS * OPERATIONS,
        "{engine:?}: every operation committed once"
    );
    let order: Vec<(usize, usize)> = order
        .into_iter()
        .map(|(t, s)| (t as usize, s as usize))
        .collect();
    let expected = replay(&order, &ops);
    for (n, set) in sets.iter().enumerate() {
        let mut ids: Vec<i64> = set.ids().fetch_scalars(&pool).await.unwrap();
        ids.sort_unstable();
        let want: Vec<i64> = expected[n].iter().copied().collect();
        assert_eq!(ids, want, "{engine:?}: members of s{n}");
        let stored = kind.load(&pool, set.id()).await.unwrap();
        assert_eq!(
            stored.count(),
            want.len() as u64,
            "{engine:?}: stored count of s{n}"
        );
    }
    println!(
        "{engine:?}: {} operations, {retries} retried after a deadlock",
        TASKS * OPERATIONS
    );
    for table in [store.members_table(), store.sets_table(), &log, &objects] {
        let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP TABLE {table}")))
            .execute(&pool)
            .await;
    }
}

/// Runs `op` and logs it in one transaction.
async fn apply<DB>(
    pool: &sqlx::Pool<DB>,
    engine: Engine,
    sets: &mut [ObjectSet],
    op: Op,
    log: &str,
    task: usize,
    step: usize,
) -> Result<(), Error>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
{
    let mut conn = pool.acquire().await?;
    // SQLite: take the write lock at once, as the store's own transactions do.
    let mut tx = match engine {
        Engine::Sqlite => conn.begin_with(AssertSqlSafe("BEGIN IMMEDIATE")).await?,
        _ => conn.begin().await?,
    };
    let others = sets.to_vec();
    match op {
        Op::Add(s, id) => sets[s].add(&mut *tx, id).await.map(drop)?,
        Op::Remove(s, id) => sets[s].remove(&mut *tx, id).await.map(drop)?,
        Op::Union(s, o) => sets[s].union_with(&mut *tx, &others[o]).await.map(drop)?,
        Op::Intersect(s, o) => sets[s]
            .intersect_with(&mut *tx, &others[o])
            .await
            .map(drop)?,
        Op::Difference(s, o) => sets[s]
            .difference_with(&mut *tx, &others[o])
            .await
            .map(drop)?,
        Op::Symmetric(s, o) => sets[s]
            .symmetric_difference_with(&mut *tx, &others[o])
            .await
            .map(drop)?,
    }
    let sql = format!("INSERT INTO {log} (task, step) VALUES ({task}, {step})");
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
    let path = std::env::temp_dir().join(format!("{}.db", common::unique("setql_cc")));
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(std::time::Duration::from_secs(60));
    let pool = SqlitePoolOptions::new()
        .max_connections(TASKS as u32)
        .connect_with(options)
        .await
        .unwrap();
    run_all(pool.clone(), Engine::Sqlite).await;
    pool.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A pool of one connection per task on the server at `var`, when it is set (the shared
/// test pools are smaller); `tests/common` has already made CI fail if it is unreachable.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn wide_pool<DB: sqlx::Database>(var: &str) -> Option<sqlx::Pool<DB>> {
    let url = std::env::var(var)
        .ok()
        .filter(|url| !url.trim().is_empty())?;
    Some(
        sqlx::pool::PoolOptions::<DB>::new()
            .max_connections(TASKS as u32)
            .connect(&url)
            .await
            .unwrap_or_else(|error| panic!("{var}: {error}")),
    )
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    if common::postgres_pool().await.is_some()
        && let Some(pool) = wide_pool::<sqlx::Postgres>("SETQL_POSTGRES_URL").await
    {
        run_all(pool, Engine::Postgres).await;
    }
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mysql() {
    if common::mysql_pool().await.is_some()
        && let Some(pool) = wide_pool::<sqlx::MySql>("SETQL_MYSQL_URL").await
    {
        run_all(pool, Engine::MySql).await;
    }
}
