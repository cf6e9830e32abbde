//! Filters written on a combined set wait on the combination until it is planned; they are
//! then pushed into its branches, or ANDed into a fused SELECT. These check that waiting
//! changes nothing a reader of the chain could see. `numbers` holds num 0..=9 with
//! id = num + 1 and other_num = 10 − num.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;

fn num() -> Expr {
    Expr::col("num")
}

/// `num` of the rows of `$set` and of `$set.keep_branches()`, each sorted.
macro_rules! both_plans {
    ($pool:expr, $set:expr) => {{
        let mut fused = nums!($pool, $set.clone());
        let mut kept = nums!($pool, $set.clone().keep_branches());
        fused.sort_unstable();
        kept.sort_unstable();
        (fused, kept)
    }};
}

// A filter on branches whose columns cannot be matched by position is applied to the
// combined rows. An ordering written before that filter must still order the result.
engines!(
    ordering_before_a_filter_on_unmatched_branches_survives,
    |pool, engine| {
        let t = numbers(pool).await;
        let adopted = |low: i32, high: i32| {
            QuerySet::from_select(
                sea_query::Query::select()
                    .columns(["id", "num", "other_num"])
                    .from(t.clone())
                    .and_where(num().between(low, high))
                    .to_owned(),
            )
        };
        let union = (adopted(0, 2) | adopted(6, 9)).order_by("num", Order::Desc);
        let filtered = union.filter(num().gte(1));
        assert_eq!(
            nums!(pool, filtered.clone()),
            [9, 8, 7, 6, 2, 1],
            "{engine:?}"
        );
        assert_eq!(nums!(pool, filtered.clone().limit(2)), [9, 8], "{engine:?}");
        assert_eq!(filtered.count(pool).await.unwrap(), 6, "{engine:?}");
    }
);

// `(A ∪ B).filter(p) ∪ C` flattens into one union; p must stay on A and B.
engines!(a_nested_filter_stays_on_its_own_branches, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).primary_key("id").filter(p);
    let union = (n(num().lte(2)) | n(num().gte(8))).filter(num().gte(1)) | n(num().eq(0));
    assert_eq!(
        both_plans!(pool, union),
        (vec![0, 1, 2, 8, 9], vec![0, 1, 2, 8, 9]),
        "{engine:?}"
    );
    assert_eq!(union.count(pool).await.unwrap(), 5, "{engine:?}");
    // The same for an intersection: 0 is in all three branches, and the filter removes it
    // only from the first two.
    let both = (n(num().lte(5)) & n(num().lte(7))).filter(num().gte(1)) & n(num().lte(3));
    assert_eq!(
        both_plans!(pool, both),
        (vec![1, 2, 3], vec![1, 2, 3]),
        "{engine:?}"
    );
});

// A difference filtered on a column it does not output: had the filter been pushed when
// written it would go into the first branch only. The fused plan ANDs it once, which keeps
// the same rows.
engines!(
    a_difference_filtered_on_a_hidden_column_keeps_its_rows,
    |pool, engine| {
        let t = numbers(pool).await;
        let n = |p: Expr| {
            QuerySet::table(t.clone())
                .primary_key("id")
                .columns(["id", "num"])
                .filter(p)
        };
        // {0..=6} − {4..=9} = {0..=3}; other_num >= 8 keeps num <= 2.
        let difference = (n(num().lte(6)) - n(num().gte(4))).filter(Expr::col("other_num").gte(8));
        let plan = difference.explain(Dialect::Sqlite).unwrap();
        assert!(plan.contains("branches fused into one SELECT"), "{plan}");
        let rows = |set: DelayedDifference| async move {
            let mut rows: Vec<(i32, i32)> = set.fetch_all(pool).await.unwrap();
            rows.sort_unstable();
            rows.into_iter().map(|(_, num)| num).collect::<Vec<_>>()
        };
        assert_eq!(rows(difference.clone()).await, [0, 1, 2], "{engine:?}");
        assert_eq!(
            rows(difference.clone().keep_branches()).await,
            [0, 1, 2],
            "{engine:?}"
        );
        assert_eq!(difference.count(pool).await.unwrap(), 3, "{engine:?}");
    }
);

// Counting a keyed union with later filters (MySQL counts it as a union of keys): the keys
// must be those of the filtered rows.
engines!(a_filtered_union_counts_its_filtered_rows, |pool, engine| {
    let t = numbers(pool).await;
    let n = |p: Expr| QuerySet::table(t.clone()).primary_key("id").filter(p);
    let union = (n(num().lte(4)) | n(num().gte(3)))
        .filter(num().gte(2))
        .exclude(num().eq(7));
    assert_eq!(union.count(pool).await.unwrap(), 7, "{engine:?}");
    assert_eq!(
        both_plans!(pool, union),
        (vec![2, 3, 4, 5, 6, 8, 9], vec![2, 3, 4, 5, 6, 8, 9]),
        "{engine:?}"
    );
});
