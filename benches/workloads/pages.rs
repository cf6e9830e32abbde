//! W9–W12 and SF1 (`benches/README.md`): the first page, a deep page and the count of large
//! ordered sets and unions whose orderings indexes serve, and a set-valued column at scale,
//! against the SQL a careful engineer writes (*topn*, *hand*), the SQL Django and
//! django-delayed-union send (*wrapped*), and one `OR` (*or*).

use crate::{Answer, Settings, Spread};

pub(crate) const EVENTS: &str = "setql_bench_events";
pub(crate) const NOTES: &str = "setql_bench_notes";

/// A row of `events`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct Event {
    pub(crate) id: i64,
    pub(crate) kind: i64,
    pub(crate) actor: i64,
    pub(crate) created: i64,
    pub(crate) rank: Option<i64>,
    pub(crate) title: String,
    pub(crate) tags: Option<String>,
}

/// A row of the two-table feed (W10 c): events and notes projected alike, labelled.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub(crate) struct Feed {
    pub(crate) id: i64,
    pub(crate) actor: i64,
    pub(crate) created: i64,
    pub(crate) title: String,
    pub(crate) label: String,
}

/// The ids of `rows`, for comparing strategies.
pub(crate) fn event_ids(rows: Vec<Event>) -> Answer {
    Answer::Rows(rows.into_iter().map(|row| row.id).collect())
}

/// The feed's rows as numbers, so the strategies compare: an id and which table it is of.
pub(crate) fn feed_ids(rows: Vec<Feed>) -> Answer {
    Answer::Rows(
        rows.into_iter()
            .map(|row| row.id * 10 + i64::from(row.label == "note"))
            .collect(),
    )
}

/// `SETQL_BENCH_PAGE_ROWS`, else 1,000,000 (20,000 in a quick run).
pub(crate) fn page_rows(settings: &Settings) -> i64 {
    std::env::var("SETQL_BENCH_PAGE_ROWS")
        .ok()
        .and_then(|rows| rows.parse().ok())
        .unwrap_or(if settings.quick { 20_000 } else { 1_000_000 })
}

/// The rows `1..=n` as a FROM item with a column `n`, on one engine.
type Numbers = Box<dyn Fn(i64) -> String>;
/// Text concatenation, on one engine.
type Concat = Box<dyn Fn(&[&str]) -> String>;

