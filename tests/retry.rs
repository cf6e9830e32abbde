//! Conflicts between transactions, on every engine: the typed [`Error::Retryable`] with its
//! code and SQL, [`Retry`] running a transaction again until it commits, the object-set
//! store retrying the transactions it owns and not the caller's, and [`Error::ReadOnly`].
//!
//! Each conflict is real: another connection holds the row's lock while the work waits a
//! short lock timeout (PostgreSQL `lock_timeout`, MySQL `innodb_lock_wait_timeout`, whose
//! least is 1 s) or, on SQLite, fails at once with BUSY on a file database.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use setql::object_set::ObjectSetStore;
use setql::prelude::*;
use setql::{Error, Retry};
use sqlx::{AssertSqlSafe, Database, Pool};

/// What differs per engine in these tests.
struct Conflict {
    /// Run first in each try: makes a lock wait short.
    short_wait: &'static str,
    /// How long the holder keeps its lock: longer than one wait, shorter than the retries.
    hold: Duration,
    /// The code a lost wait reports.
    code: &'static str,
    /// Begins a read-only transaction.
    read_only: &'static str,
    /// The code of a write in it.
    read_only_code: &'static str,
}

async fn raw<DB: Database>(executor: impl sqlx::Executor<'_, Database = DB>, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(executor)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

/// Holds a write lock on row 1 of `table` (or the whole database, on SQLite) for `hold`.
async fn hold_lock<DB>(pool: &Pool<DB>, lock: String, hold: Duration) -> tokio::task::JoinHandle<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut tx = pool.begin().await.expect("holder begins");
    raw(&mut *tx, &lock).await;
    tokio::spawn(async move {
        tokio::time::sleep(hold).await;
        tx.commit().await.expect("holder commits");
    })
}

macro_rules! conflicts {
    ($pool:expr, $conflict:expr, $engine:expr) => {{
        let (pool, conflict, engine) = ($pool, $conflict, $engine);
        let t = common::unique("retry");
        raw(
            pool,
            &format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)"),
        )
        .await;
        raw(
            pool,
            &format!("INSERT INTO {t} (id, n) VALUES (1, 0), (2, 0), (3, 0)"),
        )
        .await;
        let lock_row = format!("UPDATE {t} SET n = n WHERE id = 1");
        let bump = QuerySet::table(t.clone()).filter(Expr::col("id").eq(1));

        // Given up at once: the typed error, with the engine's code and the statement.
        let holder = hold_lock(pool, lock_row.clone(), conflict.hold).await;
        let outcome = Retry::NEVER
            .transaction(pool, |tx| {
                let bump = bump.clone();
                Box::pin(async move {
                    raw(&mut **tx, conflict.short_wait).await;
                    bump.update(&mut **tx, [("n", Expr::col("n").add(1))]).await
                })
            })
            .await;
        match &outcome {
            Err(Error::Retryable { code, sql, .. }) => {
                assert_eq!(code.as_deref(), Some(conflict.code), "{engine:?}");
                assert!(
                    sql.as_deref().is_some_and(|sql| sql.starts_with("UPDATE")),
                    "{engine:?}: {sql:?}"
                );
            }
            other => panic!("{engine:?}: expected Retryable, got {other:?}"),
        }
        assert!(outcome.as_ref().is_err_and(Error::is_retryable));
        holder.await.expect("holder");

        // Run again with backoff until the holder lets go, then committed once.
        let holder = hold_lock(pool, lock_row.clone(), conflict.hold).await;
        let tries = Arc::new(AtomicUsize::new(0));
        let matched = Retry::default()
            .times(20)
            .transaction(pool, |tx| {
                tries.fetch_add(1, Ordering::Relaxed);
                let bump = bump.clone();
                Box::pin(async move {
                    raw(&mut **tx, conflict.short_wait).await;
                    bump.update(&mut **tx, [("n", Expr::col("n").add(1))]).await
                })
            })
            .await
            .unwrap_or_else(|err| panic!("{engine:?}: {err}"));
        holder.await.expect("holder");
        assert_eq!(matched, 1);
        assert!(tries.load(Ordering::Relaxed) >= 2, "{engine:?}: ran once");
        let n: Vec<(i64,)> = QuerySet::table(t.clone())
            .columns(["n"])
            .filter(Expr::col("id").eq(1))
            .fetch_all(pool)
            .await
            .unwrap();
        // The failed try was rolled back; the one that committed added 1.
        assert_eq!(n, [(1,)], "{engine:?}");

        // A read-only transaction refuses a write with its own error.
        let mut tx = pool
            .begin_with(conflict.read_only)
            .await
            .expect("read-only begins");
        let refused = bump.update(&mut *tx, [("n", Expr::val(9))]).await;
        match refused {
            Err(Error::ReadOnly { code, sql, .. }) => {
                assert_eq!(code.as_deref(), Some(conflict.read_only_code), "{engine:?}");
                assert!(sql.is_some(), "{engine:?}");
            }
            other => panic!("{engine:?}: expected ReadOnly, got {other:?}"),
        }
        drop(tx);
        common::drop_table(pool, &t).await;
    }};
}

