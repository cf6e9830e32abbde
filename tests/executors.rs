//! Every method that runs SQL takes the same executors, on every engine: `&Pool`,
//! `&mut PoolConnection`, `&mut Transaction` and `&mut` a connection.

mod common;
#[allow(dead_code)]
#[path = "object_set/fixture.rs"]
mod fixture;

use common::*;
use fixture::Fixture;
use futures::TryStreamExt;
use sea_query::{Expr, ExprTrait, Order};
use setql::prelude::*;
use setql::{Capabilities, Error};

type Row = (i32, i32, i32);

/// Runs `$body` four times, with `$executor!()` a pool, a pooled connection, a transaction
/// (rolled back afterwards), and the connection inside a pooled connection.
macro_rules! with_each_executor {
    ($pool:expr, |$executor:ident, $name:ident| $body:block) => {{
        {
            let $name = "pool";
            macro_rules! $executor {
                () => {
                    $pool
                };
            }
            $body
        }
        {
            let $name = "pool connection";
            let mut conn = $pool.acquire().await.unwrap();
            macro_rules! $executor {
                () => {
                    &mut conn
                };
            }
            $body
        }
        {
            let $name = "transaction";
            let mut tx = $pool.begin().await.unwrap();
            {
                macro_rules! $executor {
                    () => {
                        &mut tx
                    };
                }
                $body
            }
            tx.rollback().await.unwrap();
        }
        {
            let $name = "connection";
            let mut conn = $pool.acquire().await.unwrap();
            macro_rules! $executor {
                () => {
                    &mut *conn
                };
            }
            $body
        }
    }};
}

engines!(
    /// Every query-set method, with each executor.
    query_set_methods_take_every_executor,
    |pool, engine| {
        let t = numbers(pool).await;
        exec(pool, format!("INSERT INTO {t} (id, num, other_num) VALUES (101, 50, 0), (102, 51, 0), (103, 52, 0), (104, 53, 0)")).await;
        let set = QuerySet::table(t.clone()).primary_key("id").filter(Expr::col("num").lt(3)).order_by("num", Order::Asc);
        let mut round = 0;
        with_each_executor!(pool, |executor, name| {
            let tag = format!("{engine:?} {name}");
            let all: Vec<Row> = set.fetch_all(executor!()).await.unwrap();
            assert_eq!(all, [(1, 0, 10), (2, 1, 9), (3, 2, 8)], "{tag}");
            let streamed: Vec<Row> = set.fetch::<_, Row>(executor!()).try_collect().await.unwrap();
            assert_eq!(streamed, all, "{tag}");
            let optional: Option<Row> = set.fetch_optional(executor!()).await.unwrap();
            assert_eq!(optional, Some((1, 0, 10)), "{tag}");
            let one: Row = set.fetch_one(executor!()).await.unwrap();
            assert_eq!(one.0, 1, "{tag}");
            let first: Option<Row> = set.first(executor!()).await.unwrap();
            let last: Option<Row> = set.last(executor!()).await.unwrap();
            assert_eq!((first.map(|r| r.0), last.map(|r| r.0)), (Some(1), Some(3)), "{tag}");
            let got: Row = set.clone().filter(Expr::col("id").eq(2)).get(executor!()).await.unwrap();
            assert_eq!(got.0, 2, "{tag}");
            let ids: Vec<i32> = set.clone().columns(["id"]).fetch_scalars(executor!()).await.unwrap();
            assert_eq!(ids, [1, 2, 3], "{tag}");
            let id: i32 = set.clone().columns(["id"]).fetch_scalar(executor!()).await.unwrap();
            let none: Option<i32> = set.clone().columns(["id"]).filter(Expr::col("id").gt(99)).fetch_optional_scalar(executor!()).await.unwrap();
            assert_eq!((id, none), (1, None), "{tag}");
            let page: Page<Row> = set.page(2, 2, executor!()).await.unwrap();
            assert_eq!((page.items.len(), page.total), (1, 3), "{tag}");
            let keyset: KeysetPage<Row> = set.page_after(None, 2, executor!()).await.unwrap();
            let next = keyset.next.clone().expect("a next page");
            let back: KeysetPage<Row> = set.page_before(&next, 2, executor!()).await.unwrap();
            assert_eq!(back.items.len(), 1, "{tag}");
            assert!(set.exists(executor!()).await.unwrap(), "{tag}");
            assert_eq!(set.count(executor!()).await.unwrap(), 3, "{tag}");
            let bumped = set.update(executor!(), [("other_num", Expr::col("other_num").add(1))]).await.unwrap();
            assert_eq!(bumped, 3, "{tag}");
            // Back as it was, for the next executor.
            set.update(executor!(), [("other_num", Expr::col("other_num").sub(1))]).await.unwrap();
            round += 1;
            let spare = QuerySet::table(t.clone()).filter(Expr::col("id").eq(100 + round));
            assert_eq!(spare.delete(executor!()).await.unwrap(), 1, "{tag}");
            let caps = Capabilities::detect(executor!()).await.unwrap();
            assert_eq!(caps.dialect(), engine.dialect(), "{tag}");
        });
        // Misuse in a transaction is refused before anything is sent, as with a pool.
        assert_eq!(QuerySet::table(t.clone()).count(pool).await.unwrap(), 11, "{engine:?}: the transaction's delete was rolled back");
        let ids = || set.clone().columns(["id"]);
        let misuse = (ids() | ids()).order_by("nope", Order::Asc).limit(1);
        let mut tx = pool.begin().await.unwrap();
        assert!(matches!(misuse.fetch_all::<_, (i32,)>(&mut tx).await, Err(Error::UnknownColumn { .. })));
        tx.rollback().await.unwrap();
    }
);

