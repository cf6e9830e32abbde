//! Differential fuzzing against an in-memory oracle, and SQLancer-style query partitioning.
//!
//! Random set expressions (depth ≤ 4 over six base sets of two tables with NULLs and
//! duplicates; filters, excludes, projections, slices over a total order, DISTINCT and
//! `keep_branches`) run on every reachable engine and must return exactly the rows the
//! oracle in `common/plan.rs` computes, and `count()` must agree. `SETQL_FUZZ_CASES` sets the
//! number of cases (64 by default; CI runs 500). A failure is shrunk and printed with its SQL
//! for each engine: the first failure of each category.
//!
//! Categories beyond the plain expressions (all on by default; `SETQL_FUZZ_SKIP=a,b` leaves
//! some out, for debugging while a fix lands):
//! - `computed`: branches that compute a same-named column differently, so the declared key
//!   repeats across the combination (`common/keyed.rs`), then ordered, sliced, walked;
//! - `reorder`: `order_by` after a slice adds a term; the window stays the first ordering's;
//! - `distinct`: `distinct()` after an ordering keeps it, is a no-op, or is refused;
//! - `qualified`: filters with table-qualified columns on combinations, of one or two tables;
//! - `nulls`: cursor walks over orderings of columns with NULLs, forward and backward;
//! - `pages`: pages of unions and unions all (nested, of one table or two, filtered later,
//!   under a range on the leading ordering column or not), which each engine pages branch by
//!   branch, merges, or fuses; and cursor walks over union trees.
//!
//! `SETQL_FUZZ_LIST=1` also lists every failing case before shrinking.

mod common;

use common::keyed::{
    DistinctExpected, DistinctOrdered, Finish, Keyed, Triple, Walked, table_walk, walk_order,
};
use common::plan::{
    AnySet, Engines, Op, Pair, Plan, Table, TableRow, apply, base_oracle, base_rows, build,
    combine, distinct, oracle, order,
};
use common::report::{Answer, TieOrder, describe, report, rows_text, run_cases, walk_text};
use common::rows::{Fetched, Row as _, Term, Walk, agrees_up_to_ties, compare};
use common::strategies::{
    Enabled, distinct_ordered, finish, keyed, plan, predicate, union_page, walked,
};
use proptest::prelude::*;
use proptest::strategy::{Union, ValueTree};
use proptest::test_runner::TestRunner;
use sea_query::{Expr, ExprTrait};
use setql::prelude::*;
use std::io::Write as _;

/// Whether `plan` or a plan inside it is `wanted`.
fn has(plan: &Plan, wanted: &dyn Fn(&Plan) -> bool) -> bool {
    wanted(plan)
        || match plan {
            Plan::Base(_) | Plan::Other(_) => false,
            Plan::Combine(_, operands) => operands.iter().any(|p| has(p, wanted)),
            Plan::Filter(inner, _)
            | Plan::Exclude(inner, _)
            | Plan::Slice(inner, ..)
            | Plan::Distinct(inner)
            | Plan::KeepBranches(inner)
            | Plan::Reorder(inner, ..)
            | Plan::Qualified(inner, ..) => has(inner, wanted),
        }
}

/// One case of the differential fuzz.
#[derive(Debug, Clone)]
enum Case {
    Rows(Plan),
    /// A page of a union tree (`strategies::union_page`).
    Page(Plan),
    Keyed(Keyed, Finish),
    Distinct(DistinctOrdered),
    DistinctBranch(DistinctBranch),
}

