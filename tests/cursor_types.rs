//! Keyset pages ordered by timestamps (with and without time zone), dates, times, decimals
//! and UUIDs: a walk by cursor visits every row exactly once, in order, on every engine.
//! SQLite stores such values as text, reals or blobs, and its cursors compare them as stored.

// Without the type features only the refusal tests run.
#![cfg_attr(
    not(all(
        any(feature = "chrono", feature = "time"),
        feature = "rust_decimal",
        feature = "uuid"
    )),
    allow(dead_code, unused_imports)
)]

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

/// The ordering columns under test, each with ties and NULLs.
#[cfg(all(
    any(feature = "chrono", feature = "time"),
    feature = "rust_decimal",
    feature = "uuid"
))]
const ORDERED: [&str; 6] = ["created_at", "local_at", "day", "at_time", "amount", "uid"];

/// `events(id, created_at, local_at, day, at_time, amount, uid)`, 23 rows, in each engine's
/// own types: `created_at` is a timestamp with time zone where the engine has one.
async fn events<DB>(pool: &sqlx::Pool<DB>, engine: Engine) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("events");
    let columns = match engine {
        Engine::Postgres => {
            "created_at TIMESTAMPTZ NULL, local_at TIMESTAMP NULL, day DATE NULL, \
             at_time TIME NULL, amount NUMERIC(12, 4) NULL, uid UUID NULL"
        }
        Engine::MySql => {
            "created_at TIMESTAMP(6) NULL, local_at DATETIME(6) NULL, day DATE NULL, \
             at_time TIME(6) NULL, amount DECIMAL(12, 4) NULL, uid UUID NULL"
        }
        Engine::Sqlite => {
            "created_at TIMESTAMP NULL, local_at DATETIME NULL, day DATE NULL, \
             at_time TIME NULL, amount DECIMAL(12, 4) NULL, uid BLOB NULL"
        }
    };
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, {columns})"),
    )
    .await;
    let rows: Vec<String> = (1..=23_u32)
        .map(|id| {
            let null_or = |null: bool, value: String| if null { "NULL".to_owned() } else { value };
            let (day, hour) = (1 + id % 3, (id % 4) * 5);
            let fraction = if id % 2 == 0 { ".25" } else { "" };
            let wall = format!("2024-03-{day:02} {hour:02}:07:09{fraction}");
            // PostgreSQL gets an offset, so the order is by instant and not by wall clock.
            // SQLite gets ISO 8601 text, which sqlx's own encoding of a timestamp (with a
            // space) would not compare equal to.
            let created = match engine {
                Engine::Postgres => format!("'{wall}+0{}'", id % 3),
                Engine::MySql => format!("'{wall}'"),
                Engine::Sqlite => format!("'{}Z'", wall.replace(' ', "T")),
            };
            let uid_hex = format!(
                "{:08x}00004000800000000000{:04x}",
                (id % 6) * 0x1111_1111,
                id
            );
            let uid = match engine {
                Engine::Sqlite => format!("X'{uid_hex}'"),
                _ => format!("'{uid_hex}'"),
            };
            let amount = ["12.5", "-3.25", "0.0001", "12.5000", "1000"][(id % 5) as usize];
            format!(
                "({id}, {}, {}, {}, {}, {}, {})",
                null_or(id % 5 == 0, created),
                null_or(
                    id % 7 == 0,
                    format!(
                        "'2024-0{}-0{} {:02}:00:00{fraction}'",
                        1 + id % 2,
                        1 + id % 3,
                        id % 3
                    )
                ),
                null_or(
                    id % 6 == 0,
                    format!("'2024-0{}-{:02}'", 1 + id % 3, 10 + id % 4)
                ),
                null_or(
                    id % 4 == 0,
                    format!("'{:02}:30:{:02}{fraction}'", id % 5, (id % 2) * 15)
                ),
                null_or(id % 7 == 3, amount.to_owned()),
                null_or(id % 8 == 0, uid),
            )
        })
        .collect();
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    t
}

/// Walks `set` forwards `per_page` rows at a time, passing each cursor through its token,
/// and returns the ids in the order they came.
async fn walk<Q, DB>(set: &Q, per_page: u64, pool: &sqlx::Pool<DB>) -> Vec<i32>
where
    Q: Execute,
    DB: setql::Backend,
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    (i32,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut seen = Vec::new();
    let mut cursor: Option<Cursor> = None;
    for _ in 0..100 {
        let page: KeysetPage<(i32,)> = set
            .page_after(cursor.as_ref(), per_page, pool)
            .await
            .expect("a page");
        seen.extend(page.items.iter().map(|(id,)| *id));
        match page.next {
            Some(next) => cursor = Some(Cursor::decode(&next.encode()).expect("its own token")),
            None => break,
        }
    }
    seen
}

