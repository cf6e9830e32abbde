//! Unit tests of the comma-separated set codec and of the SQL the set-field functions become.

#![allow(clippy::unwrap_used)]

use sea_query::{Expr, ExprTrait};

use super::{CommaSet, Member, SetFunction, member, set_add, set_contains, set_len};
use crate::error::Error;
use crate::{DelayedUnion, Dialect, QueryChain, QuerySet};

fn strings<const N: usize, const L: usize>(members: &[&str]) -> CommaSet<String, N, L> {
    members.iter().map(|m| (*m).to_owned()).collect()
}

#[test]
fn text_is_the_members_in_order_and_empty_for_the_empty_set() {
    let set: CommaSet<String> = strings(&["b", "a", "c", "a"]);
    assert_eq!(set.to_text().unwrap(), "a,b,c");
    assert_eq!(CommaSet::<String>::new().to_text().unwrap(), "");
    let numbers: CommaSet<i32> = [10, -2, 3].into_iter().collect();
    assert_eq!(numbers.to_text().unwrap(), "-2,3,10");
    assert_eq!(
        numbers.to_value().unwrap(),
        sea_query::Value::from("-2,3,10")
    );
}

#[test]
fn a_member_with_a_comma_or_an_empty_member_is_refused() {
    let comma: CommaSet<String> = strings(&["co,mma", "contained"]);
    assert!(matches!(
        comma.to_text(),
        Err(Error::SetMemberComma { member }) if member == "co,mma"
    ));
    let empty: CommaSet<String> = strings(&[""]);
    assert!(matches!(empty.validate(), Err(Error::SetMemberEmpty)));
    assert!(matches!(empty.to_expr(), Err(Error::SetMemberEmpty)));
}

#[test]
fn the_declared_limits_are_enforced() {
    // django-mysql's `size=3`: three members pass, four do not.
    let three: CommaSet<String, 3> = strings(&["a", "b", "c"]);
    assert_eq!(three.to_text().unwrap(), "a,b,c");
    let four: CommaSet<String, 3> = strings(&["a", "b", "c", "d"]);
    assert!(matches!(
        four.to_text(),
        Err(Error::SetTooManyMembers { members: 4, max: 3 })
    ));
    // Five characters, commas included, fit a limit of 5 and not of 4; length counts
    // characters, not bytes.
    let fits: CommaSet<String, { usize::MAX }, 5> = strings(&["ab", "cd"]);
    assert_eq!(fits.to_text().unwrap(), "ab,cd");
    let over: CommaSet<String, { usize::MAX }, 4> = strings(&["ab", "cd"]);
    assert!(matches!(
        over.to_text(),
        Err(Error::SetTooLong { length: 5, max: 4 })
    ));
    let wide: CommaSet<String, { usize::MAX }, 3> = strings(&["é", "ü"]);
    assert_eq!(wide.to_text().unwrap(), "é,ü");
}

