//! `CommaSet` through sqlx on every engine: integer sets bound, read (also by
//! `#[derive(FromRow)]`) and matched by their text; invalid sets refused before they are
//! written, and text that is no set refused when read; and 16 tasks racing to add and remove
//! members, which must lose nothing.

mod common;

use std::error::Error as _;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{CommaSet, Error, set_add, set_contains, set_len, set_remove};

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Numbers {
    id: i32,
    ids: Option<CommaSet<i64>>,
}

/// `$1`, `$2` on PostgreSQL, `?` elsewhere.
fn placeholders(engine: Engine, n: usize) -> String {
    let each = (1..=n).map(|i| match engine {
        Engine::Postgres => format!("${i}"),
        Engine::Sqlite | Engine::MySql => "?".to_owned(),
    });
    each.collect::<Vec<_>>().join(", ")
}

engines!(
    integer_sets_bind_read_and_match_by_their_text,
    |pool, engine| {
        let t = unique("ints");
        exec(
            pool,
            format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, ids VARCHAR(64))"),
        )
        .await;
        let insert = format!(
            "INSERT INTO {t} (id, ids) VALUES ({})",
            placeholders(engine, 2)
        );
        let stored: [(i32, Option<CommaSet<i64>>); 4] = [
            (1, Some([2, 1].into_iter().collect())),
            (2, Some(CommaSet::new())),
            (3, Some([10, 2].into_iter().collect())),
            (4, None),
        ];
        // In a transaction, unnamed: as it must be behind CI's pgbouncer (transaction mode).
        let mut tx = pool.begin().await.unwrap();
        for (id, ids) in &stored {
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .persistent(false)
                .bind(id)
                .bind(ids)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let table = || QuerySet::table(t.clone()).primary_key("id");
        let read: Vec<Numbers> = table()
            .order_by("id", Order::Asc)
            .fetch_all(pool)
            .await
            .unwrap();
        let expected: Vec<Numbers> = stored
            .into_iter()
            .map(|(id, ids)| Numbers { id, ids })
            .collect();
        assert_eq!(read, expected, "{engine:?}");
        let text: Vec<Option<String>> = table()
            .columns(["ids"])
            .order_by("id", Order::Asc)
            .fetch_scalars(pool)
            .await
            .unwrap();
        assert_eq!(
            text,
            [
                Some("1,2".into()),
                Some(String::new()),
                Some("2,10".into()),
                None
            ]
        );

        let ids = async |condition: Expr, keep: bool| -> Vec<i32> {
            let set = if keep {
                table().filter(condition)
            } else {
                table().exclude(condition)
            };
            set.columns(["id"])
                .order_by("id", Order::Asc)
                .fetch_scalars(pool)
                .await
                .unwrap()
        };
        let has = |n: i64| set_contains("ids", n);
        // 1 is not in `2,10`.
        assert_eq!(ids(has(1), true).await, [1], "{engine:?}");
        assert_eq!(ids(has(2), true).await, [1, 3], "{engine:?}");
        assert_eq!(ids(has(3), true).await, Vec::<i32>::new(), "{engine:?}");
        assert_eq!(ids(has(1).and(has(2)), true).await, [1], "{engine:?}");
        assert_eq!(ids(has(1).and(has(3)), true).await, Vec::<i32>::new());
        assert_eq!(ids(has(1).or(has(3)), true).await, [1], "{engine:?}");
        assert_eq!(ids(has(3), false).await, [1, 2, 3, 4], "{engine:?}");
        assert_eq!(ids(has(1), false).await, [2, 3, 4], "{engine:?}");

        // django-mysql's remove assignment: {24, 89} without 89 is {24}.
        exec(pool, format!("UPDATE {t} SET ids = '24,89' WHERE id = 2")).await;
        let two = table().filter(Expr::col("id").eq(2));
        two.update(pool, [("ids", set_remove("ids", 89))])
            .await
            .unwrap();
        let read: Numbers = two.get(pool).await.unwrap();
        assert_eq!(read.ids, Some([24].into_iter().collect()), "{engine:?}");
        // A whole set assigned as a value.
        let set: CommaSet<i64> = [7, 5].into_iter().collect();
        two.update(pool, [("ids", set.to_expr().unwrap())])
            .await
            .unwrap();
        let read: Numbers = two.get(pool).await.unwrap();
        assert_eq!(read.ids, Some(set), "{engine:?}");
    }
);

