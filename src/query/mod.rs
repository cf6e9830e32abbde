//! [`QuerySet`], the node tree behind every query set, and the [`QueryChain`] vocabulary.

mod chain;
pub(crate) mod grouping;
pub(crate) mod key;
pub(crate) mod node;
pub(crate) mod nullability;
pub(crate) mod predicate;
pub(crate) mod shared;
pub(crate) mod subquery;

use sea_query::{
    Condition, Expr, IntoColumnRef, IntoIden, NullOrdering, Order, SelectStatement, Values,
};

use crate::combine::{self, DelayedDifference, DelayedIntersection, DelayedUnion, SetOp};
use crate::dialect::{Capabilities, Dialect};
use crate::error::Result;
use crate::render;
pub(crate) use chain::KEYSET_NEEDS;
pub use grouping::{Aggregate, GroupBy};
use node::{Node, Sort, SortKey};
use sealed::Sealed as _;

pub(crate) mod sealed {
    use super::node::Node;

    /// Gives the chain vocabulary access to the tree while keeping the tree private.
    pub trait Sealed: Sized {
        fn node(&self) -> &Node;
        fn into_node(self) -> Node;
        fn from_node(node: Node) -> Self;
    }
}

/// One SELECT: the rows of a table, or of a sea-query statement, narrowed by filters.
///
/// A query set is a value. Chain calls return a new one and run nothing; see [`QueryChain`].
///
/// ```
/// use setql::prelude::*;
///
/// let open = QuerySet::table("items").filter(Expr::col("status").eq("open"));
/// assert_eq!(
///     open.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT * FROM "items" WHERE "status" = 'open'"#
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct QuerySet {
    node: Node,
}

impl QuerySet {
    /// Every column of one table.
    pub fn table(table: impl IntoIden) -> Self {
        QuerySet {
            node: Node::table(table.into_iden()),
        }
    }

    /// Adopts a statement built with sea-query (or by SeaORM). setql treats it as a whole:
    /// later filters and orderings read its output columns.
    ///
    /// Build the statement with setql's own sea-query, [`setql::sea_query`](crate::sea_query):
    ///
    /// ```
    /// use setql::prelude::*;
    /// use setql::sea_query::Query;
    ///
    /// let authors = Query::select()
    ///     .columns(["id", "name"])
    ///     .from("authors")
    ///     .and_where(Expr::col("active").eq(true))
    ///     .to_owned();
    /// let named = QuerySet::from_select(authors).filter(Expr::col("name").like("A%"));
    /// // A later filter reads the statement's output, so it goes around it.
    /// assert_eq!(
    ///     named.to_sql(Dialect::Sqlite).unwrap(),
    ///     r#"SELECT * FROM (SELECT "id", "name" FROM "authors" WHERE "active" = TRUE) AS "s1" WHERE "name" LIKE 'A%'"#
    /// );
    /// assert_eq!(
    ///     named.to_sql(Dialect::Postgres).unwrap(),
    ///     r#"SELECT * FROM (SELECT "id", "name" FROM "authors" WHERE "active" = TRUE) AS "s1" WHERE "name" LIKE 'A%'"#
    /// );
    /// assert_eq!(
    ///     named.to_sql(Dialect::MySql).unwrap(),
    ///     "SELECT * FROM (SELECT `id`, `name` FROM `authors` WHERE `active` = TRUE) AS `s1` WHERE `name` LIKE 'A%'"
    /// );
    /// ```
    pub fn from_select(statement: SelectStatement) -> Self {
        QuerySet {
            node: Node::adopted(statement),
        }
    }

    /// The empty set. Combinations simplify around it, and it never runs a query.
    pub fn none() -> Self {
        QuerySet { node: Node::Empty }
    }

    /// Declares the table's primary key. `first`/`last` then order by it when the set is
    /// unordered, and slices of an ordered set use it to break ties. A primary key holds no
    /// NULL, so it is also declared [`not_null`](Self::not_null).
    pub fn primary_key(self, column: impl IntoIden) -> Self {
        let column = name(column);
        let node = match self.node {
            Node::Select(mut select) => {
                select.key = Some(vec![column.clone()]);
                Node::Select(select)
            }
            other => other,
        };
        QuerySet { node }.not_null([column])
    }
}