/// `distinct()` after an ordered slice whose projection drops the ordering, as the first
/// branch of a set operation with `other` projected alike. A set operation keeps no order,
/// so this must run, whatever `distinct()` would say on its own.
#[derive(Debug, Clone)]
struct DistinctBranch {
    k: u64,
    terms: Vec<Term>,
    limit: u64,
    columns: [&'static str; 2],
    op: Op,
    other: u64,
}

impl DistinctBranch {
    fn build(&self, main: &str) -> AnySet {
        let rows = base_rows(Table::Main.name(main), self.k);
        let ordered = self.terms.iter().fold(rows, |set, (column, descending)| {
            set.order_by(*column, order(*descending))
        });
        let branch = ordered.limit(self.limit).columns(self.columns).distinct();
        let other = base_rows(Table::Main.name(main), self.other).columns(self.columns);
        combine(self.op, AnySet::Plain(branch), AnySet::Plain(other))
    }

    fn oracle(&self) -> Vec<Pair> {
        let pair = |row: &TableRow| (row.get(self.columns[0]), row.get(self.columns[1]));
        let window =
            common::rows::window(base_oracle(Table::Main, self.k), &self.terms, self.limit, 0);
        let left = distinct(window.iter().map(pair).collect());
        let right = base_oracle(Table::Main, self.other)
            .iter()
            .map(pair)
            .collect();
        apply(self.op, left, right)
    }
}

fn distinct_branch() -> impl Strategy<Value = DistinctBranch> {
    let columns = &["a", "b", "c"];
    (
        0_u64..6,
        proptest::collection::vec(common::strategies::term(&["id", "a", "b", "c"]), 1..=2),
        1_u64..8,
        proptest::sample::subsequence(columns.to_vec(), 2),
        proptest::sample::select(vec![
            Op::Union,
            Op::UnionAll,
            Op::Intersection,
            Op::Difference,
        ]),
        0_u64..6,
    )
        .prop_map(|(k, terms, limit, columns, op, other)| DistinctBranch {
            k,
            terms,
            limit,
            columns: [columns[0], columns[1]],
            op,
            other,
        })
}

impl Case {
    /// The category a failure is filed under, so each kind of fault is shrunk and shown.
    fn category(&self) -> &'static str {
        match self {
            Case::Rows(plan) if has(plan, &|p| matches!(p, Plan::Qualified(..))) => "qualified",
            Case::Rows(plan) if has(plan, &|p| matches!(p, Plan::Reorder(..))) => "reorder",
            Case::Rows(plan) if has(plan, &|p| matches!(p, Plan::Other(_))) => "two tables",
            Case::Rows(_) => "rows",
            Case::Page(_) => "pages",
            Case::Keyed(keyed, _) if keyed.is_qualified() => "qualified",
            Case::Keyed(_, Finish::Reorder(..)) => "computed+reorder",
            Case::Keyed(_, Finish::SliceThen(..)) => "computed+slice-then",
            Case::Keyed(..) => "computed",
            Case::Distinct(_) => "distinct",
            Case::DistinctBranch(_) => "distinct branch",
        }
    }
}

fn case(enabled: Enabled) -> impl Strategy<Value = Case> {
    let mut arms: Vec<(u32, BoxedStrategy<Case>)> =
        vec![(4, plan(enabled).prop_map(Case::Rows).boxed())];
    if enabled.computed {
        arms.push((
            2,
            (keyed(enabled), finish(enabled))
                .prop_map(|(k, f)| Case::Keyed(k, f))
                .boxed(),
        ));
    }
    if enabled.pages {
        arms.push((2, union_page(enabled).prop_map(Case::Page).boxed()));
    }
    if enabled.distinct {
        arms.push((1, distinct_ordered().prop_map(Case::Distinct).boxed()));
        arms.push((1, distinct_branch().prop_map(Case::DistinctBranch).boxed()));
    }
    Union::new_weighted(arms)
}

/// Whether every engine returned `expected` (in the order `order` constrains, when the rows
/// are ordered) and counted as many rows.
fn rows_hold<R: Fetched>(
    expected: &[R],
    results: &[Answer<Vec<R>>],
    counts: &[Result<u64, String>],
    order: TieOrder<'_, R>,
) -> bool {
    let mut sorted = expected.to_vec();
    sorted.sort_unstable();
    let rows_right = results.iter().all(|(_, _, rows)| match (rows, order) {
        (Ok(rows), Some(order)) => agrees_up_to_ties(expected, rows, order),
        (Ok(rows), None) => *rows == sorted,
        (Err(_), _) => false,
    });
    let count = u64::try_from(expected.len()).ok();
    rows_right && counts.iter().all(|c| c.as_ref().ok() == count.as_ref())
}

