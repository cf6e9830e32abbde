//! Persistent object sets on every engine: the algebra django-objectset's tests check, with
//! the values set algebra gives; edits that keep `count` exact; tracking; stored sets used in
//! other queries; and the bad input each gets a typed error for, with nothing written.

mod common;
#[path = "object_set/fixture.rs"]
mod fixture;

use fixture::{Fixture, assert_members};
use setql::Error;
use setql::prelude::*;

engines!(
    /// django-objectset's operators on {1..4} and {3..6}, lazy and saved.
    operators_on_one_to_four_and_three_to_six,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let a = kind.create(pool, "a", vec![1, 2, 3, 4]).await.unwrap();
        let b = kind.create(pool, "b", f.rows(&[3, 4, 5, 6])).await.unwrap();
        assert_members(pool, &a, &[1, 2, 3, 4]).await;
        assert_members(pool, &b, &[3, 4, 5, 6]).await;
        let cases: [(&str, setql::object_set::SetExpr, &[i64]); 4] = [
            ("or", &a | &b, &[1, 2, 3, 4, 5, 6]),
            ("and", &a & &b, &[3, 4]),
            ("sub", &a - &b, &[1, 2]),
            ("xor", &a ^ &b, &[1, 2, 5, 6]),
        ];
        for (name, expr, expected) in cases {
            // The count is true before saving (django-objectset's is 0 until then).
            assert_eq!(expr.count(pool).await.unwrap(), expected.len() as u64, "{engine:?} {name}");
            let saved = expr.save_as(pool, name).await.unwrap();
            assert_members(pool, &saved, expected).await;
        }
        let saved = a.union(pool, &b, "union").await.unwrap();
        assert_members(pool, &saved, &[1, 2, 3, 4, 5, 6]).await;
        let saved = a.intersection(pool, &b, "intersection").await.unwrap();
        assert_members(pool, &saved, &[3, 4]).await;
        let saved = b.difference(pool, &a, "difference").await.unwrap();
        assert_members(pool, &saved, &[5, 6]).await;
        let saved = a.symmetric_difference(pool, &b, "symmetric").await.unwrap();
        assert_members(pool, &saved, &[1, 2, 5, 6]).await;
        // The operands are unchanged.
        assert_members(pool, &a, &[1, 2, 3, 4]).await;
        assert_members(pool, &b, &[3, 4, 5, 6]).await;
    }
);

engines!(
    /// The README's worked example, and chains of several operators.
    fibonacci_and_every_third,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let fib = kind.create(pool, "fib", [1, 2, 3, 5, 8, 13]).await.unwrap();
        let third = kind.create(pool, "third", [2, 5, 8, 11, 14]).await.unwrap();
        let evens = kind.create(pool, "evens", f.rows(&[2, 4, 6, 8, 10, 12, 14])).await.unwrap();
        let read = |expr: setql::object_set::SetExpr| async move {
            let mut ids: Vec<i64> = expr.ids().fetch_scalars(pool).await.unwrap();
            ids.sort_unstable();
            ids
        };
        assert_eq!(read(&fib | &third).await, [1, 2, 3, 5, 8, 11, 13, 14], "{engine:?}");
        assert_eq!(read(&fib & &third).await, [2, 5, 8]);
        assert_eq!(read(&fib - &third).await, [1, 3, 13]);
        assert_eq!(read(&fib ^ &third).await, [1, 3, 11, 13, 14]);
        assert_eq!(read((&fib | &third) - &evens).await, [1, 3, 5, 11, 13]);
        assert_eq!(read((&fib ^ &third) & &evens).await, [14]);
        assert_eq!(read(&fib - (&third & &evens)).await, [1, 3, 5, 13]);
        // Members of an expression are rows of the kind's table, and filter like any set.
        let odd_members = (&fib | &third).members().filter(Expr::col("grp").eq(2));
        let mut found: Vec<i64> = odd_members.columns(["id"]).fetch_scalars(pool).await.unwrap();
        found.sort_unstable();
        assert_eq!(found, [2, 5, 8, 11, 14]);
    }
);

