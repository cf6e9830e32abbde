//! What setql learns from the database's catalog: which columns hold no NULL. An ordering
//! on such a column carries no NULLS clause (so PostgreSQL can read it off an index), a
//! keyset cursor's comparison on it has no `IS NULL` term and starts with a range, and a
//! write can go through a key of such columns, all without a declaration; a column that
//! can hold NULL keeps its one NULL order on every engine.

mod common;

use common::capture::{Capture, Captured};
use common::*;
use sea_query::{Expr, Order};
use setql::prelude::*;
use setql::{Error, forget_catalog};
use tracing_subscriber::Registry;
use tracing_subscriber::layer::SubscriberExt as _;

/// `(id, created NOT NULL, rank NULL)`: ids 1 to 30, `created = 100 - id`, `rank` NULL on
/// every third row, else `id % 4`.
async fn events<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("events");
    exec(
        pool,
        format!(
            "CREATE TABLE {t} (id BIGINT PRIMARY KEY, created BIGINT NOT NULL, rank BIGINT NULL)"
        ),
    )
    .await;
    let rows: Vec<String> = (1..=30)
        .map(|id| {
            let rank = if id % 3 == 0 {
                "NULL".to_owned()
            } else {
                (id % 4).to_string()
            };
            format!("({id}, {}, {rank})", 100 - id)
        })
        .collect();
    exec(
        pool,
        format!(
            "INSERT INTO {t} (id, created, rank) VALUES {}",
            rows.join(", ")
        ),
    )
    .await;
    t
}

/// The SQL the execution in `span` sent.
fn sql(span: &Captured) -> &str {
    span.field("sql")
        .unwrap_or_else(|| panic!("no sql: {span:?}"))
}

