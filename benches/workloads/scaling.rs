//! W7 (`benches/README.md`): how building and rendering grow with the tree, per KB of SQL
//! and per node, for deep trees and wide unions, fused and with `keep_branches()`.

use std::time::{Duration, Instant};

use setql::prelude::*;

use crate::spread;

/// A leaf: one filtered SELECT of the shared table.
fn leaf(n: i64) -> QuerySet {
    QuerySet::table("t")
        .primary_key("id")
        .filter(Expr::col("n").eq(n))
}

/// A tree one level deeper per step, cycling through `∩ leaf` with a later filter,
/// `− leaf` and `∪ leaf`: `depth` operators over `depth + 1` leaves. `keep_branches()`
/// marks the whole tree, so it is called once, at the end.
fn deep(depth: i64, keep: bool) -> DelayedUnion {
    let mut set = DelayedUnion::new([leaf(0)]);
    for level in 1..=depth {
        let next = leaf(level);
        set = match level % 3 {
            0 => DelayedUnion::new([set.intersection(next).filter(Expr::col("m").gt(level))]),
            1 => DelayedUnion::new([set.difference(next)]),
            _ => set.union(next),
        };
    }
    if keep { set.keep_branches() } else { set }
}

/// A tree that cannot fuse at its bottom, a union of two tables, and is filtered at every
/// level above: `(… ∩ leaf).filter(p) ∪ leaf).filter(q) …`. Planning it once per level is
/// what keeps it linear.
fn deep_unfused(depth: i64) -> DelayedUnion {
    let other = QuerySet::table("u")
        .primary_key("id")
        .filter(Expr::col("n").eq(0));
    let mut set = DelayedUnion::new([leaf(0), other]);
    for level in 1..=depth {
        let next = leaf(level);
        set = if level % 2 == 0 {
            DelayedUnion::new([set.intersection(next).filter(Expr::col("m").gt(level))])
        } else {
            set.union(next).filter(Expr::col("m").lt(level))
        };
    }
    set
}

/// A union of `width` leaves with three later filters.
fn wide(width: i64, keep: bool) -> DelayedUnion {
    let set = DelayedUnion::new((0..width).map(leaf))
        .filter(Expr::col("a").eq(1))
        .exclude(Expr::col("b").lt(2))
        .filter(Expr::col("c").is_not_null());
    if keep { set.keep_branches() } else { set }
}

/// The minimum time to build and render `make`, and the SQL's length.
fn cost(make: &dyn Fn() -> DelayedUnion, dialect: Dialect, quick: bool) -> (f64, usize) {
    let sql_len = make().to_sql(dialect).expect("renders").len();
    let once = Instant::now();
    std::hint::black_box(make().build(dialect).expect("renders"));
    let per_call = once.elapsed().max(Duration::from_micros(1));
    // About 50 ms a sample, at least one call.
    let budget = Duration::from_millis(if quick { 5 } else { 50 }).as_nanos();
    let calls = Ord::max(u32::try_from(budget / per_call.as_nanos()).unwrap_or(1), 1);
    let samples: Vec<Duration> = (0..if quick { 3 } else { 9 })
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(make().build(dialect).expect("renders"));
            }
            start.elapsed() / calls
        })
        .collect();
    (spread(samples).min, sql_len)
}

/// One series: the cost per KB of SQL and per node at each size, and the largest case's
/// cost per KB over the smallest's.
fn series(name: &str, sizes: &[i64], make: &dyn Fn(i64) -> DelayedUnion, quick: bool) {
    let dialect = Dialect::Postgres;
    let mut per_kb = Vec::new();
    for &size in sizes {
        let (seconds, sql_len) = cost(&|| make(size), dialect, quick);
        let kb = sql_len as f64 / 1024.0;
        let nodes = (size + 1) as f64;
        println!(
            "INFO W7 {name}={size} us={:.1} sql_kb={kb:.1} us_per_kb={:.2} us_per_node={:.2}",
            seconds * 1e6,
            seconds * 1e6 / kb,
            seconds * 1e6 / nodes
        );
        per_kb.push(seconds * 1e6 / kb);
    }
    let (first, last) = (per_kb[0], per_kb[per_kb.len() - 1]);
    println!(
        "RESULT W7 {name} sizes={sizes:?} us_per_kb={first:.2}..{last:.2} ratio={:.2}",
        last / first
    );
}

