//! Differential fuzzing of grouped sets: random set expressions from the shared plan
//! generators (`common/strategies.rs`), grouped by one output column with one aggregate, then
//! filtered on the aggregate or on the grouping column, excluded, ordered and sliced, or
//! combined with another grouped set, and also whole-set aggregates. Every reachable engine
//! must return the rows the oracle computes by grouping the plan's oracle rows in Rust, and
//! `count()` must count them. `SETQL_FUZZ_CASES` sets the number of cases (64 by default).

mod common;

use std::io::Write as _;

use std::collections::BTreeMap;

use common::plan::{AnySet, Engines, Op, Pair, Plan, apply, build, combine, oracle};
use common::report::{report, rows_text, run_cases};
use common::strategies::{Enabled, plan};
use proptest::prelude::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;

/// One aggregate over the column the set is not grouped by (or every row, for `Count`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Agg {
    Count,
    CountDistinct,
    Sum,
    Min,
    Max,
}

/// What happens to the grouped rows `(key, value)`.
#[derive(Debug, Clone, PartialEq)]
enum After {
    Nothing,
    /// `filter(value > v)`: reads the aggregate, so it stays above the grouping.
    AggregateAbove(i64),
    /// `exclude(value > v)`.
    ExcludeAggregate(i64),
    /// `filter(key > v)`: reads the grouping column, so it may move below.
    KeyAbove(i64),
    /// `filter(key IS NULL)`.
    KeyIsNull,
    /// `order_by(value, desc?)` then `offset`, `limit`: ties broken by the key.
    Ranked(bool, u64, u64),
    /// Combined with the same grouping of another plan.
    Combined(Op, Plan),
}

#[derive(Debug, Clone)]
struct Case {
    plan: Plan,
    /// Group by `a` (else `b`); the aggregate reads the other column.
    by_a: bool,
    agg: Agg,
    after: After,
    /// A whole-set `aggregate([count, agg])` instead of a grouping.
    whole: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let enabled = Enabled::from_env();
    let agg = prop_oneof![
        Just(Agg::Count),
        Just(Agg::CountDistinct),
        Just(Agg::Sum),
        Just(Agg::Min),
        Just(Agg::Max)
    ];
    let op = proptest::sample::select(Op::ALL.to_vec());
    let after = prop_oneof![
        2 => Just(After::Nothing),
        2 => (-1_i64..6).prop_map(After::AggregateAbove),
        1 => (-1_i64..6).prop_map(After::ExcludeAggregate),
        2 => (-1_i64..6).prop_map(After::KeyAbove),
        1 => Just(After::KeyIsNull),
        2 => (any::<bool>(), 0_u64..3, 1_u64..5).prop_map(|(d, o, l)| After::Ranked(d, o, l)),
        2 => (op, plan(enabled)).prop_map(|(op, other)| After::Combined(op, other)),
    ];
    (
        plan(enabled),
        any::<bool>(),
        agg,
        after,
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(plan, by_a, agg, after, whole)| Case {
            plan,
            by_a,
            agg,
            after,
            whole,
        })
}

fn names(by_a: bool) -> (&'static str, &'static str) {
    if by_a { ("a", "b") } else { ("b", "a") }
}

fn aggregate(agg: Agg, column: &'static str) -> Aggregate {
    match agg {
        Agg::Count => Aggregate::count("value"),
        Agg::CountDistinct => Aggregate::count_distinct(column, "value"),
        Agg::Sum => Aggregate::sum(column, "value"),
        Agg::Min => Aggregate::min(column, "value"),
        Agg::Max => Aggregate::max(column, "value"),
    }
}

/// The setql set for `plan` grouped as the case says: rows `(key, value)`.
fn grouped(plan: &Plan, table: &str, by_a: bool, agg: Agg) -> QuerySet {
    let (key, other) = names(by_a);
    let set = build(plan, table);
    with_set!(set, |s| s
        .group_by([key])
        .aggregate([aggregate(agg, other)]))
}

fn set_of(case: &Case, table: &str) -> AnySet {
    let (key, other) = names(case.by_a);
    if case.whole {
        let set = build(&case.plan, table);
        return AnySet::Plain(with_set!(set, |s| s
            .aggregate([Aggregate::count("n"), aggregate(case.agg, other),])));
    }
    let set = grouped(&case.plan, table, case.by_a, case.agg);
    AnySet::Plain(match &case.after {
        After::Nothing => set,
        After::AggregateAbove(v) => set.filter(Expr::col("value").gt(*v)),
        After::ExcludeAggregate(v) => set.exclude(Expr::col("value").gt(*v)),
        After::KeyAbove(v) => set.filter(Expr::col(key).gt(*v)),
        After::KeyIsNull => set.filter(Expr::col(key).is_null()),
        After::Ranked(descending, offset, limit) => {
            let order = if *descending { Order::Desc } else { Order::Asc };
            set.order_by("value", order).offset(*offset).limit(*limit)
        }
        After::Combined(op, other) => {
            let right = grouped(other, table, case.by_a, case.agg);
            return combine(*op, AnySet::Plain(set), AnySet::Plain(right));
        }
    })
}

