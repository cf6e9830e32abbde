//! The fuzz suite's generators: proptest strategies for every kind of case, and the switch
//! that leaves categories out (`SETQL_FUZZ_SKIP`).

use proptest::prelude::*;
use proptest::strategy::Union;

use crate::common::keyed::{After, Computed, DistinctOrdered, Finish, Keyed, KeyedPred, Walked};
use crate::common::plan::{Op, Plan, Pred, Table};
use crate::common::rows::Term;

/// Which generator categories run; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct Enabled {
    pub computed: bool,
    pub reorder: bool,
    pub distinct: bool,
    pub qualified: bool,
    pub nulls: bool,
    pub pages: bool,
}

impl Enabled {
    pub fn from_env() -> Enabled {
        let skip = std::env::var("SETQL_FUZZ_SKIP").unwrap_or_default();
        let on = |name: &str| !skip.split(',').any(|s| s.trim() == name);
        Enabled {
            computed: on("computed"),
            reorder: on("reorder"),
            distinct: on("distinct"),
            qualified: on("qualified"),
            nulls: on("nulls"),
            pages: on("pages"),
        }
    }
}

pub fn predicate() -> impl Strategy<Value = Pred> {
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

/// An ordering term over `columns`.
pub fn term(columns: &'static [&'static str]) -> impl Strategy<Value = Term> + Clone {
    (proptest::sample::select(columns), any::<bool>())
}

pub fn combination(op: Op, mut operands: Vec<Plan>) -> Plan {
    if op == Op::SymmetricDifference {
        operands.truncate(2);
    }
    Plan::Combine(op, operands)
}

pub fn plan(enabled: Enabled) -> BoxedStrategy<Plan> {
    let leaf = if enabled.qualified {
        prop_oneof![
            3 => (0_u64..6).prop_map(Plan::Base),
            1 => (0_u64..6).prop_map(Plan::Other),
        ]
        .boxed()
    } else {
        (0_u64..6).prop_map(Plan::Base).boxed()
    };
    leaf.prop_recursive(4, 24, 3, move |inner| {
        let ops = || proptest::sample::select(Op::ALL.to_vec());
        let operands = || proptest::collection::vec(inner.clone(), 2..=3);
        let mut arms: Vec<(u32, BoxedStrategy<Plan>)> = vec![
            (
                3,
                (ops(), operands())
                    .prop_map(|(op, operands)| combination(op, operands))
                    .boxed(),
            ),
            (
                2,
                (inner.clone(), predicate())
                    .prop_map(|(p, q)| Plan::Filter(Box::new(p), q))
                    .boxed(),
            ),
            (
                1,
                (inner.clone(), predicate())
                    .prop_map(|(p, q)| Plan::Exclude(Box::new(p), q))
                    .boxed(),
            ),
            (
                1,
                (inner.clone(), 1_u64..8, 0_u64..4)
                    .prop_map(|(p, limit, offset)| Plan::Slice(Box::new(p), limit, offset))
                    .boxed(),
            ),
            (
                1,
                inner
                    .clone()
                    .prop_map(|p| Plan::Distinct(Box::new(p)))
                    .boxed(),
            ),
            (
                1,
                inner
                    .clone()
                    .prop_map(|p| Plan::KeepBranches(Box::new(p)))
                    .boxed(),
            ),
        ];
        if enabled.reorder {
            let ab = &["a", "b"];
            arms.push((
                1,
                (
                    inner.clone(),
                    term(ab),
                    1_u64..8,
                    0_u64..4,
                    proptest::option::of(predicate()),
                    term(ab),
                )
                    .prop_map(|(p, first, limit, offset, exclude, then)| {
                        Plan::Reorder(Box::new(p), first, limit, offset, exclude, then)
                    })
                    .boxed(),
            ));
        }
        if enabled.qualified {
            arms.push((
                1,
                (ops(), operands(), predicate(), any::<bool>())
                    .prop_map(|(op, operands, pred, last)| {
                        Plan::Qualified(Box::new(combination(op, operands)), pred, last)
                    })
                    .boxed(),
            ));
        }
        Union::new_weighted(arms)
    })
    .boxed()
}