engines!(
    /// Every object-set method that runs SQL, with each executor; inside a transaction its
    /// changes are the transaction's.
    object_set_methods_take_every_executor,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let mut round = 0;
        with_each_executor!(pool, |executor, name| {
            round += 1;
            let tag = format!("{engine:?} {name}");
            let set_name = format!("s{round}");
            let mut set = kind.create(executor!(), &set_name, vec![1, 2, 3]).await.unwrap();
            assert_eq!(kind.load(executor!(), set.id()).await.unwrap().count(), 3, "{tag}");
            assert_eq!(kind.find(executor!(), &set_name).await.unwrap().id(), set.id(), "{tag}");
            assert!(!kind.list(executor!()).await.unwrap().is_empty(), "{tag}");
            assert_eq!(set.add(executor!(), 4).await.unwrap(), 1, "{tag}");
            assert_eq!(set.remove(executor!(), 4).await.unwrap(), 1, "{tag}");
            assert_eq!(set.add_many(executor!(), [5, 6]).await.unwrap(), 2, "{tag}");
            assert_eq!(set.remove_many(executor!(), [5, 6]).await.unwrap(), 2, "{tag}");
            assert!(set.contains(executor!(), 1).await.unwrap(), "{tag}");
            assert_eq!(set.union_with(executor!(), vec![7]).await.unwrap(), 1, "{tag}");
            assert_eq!(set.intersect_with(executor!(), vec![1, 2, 3]).await.unwrap(), 1, "{tag}");
            assert_eq!(set.difference_with(executor!(), vec![3]).await.unwrap(), 1, "{tag}");
            assert_eq!(set.symmetric_difference_with(executor!(), vec![2, 8]).await.unwrap(), 2, "{tag}");
            assert_eq!(set.replace(executor!(), vec![1, 2]).await.unwrap(), 2, "{tag}");
            let other = kind.create(executor!(), &format!("o{round}"), vec![2, 9]).await.unwrap();
            let both = &set & &other;
            assert_eq!(both.count(executor!()).await.unwrap(), 1, "{tag}");
            assert!(both.contains(executor!(), 2).await.unwrap(), "{tag}");
            let saved = both.save_as(executor!(), &format!("b{round}")).await.unwrap();
            let union = set.union(executor!(), &other, &format!("u{round}")).await.unwrap();
            assert_eq!(union.count(), 3, "{tag}");
            set.refresh(executor!()).await.unwrap();
            assert_eq!(set.clear(executor!()).await.unwrap(), 2, "{tag}");
            assert_eq!(set.purge(executor!()).await.unwrap(), 0, "{tag}");
            saved.delete(executor!()).await.unwrap();
            assert!(matches!(kind.load(executor!(), saved.id()).await, Err(Error::NotFound)), "{tag}");
        });
        // The transaction's sets were rolled back with it; the others stay.
        let names: Vec<String> = kind.list(pool).await.unwrap().iter().map(|s| s.name().to_owned()).collect();
        assert!(names.contains(&"s1".to_owned()) && !names.contains(&"s3".to_owned()), "{engine:?}: {names:?}");
    }
);
