//! A grouped SELECT for one dialect: its aggregates with the casts that give them one Rust
//! type on every engine, its GROUP BY, and the names it may use.
//!
//! PostgreSQL returns `SUM` of integers as NUMERIC and `AVG` as NUMERIC, MySQL and MariaDB
//! both as DECIMAL, SQLite as INTEGER and REAL. Each is cast so that a sum reads as `i64` and
//! an average as `f64` everywhere (see [`Aggregate`]).

use sea_query::{DynIden, Expr, ExprTrait, SelectStatement};

use crate::Dialect;
use crate::error::{Error, Result};
use crate::query::grouping::{Aggregate, AggregateFunction, Grouping};
use crate::query::node::{Node, OutputColumn, Select, SortKey};

/// The SQL for one output column of `select`: an aggregate in this dialect's form, or the
/// column's own expression.
pub(super) fn output_expr(select: &Select, column: &OutputColumn, dialect: Dialect) -> Expr {
    let aggregate = select.group.as_ref().and_then(|group| {
        group
            .aggregates
            .iter()
            .find(|aggregate| aggregate.alias == column.name)
    });
    match aggregate {
        Some(aggregate) => aggregate_expr(aggregate, dialect),
        None => column.expr.clone(),
    }
}

fn aggregate_expr(aggregate: &Aggregate, dialect: Dialect) -> Expr {
    let expr = aggregate.expr();
    match aggregate.function {
        AggregateFunction::Sum => expr.cast_as(match dialect {
            Dialect::Postgres => "BIGINT",
            Dialect::MySql => "SIGNED",
            Dialect::Sqlite => "INTEGER",
        }),
        AggregateFunction::Avg => expr.cast_as(match dialect {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::MySql => "DOUBLE",
            Dialect::Sqlite => "REAL",
        }),
        AggregateFunction::Count
        | AggregateFunction::CountDistinct
        | AggregateFunction::Min
        | AggregateFunction::Max => expr,
    }
}

/// Adds `GROUP BY` for a grouped SELECT.
pub(super) fn group_by(statement: &mut SelectStatement, select: &Select) {
    if let Some(group) = &select.group {
        statement.add_group_by(
            group
                .by
                .iter()
                .map(|name| Expr::col(DynIden::from(name.clone()))),
        );
    }
}

/// Grouping columns and aggregated columns must be output columns of the grouped set, where
/// those are known; a grouped set can be ordered only by its own output columns.
pub(super) fn validate(select: &Select, inner: &Node) -> Result<()> {
    let Some(group) = &select.group else {
        return Ok(());
    };
    check_reads(group, inner)?;
    let shape = select.shape();
    let Some(outputs) = shape.names() else {
        return Ok(());
    };
    if group.by.is_empty() && group.aggregates.is_empty() {
        return Err(Error::NoAggregates);
    }
    for sort in &select.orders {
        if let SortKey::Name(name) = &sort.key
            && !outputs.contains(name)
        {
            return Err(unknown(name, outputs));
        }
    }
    Ok(())
}

fn check_reads(group: &Grouping, inner: &Node) -> Result<()> {
    let inner_shape = inner.shape();
    let Some(available) = inner_shape.names() else {
        return Ok(());
    };
    let aggregated = group
        .aggregates
        .iter()
        .filter_map(|aggregate| aggregate.column.as_ref());
    match group
        .by
        .iter()
        .chain(aggregated)
        .find(|name| !available.contains(name))
    {
        Some(missing) => Err(unknown(missing, available)),
        None => Ok(()),
    }
}

fn unknown(column: &str, available: &[String]) -> Error {
    Error::UnknownColumn {
        column: column.to_owned(),
        available: available.to_vec(),
    }
}