/// `None` when every engine returns the oracle's rows; otherwise a report of the case.
fn check(runtime: &tokio::runtime::Runtime, engines: &Engines, case: &Case) -> Option<String> {
    let table = &engines.table;
    match case {
        Case::Rows(plan) | Case::Page(plan) => {
            let ordering = plan.ordering();
            let expected = oracle(plan);
            let set = build(plan, table);
            let results = runtime.block_on(engines.fetch::<Pair>(&set, ordering.is_some()));
            let counts = runtime.block_on(engines.counts(&set));
            let order = ordering.map(|terms| move |x: &Pair, y: &Pair| compare(&terms, x, y));
            let order = order.as_ref().map(|o| o as &dyn Fn(&Pair, &Pair) -> _);
            (!rows_hold(&expected, &results, &counts, order)).then(|| {
                report(plan, &rows_text(&expected), &results, &counts, |rows| {
                    describe(&expected, rows, order)
                })
            })
        }
        Case::Keyed(keyed, finish) => {
            let (expected, ordering) = finish.oracle(keyed.oracle());
            let set = finish.apply(keyed.build(table));
            let results = runtime.block_on(engines.fetch::<Triple>(&set, ordering.is_some()));
            let counts = runtime.block_on(engines.counts(&set));
            let order = ordering.map(|terms| move |x: &Triple, y: &Triple| compare(&terms, x, y));
            let order = order.as_ref().map(|o| o as &dyn Fn(&Triple, &Triple) -> _);
            let ends = match finish.ends(keyed.oracle()) {
                Some(want) => {
                    let got = runtime.block_on(engines.ends::<Triple>(&set));
                    got.iter()
                        .all(|ends| ends.as_ref() == Ok(&want))
                        .then_some(())
                        .ok_or_else(|| format!("first, last: {want:?}; engines: {got:?}"))
                }
                None => Ok(()),
            };
            (!rows_hold(&expected, &results, &counts, order) || ends.is_err()).then(|| {
                let mut report = report(
                    &(keyed, finish),
                    &rows_text(&expected),
                    &results,
                    &counts,
                    |rows| describe(&expected, rows, order),
                );
                if let Err(ends) = ends {
                    report.push_str(&format!("  {ends}\n"));
                }
                report
            })
        }
        Case::DistinctBranch(branch) => {
            let expected = branch.oracle();
            let set = branch.build(table);
            let results = runtime.block_on(engines.fetch::<Pair>(&set, false));
            let counts = runtime.block_on(engines.counts(&set));
            (!rows_hold(&expected, &results, &counts, None)).then(|| {
                report(branch, &rows_text(&expected), &results, &counts, |rows| {
                    describe(&expected, rows, None)
                })
            })
        }
        Case::Distinct(distinct) => {
            let set = distinct.build(table);
            let results = runtime.block_on(engines.fetch::<Pair>(&set, true));
            match distinct.expected() {
                DistinctExpected::Rows(expected) => {
                    let order = |x: &Pair, y: &Pair| distinct.compare(x, y);
                    (!rows_hold(&expected, &results, &[], Some(&order))).then(|| {
                        report(distinct, &rows_text(&expected), &results, &[], |rows| {
                            describe(&expected, rows, Some(&order))
                        })
                    })
                }
                DistinctExpected::Refused => {
                    // Refused before sending: rendering alone fails.
                    let refused = with_set!(&set, |s| s.to_sql(Dialect::Sqlite)).is_err()
                        && results.iter().all(|(_, _, rows)| rows.is_err());
                    (!refused).then(|| {
                        report(distinct, "an error before sending", &results, &[], |rows| {
                            rows_text(rows)
                        })
                    })
                }
            }
        }
    }
}

