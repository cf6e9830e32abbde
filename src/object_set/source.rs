//! What a set's members can be given as: a query set or combination, a stored set or set
//! expression, or a list of ids.

use std::collections::BTreeSet;

use sea_query::{Alias, Expr, ExprTrait, Query};

use super::expr::{MemberIds, SetExpr};
use super::{Kind, ObjectSet, transaction};
use crate::Error;
use crate::dialect::Capabilities;
use crate::error::Result;
use crate::execute::Backend;
use crate::execute::raw;
use crate::query::QueryChain;
use crate::query::node::{Misuse, Node, Shape};
use crate::query::sealed::Sealed as _;
use crate::render::object_set as statements;

/// Ids of a list are written this many to a statement, well under every engine's limit on
/// bound values (SQLite's is 32,766).
const IDS_PER_STATEMENT: usize = 10_000;

/// What [`Kind::create`] and [`ObjectSet::replace`] take as the members: any query set or
/// combination (its key column, or its only column), a stored [`ObjectSet`] or
/// [`SetExpr`] of the same kind, or ids as a `Vec<i64>`, slice or array.
///
/// The trait is sealed; its only use is to be accepted there.
pub trait MemberSource: private::Sealed + Send {}

pub(super) mod private {
    /// The conversion, hidden from the public API.
    pub trait Sealed {
        /// The members for a set of `kind`.
        fn into_source(self, kind: &super::Kind) -> crate::Result<super::Source>;
    }
}

/// Members, as the statements that write them need them (reachable only through the sealed
/// trait).
#[derive(Clone)]
pub enum Source {
    /// Distinct ids from the caller, checked against the kind's table before any write.
    Ids(Vec<i64>),
    /// The single-column set `node`, whose column is `column`.
    Set {
        node: Node,
        column: String,
        /// Whether every id is certainly a row of the kind's table: the set's rows are the
        /// table's rows and `column` its key, or they are members of sets of the kind.
        checked: bool,
        /// Stored sets the source reads, locked and checked against the owner first.
        operands: Vec<i64>,
        /// The scratch set this source was copied into, deleted when the operation ends.
        scratch: Option<i64>,
    },
}

impl<T: QueryChain + Send> MemberSource for T {}
impl<T: QueryChain> private::Sealed for T {
    fn into_source(self, kind: &Kind) -> Result<Source> {
        let node = self.into_node();
        let column = match node.shape() {
            Shape::Known(names) if names.contains(&kind.key) => kind.key.clone(),
            Shape::Known(mut names) if names.len() == 1 => names.remove(0),
            Shape::Known(names) => {
                return Err(Error::MemberSourceColumns {
                    key: kind.key.clone(),
                    columns: names,
                });
            }
            // `t.*`, or a statement setql did not build: the key column, or the database
            // says there is none.
            Shape::WholeTable { .. } | Shape::Unknown => kind.key.clone(),
        };
        let checked = column == kind.key
            && node
                .written_table()
                .is_some_and(|(table, _)| table.inner() == kind.table.as_str());
        Ok(Source::Set {
            node: node.columns(vec![column.clone()]),
            column,
            checked,
            operands: Vec::new(),
            scratch: None,
        })
    }
}

impl MemberSource for Vec<i64> {}
impl private::Sealed for Vec<i64> {
    fn into_source(self, _: &Kind) -> Result<Source> {
        Ok(Source::Ids(distinct(self)))
    }
}

impl MemberSource for &[i64] {}
impl private::Sealed for &[i64] {
    fn into_source(self, _: &Kind) -> Result<Source> {
        Ok(Source::Ids(distinct(self.iter().copied())))
    }
}

impl<const N: usize> MemberSource for [i64; N] {}
impl<const N: usize> private::Sealed for [i64; N] {
    fn into_source(self, _: &Kind) -> Result<Source> {
        Ok(Source::Ids(distinct(self)))
    }
}

