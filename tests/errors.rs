//! Errors a caller matches on: a connection that cannot be made is `Error::Connection`, a
//! statement that fails is `Error::Query`, messages do not repeat their source, and a token
//! that is not a cursor says so in setql's terms.

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
        let database_message = match &err {
            Error::Query {
                sql,
                source: sqlx::Error::Database(database),
            } => {
                assert!(sql.contains("no_such_table"), "{engine:?}: {sql}");
                database.message().to_owned()
            }
            other => panic!("{engine:?}: {other:?}"),
        };
        // The message names the SQL; the database's words are the source's, once.
        assert!(err.to_string().starts_with("query failed; sql: "), "{err}");
        assert!(!err.to_string().contains(&database_message), "{err}");
        // sqlx's `Database` error repeats its database error's words once more; setql adds
        // none (it used to add them once itself, so `{:#}` printed them three times).
        let messages = chain(&err);
        let mentions = |messages: &[String]| {
            messages
                .iter()
                .filter(|message| message.contains(&database_message))
                .count()
        };
        assert!(mentions(&messages[1..]) >= 1, "{engine:?}: {messages:#?}");
        assert_eq!(mentions(&messages[..1]), 0, "{engine:?}: {messages:#?}");
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