engines!(
    invalid_sets_are_refused_before_they_are_written,
    |pool, engine| {
        let t = unique("refused");
        exec(
            pool,
            format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, tags VARCHAR(64))"),
        )
        .await;
        exec(pool, format!("INSERT INTO {t} VALUES (1, 'a'), (2, 'b')")).await;
        let table = || QuerySet::table(t.clone());
        let insert = format!(
            "INSERT INTO {t} (id, tags) VALUES ({})",
            placeholders(engine, 2)
        );
        let comma: CommaSet<String> = ["co,mma".to_owned(), "contained".to_owned()].into();
        // `try_bind` hands back setql's error; `bind` gives it to sqlx as text, reported when the
        // statement would run, before it is sent.
        let mut query = sqlx::query::<Db>(sqlx::AssertSqlSafe(insert.clone())).persistent(false);
        query.try_bind(50).unwrap();
        let refused = query.try_bind(&comma).unwrap_err();
        assert!(
            matches!(refused.downcast_ref::<Error>(), Some(Error::SetMemberComma { member }) if member == "co,mma"),
            "{engine:?}: {refused:?}"
        );
        let refused = sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
            .persistent(false)
            .bind(51)
            .bind(&comma)
            .execute(pool)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("contains a comma"),
            "{engine:?}: {refused}"
        );
        let empty: CommaSet<String> = [String::new()].into();
        let too_many: CommaSet<String, 3> = ["a", "b", "c", "d"].map(str::to_owned).into();
        let too_long: CommaSet<String, 5, 8> = ["abcd", "efgh"].map(str::to_owned).into();
        let mut query = sqlx::query::<Db>(sqlx::AssertSqlSafe(insert.clone())).persistent(false);
        query.try_bind(52).unwrap();
        let errors = [
            query.try_bind(&empty).unwrap_err(),
            query.try_bind(&too_many).unwrap_err(),
            query.try_bind(&too_long).unwrap_err(),
        ];
        let errors: Vec<Option<&Error>> = errors.iter().map(|e| e.downcast_ref()).collect();
        assert!(
            matches!(errors[0], Some(Error::SetMemberEmpty)),
            "{errors:?}"
        );
        assert!(matches!(
            errors[1],
            Some(Error::SetTooManyMembers { members: 4, max: 3 })
        ));
        assert!(matches!(
            errors[2],
            Some(Error::SetTooLong { length: 9, max: 8 })
        ));
        assert!(matches!(comma.to_expr(), Err(Error::SetMemberComma { .. })));
        // Nothing was written.
        assert_eq!(table().count(pool).await.unwrap(), 2, "{engine:?}");

        // Text that is no set of the member type is a typed decode error, never a panic.
        exec(pool, format!("UPDATE {t} SET tags = '1,,2' WHERE id = 1")).await;
        exec(pool, format!("UPDATE {t} SET tags = 'x' WHERE id = 2")).await;
        for (id, text) in [(1, "1,,2"), (2, "x")] {
            let row = table().columns(["tags"]).filter(Expr::col("id").eq(id));
            let err = row
                .fetch_scalar::<_, CommaSet<i64>>(pool)
                .await
                .unwrap_err();
            let mut source = err.source();
            while let Some(inner) = source {
                if let Some(Error::InvalidSetText { text: found, .. }) =
                    inner.downcast_ref::<Error>()
                {
                    assert_eq!(found, text, "{engine:?}");
                    break;
                }
                source = inner.source();
            }
            assert!(
                source.is_some(),
                "{engine:?}: no InvalidSetText under {err:?}"
            );
        }
    }
);

/// Where the race runs: the server's database, or SQLite in a temporary file (removed when
/// this is dropped), so that SQLite's own locking serializes the writers.
struct RaceDatabase {
    url: String,
    file: Option<std::path::PathBuf>,
}

impl RaceDatabase {
    fn new(engine: Engine) -> RaceDatabase {
        let var = match engine {
            Engine::Postgres => "SETQL_POSTGRES_URL",
            Engine::MySql => "SETQL_MYSQL_URL",
            Engine::Sqlite => {
                let file = std::env::temp_dir().join(format!("{}.db", unique("setql_race")));
                let url = format!("sqlite://{}?mode=rwc", file.display());
                return RaceDatabase {
                    url,
                    file: Some(file),
                };
            }
        };
        let url = std::env::var(var).expect("set for this engine");
        RaceDatabase { url, file: None }
    }
}