impl MemberSource for &ObjectSet {}
impl private::Sealed for &ObjectSet {
    fn into_source(self, kind: &Kind) -> Result<Source> {
        kind.check_operand(self.kind())?;
        Ok(Source::Set {
            node: self.ids().into_node(),
            column: "object_id".to_owned(),
            checked: true,
            operands: vec![self.id()],
            scratch: None,
        })
    }
}

impl MemberSource for &SetExpr {}
impl private::Sealed for &SetExpr {
    fn into_source(self, kind: &Kind) -> Result<Source> {
        kind.check_operand(self.kind())?;
        let node = self.ids().into_node();
        // Refused operands are reported as themselves, before locking reports them missing.
        match &node {
            Node::Invalid(Misuse::KindMismatch(left, right)) => {
                return Err(Error::KindMismatch {
                    left: left.clone(),
                    right: right.clone(),
                });
            }
            Node::Invalid(Misuse::ForeignSet) => return Err(Error::NotFound),
            _ => {}
        }
        Ok(Source::Set {
            node,
            column: "object_id".to_owned(),
            checked: true,
            operands: self.operands(),
            scratch: None,
        })
    }
}

impl MemberSource for SetExpr {}
impl private::Sealed for SetExpr {
    fn into_source(self, kind: &Kind) -> Result<Source> {
        (&self).into_source(kind)
    }
}

fn distinct(ids: impl IntoIterator<Item = i64>) -> Vec<i64> {
    ids.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Source {
    /// Locks the stored sets this source reads, so it reads them as they are committed and
    /// only when the store's owner may see them.
    pub(super) async fn lock_operands<DB>(
        &self,
        conn: &mut DB::Connection,
        kind: &Kind,
    ) -> Result<()>
    where
        DB: Backend,
    {
        match self {
            Source::Set { operands, .. } if !operands.is_empty() => {
                transaction::lock::<DB>(conn, kind, operands)
                    .await
                    .map(drop)
            }
            _ => Ok(()),
        }
    }

    /// The ids of this source as a one-column set of the kind's table rows, and its column.
    /// A list becomes `SELECT key FROM table WHERE key IN (…)`, one per chunk.
    fn sets(&self, kind: &Kind) -> Vec<(Node, String)> {
        match self {
            Source::Ids(ids) => ids
                .chunks(IDS_PER_STATEMENT)
                .map(|chunk| (ids_of(kind, chunk), kind.key.clone()))
                .collect(),
            Source::Set { node, column, .. } => vec![(node.clone(), column.clone())],
        }
    }

    /// This source as sets of ids for filters (`object_id IN (…)`): one, or one per chunk
    /// of a long list. Filters that hold for every chunk hold for the whole.
    pub(super) fn pieces(&self, kind: &Kind) -> Vec<MemberIds> {
        self.sets(kind)
            .into_iter()
            .map(|(node, _)| MemberIds::from_node(node))
            .collect()
    }

    /// This source as one set of ids, in one statement: a list must not be
    /// [long](Self::is_long_list), or it would pass every engine's limit on bound values.
    pub(super) fn whole(&self, kind: &Kind) -> MemberIds {
        MemberIds::from_node(match self {
            Source::Ids(ids) => ids_of(kind, ids),
            Source::Set { node, .. } => node.clone(),
        })
    }

    /// Whether this is a list of ids too long for one statement's bound values.
    pub(super) fn is_long_list(&self) -> bool {
        matches!(self, Source::Ids(ids) if ids.len() > IDS_PER_STATEMENT)
    }

    /// The stored sets the source reads.
    pub(super) fn operands(&self) -> &[i64] {
        match self {
            Source::Ids(_) => &[],
            Source::Set { operands, .. } => operands,
        }
    }

    /// The scratch set the source was copied into, if any.
    pub(super) fn scratch(&self) -> Option<i64> {
        match self {
            Source::Set { scratch, .. } => *scratch,
            Source::Ids(_) => None,
        }
    }

    /// The source as the members of scratch set `id`, which holds a copy of them.
    pub(super) fn copied_to(id: i64, tables: &crate::render::object_set::Tables) -> Source {
        let ids = crate::QuerySet::table(Alias::new(&tables.members))
            .filter(Expr::col(Alias::new("set_id")).eq(id))
            .columns([Alias::new("object_id")])
            .into_node();
        Source::Set {
            node: ids,
            column: "object_id".to_owned(),
            checked: true,
            operands: Vec::new(),
            scratch: Some(id),
        }
    }

    /// Refuses ids that are not rows of the kind's table, before anything is written.
    pub(super) async fn check_ids<DB>(&self, conn: &mut DB::Connection, kind: &Kind) -> Result<()>
    where
        DB: Backend,
    {
        let Source::Ids(ids) = self else {
            return Ok(());
        };
        let mut found = 0;
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let select = Query::select()
                .expr(Expr::col(Alias::new(&kind.key)).count())
                .from(Alias::new(&kind.table))
                .and_where(Expr::col(Alias::new(&kind.key)).is_in(chunk.iter().copied()))
                .to_owned();
            let rows = raw::rows::<DB>(conn, statements::build(&select, DB::DIALECT)).await?;
            let row = rows.first().ok_or(Error::NotFound)?;
            found += transaction::count(raw::int::<DB>(row, 0)?);
        }
        let given = ids.len() as u64;
        missing(kind, given - Ord::min(found, given))
    }

    /// Writes the source's ids that are not yet rows of set `set_id` (all of them when
    /// `fresh`), and returns how many it wrote. A list's ids must have been checked. Ids from a set that may hold other ids than
    /// the kind's rows are checked after the insert, and refused with the count of those.
    pub(super) async fn insert_into<DB>(
        &self,
        conn: &mut DB::Connection,
        kind: &Kind,
        set_id: i64,
        by_hand: bool,
        fresh: bool,
    ) -> Result<u64>
    where
        DB: Backend,
    {
        let capabilities = Capabilities::new(DB::DIALECT);
        let mut written = 0;
        for (node, column) in self.sets(kind) {
            if matches!(node, Node::Empty) {
                continue;
            }
            let insert = statements::insert_members(
                &kind.store.tables,
                set_id,
                &node,
                &column,
                by_hand,
                fresh,
                &capabilities,
            )?;
            written += raw::run::<DB>(conn, insert).await?;
        }
        if let Source::Set { checked: false, .. } = self {
            let strangers = strangers::<DB>(conn, kind, set_id).await?;
            missing(kind, strangers)?;
        }
        Ok(written)
    }
}

