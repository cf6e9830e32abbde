//! # setql
//!
//! Lazy, composable query sets whose unions, intersections and differences stay filterable,
//! orderable, countable and sliceable after they are combined.
//!
//! A [`QuerySet`] describes rows; it runs nothing until executed. [`DelayedUnion`],
//! [`DelayedIntersection`] and [`DelayedDifference`] keep their branches apart, push later
//! filters into each branch where that gives the same rows, and combine only when the query
//! runs. The SQL is written by [`sea_query`] and runs through [`sqlx`] on SQLite, PostgreSQL
//! and MySQL/MariaDB, with the same rows on each.
//!
//! ```
//! use setql::prelude::*; // the set types, and sea-query's `Expr`, `ExprTrait` and `Order`
//!
//! let customers = || QuerySet::table("customers").primary_key("id");
//! let campaign_a = customers().filter(Expr::col("campaign").eq("a"));
//! let campaign_b = customers().filter(Expr::col("campaign").eq("b"));
//! let active = (campaign_a | campaign_b).exclude(Expr::col("churned").eq(true));
//! // Branches of one table fuse into one SELECT; the exclusion reached both.
//! assert_eq!(
//!     active.to_sql(Dialect::Sqlite).unwrap(),
//!     r#"SELECT * FROM "customers" WHERE "campaign" IN ('a', 'b') AND ("churned" = TRUE) IS NOT TRUE"#
//! );
//! // A page of the union: each branch reads only the rows the page can use, in the order
//! // an index on (campaign, signed_up) serves.
//! let newest = active.order_by("signed_up", Order::Desc).limit(10);
//! assert_eq!(
//!     newest.to_sql(Dialect::MySql).unwrap(),
//!     "SELECT * FROM (SELECT * FROM `customers` WHERE `campaign` = 'a' AND (`churned` = TRUE) IS NOT TRUE \
//!      ORDER BY `signed_up` DESC, `id` DESC LIMIT 10) AS `m1` \
//!      UNION (SELECT * FROM `customers` WHERE `campaign` = 'b' AND (`churned` = TRUE) IS NOT TRUE \
//!      ORDER BY `signed_up` DESC, `id` DESC LIMIT 10) \
//!      ORDER BY `signed_up` DESC, `id` DESC LIMIT 10"
//! );
//! ```
//!
//! ## Set-valued columns
//!
//! A column that holds a set as comma-separated text (django-mysql's `SetCharField`) reads
//! and binds as a [`CommaSet`], is queried with [`set_contains`] and [`set_len`], and is
//! changed inside the database by [`set_add`] and [`set_remove`] in an `update`, with one
//! behaviour on every engine.
//!
//! ## Cargo features
//!
//! At least one engine feature must be on: `sqlite` (the default), `postgres`, `mysql` (MySQL
//! and MariaDB). Without one, the crate stops with a `compile_error!` naming them. The
//! features `chrono`, `time`, `rust_decimal` and `uuid` turn on sqlx's support for those
//! types, so keyset cursors can page over date, time, decimal and UUID columns.
//!
//! ## The versions of sea-query and sqlx
//!
//! Expressions come from sea-query and rows are read by sqlx, in the versions setql was built
//! with. Name their items through the re-exports [`setql::sea_query`](sea_query) and
//! [`setql::sqlx`](sqlx), and the versions cannot drift.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "setql needs at least one database engine: turn on the `sqlite` (default), `postgres` or \
     `mysql` feature, e.g. `setql = { version = \"0.1\", features = [\"postgres\"] }`"
);

mod combine;
mod dialect;
mod error;
mod execute;
pub mod object_set;
mod paginate;
mod plan;
mod query;
mod recursion;
mod render;
mod set_field;

pub use combine::{DelayedDifference, DelayedIntersection, DelayedUnion};
pub use dialect::{Capabilities, Dialect, Server, SetOperation, Support};
pub use error::{Error, Result};
pub use execute::{
    Backend, Execute, Executor, Fetchable, OnServer, PreparedStatements, Retry, Scalar,
    WritePosition, forget_catalog, prepared_statements, use_prepared_statements,
};
pub use paginate::{Cursor, KeysetPage, Page};
pub use query::{Aggregate, GroupBy, IntoPredicate, QueryChain, QuerySet};
pub use set_field::{CommaSet, SetMember, set_add, set_contains, set_len, set_remove};

/// sea-query, the SQL builder setql writes with, re-exported so that the expressions and
/// statements you hand to setql come from the version it was built with.
///
/// The items almost every query names (`Expr`, `ExprTrait`, `Order`) are also in the
/// [`prelude`]; reach everything else as `setql::sea_query::…`, e.g.
/// `setql::sea_query::Query` to build a statement for [`QuerySet::from_select`].
pub use sea_query;

/// sqlx, which runs setql's statements, re-exported so that the pools, connections and row
/// types you hand to setql come from the version it was built with, e.g.
/// `setql::sqlx::PgPool`.
///
/// `#[derive(sqlx::FromRow)]` on your row types still needs `sqlx` (with its `derive` feature)
/// as a direct dependency: the derive writes paths that start at `::sqlx`.
pub use sqlx;

/// Everything a user of setql needs in scope: `use setql::prelude::*;`.
///
/// Besides setql's own types and traits, it brings in the three sea-query items that almost
/// every query names: [`Expr`](sea_query::Expr) to write filters,
/// [`ExprTrait`](sea_query::ExprTrait) for its methods (`eq`, `lt`, `like`, …) and
/// [`Order`](sea_query::Order) for `order_by`. They are listed one by one, not glob-imported,
/// so the prelude never grows with sea-query; any other sea-query item is at
/// `setql::sea_query::…`.
pub mod prelude {
    pub use crate::{
        Aggregate, Capabilities, Cursor, DelayedDifference, DelayedIntersection, DelayedUnion,
        Dialect, Execute, IntoPredicate, KeysetPage, Page, QueryChain, QuerySet,
    };
    pub use sea_query::{Expr, ExprTrait, Order};
}