/// The number of generated cases: `SETQL_FUZZ_CASES`, or a small default.
fn cases() -> usize {
    common::fuzz_cases()
}

#[test]
fn fuzz_against_the_oracle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzz"));
    let cases = cases();
    let outcome = run_cases(&case(Enabled::from_env()), cases, Case::category, |c| {
        check(&runtime, &engines, c)
    });
    // Written to the stream itself, so the line shows even when the test harness captures
    // the output of passing tests.
    let _ = writeln!(
        std::io::stdout(),
        "FUZZ cases={cases} engines={} mismatches={}",
        engines.names().join(","),
        outcome.mismatches
    );
    if outcome.mismatches > 0 {
        let _ = writeln!(
            std::io::stdout(),
            "FUZZ by category: {}",
            outcome.categories()
        );
    }
    runtime.block_on(engines.close());
    outcome.fail("FUZZ", cases);
}

/// `None` when every engine's walk visits the oracle's rows once each, in order, both ways;
/// otherwise a report. Counts walks refused with an error where the set may repeat rows.
fn check_walk<R: Fetched>(
    runtime: &tokio::runtime::Runtime,
    engines: &Engines,
    case: &(Walked, u64),
    expected: Vec<R>,
    may_refuse: bool,
    refused: &std::cell::Cell<usize>,
) -> Option<String> {
    let (walked, per_page) = case;
    let set = walked.build(&engines.table);
    let max_pages = expected.len() + 3;
    let walks = runtime.block_on(engines.walks::<R>(&set, *per_page, max_pages));
    let page = usize::try_from(*per_page).unwrap_or(1);
    let last_page = if expected.is_empty() {
        0
    } else {
        (expected.len() - 1) % page + 1
    };
    let want = Walk {
        backward: expected[..expected.len() - last_page].to_vec(),
        forward: expected,
    };
    let mut wrong = false;
    for (_, _, walk) in &walks {
        match walk {
            Ok(walk) => wrong |= *walk != want,
            Err(_) if may_refuse => refused.set(refused.get() + 1),
            Err(_) => wrong = true,
        }
    }
    wrong.then(|| {
        let expected = format!(
            "forward {}, backward {}",
            rows_text(&want.forward),
            rows_text(&want.backward)
        );
        report(case, &expected, &walks, &[], |walk| walk_text(&want, walk))
    })
}

/// Keyset pagination over orderings of columns with NULLs: a walk forward with `page_after`
/// until `next` is `None` visits every row exactly once and in the oracle's order (NULLs
/// first ascending, last descending), and a walk back with `page_before` from the last page
/// reads the rows before it in the same order.
#[test]
fn fuzz_cursor_walks() {
    let enabled = Enabled::from_env();
    if !enabled.nulls {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("walk"));
    let cases = cases();
    let refused = std::cell::Cell::new(0);
    let category = |(walked, _): &(Walked, u64)| match walked {
        Walked::Table(..) => "nulls: table",
        Walked::Keyed(keyed, _) if keyed.is_qualified() => "nulls: qualified",
        Walked::Keyed(..) => "nulls: computed",
        Walked::Pairs(plan, _) if has(plan, &|p| matches!(p, Plan::Qualified(..))) => {
            "nulls: qualified"
        }
        Walked::Pairs(Plan::Combine(Op::Union | Op::UnionAll, _), _) => "pages: walk",
        Walked::Pairs(..) => "nulls: no key",
    };
    let outcome = run_cases(&walked(enabled), cases, category, |case| {
        let (walked, _) = case;
        match walked {
            Walked::Table(table, k, terms) => {
                let expected: Vec<TableRow> = table_walk(*table, *k, terms);
                check_walk(&runtime, &engines, case, expected, false, &refused)
            }
            Walked::Keyed(keyed, terms) => {
                let expected: Vec<Triple> = walk_order(keyed.oracle(), terms);
                check_walk(
                    &runtime,
                    &engines,
                    case,
                    expected,
                    keyed.may_repeat() || keyed.mixes_tables(),
                    &refused,
                )
            }
            Walked::Pairs(plan, terms) => {
                let mut rows = oracle(plan);
                rows.sort_unstable();
                rows.dedup();
                let expected: Vec<Pair> = walk_order(rows, terms);
                // Without a key, a cursor would need an output column nobody ordered by;
                // setql refuses that rather than put it in the token.
                let covers = |column| terms.iter().any(|&(c, _)| c == column);
                let refuses = !(covers("a") && covers("b"));
                check_walk(&runtime, &engines, case, expected, refuses, &refused)
            }
        }
    });
    let _ = writeln!(
        std::io::stdout(),
        "WALK cases={cases} engines={} mismatches={} refused={}",
        engines.names().join(","),
        outcome.mismatches,
        refused.get()
    );
    if outcome.mismatches > 0 {
        let _ = writeln!(
            std::io::stdout(),
            "WALK by category: {}",
            outcome.categories()
        );
    }
    runtime.block_on(engines.close());
    outcome.fail("WALK", cases);
}