engines!(
    /// In-place operators change the set at once and compose in any order before any save.
    in_place_operators_compose,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let mut a = kind.create(pool, "a", [1, 2, 3, 4]).await.unwrap();
        let b = kind.create(pool, "b", [3, 4, 5, 6]).await.unwrap();
        let c = kind.create(pool, "c", [4, 6, 8]).await.unwrap();
        assert_eq!(a.union_with(pool, &b).await.unwrap(), 2, "{engine:?}");
        assert_members(pool, &a, &[1, 2, 3, 4, 5, 6]).await;
        assert_eq!(a.intersect_with(pool, &c).await.unwrap(), 4);
        assert_members(pool, &a, &[4, 6]).await;
        assert_eq!(a.symmetric_difference_with(pool, &b).await.unwrap(), 4);
        assert_members(pool, &a, &[3, 5]).await;
        assert_eq!(a.difference_with(pool, &b).await.unwrap(), 2);
        assert_members(pool, &a, &[]).await;
        // Other sources: ids, query sets and expressions.
        assert_eq!(a.union_with(pool, vec![7, 7, 9]).await.unwrap(), 2);
        assert_eq!(a.union_with(pool, f.rows(&[9, 10])).await.unwrap(), 1);
        assert_eq!(a.symmetric_difference_with(pool, &b | &c).await.unwrap(), 5);
        assert_members(pool, &a, &[3, 4, 5, 6, 7, 8, 9, 10]).await;
        assert_eq!(a.intersect_with(pool, Vec::<i64>::new()).await.unwrap(), 8);
        assert_members(pool, &a, &[]).await;
    }
);

engines!(
    /// An operation whose other side reads the set itself sees the set as it was.
    operations_with_the_set_itself,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let mut a = kind.create(pool, "a", [1, 2, 3]).await.unwrap();
        let b = kind.create(pool, "b", [3, 4]).await.unwrap();
        let same = a.clone();
        assert_eq!(a.union_with(pool, &same).await.unwrap(), 0, "{engine:?}");
        assert_eq!(a.intersect_with(pool, &same).await.unwrap(), 0);
        assert_members(pool, &a, &[1, 2, 3]).await;
        // {1, 2, 3} ^ {1, 2, 3, 4}: three left, one joined.
        assert_eq!(a.symmetric_difference_with(pool, &same | &b).await.unwrap(), 4);
        assert_members(pool, &a, &[4]).await;
        let same = a.clone();
        assert_eq!(a.symmetric_difference_with(pool, &same).await.unwrap(), 1);
        assert_members(pool, &a, &[]).await;
        a.add_many(pool, [1, 2]).await.unwrap();
        let same = a.clone();
        assert_eq!(a.difference_with(pool, &same).await.unwrap(), 2);
        assert_members(pool, &a, &[]).await;
        // No scratch set is left behind.
        assert_eq!(kind.list(pool).await.unwrap().len(), 2);
    }
);

