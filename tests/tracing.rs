//! Every execution emits exactly one `setql.execute` span, at one level, with the dialect,
//! the SQL with placeholders, the plan in short form, the rows and the elapsed time; and no
//! bound value ever reaches a field.

mod common;

use common::capture::{Capture, Captured};
use common::*;
use futures::StreamExt as _;
use setql::prelude::*;
use tracing::Level;
use tracing_subscriber::Registry;
use tracing_subscriber::layer::SubscriberExt as _;

/// A value no field may hold: it is only ever bound.
const SECRET: &str = "s3cret-owner-4471";

/// Checks what every execution span holds, whatever its method.
fn check(span: &Captured, method: &str, engine: Engine) {
    assert_eq!(span.name, "setql.execute", "{span:?}");
    assert_eq!(
        span.level,
        Level::DEBUG,
        "one level for every method: {span:?}"
    );
    assert_eq!(span.field("method"), Some(method), "{span:?}");
    assert_eq!(span.field("dialect"), Some(engine.name()), "{span:?}");
    let elapsed: u64 = span
        .field("elapsed_us")
        .unwrap_or_else(|| panic!("no elapsed_us: {span:?}"))
        .parse()
        .expect("elapsed_us is a number of microseconds");
    assert!(elapsed < 60_000_000, "{span:?}");
    assert!(
        span.field("plan").is_some_and(|plan| !plan.is_empty()),
        "{span:?}"
    );
    for (name, value) in &span.fields {
        assert!(
            !value.contains(SECRET),
            "{name} leaks a bound value: {value}"
        );
    }
}

/// The SQL of a span that sent one statement with a bound value: a placeholder, no value.
fn sql_with_placeholder(span: &Captured, engine: Engine) -> &str {
    let sql = span
        .field("sql")
        .unwrap_or_else(|| panic!("no sql: {span:?}"));
    let placeholder = if engine == Engine::Postgres {
        "$1"
    } else {
        "?"
    };
    assert!(sql.contains(placeholder), "{sql}");
    sql
}

