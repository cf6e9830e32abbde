//! What object sets refuse, on every engine: bad input gets a typed error and leaves
//! nothing behind, and no operation of one owner reads or changes another owner's set.

mod common;
#[allow(dead_code)]
#[path = "object_set/fixture.rs"]
mod fixture;

use common::*;
use fixture::{Fixture, assert_members};
use setql::Error;
use setql::prelude::*;

engines!(
    /// Names, kinds and sources that cannot make a set, and ids that are not rows.
    bad_input_is_refused_and_nothing_is_written,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        for name in ["", "   ", &"n".repeat(201), "tab\there"] {
            let refused = kind.create(pool, name, [1]).await;
            assert!(matches!(refused, Err(Error::InvalidSetName { field: "name", .. })), "{engine:?} {name:?}: {refused:?}");
        }
        let long_owner = f.store.for_owner("o".repeat(129)).kind(f.table.clone(), "id");
        let refused = long_owner.create(pool, "x", [1]).await;
        assert!(matches!(refused, Err(Error::InvalidSetName { field: "owner", .. })), "{refused:?}");

        let no_table = f.store.kind("no_such_table_here", "id");
        let refused = no_table.create(pool, "x", [1]).await;
        assert!(matches!(refused, Err(Error::UnknownKind { .. })), "{engine:?}: {refused:?}");
        let no_key = f.store.kind(f.table.clone(), "no_such_column");
        let refused = no_key.create(pool, "x", [1]).await;
        assert!(matches!(refused, Err(Error::UnknownKind { .. })), "{engine:?}: {refused:?}");

        // Two columns, neither the key.
        let two = QuerySet::table(f.table.clone()).column_as(Expr::col("grp"), "a").columns(["grp", "a"]);
        let refused = kind.create(pool, "x", two).await;
        assert!(matches!(refused, Err(Error::MemberSourceColumns { .. })), "{refused:?}");

        // Ids that are not rows: counted, and nothing written.
        let refused = kind.create(pool, "x", [1, 2, 98, 99, 99]).await;
        assert!(matches!(refused, Err(Error::MissingObjects { count: 2, .. })), "{engine:?}: {refused:?}");
        // A one-column set of another column holds ids that are not rows either.
        let shifted = QuerySet::table(f.table.clone()).column_as(Expr::col("id").add(15), "shifted").columns(["shifted"]);
        let refused = kind.create(pool, "x", shifted).await;
        assert!(matches!(refused, Err(Error::MissingObjects { count: 15, .. })), "{engine:?}: {refused:?}");
        assert!(kind.list(pool).await.unwrap().is_empty(), "{engine:?}: a refused create left a set");

        let mut set = kind.create(pool, "x", [1, 2]).await.unwrap();
        let refused = set.add_many(pool, [3, 50]).await;
        assert!(matches!(refused, Err(Error::MissingObjects { count: 1, .. })), "{refused:?}");
        let refused = set.replace(pool, [4, 60, 61]).await;
        assert!(matches!(refused, Err(Error::MissingObjects { count: 2, .. })), "{refused:?}");
        let refused = set.union_with(pool, vec![70]).await;
        assert!(matches!(refused, Err(Error::MissingObjects { count: 1, .. })), "{refused:?}");
        assert_members(pool, &set, &[1, 2]).await;

        let refused = kind.create(pool, "x", [3]).await;
        assert!(matches!(refused, Err(Error::DuplicateSetName { .. })), "{engine:?}: {refused:?}");
        // Sets without an owner too: the unique index alone would let NULL owners share it.
        assert_eq!(kind.list(pool).await.unwrap().len(), 1);
        // The same name is free for another owner.
        f.store.for_owner("ann").kind(f.table.clone(), "id").create(pool, "x", [3]).await.unwrap();
    }
);

engines!(
    /// Sets of two tables cannot meet in one operation.
    kinds_do_not_mix,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let other = unique("others");
        exec(pool, format!("CREATE TABLE {other} (id BIGINT PRIMARY KEY)")).await;
        exec(pool, format!("INSERT INTO {other} (id) VALUES (1), (2)")).await;
        let mut mine = f.kind().create(pool, "mine", [1, 2]).await.unwrap();
        let theirs = f.store.kind(other.clone(), "id").create(pool, "theirs", [1]).await.unwrap();
        let refused = mine.union_with(pool, &theirs).await;
        assert!(matches!(refused, Err(Error::KindMismatch { .. })), "{engine:?}: {refused:?}");
        let refused = (&mine & &theirs).count(pool).await;
        assert!(matches!(refused, Err(Error::KindMismatch { .. })), "{refused:?}");
        let refused = mine.intersection(pool, &theirs, "both").await;
        assert!(matches!(refused, Err(Error::KindMismatch { .. })), "{refused:?}");
        assert_members(pool, &mine, &[1, 2]).await;
    }
);

engines!(
    /// Another owner's set is not found, by id, by name, in a list, or as an operand, and
    /// no operation changes it.
    owners_see_only_their_sets,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let ann = f.store.for_owner("ann").kind(f.table.clone(), "id");
        let bob = f.store.for_owner("bob").kind(f.table.clone(), "id");
        let unowned = f.kind();
        let anns = ann.create(pool, "cohort", [1, 2, 3]).await.unwrap();
        let mut bobs = bob.create(pool, "cohort", [3, 4]).await.unwrap();
        assert_eq!(anns.owner(), Some("ann"));

        assert!(matches!(bob.load(pool, anns.id()).await, Err(Error::NotFound)), "{engine:?}");
        assert!(matches!(unowned.load(pool, anns.id()).await, Err(Error::NotFound)));
        assert_eq!(bob.find(pool, "cohort").await.unwrap().id(), bobs.id());
        assert_eq!(bob.list(pool).await.unwrap(), [bobs.clone()]);
        assert!(unowned.list(pool).await.unwrap().is_empty());

        // Ann's set as the operand of Bob's operations.
        let not_found = |result: Result<u64, Error>| matches!(result, Err(Error::NotFound));
        assert!(not_found(bobs.union_with(pool, &anns).await));
        assert!(not_found(bobs.intersect_with(pool, &anns).await));
        assert!(not_found(bobs.difference_with(pool, &anns).await));
        assert!(not_found(bobs.symmetric_difference_with(pool, &anns).await));
        assert!(not_found(bobs.replace(pool, &anns).await));
        assert!(not_found((&bobs | &anns).count(pool).await));
        assert!(matches!(bobs.union(pool, &anns, "stolen").await, Err(Error::NotFound)));
        assert!(matches!(bob.create(pool, "stolen", &anns).await, Err(Error::NotFound)));
        assert!(matches!((&anns | &bobs).save_as(pool, "mixed").await, Err(Error::NotFound)));

        // Ann's set reached through Bob's kind: a value that claims to be Bob's.
        let mut forged = bob.load(pool, bobs.id()).await.unwrap();
        forged.delete(pool).await.unwrap();
        assert!(not_found(forged.add(pool, 1).await));

        // Nothing of Ann's changed, and Bob's set is what it was.
        assert_members(pool, &anns, &[1, 2, 3]).await;
        assert_eq!(ann.list(pool).await.unwrap().len(), 1);
        let _ = &mut bobs;
    }
);
