//! Set-valued columns (comma-separated text) on every engine, against one fixture:
//! `'' | a | a,b | a,b,c | b,c | c,b | NULL | bb,ab | A,b` (ids 1 to 9).
//!
//! The cases are django-mysql's own set-field tests (contains, len, `SetF` add and remove),
//! with the rows the semantics give: whole members only (`b` is not in `bb,ab`), exact bytes
//! on every engine (`a` is not in `A,b`, MariaDB included), NULL kept by `exclude` and
//! dropped by `filter`, and updates computed in the database. `set_field_values.rs` has the
//! `CommaSet` codec, validation on save, and the race of 16 updating tasks.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Error, set_add, set_contains, set_len, set_remove};

/// The fixture, by id from 1.
const TAGS: [Option<&str>; 9] = [
    Some(""),
    Some("a"),
    Some("a,b"),
    Some("a,b,c"),
    Some("b,c"),
    Some("c,b"),
    None,
    Some("bb,ab"),
    Some("A,b"),
];

type Row = (i32, Option<String>);

/// A table holding the fixture in `tags`, with a second set column `tags2` (`x,y` on every
/// row) and a member column `extra` (`e`, NULL on odd ids).
async fn fixture<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("sets");
    let rows: Vec<String> = (1..)
        .zip(TAGS)
        .map(|(id, tags)| {
            let tags = tags.map_or("NULL".to_owned(), |tags| format!("'{tags}'"));
            let extra = if id % 2 == 0 { "'e'" } else { "NULL" };
            format!("({id}, {tags}, 'x,y', {extra})")
        })
        .collect();
    exec(
        pool,
        format!(
            "CREATE TABLE {t} (id INTEGER PRIMARY KEY, tags VARCHAR(64), tags2 VARCHAR(64), \
             extra VARCHAR(16))"
        ),
    )
    .await;
    exec(pool, format!("INSERT INTO {t} VALUES {}", rows.join(", "))).await;
    t
}

fn sets(t: &str) -> QuerySet {
    QuerySet::table(t.to_owned()).primary_key("id")
}

/// The fixture's rows with these ids, as the database holds them.
fn fixture_rows(ids: &[i32]) -> Vec<Row> {
    ids.iter()
        .map(|&id| {
            (
                id,
                TAGS[usize::try_from(id - 1).expect("ids start at 1")].map(str::to_owned),
            )
        })
        .collect()
}

/// `(id, tags)` of a set's rows, by id.
macro_rules! rows {
    ($pool:expr, $set:expr) => {{
        let mut rows: Vec<Row> = $set.columns(["id", "tags"]).fetch_all($pool).await.unwrap();
        rows.sort();
        rows
    }};
}

/// Every row's `tags` after an update, by id.
macro_rules! tags_after {
    ($pool:expr, $t:expr) => {{
        let rows: Vec<Row> = rows!($pool, sets($t));
        rows.into_iter().map(|(_, tags)| tags).collect::<Vec<_>>()
    }};
}

fn owned(tags: [Option<&str>; 9]) -> Vec<Option<String>> {
    tags.into_iter().map(|t| t.map(str::to_owned)).collect()
}

engines!(
    contains_matches_whole_members_as_exact_bytes,
    |pool, engine| {
        let t = fixture(pool).await;
        let cases: [(&str, &[i32]); 9] = [
            ("a", &[2, 3, 4]),
            // Not `bb,ab`; and `A,b` holds `b`.
            ("b", &[3, 4, 5, 6, 9]),
            ("c", &[4, 5, 6]),
            // Case-sensitive everywhere: `A` only in `A,b`, `a` not there.
            ("A", &[9]),
            ("B", &[]),
            ("bb", &[8]),
            ("ab", &[8]),
            // Trailing spaces count (MariaDB's PAD SPACE collations would ignore them).
            ("b ", &[]),
            ("clean", &[]),
        ];
        for (member, ids) in cases {
            let found = rows!(pool, sets(&t).filter(set_contains("tags", member)));
            assert_eq!(found, fixture_rows(ids), "{engine:?} contains {member:?}");
        }
    }
);