/// Ternary logic partitioning: every row is in exactly one of `filter(p)`, `filter(NOT p)`
/// and `filter(p IS NULL)`, and `exclude(p)` is the last two.
#[test]
fn query_partitioning_holds() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzz"));
    let strategy = (plan(Enabled::from_env()), predicate());
    let mut runner = TestRunner::deterministic();
    let cases = cases();
    let mut failures = Vec::new();
    for _ in 0..cases {
        let (plan, pred) = strategy.new_tree(&mut runner).unwrap().current();
        let set = build(&plan, &engines.table);
        let p = pred.expr();
        let parts = [
            each!(set.clone(), |s| s.filter(p.clone())),
            each!(set.clone(), |s| s.exclude(p.clone())),
            each!(set.clone(), |s| s.filter(p.clone().not())),
            each!(set.clone(), |s| s.filter(Expr::expr(p.clone()).is_null())),
        ];
        let whole = runtime.block_on(engines.rows(&set, false));
        let whole_counts = runtime.block_on(engines.counts(&set));
        let part_counts: Vec<_> = parts
            .iter()
            .map(|part| runtime.block_on(engines.counts(part)))
            .collect();
        let parts: Vec<_> = parts
            .iter()
            .map(|part| runtime.block_on(engines.rows(part, false)))
            .collect();
        for (index, (engine, sql, rows)) in whole.iter().enumerate() {
            let rows_of = |part: usize| parts[part][index].2.clone().unwrap_or_default();
            let union = |a: Vec<Pair>, b: Vec<Pair>| {
                let mut all: Vec<Pair> = a.into_iter().chain(b).collect();
                all.sort_unstable();
                all
            };
            let whole_rows = rows.clone().unwrap_or_default();
            let split = union(rows_of(0), rows_of(1));
            let excluded = union(rows_of(2), rows_of(3));
            let errors = std::iter::once(rows)
                .chain(parts.iter().map(|part| &part[index].2))
                .any(Result::is_err);
            // The same laws for count(), which renders its own statement.
            let count_of = |part: usize| part_counts[part][index].clone().unwrap_or(u64::MAX);
            let total = whole_counts[index].clone().unwrap_or(u64::MAX);
            let counts_hold = total == count_of(0).saturating_add(count_of(1))
                && count_of(1) == count_of(2).saturating_add(count_of(3))
                && usize::try_from(total).ok() == Some(whole_rows.len());
            if errors || !counts_hold || whole_rows != split || rows_of(1) != excluded {
                failures.push(format!("{engine}: {plan:?} with {pred:?}\n  {sql}"));
            }
        }
    }
    println!(
        "TLP cases={cases} engines={} failures={}",
        engines.names().join(","),
        failures.len()
    );
    runtime.block_on(engines.close());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
