//! Large trees: a filter that pushdown would copy into more SELECTs than its combination has
//! branches, and more than 8, is applied once around the combination instead
//! (`combine::pushdown::MOST_COPIES`). These check that the
//! rows do not change, that NULLs survive an exclusion applied either way, that `explain`
//! says which was done, and that the SQL of a deep tree stops growing with the square of its
//! depth. `numbers` holds num 0..=9 with id = num + 1 and other_num = 10 − num.

mod common;

use std::collections::BTreeSet;

use common::*;
use sea_query::{Expr, ExprTrait};
use setql::prelude::*;

const APPLIED_AROUND: &str = "filters applied once around the combination";

fn num() -> Expr {
    Expr::col("num")
}

/// The nums a leaf of the deep tree keeps.
fn leaf_nums(level: i32) -> BTreeSet<i32> {
    [level % 10, (level * 3 + 1) % 10, (level * 7 + 4) % 10].into()
}

/// A tree one level deeper per step, cycling through `∩ leaf` with a later filter on a
/// column the leaves do not share with the output, `− leaf` and `∪ leaf`; and the nums it
/// holds, worked out here.
fn deep(table: &str, depth: i32) -> (DelayedUnion, BTreeSet<i32>) {
    let leaf = |level: i32| {
        QuerySet::table(table.to_owned())
            .primary_key("id")
            .filter(num().is_in(leaf_nums(level)))
    };
    let mut set = DelayedUnion::new([leaf(0)]);
    let mut expected = leaf_nums(0);
    for level in 1..=depth {
        let next = leaf(level);
        let nums = leaf_nums(level);
        match level % 3 {
            0 => {
                let floor = level % 4;
                set = DelayedUnion::new([set
                    .intersection(next)
                    .filter(Expr::col("other_num").gte(floor))]);
                expected = expected
                    .intersection(&nums)
                    .copied()
                    .filter(|n| 10 - n >= floor)
                    .collect();
            }
            1 => {
                set = DelayedUnion::new([set.difference(next)]);
                expected = expected.difference(&nums).copied().collect();
            }
            _ => {
                set = set.union(next);
                expected.extend(nums);
            }
        }
    }
    (set, expected)
}

/// A union of `pairs` intersections, `(num = i) ∩ (num >= 0)` for i = 0, 1, …, wrapping at
/// 10, kept as written: `2 × pairs` SELECTs below the union, and `pairs` branches.
fn union_of_pairs(table: &str, pairs: i32) -> DelayedUnion {
    let n = |p: Expr| {
        QuerySet::table(table.to_owned())
            .primary_key("id")
            .filter(p)
    };
    DelayedUnion::new(
        (0..pairs).map(|i| DelayedUnion::new([n(num().eq(i % 10)).intersection(n(num().gte(0)))])),
    )
    .keep_branches()
}

// A later filter is copied into every SELECT of a nested combination up to 8 of them, and
// applied once around it past that; a flat union copies it into each branch however many
// there are. All three keep the same rows, and only the one past the bound says so.
engines!(
    a_filter_past_the_bound_keeps_the_same_rows,
    |pool, engine| {
        let t = numbers(pool).await;
        let filtered = |set: DelayedUnion| {
            set.filter(num().gte(3))
                .exclude(num().eq(7))
                .order_by("num", sea_query::Order::Desc)
        };
        let flat = filtered(
            DelayedUnion::new((0..40).map(|i| {
                QuerySet::table(t.clone())
                    .primary_key("id")
                    .filter(num().eq(i % 10))
            }))
            .keep_branches(),
        );
        let (within, past) = (
            filtered(union_of_pairs(&t, 4)),
            filtered(union_of_pairs(&t, 10)),
        );
        let dialect = engine.dialect();
        let cases: [(&DelayedUnion, &[i32], bool); 3] = [
            (&flat, &[9, 8, 6, 5, 4, 3], false),
            (&within, &[3], false),
            (&past, &[9, 8, 6, 5, 4, 3], true),
        ];
        for (set, expected, around) in cases {
            assert_eq!(nums!(pool, set.clone()), expected, "{engine:?}");
            let plan = set.explain(dialect).unwrap();
            assert_eq!(plan.contains(APPLIED_AROUND), around, "{plan}");
        }
        assert_eq!(nums!(pool, past.clone().limit(2)), [9, 8], "{engine:?}");
        assert_eq!(past.count(pool).await.unwrap(), 6, "{engine:?}");
        // Written once, around the union, not once per SELECT.
        let sql = past.to_sql(dialect).unwrap();
        assert_eq!(sql.matches(">= 3").count(), 1, "{sql}");
        assert_eq!(flat.to_sql(dialect).unwrap().matches(">= 3").count(), 40);
    }
);

