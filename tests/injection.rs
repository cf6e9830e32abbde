//! Hostile input: 1,000 strings through filter values, computed columns, aliases and table
//! names. Values must come back exactly, identifiers are always quoted, a canary table must
//! survive, and whatever an engine cannot store is a typed error, never a panic.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait};
use setql::Error;
use setql::prelude::*;

const FRAGMENTS: &[&str] = &[
    "'",
    "''",
    "\"",
    "`",
    "\\",
    "\\'",
    ";",
    "--",
    "/*",
    "*/",
    "; DROP TABLE canary; --",
    "' OR '1'='1",
    "\" OR \"1\"=\"1",
    "`; DROP TABLE canary; --",
    "$1",
    "?",
    "%",
    "_",
    "\n",
    "\t",
    "é",
    "日本語",
    "🦀",
    "\u{202e}",
    "\u{0}",
    " ",
    "NULL",
    "x",
];

/// A thousand strings built from the fragments above, the same on every run.
fn hostile() -> Vec<String> {
    let mut state: u64 = 0x1234_5678;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % n as u64).unwrap_or(0)
    };
    let mut strings: Vec<String> = FRAGMENTS.iter().map(|f| (*f).to_owned()).collect();
    while strings.len() < 990 {
        let parts = 1 + next(6);
        let candidate: String = (0..parts)
            .map(|_| FRAGMENTS[next(FRAGMENTS.len())])
            .collect();
        // Distinct, so each one finds exactly its own row.
        if !strings.contains(&candidate) {
            strings.push(candidate);
        }
    }
    // Very long strings, with and without quotes.
    for length in [1_000, 10_000, 60_000] {
        strings.push("x".repeat(length));
        strings.push("'\"`\\".repeat(length / 4));
    }
    while strings.len() < 1_000 {
        strings.push(format!("tail-{}", strings.len()));
    }
    strings
}

engines!(
    hostile_strings_round_trip_and_run_nothing_else,
    |pool, engine| {
        let canary = unique("canary");
        let strings = unique("strings");
        exec(
            pool,
            format!("CREATE TABLE {canary} (id INTEGER PRIMARY KEY)"),
        )
        .await;
        exec(pool, format!("INSERT INTO {canary} VALUES (1)")).await;
        // MySQL's default collations fold case, accents and trailing spaces; a binary, no-pad
        // collation compares the strings exactly, as the other engines do.
        let text = if engine == Engine::MySql {
            "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
        } else {
            "TEXT"
        };
        exec(
            pool,
            format!("CREATE TABLE {strings} (id INTEGER PRIMARY KEY, s {text} NOT NULL)"),
        )
        .await;
        let all = hostile();
        assert_eq!(all.len(), 1_000);
        let mut stored = Vec::new();
        for (id, value) in all.iter().enumerate() {
            let id = i32::try_from(id).unwrap();
            // Stored by sqlx binding; a NUL byte is refused by some engines, which is theirs to do.
            let insert = format!("INSERT INTO {strings} (id, s) VALUES ({id}, ?)");
            let insert = if engine == Engine::Postgres {
                insert.replace('?', "$1")
            } else {
                insert
            };
            // In a transaction, as it must be behind CI's pgbouncer (transaction mode).
            let mut tx = pool.begin().await.unwrap();
            if sqlx::query(sqlx::AssertSqlSafe(insert))
                .persistent(false)
                .bind(value.as_str())
                .execute(&mut *tx)
                .await
                .is_ok()
            {
                tx.commit().await.unwrap();
                stored.push((id, value));
            } else {
                assert!(
                    value.contains('\u{0}'),
                    "{engine:?}: could not store {value:?}"
                );
            }
        }
        // Only strings with a NUL byte may be refused (PostgreSQL cannot store them in text).
        let with_nul = all.iter().filter(|s| s.contains('\u{0}')).count();
        assert!(
            stored.len() >= all.len() - with_nul,
            "{engine:?}: only {} stored",
            stored.len()
        );
        let rows = || QuerySet::table(strings.clone()).columns(["id", "s"]);
        for (id, value) in &stored {
            // A filter value, alone and through a union.
            let found: (i32, String) = rows()
                .filter(Expr::col("s").eq(value.as_str()))
                .get(pool)
                .await
                .unwrap();
            assert_eq!((found.0, &found.1), (*id, *value), "{engine:?}");
            let through_union = rows().filter(Expr::col("s").eq(value.as_str()))
                | rows().filter(Expr::col("id").eq(-1));
            let found: (i32, String) = through_union.get(pool).await.unwrap();
            assert_eq!(&found.1, *value, "{engine:?}");
        }
        for value in &all {
            // A computed column's value, and an alias.
            let literal = QuerySet::table(canary.clone())
                .column_as(Expr::val(value.as_str()), "v")
                .columns(["v"]);
            match literal.fetch_one::<_, (String,)>(pool).await {
                Ok((back,)) => assert_eq!(&back, value, "{engine:?}"),
                Err(Error::Query { .. }) => {
                    assert!(value.contains('\u{0}'), "{engine:?}: {value:?}")
                }
                Err(other) => panic!("{engine:?}: {other:?}"),
            }
            let aliased = QuerySet::table(canary.clone()).column_as(Expr::col("id"), value.clone());
            match aliased.fetch_one::<_, (i32, i32)>(pool).await {
                Ok(row) => assert_eq!(row, (1, 1), "{engine:?}"),
                // Engines cap or refuse some identifiers (NUL, length): a typed error.
                Err(Error::Query { .. }) => {}
                Err(other) => panic!("{engine:?}: {other:?}"),
            }
            // A table name: quoted, so at worst a missing table.
            match QuerySet::table(value.clone()).count(pool).await {
                Err(Error::Query { .. }) => {}
                other => panic!("{engine:?}: {value:?} gave {other:?}"),
            }
        }
        let survived = QuerySet::table(canary.clone()).count(pool).await.unwrap();
        assert_eq!(survived, 1, "{engine:?}: the canary table changed");
    }
);
