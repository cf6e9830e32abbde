//! # setql
//!
//! Lazy, composable query sets whose unions, intersections and differences stay filterable,
//! orderable, countable and sliceable after they are combined.
//!
//! A [`QuerySet`] describes rows; it runs nothing until executed. [`DelayedUnion`],
//! [`DelayedIntersection`] and [`DelayedDifference`] keep their branches apart, push later
//! filters into each branch where that gives the same rows, and combine only when the query
//! runs. The SQL is written by sea-query and runs through sqlx on SQLite, PostgreSQL and
//! MySQL/MariaDB, with the same rows on each.
//!
//! ```
//! use setql::prelude::*;
//! use sea_query::{Expr, ExprTrait, Order};
//!
//! let customers = || QuerySet::table("customers").primary_key("id");
//! let campaign_a = customers().filter(Expr::col("campaign").eq("a"));
//! let campaign_b = customers().filter(Expr::col("campaign").eq("b"));
//! let active = (campaign_a | campaign_b)
//!     .exclude(Expr::col("churned").eq(true))
//!     .order_by("signed_up", Order::Desc)
//!     .limit(10);
//! // Branches of one table fuse into one SELECT; the exclusion reached both.
//! assert_eq!(
//!     active.to_sql(Dialect::Sqlite).unwrap(),
//!     r#"SELECT * FROM "customers" WHERE "campaign" IN ('a', 'b') AND ("churned" = TRUE) IS NOT TRUE ORDER BY "signed_up" DESC, "id" DESC LIMIT 10"#
//! );
//! // `keep_branches` renders the union as written.
//! assert_eq!(
//!     active.keep_branches().to_sql(Dialect::Sqlite).unwrap(),
//!     r#"SELECT * FROM "customers" WHERE "campaign" = 'a' AND ("churned" = TRUE) IS NOT TRUE UNION SELECT * FROM "customers" WHERE "campaign" = 'b' AND ("churned" = TRUE) IS NOT TRUE ORDER BY "signed_up" DESC, "id" DESC LIMIT 10"#
//! );
//! ```

mod combine;
mod dialect;
mod error;
mod execute;
mod paginate;
mod plan;
mod query;
mod render;

pub use combine::{DelayedDifference, DelayedIntersection, DelayedUnion};
pub use dialect::{Capabilities, Dialect, SetOperation, Support};
pub use error::{Error, Result};
pub use execute::{Backend, Execute, OnServer};
pub use paginate::{Cursor, KeysetPage, Page};
pub use query::{IntoPredicate, QueryChain, QuerySet};

/// Everything a user of setql needs in scope: `use setql::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Capabilities, Cursor, DelayedDifference, DelayedIntersection, DelayedUnion, Dialect,
        Execute, IntoPredicate, KeysetPage, Page, QueryChain, QuerySet,
    };
}