// An exclusion on a nullable column keeps the NULL rows whether it is pushed into the
// SELECTs or applied around them.
engines!(an_exclusion_past_the_bound_keeps_nulls, |pool, engine| {
    let t = unique("maybe");
    exec(
        pool,
        format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INTEGER NULL)"),
    )
    .await;
    exec(
        pool,
        format!("INSERT INTO {t} (id, v) VALUES (1, 1), (2, NULL), (3, 3), (4, NULL), (5, 5)"),
    )
    .await;
    let n = |p: Expr| {
        QuerySet::table(t.clone())
            .primary_key("id")
            .columns(["id", "v"])
            .filter(p)
    };
    let pairs = |count: i32| {
        DelayedUnion::new((0..count).map(|i| {
            let id = Expr::col("id");
            DelayedUnion::new([n(id.clone().eq(i % 5 + 1)).intersection(n(id.gte(1)))])
        }))
        .keep_branches()
        .exclude(Expr::col("v").eq(3))
    };
    for count in [2, 10] {
        let set = pairs(count);
        let mut rows: Vec<(i32, Option<i32>)> = set.fetch_all(pool).await.unwrap();
        rows.sort_unstable();
        let kept: &[(i32, Option<i32>)] = match count {
            2 => &[(1, Some(1)), (2, None)],
            _ => &[(1, Some(1)), (2, None), (4, None), (5, Some(5))],
        };
        assert_eq!(rows, kept, "{engine:?} {count}");
        let around = set
            .explain(engine.dialect())
            .unwrap()
            .contains(APPLIED_AROUND);
        assert_eq!(around, count == 10, "{engine:?}");
    }
});

// A deep tree of one table, fused and with every branch kept, holds the nums worked out
// by hand; the kept one applies its upper filters around the combination.
engines!(a_deep_tree_keeps_its_rows_either_way, |pool, engine| {
    let t = numbers(pool).await;
    let (set, expected) = deep(&t, 40);
    let expected: Vec<i32> = expected.into_iter().collect();
    let mut fused = nums!(pool, set.clone());
    fused.sort_unstable();
    assert_eq!(fused, expected, "{engine:?}");
    let kept = set.keep_branches();
    let mut rows = nums!(pool, kept.clone());
    rows.sort_unstable();
    assert_eq!(rows, expected, "{engine:?}");
    assert_eq!(
        kept.count(pool).await.unwrap(),
        expected.len() as u64,
        "{engine:?}"
    );
    assert!(
        kept.explain(engine.dialect())
            .unwrap()
            .contains(APPLIED_AROUND)
    );
});

