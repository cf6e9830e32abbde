//! The SQL the planner writes for later filters on fused combinations, and for pages of
//! unions on each engine.

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
fn a_sliced_union_takes_the_shape_its_engine_reads_fastest() {
    let union = || items().filter(col("category").eq(3)) | items().filter(col("owner_id").eq(4));
    let set = union()
        .filter(col("status").eq("open"))
        .order_by("score", Order::Desc)
        .limit(20);
    // SQLite merges branches read in order when the compound itself is ordered.
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "items" WHERE "category" = 3 AND "status" = 'open' UNION SELECT * FROM "items" WHERE "owner_id" = 4 AND "status" = 'open' ORDER BY "score" DESC, "id" DESC LIMIT 20"#
    );
    // PostgreSQL and MySQL page each branch: the whole order and the page's rows in each.
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM (SELECT * FROM "items" WHERE "category" = 3 AND "status" = 'open' ORDER BY "score" DESC NULLS LAST, "id" DESC LIMIT 20) AS "m1" UNION (SELECT * FROM "items" WHERE "owner_id" = 4 AND "status" = 'open' ORDER BY "score" DESC NULLS LAST, "id" DESC LIMIT 20) ORDER BY "score" DESC NULLS LAST, "id" DESC LIMIT 20"#
    );
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM (SELECT * FROM `items` WHERE `category` = 3 AND `status` = 'open' ORDER BY `score` DESC, `id` DESC LIMIT 20) AS `m1` UNION (SELECT * FROM `items` WHERE `owner_id` = 4 AND `status` = 'open' ORDER BY `score` DESC, `id` DESC LIMIT 20) ORDER BY `score` DESC, `id` DESC LIMIT 20"
    );
    let plan = set.explain(Dialect::MySql).unwrap();
    assert!(plan.contains(super::branch_pages::PAGED), "{plan}");

    // Under a range on the leading ordering column, MySQL walks that column's index in one
    // SELECT; the others keep their shapes.
    let ranged = union()
        .filter(col("score").lt(900))
        .order_by("score", Order::Desc)
        .limit(20);
    assert_eq!(
        ranged.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM `items` WHERE (`category` = 3 OR `owner_id` = 4) AND `score` < 900 ORDER BY `score` DESC, `id` DESC LIMIT 20"
    );
    let plan = ranged.explain(Dialect::MySql).unwrap();
    assert!(
        plan.contains("filters on the combined rows applied to the fused SELECT"),
        "{plan}"
    );
    assert!(ranged.to_sql(Dialect::Postgres).unwrap().contains(
        r#"AND "score" < 900 ORDER BY "score" DESC NULLS LAST, "id" DESC LIMIT 20) AS "m1""#
    ));
    // An unsliced union is fused everywhere: nothing is gained by paging it.
    assert_eq!(
        union()
            .order_by("score", Order::Desc)
            .to_sql(Dialect::Postgres)
            .unwrap(),
        r#"SELECT * FROM "items" WHERE "category" = 3 OR "owner_id" = 4 ORDER BY "score" DESC NULLS LAST"#
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
        sql.starts_with(r#"SELECT * FROM (SELECT * FROM "items" WHERE "category" = 3 UNION SELECT * FROM "items" WHERE "owner_id" = 4 ORDER BY"#),
        "{sql}"
    );
    // The window's whole order, the tie-breaker that chose it included, still orders what
    // is left of it.
    assert!(
        sql.ends_with(r#"WHERE "status" = 'open' ORDER BY "score" DESC, "id" DESC"#),
        "{sql}"
    );
}
