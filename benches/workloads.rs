//! The benchmark described in `benches/README.md`: W1–W5 on every reachable engine in four
//! strategies (setql, wrapped, or, hand), checked to return the same rows, and W6, the cost of
//! building and rendering against sea-query building the same statement.
//!
//! `cargo bench --bench workloads --all-features`, with `SETQL_POSTGRES_URL` and
//! `SETQL_MYSQL_URL` set for the servers. `SETQL_BENCH_ROWS` sets the table size (default
//! 200,000); `SETQL_BENCH_QUICK=1` is a fast smoke run. Only ratios measured in one run mean
//! anything: absolute times depend on the machine.

#[path = "workloads/object_sets.rs"]
mod object_sets;
#[path = "workloads/render.rs"]
mod render;
#[path = "workloads/scaling.rs"]
mod scaling;

use std::alloc::System;
use std::time::{Duration, Instant};

use cap::Cap;

use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use sqlx::{AssertSqlSafe, Pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Item {
    id: i64,
    category: i64,
    owner_id: i64,
    status: String,
    score: i64,
    name: String,
}

const TABLE: &str = "setql_bench_items";

/// Counts the heap, so OS2 can show that saving a set holds no member in the process.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

struct Settings {
    rows: i64,
    quick: bool,
    runs: usize,
    /// `SETQL_BENCH_ONLY=W1,W6` runs just those workloads.
    only: Option<Vec<String>>,
}

impl Settings {
    fn from_env() -> Self {
        let quick = std::env::var("SETQL_BENCH_QUICK").is_ok_and(|v| v == "1" || v == "true");
        let default_rows = if quick { 20_000 } else { 200_000 };
        let rows = std::env::var("SETQL_BENCH_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default_rows);
        let only = std::env::var("SETQL_BENCH_ONLY")
            .ok()
            .map(|list| list.split(',').map(|w| w.trim().to_uppercase()).collect());
        Settings {
            rows,
            quick,
            runs: if quick { 3 } else { 15 },
            only,
        }
    }

    fn runs(&self, workload: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|w| w == workload))
    }

    /// Whether any of W9–W12 and SF1 runs; they share their tables.
    fn runs_pages(&self) -> bool {
        ["W9", "W10", "W11", "W12", "SF1"]
            .iter()
            .any(|w| self.runs(w))
    }

    /// Whether OS1 and OS2 run (`SETQL_BENCH_ONLY=OS` names both).
    fn runs_object_sets(&self) -> bool {
        ["OS", "OS1", "OS2"].iter().any(|w| self.runs(w))
    }

    /// W3's offset, scaled so a smaller table still has a deep page.
    fn deep_offset(&self) -> u64 {
        u64::try_from(10_000 * self.rows / 200_000).unwrap_or(0)
    }
}

/// The row with this `id`, from the formulas in `benches/README.md` (64-bit arithmetic).
fn item(id: i64) -> String {
    let status = ["open", "closed", "archived"][usize::try_from((id * 31) % 3).unwrap_or(0)];
    format!(
        "({id}, {}, {}, '{status}', {}, 'item-{id}')",
        (id * 7919) % 100,
        (id * 104_729) % 10_000,
        (id * 2_654_435_761) % 1_000_003
    )
}

/// The minimum and the median of one strategy's samples, in seconds. The minimum is the
/// estimate least disturbed by other load on a shared machine; the median shows the spread.
#[derive(Debug, Clone, Copy)]
struct Spread {
    min: f64,
    median: f64,
}

fn spread(mut samples: Vec<Duration>) -> Spread {
    samples.sort_unstable();
    Spread {
        min: samples[0].as_secs_f64(),
        median: samples[samples.len() / 2].as_secs_f64(),
    }
}

/// One strategy's answer: the rows (or count) it returned, for checking against the others.
#[derive(Debug, PartialEq)]
enum Answer {
    Count(u64),
    Rows(Vec<i64>),
    CountAndRows(u64, Vec<i64>),
}

