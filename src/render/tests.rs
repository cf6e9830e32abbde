//! SQL-text checks for the dialect quirks `render` exists to handle.

use sea_query::{Expr, ExprTrait, Order};

use crate::Error;
use crate::prelude::*;
use crate::query::sealed::Sealed;

fn n(v: i32) -> QuerySet {
    QuerySet::table("t").filter(Expr::col("n").eq(v))
}

#[test]
fn offset_without_limit_gets_a_limit_where_the_engine_needs_one() {
    let set = QuerySet::table("t").order_by("n", Order::Asc).offset(5);
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "n" ASC NULLS FIRST OFFSET 5"#
    );
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "n" ASC LIMIT 9223372036854775807 OFFSET 5"#
    );
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        "SELECT * FROM `t` ORDER BY `n` ASC LIMIT 9223372036854775807 OFFSET 5"
    );
}

#[test]
fn a_sliced_first_member_never_slices_the_whole_compound() {
    let set = n(1).order_by("n", Order::Asc).limit(1) | n(2);
    for dialect in Dialect::ALL {
        let sql = set.to_sql(dialect).unwrap();
        assert!(sql.starts_with("SELECT * FROM (SELECT"), "{dialect}: {sql}");
        assert!(!sql.ends_with("LIMIT 1"), "{dialect}: {sql}");
    }
}

#[test]
fn an_unsliced_branch_loses_its_meaningless_order() {
    let set = (n(1).order_by("n", Order::Desc) | n(2)).keep_branches();
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "t" WHERE "n" = 1 UNION (SELECT * FROM "t" WHERE "n" = 2)"#
    );
}

#[test]
fn a_sliced_ordered_projection_breaks_ties_by_its_output_columns() {
    let set = (QuerySet::table("t").columns(["a", "b"]) | QuerySet::table("u").columns(["a", "b"]))
        .order_by("b", Order::Desc)
        .limit(10);
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT "a", "b" FROM "t" UNION SELECT "a", "b" FROM "u" ORDER BY "b" DESC, "a" DESC LIMIT 10"#
    );
    // Paged, each branch is made distinct first, so that its ten rows are ten different
    // rows of the union.
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM (SELECT DISTINCT "a", "b" FROM "t" ORDER BY "b" DESC NULLS LAST, "a" DESC NULLS LAST LIMIT 10) AS "m1" UNION (SELECT DISTINCT "a", "b" FROM "u" ORDER BY "b" DESC NULLS LAST, "a" DESC NULLS LAST LIMIT 10) ORDER BY "b" DESC NULLS LAST, "a" DESC NULLS LAST LIMIT 10"#
    );
    let keyed = QuerySet::table("t")
        .primary_key("id")
        .order_by("b", Order::Asc)
        .limit(3);
    assert_eq!(
        keyed.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT * FROM "t" ORDER BY "b" ASC, "id" ASC LIMIT 3"#
    );
}

#[test]
fn counting_a_plain_set_counts_in_place() {
    let plain = super::render_count(
        QuerySet::table("t")
            .order_by("n", Order::Asc)
            .filter(Expr::col("n").gt(1))
            .node(),
        &Capabilities::new(Dialect::Postgres),
        None,
    )
    .unwrap();
    assert_eq!(
        plain.to_string(Dialect::Postgres),
        r#"SELECT COUNT(*) FROM "t" WHERE "n" > 1"#
    );
    let union = super::render_count(
        (n(1) | n(2)).order_by("n", Order::Asc).node(),
        &Capabilities::new(Dialect::Sqlite),
        None,
    )
    .unwrap();
    assert_eq!(
        union.to_string(Dialect::Sqlite),
        r#"SELECT COUNT(*) FROM (SELECT DISTINCT * FROM "t" WHERE "n" IN (1, 2)) AS "t1""#
    );
    let keyed = |v: i32| {
        QuerySet::table("t")
            .primary_key("id")
            .filter(Expr::col("n").eq(v))
    };
    let fused_keyed = super::render_count(
        (keyed(1) | keyed(2)).node(),
        &Capabilities::new(Dialect::Sqlite),
        None,
    )
    .unwrap();
    assert_eq!(
        fused_keyed.to_string(Dialect::Sqlite),
        r#"SELECT COUNT(*) FROM "t" WHERE "n" IN (1, 2)"#
    );
}

#[test]
fn the_empty_set_prints_as_sql_that_returns_nothing() {
    for dialect in Dialect::ALL {
        let sql = (n(1) & QuerySet::none()).to_sql(dialect).unwrap();
        assert_eq!(sql, "SELECT NULL WHERE 1 = 0", "{dialect}");
    }
}

