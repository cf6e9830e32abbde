//! Object-set edits with id lists of any length, and `modified` stamped only by edits that
//! change the membership, on every engine.

mod common;
#[allow(dead_code)]
#[path = "object_set/fixture.rs"]
mod fixture;

use std::time::Duration;

use common::*;
use fixture::{Fixture, assert_members};

/// More ids than any engine takes as bound values in one statement: SQLite takes 32,766,
/// PostgreSQL and MySQL/MariaDB 65,535.
const LONG: i64 = 70_000;

/// The fixture with its table holding ids 1 to `LONG`.
async fn long_fixture<DB>(pool: &sqlx::Pool<DB>) -> Fixture
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let f = Fixture::new(pool).await;
    let ids: Vec<i64> = (21..=LONG).collect();
    for chunk in ids.chunks(5_000) {
        let rows: Vec<String> = chunk
            .iter()
            .map(|id| format!("({id}, {})", id % 3))
            .collect();
        exec(
            pool,
            format!(
                "INSERT INTO {} (id, grp) VALUES {}",
                f.table,
                rows.join(", ")
            ),
        )
        .await;
    }
    f
}

engines!(
    /// Every operation takes a list of 70,000 ids, in one transaction.
    every_operation_takes_a_list_of_any_length,
    |pool, engine| {
        let f = long_fixture(pool).await;
        let kind = f.kind();
        let all: Vec<i64> = (1..=LONG).collect();
        let evens: Vec<i64> = (2..=LONG).step_by(2).collect();
        let mut set = kind.create(pool, "long", all.clone()).await.unwrap();
        assert_eq!(set.count(), LONG as u64, "{engine:?} create");
        // Keep the evens: 35,000 odd ids leave.
        assert_eq!(set.intersect_with(pool, evens.clone()).await.unwrap(), 35_000, "{engine:?} intersect_with");
        assert_eq!(set.count(), 35_000);
        assert_eq!(set.union_with(pool, all.clone()).await.unwrap(), 35_000, "{engine:?} union_with");
        assert_eq!(set.difference_with(pool, evens.clone()).await.unwrap(), 35_000, "{engine:?} difference_with");
        assert_eq!(set.symmetric_difference_with(pool, all.clone()).await.unwrap(), LONG as u64, "{engine:?} symmetric_difference_with");
        // Now the evens again.
        assert_eq!(set.remove_many(pool, evens.clone()).await.unwrap(), 35_000, "{engine:?} remove_many");
        assert_eq!(set.add_many(pool, all.clone()).await.unwrap(), LONG as u64, "{engine:?} add_many");
        assert_eq!(set.replace(pool, evens.clone()).await.unwrap(), 35_000, "{engine:?} replace");
        // An intersection with a long list of which only some ids are members, and some are
        // not rows at all.
        let mut small = kind.create(pool, "small", vec![1, 2, 3, 4, 5]).await.unwrap();
        let shifted: Vec<i64> = (3..=LONG + 2).collect();
        assert_eq!(small.intersect_with(pool, shifted).await.unwrap(), 2, "{engine:?}");
        assert_members(pool, &small, &[3, 4, 5]).await;
        let reread = kind.load(pool, set.id()).await.unwrap();
        assert_eq!(reread.count(), 35_000, "{engine:?}");
        // No scratch set is left behind.
        assert_eq!(kind.list(pool).await.unwrap().len(), 2, "{engine:?}");
    }
);

engines!(
    /// `modified` is when the membership last changed: an edit that changes nothing keeps it.
    edits_that_change_nothing_keep_modified,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let mut set = kind.create(pool, "s", vec![1, 2, 3]).await.unwrap();
        let other = kind.create(pool, "other", vec![7, 8]).await.unwrap();
        let created = set.modified();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(set.add(pool, 1).await.unwrap(), 0);
        assert_eq!(set.remove(pool, 9).await.unwrap(), 0);
        assert_eq!(set.add_many(pool, [2, 3]).await.unwrap(), 0);
        assert_eq!(set.remove_many(pool, [10, 11]).await.unwrap(), 0);
        assert_eq!(set.union_with(pool, vec![1, 2]).await.unwrap(), 0);
        assert_eq!(set.difference_with(pool, &other).await.unwrap(), 0);
        assert_eq!(set.intersect_with(pool, vec![1, 2, 3, 4]).await.unwrap(), 0);
        assert_eq!(set.symmetric_difference_with(pool, Vec::<i64>::new()).await.unwrap(), 0);
        assert_eq!(set.replace(pool, vec![3, 2, 1]).await.unwrap(), 0);
        let mut empty = kind.create(pool, "empty", Vec::<i64>::new()).await.unwrap();
        let empty_created = empty.modified();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(empty.clear(pool).await.unwrap(), 0);
        for (name, value, stamp) in [("s", &set, created), ("empty", &empty, empty_created)] {
            assert_eq!(value.modified(), stamp, "{engine:?} {name}: the value");
            let stored = kind.load(pool, value.id()).await.unwrap();
            assert_eq!(stored.modified(), stamp, "{engine:?} {name}: the stored row");
        }
        assert_members(pool, &set, &[1, 2, 3]).await;
        // An edit that changes something stamps it.
        assert_eq!(set.add(pool, 4).await.unwrap(), 1);
        assert!(set.modified() > created, "{engine:?}");
        assert_eq!(kind.load(pool, set.id()).await.unwrap().modified(), set.modified());
    }
);