/// Unions and unions all, nested, of one table or two, whose branches are filtered,
/// excluded, made distinct or sliced: the sets that are paged branch by branch (or merged,
/// or fused under a range) when a page of them is read. NULLs, ties and rows repeated
/// across branches come from the base sets.
pub fn union_tree(enabled: Enabled) -> BoxedStrategy<Plan> {
    let leaf = if enabled.qualified {
        prop_oneof![
            2 => (0_u64..6).prop_map(Plan::Base),
            1 => (0_u64..6).prop_map(Plan::Other),
        ]
        .boxed()
    } else {
        (0_u64..6).prop_map(Plan::Base).boxed()
    };
    leaf.prop_recursive(3, 12, 3, |inner| {
        let unions = proptest::sample::select(vec![Op::Union, Op::UnionAll]);
        prop_oneof![
            4 => (unions, proptest::collection::vec(inner.clone(), 2..=3))
                .prop_map(|(op, operands)| combination(op, operands)),
            1 => (inner.clone(), predicate()).prop_map(|(p, q)| Plan::Filter(Box::new(p), q)),
            1 => (inner.clone(), predicate()).prop_map(|(p, q)| Plan::Exclude(Box::new(p), q)),
            1 => inner.clone().prop_map(|p| Plan::Distinct(Box::new(p))),
            1 => (inner, 1_u64..6, 0_u64..3)
                .prop_map(|(p, limit, offset)| Plan::Slice(Box::new(p), limit, offset)),
        ]
    })
    .boxed()
}

/// A page of a union tree: ordered by `(a, b desc)` (NULLs and ties in both), perhaps after
/// a later filter, such as a range on `a` that MySQL answers with one fused SELECT, then
/// `offset` and `limit`.
pub fn union_page(enabled: Enabled) -> BoxedStrategy<Plan> {
    let range = prop_oneof![
        (-1_i64..6).prop_map(|v| Pred::Gt("a", v)),
        (-1_i64..6).prop_map(|v| Pred::Not(Box::new(Pred::Gt("a", v)))),
        predicate(),
    ];
    let top = proptest::sample::select(vec![Op::Union, Op::UnionAll]);
    (
        top,
        proptest::collection::vec(union_tree(enabled), 2..=3),
        proptest::option::of(range),
        1_u64..8,
        0_u64..6,
    )
        .prop_map(|(op, operands, later, limit, offset)| {
            let union = combination(op, operands);
            let filtered = match later {
                Some(pred) => Plan::Filter(Box::new(union), pred),
                None => union,
            };
            Plan::Slice(Box::new(filtered), limit, offset)
        })
        .boxed()
}

pub fn keyed(enabled: Enabled) -> impl Strategy<Value = Keyed> {
    let table = if enabled.qualified {
        prop_oneof![3 => Just(Table::Main), 1 => Just(Table::Other)].boxed()
    } else {
        Just(Table::Main).boxed()
    };
    let branch = (
        table,
        0_u64..6,
        proptest::sample::select(Computed::ALL.to_vec()),
    )
        .prop_map(|(table, k, computed)| Keyed::Branch(table, k, computed));
    let column = proptest::sample::select(&["id", "k", "c"][..]);
    let pred = prop_oneof![
        (column.clone(), -1_i64..6).prop_map(|(c, v)| KeyedPred::Gt(c, v)),
        column.prop_map(KeyedPred::IsNull),
    ];
    let operands = proptest::collection::vec(
        branch.prop_recursive(2, 6, 3, |inner| {
            (
                proptest::sample::select(Op::ALL.to_vec()),
                proptest::collection::vec(inner, 2..=2),
            )
                .prop_map(|(op, operands)| Keyed::Combine(op, operands))
        }),
        2..=3,
    );
    // A combination at the top, sometimes filtered, qualified or not.
    (
        proptest::sample::select(Op::ALL.to_vec()),
        operands,
        proptest::option::of((pred, any::<bool>())),
    )
        .prop_map(move |(op, mut operands, filter)| {
            if op == Op::SymmetricDifference {
                operands.truncate(2);
            }
            let set = Keyed::Combine(op, operands);
            match filter {
                Some((pred, qualified)) => {
                    Keyed::Filter(Box::new(set), pred, qualified && enabled.qualified)
                }
                None => set,
            }
        })
}