#[cfg(all(
    any(feature = "chrono", feature = "time"),
    feature = "rust_decimal",
    feature = "uuid"
))]
engines!(
    cursor_walks_visit_every_row_once_by_each_type,
    |pool, engine| {
        let t = events(pool, engine).await;
        for column in ORDERED {
            for order in [Order::Asc, Order::Desc] {
                let set = QuerySet::table(t.clone())
                    .primary_key("id")
                    .columns(["id", column])
                    .order_by(column, order.clone());
                // The order a cursor walk must reproduce: the column, then the key in the
                // same direction.
                let expected: Vec<i32> = set
                    .clone()
                    .order_by("id", order.clone())
                    .fetch_all::<_, (i32,)>(pool)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|(id,)| id)
                    .collect();
                assert_eq!(expected.len(), 23);
                for per_page in [1, 4] {
                    let seen = walk(&set, per_page, pool).await;
                    assert_eq!(
                        seen, expected,
                        "{engine:?}: {column} {order:?} by {per_page}"
                    );
                }
                // Backwards from the last row of the first 20: the 19 before it.
                let first: KeysetPage<(i32,)> = set.page_after(None, 20, pool).await.unwrap();
                let back: KeysetPage<(i32,)> = set
                    .page_before(first.next.as_ref().unwrap(), 19, pool)
                    .await
                    .unwrap();
                let back: Vec<i32> = back.items.into_iter().map(|(id,)| id).collect();
                assert_eq!(
                    back,
                    expected[..19],
                    "{engine:?}: {column} {order:?} backwards"
                );
            }
        }
    }
);

#[cfg(all(
    any(feature = "chrono", feature = "time"),
    feature = "rust_decimal",
    feature = "uuid"
))]
engines!(
    a_feed_of_two_branches_pages_by_created_at,
    |pool, engine| {
        let t = events(pool, engine).await;
        let keyed = || {
            QuerySet::table(t.clone())
                .primary_key("id")
                .columns(["id", "created_at", "amount"])
        };
        let feed = (keyed().filter(Expr::col("id").lte(11))
            | keyed().filter(Expr::col("id").gt(11)))
        .order_by("created_at", Order::Desc);
        let expected: Vec<i32> = feed
            .clone()
            .order_by("id", Order::Desc)
            .fetch_all::<_, (i32,)>(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(id,)| id)
            .collect();
        let seen = walk(&feed, 5, pool).await;
        assert_eq!(seen, expected, "{engine:?}");
        let mut sorted = seen.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (1..=23).collect::<Vec<_>>(),
            "{engine:?}: every row once"
        );
        // Two ordering columns of different types, mixed directions.
        let by_amount = feed
            .clone()
            .clear_order_by()
            .order_by("amount", Order::Asc)
            .order_by("created_at", Order::Desc);
        let expected: Vec<i32> = by_amount
            .clone()
            .order_by("id", Order::Desc)
            .fetch_all::<_, (i32,)>(pool)
            .await
            .unwrap()
            .into_iter()
            .map(|(id,)| id)
            .collect();
        assert_eq!(walk(&by_amount, 3, pool).await, expected, "{engine:?}");
    }
);

#[cfg(any(feature = "chrono", feature = "time"))]
engines!(
    /// A cursor's timestamp binds back typed, so the comparison is by instant on PostgreSQL
    /// even though the rows were written with different offsets.
    a_timestamp_cursor_reads_as_utc, |pool, engine| {
    let t = events(pool, engine).await;
    let set = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["id", "created_at"])
        .filter(Expr::col("id").eq(2))
        .order_by("created_at", Order::Asc);
    let page: KeysetPage<(i32,)> = set.page_after(None, 1, pool).await.unwrap();
    assert_eq!(page.items, [(2,)]);
    assert!(page.next.is_none());
    // Read the cursor through a wider set, where row 2 has a next row.
    let wide = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["id", "created_at"])
        .filter(Expr::col("id").in_tuples([2, 1]))
        .order_by("created_at", Order::Asc);
    let page: KeysetPage<(i32,)> = wide.page_after(None, 1, pool).await.unwrap();
    let json = serde_json::to_value(page.next.as_ref().unwrap()).unwrap();
    let value = &json["keys"][0]["value"];
    let expected = match engine {
        // Row 1 is 2024-03-02 05:07:09+01, row 2 2024-03-03 10:07:09.25+02.
        Engine::Postgres => serde_json::json!({"timestamptz": "2024-03-02T04:07:09Z"}),
        // MySQL reads TIMESTAMP in the session's zone, which sqlx sets to UTC.
        Engine::MySql => serde_json::json!({"timestamptz": "2024-03-02T05:07:09Z"}),
        // SQLite keeps the text as it was stored.
        Engine::Sqlite => serde_json::json!({"text": "2024-03-02T05:07:09Z"}),
    };
    assert_eq!(value, &expected, "{engine:?}");
});

