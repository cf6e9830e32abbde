//! Faults: a connection killed while a stream is read, a failing statement inside the
//! caller's transaction, and a pool that has no connection to give. Connection failures come
//! out as `Error::Connection`, statement failures as `Error::Query`.

mod common;

use std::time::Duration;

use common::*;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use futures::StreamExt;
use sea_query::{Expr, ExprTrait};
use setql::Error;
use setql::prelude::*;

/// Rows enough that the server is still sending when the connection is killed.
#[cfg(any(feature = "postgres", feature = "mysql"))]
const ROWS: i64 = 300_000;

/// Streams a large union on a dedicated connection, has `kill` end that connection from
/// another one after the first rows, and checks the stream reports it and stops.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! killed_stream {
    ($pool:expr, $engine:expr, $fill:expr, $backend_id:expr, $kill:expr) => {{
        let pool = $pool;
        let t = unique("faults");
        exec(
            pool,
            format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL)"),
        )
        .await;
        exec(pool, format!($fill, t = t, rows = ROWS)).await;
        let mut conn = pool.acquire().await.unwrap();
        let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe($backend_id))
            .persistent(false)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let set = QuerySet::table(t.clone()).union_all(QuerySet::table(t.clone()));
        let mut stream = set.fetch::<_, (i64, String)>(&mut *conn);
        let mut read = 0_i64;
        let mut failure = None;
        let outcome = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(_) => {
                        read += 1;
                        if read == 1_000 {
                            let kill = format!($kill, id = id);
                            sqlx::query(sqlx::AssertSqlSafe(kill))
                                .persistent(false)
                                .execute(pool)
                                .await
                                .unwrap();
                        }
                    }
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
        })
        .await;
        assert!(
            outcome.is_ok(),
            "{:?}: the stream hung after the kill",
            $engine
        );
        assert!(read < 2 * ROWS, "{:?}: every row arrived ({read})", $engine);
        // A killed connection is a connection failure, which a retry loop can match.
        assert!(
            matches!(failure, Some(Error::Connection { sql: Some(_), .. })),
            "{:?}: {failure:?}",
            $engine
        );
        drop(stream);
        drop(conn);
        drop_table(pool, &t).await;
    }};
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn postgres_stream_reports_a_killed_connection() {
    let Some(pool) = postgres_pool().await else {
        return;
    };
    killed_stream!(
        &pool,
        Engine::Postgres,
        "INSERT INTO {t} SELECT n, 'row-' || n FROM generate_series(1, {rows}) AS n",
        "SELECT CAST(pg_backend_pid() AS BIGINT)",
        "SELECT pg_terminate_backend({id})"
    );
}

#[cfg(feature = "mysql")]
#[tokio::test]
async fn mysql_stream_reports_a_killed_connection() {
    let Some(pool) = mysql_pool().await else {
        return;
    };
    killed_stream!(
        &pool,
        Engine::MySql,
        "INSERT INTO {t} SELECT seq, CONCAT('row-', seq) FROM seq_1_to_{rows}",
        "SELECT CAST(CONNECTION_ID() AS SIGNED)",
        "KILL {id}"
    );
}

engines!(
    a_failed_statement_leaves_the_transaction_to_roll_back,
    |pool, engine| {
        let t = numbers(pool).await;
        let mut tx = pool.begin().await.unwrap();
        let insert = format!("INSERT INTO {t} (id, num, other_num) VALUES (100, 100, 100)");
        sqlx::query(sqlx::AssertSqlSafe(insert))
            .persistent(false)
            .execute(&mut *tx)
            .await
            .unwrap();
        let inside = QuerySet::table(t.clone()).filter(Expr::col("num").eq(100));
        assert_eq!(inside.count(&mut *tx).await.unwrap(), 1, "{engine:?}");
        let broken = QuerySet::table(unique("missing")).union(QuerySet::table(t.clone()));
        let err = broken.count(&mut *tx).await.unwrap_err();
        assert!(matches!(err, Error::Query { .. }), "{engine:?}: {err:?}");
        tx.rollback().await.unwrap();
        assert_eq!(
            inside.count(pool).await.unwrap(),
            0,
            "{engine:?}: the insert was committed"
        );
        assert_eq!(QuerySet::table(t.clone()).count(pool).await.unwrap(), 10);
    }
);

engines!(an_exhausted_pool_is_a_typed_error, |pool, engine| {
    let _ = pool;
    let busy = match engine {
        Engine::Sqlite => "sqlite::memory:".to_owned(),
        Engine::Postgres => std::env::var("SETQL_POSTGRES_URL").unwrap(),
        Engine::MySql => std::env::var("SETQL_MYSQL_URL").unwrap(),
    };
    let small = sqlx::pool::PoolOptions::<Db>::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_millis(300))
        .connect(&busy)
        .await
        .unwrap();
    let held = small.acquire().await.unwrap();
    let set = QuerySet::table("anything") | QuerySet::table("else");
    let err = set.count(&small).await.unwrap_err();
    // A connection failure, not a statement failure; acquiring happens inside the
    // statement, so the error names the SQL it was for.
    assert!(
        matches!(
            err,
            Error::Connection {
                sql: Some(_),
                source: sqlx::Error::PoolTimedOut,
            }
        ),
        "{engine:?}: {err:?}"
    );
    // page() acquires its connection first, so there is no SQL to name.
    let err = set.page::<_, (i64,)>(1, 10, &small).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                sql: None,
                source: sqlx::Error::PoolTimedOut,
            }
        ),
        "{engine:?}: {err:?}"
    );
    drop(held);
    small.close().await;
});
