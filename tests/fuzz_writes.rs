//! Differential fuzzing of writes through a set, against the in-memory oracle.
//!
//! Each case is a keyed set from the fuzz generators (`common/strategies.rs`: combinations of
//! one or two tables, branches computing a column differently, filters, slices, reorders),
//! and an action: mark the set's rows (`marker = id + 1000`), update them with assignments
//! that read each other's columns (a swap of `a` and `b`, or a chain `a = a + 10, b = a,
//! c = b`, which MySQL would evaluate left to right), or delete them. It runs on a
//! scratch copy of both fuzz tables on every reachable engine, and the tables afterwards must
//! be what the oracle's rows say: exactly the rows whose ids the set holds changed, in the
//! one table the set's rows are rows of, and the count is theirs. A set whose rows are not
//! rows of one keyed table must be refused with `Error::NotWritable`, both tables unchanged.
//! `SETQL_FUZZ_CASES` sets the number of cases (64 by default).

mod common;

use std::io::Write as _;

use common::keyed::{Computed, Finish, Keyed};
use common::plan::{Op, Table, TableRow, other_table, seed};
use common::report::run_cases;
use common::strategies::{Enabled, finish, keyed};
use proptest::prelude::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use sqlx::Pool;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    /// `update(marker = id + 1000)`.
    Mark,
    /// `update(a = b, b = a, marker = id + 1000)`: a cycle.
    Swap,
    /// `update(a = a + 10, b = a, c = b, marker = id + 1000)`: each reads the one before.
    Chain,
    Delete,
}

impl Action {
    /// The assignments of an update; `None` for a delete.
    fn assignments(self) -> Option<Vec<(&'static str, Expr)>> {
        let marker = ("marker", Expr::col("id").add(1000));
        Some(match self {
            Action::Mark => vec![marker],
            Action::Swap => vec![("a", Expr::col("b")), ("b", Expr::col("a")), marker],
            Action::Chain => vec![
                ("a", Expr::col("a").add(10)),
                ("b", Expr::col("a")),
                ("c", Expr::col("b")),
                marker,
            ],
            Action::Delete => return None,
        })
    }