engines!(
    /// No declaration: the catalog says `created` and `id` hold no NULL, so PostgreSQL's
    /// ordering has no NULLS clause for them, from the first execution on; `rank` keeps its
    /// NULLs last, descending, on every engine.
    orderings_on_columns_that_hold_no_null_carry_no_nulls_clause,
    |pool, engine| {
        let t = events(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let newest = QuerySet::table(t.clone()).order_by("created", Order::Desc).limit(3);
        for round in 0..2 {
            let (rows, span) = capture.one(|| newest.fetch_all::<_, (i64, i64, Option<i64>)>(pool)).await;
            assert_eq!(rows.unwrap().iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3], "{engine:?}");
            assert!(!sql(&span).contains("NULLS"), "{engine:?} round {round}: {}", sql(&span));
        }
        let ranked = QuerySet::table(t.clone()).order_by("rank", Order::Desc).order_by("id", Order::Asc);
        let (rows, span) = capture.one(|| ranked.fetch_all::<_, (i64, i64, Option<i64>)>(pool)).await;
        let rows = rows.unwrap();
        // Every NULL rank comes last, descending, on every engine.
        assert!(rows[..20].iter().all(|r| r.2.is_some()) && rows[20..].iter().all(|r| r.2.is_none()), "{engine:?}: {rows:?}");
        if engine == Engine::Postgres {
            assert!(sql(&span).contains(r#""rank" DESC NULLS LAST"#), "{}", sql(&span));
            assert!(!sql(&span).contains(r#""id" ASC NULLS"#), "{}", sql(&span));
        }
        // `to_sql` reads the same in every process: declarations only.
        assert!(newest.to_sql(Dialect::Postgres).unwrap().contains("NULLS LAST"));
    }
);

engines!(
    /// A cursor's comparison on a column that holds no NULL starts with a range on it and
    /// has no `IS NULL` term; on a nullable one it keeps them; and a walk visits every row
    /// once either way.
    keyset_comparisons_follow_what_the_catalog_says,
    |pool, engine| {
        let t = events(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        for column in ["created", "rank"] {
            let set = QuerySet::table(t.clone()).primary_key("id").order_by(column, Order::Desc);
            let mut seen = Vec::new();
            let mut cursor: Option<Cursor> = None;
            let mut with_cursor = Vec::new();
            loop {
                let (page, span) = capture.one(|| set.page_after::<_, (i64, i64, Option<i64>)>(cursor.as_ref(), 7, pool)).await;
                let page = page.unwrap();
                if cursor.is_some() {
                    with_cursor.push(sql(&span).to_owned());
                }
                seen.extend(page.items.iter().map(|row| row.0));
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            seen.sort_unstable();
            assert_eq!(seen, (1..=30).collect::<Vec<_>>(), "{engine:?} {column}");
            let first = &with_cursor[0];
            if column == "created" {
                assert!(first.contains(r#""created" <= "#) || first.contains("`created` <= "), "{engine:?}: {first}");
                assert!(!first.contains("IS NULL"), "{engine:?}: {first}");
            } else {
                assert!(first.contains("IS NULL"), "{engine:?}: {first}");
            }
        }
    }
);

engines!(
    /// A write through a composite key the catalog says holds no NULL needs no declaration;
    /// one through a key that may hold NULL is still refused.
    writes_go_through_keys_the_catalog_says_hold_no_null,
    |pool, engine| {
        let t = unique("pairs");
        exec(pool, format!("CREATE TABLE {t} (x BIGINT NOT NULL, y BIGINT NOT NULL, code VARCHAR(8) NULL, v BIGINT NOT NULL, PRIMARY KEY (x, y))")).await;
        exec(pool, format!("INSERT INTO {t} (x, y, code, v) VALUES (1, 1, NULL, 0), (1, 2, 'b', 0), (2, 1, 'c', 0)")).await;
        let by_pair = QuerySet::table(t.clone()).unique_key(["x", "y"]).order_by("y", Order::Desc).limit(2);
        assert_eq!(by_pair.update(pool, [("v", Expr::val(1))]).await.unwrap(), 2, "{engine:?}");
        let by_code = QuerySet::table(t.clone()).unique_key(["code"]).order_by("x", Order::Asc).limit(2);
        let refused = by_code.delete(pool).await;
        assert!(matches!(refused, Err(Error::NotWritable { .. })), "{engine:?}: {refused:?}");
        assert_eq!(QuerySet::table(t.clone()).count(pool).await.unwrap(), 3);
    }
);

engines!(
    /// A column made nullable while the process runs: `forget_catalog` makes setql read the
    /// catalog again, and the NULL sorts where setql puts it.
    a_column_made_nullable_is_learnt_again_after_forget_catalog,
    |pool, engine| {
        let t = events(pool).await;
        let newest = QuerySet::table(t.clone()).primary_key("id").order_by("created", Order::Desc).limit(2);
        let _: Vec<(i64, i64, Option<i64>)> = newest.fetch_all(pool).await.unwrap();
        let loosen = match engine {
            Engine::Postgres => format!("ALTER TABLE {t} ALTER COLUMN created DROP NOT NULL"),
            Engine::MySql => format!("ALTER TABLE {t} MODIFY created BIGINT NULL"),
            // SQLite cannot loosen a column: the table is made again under its name.
            Engine::Sqlite => format!(
                "CREATE TABLE {t}_old AS SELECT * FROM {t}; DROP TABLE {t}; \
                 CREATE TABLE {t} (id BIGINT PRIMARY KEY, created BIGINT NULL, rank BIGINT NULL); \
                 INSERT INTO {t} SELECT * FROM {t}_old; DROP TABLE {t}_old"
            ),
        };
        exec(pool, loosen).await;
        exec(pool, format!("INSERT INTO {t} (id, created, rank) VALUES (99, NULL, NULL)")).await;
        forget_catalog();
        let all: Vec<(i64, Option<i64>, Option<i64>)> =
            QuerySet::table(t.clone()).primary_key("id").order_by("created", Order::Desc).fetch_all(pool).await.unwrap();
        assert_eq!(all.last().map(|row| row.0), Some(99), "{engine:?}: NULL comes last, descending");
        let _ = newest;
    }
);
