//! W6 (`benches/README.md`): building and rendering a set against sea-query building the
//! statement setql produces, with no database.

use std::time::{Duration, Instant};

use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement, UnionType};
use setql::prelude::*;

use crate::{Settings, TABLE, spread};

/// W6: a five-branch union with three later filters, an order and a slice, built and
/// rendered, against sea-query building and rendering the statement setql produces for each
/// engine. Returns whether both wrote the same SQL.
///
/// Built without a database, setql reads no catalog and writes each engine's shape for a
/// union whose branches an index serves (`src/dialect/planning.rs`): SQLite's compound
/// ordered outside, PostgreSQL's branches paged, and MySQL's single SELECT, fused because a
/// later filter bounds the leading ordering column. The baseline builds that same shape.
pub(crate) fn render_workload(settings: &Settings) -> bool {
    let mut agree = true;
    let iterations = if settings.runs < 5 { 2_000 } else { 20_000 };
    for dialect in Dialect::ALL {
        let make_set = || {
            let items = || {
                QuerySet::table(TABLE)
                    .primary_key("id")
                    .not_null(["category", "owner_id", "status", "score", "name"])
            };
            DelayedUnion::new((0..5).map(|k| items().filter(Expr::col("category").eq(k))))
                .filter(Expr::col("status").eq("open"))
                .filter(Expr::col("score").gt(1000))
                .exclude(Expr::col("owner_id").eq(7))
                .order_by("score", Order::Desc)
                .limit(20)
        };
        let setql_build = || make_set().build(dialect).expect("renders");
        let later = || {
            [
                Expr::col("status").eq("open"),
                Expr::col("score").gt(1000),
                // `owner_id` is declared NOT NULL, so the exclusion is a plain comparison.
                Expr::col("owner_id").ne(7),
            ]
        };
        let ordered = |statement: &mut SelectStatement| {
            statement
                .order_by("score", Order::Desc)
                .order_by("id", Order::Desc)
                .limit(20);
        };
        let select_where = |condition: Expr| {
            let mut statement = Query::select();
            statement
                .column(sea_query::Asterisk)
                .from(TABLE)
                .and_where(condition);
            statement
        };
        let branch = |k: i32| {
            select_where(
                later()
                    .into_iter()
                    .fold(Expr::col("category").eq(k), ExprTrait::and),
            )
        };
        let make_statement = || match dialect {
            Dialect::Sqlite => {
                let mut statement = branch(0);
                for k in 1..5 {
                    statement.union(UnionType::Distinct, branch(k));
                }
                ordered(&mut statement);
                statement
            }
            Dialect::Postgres => {
                let paged = |k| {
                    let mut statement = branch(k);
                    ordered(&mut statement);
                    statement
                };
                let mut statement = Query::select();
                statement
                    .column(sea_query::Asterisk)
                    .from_subquery(paged(0), Alias::new("m1"));
                for k in 1..5 {
                    statement.union(UnionType::Distinct, paged(k));
                }
                ordered(&mut statement);
                statement
            }
            _ => {
                let values = (0..5).map(sea_query::Value::from);
                let mut statement = select_where(
                    later()
                        .into_iter()
                        .fold(Expr::col("category").is_in(values), ExprTrait::and),
                );
                ordered(&mut statement);
                statement
            }
        };
        let sea_build = |statement: &SelectStatement| match dialect {
            Dialect::Sqlite => statement.build(sea_query::SqliteQueryBuilder),
            Dialect::Postgres => statement.build(sea_query::PostgresQueryBuilder),
            _ => statement.build(sea_query::MysqlQueryBuilder),
        };
        let seaquery_build = || sea_build(&make_statement());
        let (setql_sql, _) = setql_build();
        if comparable(&seaquery_build().0) != comparable(&setql_sql) {
            println!(
                "MISMATCH W6 {dialect}: {} vs {}",
                seaquery_build().0,
                setql_sql
            );
            agree = false;
        }
        let measure = |f: &dyn Fn() -> (String, sea_query::Values)| {
            let samples: Vec<Duration> = (0..settings.runs.max(5))
                .map(|_| {
                    let start = Instant::now();
                    for _ in 0..iterations {
                        std::hint::black_box(f());
                    }
                    start.elapsed() / iterations
                })
                .collect();
            spread(samples).min
        };
        let setql_s = measure(&setql_build);
        let seaquery_s = measure(&seaquery_build);
        println!(
            "RESULT W6 {dialect} setql_us={:.2} seaquery_us={:.2} ratio={:.2}",
            setql_s * 1e6,
            seaquery_s * 1e6,
            setql_s / seaquery_s
        );
        // Rendering alone: the set and the statement already built.
        let (set, statement) = (make_set(), make_statement());
        let setql_render = measure(&|| set.build(dialect).expect("renders"));
        let seaquery_render = measure(&|| sea_build(&statement));
        println!(
            "INFO W6 {dialect} render only: setql_us={:.2} seaquery_us={:.2} ratio={:.2}",
            setql_render * 1e6,
            seaquery_render * 1e6,
            setql_render / seaquery_render
        );
    }
    agree
}

/// `sql` with what the two sides write differently by design made alike: setql writes a
/// first page's LIMIT in where sea-query binds it (so PostgreSQL's placeholders number
/// differently), and quotes SQLite's names with backquotes, so that an unknown column is an
/// error rather than a string.
fn comparable(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(|c: char| c == '$' || c == '?' || c.is_ascii_digit() || c == '`')
    {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let run = tail[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(tail.len(), |end| end + 1);
        out.push(match tail.as_bytes()[0] {
            b'`' => '"',
            // Every placeholder and number alike: W6 compares the statements' shape.
            _ => '#',
        });
        rest = &tail[if tail.starts_with('`') { 1 } else { run }..];
    }
    out.push_str(rest);
    out
}