impl QuerySet {
    /// Declares columns of the table NOT NULL, as the schema says. An `exclude` that reads
    /// only such columns can then be written `status <> 'closed'` rather than
    /// `(status = 'closed') IS NOT TRUE`, which engines plan better; the declaration is
    /// carried through projections, slices and combinations where it still holds.
    ///
    /// A column declared NOT NULL that holds a NULL makes `exclude` drop that row.
    ///
    /// ```
    /// use setql::prelude::*;
    ///
    /// let items = QuerySet::table("items").not_null(["status"]);
    /// assert_eq!(
    ///     items.exclude(Expr::col("status").eq("closed")).to_sql(Dialect::Postgres).unwrap(),
    ///     r#"SELECT * FROM "items" WHERE "status" <> 'closed'"#
    /// );
    /// ```
    pub fn not_null<I, C>(self, columns: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: IntoIden,
    {
        let names = names(columns);
        QuerySet {
            node: self.node.not_null(names),
        }
    }
}

/// The chain vocabulary shared by [`QuerySet`] and the delayed combinations.
///
/// Operations apply in the order they are written. setql moves an operation into the
/// branches of a combination only where the rows come out the same.
pub trait QueryChain: sealed::Sealed + Clone {
    /// Keeps the rows for which `condition` is true.
    #[must_use]
    fn filter(self, condition: impl IntoPredicate) -> Self {
        let predicate = node::Predicate::new(condition.into_predicate());
        Self::from_node(self.into_node().filter(predicate))
    }

    /// Drops the rows for which `condition` is true; rows where it is NULL are kept.
    #[must_use]
    fn exclude(self, condition: impl IntoPredicate) -> Self {
        Self::from_node(self.into_node().exclude(condition.into_predicate()))
    }

    /// Keeps the rows whose `column` is one of the values of `set`, a query set or
    /// combination with one output column: `column IN (SELECT …)`, with the set rendered
    /// for the same engine as this one. A row whose `column` is NULL is never kept.
    ///
    /// Like [`filter`](Self::filter), it moves into the branches of a combination where
    /// that is exact; `column` is the only column it reads of this set's rows.
    ///
    /// ```
    /// use setql::prelude::*;
    ///
    /// let tagged = QuerySet::table("tags").filter(Expr::col("tag").eq("rust")).columns(["post_id"]);
    /// let posts = QuerySet::table("posts").filter_in("id", &tagged);
    /// assert_eq!(
    ///     posts.to_sql(Dialect::Postgres).unwrap(),
    ///     r#"SELECT * FROM "posts" WHERE "id" IN (SELECT "post_id" FROM "tags" WHERE "tag" = 'rust')"#
    /// );
    /// ```
    ///
    /// A set with more than one output column, where that is known, is an
    /// [`Error::SubqueryColumns`](crate::Error::SubqueryColumns) before anything is sent.
    #[must_use]
    fn filter_in(self, column: impl IntoColumnRef, set: &impl QueryChain) -> Self {
        Self::from_node(
            self.into_node()
                .filter_in(column.into_column_ref(), set.node()),
        )
    }

    /// Drops the rows whose `column` is one of the values of `set`; a row whose `column` is
    /// NULL is kept, as [`exclude`](Self::exclude) keeps rows where its condition is NULL.
    ///
    /// It is rendered `(column IN (SELECT …)) IS NOT TRUE`, never `column NOT IN (SELECT …)`,
    /// which keeps no row at all once the set holds a NULL.
    ///
    /// ```
    /// use setql::prelude::*;
    ///
    /// let banned = QuerySet::table("bans").columns(["user_id"]);
    /// let posts = QuerySet::table("posts").exclude_in("author_id", &banned);
    /// assert_eq!(
    ///     posts.to_sql(Dialect::MySql).unwrap(),
    ///     "SELECT * FROM `posts` WHERE (`author_id` IN (SELECT `user_id` FROM `bans`)) IS NOT TRUE"
    /// );
    /// ```
    #[must_use]
    fn exclude_in(self, column: impl IntoColumnRef, set: &impl QueryChain) -> Self {
        Self::from_node(
            self.into_node()
                .exclude_in(column.into_column_ref(), set.node()),
        )
    }

    /// Adds an ordering term. On a combination, `column` is an output column name.
    ///
    /// NULLs come first ascending and last descending, on every engine; use
    /// [`order_by_with_nulls`](Self::order_by_with_nulls) to place them yourself.
    #[must_use]
    fn order_by(self, column: impl IntoIden, order: Order) -> Self {
        let key = SortKey::Name(name(column));
        Self::from_node(self.into_node().order_by(Sort::new(key, order)))
    }

