//! `fetch` streams with bounded memory: a 1,000,000-row union is read row by row while the
//! heap stays under 64 MiB. Fetching the same rows into a `Vec` would need about twice that,
//! so the bound is one a buffering implementation would break.

mod common;

use std::alloc::System;

use cap::Cap;
use common::*;
use futures::TryStreamExt;
use setql::prelude::*;

/// Tracks the most this test process ever had on the heap.
#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

const HALF: u64 = 500_000;
const LIMIT: usize = 64 * 1024 * 1024;
/// Each row carries a 100-byte text, so a million of them cannot fit in the bound.
const PADDING: &str = "padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padding-padd";

engines!(
    a_million_row_union_streams_in_bounded_memory,
    |pool, engine| {
        let t = unique("stream");
        exec(
            pool,
            format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, name VARCHAR(120) NOT NULL)"),
        )
        .await;
        let fill = match engine {
            Engine::Sqlite => format!(
                "INSERT INTO {t} WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {HALF}) SELECT n, '{PADDING}' || n FROM seq"
            ),
            Engine::Postgres => format!(
                "INSERT INTO {t} SELECT n, '{PADDING}' || n FROM generate_series(1, {HALF}) AS n"
            ),
            // MariaDB's Sequence engine provides seq_1_to_N tables.
            Engine::MySql => {
                format!("INSERT INTO {t} SELECT seq, CONCAT('{PADDING}', seq) FROM seq_1_to_{HALF}")
            }
        };
        exec(pool, fill).await;
        let rows = QuerySet::table(t.clone()).union_all(QuerySet::table(t.clone()));

        let (count, sum) = rows
            .fetch::<_, (i64, String)>(pool)
            .try_fold((0_u64, 0_i64), |(count, sum), (id, name)| async move {
                assert!(name.len() > 100);
                Ok((count + 1, sum + id))
            })
            .await
            .unwrap();
        // The peak of the whole process, all engines' tests included.
        let peak = ALLOCATOR.max_allocated();
        let half = i64::try_from(HALF).unwrap();
        assert_eq!(count, 2 * HALF, "{engine:?}");
        assert_eq!(sum, half * (half + 1), "{engine:?}");
        assert!(
            peak < LIMIT,
            "{engine:?}: the heap peaked at {} MiB",
            peak / (1024 * 1024)
        );
        println!(
            "{engine:?}: streamed {count} rows, heap peak {} KiB",
            peak / 1024
        );
    }
);
