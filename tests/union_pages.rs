//! Pages of unions, on every engine: the rows are the union's, in its order, and the SQL has
//! the shape each engine reads fastest. PostgreSQL and MySQL page each branch (its whole
//! ordering and `LIMIT offset + limit` inside it); SQLite leaves the union ordered outside,
//! which it merges from branches read in order; MySQL fuses one table's union into one
//! SELECT under a range on the leading ordering column, such as a keyset cursor's. Where no
//! index hands a branch its rows in order, a union that fuses is fused instead, on SQLite
//! always and elsewhere once a page needs more than 1,000 rows of each branch. A column
//! that holds no NULL carries no NULLS clause, in the branches too.

mod common;

use common::capture::{Capture, Captured};
use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use tracing_subscriber::Registry;
use tracing_subscriber::layer::SubscriberExt as _;

/// A row of `events`: id, kind, actor, created, rank.
type Event = (i64, i64, i64, i64, Option<i64>);

/// `events`, from the formulas below: 60 rows, with ties on `created` and NULLs in `rank`.
fn event_rows() -> Vec<Event> {
    (1..=60)
        .map(|id| {
            let rank = (id % 4 != 0).then_some(id % 6);
            (id, id % 3, id % 5, (id * 7) % 50, rank)
        })
        .collect()
}

/// `notes`: 30 rows of (id, actor, created).
fn note_rows() -> Vec<(i64, i64, i64)> {
    (1..=30).map(|id| (id, id % 5, (id * 11) % 50)).collect()
}

