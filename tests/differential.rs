//! Cross-engine differential test: a fixed corpus of generated set expressions runs on every
//! reachable engine, and every engine must return the same rows (as multisets, or as
//! sequences where the query is totally ordered).
//!
//! `SETQL_DIFFERENTIAL_CASES` sets the corpus size (default 240); the seed is fixed, so the
//! corpus is the same on every run.

mod common;

use common::plan::{Engines, Op, Plan, Pred, build};

/// A small deterministic generator (SplitMix64), so the corpus needs no extra crate.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn small(&mut self) -> i64 {
        i64::try_from(self.below(6)).unwrap_or(0)
    }
}

fn generate(rng: &mut Seeded, depth: u32) -> Plan {
    {
        if depth == 0 || rng.below(5) == 0 {
            return Plan::Base(rng.below(6));
        }
        match rng.below(10) {
            0..=4 => {
                let op = Op::ALL[usize::try_from(rng.below(7)).unwrap_or(0)];
                let arity = if matches!(op, Op::SymmetricDifference) {
                    2
                } else {
                    2 + rng.below(2)
                };
                let operands = (0..arity).map(|_| generate(rng, depth - 1)).collect();
                Plan::Combine(op, operands)
            }
            5 | 6 => Plan::Filter(Box::new(generate(rng, depth - 1)), predicate(rng)),
            7 => Plan::Exclude(Box::new(generate(rng, depth - 1)), predicate(rng)),
            8 => Plan::Slice(
                Box::new(generate(rng, depth - 1)),
                1 + rng.below(6),
                rng.below(3),
            ),
            9 if rng.below(2) == 0 => Plan::KeepBranches(Box::new(generate(rng, depth - 1))),
            _ => Plan::Distinct(Box::new(generate(rng, depth - 1))),
        }
    }
}

fn predicate(rng: &mut Seeded) -> Pred {
    {
        let column = if rng.below(2) == 0 { "a" } else { "b" };
        match rng.below(7) {
            0 | 1 => Pred::Gt(column, rng.small()),
            2 => Pred::Eq(column, rng.small()),
            3 => Pred::IsNull(column),
            4 => Pred::ColumnsEqual,
            5 => Pred::SumBelow(rng.small() * 2),
            _ => Pred::Either(
                Box::new(Pred::Gt(column, rng.small())),
                Box::new(Pred::IsNull("b")),
            ),
        }
    }
}

#[tokio::test]
async fn every_engine_returns_the_same_rows() {
    let cases: usize = std::env::var("SETQL_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240);
    let engines = Engines::open("differential").await;
    let mut rng = Seeded(0x5e7_0001);
    let mut mismatches = Vec::new();
    for case in 0..cases {
        let plan = generate(&mut rng, 4);
        let set = build(&plan, &engines.table);
        let results = engines.rows(&set, plan.is_ordered()).await;
        let reference = &results[0].2;
        let failed = reference.is_err() || results.iter().any(|(_, _, rows)| rows != reference);
        if failed {
            let mut report = format!("case {case}: {plan:?}\n");
            for (engine, sql, rows) in &results {
                report.push_str(&format!("  {engine}: {sql}\n    rows: {rows:?}\n"));
            }
            mismatches.push(report);
        }
    }
    let names = engines.names().join(",");
    engines.close().await;
    println!(
        "DIFFERENTIAL cases={cases} engines={names} mismatches={}",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} queries differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