/// `SELECT key FROM table WHERE key IN (ids)`.
fn ids_of(kind: &Kind, ids: &[i64]) -> Node {
    if ids.is_empty() {
        return Node::Empty;
    }
    crate::QuerySet::table(Alias::new(&kind.table))
        .filter(Expr::col(Alias::new(&kind.key)).is_in(ids.iter().copied()))
        .columns([Alias::new(&kind.key)])
        .into_node()
}

/// How many rows of set `set_id` name no row of the kind's table.
async fn strangers<DB>(conn: &mut DB::Connection, kind: &Kind, set_id: i64) -> Result<u64>
where
    DB: Backend,
{
    let member = Alias::new("m");
    let object = Alias::new("o");
    let row = Query::select()
        .expr(Expr::val(1))
        .from_as(Alias::new(&kind.table), object.clone())
        .and_where(
            Expr::col((object, Alias::new(&kind.key)))
                .equals((member.clone(), Alias::new("object_id"))),
        )
        .to_owned();
    let select = Query::select()
        .expr(Expr::col((member.clone(), Alias::new("object_id"))).count())
        .from_as(Alias::new(&kind.store.tables.members), member.clone())
        .and_where(Expr::col((member, Alias::new("set_id"))).eq(set_id))
        .and_where(Expr::exists(row).not())
        .to_owned();
    let rows = raw::rows::<DB>(conn, statements::build(&select, DB::DIALECT)).await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    Ok(transaction::count(raw::int::<DB>(row, 0)?))
}

fn missing(kind: &Kind, count: u64) -> Result<()> {
    if count == 0 {
        return Ok(());
    }
    Err(Error::MissingObjects {
        kind: kind.table.clone(),
        count,
    })
}
