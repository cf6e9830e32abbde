//! What setql can learn about a statement it adopted from sea-query (or SeaORM) without
//! seeing its private fields: whether it needs a derived table to be a member of a compound,
//! and which output names it repeats.

use sea_query::{ColumnRef, Expr, PostgresQueryBuilder, SelectStatement};

use crate::error::{Error, Result};
use crate::query::node::{Node, Source};

/// Whether `statement` can stand as a plain member of a compound: no ORDER BY, LIMIT or
/// OFFSET of its own (which would apply to the whole compound), and no set operation (whose
/// precedence would mix with the outer one).
///
/// sea-query hides those fields, but a statement equals itself with them cleared only if it
/// had none. A set operation shows in the SQL; a false alarm there (the words inside a
/// string or a subquery) only costs a derived table.
pub(super) fn is_plain_member(statement: &SelectStatement) -> bool {
    let mut bare = statement.clone();
    bare.clear_order_by().reset_limit().reset_offset();
    if bare != *statement {
        return false;
    }
    let sql = statement.to_string(PostgresQueryBuilder);
    ![" UNION (", " UNION ALL (", " INTERSECT (", " EXCEPT ("]
        .iter()
        .any(|operator| sql.contains(operator))
}

/// The output names of `statement` that setql can read: aliases and plain column
/// references. `t.*` and unaliased expressions name columns setql cannot see.
fn output_names(statement: &SelectStatement) -> Vec<String> {
    let mut names = Vec::new();
    statement.clone().exprs_mut_for_each(|select| {
        let name = match (&select.alias, &select.expr) {
            (Some(alias), _) => Some(alias.inner().into_owned()),
            (None, Expr::Column(ColumnRef::Column(column))) => Some(column.1.inner().into_owned()),
            _ => None,
        };
        names.extend(name);
    });
    names
}

/// A derived table cannot have two columns of one name: MariaDB refuses it outright (1060),
/// and PostgreSQL and SQLite cannot tell them apart in a filter. Where setql must read a set
/// of adopted rows as a derived table, a repeated name is reported before anything is sent.
pub(super) fn check_derivable(node: &Node) -> Result<()> {
    let statement = match node {
        Node::Select(select) => match &select.source {
            Source::Adopted(statement) if select.is_pass_through() => statement,
            _ => return Ok(()),
        },
        // The first member names the columns of a compound.
        Node::Compound(compound) => {
            return compound.branches.first().map_or(Ok(()), check_derivable);
        }
        Node::Empty | Node::Invalid(_) => return Ok(()),
    };
    check_statement(statement)
}

/// [`check_derivable`] for an adopted statement itself.
pub(super) fn check_statement(statement: &SelectStatement) -> Result<()> {
    let names = output_names(statement);
    for (index, name) in names.iter().enumerate() {
        if names[..index].contains(name) {
            return Err(Error::DuplicateColumn {
                column: name.clone(),
            });
        }
    }
    Ok(())
}
