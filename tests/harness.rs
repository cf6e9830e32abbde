//! Self-check of the test harness: the `numbers` fixture on every reachable engine.

mod common;

use common::*;

engines!(
    /// `numbers` holds 0..=9, so it has ten rows summing to 45.
    numbers_fixture,
    |pool, engine| async move {
        let table = numbers(pool).await;
        let sum = match engine {
            Engine::Sqlite => "SUM(num)",
            Engine::Postgres => "CAST(SUM(num) AS BIGINT)",
            Engine::MySql => "CAST(SUM(num) AS SIGNED)",
        };
        let sql = format!("SELECT COUNT(*), {sum} FROM {table}");
        // In a transaction, unnamed: as it must be behind CI's pgbouncer (transaction mode).
        let mut tx = pool.begin().await.unwrap();
        let (count, total): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .persistent(false)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((count, total), (10, 45), "{}", engine.name());
    }
);

engines!(
    /// Each row of `numbers` satisfies `id = num + 1` and `other_num = 10 - num`.
    numbers_fixture_columns,
    |pool, engine| {
        let table = numbers(pool).await;
        let mut tx = pool.begin().await.unwrap();
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT CAST(id AS {t}), CAST(num AS {t}), CAST(other_num AS {t}) FROM {table} ORDER BY id",
            t = if engine == Engine::MySql { "SIGNED" } else { "BIGINT" },
        )))
        .persistent(false)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let expected: Vec<(i64, i64, i64)> = (0..=9).map(|n| (n + 1, n, 10 - n)).collect();
        assert_eq!(rows, expected, "{}", engine.name());
    }
);

/// Names are lowercase, short enough for every engine, and never repeat.
#[test]
fn unique_names() {
    let a = unique("Numbers-With_A_Rather_Long_Prefix_That_Will_Be_Cut_Short");
    let b = unique("Numbers-With_A_Rather_Long_Prefix_That_Will_Be_Cut_Short");
    assert_ne!(a, b);
    for name in [&a, &b] {
        assert!(name.len() <= 50, "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{name}"
        );
    }
}

engines!(
    /// Names handed out by `unique` inside `run` are dropped from servers when it ends.
    cleanup_drops_tables,
    |pool, engine| {
        let mut table = String::new();
        run(pool, async {
            table = numbers(pool).await;
        })
        .await;
        let sql = match engine {
            Engine::Sqlite => format!("SELECT COUNT(*) FROM sqlite_master WHERE name = '{table}'"),
            Engine::Postgres => format!(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{table}'"
            ),
            Engine::MySql => format!(
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = '{table}'"
            ),
        };
        let mut tx = pool.begin().await.unwrap();
        let left: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .persistent(false)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // In-memory SQLite is never cleaned up: the database goes with its pool.
        let expected = i64::from(engine == Engine::Sqlite);
        assert_eq!(left, expected, "{}: {table}", engine.name());
    }
);
