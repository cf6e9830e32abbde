//! What each engine runs fastest, where the planner has a choice of equally exact shapes.
//!
//! The planner knows no engine: `render` asks the dialect for these facts and hands them to
//! it. Each was measured at 1,000,000 rows (W9–W12 in `benches/README.md`); a fact that no
//! measurement backs does not belong here.
//!
//! | | SQLite | PostgreSQL | MySQL / MariaDB |
//! |---|---|---|---|
//! | an ordered, sliced union whose branches an index serves in order | left as a compound ordered outside: the engine merges branches read in order | paged branch by branch | paged branch by branch, or fused into one `OR` under a range on its leading ordering column |
//! | … of one table, with a branch no index serves | fused | fused on a small table; paged up to 1,000 rows a branch, fused beyond | as written on a small table; fused |
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
    /// How a union of one table that fuses is read when no index hands some branch its rows
    /// in the page's order, so that the branch is read whole and sorted, or an index on the
    /// ordering is walked and filtered.
    pub(crate) unserved: Unserved,
}

/// See [`Planning::unserved`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unserved {
    /// Up to how many rows a branch may need (offset + limit) for the union to be paged
    /// rather than fused. Measured at 200,000 rows: the first page of W1 paged took 0.82 ms
    /// on PostgreSQL against 1.14 ms fused, while W3's page 500 took 22 ms paged against 6 ms
    /// fused (MariaDB: 31 against 20). SQLite's merge sorts each such branch whole (W1: 0.91
    /// ms against 0.77 fused), and MariaDB walks the ordering's index to a first page faster
    /// than it pages (W1: 2.2 ms against 2.6): 0 for both.
    pub(crate) paged_up_to: u64,
    /// The shape for a table the engine estimates at most [`SMALL_TABLE`] rows, when it
    /// differs. At 20,000 rows W1 fused took 0.29 ms on PostgreSQL against 0.39 ms paged;
    /// MariaDB walked the `(status, score)` index for 1.85 ms, fused or paged, where the
    /// union as written, each branch read by its filter's index and the few rows sorted,
    /// took 0.48 ms.
    pub(crate) small: Option<Shape>,
}

/// Where the table sizes of [`Unserved::small`] end: between the 20,000 and 200,000 rows
/// measured, on the side where a stale estimate costs least.
pub(crate) const SMALL_TABLE: u64 = 50_000;

/// A shape an ordered, sliced union can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One SELECT.
    Fused,
    /// The union as written, ordered and sliced outside.
    Written,
}

impl Planning {
    /// Paging every ordered, sliced union branch by branch: what the planner does when told
    /// nothing else.
    pub(crate) const PAGED: Planning = Planning {
        merges_ordered_unions: false,
        fuses_ranged_pages: false,
        unserved: Unserved {
            paged_up_to: 1_000,
            small: None,
        },
    };
}

impl Dialect {
    /// The measured facts the planner weighs for this engine.
    pub(crate) fn planning(self) -> Planning {
        match self {
            Dialect::Sqlite => Planning {
                merges_ordered_unions: true,
                unserved: Unserved {
                    paged_up_to: 0,
                    small: None,
                },
                ..Planning::PAGED
            },
            Dialect::Postgres => Planning {
                unserved: Unserved {
                    paged_up_to: 1_000,
                    small: Some(Shape::Fused),
                },
                ..Planning::PAGED
            },
            Dialect::MySql => Planning {
                fuses_ranged_pages: true,
                unserved: Unserved {
                    paged_up_to: 0,
                    small: Some(Shape::Written),
                },
                ..Planning::PAGED
            },
        }
    }
}