engines!(
    /// add, remove, add_many, remove_many, clear and replace return the members changed,
    /// and the stored count stays exact.
    edits_count_what_changed,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let mut set = kind.create(pool, "edited", Vec::<i64>::new()).await.unwrap();
        assert_members(pool, &set, &[]).await;
        assert_eq!(set.add(pool, 1).await.unwrap(), 1, "{engine:?}");
        assert_eq!(set.add(pool, 1).await.unwrap(), 0);
        assert_eq!(set.add_many(pool, [2, 3, 3, 2, 4]).await.unwrap(), 3);
        assert_eq!(set.remove(pool, 9).await.unwrap(), 0);
        assert_eq!(set.remove(pool, 4).await.unwrap(), 1);
        assert_eq!(set.remove_many(pool, [1, 1, 17]).await.unwrap(), 1);
        assert_members(pool, &set, &[2, 3]).await;
        assert!(set.contains(pool, 2).await.unwrap());
        assert!(!set.contains(pool, 1).await.unwrap());
        // {2, 3} -> {3, 5, 6}: 2 left, 5 and 6 joined.
        assert_eq!(set.replace(pool, [3, 5, 6]).await.unwrap(), 3);
        assert_members(pool, &set, &[3, 5, 6]).await;
        assert_eq!(set.replace(pool, f.rows(&[5, 6])).await.unwrap(), 1);
        assert_eq!(set.clear(pool).await.unwrap(), 2);
        assert_members(pool, &set, &[]).await;
        // A long list is written in chunks and counted once per id.
        let many: Vec<i64> = (1..=20).cycle().take(25_000).collect();
        assert_eq!(set.add_many(pool, many).await.unwrap(), 20);
        assert_members(pool, &set, &(1..=20).collect::<Vec<_>>()).await;
    }
);

engines!(
    /// With tracking, removal is a mark: the member is gone everywhere until purged.
    tracking_marks_removals,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind().tracking(true);
        let mut set = kind.create(pool, "tracked", [1, 2, 3]).await.unwrap();
        assert_eq!(set.add(pool, 4).await.unwrap(), 1, "{engine:?}");
        assert_eq!(set.remove(pool, 2).await.unwrap(), 1);
        assert_eq!(set.remove(pool, 2).await.unwrap(), 0);
        assert_members(pool, &set, &[1, 3, 4]).await;
        assert!(!set.contains(pool, 2).await.unwrap());
        let in_set = QuerySet::table(f.table.clone()).filter_in("id", &set.ids());
        assert_eq!(in_set.count(pool).await.unwrap(), 3);
        let outside = QuerySet::table(f.table.clone()).exclude_in("id", &set.ids());
        assert_eq!(outside.count(pool).await.unwrap(), 17);
        let read = |q: QuerySet| async move {
            let mut ids: Vec<i64> = q.columns(["id"]).fetch_scalars(pool).await.unwrap();
            ids.sort_unstable();
            ids
        };
        assert_eq!(read(set.added()).await, [4]);
        assert_eq!(read(set.removed()).await, [2]);
        // The operators do not see a removed member either.
        let other = kind.create(pool, "other", [2, 3]).await.unwrap();
        assert_eq!((&set & &other).count(pool).await.unwrap(), 1);
        // Adding it again restores it, marked as added by hand.
        assert_eq!(set.add(pool, 2).await.unwrap(), 1);
        assert_eq!(read(set.removed()).await, Vec::<i64>::new());
        assert_eq!(read(set.added()).await, [2, 4]);
        set.remove_many(pool, [1, 3]).await.unwrap();
        assert_eq!(set.purge(pool).await.unwrap(), 2);
        assert_eq!(read(set.removed()).await, Vec::<i64>::new());
        assert_members(pool, &set, &[2, 4]).await;
    }
);

engines!(
    /// A stored set is a building block: in a delayed union with a later filter, paged, and
    /// as a subquery filter (never with LIMIT directly inside IN, which MySQL refuses).
    stored_sets_compose_with_query_sets,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let cohort = kind.create(pool, "cohort", [1, 2, 3, 4, 5]).await.unwrap();
        let recent = QuerySet::table(f.table.clone()).primary_key("id").filter(Expr::col("id").gt(15));
        let feed = cohort
            .members()
            .union(recent)
            .filter(Expr::col("grp").ne(0))
            .order_by("id", Order::Desc);
        let got: Vec<i64> = feed.clone().columns(["id"]).fetch_scalars(pool).await.unwrap();
        // grp = id % 3: the cohort's 3 and the recent 18 are filtered out.
        assert_eq!(got, [20, 19, 17, 16, 5, 4, 2, 1], "{engine:?}");
        assert_eq!(feed.count(pool).await.unwrap(), 8);
        let page: Page<(i64, i32)> = feed.page(2, 3, pool).await.unwrap();
        assert_eq!(page.items, [(16, 1), (5, 2), (4, 1)]);
        let first_three = cohort.ids().order_by("object_id", Order::Asc).limit(3);
        let sliced = QuerySet::table(f.table.clone()).filter_in("id", &first_three);
        assert_eq!(sliced.count(pool).await.unwrap(), 3);
    }
);

