//! setql beyond one database machine: a Galera cluster, a streaming replica.
//!
//! These run only where the deployment is up, as `.ci/run` starts it (`.ci/galera`,
//! `.ci/replica`): `SETQL_GALERA_URLS` names the three nodes, `SETQL_PRIMARY_URL` and
//! `SETQL_REPLICA_URL` a primary and its replica. Without them each test says so and
//! passes, as the engine tests do without their server.
//!
//! The pgbouncer deployment needs no test of its own: `.ci/run` runs the whole PostgreSQL
//! suite through it with unnamed statements.

#![cfg(all(feature = "postgres", feature = "mysql"))]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use setql::object_set::ObjectSetStore;
use setql::prelude::*;
use setql::{Error, Retry, WritePosition, set_add};
use sqlx::{AssertSqlSafe, MySqlPool, PgPool};

fn urls(var: &str) -> Option<Vec<String>> {
    let value = std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    if value.is_none() {
        eprintln!("note: {var} is not set; skipping (see .ci/README.md)");
    }
    Some(value?.split(',').map(|url| url.trim().to_owned()).collect())
}

fn unique(prefix: &str) -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{nanos}", std::process::id())
}

async fn exec<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, sql: &str)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

const TASKS_PER_NODE: u64 = 3;
const OPS_PER_TASK: u64 = 40;