pub fn finish(enabled: Enabled) -> BoxedStrategy<Finish> {
    let columns = &["id", "k", "c"];
    let mut arms: Vec<(u32, BoxedStrategy<Finish>)> = vec![
        (1, Just(Finish::Whole).boxed()),
        (
            1,
            proptest::collection::vec(term(columns), 0..=2)
                .prop_map(Finish::Ends)
                .boxed(),
        ),
        (
            3,
            (
                proptest::collection::vec(term(columns), 1..=2),
                1_u64..6,
                0_u64..4,
            )
                .prop_map(|(terms, limit, offset)| Finish::Slice(terms, limit, offset))
                .boxed(),
        ),
        (
            2,
            (
                proptest::collection::vec(term(columns), 1..=2),
                1_u64..6,
                0_u64..4,
                prop_oneof![
                    Just(After::Project),
                    (proptest::sample::select(&columns[..]), -1_i64..4)
                        .prop_map(|(column, value)| After::Filter(KeyedPred::Gt(column, value))),
                    proptest::sample::select(&columns[1..])
                        .prop_map(|column| After::Filter(KeyedPred::IsNull(column))),
                ],
            )
                .prop_map(|(terms, limit, offset, after)| {
                    Finish::SliceThen(terms, limit, offset, after)
                })
                .boxed(),
        ),
    ];
    if enabled.reorder {
        arms.push((
            1,
            (term(columns), 1_u64..6, 0_u64..4, term(columns))
                .prop_map(|(first, limit, offset, then)| {
                    Finish::Reorder(first, limit, offset, then)
                })
                .boxed(),
        ));
    }
    Union::new_weighted(arms).boxed()
}

pub fn distinct_ordered() -> impl Strategy<Value = DistinctOrdered> {
    let all = &["id", "a", "b", "c"];
    (
        0_u64..6,
        proptest::sample::subsequence(all.to_vec(), 2),
        any::<bool>(),
        proptest::collection::vec(term(all), 1..=2),
    )
        .prop_map(|(k, columns, swap, terms)| {
            let mut columns = [columns[0], columns[1]];
            if swap {
                columns.swap(0, 1);
            }
            DistinctOrdered { k, columns, terms }
        })
}

pub fn walked(enabled: Enabled) -> BoxedStrategy<(Walked, u64)> {
    let whole = &["id", "a", "b", "c"];
    let table = if enabled.qualified {
        prop_oneof![3 => Just(Table::Main), 1 => Just(Table::Other)].boxed()
    } else {
        Just(Table::Main).boxed()
    };
    let mut arms: Vec<(u32, BoxedStrategy<Walked>)> = vec![
        (
            1,
            // Both output columns ordered, so a walk without a key is not refused.
            (union_tree(enabled), any::<[bool; 3]>())
                .prop_map(|(plan, [swap, a, b])| {
                    let mut terms = vec![("a", a), ("b", b)];
                    if swap {
                        terms.reverse();
                    }
                    Walked::Pairs(plan, terms)
                })
                .boxed(),
        ),
        (
            2,
            (
                table,
                0_u64..6,
                proptest::collection::vec(term(whole), 0..=3),
            )
                .prop_map(|(table, k, terms)| Walked::Table(table, k, terms))
                .boxed(),
        ),
        (
            1,
            (
                plan(enabled),
                proptest::collection::vec(term(&["a", "b"]), 0..=2),
            )
                .prop_map(|(plan, terms)| Walked::Pairs(plan, terms))
                .boxed(),
        ),
    ];
    if enabled.computed {
        arms.push((
            2,
            (
                keyed(enabled),
                proptest::collection::vec(term(&["id", "k", "c"]), 0..=2),
            )
                .prop_map(|(keyed, terms)| Walked::Keyed(keyed, terms))
                .boxed(),
        ));
    }
    (Union::new_weighted(arms), 1_u64..5).boxed()
}
