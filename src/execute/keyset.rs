//! Reading a keyset page: the rows, and the cursors read from the rows at its edges.

use sqlx::Database;

use super::backend::{Backend, Executor, Fetchable};
use super::catalog;
use super::on_server::Target;
use super::statement::{self, Again, Ready};
use super::trace::Trace;
use crate::error::{Error, Result};
use crate::paginate::{Cursor, KeysetPage};
use crate::query::node::{Node, Sort, SortKey};

/// Renders the page (recorded under `trace`) and returns the future that reads it.
pub(super) fn page<'e, 'c: 'e, E, R>(
    trace: &Trace,
    target: &(impl Target + ?Sized),
    cursor: Option<&Cursor>,
    per_page: u64,
    forward: bool,
    executor: E,
) -> impl Future<Output = Result<KeysetPage<R>>> + Send + 'e
where
    E: Executor<'c> + 'e,
    R: Fetchable<E::Database> + 'e,
{
    let planned = plan::<E::Database>(trace, target, cursor, per_page, forward);
    let had_cursor = cursor.is_some();
    async move {
        let (prepared, order) = planned?;
        let Some(prepared) = prepared else {
            return Ok(KeysetPage {
                items: Vec::new(),
                next: None,
                previous: None,
            });
        };
        let mut conn = statement::connect(executor, &prepared).await?;
        let prepared = prepared.on::<E::Database>(&mut conn).await?;
        let (mut rows, sql) = statement::rows::<E::Database>(&mut conn, prepared).await?;
        // One row more than a page says whether there is a page beyond it.
        let more = rows.len() > usize::try_from(per_page).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
        if !forward {
            rows.reverse();
        }
        let edge = |row: Option<&<E::Database as Database>::Row>| -> Result<Option<Cursor>> {
            row.map(|row| cursor_of::<E::Database>(row, &order))
                .transpose()
        };
        let (first, last) = (edge(rows.first())?, edge(rows.last())?);
        let (next, previous) = if forward {
            (
                if more { last } else { None },
                if had_cursor { first } else { None },
            )
        } else {
            (last, if more { first } else { None })
        };
        let items = rows
            .iter()
            .map(|row| statement::decode::<E::Database, R>(row, &sql))
            .collect::<Result<Vec<R>>>()?;
        Ok(KeysetPage {
            items,
            next,
            previous,
        })
    }
}

/// The statement for one page (read backwards for `page_before`), and the ordering its
/// cursors are read under. The cursor's comparison is written for what the catalog says of
/// the ordering columns, so it is written again once the catalog has been asked.
#[allow(clippy::type_complexity)]
fn plan<DB: Backend>(
    trace: &Trace,
    target: &(impl Target + ?Sized),
    cursor: Option<&Cursor>,
    per_page: u64,
    forward: bool,
) -> Result<(Option<Ready>, Vec<Sort>)> {
    crate::paginate::check_request(1, per_page)?;
    let capabilities = statement::capabilities::<DB>(target)?;
    let node = target.node();
    let (learnt, unknown) = catalog::applied(node, DB::DIALECT);
    let (page, order) = page_of(learnt.as_ref().unwrap_or(node), cursor, per_page, forward)?;
    let mut plan = trace.plan_note();
    let prepared = statement::render_prepared::<DB>(&page, &capabilities, false, plan.as_mut())?;
    if let Some(prepared) = &prepared {
        trace.record_sql(&prepared.sql);
    }
    trace.record_plan_note(plan, prepared.is_some());
    let Some(prepared) = prepared else {
        return Ok((None, order));
    };
    let (node, cursor) = (node.clone(), cursor.cloned());
    let again = move || {
        let (learnt, _) = catalog::applied(&node, DB::DIALECT);
        let node = learnt.as_ref().unwrap_or(&node);
        let (page, _) = page_of(node, cursor.as_ref(), per_page, forward)?;
        statement::render_prepared::<DB>(&page, &capabilities, false, None)
    };
    let again = Again::after_learning(unknown, again, Some(trace.recorder()));
    Ok((Some(Ready::new(prepared, again)), order))
}

/// `node`'s page of `per_page` rows past `cursor` (and one more), and its cursor ordering.
fn page_of(
    node: &Node,
    cursor: Option<&Cursor>,
    per_page: u64,
    forward: bool,
) -> Result<(Node, Vec<Sort>)> {
    let ordered = node.clone().ensure_ordered();
    let Some(order) = ordered.keyset_order() else {
        return Err(Error::InvalidCursor(crate::query::KEYSET_NEEDS.to_owned()));
    };
    let mut page = match cursor {
        Some(cursor) => ordered.beyond_cursor(cursor, forward),
        None => ordered,
    };
    if !forward {
        page = page.reverse_order();
    }
    Ok((page.limit(per_page.saturating_add(1)), order))
}

fn cursor_of<DB: Backend>(row: &DB::Row, order: &[Sort]) -> Result<Cursor> {
    let values = order
        .iter()
        .map(|sort| match &sort.key {
            SortKey::Name(column) => DB::read_cursor_value(row, column),
            SortKey::Position(_) => Err(Error::InvalidCursor(
                "keyset pagination needs named ordering columns".to_owned(),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Cursor::new(order, values))
}