/// The store runs an operation that owns its transaction again, and returns the typed error
/// inside the caller's.
macro_rules! store_conflicts {
    ($pool:expr, $conflict:expr, $engine:expr) => {{
        let (pool, conflict, engine) = ($pool, $conflict, $engine);
        let t = common::unique("retry_items");
        raw(pool, &format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY)")).await;
        raw(
            pool,
            &format!("INSERT INTO {t} (id) VALUES (1), (2), (3), (4)"),
        )
        .await;
        let prefix = format!("{}_", common::unique("rs"));
        let store = ObjectSetStore::with_prefix(&prefix);
        store.install(pool).await.expect("installs");
        let kind = store.kind(t.as_str(), "id");
        let mut set = kind
            .create(pool, "held", vec![1_i64])
            .await
            .expect("creates");
        let lock_set = format!(
            "UPDATE {} SET count = count WHERE id = {}",
            store.sets_table(),
            set.id()
        );

        // Inside the caller's transaction: the typed error, no second try.
        let holder = hold_lock(pool, lock_set.clone(), conflict.hold).await;
        let mut tx = pool.begin().await.expect("begins");
        raw(&mut *tx, conflict.short_wait).await;
        let inside = set.add(&mut *tx, 2).await;
        assert!(
            matches!(&inside, Err(Error::Retryable { code, .. }) if code.as_deref() == Some(conflict.code)),
            "{engine:?}: {inside:?}"
        );
        drop(tx);
        holder.await.expect("holder");

        // Owning its transaction, on a connection whose lock waits are short: it runs again
        // until the holder lets go.
        let holder = hold_lock(pool, lock_set.clone(), conflict.hold).await;
        let mut conn = pool.acquire().await.expect("connects");
        raw(
            &mut *conn,
            &conflict.short_wait.replace(" LOCAL", " SESSION"),
        )
        .await;
        let added = kind
            .store()
            .retry(Retry::default().times(20))
            .kind(t.as_str(), "id")
            .load(&mut *conn, set.id())
            .await
            .expect("loads");
        let mut held = added;
        assert_eq!(
            held.add(&mut *conn, 3).await.expect("added after retries"),
            1,
            "{engine:?}"
        );
        holder.await.expect("holder");
        drop(conn);
        set.refresh(pool).await.expect("refreshes");
        assert_eq!(set.count(), 2, "{engine:?}");
        set.delete(pool).await.expect("deletes");
        for name in [store.members_table(), store.sets_table(), t.as_str()] {
            common::drop_table(pool, name).await;
        }
    }};
}

#[cfg(feature = "postgres")]
const POSTGRES: Conflict = Conflict {
    short_wait: "SET LOCAL lock_timeout = '30ms'",
    hold: Duration::from_millis(300),
    code: "55P03",
    read_only: "BEGIN READ ONLY",
    read_only_code: "25006",
};

#[cfg(feature = "mysql")]
const MYSQL: Conflict = Conflict {
    short_wait: "SET SESSION innodb_lock_wait_timeout = 1",
    hold: Duration::from_millis(1_500),
    code: "1205",
    read_only: "START TRANSACTION READ ONLY",
    read_only_code: "1792",
};

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_conflicts_are_typed_and_retried() {
    let Some(pool) = common::postgres_pool().await else {
        return;
    };
    conflicts!(&pool, &POSTGRES, common::Engine::Postgres);
    store_conflicts!(&pool, &POSTGRES, common::Engine::Postgres);
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_conflicts_are_typed_and_retried() {
    let Some(pool) = common::mysql_pool().await else {
        return;
    };
    conflicts!(&pool, &MYSQL, common::Engine::MySql);
    store_conflicts!(&pool, &MYSQL, common::Engine::MySql);
}

/// SQLite locks the whole database: a second writer gets BUSY at once with no busy
/// timeout, and READONLY on a database opened read-only.
#[cfg(feature = "sqlite")]
#[tokio::test]
async fn sqlite_busy_is_typed_and_retried() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let path = std::env::temp_dir().join(format!("{}.db", common::unique("setql_retry")));
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .busy_timeout(Duration::ZERO);
    let pool = SqlitePoolOptions::new()
        .max_connections(3)
        .connect_with(options.clone())
        .await
        .expect("opens");
    raw(
        &pool,
        "CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)",
    )
    .await;
    raw(&pool, "INSERT INTO t (id, n) VALUES (1, 0)").await;
    let bump = QuerySet::table("t").filter(Expr::col("id").eq(1));
    // The holder's UPDATE takes SQLite's write lock until it commits.
    let hold = || {
        hold_lock(
            &pool,
            "UPDATE t SET n = n WHERE id = 1".to_owned(),
            Duration::from_millis(150),
        )
    };
    let holder = hold().await;
    let outcome = Retry::NEVER
        .transaction(&pool, |tx| {
            let bump = bump.clone();
            Box::pin(async move { bump.update(&mut **tx, [("n", Expr::col("n").add(1))]).await })
        })
        .await;
    assert!(
        matches!(&outcome, Err(Error::Retryable { code: Some(code), .. }) if code == "5"),
        "{outcome:?}"
    );
    holder.await.expect("holder");

    let holder = hold().await;
    let tries = AtomicUsize::new(0);
    let matched = Retry::default()
        .times(20)
        .transaction(&pool, |tx| {
            tries.fetch_add(1, Ordering::Relaxed);
            let bump = bump.clone();
            Box::pin(async move { bump.update(&mut **tx, [("n", Expr::col("n").add(1))]).await })
        })
        .await
        .expect("commits after retries");
    holder.await.expect("holder");
    assert_eq!(matched, 1);
    assert!(tries.load(Ordering::Relaxed) >= 2);
    let n: i64 = QuerySet::table("t")
        .columns(["n"])
        .fetch_scalar(&pool)
        .await
        .expect("reads");
    assert_eq!(n, 1);

    // Opened read-only, the database refuses a write with its own error.
    let read_only = SqlitePoolOptions::new()
        .connect_with(options.read_only(true))
        .await
        .expect("opens read-only");
    let refused = bump.update(&read_only, [("n", Expr::val(9))]).await;
    assert!(
        matches!(&refused, Err(Error::ReadOnly { code: Some(code), .. }) if code == "8"),
        "{refused:?}"
    );
    read_only.close().await;
    pool.close().await;
    let _ = std::fs::remove_file(&path);
}
