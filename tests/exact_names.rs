//! The object-set store compares owners, kinds and names byte for byte on every engine.
//!
//! MariaDB's default collation (`utf8mb4_general_ci`) makes `'ann' = 'ANN'`, `'ann' =
//! 'ann '` and `'ann' = 'ånn'` true. A store whose columns used it let `for_owner("ANN")`
//! load, find, list, edit and delete `"ann"`'s sets. These tests try the strings an attacker
//! would: case and accent variants, trailing spaces, NFC against NFD, a zero-width character,
//! and the longest string each column holds. Each must miss (`NotFound`), or make a set of
//! its own.

mod common;
#[allow(dead_code)]
#[path = "object_set/fixture.rs"]
mod fixture;

use common::*;
use fixture::{Fixture, assert_members};
use setql::Error;
use setql::object_set::ObjectSetStore;

/// Strings of at most `limit` characters that differ from `base` only in ways a case-,
/// accent- or pad-insensitive collation ignores.
fn variants(base: &str, limit: usize) -> Vec<String> {
    let mut out = vec![
        base.to_uppercase(),
        capitalised(base),
        format!("{base} "),
        format!(" {base}"),
        format!("{base}\u{200B}"),
        base.replacen('a', "å", 1),
        base.replacen('o', "ö", 1),
    ];
    // NFC against NFD: "å" as one code point and as "a" + a combining ring.
    if base.contains('\u{E5}') {
        out.push(base.replace('\u{E5}', "a\u{30A}"));
    }
    if base.contains("a\u{30A}") {
        out.push(base.replace("a\u{30A}", "\u{E5}"));
    }
    out.retain(|variant| variant != base && variant.chars().count() <= limit);
    out.dedup();
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

engines!(
    /// `"ann"`'s set is out of reach of every owner that only looks like `"ann"`, and each of
    /// them can make a set of the same name that is its own.
    owners_are_compared_exactly,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        // The longest owner the column holds: 128 characters of four bytes each on MySQL.
        let longest = "\u{1F600}".repeat(127) + "a";
        for (round, owner) in ["ann", "\u{E5}nn", "a\u{30A}nn", longest.as_str()].into_iter().enumerate() {
            // Each round in a kind of its own: one round's owner is another round's variant.
            let table = unique("objects");
            exec(pool, format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY)")).await;
            exec(pool, format!("INSERT INTO {table} (id) VALUES (1), (2), (3), (4), (5)")).await;
            let f = Fixture { table, store: f.store.clone() };
            let own = f.store.for_owner(owner).kind(f.table.clone(), "id");
            let set = own.create(pool, "cohort", vec![1, 2, 3]).await.unwrap();
            let _ = round;
            for other in variants(owner, 128) {
                let theirs = f.store.for_owner(other.as_str()).kind(f.table.clone(), "id");
                let tag = format!("{engine:?} owner {owner:?} reached as {other:?}");
                assert!(matches!(theirs.load(pool, set.id()).await, Err(Error::NotFound)), "{tag}: load");
                assert!(matches!(theirs.find(pool, "cohort").await, Err(Error::NotFound)), "{tag}: find");
                assert!(theirs.list(pool).await.unwrap().is_empty(), "{tag}: list");
                let mut made = theirs.create(pool, "cohort", vec![4]).await.unwrap_or_else(|e| panic!("{tag}: create: {e}"));
                assert_ne!(made.id(), set.id(), "{tag}");
                assert_eq!(made.add(pool, 5).await.unwrap(), 1, "{tag}");
                assert_members(pool, &made, &[4, 5]).await;
                made.delete(pool).await.unwrap();
            }
            assert_members(pool, &set, &[1, 2, 3]).await;
            assert_eq!(own.list(pool).await.unwrap(), std::slice::from_ref(&set), "{engine:?} {owner:?}");
            assert_eq!(own.find(pool, "cohort").await.unwrap().id(), set.id());
        }
    }
);

engines!(
    /// With `"cohort"` saved, a name that only looks like it is another name.
    names_are_compared_exactly,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let longest = "\u{1F600}".repeat(199) + "o";
        for (round, name) in ["cohort", "c\u{E5}hort", "ca\u{30A}hort", longest.as_str()].into_iter().enumerate() {
            // Each round under an owner of its own: one round's name is another's variant.
            let kind = f.store.for_owner(format!("ann{round}")).kind(f.table.clone(), "id");
            let set = kind.create(pool, name, vec![1, 2]).await.unwrap();
            for other in variants(name, 200) {
                let tag = format!("{engine:?} name {name:?} as {other:?}");
                assert!(matches!(kind.find(pool, &other).await, Err(Error::NotFound)), "{tag}: find");
                let made = kind.create(pool, &other, vec![3]).await.unwrap_or_else(|e| panic!("{tag}: create: {e}"));
                assert_ne!(made.id(), set.id(), "{tag}");
                assert_members(pool, &made, &[3]).await;
            }
            assert_eq!(kind.find(pool, name).await.unwrap().id(), set.id(), "{engine:?} {name:?}");
            assert_members(pool, &set, &[1, 2]).await;
        }
        // The kind is compared exactly too: the table's name in other case is another kind.
        let shouting = f.store.for_owner("ann0").kind(f.table.to_uppercase(), "id");
        assert!(matches!(shouting.find(pool, "cohort").await, Err(Error::NotFound)), "{engine:?}");
        assert!(shouting.list(pool).await.unwrap().is_empty());
    }
);

