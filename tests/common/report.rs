//! The fuzz suite's reporting: running cases, shrinking the first failure of each category,
//! and describing how each engine's answer differs from the oracle's.

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

use crate::common::rows::{Walk, agrees_up_to_ties};

/// An order that leaves ties free, when the rows come back ordered.
pub type TieOrder<'a, R> = Option<&'a dyn Fn(&R, &R) -> std::cmp::Ordering>;

/// One engine's answer: its name, its SQL, and what it returned.
pub type Answer<T> = (&'static str, String, Result<T, String>);

/// A report of every engine's answer: its SQL, and how its rows (or its count) differ.
pub fn report<T, E: Debug>(
    case: &impl Debug,
    expected: &str,
    results: &[(&'static str, String, Result<T, E>)],
    counts: &[Result<u64, String>],
    describe: impl Fn(&T) -> String,
) -> String {
    let mut report = format!("{case:?}\n  oracle: {expected}\n");
    for (index, (engine, sql, rows)) in results.iter().enumerate() {
        let rows = match rows {
            Ok(rows) => describe(rows),
            Err(error) => format!("error {error:?}"),
        };
        report.push_str(&format!("  {engine}: {sql}\n    {rows}\n"));
        if let Some(count) = counts.get(index) {
            report.push_str(&format!("    count: {count:?}\n"));
        }
    }
    report
}

/// Rows for a report; long lists are cut.
pub fn rows_text<R: Debug>(rows: &[R]) -> String {
    const SHOWN: usize = 12;
    if rows.len() <= SHOWN {
        return format!("{rows:?}");
    }
    format!("{:?} … ({} rows)", &rows[..SHOWN], rows.len())
}

/// How `actual` differs from `expected`: rows missing or extra, or where the order departs.
pub fn diff_text<R: Debug + Ord + Clone>(expected: &[R], actual: &[R]) -> String {
    if expected == actual {
        return "as expected".to_owned();
    }
    let mut left = expected.to_vec();
    let mut right = actual.to_vec();
    left.sort_unstable();
    right.sort_unstable();
    if left == right {
        let at = expected
            .iter()
            .zip(actual)
            .position(|(e, a)| e != a)
            .unwrap_or(0);
        return format!(
            "the same {} rows, in another order from position {at}: {}",
            actual.len(),
            rows_text(&actual[at..])
        );
    }
    // Multiset differences of the two sorted lists.
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        match (left.peek(), right.peek()) {
            (Some(l), Some(r)) if l == r => {
                left.next();
                right.next();
            }
            (Some(l), Some(r)) if l > r => extra.extend(right.next()),
            (Some(_), _) => missing.extend(left.next()),
            (None, Some(_)) => extra.extend(right.next()),
            (None, None) => break,
        }
    }
    format!(
        "{} rows: {}; missing {}; extra {}",
        actual.len(),
        rows_text(actual),
        rows_text(&missing),
        rows_text(&extra)
    )
}

/// How one engine's rows compare with the oracle's, in the order `order` constrains.
pub fn describe<R: Debug + Ord + Clone>(
    expected: &[R],
    actual: &[R],
    order: TieOrder<'_, R>,
) -> String {
    match order {
        Some(order) if agrees_up_to_ties(expected, actual, order) => {
            "as expected (up to ties)".to_owned()
        }
        Some(_) => diff_text(expected, actual),
        None => {
            let mut sorted = expected.to_vec();
            sorted.sort_unstable();
            diff_text(&sorted, actual)
        }
    }
}

pub fn walk_text<R: Debug + Ord + Clone>(expected: &Walk<R>, actual: &Walk<R>) -> String {
    format!(
        "forward: {}\n    backward: {}",
        diff_text(&expected.forward, &actual.forward),
        diff_text(&expected.backward, &actual.backward)
    )
}

/// What a run of cases found.
pub struct Outcome {
    pub mismatches: usize,
    /// Failing cases per category.
    pub by_category: BTreeMap<&'static str, usize>,
    /// The first failure of each category, shrunk.
    pub shrunk: BTreeMap<&'static str, String>,
}

impl Outcome {
    /// `category=count` for each category that failed, for the summary line.
    pub fn categories(&self) -> String {
        let counts: Vec<String> = self
            .by_category
            .iter()
            .map(|(category, count)| format!("{category}={count}"))
            .collect();
        counts.join(" ")
    }

    /// Panics with the shrunk failures, when there are any.
    pub fn fail(&self, line: &str, cases: usize) {
        if self.shrunk.is_empty() {
            return;
        }
        let reports: Vec<String> = self
            .shrunk
            .iter()
            .map(|(category, report)| format!("[{category}] {report}"))
            .collect();
        panic!(
            "{line}: {} of {cases} cases differ from the oracle ({}); the smallest of each \
             category:\n{}",
            self.mismatches,
            self.categories(),
            reports.join("\n")
        );
    }
}

/// `SETQL_FUZZ_LIST=1` lists every failing case, unshrunk, to see which kinds of fault a
/// category holds.
fn list_every_failure() -> bool {
    std::env::var("SETQL_FUZZ_LIST").is_ok_and(|v| v == "1")
}

/// Runs `cases` cases of `strategy`, and shrinks the first failure of each category.
pub fn run_cases<T: Debug + Clone>(
    strategy: &impl Strategy<Value = T>,
    cases: usize,
    category: impl Fn(&T) -> &'static str,
    check: impl Fn(&T) -> Option<String>,
) -> Outcome {
    let mut runner = TestRunner::deterministic();
    let mut outcome = Outcome {
        mismatches: 0,
        by_category: BTreeMap::new(),
        shrunk: BTreeMap::new(),
    };
    for _ in 0..cases {
        let mut tree = strategy
            .new_tree(&mut runner)
            .expect("the strategies never reject a case");
        let Some(mut report) = check(&tree.current()) else {
            continue;
        };
        outcome.mismatches += 1;
        let kind = category(&tree.current());
        if list_every_failure() {
            println!("failure [{kind}]: {:?}", tree.current());
        }
        *outcome.by_category.entry(kind).or_default() += 1;
        if outcome.shrunk.contains_key(kind) {
            continue;
        }
        // proptest's shrinking: simplify while the case still fails in its category, else
        // step back. Staying in the category keeps one kind of fault from hiding another.
        loop {
            if !tree.simplify() {
                break;
            }
            let smaller = tree.current();
            match check(&smaller).filter(|_| category(&smaller) == kind) {
                Some(smaller) => report = smaller,
                None => {
                    if !tree.complicate() {
                        break;
                    }
                }
            }
        }
        outcome.shrunk.insert(kind, report);
    }
    outcome
}
