//! What each engine runs fastest, where the planner has a choice of equally exact shapes.
//!
//! The planner knows no engine: `render` asks the dialect for these facts and hands them to
//! it. Each was measured at 1,000,000 rows (W9–W12 in `benches/README.md`); a fact that no
//! measurement backs does not belong here.
//!
//! | | SQLite | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|---|
//! | an ordered, sliced union whose branches an index serves in order | left as a compound ordered outside: the engine merges branches read in order | paged branch by branch | paged branch by branch, or fused into one `OR` under a range on its leading ordering column |
//! | … that fuses, with a branch no index serves | fused | paged up to 1,000 rows a branch, fused beyond | the same |
//!
//! Whether an index serves a branch is known once setql has read the table's indexes from
//! the catalog, on the first execution; `to_sql`, `build` and `explain`, which read no
//! catalog, write the first row's shape.

use super::Dialect;

/// How an ordered, sliced union reads its rows fastest on one engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Planning {
    /// The engine reads the branches of a compound ordered outside in that order and merges
    /// them, deduplicating as it goes, so a union is neither fused nor paged. SQLite 3.51
    /// plans `a UNION b ORDER BY … LIMIT 20` as a MERGE of two index searches: W10 (a) in
    /// 0.13 ms (the `OR` took 130 ms), and the 500th page by offset in half the time of
    /// paging each branch, which sorts each branch's window again before merging.
    pub(crate) merges_ordered_unions: bool,
    /// A union that fuses into one SELECT is faster fused when a filter bounds its leading
    /// ordering column by a range, as a later `filter(created < …)` or a keyset cursor does.
    /// MariaDB 10.11 reads such a branch by `ref` on the equality alone and walks its index
    /// backwards past the range, row by row, without index condition pushdown: 18–23 ms a
    /// page (W10 d, W11 a), where the one SELECT walks the ordering column's own index from
    /// the range's edge in about 1 ms. Without the range, paging wins (0.6 ms against
    /// 137 ms for the `OR`, W10 a).
    pub(crate) fuses_ranged_pages: bool,
    /// Up to how many rows a branch may need (offset + limit) for a union that fuses to be
    /// paged, or merged, even though no index hands some branch its rows in order, so that
    /// the branch is read whole and sorted. Beyond it the union is fused, and one SELECT
    /// walks an index on the ordering, filtering as it goes. Measured at 200,000 rows: the
    /// first page of W1 paged took 0.82 ms on PostgreSQL against 1.14 ms fused (MariaDB: the
    /// same), while W3's page 500 took 22 ms paged against 6 ms fused (MariaDB: 31 against
    /// 20). SQLite's merge sorts each unserved branch whole: W1 took 0.91 ms against 0.77
    /// fused, so there it is 0.
    pub(crate) unserved_window: u64,
}

impl Planning {
    /// Paging every ordered, sliced union branch by branch: what the planner does when told
    /// nothing else.
    pub(crate) const PAGED: Planning = Planning {
        merges_ordered_unions: false,
        fuses_ranged_pages: false,
        unserved_window: 1_000,
    };
}

impl Dialect {
    /// The measured facts the planner weighs for this engine.
    pub(crate) fn planning(self) -> Planning {
        match self {
            Dialect::Sqlite => Planning {
                merges_ordered_unions: true,
                unserved_window: 0,
                ..Planning::PAGED
            },
            Dialect::Postgres => Planning::PAGED,
            Dialect::MySql => Planning {
                fuses_ranged_pages: true,
                ..Planning::PAGED
            },
        }
    }
}