/// Whether every strategy returned setql's answer; a MISMATCH line for each that did not.
fn report_rows_agree(workload: &str, engine: &str, timings: &[(&str, Spread, Answer)]) -> bool {
    let (_, _, reference) = &timings[0];
    let mut agree = true;
    for (strategy, _, answer) in timings {
        if answer != reference {
            println!("MISMATCH {workload} {engine} {strategy}: {answer:?} vs setql {reference:?}");
            agree = false;
        }
    }
    agree
}

/// Prints one RESULT line, or a MISMATCH line and a failure when the strategies disagree.
/// The ratio compares minimums; the median ratio is printed beside it.
fn report(workload: &str, engine: &str, timings: &[(&str, Spread, Answer)]) -> bool {
    let (_, setql, _) = &timings[0];
    let agree = report_rows_agree(workload, engine, timings);
    if std::env::var("SETQL_BENCH_VERBOSE").is_ok() {
        for (strategy, spread, _) in timings {
            println!(
                "  {workload} {engine} {strategy}: min {:.3} ms, median {:.3} ms",
                spread.min * 1e3,
                spread.median * 1e3
            );
        }
    }
    let (best, best_spread, _) = timings
        .iter()
        .min_by(|a, b| a.1.min.total_cmp(&b.1.min))
        .unwrap_or(&timings[0]);
    let best_median = timings
        .iter()
        .map(|(_, spread, _)| spread.median)
        .fold(f64::INFINITY, f64::min);
    println!(
        "RESULT {workload} {engine} setql_ms={:.3} best={best} best_ms={:.3} ratio={:.2} median_ratio={:.2}",
        setql.min * 1e3,
        best_spread.min * 1e3,
        setql.min / best_spread.min,
        setql.median / best_median
    );
    agree
}

/// How long the timed rounds of one workload should take at least: sub-millisecond queries
/// get hundreds of rounds, so their minimum settles; slow ones keep the configured count.
const ROUNDS_BUDGET: Duration = Duration::from_millis(1_500);
const MAX_ROUNDS: usize = 400;

// Strategies run in turn within each round, so a noisy moment on a shared machine
// falls on all of them alike, and each round starts with the next strategy, so none always
// runs first (after the previous round's last statement) or last; one warm-up round first,
// which also sizes the run.
macro_rules! race {
    ($runs:expr; $($name:literal => $op:expr),+ $(,)?) => {{
        let warm_up = Instant::now();
        $( let _ = $op.await; )+
        let per_round = warm_up.elapsed().max(Duration::from_micros(1));
        let budgeted = usize::try_from(ROUNDS_BUDGET.as_micros() / per_round.as_micros().max(1))
            .unwrap_or(MAX_ROUNDS);
        let rounds = budgeted.clamp($runs, MAX_ROUNDS.max($runs));
        let names = [$($name),+];
        let mut samples: Vec<Vec<Duration>> = names.iter().map(|_| Vec::new()).collect();
        let mut answers: Vec<Option<Answer>> = names.iter().map(|_| None).collect();
        for round in 0..rounds {
            for turn in 0..names.len() {
                let strategy = (round + turn) % names.len();
                let mut index = 0;
                $(
                    if index == strategy {
                        let start = Instant::now();
                        let answer = $op.await;
                        samples[strategy].push(start.elapsed());
                        answers[strategy] = Some(answer);
                    }
                    index += 1;
                )+
                let _ = index;
            }
        }
        names
            .into_iter()
            .zip(samples)
            .zip(answers)
            .map(|((name, samples), answer)| (name, spread(samples), answer.expect("ran")))
            .collect::<Vec<_>>()
    }};
}

// After `race!`, which its macro uses.
#[path = "workloads/pages.rs"]
mod pages;