engines!(
    lookups_combine_with_and_or_and_exclude_keeps_null,
    |pool, engine| {
        let t = fixture(pool).await;
        let has = |m: &str| set_contains("tags", m.to_owned());
        let both = sets(&t).filter(has("a").and(has("b")));
        assert_eq!(rows!(pool, both), fixture_rows(&[3, 4]), "{engine:?}");
        let either = sets(&t).filter(has("a").or(has("clean")));
        assert_eq!(rows!(pool, either), fixture_rows(&[2, 3, 4]), "{engine:?}");
        let chained = sets(&t).filter(has("b")).filter(has("c"));
        assert_eq!(rows!(pool, chained), fixture_rows(&[4, 5, 6]), "{engine:?}");
        // The NULL row (7) is never a match, so every exclusion keeps it.
        let not_clean = sets(&t).exclude(has("clean"));
        assert_eq!(
            rows!(pool, not_clean),
            fixture_rows(&[1, 2, 3, 4, 5, 6, 7, 8, 9])
        );
        let not_b = sets(&t).exclude(has("b"));
        assert_eq!(
            rows!(pool, not_b),
            fixture_rows(&[1, 2, 7, 8]),
            "{engine:?}"
        );
        let not_a = sets(&t).exclude(has("a"));
        assert_eq!(
            rows!(pool, not_a),
            fixture_rows(&[1, 5, 6, 7, 8, 9]),
            "{engine:?}"
        );
        let neither = sets(&t).exclude(has("a").or(has("c")));
        assert_eq!(
            rows!(pool, neither),
            fixture_rows(&[1, 7, 8, 9]),
            "{engine:?}"
        );
    }
);

engines!(len_counts_members_and_is_null_for_null, |pool, engine| {
    let t = fixture(pool).await;
    let cases: [(Expr, &[i32]); 6] = [
        (set_len("tags").eq(0), &[1]),
        (set_len("tags").eq(1), &[2]),
        (set_len("tags").eq(2), &[3, 5, 6, 8, 9]),
        (set_len("tags").eq(3), &[4]),
        (set_len("tags").gte(0), &[1, 2, 3, 4, 5, 6, 8, 9]),
        (set_len("tags").gte(1), &[2, 3, 4, 5, 6, 8, 9]),
    ];
    for (i, (condition, ids)) in cases.into_iter().enumerate() {
        let found = rows!(pool, sets(&t).filter(condition));
        assert_eq!(found, fixture_rows(ids), "{engine:?} case {i}");
    }
    // The NULL row's length is NULL: not 2, so `exclude` keeps it.
    let not_two = sets(&t).exclude(set_len("tags").eq(2));
    assert_eq!(
        rows!(pool, not_two),
        fixture_rows(&[1, 2, 4, 7]),
        "{engine:?}"
    );
    // As a computed column, filtered after the fact.
    let counted = sets(&t)
        .column_as(set_len("tags"), "n")
        .filter(Expr::col("n").gt(2));
    assert_eq!(rows!(pool, counted), fixture_rows(&[4]), "{engine:?}");
});