engines!(
    /// find, load, list and delete; a deleted set is not found by any operation.
    find_load_list_delete,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        let a = kind.create(pool, "alpha", [1]).await.unwrap();
        let b = kind.create(pool, "beta", [2, 3]).await.unwrap();
        assert_eq!(kind.find(pool, "beta").await.unwrap(), b, "{engine:?}");
        assert_eq!(kind.load(pool, a.id()).await.unwrap(), a);
        let names: Vec<String> = kind.list(pool).await.unwrap().iter().map(|s| s.name().to_owned()).collect();
        assert_eq!(names, ["alpha", "beta"]);
        assert!(a.created() <= a.modified());
        a.delete(pool).await.unwrap();
        assert!(matches!(kind.load(pool, a.id()).await, Err(Error::NotFound)));
        assert!(matches!(kind.find(pool, "alpha").await, Err(Error::NotFound)));
        assert!(matches!(a.delete(pool).await, Err(Error::NotFound)));
        let mut gone = a.clone();
        assert!(matches!(gone.add(pool, 5).await, Err(Error::NotFound)));
        assert!(matches!(gone.clear(pool).await, Err(Error::NotFound)));
        let mut live = b.clone();
        assert!(matches!(live.union_with(pool, &a).await, Err(Error::NotFound)));
        assert!(matches!((&b | &a).save_as(pool, "x").await, Err(Error::NotFound)));
        assert_members(pool, &b, &[2, 3]).await;
        assert_eq!(kind.list(pool).await.unwrap().len(), 1);
    }
);

