//! A slice keeps the order that chose its window when it is then filtered, projected or given
//! a computed column, on every engine; and `distinct()` after such a slice is refused only
//! where its order would be seen.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Dialect, Error};

/// `t(id BIGINT PRIMARY KEY, y BIGINT NOT NULL)` with `y = id % 3`, ids 1 to 2,000.
async fn thirds<DB>(pool: &sqlx::Pool<DB>) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("thirds");
    exec(
        pool,
        format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, y BIGINT NOT NULL)"),
    )
    .await;
    for chunk in (1..=2000).collect::<Vec<i64>>().chunks(500) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|id| format!("({id}, {})", id % 3))
            .collect();
        exec(
            pool,
            format!("INSERT INTO {t} (id, y) VALUES {}", rows.join(", ")),
        )
        .await;
    }
    t
}

/// The window `y DESC, id DESC LIMIT 10` chose: the ten largest ids with y = 2.
const WINDOW: [i64; 10] = [2000, 1997, 1994, 1991, 1988, 1985, 1982, 1979, 1976, 1973];

engines!(
    /// MariaDB returned `[1973, 2000, …]` and `[1994, …, 1973, 2000, 1997]` here, as the
    /// outer query repeated `y DESC` without the `id DESC` that broke the ties.
    a_filtered_or_projected_slice_keeps_its_whole_order,
    |pool, engine| {
        let t = thirds(pool).await;
        let window = QuerySet::table(t.clone()).primary_key("id").order_by("y", Order::Desc).limit(10);
        let ids = |set: &QuerySet| {
            let set = set.clone();
            async move {
                let ids: Vec<i64> = set.columns(["id"]).fetch_scalars(pool).await.unwrap();
                ids
            }
        };
        assert_eq!(ids(&window).await, WINDOW, "{engine:?} the window itself");
        assert_eq!(ids(&window.clone().filter(Expr::col("id").gt(0))).await, WINDOW, "{engine:?} filtered");
        let projected: Vec<i64> = window.clone().columns(["id"]).fetch_scalars(pool).await.unwrap();
        assert_eq!(projected, WINDOW, "{engine:?} projected");
        let computed: Vec<(i64, i64, i64)> = window.clone().column_as(Expr::col("id").mul(2), "twice").fetch_all(pool).await.unwrap();
        assert_eq!(computed.iter().map(|row| row.0).collect::<Vec<_>>(), WINDOW, "{engine:?} computed");
        // The pages and ends of the same set agree with fetch_all.
        let page: Page<(i64,)> = window.clone().columns(["id"]).page(1, 10, pool).await.unwrap();
        assert_eq!(page.items.iter().map(|row| row.0).collect::<Vec<_>>(), WINDOW, "{engine:?} page");
        let keyset: KeysetPage<(i64, i64)> = window.clone().filter(Expr::col("id").gt(0)).page_after(None, 10, pool).await.unwrap();
        assert_eq!(keyset.items.iter().map(|row| row.0).collect::<Vec<_>>(), WINDOW, "{engine:?} keyset");
        let first: Option<(i64, i64)> = window.clone().filter(Expr::col("id").gt(0)).first(pool).await.unwrap();
        let last: Option<(i64, i64)> = window.clone().filter(Expr::col("id").gt(0)).last(pool).await.unwrap();
        assert_eq!((first.map(|r| r.0), last.map(|r| r.0)), (Some(2000), Some(1973)), "{engine:?}");
        // The outer statement names the tie-breaker; an ordering column the projection
        // drops is carried out as a hidden column.
        assert_eq!(
            window.clone().columns(["id"]).to_sql(Dialect::MySql).unwrap(),
            format!("SELECT `id` FROM (SELECT * FROM `{t}` ORDER BY `y` DESC, `id` DESC LIMIT 10) AS `t1` ORDER BY `y` DESC, `id` DESC")
        );
        let narrow = QuerySet::table(t.clone()).primary_key("id").columns(["id"]).order_by("y", Order::Desc).limit(10);
        assert_eq!(ids(&narrow.clone().filter(Expr::col("id").gt(0))).await, WINDOW, "{engine:?} hidden column");
        assert_eq!(
            narrow.filter(Expr::col("id").gt(0)).to_sql(Dialect::MySql).unwrap(),
            format!("SELECT `id` FROM (SELECT `id`, `y` AS `setql_sort_1` FROM `{t}` ORDER BY `y` DESC, `id` DESC LIMIT 10) AS `t1` WHERE `id` > 0 ORDER BY `setql_sort_1` DESC, `id` DESC")
        );
    }
);

engines!(
    /// `distinct()` after a slice ordered by a column it drops: a set operation keeps no
    /// order, so as a branch it runs; read by itself its order would be lost, so it is
    /// refused, before anything is sent.
    distinct_is_refused_only_where_its_order_is_seen,
    |pool, engine| {
        let t = thirds(pool).await;
        // No key is declared, so DISTINCT is not a no-op.
        let picked = QuerySet::table(t.clone()).order_by("id", Order::Asc).limit(4).columns(["y"]).distinct();
        let refused = picked.fetch_all::<_, (i64,)>(pool).await;
        assert!(matches!(&refused, Err(Error::DistinctLosesOrder { column }) if column == "id"), "{engine:?}: {refused:?}");
        assert!(matches!(picked.to_sql(Dialect::Sqlite), Err(Error::DistinctLosesOrder { .. })));
        // `count` refuses what `fetch_all` refuses, though it would drop the order.
        assert!(matches!(picked.count(pool).await, Err(Error::DistinctLosesOrder { .. })), "{engine:?}");
        assert_eq!(picked.clone().clear_order_by().count(pool).await.unwrap(), 3, "{engine:?}");
        // As a branch of each set operation it runs.
        let other = || QuerySet::table(t.clone()).filter(Expr::col("id").eq(5)).columns(["y"]);
        let mut union: Vec<i64> = picked.clone().union(other()).fetch_scalars(pool).await.unwrap();
        union.sort_unstable();
        assert_eq!(union, [0, 1, 2], "{engine:?} union");
        let both: Vec<i64> = picked.clone().intersection(other()).fetch_scalars(pool).await.unwrap();
        assert_eq!(both, [2], "{engine:?} intersection");
        let mut rest: Vec<i64> = picked.clone().difference(other()).fetch_scalars(pool).await.unwrap();
        rest.sort_unstable();
        assert_eq!(rest, [0, 1], "{engine:?} difference");
    }
);