#[test]
fn parsing_reads_members_and_refuses_text_that_is_no_set() {
    let set = CommaSet::<String>::parse("big,comfy,big").unwrap();
    assert_eq!(
        set.iter().map(String::as_str).collect::<Vec<_>>(),
        ["big", "comfy"]
    );
    assert!(CommaSet::<String>::parse("").unwrap().is_empty());
    let numbers: CommaSet<u16> = "3,1,2".parse().unwrap();
    assert_eq!(
        numbers.into_inner().into_iter().collect::<Vec<_>>(),
        [1, 2, 3]
    );

    let invalid = |result: Result<CommaSet<i64>, Error>| match result {
        Err(Error::InvalidSetText {
            text,
            member_type,
            reason,
        }) => (text, member_type, reason),
        other => panic!("expected InvalidSetText, got {other:?}"),
    };
    let (text, member_type, reason) = invalid(CommaSet::parse("1,,2"));
    assert_eq!((text.as_str(), member_type), ("1,,2", "i64"));
    assert_eq!(reason, "member 2 is empty");
    let (_, _, reason) = invalid(CommaSet::parse("x"));
    assert!(
        reason.starts_with(r#"member "x" does not read as i64"#),
        "{reason}"
    );
    // Text a lookup by 5 would not find is not read as 5.
    let (_, _, reason) = invalid(CommaSet::parse("05"));
    assert_eq!(reason, r#"member "05" is not written as 5 is"#);
    invalid(CommaSet::parse("+5"));
    invalid(CommaSet::parse("1,"));
    assert!(matches!(
        CommaSet::<String>::parse(",a"),
        Err(Error::InvalidSetText { .. })
    ));
    assert!(matches!(
        CommaSet::<u8>::parse("256"),
        Err(Error::InvalidSetText { .. })
    ));
}

#[test]
fn a_member_argument_is_one_text_or_integer_value() {
    let contains = SetFunction::Contains;
    assert_eq!(
        member(contains, &Expr::val("a")).unwrap(),
        Member::Text("a".into())
    );
    assert_eq!(
        member(contains, &Expr::val(42_u64)).unwrap(),
        Member::Text("42".into())
    );
    assert_eq!(
        member(contains, &Expr::col("other")).unwrap(),
        Member::Computed(Expr::col("other"))
    );
    let not_one = |arg: Expr| match member(contains, &arg) {
        Err(Error::NotOneSetMember { function, found }) => {
            assert_eq!(function, "set_contains");
            found
        }
        other => panic!("expected NotOneSetMember, got {other:?}"),
    };
    assert_eq!(
        not_one(Expr::tuple([Expr::val("a"), Expr::val("b")])),
        "a collection of 2 values"
    );
    assert_eq!(
        not_one(Expr::from(vec![sea_query::Value::from(1)])),
        "a collection of 1 values"
    );
    assert_eq!(not_one(Expr::val(Option::<String>::None)), "NULL");
    assert!(not_one(Expr::val(1.5)).starts_with("a value of another type"));
    assert!(matches!(
        member(contains, &Expr::val("a,b")),
        Err(Error::SetMemberComma { member }) if member == "a,b"
    ));
    assert!(matches!(
        member(contains, &Expr::val("")),
        Err(Error::SetMemberEmpty)
    ));
}

#[test]
fn a_sentinel_is_recognised_only_as_itself() {
    let Expr::FunctionCall(call) = set_len("tags") else {
        panic!("set_len is a call");
    };
    assert_eq!(SetFunction::of(&call), Some(SetFunction::Len));
    let Expr::FunctionCall(other) = sea_query::Func::cust("set_len")
        .arg(Expr::col("tags"))
        .into()
    else {
        panic!("a call");
    };
    assert_eq!(SetFunction::of(&other), None);
    assert!(super::holds_function(
        &Expr::col("a").eq(1).and(set_len("tags").gt(2))
    ));
    assert!(!super::holds_function(&Expr::col("a").eq(1)));
}

#[test]
fn bad_members_are_errors_when_rendered_and_in_updates() {
    let posts = QuerySet::table("posts");
    let filtered = posts.clone().filter(set_contains(
        "tags",
        Expr::tuple([Expr::val("a"), Expr::val("b")]),
    ));
    for dialect in Dialect::ALL {
        assert!(matches!(
            filtered.to_sql(dialect),
            Err(Error::NotOneSetMember {
                function: "set_contains",
                ..
            })
        ));
        assert!(matches!(
            posts
                .clone()
                .exclude(set_contains("tags", ""))
                .to_sql(dialect),
            Err(Error::SetMemberEmpty)
        ));
    }
    use crate::Execute;
    assert!(matches!(
        posts.update_sql(Dialect::Postgres, [("tags", set_add("tags", "x,y"))]),
        Err(Error::SetMemberComma { member }) if member == "x,y"
    ));
}

#[test]
fn exclude_keeps_rows_where_the_lookup_is_null() {
    let set = QuerySet::table("posts").exclude(set_contains("tags", "b"));
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "posts" WHERE (string_to_array("tags", ',') @> string_to_array('b', ',')) IS NOT TRUE"#
    );
}

#[test]
fn pushdown_renames_the_column_inside_a_lookup() {
    // Two tables whose set columns have different names: the filter on the combined rows
    // reaches each branch in its own names.
    let posts = QuerySet::table("posts").columns(["id", "tags"]);
    let pages = QuerySet::table("pages").columns(["id", "labels"]);
    let union = DelayedUnion::new([posts, pages]).filter(set_contains("tags", "b"));
    assert_eq!(
        union.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT "id", "tags" FROM "posts" WHERE instr(',' || "tags" || ',', ',' || 'b' || ',') > 0 UNION SELECT "id", "labels" FROM "pages" WHERE instr(',' || "labels" || ',', ',' || 'b' || ',') > 0"#
    );
}

#[test]
fn a_computed_column_can_count_members() {
    let set = QuerySet::table("posts")
        .columns(["id"])
        .column_as(set_len("tags"), "n")
        .filter(Expr::col("n").gte(2));
    assert_eq!(
        set.to_sql(Dialect::MySql).unwrap(),
        r"SELECT `id`, CASE WHEN LENGTH(`tags`) = 0 THEN 0 ELSE CAST(LENGTH(REGEXP_REPLACE(CONCAT(',', CONVERT(`tags` USING utf8mb4) COLLATE utf8mb4_bin, ','), ',([^,]*)(?=,(?:[^,]*,)*\\1,)|[^,]', '')) - 1 AS SIGNED) END AS `n` FROM `posts` WHERE (CASE WHEN LENGTH(`tags`) = 0 THEN 0 ELSE CAST(LENGTH(REGEXP_REPLACE(CONCAT(',', CONVERT(`tags` USING utf8mb4) COLLATE utf8mb4_bin, ','), ',([^,]*)(?=,(?:[^,]*,)*\\1,)|[^,]', '')) - 1 AS SIGNED) END) >= 2"
    );
}

#[test]
fn a_computed_member_is_cast_to_text_and_a_null_one_changes_nothing() {
    use crate::Execute;
    let posts = QuerySet::table("posts");
    assert_eq!(
        posts
            .update_sql(Dialect::Sqlite, [("tags", set_remove_col())])
            .unwrap(),
        r#"UPDATE "posts" SET "tags" = CASE WHEN CAST("old" AS TEXT) IS NULL THEN "tags" ELSE trim(replace(replace(',' || replace("tags", ',', ',,') || ',', ',' || CAST("old" AS TEXT) || ',', ''), ',,', ','), ',') END"#
    );
}

fn set_remove_col() -> Expr {
    super::set_remove("tags", Expr::col("old"))
}

#[test]
fn lookups_combine_and_negate_inside_parentheses() {
    let set = QuerySet::table("posts").filter(
        set_contains("tags", "a")
            .and(set_contains("tags", 2))
            .or(set_contains("tags", "c").not()),
    );
    assert_eq!(
        set.to_sql(Dialect::Postgres).unwrap(),
        r#"SELECT * FROM "posts" WHERE ((string_to_array("tags", ',') @> string_to_array('a', ',')) AND (string_to_array("tags", ',') @> string_to_array('2', ','))) OR (NOT (string_to_array("tags", ',') @> string_to_array('c', ',')))"#
    );
}

#[test]
fn a_column_resolved_to_an_expression_is_parenthesised_inside_the_sql() {
    // A filter on a computed output reads the expression behind it, which goes beside `||`.
    let set = QuerySet::table("posts")
        .column_as(Expr::cust("lower(tags)"), "low")
        .filter(set_contains("low", "b"));
    assert_eq!(
        set.to_sql(Dialect::Sqlite).unwrap(),
        r#"SELECT "posts".*, lower(tags) AS "low" FROM "posts" WHERE instr(',' || (lower(tags)) || ',', ',' || 'b' || ',') > 0"#
    );
}

proptest::proptest! {
    /// Any set of members without a comma reads back from its text as itself.
    #[test]
    fn text_round_trips(members in proptest::collection::btree_set("[^,]{1,6}", 0..8)) {
        let set: CommaSet<String> = members.clone().into();
        let read = CommaSet::<String>::parse(&set.to_text().unwrap()).unwrap();
        proptest::prop_assert_eq!(read.into_inner(), members);
    }

    #[test]
    fn integers_round_trip(members in proptest::collection::btree_set(proptest::num::i64::ANY, 0..8)) {
        let set: CommaSet<i64> = members.clone().into();
        let read: CommaSet<i64> = set.to_text().unwrap().parse().unwrap();
        proptest::prop_assert_eq!(read.into_inner(), members);
    }
}