engines!(
    lookups_reach_the_branches_of_combined_sets,
    |pool, engine| {
        let t = fixture(pool).await;
        let low = || sets(&t).filter(Expr::col("id").lte(4));
        let high = || sets(&t).filter(Expr::col("id").gte(6));
        let b = || set_contains("tags", "b");
        let union = (low() | high()).filter(b());
        assert_eq!(
            rows!(pool, union),
            fixture_rows(&[3, 4, 6, 9]),
            "{engine:?}"
        );
        let kept = (low() | high()).keep_branches().exclude(b());
        assert_eq!(rows!(pool, kept), fixture_rows(&[1, 2, 7, 8]), "{engine:?}");
        let difference = (sets(&t) - sets(&t).filter(set_contains("tags", "c"))).filter(b());
        assert_eq!(rows!(pool, difference), fixture_rows(&[3, 9]), "{engine:?}");
        let intersection =
            (low() & sets(&t).filter(set_len("tags").gte(2))).exclude(set_contains("tags", "c"));
        assert_eq!(rows!(pool, intersection), fixture_rows(&[3]), "{engine:?}");

        // Two tables whose set columns have different names: the filter on the combined rows
        // is renamed into each branch.
        let u = unique("labels");
        exec(
            pool,
            format!("CREATE TABLE {u} (id INTEGER PRIMARY KEY, labels VARCHAR(64))"),
        )
        .await;
        exec(
            pool,
            format!("INSERT INTO {u} VALUES (20, 'b'), (21, 'bb'), (22, NULL)"),
        )
        .await;
        let both = QuerySet::table(t.clone()).columns(["id", "tags"])
            | QuerySet::table(u.clone()).columns(["id", "labels"]);
        let mut found: Vec<Row> = both.clone().filter(b()).fetch_all(pool).await.unwrap();
        found.sort();
        let mut expected = fixture_rows(&[3, 4, 5, 6, 9]);
        expected.push((20, Some("b".into())));
        assert_eq!(found, expected, "{engine:?}");
        let mut outside: Vec<Row> = both.exclude(b()).fetch_all(pool).await.unwrap();
        outside.sort();
        let mut expected = fixture_rows(&[1, 2, 7, 8]);
        expected.extend([(21, Some("bb".into())), (22, None)]);
        assert_eq!(outside, expected, "{engine:?}");
    }
);

engines!(
    add_and_remove_are_computed_in_the_database,
    |pool, engine| {
        let t = fixture(pool).await;
        sets(&t)
            .update(pool, [("tags", set_add("tags", "b"))])
            .await
            .unwrap();
        let added = [
            Some("b"),
            Some("a,b"),
            Some("a,b"),
            Some("a,b,c"),
            Some("b,c"),
            Some("c,b"),
            Some("b"),
            Some("bb,ab,b"),
            Some("A,b"),
        ];
        assert_eq!(tags_after!(pool, &t), owned(added), "{engine:?} add b");
        // Adding again keeps one copy.
        let matched = sets(&t)
            .update(pool, [("tags", set_add("tags", "b"))])
            .await
            .unwrap();
        assert_eq!(matched, 9, "{engine:?}");
        assert_eq!(
            tags_after!(pool, &t),
            owned(added),
            "{engine:?} add b twice"
        );

        let t = fixture(pool).await;
        sets(&t)
            .update(pool, [("tags", set_add("tags", "a"))])
            .await
            .unwrap();
        let added = [
            Some("a"),
            Some("a"),
            Some("a,b"),
            Some("a,b,c"),
            Some("b,c,a"),
            Some("c,b,a"),
            Some("a"),
            Some("bb,ab,a"),
            // `A` is not `a`.
            Some("A,b,a"),
        ];
        assert_eq!(tags_after!(pool, &t), owned(added), "{engine:?} add a");

        let t = fixture(pool).await;
        sets(&t)
            .update(pool, [("tags", set_remove("tags", "b"))])
            .await
            .unwrap();
        let removed = [
            Some(""),
            Some("a"),
            Some("a"),
            Some("a,c"),
            Some("c"),
            Some("c"),
            None,
            Some("bb,ab"),
            Some("A"),
        ];
        assert_eq!(tags_after!(pool, &t), owned(removed), "{engine:?} remove b");
        sets(&t)
            .update(pool, [("tags", set_remove("tags", "a"))])
            .await
            .unwrap();
        let removed = [
            Some(""),
            // The last member: the empty set.
            Some(""),
            Some(""),
            Some("c"),
            Some("c"),
            Some("c"),
            None,
            Some("bb,ab"),
            Some("A"),
        ];
        assert_eq!(
            tags_after!(pool, &t),
            owned(removed),
            "{engine:?} then remove a"
        );
    }
);