/// Runs the workloads on one engine. A macro, so the body compiles for each sqlx database.
macro_rules! workloads {
    ($pool:expr, $db:ty, $engine:expr, $settings:expr) => {{
        let pool = $pool;
        let engine: &str = $engine;
        let settings: &Settings = $settings;
        let dialect = <$db as setql::Backend>::DIALECT;
        if ["W1", "W2", "W3", "W4", "W5"].iter().any(|w| settings.runs(w)) {
            seed(pool, engine, settings.rows).await;
        }

        macro_rules! rows_sql {
            ($sql:expr) => {
                async {
                    let rows: Vec<Item> = sqlx::query_as(AssertSqlSafe($sql.to_string()))
                        .fetch_all(pool)
                        .await
                        .expect("strategy SQL runs");
                    Answer::Rows(rows.into_iter().map(|item| item.id).collect())
                }
            };
        }
        macro_rules! count_sql {
            ($sql:expr) => {
                async {
                    let n: i64 = sqlx::query_scalar(AssertSqlSafe($sql.to_string()))
                        .fetch_one(pool)
                        .await
                        .expect("strategy SQL runs");
                    Answer::Count(u64::try_from(n).unwrap_or(0))
                }
            };
        }

        // Values are typed as their BIGINT columns, as a careful caller binds them: an int4
        // value against a bigint column keeps PostgreSQL from settling on a cached generic
        // plan, so it plans every execution (W5 read 1.09-1.18x the same statement with int8
        // values, all of it planning).
        let items = || QuerySet::table(TABLE)
            .primary_key("id")
            .not_null(["category", "owner_id", "status", "score", "name"]);
        let nulls_last = if dialect == Dialect::Postgres { " NULLS LAST" } else { "" };
        let nulls_first = if dialect == Dialect::Postgres { " NULLS FIRST" } else { "" };
        // setql breaks ties in the direction of the last term (W1, W4); W3 asks for `id` ascending.
        let by_score = format!("ORDER BY score DESC{nulls_last}, id DESC{nulls_last}");
        let by_score_then_id = format!("ORDER BY score DESC{nulls_last}, id ASC{nulls_first}");
        let mut agree = true;

        if settings.runs("W1") {
        // W1: filter after union.
        let w1 = (items().filter(Expr::col("category").eq(3_i64))
            | items().filter(Expr::col("owner_id").eq(42_i64)))
        .filter(Expr::col("status").eq("open"))
        .order_by("score", Order::Desc)
        .limit(20);

        let wrapped = format!("SELECT * FROM (SELECT * FROM {TABLE} WHERE category = 3 UNION SELECT * FROM {TABLE} WHERE owner_id = 42) AS t WHERE status = 'open' {by_score} LIMIT 20");
        let or = format!("SELECT * FROM {TABLE} WHERE (category = 3 OR owner_id = 42) AND status = 'open' {by_score} LIMIT 20");
        // Top-N pushdown: measured fastest on PostgreSQL, slowest on SQLite.
        let hand = if dialect == Dialect::Postgres {
            format!("SELECT * FROM ((SELECT * FROM {TABLE} WHERE category = 3 AND status = 'open' {by_score} LIMIT 20) UNION (SELECT * FROM {TABLE} WHERE owner_id = 42 AND status = 'open' {by_score} LIMIT 20)) AS t {by_score} LIMIT 20")
        } else {
            or.clone()
        };
        let timings = race!(settings.runs;
            "setql" => async {
            let rows: Vec<Item> = w1.fetch_all(pool).await.expect("setql runs");
            Answer::Rows(rows.into_iter().map(|item| item.id).collect())
        },
            "wrapped" => rows_sql!(wrapped),
            "or" => rows_sql!(or),
            "hand" => rows_sql!(hand),
            // setql's own statement and values, built once and run by sqlx: what is left
            // between the two is setql's cost per call, not the plan.
            "prebuilt" => async {
                let (sql, values) = w1.build(dialect).expect("renders");
                let rows: Vec<Item> = sqlx::query_as_with(AssertSqlSafe(sql), sea_query_sqlx::SqlxValues(values))
                    .fetch_all(pool)
                    .await
                    .expect("prebuilt runs");
                Answer::Rows(rows.into_iter().map(|item| item.id).collect())
            },
        );
        agree &= report("W1", engine, &timings[..4]);
        println!(
            "INFO W1 {engine} setql over its own prebuilt statement: min {:.2} median {:.2}",
            timings[0].1.min / timings[4].1.min,
            timings[0].1.median / timings[4].1.median
        );

        }
        if settings.runs("W2") {
        // W2: count of a union.
        let w2 = items().filter(Expr::col("category").lt(10_i64))
            | items().filter(Expr::col("status").eq("open").and(Expr::col("score").gt(900_000_i64)));
        let timings = race!(settings.runs;
            "setql" => async { Answer::Count(w2.count(pool).await.expect("setql runs")) },
            "wrapped" => count_sql!(format!("SELECT COUNT(*) FROM (SELECT * FROM {TABLE} WHERE category < 10 UNION SELECT * FROM {TABLE} WHERE status = 'open' AND score > 900000) AS t")),
            "or" => count_sql!(format!("SELECT COUNT(*) FROM {TABLE} WHERE category < 10 OR (status = 'open' AND score > 900000)")),
            "hand" => count_sql!(format!("SELECT COUNT(*) FROM (SELECT id FROM {TABLE} WHERE category < 10 UNION SELECT id FROM {TABLE} WHERE status = 'open' AND score > 900000) AS t")),
        );
        agree &= report("W2", engine, &timings);

        }
        if settings.runs("W3") {
        // W3: a deep page of an ordered union.
        let offset = settings.deep_offset();
        let w3 = DelayedUnion::new([
            items().filter(Expr::col("category").eq(1_i64)),
            items().filter(Expr::col("category").eq(2_i64)),
            items().filter(Expr::col("owner_id").lt(500_i64)),
        ])
        .order_by("score", Order::Desc)
        .order_by("id", Order::Asc)
        .offset(offset)
        .limit(20);
        let timings = race!(settings.runs;
            "setql" => async {
            let rows: Vec<Item> = w3.fetch_all(pool).await.expect("setql runs");
            Answer::Rows(rows.into_iter().map(|item| item.id).collect())
        },
            "wrapped" => rows_sql!(format!("SELECT * FROM (SELECT * FROM {TABLE} WHERE category = 1 UNION SELECT * FROM {TABLE} WHERE category = 2 UNION SELECT * FROM {TABLE} WHERE owner_id < 500) AS t {by_score_then_id} LIMIT 20 OFFSET {offset}")),
            "or" => rows_sql!(format!("SELECT * FROM {TABLE} WHERE category = 1 OR category = 2 OR owner_id < 500 {by_score_then_id} LIMIT 20 OFFSET {offset}")),
            "hand" => rows_sql!(format!("SELECT * FROM {TABLE} WHERE category IN (1, 2) OR owner_id < 500 {by_score_then_id} LIMIT 20 OFFSET {offset}")),
        );
        agree &= report("W3", engine, &timings);

        // The same deep page by keyset cursor, against the first page.
        let ordered = DelayedUnion::new([
            items().filter(Expr::col("category").eq(1_i64)),
            items().filter(Expr::col("category").eq(2_i64)),
            items().filter(Expr::col("owner_id").lt(500_i64)),
        ])
        .order_by("score", Order::Desc)
        .order_by("id", Order::Asc);
        let before_deep: KeysetPage<Item> = ordered
            .clone()
            .offset(offset.saturating_sub(20))
            .page_after(None, 20, pool)
            .await
            .expect("setql runs");
        let deep_cursor = before_deep.next.expect("a deep page exists");
        let timings = race!(settings.runs;
            "first" => async {
                let page: KeysetPage<Item> = ordered.page_after(None, 20, pool).await.expect("runs");
                Answer::Count(u64::try_from(page.items.len()).unwrap_or(0))
            },
            "deep" => async {
                let page: KeysetPage<Item> = ordered.page_after(Some(&deep_cursor), 20, pool).await.expect("runs");
                Answer::Count(u64::try_from(page.items.len()).unwrap_or(0))
            },
        );
        println!(
            "INFO W3 {engine} keyset first_ms={:.3} deep_ms={:.3} ratio={:.2}",
            timings[0].1.min * 1e3,
            timings[1].1.min * 1e3,
            timings[1].1.min / timings[0].1.min
        );

        }
        if settings.runs("W4") {
        // W4: intersection and difference with a later filter: count and first page.
        let w4 = ((items().filter(Expr::col("category").lt(20_i64))
            & items().filter(Expr::col("owner_id").lt(5000_i64)))
            - items().filter(Expr::col("status").eq("archived")))
        .filter(Expr::col("score").gt(500_000_i64));
        let w4_page = w4.clone().order_by("score", Order::Desc).limit(20);

        macro_rules! count_and_page {
            ($from:expr) => {{
                let from = $from;
                let by_score = &by_score;
                async move {
                    let Answer::Count(n) = count_sql!(format!("SELECT COUNT(*) FROM {from}")).await else { unreachable!() };
                    let Answer::Rows(rows) = rows_sql!(format!("SELECT * FROM {from} {by_score} LIMIT 20")).await else { unreachable!() };
                    Answer::CountAndRows(n, rows)
                }
            }};
        }
        let compound = format!("(SELECT * FROM (SELECT * FROM {TABLE} WHERE category < 20 INTERSECT SELECT * FROM {TABLE} WHERE owner_id < 5000) AS i EXCEPT SELECT * FROM {TABLE} WHERE status = 'archived') AS t WHERE score > 500000");

        let fused = format!("{TABLE} WHERE category < 20 AND owner_id < 5000 AND (status = 'archived') IS NOT TRUE AND score > 500000");
        let timings = race!(settings.runs;
            "setql" => async {
            let n = w4.count(pool).await.expect("setql runs");
            let rows: Vec<Item> = w4_page.fetch_all(pool).await.expect("setql runs");
            Answer::CountAndRows(n, rows.into_iter().map(|item| item.id).collect())
        },
            "wrapped" => count_and_page!(compound.clone()),
            "or" => count_and_page!(fused.clone()),
            "hand" => count_and_page!(format!("{TABLE} WHERE category < 20 AND owner_id < 5000 AND status <> 'archived' AND score > 500000")),
        );
        agree &= report("W4", engine, &timings);

        }
        if settings.runs("W5") {
        // W5: nesting with a later exclude, counted.
        let w5 = ((items().filter(Expr::col("category").eq(5_i64))
            | items().filter(Expr::col("category").eq(6_i64)))
            & (items().filter(Expr::col("owner_id").lt(2000_i64))
                | items().filter(Expr::col("score").lt(100_000_i64))))
        .exclude(Expr::col("status").eq("closed"));
        let timings = race!(settings.runs;
            "setql" => async { Answer::Count(w5.count(pool).await.expect("setql runs")) },
            "wrapped" => count_sql!(format!("SELECT COUNT(*) FROM (SELECT * FROM (SELECT * FROM {TABLE} WHERE category = 5 UNION SELECT * FROM {TABLE} WHERE category = 6) AS a INTERSECT SELECT * FROM (SELECT * FROM {TABLE} WHERE owner_id < 2000 UNION SELECT * FROM {TABLE} WHERE score < 100000) AS b) AS t WHERE (status = 'closed') IS NOT TRUE")),
            "or" => count_sql!(format!("SELECT COUNT(*) FROM {TABLE} WHERE (category = 5 OR category = 6) AND (owner_id < 2000 OR score < 100000) AND (status = 'closed') IS NOT TRUE")),
            "hand" => count_sql!(format!("SELECT COUNT(*) FROM {TABLE} WHERE category IN (5, 6) AND (owner_id < 2000 OR score < 100000) AND status <> 'closed'")),
            // The hand-written statement with its values bound, as setql sends them: what
            // is left between this and *hand* is the engine's, not setql's.
            "bound" => async {
                let sql = format!("SELECT COUNT(*) FROM {TABLE} WHERE category IN ({}, {}) AND ({} < {} OR score < {}) AND status <> {}",
                    placeholder(dialect, 1), placeholder(dialect, 2), "owner_id", placeholder(dialect, 3), placeholder(dialect, 4), placeholder(dialect, 5));
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                    .bind(5_i64).bind(6_i64).bind(2000_i64).bind(100_000_i64).bind("closed")
                    .fetch_one(pool)
                    .await
                    .expect("bound SQL runs");
                Answer::Count(u64::try_from(n).unwrap_or(0))
            },
        );
        agree &= report("W5", engine, &timings[..4]) && timings[4].2 == timings[0].2;
        println!(
            "INFO W5 {engine} setql over the hand-written statement with bound values: min {:.2} median {:.2}",
            timings[0].1.min / timings[4].1.min,
            timings[0].1.median / timings[4].1.median
        );
        }
        agree
    }};
}

