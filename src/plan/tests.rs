//! The SQL the planner writes for later filters on fused combinations.

use sea_query::{Expr, ExprTrait, Order};

use crate::prelude::*;

fn items() -> QuerySet {
    QuerySet::table("items").primary_key("id")
}

fn col(name: &'static str) -> Expr {
    Expr::col(name)
}

#[test]
fn a_later_filter_is_anded_once_and_not_into_the_subtracted_branch() {
    let set = ((items().filter(col("category").lt(20)) & items().filter(col("owner_id").lt(5)))
        - items().filter(col("status").eq("archived")))
    .filter(col("score").gt(500));
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "items" WHERE "category" < 20 AND "owner_id" < 5 AND ("status" = 'archived') IS NOT TRUE AND "score" > 500"#
    );
    // As written, the filter goes into every branch, the subtracted one included.
    let kept = set.keep_branches().to_sql(Dialect::Sqlite).unwrap();
    assert!(
        kept.contains(
            r#"EXCEPT SELECT * FROM "items" WHERE "status" = 'archived' AND "score" > 500"#
        ),
        "{kept}"
    );
}

#[test]
fn nested_unions_fuse_under_an_intersection_with_one_exclude() {
    let set = ((items().filter(col("category").eq(5)) | items().filter(col("category").eq(6)))
        & (items().filter(col("owner_id").lt(2)) | items().filter(col("score").lt(9))))
    .exclude(col("status").eq("closed"));
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "items" WHERE "category" IN (5, 6) AND ("owner_id" < 2 OR "score" < 9) AND ("status" = 'closed') IS NOT TRUE"#
    );
}

#[test]
fn a_sliced_union_with_later_filters_fuses() {
    let set = (items().filter(col("category").eq(3)) | items().filter(col("owner_id").eq(4)))
        .filter(col("status").eq("open"))
        .order_by("score", Order::Desc)
        .limit(20);
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM `items` WHERE (`category` = 3 OR `owner_id` = 4) AND `status` = 'open' ORDER BY `score` DESC, `id` DESC LIMIT 20"
    );
    let plan = set.explain(Dialect::MySql).unwrap();
    assert!(
        plan.contains("filters on the combined rows applied to the fused SELECT"),
        "{plan}"
    );
}

#[test]
fn a_filter_after_the_slice_stays_outside_it() {
    let set = (items().filter(col("category").eq(3)) | items().filter(col("owner_id").eq(4)))
        .order_by("score", Order::Desc)
        .limit(20)
        .filter(col("status").eq("open"));
    let sql = set.to_sql(Dialect::Sqlite).unwrap();
    assert!(
        sql.starts_with(r#"SELECT * FROM (SELECT * FROM "items" WHERE "category" = 3 OR "owner_id" = 4 ORDER BY"#),
        "{sql}"
    );
    // The window's whole order, the tie-breaker that chose it included, still orders what
    // is left of it.
    assert!(
        sql.ends_with(r#"WHERE "status" = 'open' ORDER BY "score" DESC, "id" DESC"#),
        "{sql}"
    );
}