engines!(
    /// A type with no cursor form is refused by name, with its SQL type.
    a_type_with_no_cursor_form_is_a_typed_error, |pool, engine| {
    let t = unique("untyped");
    let (column_type, sql_type) = match engine {
        Engine::Postgres => ("INTERVAL", "INTERVAL"),
        Engine::MySql => ("ENUM('b', 'a')", "ENUM"),
        // SQLite orders by storage class, and every class has a cursor form.
        Engine::Sqlite => ("INTERVAL", ""),
    };
    exec(pool, format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, span {column_type} NULL)")).await;
    let value = match engine {
        Engine::Postgres => "'1 day'",
        _ => "'a'",
    };
    exec(pool, format!("INSERT INTO {t} VALUES (1, {value}), (2, NULL), (3, {value})")).await;
    let set = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["id", "span"])
        .order_by("span", Order::Asc);
    let result = set.page_after::<_, (i32,)>(None, 2, pool).await;
    if engine == Engine::Sqlite {
        let page = result.unwrap();
        assert_eq!(page.items, [(2,), (1,)]);
        return;
    }
    let err = result.unwrap_err();
    match &err {
        Error::UnsupportedCursorColumn {
            column,
            sql_type: found,
            features,
        } => {
            assert_eq!((column.as_str(), found.as_str()), ("span", sql_type), "{engine:?}");
            assert!(features.is_empty(), "{engine:?}: {features:?}");
        }
        other => panic!("{engine:?}: {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("keyset cursors cannot hold ordering column `span` of SQL type {sql_type}")
    );
    // A page that needs no cursor (all three rows fit) is refused too, so the fault shows on
    // the first read and not once the set outgrows a page.
    let err = set.page_after::<_, (i32,)>(None, 10, pool).await.unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedCursorColumn { .. }),
        "{engine:?}: {err:?}"
    );
});

#[cfg(not(any(feature = "chrono", feature = "time")))]
engines!(
    /// Without `chrono` and `time`, a timestamp ordering is refused with the features that
    /// would read it: `cargo test --features postgres,mysql --test cursor_types`.
    a_timestamp_without_its_feature_names_the_feature, |pool, engine| {
    let t = events(pool, engine).await;
    let set = QuerySet::table(t.clone())
        .primary_key("id")
        .columns(["id", "created_at"])
        .order_by("created_at", Order::Desc);
    let result = set.page_after::<_, (i32,)>(None, 5, pool).await;
    let sql_type = match engine {
        Engine::Postgres => "TIMESTAMPTZ",
        Engine::MySql => "TIMESTAMP",
        Engine::Sqlite => {
            assert_eq!(result.unwrap().items.len(), 5);
            return;
        }
    };
    let err = result.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::UnsupportedCursorColumn { column, sql_type: found, features }
                if column == "created_at" && found == sql_type && features == &["chrono", "time"]
        ),
        "{engine:?}: {err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "keyset cursors cannot hold ordering column `created_at` of SQL type {sql_type}; \
             turn on setql's `chrono` or `time` feature"
        )
    );
});

/// A token holding a value this build cannot bind is refused when it is decoded.
#[test]
fn tokens_hold_checked_values() {
    use base64::Engine as _;
    let token = |json: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let cursor = |value: &str| {
        token(&format!(
            r#"{{"keys":[{{"column":"at","descending":false,"value":{value}}}]}}"#
        ))
    };
    let err = Cursor::decode(&cursor(r#"{"timestamp":"2024-02-30T00:00:00"}"#)).unwrap_err();
    let expected = if cfg!(any(feature = "chrono", feature = "time")) {
        "invalid cursor: the cursor holds `2024-02-30T00:00:00`, which is not a date and time"
    } else {
        "invalid cursor: the cursor holds a timestamp, which needs setql's `chrono` or `time` feature"
    };
    assert_eq!(err.to_string(), expected);
    let decoded = Cursor::decode(&cursor(r#"{"date":"2024-02-29"}"#));
    assert_eq!(
        decoded.is_ok(),
        cfg!(any(feature = "chrono", feature = "time")),
        "{decoded:?}"
    );
    let decoded = Cursor::decode(&cursor(r#"{"uuid":"not-a-uuid"}"#)).unwrap_err();
    assert!(
        decoded
            .to_string()
            .starts_with("invalid cursor: the cursor holds "),
        "{decoded}"
    );
    let decoded = Cursor::decode(&cursor(r#"{"bytes":"AAEC"}"#)).unwrap();
    assert_eq!(Cursor::decode(&decoded.encode()).unwrap(), decoded);
    assert!(
        serde_json::to_string(&decoded)
            .unwrap()
            .contains(r#"{"bytes":"AAEC"}"#)
    );
}