/// The `n`th bound-value placeholder in `dialect`'s SQL.
fn placeholder(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Creates and fills the `items` table of `benches/README.md`, with its indexes and fresh
/// statistics.
async fn seed<DB>(pool: &Pool<DB>, engine: &str, rows: i64)
where
    DB: sqlx::Database,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
{
    let run = |sql: String| async move {
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(pool)
            .await
            .expect("seeding runs");
    };
    run(format!("DROP TABLE IF EXISTS {TABLE}")).await;
    // `integer primary key`, as benches/README.md says: on SQLite only `INTEGER PRIMARY KEY`
    // names the rowid, which every index holds, so an index on `score` also orders by `id`.
    let id_type = if engine == "sqlite" {
        "INTEGER"
    } else {
        "BIGINT"
    };
    run(format!("CREATE TABLE {TABLE} (id {id_type} PRIMARY KEY, category BIGINT NOT NULL, owner_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL, score BIGINT NOT NULL, name VARCHAR(64) NOT NULL)")).await;
    let mut id = 1;
    while id <= rows {
        let last = Ord::min(id + 999, rows);
        let values: Vec<String> = (id..=last).map(item).collect();
        run(format!("INSERT INTO {TABLE} VALUES {}", values.join(", "))).await;
        id = last + 1;
    }
    for (name, columns) in [
        ("category", "category"),
        ("owner", "owner_id"),
        ("status_score", "status, score"),
        ("score", "score"),
    ] {
        run(format!(
            "CREATE INDEX {TABLE}_{name} ON {TABLE} ({columns})"
        ))
        .await;
    }
    let analyze = match engine {
        "mysql" => format!("ANALYZE TABLE {TABLE}"),
        _ => "ANALYZE".to_owned(),
    };
    run(analyze).await;
}

/// The workloads on the server named by `$var`, when it is set; the table is dropped after.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! server {
    ($var:literal, $db:ty, $engine:literal, $settings:expr) => {{
        match std::env::var($var) {
            Err(_) => true,
            Ok(url) => {
                let pool = sqlx::pool::PoolOptions::<$db>::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .expect(concat!($engine, " reachable"));
                let mut agree = true;
                if $settings.runs_object_sets() {
                    agree &= object_sets::workloads(&pool, $engine, $settings.quick).await;
                }
                agree &= workloads!(&pool, $db, $engine, $settings);
                if $settings.runs_pages() {
                    agree &= pages::pages!(&pool, $db, $engine, $settings);
                }
                sqlx::raw_sql(AssertSqlSafe(format!("DROP TABLE IF EXISTS {TABLE}")))
                    .execute(&pool)
                    .await
                    .expect("cleanup");
                agree
            }
        }
    }};
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let settings = Settings::from_env();
    println!(
        "workloads: {} rows, at least {} rounds per strategy (more for fast queries; min and median reported)",
        settings.rows, settings.runs
    );
    let mut agree = true;

    let sqlite = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite opens");
    if settings.runs_object_sets() {
        agree &= object_sets::workloads(&sqlite, "sqlite", settings.quick).await;
    }
    agree &= workloads!(&sqlite, sqlx::Sqlite, "sqlite", &settings);
    if settings.runs_pages() {
        agree &= pages::pages!(&sqlite, sqlx::Sqlite, "sqlite", &settings);
    }

    #[cfg(feature = "postgres")]
    {
        agree &= server!("SETQL_POSTGRES_URL", sqlx::Postgres, "postgres", &settings);
    }
    #[cfg(feature = "mysql")]
    {
        agree &= server!("SETQL_MYSQL_URL", sqlx::MySql, "mysql", &settings);
    }

    if settings.runs("W8") {
        agree &= scaling::overhead(&sqlite, settings.quick).await;
        #[cfg(feature = "postgres")]
        if let Ok(url) = std::env::var("SETQL_POSTGRES_URL") {
            let pool = sqlx::PgPool::connect(&url).await.expect("W8 connects");
            scaling::unnamed_on_postgres(&pool).await;
        }
    }
    if settings.runs("W7") {
        scaling::workload(settings.quick);
    }
    if settings.runs("W6") {
        agree &= render::render_workload(&settings);
    }
    assert!(agree, "strategies disagree: see MISMATCH lines");
}