// The SQL of a kept deep tree grows linearly with its depth once the bound is reached: four
// times the depth is about four times the SQL, not sixteen.
#[test]
fn deep_sql_grows_linearly() {
    let length = |depth| {
        let (set, _) = deep("t", depth);
        set.keep_branches().to_sql(Dialect::Postgres).unwrap().len()
    };
    let (at_64, at_256) = (length(64), length(256));
    assert!(
        at_256 < at_64 * 5,
        "depth 64: {at_64} bytes, depth 256: {at_256} bytes"
    );
    // Fused, the tree is one SELECT whose WHERE grows with the leaves.
    let fused = |depth| deep("t", depth).0.to_sql(Dialect::Postgres).unwrap().len();
    assert!(fused(256) < fused(64) * 5);
    // `((a ∪ b).filter(p) ∪ c).filter(q) …`: a union carrying filters is merged into the next
    // only while that copies them into 8 SELECTs at most; merged at every step, every filter
    // was copied into every branch below it (1.8 MB of SQL at length 512).
    let chain = |length: i32| {
        let leaf = |n: i32| QuerySet::table("t").primary_key("id").filter(num().eq(n));
        let mut set = DelayedUnion::new([leaf(0)]);
        for n in 1..=length {
            set = set.union(leaf(n)).filter(Expr::col("m").gt(n));
        }
        (
            set.to_sql(Dialect::Postgres).unwrap().len(),
            set.keep_branches().to_sql(Dialect::Postgres).unwrap().len(),
        )
    };
    let ((fused_64, kept_64), (fused_256, kept_256)) = (chain(64), chain(256));
    assert!(
        fused_256 < fused_64 * 5,
        "{fused_64} then {fused_256} bytes"
    );
    assert!(kept_256 < kept_64 * 5, "{kept_64} then {kept_256} bytes");
}

// Depth 256 is planned, rendered and explained on a thread with half the stack of a tokio
// worker, in debug builds too: deep steps move to fresh stack segments.
#[test]
fn a_deep_tree_fits_a_small_stack() {
    let worker = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let (set, _) = deep("t", 256);
            let kept = set.clone().keep_branches();
            // An exclusion at every level asks each level which columns hold no NULL.
            let leaf = |n: i32| QuerySet::table("t").primary_key("id").filter(num().eq(n));
            let mut excluded = DelayedUnion::new([leaf(0)]);
            for level in 1..=256 {
                excluded = DelayedUnion::new([excluded
                    .intersection(leaf(level))
                    .exclude(Expr::col("m").eq(level))]);
            }
            for set in [set, kept, excluded.clone(), excluded.keep_branches()] {
                for dialect in Dialect::ALL {
                    let (sql, _) = set.build(dialect).unwrap();
                    assert!(sql.starts_with("SELECT"), "{dialect:?}");
                    set.explain(dialect).unwrap();
                }
            }
        })
        .unwrap();
    worker.join().unwrap();
}

// A tree filtered at every level over a bottom that cannot fuse (two tables) was planned
// twice per level, 2^depth times in all; depth 40 would not finish. Its rows are worked
// out here: ids 1..=10 in both tables.
engines!(
    a_deep_unfusable_tree_is_planned_once_per_level,
    |pool, engine| {
        let (a, b) = (numbers(pool).await, numbers(pool).await);
        let leaf = |table: &str, ids: &BTreeSet<i32>| {
            QuerySet::table(table.to_owned())
                .primary_key("id")
                .columns(["id"])
                .filter(Expr::col("id").is_in(ids.iter().copied()))
        };
        let all: BTreeSet<i32> = (1..=10).collect();
        let mut set = DelayedUnion::new([leaf(&a, &all), leaf(&b, &[1, 2].into())]);
        let mut expected = all.clone();
        for level in 1..=40 {
            let ids: BTreeSet<i32> = all
                .iter()
                .copied()
                .filter(|id| id % 7 != level % 7)
                .collect();
            if level % 2 == 0 {
                let floor = level % 5;
                set = DelayedUnion::new([set
                    .intersection(leaf(&a, &ids))
                    .filter(Expr::col("id").gt(floor))]);
                expected = expected
                    .intersection(&ids)
                    .copied()
                    .filter(|id| *id > floor)
                    .collect();
            } else {
                let ceiling = 11 - level % 3;
                set = set
                    .union(leaf(&a, &ids))
                    .filter(Expr::col("id").lt(ceiling));
                expected = expected
                    .union(&ids)
                    .copied()
                    .filter(|id| *id < ceiling)
                    .collect();
            }
        }
        let mut rows: Vec<(i32,)> = set.fetch_all(pool).await.unwrap();
        rows.sort_unstable();
        let expected: Vec<(i32,)> = expected.into_iter().map(|id| (id,)).collect();
        assert_eq!(rows, expected, "{engine:?}");
    }
);