engines!(
    every_execution_emits_one_span_without_values,
    |pool, engine| {
        let capture = Capture::default();
        let _guard = tracing::subscriber::set_default(Registry::default().with(capture.clone()));
        let t = unique("traced");
        exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, owner VARCHAR(40) NOT NULL, n INTEGER NOT NULL)"),
    )
    .await;
        exec(
            pool,
            format!(
                "INSERT INTO {t} (id, owner, n) VALUES (1, '{SECRET}', 1), (2, '{SECRET}', 5), \
             (3, '{SECRET}', 9), (4, 'someone else', 2)"
            ),
        )
        .await;
        let table = || QuerySet::table(t.clone()).primary_key("id");
        let mine = || table().filter(Expr::col("owner").eq(SECRET));
        type Row = (i32, String, i32);

        // A union kept as written: the filter on the combined rows reaches both branches.
        let kept = (table().filter(Expr::col("n").lt(3)) | table().filter(Expr::col("n").gt(7)))
            .keep_branches()
            .filter(Expr::col("owner").eq(SECRET));
        let (rows, span) = capture.one(|| kept.fetch_all::<_, Row>(pool)).await;
        assert_eq!(rows.unwrap().len(), 2);
        check(&span, "fetch_all", engine);
        sql_with_placeholder(&span, engine);
        assert_eq!(span.rows(), Some(2));
        assert_eq!(
            span.field("plan"),
            Some("union of 2; 1 filter pushed into 2 branches"),
            "{span:?}"
        );

        // The same union fused into one SELECT.
        let fused = (table().filter(Expr::col("n").lt(3)) | table().filter(Expr::col("n").gt(7)))
            .filter(Expr::col("owner").eq(SECRET));
        let (count, span) = capture.one(|| fused.count(pool)).await;
        assert_eq!(count.unwrap(), 2);
        check(&span, "count", engine);
        sql_with_placeholder(&span, engine);
        assert_eq!(span.rows(), Some(2), "count records the rows counted");
        let plan = span.field("plan").unwrap_or_default();
        if engine == Engine::MySql {
            // MySQL counts a union of one table's rows as the union of their keys (W2).
            assert!(plan.starts_with("counted as a union of keys"), "{plan}");
        } else {
            assert!(plan.starts_with("fused 2 branches"), "{plan}");
        }

        // A set nested in a filter: planned where it is rendered, and noted in the same span.
        let owners = |n: i32| table().filter(Expr::col("n").gt(n)).columns(["owner"]);
        let nested = table().filter_in(
            "owner",
            &(owners(0) & owners(4)).filter(Expr::col("owner").eq(SECRET)),
        );
        let (rows, span) = capture.one(|| nested.fetch_all::<_, Row>(pool)).await;
        assert_eq!(rows.unwrap().len(), 3);
        check(&span, "fetch_all", engine);
        sql_with_placeholder(&span, engine);
        assert_eq!(
            span.field("plan"),
            Some("filter reads a set (intersection of 2; 1 filter pushed into 2 branches)"),
            "{span:?}"
        );

        let ordered = mine().order_by("n", Order::Asc);
        let (row, span) = capture.one(|| ordered.first::<_, Row>(pool)).await;
        assert_eq!(row.unwrap().map(|r| r.2), Some(1));
        check(&span, "first", engine);
        assert_eq!(span.rows(), Some(1));
        assert_eq!(span.field("plan"), Some("plain select"));

        let (row, span) = capture.one(|| ordered.last::<_, Row>(pool)).await;
        assert_eq!(row.unwrap().map(|r| r.2), Some(9));
        check(&span, "last", engine);

        let (row, span) = capture.one(|| mine().fetch_optional::<_, Row>(pool)).await;
        assert!(row.unwrap().is_some());
        check(&span, "fetch_optional", engine);
        assert_eq!(span.rows(), Some(1));

        let (row, span) = capture.one(|| mine().fetch_one::<_, Row>(pool)).await;
        assert!(row.is_ok());
        check(&span, "fetch_one", engine);

        let one = mine().filter(Expr::col("n").eq(5));
        let (row, span) = capture.one(|| one.get::<_, Row>(pool)).await;
        assert_eq!(row.unwrap().0, 2);
        check(&span, "get", engine);
        assert_eq!(span.rows(), Some(1));

        // A failed get still emits its one span, without rows.
        let (row, span) = capture.one(|| mine().get::<_, Row>(pool)).await;
        assert!(matches!(
            row,
            Err(setql::Error::MultipleRows { count: 3, .. })
        ));
        assert_eq!(span.rows(), None, "{span:?}");
        assert!(span.field("elapsed_us").is_some());

        let (exists, span) = capture.one(|| mine().exists(pool)).await;
        assert!(exists.unwrap());
        check(&span, "exists", engine);
        assert_eq!(span.rows(), Some(1));

        let names = mine().columns(["n"]).order_by("n", Order::Desc);
        let (values, span) = capture.one(|| names.fetch_scalars::<_, i32>(pool)).await;
        assert_eq!(values.unwrap(), [9, 5, 1]);
        check(&span, "fetch_scalars", engine);
        assert_eq!(span.rows(), Some(3));

        let (value, span) = capture.one(|| names.fetch_scalar::<_, i32>(pool)).await;
        assert_eq!(value.unwrap(), 9);
        check(&span, "fetch_scalar", engine);

        let (page, span) = capture.one(|| ordered.page::<_, Row>(2, 2, pool)).await;
        let page = page.unwrap();
        assert_eq!((page.total, page.items.len()), (3, 1));
        check(&span, "page", engine);
        assert_eq!(span.rows(), Some(1), "a page records its items");
        // Both statements, each with its placeholder.
        let sql = sql_with_placeholder(&span, engine);
        assert!(
            sql.contains("COUNT(*)") && sql.contains("; SELECT"),
            "{sql}"
        );

        let (first, span) = capture
            .one(|| ordered.page_after::<_, Row>(None, 2, pool))
            .await;
        let first = first.unwrap();
        check(&span, "page_after", engine);
        assert_eq!(span.rows(), Some(2));
        let cursor = first.next.expect("a second page");
        let (rest, span) = capture
            .one(|| ordered.page_after::<_, Row>(Some(&cursor), 2, pool))
            .await;
        assert_eq!(rest.unwrap().items.len(), 1);
        check(&span, "page_after", engine);
        let (back, span) = capture
            .one(|| ordered.page_before::<_, Row>(&cursor, 2, pool))
            .await;
        assert_eq!(back.unwrap().items.len(), 1);
        check(&span, "page_before", engine);

        // A stream records its rows when it ends, and when it is dropped early.
        let (rows, span) = capture
            .one(|| mine().fetch::<_, Row>(pool).collect::<Vec<_>>())
            .await;
        assert_eq!(rows.len(), 3);
        check(&span, "fetch", engine);
        assert_eq!(span.rows(), Some(3));
        let (first, span) = capture
            .one(|| async {
                let mut rows = ordered.fetch::<_, Row>(pool);
                rows.next().await
            })
            .await;
        assert!(first.is_some());
        check(&span, "fetch", engine);
        assert_eq!(
            span.rows(),
            Some(1),
            "a dropped stream records what it returned"
        );

        // On a server whose capabilities were set by hand.
        let capabilities = Capabilities::new(match engine {
            Engine::Sqlite => Dialect::Sqlite,
            Engine::Postgres => Dialect::Postgres,
            Engine::MySql => Dialect::MySql,
        });
        let set = mine();
        let (rows, span) = capture
            .one(|| set.on(&capabilities).fetch_all::<_, Row>(pool))
            .await;
        assert_eq!(rows.unwrap().len(), 3);
        check(&span, "fetch_all", engine);
        let (detected, span) = capture.one(|| Capabilities::detect(pool)).await;
        assert!(detected.is_ok());
        assert_eq!(span.field("method"), Some("detect"));

        // Writes record the rows matched.
        let (matched, span) = capture
            .one(|| mine().update(pool, [("n", Expr::col("n").add(1))]))
            .await;
        assert_eq!(matched.unwrap(), 3);
        check(&span, "update", engine);
        sql_with_placeholder(&span, engine);
        assert_eq!(span.rows(), Some(3));
        assert_eq!(span.field("plan"), Some("written in place"));
        let sliced = ordered.clone().limit(1);
        let (deleted, span) = capture.one(|| sliced.delete(pool)).await;
        assert_eq!(deleted.unwrap(), 1);
        check(&span, "delete", engine);
        assert!(
            span.field("plan")
                .is_some_and(|plan| plan.starts_with("written through the key")),
            "{span:?}"
        );

        // A set empty by construction sends nothing, and still emits its span.
        let (count, span) = capture.one(|| QuerySet::none().count(pool)).await;
        assert_eq!(count.unwrap(), 0);
        check(&span, "count", engine);
        assert_eq!(span.field("sql"), None);
        assert_eq!(span.field("plan"), Some("empty set: nothing sent"));
        assert_eq!(span.rows(), Some(0));

        // Misuse is reported before anything is sent; its span has no SQL either.
        let mismatched = table().columns(["id"]) | table().columns(["id", "n"]);
        let (rows, span) = capture.one(|| mismatched.fetch_all::<_, Row>(pool)).await;
        assert!(rows.is_err());
        assert_eq!(span.field("sql"), None);
        assert_eq!(span.rows(), None);
    }
);
