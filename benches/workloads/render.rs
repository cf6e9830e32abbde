//! W6 (`benches/README.md`): building and rendering a set against sea-query building the
//! statement setql produces, with no database.

use std::time::{Duration, Instant};

use sea_query::{Expr, ExprTrait, Order, Query};
use setql::prelude::*;

use crate::{Settings, TABLE, spread};

/// W6: a five-branch union with three later filters, an order and a slice, built and
/// rendered, against sea-query building and rendering the statement setql produces.
/// Returns whether both wrote the same SQL.
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
        // setql runs SQLite's SQL with backquoted names (an unknown column is then an error,
        // not a string); sea-query writes double quotes. The statements are otherwise equal.
        let expected = {
            let (sql, values) = setql_build();
            let sql = if dialect == Dialect::Sqlite {
                sql.replace('`', "\"")
            } else {
                sql
            };
            (sql, values)
        };
        // The final statement around `condition`, as sea-query users write it.
        let statement_with = |condition: Expr| {
            let mut statement = Query::select();
            statement
                .column(sea_query::Asterisk)
                .from(TABLE)
                .and_where(condition);
            let nulls = |first| match (dialect, first) {
                (Dialect::Postgres, true) => Some(sea_query::NullOrdering::First),
                (Dialect::Postgres, false) => Some(sea_query::NullOrdering::Last),
                _ => None,
            };
            match nulls(false) {
                Some(n) => statement.order_by_with_nulls("score", Order::Desc, n),
                None => statement.order_by("score", Order::Desc),
            };
            match nulls(false) {
                Some(n) => statement.order_by_with_nulls("id", Order::Desc, n),
                None => statement.order_by("id", Order::Desc),
            };
            statement.limit(20);
            statement
        };
        let later = || {
            [
                Expr::col("status").eq("open"),
                Expr::col("score").gt(1000),
                // `owner_id` is declared NOT NULL, so the exclusion is a plain comparison.
                Expr::col("owner_id").ne(7),
            ]
        };
        let make_statement = || {
            let values = (0..5).map(sea_query::Value::from);
            statement_with(
                later()
                    .into_iter()
                    .fold(Expr::col("category").is_in(values), ExprTrait::and),
            )
        };
        let sea_build = |statement: &sea_query::SelectStatement| match dialect {
            Dialect::Sqlite => statement.build(sea_query::SqliteQueryBuilder),
            Dialect::Postgres => statement.build(sea_query::PostgresQueryBuilder),
            _ => statement.build(sea_query::MysqlQueryBuilder),
        };
        let seaquery_build = || sea_build(&make_statement());
        if seaquery_build().0 != expected.0 {
            println!(
                "MISMATCH W6 {dialect}: {} vs {}",
                seaquery_build().0,
                expected.0
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
        // The floor for any library given this workload's input: the user writes five branch
        // predicates and three later filters, and the final statement needs an IN list and
        // owned copies of the later filters. Timed the same way, it shows how much of the
        // ratio is setql and how much is the input itself.
        let input_floor = || {
            let branches: Vec<Expr> = (0..5).map(|k| Expr::col("category").eq(k)).collect();
            let later = later();
            let values = branches.iter().filter_map(|branch| match branch {
                Expr::Binary(_, _, value) => match &**value {
                    Expr::Value(value) => Some(value.clone()),
                    _ => None,
                },
                _ => None,
            });
            sea_build(&statement_with(
                later
                    .iter()
                    .cloned()
                    .fold(Expr::col("category").is_in(values), ExprTrait::and),
            ))
        };
        if input_floor().0 != expected.0 {
            println!("MISMATCH W6 {dialect} floor: {}", input_floor().0);
            agree = false;
        }
        let floor_s = measure(&input_floor);
        println!(
            "INFO W6 {dialect} input floor (sea-query from the workload's own predicates): floor_us={:.2} seaquery_us={:.2} ratio={:.2} setql/floor={:.2}",
            floor_s * 1e6,
            seaquery_s * 1e6,
            floor_s / seaquery_s,
            setql_s / floor_s
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