/// W7 on PostgreSQL's dialect (rendering does not run anything).
pub(crate) fn workload(quick: bool) {
    let depths: &[i64] = if quick { &[4, 64] } else { &[4, 64, 256] };
    let widths: &[i64] = if quick { &[2, 128] } else { &[2, 128, 4096] };
    series("depth_fused", depths, &|d| deep(d, false), quick);
    series("depth_kept", depths, &|d| deep(d, true), quick);
    series("depth_unfused", depths, &deep_unfused, quick);
    series("width_fused", widths, &|w| wide(w, false), quick);
    series("width_kept", widths, &|w| wide(w, true), quick);
}

/// What unnamed statements (`PreparedStatements::Unnamed`, for a pooler in transaction
/// mode) cost against named ones: the same request, interleaved, on one connection.
macro_rules! unnamed_cost {
    ($conn:expr, $engine:literal, $request:expr, $row:ty) => {{
        let conn = $conn;
        let rounds = 1_000;
        let (mut named, mut unnamed) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for (mode, samples) in [
                (setql::PreparedStatements::Named, &mut named),
                (setql::PreparedStatements::Unnamed, &mut unnamed),
            ] {
                setql::use_prepared_statements(mode);
                let start = Instant::now();
                let rows: Vec<$row> = $request().fetch_all(&mut *conn).await.expect("runs");
                std::hint::black_box(rows);
                samples.push(start.elapsed());
            }
        }
        setql::use_prepared_statements(setql::PreparedStatements::Named);
        let (named, unnamed) = (spread(named), spread(unnamed));
        println!(
            "INFO W8 {} unnamed statements: named_us={:.1} unnamed_us={:.1} ratio={:.2} median_ratio={:.2}",
            $engine,
            named.min * 1e6,
            unnamed.min * 1e6,
            unnamed.min / named.min,
            unnamed.median / named.median
        );
    }};
}