#[test]
fn reversing_an_ordering_by_a_value_list_is_unsupported() {
    let values = sea_query::Values(vec![3.into(), 1.into()]);
    let set = QuerySet::table("t").order_by("n", Order::Field(values));
    let reversed = QuerySet::from_node(set.node().clone().reverse_order());
    assert!(matches!(
        reversed.to_sql(Dialect::MySql),
        Err(Error::Unsupported {
            dialect: Dialect::MySql,
            ..
        })
    ));
}

/// The short plan every execution's span carries, for the shapes it must tell apart.
#[test]
fn the_plan_note_tells_the_planners_decisions_in_one_line() {
    fn note(set: &impl Sealed, dialect: Dialect) -> String {
        let mut plan = super::PlanNote::default();
        super::render_noting(set.node(), &Capabilities::new(dialect), Some(&mut plan)).unwrap();
        plan.to_string()
    }
    let keyed = |v: i32| {
        QuerySet::table("t")
            .primary_key("id")
            .filter(Expr::col("n").eq(v))
    };
    assert_eq!(note(&QuerySet::table("t"), Dialect::Sqlite), "plain select");
    assert_eq!(
        note(&(keyed(1) | keyed(2) | keyed(3)), Dialect::Sqlite),
        "fused 3 branches"
    );
    let kept = (n(1) | n(2)).keep_branches();
    assert_eq!(
        note(
            &kept.clone().filter(Expr::col("m").eq(0)),
            Dialect::Postgres
        ),
        "union of 2; 1 filter pushed into 2 branches"
    );
    // Each decision once, counted; nested operators in the order they nest.
    let c = |v: i32| n(v).columns(["n"]);
    let nested = (c(1) | c(2)).keep_branches() & (c(3) | c(4)).keep_branches();
    assert_eq!(
        note(&nested, Dialect::Postgres),
        "intersection of 2; union of 2 (x2)"
    );
    let older = Capabilities::new(Dialect::MySql).with_server_version("10.2.44-MariaDB");
    let mut plan = super::PlanNote::default();
    super::render_noting(nested.node(), &older, Some(&mut plan)).unwrap();
    assert_eq!(
        plan.to_string(),
        "intersection of 2, emulated with EXISTS; union of 2 (x2)"
    );
    // A set read by a filter is planned where it is rendered, and noted there.
    let owners = |v: i32| n(v).columns(["owner"]);
    let nested_in = QuerySet::table("u").filter_in("owner", &(owners(1) & owners(2)));
    assert_eq!(
        note(&nested_in, Dialect::Sqlite),
        "filter reads a set (intersection of 2)"
    );
}

#[test]
fn explain_says_which_terms_carry_a_nulls_clause() {
    let ranked = QuerySet::table("events")
        .primary_key("id")
        .not_null(["created"])
        .order_by("rank", Order::Desc)
        .order_by("created", Order::Desc)
        .limit(5);
    let plan = ranked.explain(Dialect::Postgres).unwrap();
    assert!(
        plan.contains("- ordered by rank DESC NULLS LAST: rank may hold NULL; an index on (rank DESC NULLS LAST) serves it"),
        "{plan}"
    );
    assert!(!plan.contains("ordered by created"), "{plan}");
    assert!(
        plan.ends_with(
            r#"ORDER BY "rank" DESC NULLS LAST, "created" DESC, "id" DESC LIMIT 5
"#
        ),
        "{plan}"
    );
    // The other engines put NULLs there without a clause.
    assert!(!ranked.explain(Dialect::MySql).unwrap().contains("NULLS"));
}

#[test]
fn a_first_page_writes_its_limit_in_and_a_deep_page_binds_both() {
    let newest = QuerySet::table("t")
        .primary_key("id")
        .filter(Expr::col("kind").eq(3))
        .order_by("id", Order::Desc);
    let (sql, values) = newest.clone().limit(20).build(Dialect::Postgres).unwrap();
    assert_eq!(
        sql,
        r#"SELECT * FROM "t" WHERE "kind" = $1 ORDER BY "id" DESC LIMIT 20"#
    );
    assert_eq!(values.0.len(), 1);
    let (sql, values) = newest
        .offset(40)
        .limit(20)
        .build(Dialect::Postgres)
        .unwrap();
    assert_eq!(
        sql,
        r#"SELECT * FROM "t" WHERE "kind" = $1 ORDER BY "id" DESC LIMIT $2 OFFSET $3"#
    );
    assert_eq!(values.0.len(), 3);
}