    /// A row as the action leaves it, every assignment reading the row as it was.
    fn applied(self, (id, a, b, c, _): Marked) -> Option<Marked> {
        let marker = Some(id + 1000);
        match self {
            Action::Mark => Some((id, a, b, c, marker)),
            Action::Swap => Some((id, b, a, c, marker)),
            Action::Chain => Some((id, a.map(|a| a + 10), a, b, marker)),
            Action::Delete => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Case {
    keyed: Keyed,
    finish: Finish,
    action: Action,
}

/// A table row with its marker: `(id, a, b, c, marker)`.
type Marked = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

/// The table every row of `keyed` is a row of, by the rule setql writes by: a union's
/// branches must all be rows of one table; an intersection's or difference's rows are rows
/// of its first operand.
fn written_table(keyed: &Keyed) -> Option<Table> {
    match keyed {
        Keyed::Branch(table, ..) => Some(*table),
        Keyed::Filter(inner, ..) => written_table(inner),
        Keyed::Combine(op, operands) => {
            let (first, rest) = operands.split_first()?;
            rest.iter()
                .try_fold(written_table(first)?, |acc, next| match op {
                    Op::Union | Op::UnionAll | Op::SymmetricDifference => {
                        (written_table(next)? == acc).then_some(acc)
                    }
                    Op::Intersection | Op::IntersectionAll | Op::Difference | Op::DifferenceAll => {
                        Some(acc)
                    }
                })
        }
    }
}

/// Both tables as the oracle says they must be after the case, and the count it must report;
/// `None` when the set must be refused.
fn expected(case: &Case) -> (Option<u64>, Vec<Marked>, Vec<Marked>) {
    let unmarked = |rows: Vec<TableRow>| -> Vec<Marked> {
        rows.into_iter()
            .map(|(id, a, b, c)| (id, a, b, c, None))
            .collect()
    };
    let (main, other) = (unmarked(Table::Main.rows()), unmarked(Table::Other.rows()));
    let Some(table) = written_table(&case.keyed) else {
        return (None, main, other);
    };
    let (rows, _) = case.finish.oracle(case.keyed.oracle());
    let mut ids: Vec<i64> = rows.into_iter().map(|(id, ..)| id).collect();
    ids.sort_unstable();
    ids.dedup();
    let write = |rows: Vec<Marked>| -> Vec<Marked> {
        rows.into_iter()
            .filter_map(|row| match ids.contains(&row.0) {
                false => Some(row),
                true => case.action.applied(row),
            })
            .collect()
    };
    let count = u64::try_from(ids.len()).ok();
    match table {
        Table::Main => (count, write(main), other),
        Table::Other => (count, main, write(other)),
    }
}

fn case(enabled: Enabled) -> impl Strategy<Value = Case> {
    let action = prop_oneof![
        2 => Just(Action::Mark),
        1 => Just(Action::Swap),
        1 => Just(Action::Chain),
        2 => Just(Action::Delete),
    ];
    // A single branch too, which is written in place when it is not sliced.
    let single = (
        prop_oneof![3 => Just(Table::Main), 1 => Just(Table::Other)],
        0_u64..6,
        proptest::sample::select(Computed::ALL.to_vec()),
    )
        .prop_map(|(table, k, computed)| Keyed::Branch(table, k, computed));
    let set = prop_oneof![4 => keyed(enabled).boxed(), 1 => single.boxed()];
    (set, finish(enabled), action).prop_map(|(keyed, finish, action)| Case {
        keyed,
        finish,
        action,
    })
}

fn category(case: &Case) -> &'static str {
    match (written_table(&case.keyed), case.action) {
        (None, _) => "refused",
        (Some(_), Action::Mark) => "update",
        (Some(_), Action::Swap | Action::Chain) => "update-reading",
        (Some(_), Action::Delete) => "delete",
    }
}

const REFUSED: &str = "refused: not writable";

/// What one engine did: the count or the error, and both tables afterwards.
type Done = (Result<u64, String>, Vec<Marked>, Vec<Marked>);

async fn table_rows<DB>(pool: &Pool<DB>, table: &str) -> Vec<Marked>
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    Marked: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    QuerySet::table(table.to_owned())
        .columns(["id", "a", "b", "c", "marker"])
        .order_by("id", Order::Asc)
        .fetch_all(pool)
        .await
        .expect("reading the scratch table back")
}

/// Runs the case on a scratch copy of the fuzz tables `main` and its other table.
async fn write_on<DB>(pool: &Pool<DB>, main: &str, case: &Case) -> Done
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: sqlx::Executor<'c, Database = DB>,
    Marked: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let scratch = common::unique("fw");
    for (copy, source) in [
        (scratch.clone(), main.to_owned()),
        (other_table(&scratch), other_table(main)),
    ] {
        common::exec(
            pool,
            format!(
                "CREATE TABLE {copy} (id BIGINT PRIMARY KEY, a BIGINT NULL, b BIGINT NULL, \
                 c BIGINT NULL, marker BIGINT NULL)"
            ),
        )
        .await;
        common::exec(
            pool,
            format!("INSERT INTO {copy} (id, a, b, c) SELECT id, a, b, c FROM {source}"),
        )
        .await;
    }
    let set = case.finish.apply(case.keyed.build(&scratch));
    let result = match case.action.assignments() {
        Some(assignments) => with_set!(&set, |s| s.update(pool, assignments).await),
        None => with_set!(&set, |s| s.delete(pool).await),
    };
    // A refusal is compared by its variant; any other error by its text.
    let result = result.map_err(|error| match error {
        setql::Error::NotWritable { .. } => REFUSED.to_owned(),
        other => other.to_string(),
    });
    let done = (
        result,
        table_rows(pool, &scratch).await,
        table_rows(pool, &other_table(&scratch)).await,
    );
    common::drop_table(pool, &other_table(&scratch)).await;
    common::drop_table(pool, &scratch).await;
    done
}

/// The reachable engines, each seeded with the fuzz tables.
struct Pools {
    sqlite: sqlx::SqlitePool,
    #[cfg(feature = "postgres")]
    postgres: Option<sqlx::PgPool>,
    #[cfg(feature = "mysql")]
    mysql: Option<sqlx::MySqlPool>,
    main: String,
}

impl Pools {
    async fn open() -> Pools {
        let main = common::unique("fuzzw");
        let sqlite = common::sqlite_pool().await;
        seed(&sqlite, &main).await;
        #[cfg(feature = "postgres")]
        let postgres = common::postgres_pool().await;
        #[cfg(feature = "postgres")]
        if let Some(pool) = &postgres {
            seed(pool, &main).await;
        }
        #[cfg(feature = "mysql")]
        let mysql = common::mysql_pool().await;
        #[cfg(feature = "mysql")]
        if let Some(pool) = &mysql {
            seed(pool, &main).await;
        }
        Pools {
            sqlite,
            #[cfg(feature = "postgres")]
            postgres,
            #[cfg(feature = "mysql")]
            mysql,
            main,
        }
    }

