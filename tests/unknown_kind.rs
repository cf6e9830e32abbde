//! `Error::UnknownKind` means the engine said the kind's table or key column does not exist,
//! and nothing else: a lock timeout while checking the kind is retryable, and a missing
//! permission keeps its code.

mod common;

use std::time::Duration;

use common::*;
use setql::Error;
use setql::object_set::ObjectSetStore;

engines!(
    /// A table or column that does not exist is an unknown kind, on every engine.
    a_missing_table_or_column_is_an_unknown_kind,
    |pool, engine| {
        let t = numbers(pool).await;
        let prefix = format!("{}_", unique("kinds"));
        let store = ObjectSetStore::with_prefix(&prefix);
        drop_later(store.sets_table());
        drop_later(store.members_table());
        store.install(pool).await.unwrap();
        for (table, key) in [(unique("absent"), "id"), (t.clone(), "absent")] {
            let refused = store.kind(table, key).create(pool, "s", [1]).await;
            match refused {
                Err(Error::UnknownKind { source, .. }) => {
                    let code = source.as_database_error().and_then(|e| e.code()).map(|c| c.into_owned());
                    let expected: &[&str] = match engine {
                        Engine::Postgres => &["42P01", "42703"],
                        Engine::MySql => &["42S02", "42S22"],
                        Engine::Sqlite => &["1"],
                    };
                    assert!(code.as_deref().is_some_and(|code| expected.contains(&code)), "{engine:?}: {code:?}");
                }
                other => panic!("{engine:?}: {other:?}"),
            }
        }
    }
);

engines!(
    /// Another transaction holds the kind's table: checking it times out, which is a
    /// retryable conflict with its engine's code, not a missing table.
    a_lock_timeout_while_checking_the_kind_is_retryable,
    |pool, engine| {
        if engine == Engine::Sqlite {
            // One in-memory connection cannot wait on another: see the file test below.
            return;
        }
        let f_table = numbers(pool).await;
        let prefix = format!("{}_", unique("kinds"));
        let store = ObjectSetStore::with_prefix(&prefix);
        drop_later(store.sets_table());
        drop_later(store.members_table());
        store.install(pool).await.unwrap();
        let mut holder = pool.acquire().await.unwrap();
        let mut waiter = pool.acquire().await.unwrap();
        let (hold, wait, code) = match engine {
            Engine::Postgres => (
                format!("BEGIN; LOCK TABLE {f_table} IN ACCESS EXCLUSIVE MODE"),
                "SET LOCAL lock_timeout = '200ms'",
                "55P03",
            ),
            _ => (
                format!("LOCK TABLES {f_table} WRITE"),
                "SET SESSION lock_wait_timeout = 1",
                "1205",
            ),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(hold)).execute(&mut *holder).await.unwrap();
        // The short wait is set inside a transaction, where a pooler in transaction mode
        // (CI's pgbouncer) keeps it; a session setting would be lost with the server
        // connection. Inside the caller's transaction the store returns the conflict at once.
        let mut waiting = sqlx::Connection::begin(&mut *waiter).await.unwrap();
        sqlx::raw_sql(wait).execute(&mut *waiting).await.unwrap();
        let kind = store.kind(f_table.clone(), "id");
        let refused = kind.create(&mut waiting, "s", [1]).await;
        drop(waiting);
        match &refused {
            Err(error @ Error::Retryable { code: Some(found), .. }) => {
                assert_eq!(found, code, "{engine:?}");
                assert!(error.is_retryable());
            }
            other => panic!("{engine:?}: {other:?}"),
        }
        let release = if engine == Engine::Postgres { "ROLLBACK" } else { "UNLOCK TABLES" };
        sqlx::raw_sql(release).execute(&mut *holder).await.unwrap();
        drop(holder);
        // Once the lock is gone, the same call succeeds: the kind was never unknown.
        kind.create(&mut *waiter, "s", [1]).await.unwrap();
    }
);

/// SQLite in a file: a second connection that finds the database locked gets BUSY, which is
/// retryable, when its object-set operation begins its write transaction.
#[tokio::test]
async fn sqlite_busy_is_retryable() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let file = std::env::temp_dir().join(format!("{}.db", unique("busy")));
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .busy_timeout(Duration::from_millis(100));
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    exec(&pool, "CREATE TABLE objects (id INTEGER PRIMARY KEY)").await;
    exec(&pool, "INSERT INTO objects (id) VALUES (1)").await;
    let store = ObjectSetStore::new();
    store.install(&pool).await.unwrap();
    let mut holder = pool.acquire().await.unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE")
        .execute(&mut *holder)
        .await
        .unwrap();
    let refused = store.kind("objects", "id").create(&pool, "s", [1]).await;
    assert!(
        matches!(&refused, Err(Error::Retryable { code: Some(code), .. }) if code == "5"),
        "{refused:?}"
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut *holder)
        .await
        .unwrap();
    drop(holder);
    store
        .kind("objects", "id")
        .create(&pool, "s", [1])
        .await
        .unwrap();
    pool.close().await;
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

/// PostgreSQL: a role that may not read the kind's table gets the permission error with its
/// code (42501), not an unknown kind.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_missing_permission_keeps_its_code() {
    let Some(pool) = postgres_pool().await else {
        return;
    };
    run(&pool, async {
        let t = numbers(&pool).await;
        let role = unique("reader");
        let store = ObjectSetStore::with_prefix(&format!("{}_", unique("kinds")));
        drop_later(store.sets_table());
        drop_later(store.members_table());
        store.install(&pool).await.unwrap();
        exec(&pool, format!("CREATE ROLE {role}")).await;
        exec(
            &pool,
            format!(
                "GRANT ALL ON {}, {} TO {role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
                store.sets_table(),
                store.members_table()
            ),
        )
        .await;
        let mut conn = pool.acquire().await.unwrap();
        // In a transaction, where a pooler in transaction mode keeps the role (CI's
        // pgbouncer); rolling it back resets the role.
        let mut as_role = sqlx::Connection::begin(&mut *conn).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET LOCAL ROLE {role}"))).execute(&mut *as_role).await.unwrap();
        let refused = store.kind(t.clone(), "id").create(&mut as_role, "s", [1]).await;
        drop(as_role);
        drop(conn);
        exec(&pool, format!("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}; REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}; DROP ROLE {role}")).await;
        match refused {
            Err(Error::Query { code: Some(code), .. }) => assert_eq!(code, "42501"),
            other => panic!("{other:?}"),
        }
    })
    .await;
    pool.close().await;
}
