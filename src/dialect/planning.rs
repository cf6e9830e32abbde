//! What each engine runs fastest, where the planner has a choice of equally exact shapes.
//!
//! The planner knows no engine: `render` asks the dialect for these facts and hands them to
//! it. Each was measured at 1,000,000 rows (W9–W12 in `benches/README.md`); a fact that no
//! measurement backs does not belong here.
//!
//! | | SQLite | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|---|
//! | an ordered, sliced union | left as a compound ordered outside: the engine merges branches read in order | paged branch by branch | paged branch by branch, or fused into one `OR` under a range on its leading ordering column |

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
}

impl Planning {
    /// Paging every ordered, sliced union branch by branch: what the planner does when told
    /// nothing else.
    pub(crate) const PAGED: Planning = Planning {
        merges_ordered_unions: false,
        fuses_ranged_pages: false,
    };
}

impl Dialect {
    /// The measured facts the planner weighs for this engine.
    pub(crate) fn planning(self) -> Planning {
        match self {
            Dialect::Sqlite => Planning {
                merges_ordered_unions: true,
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
