//! Errors a caller matches on: a connection that cannot be made is `Error::Connection`, a
//! statement that fails is `Error::Query` with the engine's message and code in its text, a
//! conflict a retry can resolve is `Error::Retryable`, a row of the wrong type is
//! `Error::Decode`, messages do not repeat their source, and a token that is not a cursor
//! says so in setql's terms.

mod common;

use std::error::Error as _;
use std::time::Duration;

use common::*;
use sea_query::{Expr, ExprTrait};
use setql::Error;
use setql::prelude::*;

/// Every message in an error's chain, outermost first, as `{:#}` or a logger prints it.
fn chain(error: &Error) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        messages.push(inner.to_string());
        source = inner.source();
    }
    messages
}

/// The URL of the test server with its database replaced by one that does not exist.
fn missing_database(engine: Engine) -> String {
    let url = match engine {
        Engine::Postgres => std::env::var("SETQL_POSTGRES_URL").expect("set for this engine"),
        Engine::MySql => std::env::var("SETQL_MYSQL_URL").expect("set for this engine"),
        Engine::Sqlite => return "sqlite:///setql-no-such-directory/missing.db".to_owned(),
    };
    let (server, _) = url.rsplit_once('/').expect("a URL ends with its database");
    format!("{server}/setql_no_such_database")
}

engines!(
    /// The server refuses the database: a connection failure, with the driver's error as the
    /// source, on every engine.
    a_missing_database_is_a_connection_error,
    |pool, engine| {
        let _ = pool;
        let absent = sqlx::pool::PoolOptions::<Db>::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy(&missing_database(engine))
            .unwrap();
        let set = QuerySet::table("anything").filter(Expr::col("id").eq(1));
        let err = set.count(&absent).await.unwrap_err();
        let code = match &err {
            Error::Connection {
                sql: Some(sql),
                source: sqlx::Error::Database(database),
            } => {
                assert!(sql.contains("anything"), "{engine:?}: {sql}");
                database.code().map(|code| code.into_owned())
            }
            other => panic!("{engine:?}: {other:?}"),
        };
        let expected = match engine {
            // pgbouncer, which CI runs the suite through as well, answers an unknown database
            // with its own FATAL "no such database" (08P01): a connection failure all the same.
            Engine::Postgres if code.as_deref() == Some("08P01") => "08P01",
            Engine::Postgres => "3D000",
            // MySQL's SQLSTATE for 1049 (unknown database).
            Engine::MySql => "42000",
            // SQLITE_CANTOPEN.
            Engine::Sqlite => "14",
        };
        assert_eq!(code.as_deref(), Some(expected), "{engine:?}");
        assert!(err.to_string().starts_with("no database connection; sql: "), "{err}");
        // page() acquires first: the same failure, before any SQL.
        let err = set.page::<_, (i64,)>(1, 5, &absent).await.unwrap_err();
        assert!(
            matches!(err, Error::Connection { sql: None, .. }),
            "{engine:?}: {err:?}"
        );
        absent.close().await;
    }
);

engines!(
    /// A closed pool is a connection failure too; a statement error is not.
    statement_and_connection_failures_differ,
    |pool, engine| {
        let t = numbers(pool).await;
        let missing = QuerySet::table(unique("no_such_table")) | QuerySet::table(t.clone());
        let err = missing.fetch_all::<_, (i32, i32, i32)>(pool).await.unwrap_err();
        let (database_message, code) = match &err {
            Error::Query {
                sql,
                code,
                driver: sqlx::Error::Database(database),
            } => {
                assert!(sql.contains("no_such_table"), "{engine:?}: {sql}");
                (database.message().to_owned(), code.clone().expect("every engine gives a code"))
            }
            other => panic!("{engine:?}: {other:?}"),
        };
        let expected = match engine {
            Engine::Postgres => "42P01",
            Engine::MySql => "1146",
            // SQLITE_ERROR: SQLite has no code of its own for a missing table.
            Engine::Sqlite => "1",
        };
        assert_eq!(code, expected, "{engine:?}");
        // The display names the engine's words and code, then the SQL; nothing below it
        // repeats them, so `{:#}` prints them once.
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("query failed: {database_message} (code {expected}); sql: ")), "{shown}");
        let messages = chain(&err);
        assert_eq!(messages.len(), 1, "{engine:?}: {messages:#?}");
        let closed = pool.clone();
        closed.close().await;
        let err = QuerySet::table(t.clone()).count(&closed).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Connection {
                    source: sqlx::Error::PoolClosed,
                    ..
                }
            ),
            "{engine:?}: {err:?}"
        );
    }
);