/// W8: what a caller pays per query. An API-shaped query, built fresh from a base set each
/// time (a two-branch union, three later filters, a 20-row page), run end to end through
/// `fetch_all` on in-memory SQLite, where the query itself is cheapest; against sqlx
/// running the same SQL text with the same values, prepared once.
pub(crate) async fn overhead(pool: &sqlx::SqlitePool, quick: bool) -> bool {
    let table = "setql_bench_w8";
    let setup = [
        format!("DROP TABLE IF EXISTS {table}"),
        format!(
            "CREATE TABLE {table} (id INTEGER PRIMARY KEY, category INTEGER NOT NULL, owner_id INTEGER NOT NULL, status TEXT NOT NULL, score INTEGER NOT NULL)"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
             INSERT INTO {table} SELECT i, (i * 7919) % 100, (i * 104729) % 10000, \
             CASE (i * 31) % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' ELSE 'archived' END, \
             (i * 2654435761) % 1000003 FROM n"
        ),
        format!("CREATE INDEX {table}_category ON {table} (category)"),
        format!("CREATE INDEX {table}_owner ON {table} (owner_id)"),
        "ANALYZE".to_owned(),
    ];
    for sql in setup {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("W8 seeds");
    }
    let base = {
        let items = || {
            QuerySet::table(table)
                .primary_key("id")
                .not_null(["status", "score"])
        };
        items().filter(Expr::col("category").eq(3)) | items().filter(Expr::col("owner_id").eq(42))
    };
    // Built fresh each time, as a request handler would from its parameters.
    let request = || {
        base.clone()
            .filter(Expr::col("status").eq("open"))
            .filter(Expr::col("score").gt(1000))
            .exclude(Expr::col("owner_id").eq(7))
            .order_by("score", Order::Desc)
            .limit(20)
    };
    let (sql, values) = request().build(Dialect::Sqlite).expect("renders");
    // Both run on one connection, acquired once, so neither times the pool's acquire.
    let mut connection = pool.acquire().await.expect("W8 connects");
    let conn = &mut *connection;
    type Row = (i64, i64, i64, String, i64);
    macro_rules! by_setql {
        () => {{
            let rows: Vec<Row> = request().fetch_all(&mut *conn).await.expect("setql runs");
            rows.len()
        }};
    }
    macro_rules! by_sqlx {
        () => {{
            let arguments = sea_query_sqlx::SqlxValues(values.clone());
            let rows: Vec<Row> = sqlx::query_as_with(sqlx::AssertSqlSafe(sql.clone()), arguments)
                .fetch_all(&mut *conn)
                .await
                .expect("sqlx runs");
            rows.len()
        }};
    }
    let (expected, got) = (by_sqlx!(), by_setql!());
    let build_only = {
        let start = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(request().build(Dialect::Sqlite).expect("renders"));
        }
        start.elapsed().as_secs_f64() / 1000.0
    };
    println!(
        "INFO W8 sqlite build and render alone: us={:.1}",
        build_only * 1e6
    );
    let rounds = if quick { 200 } else { 3_000 };
    let (mut setql, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        std::hint::black_box(by_setql!());
        setql.push(start.elapsed());
        let start = Instant::now();
        std::hint::black_box(by_sqlx!());
        plain.push(start.elapsed());
    }
    let (setql, plain) = (spread(setql), spread(plain));
    println!(
        "RESULT W8 sqlite setql_us={:.1} sqlx_us={:.1} ratio={:.2} median_ratio={:.2} rows={got}",
        setql.min * 1e6,
        plain.min * 1e6,
        setql.min / plain.min,
        setql.median / plain.median
    );
    unnamed_cost!(conn, "sqlite", request, Row);
    if got != expected {
        println!("MISMATCH W8 sqlite: setql {got} rows, sqlx {expected}");
    }
    got == expected
}

/// W8's request on PostgreSQL, for the cost of unnamed statements where a transaction
/// pooler puts them: each one outside a transaction runs in one of its own.
#[cfg(feature = "postgres")]
pub(crate) async fn unnamed_on_postgres(pool: &sqlx::PgPool) {
    let table = "setql_bench_w8";
    let setup = [
        format!("DROP TABLE IF EXISTS {table}"),
        format!(
            "CREATE TABLE {table} (id BIGINT PRIMARY KEY, category BIGINT NOT NULL, owner_id BIGINT NOT NULL, status TEXT NOT NULL, score BIGINT NOT NULL)"
        ),
        format!(
            "INSERT INTO {table} SELECT i, (i * 7919) % 100, (i * 104729) % 10000, \
             CASE (i * 31) % 3 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' ELSE 'archived' END, \
             (i * 2654435761) % 1000003 FROM generate_series(1, 20000) AS i"
        ),
        format!("CREATE INDEX {table}_category ON {table} (category)"),
        format!("CREATE INDEX {table}_owner ON {table} (owner_id)"),
        format!("ANALYZE {table}"),
    ];
    for sql in setup {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("W8 seeds");
    }
    let items = || {
        QuerySet::table(table)
            .primary_key("id")
            .not_null(["status", "score"])
    };
    let request = || {
        (items().filter(Expr::col("category").eq(3)) | items().filter(Expr::col("owner_id").eq(42)))
            .filter(Expr::col("status").eq("open"))
            .filter(Expr::col("score").gt(1000))
            .exclude(Expr::col("owner_id").eq(7))
            .order_by("score", Order::Desc)
            .limit(20)
    };
    let mut connection = pool.acquire().await.expect("W8 connects");
    let conn = &mut *connection;
    type Row = (i64, i64, i64, String, i64);
    unnamed_cost!(conn, "postgres", request, Row);
    drop(connection);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
        .execute(pool)
        .await
        .expect("W8 drops");
}