    /// Adds an ordering term that puts NULLs first or last, as sea-query's
    /// `order_by_with_nulls` does. MySQL has no `NULLS FIRST`/`LAST`, so there the term
    /// is preceded by `column IS NULL`.
    ///
    /// `last()`, `page_before` and keyset cursors keep the placement: reversed, NULLs
    /// swap ends with the other rows.
    ///
    /// ```
    /// use setql::prelude::*;
    /// use sea_query::{NullOrdering, Order};
    ///
    /// let set = QuerySet::table("t").order_by_with_nulls("n", Order::Asc, NullOrdering::Last);
    /// assert_eq!(
    ///     set.to_sql(Dialect::Postgres).unwrap(),
    ///     r#"SELECT * FROM "t" ORDER BY "n" ASC NULLS LAST"#
    /// );
    /// assert_eq!(
    ///     set.to_sql(Dialect::Sqlite).unwrap(),
    ///     r#"SELECT * FROM "t" ORDER BY "n" ASC NULLS LAST"#
    /// );
    /// assert_eq!(
    ///     set.to_sql(Dialect::MySql).unwrap(),
    ///     "SELECT * FROM `t` ORDER BY `n` IS NULL ASC, `n` ASC"
    /// );
    /// ```
    #[must_use]
    fn order_by_with_nulls(self, column: impl IntoIden, order: Order, nulls: NullOrdering) -> Self {
        let key = SortKey::Name(name(column));
        let sort = Sort {
            key,
            order,
            nulls,
            breaks_ties: false,
        };
        Self::from_node(self.into_node().order_by(sort))
    }

    /// Removes every ordering term.
    #[must_use]
    fn clear_order_by(self) -> Self {
        Self::from_node(self.into_node().clear_order_by())
    }

    /// Returns at most `limit` rows.
    #[must_use]
    fn limit(self, limit: u64) -> Self {
        Self::from_node(self.into_node().limit(limit))
    }

    /// Skips the first `offset` rows.
    #[must_use]
    fn offset(self, offset: u64) -> Self {
        Self::from_node(self.into_node().offset(offset))
    }

    /// Drops duplicate rows. A `union_all` becomes a `union`.
    #[must_use]
    fn distinct(self) -> Self {
        Self::from_node(self.into_node().distinct())
    }