impl Drop for RaceDatabase {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// Whether the engine aborted the statement to break a deadlock, which leaves none of it
/// applied: PostgreSQL's 40P01 and MySQL/MariaDB's error 1213. The race writes one
/// row per statement, so PostgreSQL has no lock order to get wrong; InnoDB may still take a
/// shared lock while reading the key list and then want the row exclusively. An
/// application retries the victim, and so does the race.
fn is_deadlock(error: &Error) -> bool {
    matches!(error, Error::Retryable { code: Some(code), .. } if matches!(code.as_str(), "40P01" | "1213"))
}

const TASKS: usize = 16;
const ROUNDS: usize = 4;

engines!(
    /// 16 tasks add and remove their own members on the same three rows at once, half of
    /// them through a fused union, half through a union kept as written (updated by key).
    /// Each update is one statement computed from the row as the database holds it, so the
    /// final sets are exactly the expected ones. (Statements of one row each: a statement
    /// over several rows can deadlock with another that locks them in another order, and
    /// PostgreSQL takes a second to detect each deadlock.)
    concurrent_adds_and_removes_lose_nothing,
    |pool, engine| {
        let _ = pool;
        let database = RaceDatabase::new(engine);
        let wide = sqlx::pool::PoolOptions::<Db>::new()
            .max_connections(u32::try_from(TASKS).unwrap())
            .acquire_timeout(std::time::Duration::from_secs(60))
            .connect(&database.url)
            .await
            .unwrap();
        let t = unique("race");
        let initial: Vec<String> = (0..TASKS).map(|i| format!("k{i}")).collect();
        let initial = initial.join(",");
        exec(&wide, format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY, tags TEXT)")).await;
        exec(
            &wide,
            format!("INSERT INTO {t} VALUES (1, '{initial}'), (2, '{initial}'), (3, '{initial}')"),
        )
        .await;
        let retried = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let pool = wide.clone();
                let table = t.clone();
                let retried = retried.clone();
                tokio::spawn(async move {
                    let rows = || QuerySet::table(table.clone()).primary_key("id");
                    // Row `id`, or row `id + 100`, which does not exist: a union that
                    // writes one row, fused (even tasks) or updated by key (odd tasks).
                    let one_row = |id: i32| {
                        let union = rows().filter(Expr::col("id").eq(id))
                            | rows().filter(Expr::col("id").eq(id + 100));
                        if i % 2 == 0 { union } else { union.keep_branches() }
                    };
                    let write = async |assignment: Expr| {
                        // Each task visits the rows in its own order.
                        for step in 0..3 {
                            let id = i32::try_from((i + step) % 3 + 1).unwrap();
                            let row = one_row(id);
                            let mut attempts = 0;
                            loop {
                                match row.update(&pool, [("tags", assignment.clone())]).await {
                                    Ok(matched) => break assert_eq!(matched, 1),
                                    Err(error) if is_deadlock(&error) && attempts < 100 => {
                                        attempts += 1;
                                        retried.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                    }
                                    Err(error) => panic!("{error:?}"),
                                }
                            }
                        }
                    };
                    write(set_remove("tags", format!("k{i}"))).await;
                    for round in 0..ROUNDS {
                        write(set_add("tags", format!("t{i}r{round}"))).await;
                        if round > 0 {
                            write(set_remove("tags", format!("t{i}r{}", round - 1))).await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let retried = retried.load(std::sync::atomic::Ordering::Relaxed);
        eprintln!("{engine:?}: {retried} statements retried after a deadlock");
        let expected: CommaSet<String> = (0..TASKS).map(|i| format!("t{i}r{}", ROUNDS - 1)).collect();
        let read: Vec<(i32, CommaSet<String>)> = QuerySet::table(t.clone())
            .order_by("id", Order::Asc)
            .fetch_all(&wide)
            .await
            .unwrap();
        assert_eq!(read, [1, 2, 3].map(|id| (id, expected.clone())), "{engine:?}");
        // No member was written twice either.
        let sixteen = QuerySet::table(t.clone()).filter(set_len("tags").eq(16));
        assert_eq!(sixteen.count(&wide).await.unwrap(), 3, "{engine:?}");
        if engine == Engine::Sqlite {
            drop_table(&wide, &t).await;
        }
        wide.close().await;
    }
);
