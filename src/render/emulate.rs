//! Emulations of set operations an engine lacks (see `dialect::capabilities`).
//!
//! Both need the column names of every branch, so a branch whose columns setql cannot name
//! (`table.*`, an adopted statement) makes the operation unsupported there.

use sea_query::{
    Asterisk, BinOper, DynIden, Expr, ExprTrait, OverStatement, Query, SelectStatement,
    WindowStatement,
};

use super::{Renderer, select_with};
use crate::Dialect;
use crate::combine::SetKind;
use crate::error::{Error, Result};
use crate::query::node::{Compound, Node};
use crate::query::shared::Shared;

/// The column that numbers the copies of a row in the `ROW_NUMBER()` emulation.
const COPY_NUMBER: &str = "setql_copy";

/// `A ∩ B ∩ …` as `SELECT DISTINCT a.* FROM (A) a WHERE EXISTS (…B…) AND …`, and `A − B − …`
/// with `NOT EXISTS`, comparing every column null-safely.
pub(super) fn by_exists(
    renderer: &mut Renderer<'_>,
    kind: SetKind,
    branches: &[Node],
) -> Result<SelectStatement> {
    let operands = branches
        .iter()
        .map(|branch| Ok((renderer.operand(branch)?, column_names(renderer, branch)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(combine_by_exists(renderer, kind, operands))
}

fn combine_by_exists(
    renderer: &mut Renderer<'_>,
    kind: SetKind,
    operands: Vec<(SelectStatement, Vec<String>)>,
) -> SelectStatement {
    let mut operands = operands.into_iter();
    let Some((first, first_names)) = operands.next() else {
        return Query::select();
    };
    let outer = renderer.alias("a");
    let mut statement = select_with(|s| {
        s.distinct()
            .column((outer.clone(), Asterisk))
            .from_subquery(first, outer.clone());
    });
    for (operand, names) in operands {
        let inner = renderer.alias("b");
        let mut probe = select_with(|s| {
            s.expr(Expr::Constant(1.into()))
                .from_subquery(operand, inner.clone());
        });
        for (outer_name, inner_name) in first_names.iter().zip(&names) {
            probe.and_where(null_safe_eq(
                renderer.dialect,
                Expr::col((outer.clone(), DynIden::from(outer_name.clone()))),
                Expr::col((inner.clone(), DynIden::from(inner_name.clone()))),
            ));
        }
        let exists = Expr::exists(probe);
        statement.and_where(match kind {
            SetKind::Difference => exists.not(),
            SetKind::Intersection | SetKind::Union => exists,
        });
    }
    statement
}

/// `A ∩ALL B` and `A −ALL B`: number the copies of each row on every side, apply the plain
/// operator (natively or by `EXISTS`), then drop the number. A difference of more than two
/// operands is taken one step at a time, `((A −ALL B) −ALL C)`, because numbering all sides
/// at once would subtract only the largest of the later multiplicities.
pub(super) fn by_row_number(
    renderer: &mut Renderer<'_>,
    compound: &Compound,
    plain_by_exists: bool,
) -> Result<SelectStatement> {
    let kind = compound.op.kind;
    let left_deep;
    let branches: &[Node] = if kind == SetKind::Difference && compound.branches.len() > 2 {
        let (last, init) = compound
            .branches
            .split_last()
            .ok_or(Error::EmptyCombination {
                operation: compound.op.name(),
            })?;
        let head = Node::Compound(Shared::new(Compound::new(compound.op, init.to_vec())));
        left_deep = [head, last.clone()];
        &left_deep
    } else {
        &compound.branches
    };
    let mut numbered = Vec::with_capacity(branches.len());
    for branch in branches {
        let names = column_names(renderer, branch)?;
        let operand = renderer.operand(branch)?;
        numbered.push(number_copies(renderer, operand, names));
    }
    let output = numbered
        .first()
        .map(|(_, names)| names[..names.len() - 1].to_vec())
        .unwrap_or_default();
    let plain = if plain_by_exists {
        combine_by_exists(renderer, kind, numbered)
    } else {
        let union_type = super::union_type(crate::combine::SetOp { kind, all: false });
        let mut members = numbered.into_iter().map(|(statement, _)| statement);
        let mut statement = members.next().unwrap_or_else(Query::select);
        for member in members {
            statement.union(union_type, member);
        }
        statement
    };
    let alias = renderer.alias("c");
    Ok(select_with(|s| {
        s.columns(output.into_iter().map(DynIden::from))
            .from_subquery(plain, alias);
    }))
}

/// `SELECT n.*, ROW_NUMBER() OVER (PARTITION BY every column) AS setql_copy FROM (operand) n`.
fn number_copies(
    renderer: &mut Renderer<'_>,
    operand: SelectStatement,
    mut names: Vec<String>,
) -> (SelectStatement, Vec<String>) {
    let alias = renderer.alias("n");
    let mut window = WindowStatement::new();
    for name in &names {
        window.partition_by((alias.clone(), DynIden::from(name.clone())));
    }
    // sea-query has no ROW_NUMBER builder; the window itself is built by sea-query.
    let row_number = Expr::cust("ROW_NUMBER()");
    let statement = select_with(|s| {
        s.column((alias.clone(), Asterisk))
            .expr_window_as(row_number, window, DynIden::from(COPY_NUMBER))
            .from_subquery(operand, alias);
    });
    names.push(COPY_NUMBER.to_owned());
    (statement, names)
}

fn column_names(renderer: &Renderer<'_>, branch: &Node) -> Result<Vec<String>> {
    branch.shape().names().map(<[String]>::to_vec).ok_or(Error::Unsupported {
        dialect: renderer.dialect,
        operation: "emulating this set operation over columns setql cannot name (project with columns())",
    })
}

/// Equality that holds for two NULLs, as set operations compare rows.
fn null_safe_eq(dialect: Dialect, left: Expr, right: Expr) -> Expr {
    let operator = match dialect {
        Dialect::Sqlite => BinOper::Is,
        Dialect::MySql => BinOper::Custom("<=>"),
        Dialect::Postgres => BinOper::Custom("IS NOT DISTINCT FROM"),
    };
    Expr::Binary(Box::new(left), operator, Box::new(right))
}