    /// Each engine's name and what the case did there.
    async fn run(&self, case: &Case) -> Vec<(&'static str, Done)> {
        #[allow(unused_mut)]
        let mut done = vec![("sqlite", write_on(&self.sqlite, &self.main, case).await)];
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            done.push(("postgres", write_on(pool, &self.main, case).await));
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            done.push(("mysql", write_on(pool, &self.main, case).await));
        }
        done
    }

    fn names(&self) -> Vec<&'static str> {
        #[allow(unused_mut)]
        let mut names = vec!["sqlite"];
        #[cfg(feature = "postgres")]
        if self.postgres.is_some() {
            names.push("postgres");
        }
        #[cfg(feature = "mysql")]
        if self.mysql.is_some() {
            names.push("mysql");
        }
        names
    }

    async fn close(self) {
        #[cfg(feature = "postgres")]
        if let Some(pool) = &self.postgres {
            common::drop_table(pool, &other_table(&self.main)).await;
            common::drop_table(pool, &self.main).await;
        }
        #[cfg(feature = "mysql")]
        if let Some(pool) = &self.mysql {
            common::drop_table(pool, &other_table(&self.main)).await;
            common::drop_table(pool, &self.main).await;
        }
    }
}

/// `None` when every engine left both tables as the oracle says; otherwise a report.
fn check(runtime: &tokio::runtime::Runtime, pools: &Pools, case: &Case) -> Option<String> {
    let (count, main, other) = expected(case);
    let want: Result<u64, String> = count.ok_or_else(|| REFUSED.to_owned());
    let done = runtime.block_on(pools.run(case));
    let wrong: Vec<String> = done
        .iter()
        .filter(|(_, (got, got_main, got_other))| {
            *got != want || *got_main != main || *got_other != other
        })
        .map(|(engine, (got, got_main, got_other))| {
            let changed = |got: &[Marked], want: &[Marked]| -> Vec<String> {
                let missing = want.iter().filter(|row| !got.contains(row));
                let extra = got.iter().filter(|row| !want.contains(row));
                missing
                    .map(|row| format!("-{row:?}"))
                    .chain(extra.map(|row| format!("+{row:?}")))
                    .collect()
            };
            format!(
                "  {engine}: {got:?}; main table {:?}; other table {:?}\n",
                changed(got_main, &main),
                changed(got_other, &other)
            )
        })
        .collect();
    if wrong.is_empty() {
        return None;
    }
    let set = case.finish.apply(case.keyed.build(&pools.main));
    let sql = |dialect| {
        let sql = match case.action.assignments() {
            Some(assignments) => with_set!(&set, |s| s.update_sql(dialect, assignments)),
            None => with_set!(&set, |s| s.delete_sql(dialect)),
        };
        sql.unwrap_or_else(|e| e.to_string())
    };
    Some(format!(
        "{case:?}\n  expected {want:?}\n{}  sqlite sql: {}\n  postgres sql: {}\n  mysql sql: {}\n",
        wrong.concat(),
        sql(Dialect::Sqlite),
        sql(Dialect::Postgres),
        sql(Dialect::MySql)
    ))
}

/// The number of generated cases: `SETQL_FUZZ_CASES`, or a small default.
fn cases() -> usize {
    common::fuzz_cases()
}

#[test]
fn fuzz_writes_against_the_oracle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pools = runtime.block_on(Pools::open());
    let cases = cases();
    // How many cases of each kind ran (shrinking included), so the line shows the mix.
    let ran = std::cell::RefCell::new(std::collections::BTreeMap::<&str, usize>::new());
    let outcome = run_cases(&case(Enabled::from_env()), cases, category, |c| {
        *ran.borrow_mut().entry(category(c)).or_default() += 1;
        check(&runtime, &pools, c)
    });
    let mix: Vec<String> = ran
        .borrow()
        .iter()
        .map(|(kind, n)| format!("{kind}={n}"))
        .collect();
    let _ = writeln!(
        std::io::stdout(),
        "FUZZ-WRITES cases={cases} engines={} mismatches={} ({})",
        pools.names().join(","),
        outcome.mismatches,
        mix.join(" ")
    );
    if outcome.mismatches > 0 {
        let _ = writeln!(
            std::io::stdout(),
            "FUZZ-WRITES by category: {}",
            outcome.categories()
        );
    }
    runtime.block_on(pools.close());
    outcome.fail("FUZZ-WRITES", cases);
}
