//! Differential fuzz of subquery filters: `filter_in` and `exclude_in` whose sets, and whose
//! filtered sets, are drawn from the plan generators of `tests/fuzz.rs`, then combined
//! again, so the predicates are pushed into branches, fused, and filtered after slices.
//!
//! The oracle is a membership test in three-valued logic: a NULL column is in no set (so
//! `exclude_in` keeps it), and a NULL in the set matches nothing. Every reachable engine must
//! return the oracle's rows and count. `SETQL_FUZZ_CASES` sets the number of cases (64 by
//! default).

mod common;

use common::plan::{AnySet, Engines, Op, Pair, Plan, apply, build, combine, oracle};
use common::report::{describe, report, rows_text, run_cases};
use common::strategies::{Enabled, plan};
use proptest::prelude::*;
use setql::prelude::*;
use std::io::Write as _;

/// A set built from plans, subquery filters and combinations of them.
#[derive(Debug, Clone)]
enum Filtered {
    Plan(Plan),
    /// `filtered.filter_in(column, set.columns([set_column]))`, or `exclude_in` when `keep`
    /// is false.
    In {
        filtered: Box<Filtered>,
        column: &'static str,
        set: Plan,
        set_column: &'static str,
        keep: bool,
    },
    Combine(Op, Box<Filtered>, Box<Filtered>),
}

fn column() -> impl Strategy<Value = &'static str> + Clone {
    prop_oneof![Just("a"), Just("b")]
}

fn filtered(enabled: Enabled) -> impl Strategy<Value = Filtered> {
    let leaf = plan(enabled).prop_map(Filtered::Plan);
    leaf.prop_recursive(3, 8, 2, move |inner| {
        let op = proptest::sample::select(Op::ALL.to_vec());
        prop_oneof![
            3 => (inner.clone(), column(), plan(enabled), column(), any::<bool>()).prop_map(
                |(filtered, column, set, set_column, keep)| Filtered::In {
                    filtered: Box::new(filtered),
                    column,
                    set,
                    set_column,
                    keep,
                }
            ),
            1 => (op, inner.clone(), inner)
                .prop_map(|(op, l, r)| Filtered::Combine(op, Box::new(l), Box::new(r))),
        ]
    })
}

fn build_filtered(case: &Filtered, table: &str) -> AnySet {
    match case {
        Filtered::Plan(plan) => build(plan, table),
        Filtered::In {
            filtered,
            column,
            set,
            set_column,
            keep,
        } => {
            let set = each!(build(set, table), |s| s.columns([*set_column]));
            let outer = build_filtered(filtered, table);
            with_set!(set, |set| each!(outer, |s| if *keep {
                s.filter_in(*column, &set)
            } else {
                s.exclude_in(*column, &set)
            }))
        }
        Filtered::Combine(op, left, right) => combine(
            *op,
            build_filtered(left, table),
            build_filtered(right, table),
        ),
    }
}

fn value(row: Pair, column: &str) -> Option<i64> {
    if column == "a" { row.0 } else { row.1 }
}

fn expected(case: &Filtered) -> Vec<Pair> {
    match case {
        Filtered::Plan(plan) => oracle(plan),
        Filtered::In {
            filtered,
            column,
            set,
            set_column,
            keep,
        } => {
            let members: Vec<Option<i64>> = oracle(set)
                .into_iter()
                .map(|row| value(row, set_column))
                .collect();
            expected(filtered)
                .into_iter()
                .filter(|row| {
                    // `x IN (…)` is TRUE only for a non-NULL x equal to a member; a NULL
                    // member makes a miss NULL rather than FALSE, which both calls treat as
                    // "not in".
                    let x = value(*row, column);
                    let member = x.is_some() && members.contains(&x);
                    member == *keep
                })
                .collect()
        }
        Filtered::Combine(op, left, right) => apply(*op, expected(left), expected(right)),
    }
}

fn category(case: &Filtered) -> &'static str {
    match case {
        Filtered::Plan(_) => "plain",
        Filtered::In { keep: true, .. } => "filter_in",
        Filtered::In { keep: false, .. } => "exclude_in",
        Filtered::Combine(..) => "combined",
    }
}

/// The number of generated cases: `SETQL_FUZZ_CASES`, or a small default.
fn cases() -> usize {
    common::fuzz_cases()
}

#[test]
fn fuzz_subquery_filters_against_the_oracle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzzsq"));
    let cases = cases();
    let strategy = filtered(Enabled::from_env());
    let outcome = run_cases(&strategy, cases, category, |case| {
        let table = &engines.table;
        let mut want = expected(case);
        want.sort_unstable();
        let set = build_filtered(case, table);
        let results = runtime.block_on(engines.fetch::<Pair>(&set, false));
        let counts = runtime.block_on(engines.counts(&set));
        let count = u64::try_from(want.len()).ok();
        let holds = results
            .iter()
            .all(|(_, _, rows)| rows.as_ref().is_ok_and(|rows| *rows == want))
            && counts.iter().all(|c| c.as_ref().ok() == count.as_ref());
        (!holds).then(|| {
            report(case, &rows_text(&want), &results, &counts, |rows| {
                describe(&want, rows, None)
            })
        })
    });
    let _ = writeln!(
        std::io::stdout(),
        "FUZZ-SUBQUERY cases={cases} engines={} mismatches={}",
        engines.names().join(","),
        outcome.mismatches
    );
    runtime.block_on(engines.close());
    outcome.fail("FUZZ-SUBQUERY", cases);
}
