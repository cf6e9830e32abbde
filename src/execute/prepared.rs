//! Whether setql's statements are prepared once per connection and kept, or sent unnamed.
//!
//! sqlx prepares each statement under a name on first use and keeps it on the connection.
//! A pooler in transaction mode (pgbouncer, Odyssey, RDS Proxy, Supavisor) hands a client
//! another server connection at every transaction's end, where that name is unknown or
//! taken by another client's statement: PostgreSQL answers 42P05 "prepared statement
//! already exists", 26000 or 08P01. Unnamed statements are parsed again on every
//! execution and live only until the next one, so nothing outlives a transaction.

use std::sync::atomic::{AtomicBool, Ordering};

/// How setql asks sqlx to send its statements; see [`use_prepared_statements`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PreparedStatements {
    /// Prepared under a name on first use and kept on the connection, so a statement run
    /// again skips parsing and planning: sqlx's default, and the right one for a direct
    /// connection or a pooler in session mode.
    #[default]
    Named,
    /// Parsed on every execution and forgotten after it: for a pooler in transaction mode.
    Unnamed,
}

static UNNAMED: AtomicBool = AtomicBool::new(false);

/// Sets how every statement setql runs from now on is sent, in the whole process.
///
/// Turn on [`PreparedStatements::Unnamed`] once, at start-up, when the database is reached
/// through a pooler in transaction mode. It costs a parse per execution, and PostgreSQL
/// plans every execution afresh instead of settling on a cached generic plan: W8 in
/// `benches/README.md` measures it. Statements you send through sqlx yourself need
/// `.persistent(false)` behind such a pooler as well.
///
/// It is one setting for the process, not per pool, because the choice follows the
/// deployment: a service reaches its database through the pooler or it does not.
pub fn use_prepared_statements(mode: PreparedStatements) {
    UNNAMED.store(mode == PreparedStatements::Unnamed, Ordering::Relaxed);
}

/// How statements are sent now; see [`use_prepared_statements`].
#[must_use]
pub fn prepared_statements() -> PreparedStatements {
    if UNNAMED.load(Ordering::Relaxed) {
        PreparedStatements::Unnamed
    } else {
        PreparedStatements::Named
    }
}
