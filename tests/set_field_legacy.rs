//! Set columns holding text setql did not write: members repeated in any place, and members
//! that differ only in case, accents or a trailing space. Every lookup and update reads such
//! text as `CommaSet` reads it, on every engine, and `set_len` is one 64-bit integer
//! everywhere.

mod common;

use std::collections::BTreeSet;

use common::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRng, TestRunner};
use sea_query::{ExprTrait, Order};
use setql::prelude::*;
use setql::{CommaSet, set_contains, set_len, set_remove};

/// Members that a case-, accent- or pad-insensitive comparison would confuse.
const MEMBERS: [&str; 7] = ["a", "A", "a ", "b", "ab", "\u{E5}", "a\u{30A}"];

/// Texts of 0 to 6 members drawn from [`MEMBERS`], repeats and all.
fn texts(cases: usize) -> Vec<String> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(Config::default().rng_algorithm),
    );
    let members = proptest::collection::vec(proptest::sample::select(MEMBERS.to_vec()), 0..=6);
    let mut out = vec!["x,a,a,y".to_owned(), "a,a".to_owned()];
    while out.len() < cases {
        let value = members.new_tree(&mut runner).expect("a value").current();
        out.push(value.join(","));
    }
    out
}

/// The set `CommaSet` reads from `text`.
fn model(text: &str) -> BTreeSet<String> {
    CommaSet::<String>::parse(text)
        .expect("members are never empty")
        .into_inner()
}

engines!(
    /// `set_len`, `set_contains` and `set_remove` agree with `CommaSet` on repeated and
    /// look-alike members, and `set_len` reads as `i64`.
    lookups_and_updates_read_text_as_comma_set_does,
    |pool, engine| {
        let t = unique("legacy");
        exec(pool, format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, tags VARCHAR(128))")).await;
        let texts = texts(48);
        let table = || QuerySet::table(t.clone()).primary_key("id");
        for (id, text) in (1_i64..).zip(&texts) {
            let insert = format!(
                "INSERT INTO {t} (id, tags) VALUES ({id}, {})",
                if engine == Engine::Postgres { "$1" } else { "?" }
            );
            // In a transaction, as it must be behind CI's pgbouncer (transaction mode).
            let mut tx = pool.begin().await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(insert))
                .persistent(false)
                .bind(text.clone())
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let lengths: Vec<(i64, i64)> = table()
            .columns(["id"])
            .column_as(set_len("tags"), "n")
            .order_by("id", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        for ((_, n), text) in lengths.iter().zip(&texts) {
            assert_eq!(usize::try_from(*n).unwrap(), model(text).len(), "{engine:?} set_len of {text:?}");
        }
        for member in MEMBERS {
            let mut holding: Vec<i64> = table().filter(set_contains("tags", member)).columns(["id"]).fetch_scalars(pool).await.unwrap();
            holding.sort_unstable();
            let expected: Vec<i64> = (1_i64..).zip(&texts).filter(|(_, text)| model(text).contains(member)).map(|(id, _)| id).collect();
            assert_eq!(holding, expected, "{engine:?} set_contains {member:?}");
        }
        // Remove each member in turn from every row; the text must read as the model's set.
        let mut sets: Vec<BTreeSet<String>> = texts.iter().map(|text| model(text)).collect();
        for member in MEMBERS {
            table().update(pool, [("tags", set_remove("tags", member))]).await.unwrap();
            for set in &mut sets {
                set.remove(member);
            }
            let stored: Vec<(i64, Option<String>)> = table().columns(["id", "tags"]).order_by("id", Order::Asc).fetch_all(pool).await.unwrap();
            for ((_, text), expected) in stored.iter().zip(&sets) {
                let text = text.as_deref().expect("no row is NULL");
                assert_eq!(&model(text), expected, "{engine:?} after removing {member:?}: {text:?}");
            }
        }
        // Only the rows with members outside the list (the first: 'x,a,a,y') have any left.
        let mut left: Vec<i64> = table().filter(set_len("tags").gt(0)).columns(["id"]).fetch_scalars(pool).await.unwrap();
        left.sort_unstable();
        let expected: Vec<i64> = (1_i64..).zip(&sets).filter(|(_, set)| !set.is_empty()).map(|(id, _)| id).collect();
        assert_eq!(left, expected, "{engine:?}");
        assert_eq!(left, [1], "{engine:?}");
    }
);

engines!(
    /// The cases, one by one: 'x,a,a,y' minus a is {x, y}, 'a,a' minus a is empty,
    /// and 'a,a' has one member; NULL stays NULL and has no length.
    repeated_members_are_one_member,
    |pool, engine| {
        let t = unique("repeats");
        exec(pool, format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, tags VARCHAR(64))")).await;
        exec(pool, format!("INSERT INTO {t} (id, tags) VALUES (1, 'x,a,a,y'), (2, 'a,a'), (3, NULL), (4, '')")).await;
        let table = || QuerySet::table(t.clone()).primary_key("id");
        let n: Vec<(i64, Option<i64>)> = table().columns(["id"]).column_as(set_len("tags"), "n").order_by("id", Order::Asc).fetch_all(pool).await.unwrap();
        assert_eq!(n, [(1, Some(4 - 1)), (2, Some(1)), (3, None), (4, Some(0))], "{engine:?}");
        table().update(pool, [("tags", set_remove("tags", "a"))]).await.unwrap();
        let tags: Vec<Option<String>> = table().columns(["tags"]).order_by("id", Order::Asc).fetch_scalars(pool).await.unwrap();
        assert_eq!(tags, [Some("x,y".to_owned()), Some(String::new()), None, Some(String::new())], "{engine:?}");
        let with_a = table().filter(set_contains("tags", "a")).count(pool).await.unwrap();
        assert_eq!(with_a, 0, "{engine:?}");
    }
);
