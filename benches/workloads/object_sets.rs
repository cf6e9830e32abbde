//! OS1 and OS2 (`benches/README.md`): object sets written inside the database.
//!
//! - OS1: a 1,000,000-member set created from a filtered query by one `INSERT … SELECT`,
//!   against the application round trip django-objectset makes: fetch the ids, then insert
//!   them 1,000 rows to a statement.
//! - OS2: the intersection and the symmetric difference of two 500,000-member sets, saved
//!   as new sets; time per member, and the process's peak heap before and after.

use std::time::Instant;

use setql::object_set::{Kind, ObjectSetStore};
use setql::prelude::*;
use sqlx::{Acquire, AssertSqlSafe, Executor, Pool};

use crate::{ALLOCATOR, spread};

const OBJECTS: &str = "setql_bench_objects";
const PREFIX: &str = "setql_bench_";

/// Members of the OS1 set; OS2's two sets have half as many each.
pub(crate) fn members(quick: bool) -> i64 {
    if quick { 50_000 } else { 1_000_000 }
}

async fn run<DB>(pool: &Pool<DB>, sql: String)
where
    DB: sqlx::Database,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
{
    sqlx::raw_sql(AssertSqlSafe(sql.clone()))
        .execute(pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// `objects (id, grp)` with ids 1..=members * 6 / 5 and `grp = id % 6`, so `grp <> 0` keeps
/// exactly `members` rows; and an empty store.
async fn seed<DB>(pool: &Pool<DB>, members: i64) -> Kind
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let store = ObjectSetStore::with_prefix(PREFIX);
    for table in [
        store.members_table(),
        store.sets_table(),
        OBJECTS,
        "setql_bench_digits",
    ] {
        run(pool, format!("DROP TABLE IF EXISTS {table}")).await;
    }
    run(
        pool,
        "CREATE TABLE setql_bench_digits (n BIGINT NOT NULL)".to_owned(),
    )
    .await;
    let digits: Vec<String> = (0..1000).map(|n| format!("({n})")).collect();
    run(
        pool,
        format!(
            "INSERT INTO setql_bench_digits (n) VALUES {}",
            digits.join(", ")
        ),
    )
    .await;
    run(
        pool,
        format!("CREATE TABLE {OBJECTS} (id BIGINT PRIMARY KEY, grp BIGINT NOT NULL)"),
    )
    .await;
    let rows = members * 6 / 5;
    run(
        pool,
        format!(
            "INSERT INTO {OBJECTS} (id, grp) SELECT v.id, v.id % 6 FROM \
             (SELECT a.n * 1000000 + b.n * 1000 + c.n + 1 AS id FROM setql_bench_digits a \
              CROSS JOIN setql_bench_digits b CROSS JOIN setql_bench_digits c \
              WHERE a.n <= {millions} AND b.n <= {thousands} \
              AND a.n * 1000000 + b.n * 1000 + c.n < {rows}) v",
            millions = rows / 1_000_000,
            thousands = Ord::min(999, rows / 1000),
        ),
    )
    .await;
    run(pool, "DROP TABLE setql_bench_digits".to_owned()).await;
    store.install(pool).await.expect("store installs");
    store.kind(OBJECTS, "id")
}

/// Deletes every set, outside the timings.
async fn reset<DB>(pool: &Pool<DB>, kind: &Kind)
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    run(
        pool,
        format!("DELETE FROM {}", kind.store().members_table()),
    )
    .await;
    run(pool, format!("DELETE FROM {}", kind.store().sets_table())).await;
}