/// `?` on a caller's own sqlx call sorts the same way.
#[test]
fn converted_driver_errors_sort_by_kind() {
    let timed_out = Error::from(sqlx::Error::PoolTimedOut);
    assert!(
        matches!(
            timed_out,
            Error::Connection {
                sql: None,
                source: sqlx::Error::PoolTimedOut
            }
        ),
        "{timed_out:?}"
    );
    assert_eq!(timed_out.to_string(), "no database connection");
    let io = Error::from(sqlx::Error::Io(std::io::Error::from(
        std::io::ErrorKind::ConnectionReset,
    )));
    assert!(matches!(io, Error::Connection { .. }), "{io:?}");
    let other = Error::from(sqlx::Error::RowNotFound);
    assert!(
        matches!(other, Error::Sqlx(sqlx::Error::RowNotFound)),
        "{other:?}"
    );
    assert_eq!(
        chain(&other),
        [
            "database driver error",
            "no rows returned by a query that expected to return at least one row"
        ]
    );
}

#[test]
fn tokens_that_are_not_cursors_say_so() {
    let decode = |token: &str| Cursor::decode(token).unwrap_err().to_string();
    assert_eq!(
        decode("not a token!"),
        "invalid cursor: not a cursor token setql wrote: it is not URL-safe base64 text"
    );
    // `{}`: JSON, but not a cursor.
    assert_eq!(
        decode("e30"),
        "invalid cursor: not a cursor token setql wrote: its contents are not a cursor's"
    );
    // A real token, cut short.
    let token =
        "eyJrZXlzIjpbeyJjb2x1bW4iOiJpZCIsImRlc2NlbmRpbmciOmZhbHNlLCJ2YWx1ZSI6eyJpbnQiOjN9fV19";
    assert!(Cursor::decode(token).is_ok());
    assert_eq!(
        decode(&token[..40]),
        "invalid cursor: not a cursor token setql wrote: its contents were cut short or changed"
    );
}

engines!(
    /// The engine's words for a bad column reach the display, and a row of the wrong type is
    /// a decode error that names the column and both types, not a failed query.
    causes_are_named_in_the_message,
    |pool, engine| {
        let t = numbers(pool).await;
        let bad = QuerySet::table(t.clone()).filter(Expr::col("birthyear").eq(1990));
        let err = bad.fetch_all::<_, (i32, i32, i32)>(pool).await.unwrap_err();
        assert!(matches!(err, Error::Query { .. }), "{engine:?}: {err:?}");
        assert!(err.to_string().contains("birthyear"), "{engine:?}: {err}");
        // PostgreSQL's INT4 read as i64; SQLite's and MySQL's integers read as i64, so there
        // text read as i64 stands in.
        let read = match engine {
            Engine::Postgres => QuerySet::table(t.clone()).columns(["num"]),
            _ => QuerySet::table(t.clone()).column_as(Expr::val("x"), "num").columns(["num"]),
        };
        let err = read.fetch_all::<_, (i64,)>(pool).await.unwrap_err();
        match &err {
            Error::Decode { column, reason, sql, .. } => {
                assert_eq!(column, "0", "{engine:?}: {err}");
                assert!(sql.as_deref().is_some_and(|sql| sql.contains("num")), "{err}");
                if engine == Engine::Postgres {
                    assert!(reason.contains("i64") && reason.contains("INT4"), "{reason}");
                }
            }
            other => panic!("{engine:?}: {other:?}"),
        }
        assert!(err.to_string().starts_with("could not read column `0`"), "{err}");
    }
);

engines!(
    /// `count()` refuses what `fetch_all` refuses: an ordering by a name the set does not
    /// output, before anything is sent.
    count_checks_what_fetch_all_checks,
    |pool, engine| {
        let t = numbers(pool).await;
        let set = (QuerySet::table(t.clone()).columns(["num"]) | QuerySet::table(t.clone()).columns(["num"]))
            .order_by("other_num", sea_query::Order::Asc);
        let closed = pool.clone();
        closed.close().await;
        let fetched = set.fetch_all::<_, (i32,)>(&closed).await.unwrap_err();
        let counted = set.count(&closed).await.unwrap_err();
        for err in [fetched, counted] {
            assert!(matches!(&err, Error::UnknownColumn { column, .. } if column == "other_num"), "{engine:?}: {err:?}");
        }
    }
);

#[test]
fn stale_messages_are_gone() {
    let set = QuerySet::table("t").column_as(Expr::col("n").count(), "total");
    let err = set.to_sql(setql::Dialect::Sqlite).unwrap_err();
    assert!(matches!(err, Error::AggregateColumn { .. }), "{err:?}");
    assert!(
        !err.to_string().contains("does not group sets yet"),
        "{err}"
    );
    assert!(err.to_string().contains("group_by"), "{err}");
}