    /// Projects onto the named columns, like Django's `values_list`.
    #[must_use]
    fn columns<I, C>(self, columns: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: IntoIden,
    {
        let names = names(columns);
        Self::from_node(self.into_node().columns(names))
    }

    /// Adds an output column `alias` computed by `expr`, like Django's `annotate`.
    #[must_use]
    fn column_as(self, expr: impl Into<Expr>, alias: impl IntoIden) -> Self {
        let alias = name(alias);
        Self::from_node(self.into_node().column_as(expr.into(), alias))
    }

    /// Declares the output columns that identify a row of this set, e.g. `["kind", "item_id"]`
    /// for a feed that unions several tables. Keyset cursors then hold the ordering columns
    /// and this key only, and slices break ties by it.
    ///
    /// setql derives a key where it can prove one (a table's `primary_key`, carried through
    /// filters, slices and combinations of that table), so this is needed only where it
    /// cannot: rows of different tables, or adopted statements. A declared key is trusted; a
    /// name that is not an output column is an [`Error::UnknownColumn`](crate::Error::UnknownColumn).
    #[must_use]
    fn unique_key<I, C>(self, columns: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: IntoIden,
    {
        let names = names(columns);
        Self::from_node(self.into_node().unique_key(names))
    }

    /// Renders every combination in this set as written, with one query per branch, instead
    /// of fusing same-table branches into one SELECT. Useful where an engine plans an `OR`
    /// badly.
    #[must_use]
    fn keep_branches(self) -> Self {
        Self::from_node(self.into_node().keep_branches())
    }

    /// The rows that come strictly after `cursor` in this set's order (keyset pagination):
    /// `set.after(&cursor).limit(20)` is the next page, at the cost of the first.
    #[must_use]
    fn after(self, cursor: &crate::Cursor) -> Self {
        Self::from_node(self.into_node().beyond_cursor(cursor, true))
    }

    /// The rows that come strictly before `cursor` in this set's order.
    #[must_use]
    fn before(self, cursor: &crate::Cursor) -> Self {
        Self::from_node(self.into_node().beyond_cursor(cursor, false))
    }

    /// Groups this set's rows by the output columns `columns`; give the aggregates with
    /// [`GroupBy::aggregate`], which makes the grouped set. See [`Aggregate`] for what each
    /// aggregate reads into.
    fn group_by<I, C>(self, columns: I) -> GroupBy
    where
        I: IntoIterator<Item = C>,
        C: IntoIden,
    {
        let by = names(columns);
        GroupBy {
            node: self.into_node(),
            by,
        }
    }

    /// One row of `aggregates` over every row of this set, e.g.
    /// `set.aggregate([Aggregate::count("n")]).fetch_one(&pool)`. There is a row even when
    /// the set is empty: its counts are 0 and its other aggregates NULL.
    fn aggregate(self, aggregates: impl IntoIterator<Item = Aggregate>) -> QuerySet {
        QuerySet::from_node(
            self.into_node()
                .group(Vec::new(), aggregates.into_iter().collect()),
        )
    }

    /// Rows in either set, without duplicates.
    fn union(self, other: impl QueryChain) -> DelayedUnion {
        DelayedUnion::from_node(combine::combine(
            SetOp::UNION,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in either set, keeping duplicates.
    fn union_all(self, other: impl QueryChain) -> DelayedUnion {
        DelayedUnion::from_node(combine::combine(
            SetOp::UNION_ALL,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in both sets.
    fn intersection(self, other: impl QueryChain) -> DelayedIntersection {
        DelayedIntersection::from_node(combine::combine(
            SetOp::INTERSECTION,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in both sets, keeping duplicates: a row appears as often as in the set that has
    /// it fewer times (`INTERSECT ALL`).
    fn intersection_all(self, other: impl QueryChain) -> DelayedIntersection {
        DelayedIntersection::from_node(combine::combine(
            SetOp::INTERSECTION_ALL,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in this set and not in `other`, keeping duplicates: a row appears as often as
    /// this set has it more than `other` (`EXCEPT ALL`).
    fn difference_all(self, other: impl QueryChain) -> DelayedDifference {
        DelayedDifference::from_node(combine::combine(
            SetOp::DIFFERENCE_ALL,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in this set and not in `other`.
    fn difference(self, other: impl QueryChain) -> DelayedDifference {
        DelayedDifference::from_node(combine::combine(
            SetOp::DIFFERENCE,
            vec![self.into_node(), other.into_node()],
        ))
    }

    /// Rows in exactly one of the two sets: `(self − other) ∪ (other − self)`.
    ///
    /// There is no `ALL` form: for multisets, "in exactly one" has no single reading, so
    /// spell out `(a.difference_all(b)).union_all(b.difference_all(a))` if that is meant.
    fn symmetric_difference(self, other: impl QueryChain) -> DelayedUnion {
        let other = other.into_node();
        let this = self.into_node();
        let left = combine::combine(SetOp::DIFFERENCE, vec![this.clone(), other.clone()]);
        let right = combine::combine(SetOp::DIFFERENCE, vec![other, this]);
        DelayedUnion::from_node(combine::combine(SetOp::UNION, vec![left, right]))
    }

    /// The SQL with values inlined, for reading and logging. Use [`build`](Self::build)
    /// to execute it.
    ///
    /// # Errors
    /// Any misuse in the chain (see [`enum@crate::Error`]); nothing is sent anywhere.
    fn to_sql(&self, dialect: Dialect) -> Result<String> {
        let capabilities = Capabilities::new(dialect);
        Ok(render::render(self.node(), &capabilities)?.to_string(dialect))
    }

    /// The SQL with placeholders, and the values to bind to them.
    ///
    /// # Errors
    /// Any misuse in the chain (see [`enum@crate::Error`]).
    fn build(&self, dialect: Dialect) -> Result<(String, Values)> {
        let capabilities = Capabilities::new(dialect);
        Ok(render::render(self.node(), &capabilities)?.build(dialect))
    }

    /// How the set will run on a current server of `dialect`: each operator, native or
    /// emulated and why, where each filter went, and the SQL.
    ///
    /// # Errors
    /// Any misuse in the chain (see [`enum@crate::Error`]).
    fn explain(&self, dialect: Dialect) -> Result<String> {
        render::explain(self.node(), &Capabilities::new(dialect))
    }
}

/// What [`filter`](QueryChain::filter) and [`exclude`](QueryChain::exclude) take: a sea-query
/// [`Expr`] or [`Condition`], the two things sea-query turns into a condition.
///
/// An `Expr` is kept as it is. Going through `Condition` instead, as sea-query's
/// `IntoCondition` does, would build and unpack a one-element list on every call, which was
/// a tenth of the cost of building a five-branch union (the W6 benchmark).
pub trait IntoPredicate {
    /// The predicate as one expression.
    fn into_predicate(self) -> Expr;
}

impl IntoPredicate for Expr {
    fn into_predicate(self) -> Expr {
        self
    }
}

impl IntoPredicate for Condition {
    fn into_predicate(self) -> Expr {
        self.into()
    }
}

/// Implements the sealed tree access for a query set type that is a view of one node.
macro_rules! node_view {
    ($($ty:ident),*) => {$(
        impl $crate::query::sealed::Sealed for $ty {
            fn node(&self) -> &$crate::query::node::Node {
                &self.node
            }
            fn into_node(self) -> $crate::query::node::Node {
                self.node
            }
            fn from_node(node: $crate::query::node::Node) -> Self {
                $ty { node }
            }
        }
        impl $crate::query::QueryChain for $ty {}
    )*};
}
pub(crate) use node_view;

node_view!(QuerySet);

/// The name sea-query gives an identifier, as setql keeps column names.
pub(crate) fn name(column: impl IntoIden) -> String {
    column.into_iden().inner().into_owned()
}

/// [`name`] for each of `columns`.
fn names<C: IntoIden>(columns: impl IntoIterator<Item = C>) -> Vec<String> {
    columns.into_iter().map(name).collect()
}