/// OS1 and OS2 on one engine. Returns whether every set held what it should.
pub(crate) async fn workloads<DB>(pool: &Pool<DB>, engine: &str, quick: bool) -> bool
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let members = members(quick);
    let kind = seed(pool, members).await;
    let mut agree = true;
    let half = members / 2;

    // OS2 first, while the process's peak heap is still small.
    let a = kind
        .create(
            pool,
            "a",
            QuerySet::table(OBJECTS)
                .primary_key("id")
                .filter(Expr::col("id").lte(half)),
        )
        .await
        .expect("OS2 a");
    let b = kind
        .create(
            pool,
            "b",
            QuerySet::table(OBJECTS)
                .primary_key("id")
                .filter(Expr::col("id").gt(half / 2))
                .filter(Expr::col("id").lte(half / 2 + half)),
        )
        .await
        .expect("OS2 b");
    let peak_before = ALLOCATOR.max_allocated();
    let mut intersections = Vec::new();
    let mut symmetric = Vec::new();
    for round in 0..3 {
        let start = Instant::now();
        let both = a
            .intersection(pool, &b, &format!("and{round}"))
            .await
            .expect("OS2 and");
        intersections.push(start.elapsed());
        let start = Instant::now();
        let either = a
            .symmetric_difference(pool, &b, &format!("xor{round}"))
            .await
            .expect("OS2 xor");
        symmetric.push(start.elapsed());
        if both.count() != (half / 2).unsigned_abs() || either.count() != half.unsigned_abs() {
            println!(
                "MISMATCH OS2 {engine}: {} and {} members",
                both.count(),
                either.count()
            );
            agree = false;
        }
        both.delete(pool).await.expect("cleanup");
        either.delete(pool).await.expect("cleanup");
    }
    let peak_after = ALLOCATOR.max_allocated();
    let inputs = (2 * half) as f64;
    let (and, xor) = (spread(intersections), spread(symmetric));
    println!(
        "RESULT OS2 {engine} members={half}+{half} intersection_ms={:.1} symmetric_ms={:.1} ns_per_input_member={:.0}/{:.0} median_ms={:.1}/{:.1} peak_heap_growth_kb={}",
        and.min * 1e3,
        xor.min * 1e3,
        and.min * 1e9 / inputs,
        xor.min * 1e9 / inputs,
        and.median * 1e3,
        xor.median * 1e3,
        peak_after.saturating_sub(peak_before) / 1024
    );
    reset(pool, &kind).await;

    // OS1: interleaved rounds of the two ways to save the same set.
    let filtered = || {
        QuerySet::table(OBJECTS)
            .primary_key("id")
            .filter(Expr::col("grp").ne(0))
    };
    let rounds = if quick { 2 } else { 3 };
    let (mut in_database, mut round_trip) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let start = Instant::now();
        let set = kind
            .create(pool, &format!("db{round}"), filtered())
            .await
            .expect("OS1");
        in_database.push(start.elapsed());
        agree &= check(engine, "in database", set.count(), members);
        reset(pool, &kind).await;

        let start = Instant::now();
        let set = django_style(pool, &kind, &format!("app{round}"), filtered()).await;
        round_trip.push(start.elapsed());
        agree &= check(engine, "round trip", set, members);
        reset(pool, &kind).await;
    }
    let (db, app) = (spread(in_database), spread(round_trip));
    println!(
        "RESULT OS1 {engine} members={members} setql_ms={:.0} roundtrip_ms={:.0} speedup={:.1}x median_speedup={:.1}x",
        db.min * 1e3,
        app.min * 1e3,
        app.min / db.min,
        app.median / db.median
    );
    for table in [
        kind.store().members_table(),
        kind.store().sets_table(),
        OBJECTS,
    ] {
        run(pool, format!("DROP TABLE IF EXISTS {table}")).await;
    }
    agree
}

fn check(engine: &str, strategy: &str, got: u64, members: i64) -> bool {
    let ok = got == members.unsigned_abs();
    if !ok {
        println!("MISMATCH OS1 {engine} {strategy}: {got} members, expected {members}");
    }
    ok
}

/// What django-objectset does: read every id into the application, then insert the
/// memberships back 1,000 rows to a statement. Returns the members written.
async fn django_style<DB>(pool: &Pool<DB>, kind: &Kind, name: &str, source: QuerySet) -> u64
where
    DB: setql::Backend,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB> + Acquire<'c, Database = DB>,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let ids: Vec<i64> = source
        .columns(["id"])
        .fetch_scalars(pool)
        .await
        .expect("ids");
    let set = kind
        .create(pool, name, Vec::<i64>::new())
        .await
        .expect("empty set");
    let mut tx = pool.begin().await.expect("begin");
    for batch in ids.chunks(1000) {
        let rows: Vec<String> = batch
            .iter()
            .map(|id| format!("({}, {id}, FALSE, FALSE)", set.id()))
            .collect();
        let sql = format!(
            "INSERT INTO {} (set_id, object_id, added_by_hand, removed) VALUES {}",
            kind.store().members_table(),
            rows.join(", ")
        );
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .expect("batch");
    }
    tx.commit().await.expect("commit");
    ids.len() as u64
}