/// The statements that make `events` (N rows) and `notes` (N/2) from the formulas in
/// `WORKLOADS.md`, with their indexes and fresh statistics, on `engine`.
pub(crate) fn seed_sql(engine: &str, rows: i64) -> Vec<String> {
    let half = rows / 2;
    let tags = |n: &str, concat: &dyn Fn(&[&str]) -> String| {
        let t13 = concat(&["'t'", &format!("{n} % 13")]);
        let t17 = concat(&["'t'", &format!("{n} % 17")]);
        let r = concat(&["'r'", &format!("{n} % 1000")]);
        format!(
            "CASE WHEN {n} % 23 = 0 THEN NULL WHEN {n} % 13 = {n} % 17 THEN {} ELSE {} END",
            concat(&[&t13, "','", &r]),
            concat(&[&t13, "','", &t17, "','", &r])
        )
    };
    let (numbers, n, concat): (Numbers, &str, Concat) = match engine {
        "postgres" => (
            Box::new(|to| format!("generate_series(1::bigint, {to}::bigint) AS g(n)")),
            "n",
            Box::new(|parts: &[&str]| format!("({})", parts.join(" || "))),
        ),
        // Six tables of digits make 0 to 999,999; MySQL has no generate_series, and its
        // recursive CTEs stop at 1,000 rows unless told otherwise.
        "mysql" => (
            Box::new(|to| {
                let digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
                format!(
                    "(SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * h.d + 1000000 * i.d AS n \
                         FROM {digits} a, {digits} b, {digits} c, {digits} e, {digits} f, {digits} h, {digits} i \
                         HAVING n <= {to}) AS g"
                )
            }),
            "n",
            Box::new(|parts: &[&str]| format!("CONCAT({})", parts.join(", "))),
        ),
        _ => (
            Box::new(|to| {
                format!(
                    "(WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {to}) SELECT n FROM g) AS g"
                )
            }),
            "n",
            Box::new(|parts: &[&str]| format!("({})", parts.join(" || "))),
        ),
    };
    let id_type = if engine == "sqlite" {
        "INTEGER"
    } else {
        "BIGINT"
    };
    let mut sql = vec![
        format!("DROP TABLE IF EXISTS {EVENTS}"),
        format!("DROP TABLE IF EXISTS {NOTES}"),
        format!(
            "CREATE TABLE {EVENTS} (id {id_type} PRIMARY KEY, kind BIGINT NOT NULL, actor BIGINT NOT NULL, \
             created BIGINT NOT NULL, rank BIGINT NULL, title VARCHAR(64) NOT NULL, tags VARCHAR(255) NULL)"
        ),
        format!(
            "INSERT INTO {EVENTS} (id, kind, actor, created, rank, title, tags) SELECT {n}, {n} % 10, ({n} * 7919) % 50, \
             ({n} * 2654435761) % 1000003, CASE WHEN {n} % 7 = 0 THEN NULL ELSE ({n} * 40503) % 1000 END, {}, {} FROM {}",
            concat(&["'event-'", n]),
            tags(n, &*concat),
            numbers(rows)
        ),
        format!(
            "CREATE TABLE {NOTES} (id {id_type} PRIMARY KEY, actor BIGINT NOT NULL, created BIGINT NOT NULL, title VARCHAR(64) NOT NULL)"
        ),
        format!(
            "INSERT INTO {NOTES} (id, actor, created, title) SELECT {n}, ({n} * 104729) % 50, ({n} * 40503) % 1000003, {} FROM {}",
            concat(&["'note-'", n]),
            numbers(half)
        ),
    ];
    for (table, name, columns) in [
        (EVENTS, "kind_created", "kind, created"),
        (EVENTS, "actor_created", "actor, created"),
        (EVENTS, "created", "created"),
        (EVENTS, "rank", "rank"),
        (NOTES, "actor_created", "actor, created"),
        (NOTES, "created", "created"),
    ] {
        sql.push(format!(
            "CREATE INDEX {table}_{name} ON {table} ({columns})"
        ));
    }
    if engine == "postgres" {
        // The index the README gives for `set_contains` on PostgreSQL (SF1).
        sql.push(format!(
            "CREATE INDEX {EVENTS}_tags ON {EVENTS} USING GIN (string_to_array(tags, ','))"
        ));
    }
    sql.push(match engine {
        "mysql" => format!("ANALYZE TABLE {EVENTS}, {NOTES}"),
        _ => "ANALYZE".to_owned(),
    });
    sql
}

/// Prints one RESULT line, with *wrapped* over setql where it ran, or a MISMATCH line and a
/// failure when the strategies disagree. The ratio compares minimums.
pub(crate) fn report(workload: &str, engine: &str, timings: &[(&str, Spread, Answer)]) -> bool {
    let agree = crate::report_rows_agree(workload, engine, timings);
    let (_, setql, _) = &timings[0];
    let (best, best_spread, _) = timings
        .iter()
        .min_by(|a, b| a.1.min.total_cmp(&b.1.min))
        .unwrap_or(&timings[0]);
    let best_median = timings
        .iter()
        .map(|(_, spread, _)| spread.median)
        .fold(f64::INFINITY, f64::min);
    let wrapped = timings
        .iter()
        .find(|(name, ..)| *name == "wrapped")
        .map(|(_, wrapped, _)| format!(" wrapped_over_setql={:.2}", wrapped.min / setql.min))
        .unwrap_or_default();
    println!(
        "RESULT {workload} {engine} setql_ms={:.3} best={best} best_ms={:.3} ratio={:.2} median_ratio={:.2}{wrapped}",
        setql.min * 1e3,
        best_spread.min * 1e3,
        setql.min / best_spread.min,
        setql.median / best_median
    );
    if std::env::var("SETQL_BENCH_VERBOSE").is_ok() {
        for (strategy, spread, _) in timings {
            println!(
                "  {workload} {engine} {strategy}: min {:.3} ms, median {:.3} ms",
                spread.min * 1e3,
                spread.median * 1e3
            );
        }
    }
    agree
}