/// Three tasks per node add members to one stored set and one set-valued column at once,
/// each write in a transaction that [`Retry`] runs again on a certification failure or a
/// deadlock. Every node then holds exactly what a serial replay of the committed writes
/// gives: no update is lost, none is doubled, and the stored count is the members'.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn galera_concurrent_writers_lose_no_update() {
    let Some(urls) = urls("SETQL_GALERA_URLS") else {
        return;
    };
    assert_eq!(urls.len(), 3, "SETQL_GALERA_URLS names three nodes");
    // Each session reads what the cluster committed before it (`wsrep_sync_wait = 1`), as
    // the README advises: a set created on node 1 is otherwise not yet applied on node 2
    // when its writers start, and loading it there finds nothing.
    let mut nodes = Vec::new();
    for url in &urls {
        nodes.push(
            sqlx::mysql::MySqlPoolOptions::new()
                .max_connections(4)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::raw_sql("SET SESSION wsrep_sync_wait = 1")
                            .execute(conn)
                            .await
                            .map(drop)
                    })
                })
                .connect(url)
                .await
                .unwrap_or_else(|err| panic!("{url}: {err}")),
        );
    }
    let items = unique("dep_items");
    let tags = unique("dep_tags");
    let prefix = format!("{}_", unique("dep"));
    let first = &nodes[0];
    let total = 3 * TASKS_PER_NODE * OPS_PER_TASK;
    exec(
        first,
        &format!("CREATE TABLE {items} (id BIGINT PRIMARY KEY)"),
    )
    .await;
    exec(
        first,
        &format!("INSERT INTO {items} (id) SELECT seq FROM seq_1_to_{total}"),
    )
    .await;
    exec(
        first,
        &format!("CREATE TABLE {tags} (id BIGINT PRIMARY KEY, tags TEXT NOT NULL)"),
    )
    .await;
    exec(
        first,
        &format!("INSERT INTO {tags} (id, tags) VALUES (1, '')"),
    )
    .await;
    let store = ObjectSetStore::with_prefix(&prefix);
    store.install(first).await.expect("installs");
    let kind = store.kind(items.as_str(), "id");
    let shared = kind
        .create(first, "shared", Vec::<i64>::new())
        .await
        .expect("creates");

    let ops = Arc::new(AtomicU64::new(0));
    let retries = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (node_index, node) in nodes.iter().enumerate() {
        for task in 0..TASKS_PER_NODE {
            let (node, kind, tags) = (node.clone(), kind.clone(), tags.clone());
            let (ops, retries) = (Arc::clone(&ops), Arc::clone(&retries));
            let set_id = shared.id();
            let writer = u64::try_from(node_index).unwrap_or(0) * TASKS_PER_NODE + task;
            tasks.push(tokio::spawn(async move {
                let retry = Retry::default()
                    .times(30)
                    .delays(Duration::from_millis(2), Duration::from_millis(200));
                let mut committed = Vec::new();
                for op in 0..OPS_PER_TASK {
                    let id = i64::try_from(writer * OPS_PER_TASK + op + 1).unwrap_or(0);
                    let member = format!("w{writer}o{op}");
                    let tries = Arc::new(AtomicU64::new(0));
                    let outcome = retry
                        .transaction(&node, |tx| {
                            tries.fetch_add(1, Ordering::Relaxed);
                            let (kind, tags, member) = (kind.clone(), tags.clone(), member.clone());
                            Box::pin(async move {
                                let mut set = kind.load(&mut **tx, set_id).await?;
                                set.add(&mut **tx, id).await?;
                                QuerySet::table(tags.clone())
                                    .filter(Expr::col("id").eq(1))
                                    .update(&mut **tx, [("tags", set_add("tags", member))])
                                    .await?;
                                Ok(())
                            })
                        })
                        .await;
                    ops.fetch_add(1, Ordering::Relaxed);
                    retries.fetch_add(tries.load(Ordering::Relaxed) - 1, Ordering::Relaxed);
                    match outcome {
                        Ok(()) => committed.push((id, member)),
                        Err(error) => panic!("writer {writer} op {op} gave up: {error}"),
                    }
                }
                committed
            }));
        }
    }
    // The serial replay: every committed write, applied one after another.
    let mut expected_ids = BTreeSet::new();
    let mut expected_tags = BTreeSet::new();
    for task in tasks {
        for (id, member) in task.await.expect("writer finished") {
            assert!(expected_ids.insert(id), "id {id} committed twice");
            expected_tags.insert(member);
        }
    }

    let mut lost = 0;
    for (index, node) in nodes.iter().enumerate() {
        // Its session waits until this node has applied everything the cluster committed.
        let mut conn = node.acquire().await.expect("connects");
        let set = kind.load(&mut *conn, shared.id()).await.expect("loads");
        let members: BTreeSet<i64> = set
            .members()
            .columns(["id"])
            .fetch_all::<_, (i64,)>(&mut *conn)
            .await
            .expect("members")
            .into_iter()
            .map(|(id,)| id)
            .collect();
        let tag_text: (String,) = QuerySet::table(tags.clone())
            .columns(["tags"])
            .filter(Expr::col("id").eq(1))
            .fetch_one(&mut *conn)
            .await
            .expect("tags");
        let tag_set: BTreeSet<String> = tag_text
            .0
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        lost +=
            expected_ids.difference(&members).count() + expected_tags.difference(&tag_set).count();
        assert_eq!(members, expected_ids, "node {} members", index + 1);
        assert_eq!(tag_set, expected_tags, "node {} tags", index + 1);
        assert_eq!(set.count(), total, "node {} stored count", index + 1);
    }
    println!(
        "GALERA ops={} retries={} committed={} lost={lost}",
        ops.load(Ordering::Relaxed),
        retries.load(Ordering::Relaxed),
        expected_ids.len()
    );
    assert_eq!(lost, 0);
    assert_eq!(expected_ids.len() as u64, total);

    shared.delete(first).await.expect("deletes");
    for table in [
        store.members_table(),
        store.sets_table(),
        tags.as_str(),
        items.as_str(),
    ] {
        exec(first, &format!("DROP TABLE IF EXISTS {table}")).await;
    }
}