/// Makes `events` and `notes`, with NOT NULL on every column but `rank`; their names.
async fn tables<DB>(pool: &sqlx::Pool<DB>) -> (String, String)
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let events = unique("events");
    let notes = unique("notes");
    exec(pool, format!("CREATE TABLE {events} (id BIGINT PRIMARY KEY, kind BIGINT NOT NULL, actor BIGINT NOT NULL, created BIGINT NOT NULL, rank BIGINT NULL)")).await;
    exec(pool, format!("CREATE TABLE {notes} (id BIGINT PRIMARY KEY, actor BIGINT NOT NULL, created BIGINT NOT NULL)")).await;
    let values: Vec<String> = event_rows()
        .iter()
        .map(|(id, kind, actor, created, rank)| {
            let rank = rank.map_or("NULL".to_owned(), |r| r.to_string());
            format!("({id}, {kind}, {actor}, {created}, {rank})")
        })
        .collect();
    exec(
        pool,
        format!(
            "INSERT INTO {events} (id, kind, actor, created, rank) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    let values: Vec<String> = note_rows()
        .iter()
        .map(|(id, actor, created)| format!("({id}, {actor}, {created})"))
        .collect();
    exec(
        pool,
        format!(
            "INSERT INTO {notes} (id, actor, created) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    // The indexes a feed has: each branch below reads its rows in order off one of them.
    for (table, columns) in [
        (&events, "kind, created"),
        (&events, "actor, created"),
        (&notes, "actor, created"),
    ] {
        let name = format!("{table}_{}", columns.replace(", ", "_"));
        exec(pool, format!("CREATE INDEX {name} ON {table} ({columns})")).await;
    }
    (events, notes)
}

/// The SQL an execution sent, with MySQL's and SQLite's backquotes read as double quotes so
/// one pattern fits every engine.
fn sql(span: &Captured) -> String {
    span.field("sql")
        .unwrap_or_else(|| panic!("no sql: {span:?}"))
        .replace('`', "\"")
}

/// `rows` in the union's order: created descending, then id descending.
fn newest_first(mut rows: Vec<Event>) -> Vec<Event> {
    rows.sort_by_key(|row| std::cmp::Reverse((row.3, row.0)));
    rows
}

fn ids(rows: &[Event]) -> Vec<i64> {
    rows.iter().map(|row| row.0).collect()
}

engines!(
    /// A page by offset of a union and of a union all of one table: the union's rows, and
    /// on PostgreSQL and MySQL the whole ordering and `LIMIT 8` (offset 3 + limit 5) inside
    /// each branch, with no NULLS clause on NOT NULL columns.
    a_page_of_a_union_reads_only_the_rows_each_branch_can_give,
    |pool, engine| {
        let (t, _) = tables(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let events = || QuerySet::table(t.clone()).primary_key("id");
        let kind = || events().filter(Expr::col("kind").eq(1_i64));
        let actor = || events().filter(Expr::col("actor").eq(2_i64));
        let in_either = |row: &Event| row.1 == 1 || row.2 == 2;
        let all: Vec<Event> = event_rows();

        let union = (kind() | actor()).order_by("created", Order::Desc);
        let (rows, span) = capture.one(|| union.clone().offset(3).limit(5).fetch_all::<_, Event>(pool)).await;
        let expected = newest_first(all.iter().copied().filter(in_either).collect());
        assert_eq!(ids(&rows.unwrap()), ids(&expected[3..8]), "{engine:?}");
        let sent = sql(&span);
        match engine {
            Engine::Sqlite => {
                assert!(sent.contains(" UNION SELECT ") && !sent.contains("LIMIT 8"), "{sent}");
            }
            Engine::Postgres | Engine::MySql => {
                assert_eq!(sent.matches(r#"ORDER BY "created" DESC, "id" DESC LIMIT 8)"#).count(), 2, "{engine:?}: {sent}");
                // The page's own LIMIT and OFFSET stay bound (see `render::writer`).
                assert!(sent.contains(") ORDER BY \"created\" DESC, \"id\" DESC LIMIT ") && sent.contains(" OFFSET "), "{engine:?}: {sent}");
            }
        }
        assert!(!sent.contains("NULLS"), "{engine:?}: {sent}");

        // A union all keeps a row once per branch that has it.
        let union_all = kind().union_all(actor()).order_by("created", Order::Desc);
        let (rows, span) = capture.one(|| union_all.clone().limit(9).fetch_all::<_, Event>(pool)).await;
        let twice: Vec<Event> = all
            .iter()
            .copied()
            .filter(|row| row.1 == 1)
            .chain(all.iter().copied().filter(|row| row.2 == 2))
            .collect();
        let expected = newest_first(twice);
        assert_eq!(ids(&rows.unwrap()), ids(&expected[..9]), "{engine:?}");
        if engine != Engine::Sqlite {
            assert_eq!(sql(&span).matches("LIMIT 9)").count(), 2, "{engine:?}: {}", sql(&span));
        }
    }
);

engines!(
    /// A feed of two tables, projected alike and labelled, union all: each branch is paged
    /// in its own terms, the label a constant there.
    a_page_of_two_tables_is_paged_in_each_table,
    |pool, engine| {
        let (events, notes) = tables(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let labelled = |table: &str, label: &str| {
            QuerySet::table(table.to_owned())
                .primary_key("id")
                .filter(Expr::col("actor").eq(2_i64))
                .columns(["id", "created"])
                .column_as(Expr::val(label.to_owned()), "label")
        };
        let feed = labelled(&events, "event")
            .union_all(labelled(&notes, "note"))
            .unique_key(["label", "id"])
            .order_by("created", Order::Desc);
        let (rows, span) = capture.one(|| feed.clone().limit(6).fetch_all::<_, (i64, i64, String)>(pool)).await;
        let mut expected: Vec<(i64, i64, String)> = event_rows()
            .iter()
            .filter(|row| row.2 == 2)
            .map(|row| (row.0, row.3, "event".to_owned()))
            .chain(note_rows().iter().filter(|row| row.1 == 2).map(|row| (row.0, row.2, "note".to_owned())))
            .collect();
        expected.sort_by(|x, y| (y.1, &y.2, y.0).cmp(&(x.1, &x.2, x.0)));
        assert_eq!(rows.unwrap(), expected[..6], "{engine:?}");
        let sent = sql(&span);
        let limits = if engine == Engine::Sqlite { 1 } else { 3 };
        assert_eq!(sent.matches("LIMIT 6").count(), limits, "{engine:?}: {sent}");

        // Counted, each table counts its own rows and the counts are summed.
        let (count, span) = capture.one(|| feed.count(pool)).await;
        assert_eq!(count.unwrap(), u64::try_from(expected.len()).unwrap(), "{engine:?}");
        let sent = sql(&span);
        assert!(sent.starts_with("SELECT (SELECT COUNT(*) FROM ") && sent.contains(") + (SELECT COUNT(*) FROM "), "{engine:?}: {sent}");
    }
);

engines!(
    /// A keyset walk over a union visits every row once, in order. The cursor's comparison
    /// starts with a range on `created` and has no `IS NULL` term; PostgreSQL puts it in
    /// each branch beside the branch's limit, SQLite in each branch of the merge, and MySQL
    /// fuses the union into one SELECT that walks the ordering from the cursor.
    a_keyset_walk_over_a_union_puts_the_cursor_where_an_index_serves_it,
    |pool, engine| {
        let (t, _) = tables(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let events = || QuerySet::table(t.clone()).primary_key("id");
        let union = (events().filter(Expr::col("kind").eq(1_i64)) | events().filter(Expr::col("actor").eq(2_i64)))
            .order_by("created", Order::Desc);
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        let mut deep = None;
        loop {
            let (page, span) = capture.one(|| union.page_after::<_, Event>(cursor.as_ref(), 4, pool)).await;
            let page = page.unwrap();
            if cursor.is_some() && deep.is_none() {
                deep = Some(sql(&span));
            }
            seen.extend(ids(&page.items));
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let expected = newest_first(event_rows().into_iter().filter(|row| row.1 == 1 || row.2 == 2).collect());
        assert_eq!(seen, ids(&expected), "{engine:?}");
        let deep = deep.expect("more than one page");
        assert!(!deep.contains("IS NULL") && !deep.contains("NULLS"), "{engine:?}: {deep}");
        let ranges = deep.matches(r#""created" <= "#).count();
        match engine {
            Engine::MySql => {
                assert!(!deep.contains("UNION") && ranges == 1, "{deep}");
            }
            Engine::Postgres => {
                assert_eq!(ranges, 2, "{deep}");
                assert_eq!(deep.matches("LIMIT 5)").count(), 2, "{deep}");
            }
            Engine::Sqlite => {
                assert!(deep.contains(" UNION SELECT ") && ranges == 2, "{deep}");
            }
        }
    }
);

engines!(
    /// A nullable ordering keeps one NULL order on every engine, in the branches too: on
    /// PostgreSQL each branch says `NULLS LAST`, descending, which an index on
    /// `(rank DESC NULLS LAST)` serves.
    a_nullable_ordering_keeps_its_nulls_last_in_every_branch,
    |pool, engine| {
        let (t, _) = tables(pool).await;
        exec(pool, format!("CREATE INDEX {t}_kind_rank ON {t} (kind, rank)")).await;
        exec(pool, format!("CREATE INDEX {t}_actor_rank ON {t} (actor, rank)")).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let events = || QuerySet::table(t.clone()).primary_key("id");
        let union = (events().filter(Expr::col("kind").eq(0_i64)) | events().filter(Expr::col("actor").eq(0_i64)))
            .order_by("rank", Order::Desc);
        let (rows, span) = capture.one(|| union.clone().offset(20).limit(8).fetch_all::<_, Event>(pool)).await;
        let mut expected: Vec<Event> = event_rows().into_iter().filter(|row| row.1 == 0 || row.2 == 0).collect();
        // NULLs last, descending; ties by id descending.
        expected.sort_by_key(|row| std::cmp::Reverse((row.4.is_some(), row.4, row.0)));
        assert_eq!(ids(&rows.unwrap()), ids(&expected[20..28]), "{engine:?}");
        if engine == Engine::Postgres {
            let sent = sql(&span);
            assert_eq!(sent.matches(r#""rank" DESC NULLS LAST, "id" DESC LIMIT 28)"#).count(), 2, "{sent}");
        }
    }
);

engines!(
    /// Intersections and differences keep their plans: the first rows of an intersection
    /// need not be among any branch's first rows, so no branch is limited.
    an_intersection_is_not_paged_by_branch,
    |pool, engine| {
        let (t, _) = tables(pool).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let events = || QuerySet::table(t.clone()).primary_key("id");
        let both = (events().filter(Expr::col("kind").eq(1_i64)) & events().filter(Expr::col("actor").eq(2_i64)))
            .order_by("created", Order::Desc)
            .limit(3);
        let (rows, span) = capture.one(|| both.fetch_all::<_, Event>(pool)).await;
        let expected = newest_first(event_rows().into_iter().filter(|row| row.1 == 1 && row.2 == 2).collect());
        assert_eq!(ids(&rows.unwrap()), ids(&expected[..3]), "{engine:?}");
        assert_eq!(sql(&span).matches("LIMIT").count(), 1, "{engine:?}: {}", sql(&span));
    }
);

engines!(
    /// A branch that no index serves in the page's order (`rank` has no index). On a small
    /// table (by the engine's estimate) PostgreSQL fuses and MySQL reads the union as
    /// written. Where the table is large, or its size is not known (SQLite keeps none), the
    /// first page is paged on PostgreSQL, where sorting the branch's rows is cheap, and
    /// fused on SQLite and MySQL, and a deep page is fused everywhere, one SELECT walking the
    /// rows once. The branches an index serves are paged however deep (merged on SQLite).
    a_branch_no_index_serves_takes_the_shape_its_engine_reads_fastest,
    |pool, engine| {
        let (t, _) = tables(pool).await;
        let row = |id: i64| (id, id % 3, id % 5, (id * 7) % 50, Some(id % 6));
        let digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
        let numbers = format!(
            "(SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n \
             FROM {digits} a, {digits} b, {digits} c, {digits} e, {digits} f) AS g"
        );
        let grow = |to: i64, from: i64| format!(
            "INSERT INTO {t} (id, kind, actor, created, rank) \
             SELECT n, n % 3, n % 5, (n * 7) % 50, n % 6 FROM {numbers} WHERE n BETWEEN {from} AND {to}"
        );
        // Enough rows that a page 1,000 deep exists.
        exec(pool, grow(6_000, 61)).await;
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let events = || QuerySet::table(t.clone()).primary_key("id");
        let rows_up_to = |last: i64| -> Vec<Event> {
            event_rows().into_iter().chain((61..=last).map(row)).collect()
        };
        let unserved = (events().filter(Expr::col("rank").eq(1_i64)) | events().filter(Expr::col("actor").eq(2_i64)))
            .order_by("created", Order::Desc);
        let in_unserved = |row: &Event| row.4 == Some(1) || row.2 == 2;
        // The SQL of the first page and of a page 1,000 deep, checked against the rows.
        let pages = |last: i64| {
            let unserved = unserved.clone();
            let capture = capture.clone();
            async move {
                let expected = newest_first(rows_up_to(last).into_iter().filter(in_unserved).collect());
                let (rows, span) = capture.one(|| unserved.clone().limit(5).fetch_all::<_, Event>(pool)).await;
                assert_eq!(ids(&rows.unwrap()), ids(&expected[..5]), "{engine:?}");
                let first = sql(&span);
                let (rows, span) = capture.one(|| unserved.clone().offset(1_000).limit(5).fetch_all::<_, Event>(pool)).await;
                assert_eq!(ids(&rows.unwrap()), ids(&expected[1_000..1_005]), "{engine:?}");
                (first, sql(&span))
            }
        };
        let paged = |sent: &str| sent.matches("LIMIT 5)").count() == 2;
        let fused = |sent: &str| !sent.contains("UNION");
        let written = |sent: &str| sent.contains("UNION") && !sent.contains("LIMIT 5)");

        // Each engine has an estimate by now but SQLite: PostgreSQL's is the 60 rows that
        // CREATE INDEX counted. The table is small.
        let (first, deep) = pages(6_000).await;
        match engine {
            Engine::Sqlite | Engine::Postgres => {
                assert!(fused(&first) && fused(&deep), "{first}\n{deep}");
            }
            Engine::MySql => assert!(written(&first) && written(&deep), "{first}\n{deep}"),
        }

        let served = (events().filter(Expr::col("kind").eq(1_i64)) | events().filter(Expr::col("actor").eq(2_i64)))
            .order_by("created", Order::Desc);
        let expected = newest_first(rows_up_to(6_000).into_iter().filter(|row| row.1 == 1 || row.2 == 2).collect());
        let (rows, span) = capture.one(|| served.clone().offset(1_000).limit(5).fetch_all::<_, Event>(pool)).await;
        assert_eq!(ids(&rows.unwrap()), ids(&expected[1_000..1_005]), "{engine:?}");
        let deep = sql(&span);
        if engine == Engine::Sqlite {
            assert!(deep.contains(" UNION SELECT ") && !deep.contains("LIMIT 1005"), "{deep}");
        } else {
            assert_eq!(deep.matches("LIMIT 1005)").count(), 2, "{engine:?}: {deep}");
        }

        if engine == Engine::Sqlite {
            return;
        }
        let analyze = match engine {
            Engine::Postgres => format!("ANALYZE {t}"),
            _ => format!("ANALYZE TABLE {t}"),
        };
        // Large, once the statistics say so and setql reads them again: MySQL fuses,
        // PostgreSQL pages the first page.
        exec(pool, grow(60_000, 6_001)).await;
        exec(pool, analyze).await;
        setql::forget_catalog();
        let (first, deep) = pages(60_000).await;
        match engine {
            Engine::Postgres => assert!(paged(&first) && fused(&deep), "{first}\n{deep}"),
            _ => assert!(fused(&first) && fused(&deep), "{first}\n{deep}"),
        }
    }
);