/// An INFO line: the *topn* statement with its values written in, over the same statement
/// with them bound. PostgreSQL plans a statement with bound values on every execution while
/// its generic plan looks costlier than the custom ones, as it does for a range whose bound
/// it cannot see; written in, the statement is planned once per connection.
pub(crate) fn written_over_bound(
    workload: &str,
    engine: &str,
    bound: &(&str, Spread, Answer),
    written: &(&str, Spread, Answer),
) {
    println!(
        "INFO {workload} {engine} topn with its values written in over bound: min {:.2} median {:.2}",
        written.1.min / bound.1.min,
        written.1.median / bound.1.median
    );
}

/// The INFO line of a keyset walk: the 500th page's time over the first's.
pub(crate) fn deep_over_first(
    workload: &str,
    engine: &str,
    case: &str,
    walk: &[(&str, Spread, Answer)],
) {
    let (first, deep) = (&walk[0].1, &walk[1].1);
    println!(
        "INFO {workload} {engine} {case} keyset page500_ms={:.3} page1_ms={:.3} page500_over_page1={:.2} median={:.2}",
        deep.min * 1e3,
        first.min * 1e3,
        deep.min / first.min,
        deep.median / first.median
    );
}

/// Runs W9–W12 and SF1 on one engine. A macro, so the body compiles for each sqlx database.
macro_rules! pages {
    ($pool:expr, $db:ty, $engine:expr, $settings:expr) => {{
        use $crate::pages::{EVENTS, NOTES, Event, Feed, event_ids, feed_ids};
        let pool = $pool;
        let engine: &str = $engine;
        let settings: &$crate::Settings = $settings;
        let dialect = <$db as setql::Backend>::DIALECT;
        let rows = $crate::pages::page_rows(settings);
        for sql in $crate::pages::seed_sql(engine, rows) {
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await.expect("seeding W9-W12 runs");
        }
        // As a user writes them: the tables and their keys, no column declared NOT NULL;
        // setql reads that from the catalog.
        let events = || QuerySet::table(EVENTS).primary_key("id");
        let notes = || QuerySet::table(NOTES).primary_key("id");
        let nulls_last = if dialect == Dialect::Postgres { " NULLS LAST" } else { "" };
        let mut agree = true;
        // The strategies bind the values a request supplies (ids, bounds, cursors), as an
        // application using sqlx directly must; `?` in their SQL becomes `$n` on PostgreSQL.
        let placeholders = |sql: &str| -> String {
            if dialect != Dialect::Postgres {
                return sql.to_owned();
            }
            let mut numbered = String::with_capacity(sql.len() + 8);
            for (n, part) in sql.split('?').enumerate() {
                if n > 0 {
                    numbered.push_str(&format!("${n}"));
                }
                numbered.push_str(part);
            }
            numbered
        };
        let values = |binds: &[i64]| {
            sea_query_sqlx::SqlxValues(sea_query::Values(binds.iter().map(|&v| v.into()).collect()))
        };
        macro_rules! events_sql {
            ($sql:expr, $binds:expr) => {
                async {
                    let rows: Vec<Event> = sqlx::query_as_with(AssertSqlSafe(placeholders(&$sql)), values(&$binds))
                        .fetch_all(pool).await.expect("strategy SQL runs");
                    event_ids(rows)
                }
            };
            ($sql:expr) => { events_sql!($sql, []) };
        }
        macro_rules! feed_sql {
            ($sql:expr, $binds:expr) => {
                async {
                    let rows: Vec<Feed> = sqlx::query_as_with(AssertSqlSafe(placeholders(&$sql)), values(&$binds))
                        .fetch_all(pool).await.expect("strategy SQL runs");
                    feed_ids(rows)
                }
            };
        }
        macro_rules! count_sql {
            ($sql:expr, $binds:expr) => {
                async {
                    let n: i64 = sqlx::query_scalar_with(AssertSqlSafe(placeholders(&$sql)), values(&$binds))
                        .fetch_one(pool).await.expect("strategy SQL runs");
                    Answer::Count(u64::try_from(n).unwrap_or(0))
                }
            };
        }
        macro_rules! setql_events {
            ($set:expr) => {
                async { event_ids($set.fetch_all(pool).await.expect("setql runs")) }
            };
        }
        let by_created = "ORDER BY created DESC, id DESC";

        if settings.runs("W9") {
            let cases: [(&str, QuerySet, String, Vec<i64>); 4] = [
                ("W9a", events().order_by("created", Order::Desc).limit(20),
                    format!("SELECT * FROM {EVENTS} {by_created} LIMIT 20"), vec![]),
                ("W9b", events().filter(Expr::col("kind").eq(3_i64)).order_by("created", Order::Desc).limit(20),
                    format!("SELECT * FROM {EVENTS} WHERE kind = ? {by_created} LIMIT 20"), vec![3]),
                ("W9c", events().filter(Expr::col("kind").eq(3_i64)).order_by("created", Order::Asc).limit(20),
                    format!("SELECT * FROM {EVENTS} WHERE kind = ? ORDER BY created ASC, id ASC LIMIT 20"), vec![3]),
                ("W9d", events().order_by("rank", Order::Desc).limit(20),
                    format!("SELECT * FROM {EVENTS} ORDER BY rank DESC{nulls_last}, id DESC LIMIT 20"), vec![]),
            ];
            for (workload, set, hand, binds) in cases {
                let timings = race!(settings.runs;
                    "setql" => setql_events!(set),
                    "hand" => events_sql!(hand, binds),
                    // setql's own statement and values, built once and run by sqlx: what is
                    // left between the two is setql's cost per call, not its SQL.
                    "prebuilt" => async {
                        // Declared as the catalog says, so that `build` (which reads no
                        // catalog) writes the statement `fetch_all` sends.
                        let declared = set.clone().not_null(["id", "kind", "actor", "created", "title"]);
                        let (sql, values) = declared.build(dialect).expect("renders");
                        let rows: Vec<Event> = sqlx::query_as_with(AssertSqlSafe(sql), sea_query_sqlx::SqlxValues(values))
                            .fetch_all(pool).await.expect("prebuilt runs");
                        event_ids(rows)
                    },
                );
                agree &= $crate::pages::report(workload, engine, &timings[..2]);
                println!(
                    "INFO {workload} {engine} setql over its own prebuilt statement: min {:.2} median {:.2}",
                    timings[0].1.min / timings[2].1.min,
                    timings[0].1.median / timings[2].1.median
                );
            }
        }

        // W10 (a): one table, (kind = 3) ∪ (actor = 7), newest 20.
        let branch = |column: &str, value: i64| events().filter(Expr::col(column.to_owned()).eq(value));
        let w10a = (branch("kind", 3) | branch("actor", 7)).order_by("created", Order::Desc);
        let w10b = branch("kind", 3).union_all(branch("actor", 7)).order_by("created", Order::Desc);
        let feed_columns = ["id", "actor", "created", "title"];
        let labelled = |set: QuerySet, label: &str| set.columns(feed_columns).column_as(Expr::val(label.to_owned()), "label");
        let w10c = labelled(events().filter(Expr::col("actor").eq(7_i64)), "event")
            .union_all(labelled(notes().filter(Expr::col("actor").eq(7_i64)), "note"))
            .unique_key(["label", "id"])
            .order_by("created", Order::Desc);
        let feed_order = "ORDER BY created DESC, label DESC, id DESC";
        let a = format!("SELECT * FROM {EVENTS} WHERE kind = ?");
        let b = format!("SELECT * FROM {EVENTS} WHERE actor = ?");
        let e = format!("SELECT id, actor, created, title, 'event' AS label FROM {EVENTS} WHERE actor = ?");
        let nt = format!("SELECT id, actor, created, title, 'note' AS label FROM {NOTES} WHERE actor = ?");
        // Each branch ordered and limited, the union ordered and sliced again: `extra` goes
        // into both branches, so its values are bound twice.
        let topn = |x: &str, y: &str, op: &str, order: &str, extra: &str, window: u64| {
            format!("SELECT * FROM (SELECT * FROM ({x}{extra} {order} LIMIT {window}) AS p {op} SELECT * FROM ({y}{extra} {order} LIMIT {window}) AS q) AS t {order}")
        };
        // The same with every `?` written in as its value, for the INFO lines below.
        let written = |sql: &str, binds: &[i64]| {
            let mut out = String::with_capacity(sql.len());
            for (n, part) in sql.split('?').enumerate() {
                if n > 0 {
                    out.push_str(&binds[n - 1].to_string());
                }
                out.push_str(part);
            }
            out
        };

        if settings.runs("W10") {
            let timings = race!(settings.runs;
                "setql" => setql_events!(w10a.clone().limit(20)),
                "wrapped" => events_sql!(format!("SELECT * FROM ({a} UNION {b}) AS t {by_created} LIMIT 20"), [3, 7]),
                "or" => events_sql!(format!("SELECT * FROM {EVENTS} WHERE kind = ? OR actor = ? {by_created} LIMIT 20"), [3, 7]),
                "topn" => events_sql!(format!("{} LIMIT 20", topn(&a, &b, "UNION", by_created, "", 20)), [3, 7]),
            );
            agree &= $crate::pages::report("W10a", engine, &timings);
            let timings = race!(settings.runs;
                "setql" => setql_events!(w10b.clone().limit(20)),
                "wrapped" => events_sql!(format!("SELECT * FROM ({a} UNION ALL {b}) AS t {by_created} LIMIT 20"), [3, 7]),
                "topn" => events_sql!(format!("{} LIMIT 20", topn(&a, &b, "UNION ALL", by_created, "", 20)), [3, 7]),
            );
            agree &= $crate::pages::report("W10b", engine, &timings);
            let timings = race!(settings.runs;
                "setql" => async { feed_ids(w10c.clone().limit(20).fetch_all(pool).await.expect("setql runs")) },
                "wrapped" => feed_sql!(format!("SELECT * FROM ({e} UNION ALL {nt}) AS t {feed_order} LIMIT 20"), [7, 7]),
                "topn" => feed_sql!(format!("{} LIMIT 20", topn(&e, &nt, "UNION ALL", feed_order, "", 20)), [7, 7]),
            );
            agree &= $crate::pages::report("W10c", engine, &timings);
            let later = w10a.clone().filter(Expr::col("created").lt(900_000_i64)).limit(20);
            let topn_d = format!("{} LIMIT 20", topn(&a, &b, "UNION", by_created, " AND created < ?", 20));
            let topn_d_binds = [3, 900_000, 7, 900_000];
            let timings = race!(settings.runs;
                "setql" => setql_events!(later),
                "wrapped" => events_sql!(format!("SELECT * FROM ({a} UNION {b}) AS t WHERE created < ? {by_created} LIMIT 20"), [3, 7, 900_000]),
                "or" => events_sql!(format!("SELECT * FROM {EVENTS} WHERE (kind = ? OR actor = ?) AND created < ? {by_created} LIMIT 20"), [3, 7, 900_000]),
                "topn" => events_sql!(topn_d, topn_d_binds),
                "written" => events_sql!(written(&topn_d, &topn_d_binds)),
            );
            agree &= $crate::pages::report("W10d", engine, &timings[..4]);
            $crate::pages::written_over_bound("W10d", engine, &timings[3], &timings[4]);
        }

        if settings.runs("W11") {
            // Page 500 of 20: rows 9,981 to 10,000 (scaled down with the table).
            let offset = u64::try_from(9_980 * rows / 1_000_000).unwrap_or(0);
            let before_a: setql::KeysetPage<Event> = w10a.clone().offset(offset.saturating_sub(20)).page_after(None, 20, pool).await.expect("setql runs");
            let cursor_a = before_a.next.expect("a deep page exists");
            let last_a = before_a.items.last().expect("a row").clone();
            // The cursor's comparison as a careful engineer writes it: a range on the leading
            // column an index can use, then the exact comparison; its values bound.
            let past_a = "created <= ? AND (created < ? OR (created = ? AND id < ?))";
            let past_binds = [last_a.created, last_a.created, last_a.created, last_a.id];
            let topn_a = format!("{} LIMIT 20", topn(&a, &b, "UNION", by_created, &format!(" AND {past_a}"), 20));
            let topn_a_binds: Vec<i64> = std::iter::once(3).chain(past_binds).chain([7]).chain(past_binds).collect();
            let timings = race!(settings.runs;
                "setql" => async { event_ids(w10a.page_after::<_, Event>(Some(&cursor_a), 20, pool).await.expect("setql runs").items) },
                "wrapped" => events_sql!(format!("SELECT * FROM ({a} UNION {b}) AS t WHERE {past_a} {by_created} LIMIT 20"), [3, 7].into_iter().chain(past_binds).collect::<Vec<_>>()),
                "or" => events_sql!(format!("SELECT * FROM {EVENTS} WHERE (kind = ? OR actor = ?) AND {past_a} {by_created} LIMIT 20"), [3, 7].into_iter().chain(past_binds).collect::<Vec<_>>()),
                "topn" => events_sql!(topn_a, topn_a_binds),
                "written" => events_sql!(written(&topn_a, &topn_a_binds)),
            );
            agree &= $crate::pages::report("W11a1", engine, &timings[..4]);
            $crate::pages::written_over_bound("W11a1", engine, &timings[3], &timings[4]);
            let walk = race!(settings.runs;
                "first" => async { event_ids(w10a.page_after::<_, Event>(None, 20, pool).await.expect("setql runs").items) },
                "deep" => async { event_ids(w10a.page_after::<_, Event>(Some(&cursor_a), 20, pool).await.expect("setql runs").items) },
            );
            $crate::pages::deep_over_first("W11", engine, "a", &walk);
            let deep = offset + 20;
            let timings = race!(settings.runs;
                "setql" => setql_events!(w10a.clone().offset(offset).limit(20)),
                "wrapped" => events_sql!(format!("SELECT * FROM ({a} UNION {b}) AS t {by_created} LIMIT 20 OFFSET {offset}"), [3, 7]),
                "or" => events_sql!(format!("SELECT * FROM {EVENTS} WHERE kind = ? OR actor = ? {by_created} LIMIT 20 OFFSET {offset}"), [3, 7]),
                "topn" => events_sql!(format!("{} LIMIT 20 OFFSET {offset}", topn(&a, &b, "UNION", by_created, "", deep)), [3, 7]),
            );
            agree &= $crate::pages::report("W11a2", engine, &timings);

            let before_c: setql::KeysetPage<Feed> = w10c.clone().offset(offset.saturating_sub(20)).page_after(None, 20, pool).await.expect("setql runs");
            let cursor_c = before_c.next.expect("a deep page exists");
            let last_c = before_c.items.last().expect("a row").clone();
            // The cursor's comparison, with `label` as a branch has it: a constant there, which
            // its WHERE cannot name. The label is a constant of the query, written in.
            let past = |label: &str| format!(
                "created <= ? AND (created < ? OR (created = ? AND ({label} < '{l}' OR ({label} = '{l}' AND id < ?))))",
                l = last_c.label
            );
            let past_c = [last_c.created, last_c.created, last_c.created, last_c.id];
            let both: Vec<i64> = std::iter::once(7).chain(past_c).chain([7]).chain(past_c).collect();
            let timings = race!(settings.runs;
                "setql" => async { feed_ids(w10c.page_after::<_, Feed>(Some(&cursor_c), 20, pool).await.expect("setql runs").items) },
                "wrapped" => feed_sql!(format!("SELECT * FROM ({e} UNION ALL {nt}) AS t WHERE {} {feed_order} LIMIT 20", past("label")), [7, 7].into_iter().chain(past_c).collect::<Vec<_>>()),
                "topn" => feed_sql!(format!("SELECT * FROM (SELECT * FROM ({e} AND {} {feed_order} LIMIT 20) AS p UNION ALL SELECT * FROM ({nt} AND {} {feed_order} LIMIT 20) AS q) AS t {feed_order} LIMIT 20", past("'event'"), past("'note'")), both),
            );
            agree &= $crate::pages::report("W11c1", engine, &timings);
            let walk = race!(settings.runs;
                "first" => async { feed_ids(w10c.page_after::<_, Feed>(None, 20, pool).await.expect("setql runs").items) },
                "deep" => async { feed_ids(w10c.page_after::<_, Feed>(Some(&cursor_c), 20, pool).await.expect("setql runs").items) },
            );
            $crate::pages::deep_over_first("W11", engine, "c", &walk);
            let timings = race!(settings.runs;
                "setql" => async { feed_ids(w10c.clone().offset(offset).limit(20).fetch_all(pool).await.expect("setql runs")) },
                "wrapped" => feed_sql!(format!("SELECT * FROM ({e} UNION ALL {nt}) AS t {feed_order} LIMIT 20 OFFSET {offset}"), [7, 7]),
                "topn" => feed_sql!(format!("{} LIMIT 20 OFFSET {offset}", topn(&e, &nt, "UNION ALL", feed_order, "", deep)), [7, 7]),
            );
            agree &= $crate::pages::report("W11c2", engine, &timings);
        }

        if settings.runs("W12") {
            let timings = race!(settings.runs;
                "setql" => async { Answer::Count(w10a.count(pool).await.expect("setql runs")) },
                "wrapped" => count_sql!(format!("SELECT COUNT(*) FROM ({a} UNION {b}) AS t"), [3, 7]),
                "or" => count_sql!(format!("SELECT COUNT(*) FROM {EVENTS} WHERE kind = ? OR actor = ?"), [3, 7]),
                "hand" => count_sql!(format!("SELECT COUNT(*) FROM (SELECT id FROM {EVENTS} WHERE kind = ? UNION SELECT id FROM {EVENTS} WHERE actor = ?) AS t"), [3, 7]),
            );
            agree &= $crate::pages::report("W12a", engine, &timings);
            let timings = race!(settings.runs;
                "setql" => async { Answer::Count(w10c.count(pool).await.expect("setql runs")) },
                "wrapped" => count_sql!(format!("SELECT COUNT(*) FROM ({e} UNION ALL {nt}) AS t"), [7, 7]),
                "hand" => count_sql!(format!("SELECT (SELECT COUNT(*) FROM {EVENTS} WHERE actor = ?) + (SELECT COUNT(*) FROM {NOTES} WHERE actor = ?)"), [7, 7]),
            );
            agree &= $crate::pages::report("W12c", engine, &timings);
        }

        if settings.runs("SF1") {
            // The member is bound as text; MySQL compares the set's bytes.
            let contains = match dialect {
                Dialect::Postgres => "string_to_array(tags, ',') @> string_to_array(CAST(? AS TEXT), ',')",
                Dialect::MySql => "FIND_IN_SET(CAST(? AS BINARY), CAST(tags AS BINARY)) > 0",
                _ => "instr(',' || tags || ',', ',' || ? || ',') > 0",
            };
            let text = |member: &str| sea_query_sqlx::SqlxValues(sea_query::Values(vec![member.into()]));
            let rare = events().filter(setql::set_contains("tags", "r5"));
            let common = events().filter(setql::set_contains("tags", "t5"));
            let first = placeholders(&format!("SELECT * FROM {EVENTS} WHERE {contains} ORDER BY id ASC LIMIT 20"));
            let count = placeholders(&format!("SELECT COUNT(*) FROM {EVENTS} WHERE {contains}"));
            let counted = |member: &'static str| {
                let count = count.clone();
                async move {
                    let n: i64 = sqlx::query_scalar_with(AssertSqlSafe(count), text(member))
                        .fetch_one(pool).await.expect("strategy SQL runs");
                    Answer::Count(u64::try_from(n).unwrap_or(0))
                }
            };
            let timings = race!(settings.runs;
                "setql" => setql_events!(rare.clone().order_by("id", Order::Asc).limit(20)),
                "hand" => async {
                    let rows: Vec<Event> = sqlx::query_as_with(AssertSqlSafe(first.clone()), text("r5"))
                        .fetch_all(pool).await.expect("strategy SQL runs");
                    event_ids(rows)
                },
            );
            agree &= $crate::pages::report("SF1a", engine, &timings);
            let timings = race!(settings.runs;
                "setql" => async { Answer::Count(rare.count(pool).await.expect("setql runs")) },
                "hand" => counted("r5"),
            );
            agree &= $crate::pages::report("SF1b", engine, &timings);
            let timings = race!(settings.runs;
                "setql" => async { Answer::Count(common.count(pool).await.expect("setql runs")) },
                "hand" => counted("t5"),
            );
            agree &= $crate::pages::report("SF1c", engine, &timings);
        }
        for table in [EVENTS, NOTES] {
            sqlx::raw_sql(AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}")))
                .execute(pool).await.expect("cleanup");
        }
        agree
    }};
}
pub(crate) use pages;
