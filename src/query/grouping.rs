//! Grouping the rows of any set and computing aggregates over each group.
//!
//! A grouped set is a SELECT over the set as a derived table,
//! `SELECT kind, COUNT(*) AS n FROM (<set>) AS t GROUP BY kind`, so it is itself a set: it
//! can be filtered, ordered, sliced, counted and combined like any other. Its key is its
//! grouping columns, since each group is one row.
//!
//! A filter on grouping columns alone keeps or drops whole groups, so it may move below the
//! grouping into the set (which pushes it further). A filter that reads an aggregate applies
//! to the grouped rows, which are read as a derived table for it.

use sea_query::{DynIden, Expr, ExprTrait};

use super::node::{Node, OutputColumn, Predicate, Select, Source};
use super::predicate::ColumnUse;
use super::shared::Shared;

/// One aggregate output column of a grouped set: what it computes and its name.
///
/// Each aggregate reads into the same Rust type on every engine:
///
/// | aggregate | Rust type | how |
/// |---|---|---|
/// | [`count`](Self::count), [`count_distinct`](Self::count_distinct) | `i64` | `COUNT` is a 64-bit integer everywhere |
/// | [`sum`](Self::sum) (of an integer column) | `Option<i64>` | cast to `BIGINT` (`SIGNED` on MySQL, `INTEGER` on SQLite); PostgreSQL and MySQL would return a decimal |
/// | [`avg`](Self::avg) | `Option<f64>` | cast to `DOUBLE PRECISION` (`DOUBLE` on MySQL, `REAL` on SQLite); PostgreSQL and MySQL would return a decimal |
/// | [`min`](Self::min), [`max`](Self::max) | the column's own type, in an `Option` | as the engine returns it |
///
/// `sum`, `avg`, `min` and `max` are NULL over a group with no non-NULL value, and over an
/// empty set in a whole-set [`aggregate`](crate::QueryChain::aggregate).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub(crate) function: AggregateFunction,
    /// The output column it reads; `None` for `COUNT(*)`.
    pub(crate) column: Option<String>,
    pub(crate) alias: String,
}

/// What an [`Aggregate`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AggregateFunction {
    Count,
    CountDistinct,
    Sum,
    Min,
    Max,
    Avg,
}

use super::name as name_of;

impl Aggregate {
    fn over(function: AggregateFunction, column: Option<String>, alias: String) -> Self {
        Aggregate {
            function,
            column,
            alias,
        }
    }

    /// `COUNT(*) AS alias`: the number of rows in the group.
    pub fn count(alias: impl sea_query::IntoIden) -> Self {
        Self::over(AggregateFunction::Count, None, name_of(alias))
    }

    /// `COUNT(DISTINCT column) AS alias`: the number of distinct non-NULL values.
    pub fn count_distinct(
        column: impl sea_query::IntoIden,
        alias: impl sea_query::IntoIden,
    ) -> Self {
        Self::over(
            AggregateFunction::CountDistinct,
            Some(name_of(column)),
            name_of(alias),
        )
    }

    /// `SUM(column) AS alias`, for an integer column, read as `i64` on every engine.
    pub fn sum(column: impl sea_query::IntoIden, alias: impl sea_query::IntoIden) -> Self {
        Self::over(
            AggregateFunction::Sum,
            Some(name_of(column)),
            name_of(alias),
        )
    }

    /// `MIN(column) AS alias`, in the column's own type.
    pub fn min(column: impl sea_query::IntoIden, alias: impl sea_query::IntoIden) -> Self {
        Self::over(
            AggregateFunction::Min,
            Some(name_of(column)),
            name_of(alias),
        )
    }

    /// `MAX(column) AS alias`, in the column's own type.
    pub fn max(column: impl sea_query::IntoIden, alias: impl sea_query::IntoIden) -> Self {
        Self::over(
            AggregateFunction::Max,
            Some(name_of(column)),
            name_of(alias),
        )
    }

    /// `AVG(column) AS alias`, read as `f64` on every engine.
    pub fn avg(column: impl sea_query::IntoIden, alias: impl sea_query::IntoIden) -> Self {
        Self::over(
            AggregateFunction::Avg,
            Some(name_of(column)),
            name_of(alias),
        )
    }

    /// The aggregate without any engine's cast: what the column means, for the tree. The
    /// renderer writes each engine's form (`render::grouping`).
    pub(crate) fn expr(&self) -> Expr {
        let column = || Expr::col(DynIden::from(self.column.clone().unwrap_or_default()));
        match self.function {
            AggregateFunction::Count => Expr::cust("COUNT(*)"),
            AggregateFunction::CountDistinct => column().count_distinct(),
            AggregateFunction::Sum => column().sum(),
            AggregateFunction::Min => column().min(),
            AggregateFunction::Max => column().max(),
            AggregateFunction::Avg => column().avg(),
        }
    }

    /// Whether the aggregate is never NULL.
    fn is_never_null(&self) -> bool {
        matches!(
            self.function,
            AggregateFunction::Count | AggregateFunction::CountDistinct
        )
    }
}

