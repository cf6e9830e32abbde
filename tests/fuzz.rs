//! Differential fuzzing against an in-memory oracle, and SQLancer-style query partitioning.
//!
//! Random set expressions (depth ≤ 4 over six base sets of a table with NULLs and
//! duplicates; filters, excludes, projections, slices over a total order, DISTINCT and
//! `keep_branches`) run on every reachable engine and must return exactly the rows the
//! oracle in `common/plan.rs` computes. `SETQL_FUZZ_CASES` sets the number of cases (64 by
//! default; CI runs 500). A failure is shrunk and printed with its SQL for each engine.

mod common;

use common::plan::{Engines, Op, Pair, Plan, Pred, build, oracle};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use sea_query::{Expr, ExprTrait};
use setql::prelude::*;
use std::io::Write as _;

fn predicate() -> impl Strategy<Value = Pred> {
    let column = || prop_oneof![Just("a"), Just("b")];
    let leaf = prop_oneof![
        (column(), -1_i64..6).prop_map(|(c, v)| Pred::Gt(c, v)),
        (column(), -1_i64..6).prop_map(|(c, v)| Pred::Eq(c, v)),
        column().prop_map(Pred::IsNull),
        Just(Pred::ColumnsEqual),
        (0_i64..12).prop_map(Pred::SumBelow),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|p| Pred::Not(Box::new(p))),
            (inner.clone(), inner).prop_map(|(l, r)| Pred::Either(Box::new(l), Box::new(r))),
        ]
    })
}

fn plan() -> impl Strategy<Value = Plan> {
    let leaf = (0_u64..6).prop_map(Plan::Base);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => (proptest::sample::select(Op::ALL.to_vec()), proptest::collection::vec(inner.clone(), 2..=3))
                .prop_map(|(op, mut operands)| {
                    if op == Op::SymmetricDifference {
                        operands.truncate(2);
                    }
                    Plan::Combine(op, operands)
                }),
            2 => (inner.clone(), predicate()).prop_map(|(p, q)| Plan::Filter(Box::new(p), q)),
            1 => (inner.clone(), predicate()).prop_map(|(p, q)| Plan::Exclude(Box::new(p), q)),
            1 => (inner.clone(), 1_u64..8, 0_u64..4)
                .prop_map(|(p, limit, offset)| Plan::Slice(Box::new(p), limit, offset)),
            1 => inner.clone().prop_map(|p| Plan::Distinct(Box::new(p))),
            1 => inner.prop_map(|p| Plan::KeepBranches(Box::new(p))),
        ]
    })
}

/// `None` when every engine returns the oracle's rows; otherwise a report of the case.
fn check(runtime: &tokio::runtime::Runtime, engines: &Engines, plan: &Plan) -> Option<String> {
    let ordered = plan.is_ordered();
    let mut expected = oracle(plan);
    if !ordered {
        expected.sort_unstable();
    }
    let set = build(plan, &engines.table);
    let results = runtime.block_on(engines.rows(&set, ordered));
    let wrong = results
        .iter()
        .any(|(_, _, rows)| rows.as_ref() != Ok(&expected));
    wrong.then(|| {
        let mut report = format!("{plan:?}\n  oracle: {expected:?}\n");
        for (engine, sql, rows) in &results {
            report.push_str(&format!("  {engine}: {sql}\n    rows: {rows:?}\n"));
        }
        report
    })
}

fn cases() -> usize {
    std::env::var("SETQL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

#[test]
fn fuzz_against_the_oracle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzz"));
    let strategy = plan();
    let mut runner = TestRunner::deterministic();
    let cases = cases();
    let mut mismatches = 0;
    let mut shrunk = None;
    for _ in 0..cases {
        let mut tree = strategy.new_tree(&mut runner).unwrap();
        let Some(mut report) = check(&runtime, &engines, &tree.current()) else {
            continue;
        };
        mismatches += 1;
        if shrunk.is_none() {
            // proptest's shrinking: simplify while the case still fails, else step back.
            loop {
                if !tree.simplify() {
                    break;
                }
                match check(&runtime, &engines, &tree.current()) {
                    Some(smaller) => report = smaller,
                    None => {
                        if !tree.complicate() {
                            break;
                        }
                    }
                }
            }
            shrunk = Some(report);
        }
    }
    // Written to the stream itself, so the line shows even when the test harness captures
    // the output of passing tests.
    let _ = writeln!(
        std::io::stdout(),
        "FUZZ cases={cases} engines={} mismatches={mismatches}",
        engines.names().join(",")
    );
    runtime.block_on(engines.close());
    if let Some(report) = shrunk {
        panic!("{mismatches} of {cases} cases differ from the oracle; the smallest:\n{report}");
    }
}

/// Ternary logic partitioning: every row is in exactly one of `filter(p)`, `filter(NOT p)`
/// and `filter(p IS NULL)`, and `exclude(p)` is the last two.
#[test]
fn query_partitioning_holds() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzz"));
    let strategy = (plan(), predicate());
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