engines!(
    /// `list` orders names by their bytes on every engine, where PostgreSQL's default
    /// collation would put `"a"` before `"B"`.
    names_are_listed_in_byte_order,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let kind = f.kind();
        for name in ["b", "a", "B", "\u{E5}", "A", "a "] {
            kind.create(pool, name, vec![1]).await.unwrap();
        }
        let names: Vec<String> = kind.list(pool).await.unwrap().iter().map(|set| set.name().to_owned()).collect();
        assert_eq!(names, ["A", "B", "a", "a ", "b", "\u{E5}"], "{engine:?}");
    }
);

engines!(
    /// A store that an earlier setql installed on MySQL/MariaDB, whose text columns follow
    /// the server's case-insensitive collation, is refused until `install` converts it;
    /// `install` then keeps its sets and makes every comparison exact.
    an_older_store_is_refused_until_installed,
    |pool, engine| {
        let f = Fixture::new(pool).await;
        let prefix = format!("{}_", unique("old"));
        let store = ObjectSetStore::with_prefix(&prefix);
        drop_later(store.sets_table());
        drop_later(store.members_table());
        if engine == Engine::MySql {
            // The tables as setql 0.1 created them.
            exec(pool, format!(
                "CREATE TABLE `{}` (`id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `kind` varchar(128) NOT NULL, \
                 `name` varchar(200) NOT NULL, `owner` varchar(128) NULL, `owner_key` varchar(128) NOT NULL, \
                 `count` bigint NOT NULL, `created` bigint NOT NULL, `modified` bigint NOT NULL, \
                 UNIQUE KEY `{0}_kind_owner_name` (`kind`, `owner_key`, `name`)) COLLATE utf8mb4_general_ci",
                store.sets_table()
            )).await;
            exec(pool, format!(
                "CREATE TABLE `{}` (`set_id` bigint NOT NULL, `object_id` bigint NOT NULL, \
                 `added_by_hand` bool NOT NULL DEFAULT FALSE, `removed` bool NOT NULL DEFAULT FALSE, \
                 PRIMARY KEY (`set_id`, `object_id`), KEY `{0}_object` (`object_id`), \
                 CONSTRAINT `{0}_set` FOREIGN KEY (`set_id`) REFERENCES `{1}` (`id`) ON DELETE CASCADE)",
                store.members_table(), store.sets_table()
            )).await;
            exec(pool, format!(
                "INSERT INTO `{}` (`kind`, `name`, `owner`, `owner_key`, `count`, `created`, `modified`) \
                 VALUES ('{}', 'cohort', 'ann', 'ann', 0, 0, 0)",
                store.sets_table(), f.table
            )).await;
            let ann = store.for_owner("ann").kind(f.table.clone(), "id");
            let refused = ann.find(pool, "cohort").await;
            assert!(matches!(&refused, Err(Error::OutdatedStore { table }) if table == store.sets_table()), "{refused:?}");
            let refused = ann.create(pool, "other", vec![1]).await;
            assert!(matches!(refused, Err(Error::OutdatedStore { .. })), "{refused:?}");
            // A new store value asks again; nothing was converted behind the caller's back.
            let again = ObjectSetStore::with_prefix(&prefix).for_owner("ANN").kind(f.table.clone(), "id");
            assert!(matches!(again.list(pool).await, Err(Error::OutdatedStore { .. })));
        }
        store.install(pool).await.unwrap();
        let ann = store.for_owner("ann").kind(f.table.clone(), "id");
        if engine == Engine::MySql {
            // The set written before the conversion is still there, and still Ann's alone.
            assert_eq!(ann.find(pool, "cohort").await.unwrap().name(), "cohort");
        } else {
            ann.create(pool, "cohort", Vec::<i64>::new()).await.unwrap();
        }
        let ann_upper = ObjectSetStore::with_prefix(&prefix).for_owner("ANN").kind(f.table.clone(), "id");
        assert!(matches!(ann_upper.find(pool, "cohort").await, Err(Error::NotFound)), "{engine:?}");
        assert!(ann_upper.list(pool).await.unwrap().is_empty(), "{engine:?}");
        assert!(matches!(ann.find(pool, "COHORT").await, Err(Error::NotFound)), "{engine:?}");
        ann.create(pool, "COHORT", vec![2]).await.unwrap();
        // Installing again changes nothing.
        store.install(pool).await.unwrap();
        assert_eq!(ann.list(pool).await.unwrap().len(), 2, "{engine:?}");
    }
);