engines!(
    /// django-objectset's own cases, with the values setql's semantics give (its ids start
    /// at 0; here at 1): in-place operators, operator chains, bulk, update, replace, clear,
    /// contains, and the soft-remove cases.
    django_objectset_cases,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        // In place: s2 op= s1, for s1 = {1..4}, s2 = {3..6}.
        let s1 = kind.create(pool, "s1", [1, 2, 3, 4]).await.unwrap();
        let cases: [(&str, &[i64]); 4] = [("and", &[3, 4]), ("or", &[1, 2, 3, 4, 5, 6]), ("xor", &[1, 2, 5, 6]), ("sub", &[5, 6])];
        for (op, expected) in cases {
            let mut s2 = kind.create(pool, &format!("s2 {op}"), [3, 4, 5, 6]).await.unwrap();
            match op {
                "and" => s2.intersect_with(pool, &s1).await.unwrap(),
                "or" => s2.union_with(pool, &s1).await.unwrap(),
                "xor" => s2.symmetric_difference_with(pool, &s1).await.unwrap(),
                _ => s2.difference_with(pool, &s1).await.unwrap(),
            };
            assert_members(pool, &s2, expected).await;
        }
        // Chains, as django-objectset writes them: `s1 - s2 | s1` and `s2 - s1 ^ s2`, where `-`
        // binds tighter (in Rust as in Python); the parentheses only spell that out.
        let s2 = kind.find(pool, "s2 and").await.unwrap();
        let s2 = { let mut s = s2; s.replace(pool, [3, 4, 5, 6]).await.unwrap(); s };
        let s3 = ((&s1 - &s2) | &s1).save_as(pool, "s3").await.unwrap();
        assert_members(pool, &s3, &[1, 2, 3, 4]).await;
        let s4 = ((&s2 - &s1) ^ &s2).save_as(pool, "s4").await.unwrap();
        assert_members(pool, &s4, &[3, 4]).await;
        // An empty set saves, with a count of 0.
        let empty = kind.create(pool, "empty", Vec::<i64>::new()).await.unwrap();
        assert_members(pool, &empty, &[]).await;

        // bulk and update: duplicates and existing members count once, and never fail.
        let mut s = kind.create(pool, "bulk", Vec::<i64>::new()).await.unwrap();
        assert_eq!(s.add_many(pool, 1..=5).await.unwrap(), 5, "{engine:?}");
        assert_eq!(s.add_many(pool, 6..=10).await.unwrap(), 5);
        assert_eq!(s.add_many(pool, [4]).await.unwrap(), 0);
        assert_eq!(s.count(), 10);
        let mut u = kind.create(pool, "update", Vec::<i64>::new()).await.unwrap();
        assert_eq!(u.add_many(pool, (1..=10).step_by(2)).await.unwrap(), 5);
        assert_eq!(u.add_many(pool, (1..=10).step_by(2)).await.unwrap(), 0);
        assert_eq!(u.add_many(pool, 1..=10).await.unwrap(), 5);
        assert_eq!(u.count(), 10);
        assert!(u.contains(pool, 1).await.unwrap() && u.contains(pool, 8).await.unwrap());
        assert!(!u.contains(pool, 12).await.unwrap());
        // replace {1,2,3} by {3,4,5,6}: 2 left and 3 joined (django-objectset says 4, the
        // size of the new set).
        let mut r = kind.create(pool, "replace", [1, 2, 3]).await.unwrap();
        assert_eq!(r.replace(pool, [3, 4, 5, 6]).await.unwrap(), 5);
        assert_members(pool, &r, &[3, 4, 5, 6]).await;
        assert_eq!(u.clear(pool).await.unwrap(), 10);
        assert_members(pool, &u, &[]).await;
        assert_eq!(u.removed().count(pool).await.unwrap(), 0, "without tracking nothing is kept");
    }
);

engines!(
    /// django-objectset's soft-remove cases: with tracking, remove, replace and clear keep
    /// the rows, marked, until purge.
    django_objectset_soft_removal,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind().tracking(true);
        let mut s = kind.create(pool, "s", Vec::<i64>::new()).await.unwrap();
        assert_eq!(s.add(pool, 1).await.unwrap(), 1);
        assert_eq!(s.remove(pool, 1).await.unwrap(), 1);
        assert_eq!(s.count(), 0);
        assert_eq!(s.remove(pool, 1).await.unwrap(), 0);
        assert_eq!(s.removed().count(pool).await.unwrap(), 1, "{engine:?}: the row is kept");

        let mut r = kind.create(pool, "r", Vec::<i64>::new()).await.unwrap();
        r.add_many(pool, [1, 2, 3]).await.unwrap();
        assert_eq!(r.replace(pool, [3, 4, 5, 6]).await.unwrap(), 5);
        assert_members(pool, &r, &[3, 4, 5, 6]).await;
        assert_eq!(r.removed().count(pool).await.unwrap(), 2, "1 and 2 are kept, marked");
        assert_eq!(r.purge(pool).await.unwrap(), 2);
        assert_eq!(r.removed().count(pool).await.unwrap(), 0);
        assert_members(pool, &r, &[3, 4, 5, 6]).await;

        let mut c = kind.create(pool, "c", Vec::<i64>::new()).await.unwrap();
        c.add_many(pool, 1..=10).await.unwrap();
        assert_eq!(c.clear(pool).await.unwrap(), 10);
        assert_members(pool, &c, &[]).await;
        assert_eq!(c.removed().count(pool).await.unwrap(), 10);
        assert!(!c.contains(pool, 3).await.unwrap());
        assert_eq!(c.purge(pool).await.unwrap(), 10);
        assert_eq!(c.removed().count(pool).await.unwrap(), 0);
    }
);