/// The oracle: the plan's rows grouped in Rust, as SQL groups them (NULL keys form one group).
fn group_rows(rows: &[Pair], by_a: bool, agg: Agg) -> Vec<Pair> {
    let mut groups: BTreeMap<Option<i64>, Vec<Option<i64>>> = BTreeMap::new();
    for &(a, b) in rows {
        let (key, value) = if by_a { (a, b) } else { (b, a) };
        groups.entry(key).or_default().push(value);
    }
    groups
        .into_iter()
        .map(|(key, values)| (key, fold(agg, &values)))
        .collect()
}

fn fold(agg: Agg, values: &[Option<i64>]) -> Option<i64> {
    let present = values.iter().flatten().copied();
    let count = |n: usize| Some(i64::try_from(n).unwrap_or(i64::MAX));
    match agg {
        Agg::Count => count(values.len()),
        Agg::CountDistinct => {
            let mut distinct: Vec<i64> = present.collect();
            distinct.sort_unstable();
            distinct.dedup();
            count(distinct.len())
        }
        Agg::Sum => present.reduce(|x, y| x + y),
        Agg::Min => present.min(),
        Agg::Max => present.max(),
    }
}

/// SQL's `x > v`: NULL is unknown, so neither kept by a filter nor dropped by an exclude.
fn above(x: Option<i64>, v: i64) -> Option<bool> {
    x.map(|x| x > v)
}

/// The expected rows, and whether they come back in this order.
fn expected(case: &Case) -> (Vec<Pair>, bool) {
    let rows = oracle(&case.plan);
    if case.whole {
        let (_, other) = names(case.by_a);
        let values: Vec<Option<i64>> = rows
            .iter()
            .map(|&(a, b)| if other == "a" { a } else { b })
            .collect();
        let n = Some(i64::try_from(values.len()).unwrap_or(i64::MAX));
        return (vec![(n, fold(case.agg, &values))], false);
    }
    let groups = group_rows(&rows, case.by_a, case.agg);
    let keep = |rows: Vec<Pair>, p: &dyn Fn(&Pair) -> bool| rows.into_iter().filter(p).collect();
    match &case.after {
        After::Nothing => (groups, false),
        After::AggregateAbove(v) => (keep(groups, &|r| above(r.1, *v) == Some(true)), false),
        After::ExcludeAggregate(v) => (keep(groups, &|r| above(r.1, *v) != Some(true)), false),
        After::KeyAbove(v) => (keep(groups, &|r| above(r.0, *v) == Some(true)), false),
        After::KeyIsNull => (keep(groups, &|r| r.0.is_none()), false),
        After::Ranked(descending, offset, limit) => {
            let mut groups = groups;
            // NULL is the smallest value; ties on the value are broken by the key, in the
            // direction of the value's term.
            groups.sort_by(|x, y| {
                let order = x.1.cmp(&y.1).then(x.0.cmp(&y.0));
                if *descending { order.reverse() } else { order }
            });
            let window = groups
                .into_iter()
                .skip(usize::try_from(*offset).unwrap_or(usize::MAX))
                .take(usize::try_from(*limit).unwrap_or(usize::MAX))
                .collect();
            (window, true)
        }
        After::Combined(op, other) => {
            let right = group_rows(&oracle(other), case.by_a, case.agg);
            let mut rows = apply(*op, groups, right);
            rows.sort_unstable();
            (rows, false)
        }
    }
}

/// The number of generated cases: `SETQL_FUZZ_CASES`, or a small default.
fn cases() -> usize {
    common::fuzz_cases()
}

#[test]
fn grouped_sets_match_the_oracle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engines = runtime.block_on(Engines::open("fuzzgrp"));
    let cases = cases();
    let outcome = run_cases(
        &case(),
        cases,
        |case| match (&case.after, case.whole) {
            (_, true) => "whole",
            (After::Combined(..), _) => "combined",
            (After::Ranked(..), _) => "ranked",
            (After::AggregateAbove(_) | After::ExcludeAggregate(_), _) => "aggregate filter",
            (After::KeyAbove(_) | After::KeyIsNull, _) => "key filter",
            (After::Nothing, _) => "grouped",
        },
        |case| {
            let set = set_of(case, &engines.table);
            let (mut rows, ordered) = expected(case);
            if !ordered {
                rows.sort_unstable();
            }
            let results = runtime.block_on(engines.rows(&set, ordered));
            let counts = runtime.block_on(engines.counts(&set));
            let count = u64::try_from(rows.len()).unwrap();
            let holds = results
                .iter()
                .all(|(_, _, got)| got.as_ref().is_ok_and(|got| *got == rows))
                && counts.iter().all(|c| c.as_ref().ok() == Some(&count));
            (!holds).then(|| report(case, &rows_text(&rows), &results, &counts, |r| rows_text(r)))
        },
    );
    // Written to stdout directly, past the test harness's capture, so CI shows it.
    let _ = writeln!(
        std::io::stdout(),
        "FUZZ-GROUPING cases={cases} engines={} mismatches={}",
        engines.names().join(","),
        outcome.mismatches
    );
    runtime.block_on(engines.close());
    outcome.fail("FUZZ-GROUPING", cases);
}