/// What a grouped SELECT groups by and computes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grouping {
    /// Output columns of the inner set; empty for one aggregate row over the whole set.
    pub(crate) by: Vec<String>,
    pub(crate) aggregates: Vec<Aggregate>,
}

/// The rows of a set grouped by some of its output columns, waiting for the aggregates to
/// compute. Made by [`QueryChain::group_by`](crate::QueryChain::group_by).
#[derive(Debug, Clone)]
#[must_use = "a grouping makes a set only once its aggregates are given"]
pub struct GroupBy {
    pub(crate) node: Node,
    pub(crate) by: Vec<String>,
}

impl GroupBy {
    /// One row per group: the grouping columns, then `aggregates`, in that order.
    ///
    /// ```
    /// use setql::prelude::*;
    ///
    /// let feed = QuerySet::table("posts").columns(["author", "id"])
    ///     .union(QuerySet::table("comments").columns(["author", "id"]));
    /// let per_author = feed.group_by(["author"]).aggregate([Aggregate::count("n")]);
    /// assert_eq!(
    ///     per_author.to_sql(Dialect::Postgres).unwrap(),
    ///     r#"SELECT "author", COUNT(*) AS "n" FROM (SELECT "author", "id" FROM "posts" UNION (SELECT "author", "id" FROM "comments")) AS "t1" GROUP BY "author""#
    /// );
    /// assert_eq!(
    ///     per_author.to_sql(Dialect::Sqlite).unwrap(),
    ///     r#"SELECT "author", COUNT(*) AS "n" FROM (SELECT "author", "id" FROM "posts" UNION SELECT "author", "id" FROM "comments") AS "t1" GROUP BY "author""#
    /// );
    /// assert_eq!(
    ///     per_author.to_sql(Dialect::MySql).unwrap(),
    ///     "SELECT `author`, COUNT(*) AS `n` FROM (SELECT `author`, `id` FROM `posts` UNION (SELECT `author`, `id` FROM `comments`)) AS `t1` GROUP BY `author`"
    /// );
    /// ```
    pub fn aggregate(self, aggregates: impl IntoIterator<Item = Aggregate>) -> crate::QuerySet {
        use super::sealed::Sealed as _;
        crate::QuerySet::from_node(self.node.group(self.by, aggregates.into_iter().collect()))
    }
}

impl Node {
    /// This set's rows grouped by the output columns `by`, with `aggregates` per group.
    pub(crate) fn group(self, by: Vec<String>, aggregates: Vec<Aggregate>) -> Node {
        match self {
            Node::Invalid(_) => return self,
            // No rows make no groups.
            Node::Empty if !by.is_empty() => return self,
            _ => {}
        }
        // Grouping keeps no order, so an unsliced set's ordering means nothing inside.
        let inner = if self.is_sliced() {
            self
        } else {
            self.clear_order_by()
        };
        let inner_not_null = inner.non_null_outputs();
        let mut select = Select::from_source(Source::Derived(Box::new(inner)));
        select.projection.whole_source = false;
        select.projection.columns = by
            .iter()
            .map(|name| OutputColumn {
                name: name.clone(),
                expr: Expr::col(DynIden::from(name.clone())),
            })
            .chain(aggregates.iter().map(|aggregate| OutputColumn {
                name: aggregate.alias.clone(),
                expr: aggregate.expr(),
            }))
            .collect();
        // Each group is one row, so its grouping columns identify it.
        select.key = (!by.is_empty()).then(|| by.clone());
        select.not_null = by
            .iter()
            .filter(|name| inner_not_null.contains(name))
            .cloned()
            .chain(
                aggregates
                    .iter()
                    .filter(|aggregate| aggregate.is_never_null())
                    .map(|aggregate| aggregate.alias.clone()),
            )
            .collect();
        select.notes.push(if by.is_empty() {
            "aggregated over the whole set".into()
        } else {
            format!("grouped by {}", by.join(", ")).into()
        });
        select.group = Some(Box::new(Grouping { by, aggregates }));
        Node::Select(Shared::new(select))
    }
}

impl Select {
    /// A filter on an unsliced grouped SELECT. One that reads grouping columns alone keeps
    /// or drops whole groups, so it is applied to the set below, before grouping; anything
    /// else (an aggregate, say) reads the grouped rows.
    ///
    /// A whole-set aggregate has no grouping columns and always one row, even over no rows,
    /// so nothing moves below it: `COUNT(*)` of an emptied set is a row with 0, not no row.
    pub(crate) fn filter_grouped(mut select: Shared<Self>, predicate: Predicate) -> Node {
        let by = select.group.as_ref().map(|group| group.by.as_slice());
        let reads_groups_only = by.is_some_and(|by| {
            let uses = ColumnUse::of(&predicate);
            !by.is_empty() && !uses.incomplete && uses.within(by)
        });
        if reads_groups_only && let Source::Derived(inner) = &mut select.source {
            let below = std::mem::replace(inner.as_mut(), Node::Empty);
            **inner = below.filter(predicate);
            select
                .notes
                .push("filter on grouping columns moved below the grouping".into());
            return Node::Select(select);
        }
        Node::Select(select).filtered_outside(predicate, "filter applied to the grouped rows")
    }
}