engines!(
    updates_run_through_combined_sets_and_on_two_fields,
    |pool, engine| {
        let t = fixture(pool).await;
        let low = sets(&t).filter(Expr::col("id").lte(3));
        let high = sets(&t).filter(Expr::col("id").gte(8));
        // Fused or kept as a UNION, the rows are 1, 2, 3, 8 and 9.
        let matched = (low.clone() | high.clone())
            .update(pool, [("tags", set_add("tags", "z"))])
            .await
            .unwrap();
        assert_eq!(matched, 5, "{engine:?}");
        let kept = (low | high)
            .keep_branches()
            .filter(set_contains("tags", "b"));
        let matched = kept
            .update(
                pool,
                [
                    ("tags", set_remove("tags", "z")),
                    ("tags2", set_add("tags2", "w")),
                ],
            )
            .await
            .unwrap();
        assert_eq!(matched, 2, "{engine:?}");
        let expected = [
            Some("z"),
            Some("a,z"),
            Some("a,b"),
            Some("a,b,c"),
            Some("b,c"),
            Some("c,b"),
            None,
            Some("bb,ab,z"),
            Some("A,b"),
        ];
        assert_eq!(tags_after!(pool, &t), owned(expected), "{engine:?}");
        let second: Vec<(i32, String)> = sets(&t)
            .columns(["id", "tags2"])
            .filter(set_contains("tags2", "w"))
            .order_by("id", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        assert_eq!(
            second,
            [(3, "x,y,w".into()), (9, "x,y,w".into())],
            "{engine:?}"
        );

        // A member computed in the database (`extra`, NULL on odd ids, which change nothing).
        let t = fixture(pool).await;
        sets(&t)
            .update(pool, [("tags", set_add("tags", Expr::col("extra")))])
            .await
            .unwrap();
        let expected = [
            Some(""),
            Some("a,e"),
            Some("a,b"),
            Some("a,b,c,e"),
            Some("b,c"),
            Some("c,b,e"),
            None,
            Some("bb,ab,e"),
            Some("A,b"),
        ];
        assert_eq!(
            tags_after!(pool, &t),
            owned(expected),
            "{engine:?} add extra"
        );
        let holding_extra = sets(&t).filter(set_contains("tags", Expr::col("extra")));
        let expected: Vec<Row> = [(2, "a,e"), (4, "a,b,c,e"), (6, "c,b,e"), (8, "bb,ab,e")]
            .map(|(id, tags)| (id, Some(tags.to_owned())))
            .into();
        assert_eq!(rows!(pool, holding_extra), expected, "{engine:?}");
        sets(&t)
            .update(pool, [("tags", set_remove("tags", Expr::col("extra")))])
            .await
            .unwrap();
        // Removing what was added gives the fixture back.
        assert_eq!(
            tags_after!(pool, &t),
            owned(TAGS),
            "{engine:?} remove extra"
        );
        let with_extra = sets(&t).filter(set_contains("tags", Expr::col("extra")));
        assert_eq!(rows!(pool, with_extra), fixture_rows(&[]), "{engine:?}");
    }
);

engines!(
    bad_lookup_members_are_errors_and_nothing_is_sent,
    |pool, engine| {
        let t = fixture(pool).await;
        let closed = pool.clone();
        closed.close().await;
        let two = Expr::tuple([Expr::val("a"), Expr::val("b")]);
        let collection = sets(&t).filter(set_contains("tags", two.clone()));
        assert!(
            matches!(
                collection.count(&closed).await,
                Err(Error::NotOneSetMember { function: "set_contains", found }) if found == "a collection of 2 values"
            ),
            "{engine:?}"
        );
        let comma = (sets(&t) | sets(&t)).exclude(set_contains("tags", "a,b"));
        assert!(matches!(
            comma.count(&closed).await,
            Err(Error::SetMemberComma { .. })
        ));
        let update = sets(&t)
            .update(&closed, [("tags", set_add("tags", two))])
            .await;
        assert!(matches!(
            update,
            Err(Error::NotOneSetMember {
                function: "set_add",
                ..
            })
        ));
        let update = sets(&t)
            .update(&closed, [("tags", set_remove("tags", ""))])
            .await;
        assert!(matches!(update, Err(Error::SetMemberEmpty)), "{engine:?}");
        let none = Expr::val(Option::<String>::None);
        let update = sets(&t)
            .update(&closed, [("tags", set_add("tags", none))])
            .await;
        assert!(matches!(update, Err(Error::NotOneSetMember { found, .. }) if found == "NULL"));
    }
);
