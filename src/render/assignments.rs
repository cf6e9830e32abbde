//! The assignments of an `UPDATE`, written so that each reads the row as it was before the
//! update on every engine.
//!
//! PostgreSQL and SQLite evaluate every assignment against the old row. MySQL and MariaDB
//! evaluate a single-table `SET a = …, b = …` left to right, so a later assignment reads the
//! value an earlier one just wrote: `SET a = a + 10, b = a` sets `b` to the new `a` there.
//! (MariaDB's `SIMULTANEOUS_ASSIGNMENT` mode would fix that for one session; MySQL has none.)
//! So on MySQL:
//! - assignments are reordered so that each one that reads a column comes before the one
//!   that writes it (`SET b = a, a = a + 10`), which is exact whenever the reads form no
//!   cycle;
//! - a cycle (a swap `a = b, b = a`) reads the old row through a join on the table's key:
//!   `UPDATE t JOIN (SELECT DISTINCT t.k, t.a, t.b FROM t WHERE …) AS old ON t.k = old.k
//!   SET t.a = old.b, t.b = old.a`, the derived table materialized by its DISTINCT (MySQL
//!   refuses to read the table it updates otherwise, error 1093);
//! - a cycle without a key that holds no NULL, or through an expression setql cannot read
//!   (raw SQL, a CASE), is refused before anything is sent.

use sea_query::{DynIden, Expr};

use crate::Dialect;
use crate::error::{Error, Result};
use crate::query::predicate::{ColumnUse, rename_columns};

/// The alias of the old row in an update that reads it through a join.
pub(super) const OLD_ROW: &str = "setql_old";

/// How an update's assignments are written for one engine.
#[derive(Debug)]
pub(super) enum Assignments {
    /// In this order, each reading the old row on this engine.
    Ordered(Vec<(DynIden, Expr)>),
    /// Reading the columns `reads` of the old row, joined on `key` as [`OLD_ROW`].
    ThroughOldRow {
        assignments: Vec<(DynIden, Expr)>,
        reads: Vec<String>,
        key: Vec<String>,
    },
}

/// Refuses an assignment list that no engine runs alike: none at all, or a column assigned
/// twice (PostgreSQL refuses it, SQLite keeps the last, MySQL applies both in turn).
pub(super) fn check(assignments: &[(DynIden, Expr)]) -> Result<()> {
    if assignments.is_empty() {
        return Err(not_writable("no column is assigned"));
    }
    for (at, (column, _)) in assignments.iter().enumerate() {
        if assignments[..at]
            .iter()
            .any(|(earlier, _)| earlier == column)
        {
            return Err(not_writable("a column is assigned twice"));
        }
    }
    Ok(())
}

/// The assignments as `dialect` must evaluate them to read the old row. `key` is the
/// written table's key, when it is known and holds no NULL: what a join can match rows by.
pub(super) fn for_dialect(
    assignments: &[(DynIden, Expr)],
    dialect: Dialect,
    key: Option<&[String]>,
) -> Result<Assignments> {
    if dialect != Dialect::MySql || assignments.len() < 2 {
        return Ok(Assignments::Ordered(assignments.to_vec()));
    }
    let reads: Vec<ColumnUse> = assignments
        .iter()
        .map(|(_, expr)| ColumnUse::of(expr))
        .collect();
    // `before[i][j]`: assignment i must be evaluated before j, as it reads what j writes. An
    // expression whose reads are unknown may read anything.
    let before = |i: usize, j: usize| {
        i != j && {
            let written = assignments[j].0.inner();
            reads[i].incomplete || reads[i].names.contains(written.as_ref())
        }
    };
    if let Some(order) = reading_first(assignments.len(), before) {
        return Ok(Assignments::Ordered(
            order
                .into_iter()
                .map(|at| assignments[at].clone())
                .collect(),
        ));
    }
    let Some(key) = key else {
        return Err(not_writable(
            "its assignments read each other's columns in a cycle, which MySQL evaluates one after another, and the table has no declared primary key that holds no NULL to read the old row by",
        ));
    };
    let old = DynIden::from(OLD_ROW);
    let renamed = assignments
        .iter()
        .map(|(column, expr)| {
            let read_old = rename_columns(expr, &|name| {
                Some(Expr::col((old.clone(), DynIden::from(name.to_owned()))))
            })?;
            Some((column.clone(), read_old))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            not_writable(
                "its assignments read each other's columns in a cycle through an expression setql cannot rewrite (raw SQL, a CASE, a function call), which MySQL would evaluate one after another",
            )
        })?;
    let mut read: Vec<String> = key.to_vec();
    for uses in &reads {
        for name in &uses.names {
            if !read.contains(name) {
                read.push(name.clone());
            }
        }
    }
    Ok(Assignments::ThroughOldRow {
        assignments: renamed,
        reads: read,
        key: key.to_vec(),
    })
}

/// An order of `0..n` in which `i` comes before `j` whenever `before(i, j)`, keeping the
/// written order where nothing forces another; `None` when the constraints form a cycle.
fn reading_first(n: usize, before: impl Fn(usize, usize) -> bool) -> Option<Vec<usize>> {
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        // The first assignment not yet placed that no other unplaced one must precede.
        let next = (0..n).find(|&j| !placed[j] && (0..n).all(|i| placed[i] || !before(i, j)))?;
        placed[next] = true;
        order.push(next);
    }
    Some(order)
}

fn not_writable(reason: &'static str) -> Error {
    Error::NotWritable {
        operation: "update",
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::reading_first;

    #[test]
    fn readers_go_before_writers_and_cycles_have_no_order() {
        // b = a, a = a + 10 (written a first): b must precede a.
        let reads = [[false, false], [true, false]];
        assert_eq!(reading_first(2, |i, j| reads[i][j]), Some(vec![1, 0]));
        // Nothing forces another order: as written.
        assert_eq!(reading_first(3, |_, _| false), Some(vec![0, 1, 2]));
        // A swap.
        assert_eq!(reading_first(2, |i, j| i != j), None);
    }
}