/// A write on node 1 is read back on node 2 in every one of 200 rounds, by a session that
/// sets `wsrep_sync_wait = 1`, the README's way to read after a write on Galera.
#[tokio::test]
async fn galera_reads_after_writes_on_another_node() {
    let Some(urls) = urls("SETQL_GALERA_URLS") else {
        return;
    };
    let writer = MySqlPool::connect(&urls[0]).await.expect("node 1");
    let reader = sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::raw_sql("SET SESSION wsrep_sync_wait = 1")
                    .execute(conn)
                    .await
                    .map(drop)
            })
        })
        .connect(&urls[1])
        .await
        .expect("node 2");
    let table = unique("dep_raw");
    exec(
        &writer,
        &format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY)"),
    )
    .await;
    let mut stale = 0;
    for round in 1..=200_i64 {
        exec(
            &writer,
            &format!("INSERT INTO {table} (id) VALUES ({round})"),
        )
        .await;
        let seen = QuerySet::table(table.clone())
            .count(&reader)
            .await
            .expect("reads");
        if seen != u64::try_from(round).unwrap_or(0) {
            stale += 1;
        }
    }
    println!("GALERA read-after-write rounds=200 stale={stale}");
    assert_eq!(stale, 0);
    exec(&writer, &format!("DROP TABLE {table}")).await;
}

/// 200 rounds of a write on the primary and a read of it on the replica, each read after
/// [`WritePosition::wait`]: none is stale. The same reads without the wait are counted, to
/// show the wait is what makes them agree.
#[tokio::test]
async fn replica_reads_after_writes_once_the_position_is_applied() {
    let (Some(primary), Some(replica)) = (urls("SETQL_PRIMARY_URL"), urls("SETQL_REPLICA_URL"))
    else {
        return;
    };
    let primary = PgPool::connect(&primary[0]).await.expect("primary");
    let replica = PgPool::connect(&replica[0]).await.expect("replica");
    let table = unique("dep_replica");
    exec(
        &primary,
        &format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY)"),
    )
    .await;
    let prefix = format!("{}_", unique("dep"));
    let store = ObjectSetStore::with_prefix(&prefix);
    store.install(&primary).await.expect("installs");
    exec(
        &primary,
        &format!("INSERT INTO {table} (id) SELECT generate_series(1, 400)"),
    )
    .await;
    let kind = store.kind(table.as_str(), "id");
    let mut set = kind
        .create(&primary, "recent", Vec::<i64>::new())
        .await
        .expect("creates");

    let (mut stale, mut stale_unwaited) = (0, 0);
    let mut waited = Vec::new();
    for round in 1..=200_i64 {
        set.add(&primary, round).await.expect("adds");
        let written = WritePosition::of_primary(&primary).await.expect("position");
        // Without waiting: how often the replica is behind.
        match kind.load(&replica, set.id()).await {
            Ok(seen) if seen.count() == u64::try_from(round).unwrap_or(0) => {}
            _ => stale_unwaited += 1,
        }
        let start = std::time::Instant::now();
        written
            .wait(&replica, Duration::from_secs(5))
            .await
            .expect("the replica catches up");
        waited.push(start.elapsed());
        let seen = kind
            .load(&replica, set.id())
            .await
            .expect("loads on the replica");
        let has = seen.contains(&replica, round).await.expect("reads");
        if seen.count() != u64::try_from(round).unwrap_or(0) || !has {
            stale += 1;
        }
    }
    waited.sort();
    println!(
        "REPLICA rounds=200 stale={stale} stale_without_waiting={stale_unwaited} wait_median_us={}",
        waited[waited.len() / 2].as_micros()
    );
    assert_eq!(stale, 0);

    // Writes belong on the primary: the replica refuses them with a typed error.
    let refused = kind.create(&replica, "nope", vec![1_i64]).await;
    match refused {
        Err(Error::ReadOnly { code, .. }) => assert_eq!(code.as_deref(), Some("25006")),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    // The primary has its own writes: waiting there returns at once.
    let written = WritePosition::of_primary(&primary).await.expect("position");
    written
        .wait(&primary, Duration::ZERO)
        .await
        .expect("the primary has its own writes");

    set.delete(&primary).await.expect("deletes");
    for name in [store.members_table(), store.sets_table(), table.as_str()] {
        exec(&primary, &format!("DROP TABLE IF EXISTS {name}")).await;
    }
}
