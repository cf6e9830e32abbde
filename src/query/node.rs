//! The immutable tree that every query set is a view of.
//!
//! Chain calls build this tree; `render` lowers it for one dialect. Nothing here knows which
//! engine will run it.

use sea_query::{DynIden, Expr, NullOrdering, Order, SelectStatement};

use super::shared::Shared;
use crate::combine::SetOp;
use crate::error::Error;

/// A node of the query tree.
#[derive(Debug, Clone)]
pub enum Node {
    /// The empty set. It renders to no query at all.
    Empty,
    /// One SELECT.
    Select(Shared<Select>),
    /// A set operation over two or more branches.
    Compound(Shared<Compound>),
    /// A misuse found while chaining; it is reported before any SQL is sent.
    Invalid(Misuse),
}

/// A WHERE predicate: an `Expr`, and the sets its subquery filters read (see `subquery`).
pub(crate) use super::subquery::Predicate;

/// A line `explain` prints about what chaining or planning did at a node.
pub(crate) type Note = std::borrow::Cow<'static, str>;

/// One SELECT over a table, an adopted sea-query statement, or a derived node.
#[derive(Debug, Clone)]
pub struct Select {
    pub(crate) source: Source,
    pub(crate) projection: Projection,
    /// ANDed predicates; `exclude` arrives here already as `(p) IS NOT TRUE`.
    pub(crate) filters: Vec<Predicate>,
    pub(crate) distinct: bool,
    /// `distinct()` came after an ordering by a column the rows do not output, which SELECT
    /// DISTINCT cannot keep. It is refused where the ordering is rendered, as
    /// `Error::DistinctLosesOrder`; a branch of a set operation drops its ordering first.
    pub(crate) distinct_after_order: bool,
    pub(crate) orders: Vec<Sort>,
    pub(crate) slice: Slice,
    /// The columns that identify a row: the table's primary key, a declared unique key, or
    /// (over a derived node) the key of that node's rows.
    pub(crate) key: Option<Vec<String>>,
    /// Columns declared NOT NULL: of the table, or (over a derived node) of its output.
    pub(crate) not_null: Vec<String>,
    /// What the table's catalog said (its indexes, its size); `None` when the catalog was
    /// not read (`to_sql`, `build`, `explain`) or the source is no table.
    pub(crate) facts: Option<super::nullability::TableFacts>,
    /// What chaining did here that `explain` should tell.
    pub(crate) notes: Vec<Note>,
    /// GROUP BY and the aggregates of a grouped SELECT (always over a derived node).
    pub(crate) group: Option<Box<super::grouping::Grouping>>,
}

/// A set operation and the ordering and slice applied to its combined rows.
#[derive(Debug, Clone)]
pub struct Compound {
    pub(crate) op: SetOp,
    pub(crate) branches: Vec<Node>,
    /// Filters on the combined rows, written before `orders` and `slice` apply. They are
    /// pushed into the branches only when the set is planned (`pushdown::settle`), so a
    /// chain of filters costs one push each, and a fused plan ANDs them once instead of
    /// pushing them into every branch and factoring them out again.
    pub(crate) pending: Vec<Predicate>,
    pub(crate) orders: Vec<Sort>,
    pub(crate) slice: Slice,
    /// What chaining did here that `explain` should tell, e.g. where a filter went.
    pub(crate) notes: Vec<Note>,
    /// Render the branches as written: the planner does not fuse them.
    pub(crate) keep_branches: bool,
    /// A key the user declared for the combined rows (`unique_key`).
    pub(crate) unique: Option<Vec<String>>,
    /// The output columns, read once from the first branch. Every rewrite of a compound
    /// (pushdown, planning, marking branches) keeps its output columns, so the value never
    /// goes stale; without it, asking a deep tree for its shape at each level was quadratic.
    pub(crate) shape: ShapeCache,
    /// Where the rows come from, for keys (see `key`), kept like `shape`.
    pub(crate) lineage: super::key::LineageCache,
    /// The output columns that hold no NULL, kept like `shape`: `wrap` and `exclude` ask
    /// for them at every level of a deep tree.
    pub(crate) non_null: NonNullCache,
}

/// A compound's non-null output columns, worked out on first use and shared by its copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct NonNullCache(pub(crate) std::sync::OnceLock<Vec<String>>);

/// A compound's [`Shape`], computed on first use and shared by its copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShapeCache(std::sync::OnceLock<Shape>);

/// Where a SELECT reads its rows from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    Table(DynIden),
    /// A statement built elsewhere (e.g. by SeaORM). setql cannot inspect it, so it is only
    /// ever used whole, as a derived table.
    Adopted(Box<SelectStatement>),
    /// Another node, read as a derived table.
    Derived(Box<Node>),
}

/// The columns a SELECT produces.
#[derive(Debug, Clone)]
pub(crate) struct Projection {
    /// Every column of the source comes first (`t.*`); their names are not known to setql.
    pub(crate) whole_source: bool,
    pub(crate) columns: Vec<OutputColumn>,
}

/// One named output column and the expression that produces it.
#[derive(Debug, Clone)]
pub(crate) struct OutputColumn {
    pub(crate) name: String,
    pub(crate) expr: Expr,
}

/// One ORDER BY term.
#[derive(Debug, Clone)]
pub(crate) struct Sort {
    pub(crate) key: SortKey,
    pub(crate) order: Order,
    /// Where NULLs go, always explicit: every engine then returns one sequence.
    pub(crate) nulls: NullOrdering,
    /// A tie-breaker carried out of a slice's window (see [`Node::wrap`]): it orders only
    /// what the user's terms leave tied, so a later `order_by` goes before it.
    pub(crate) breaks_ties: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortKey {
    /// An output column name (or, on a plain SELECT, a source column).
    Name(String),
    /// A 1-based output position, for sets whose column names are unknown.
    Position(u32),
}

/// LIMIT and OFFSET.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Slice {
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl Sort {
    /// A term with setql's NULL placement: NULL is the smallest value, so it comes first
    /// ascending and last descending.
    pub(crate) fn new(key: SortKey, order: Order) -> Sort {
        let nulls = Sort::usual_nulls(&order);
        Sort {
            key,
            order,
            nulls,
            breaks_ties: false,
        }
    }

    /// Where `order` puts NULLs when the user does not say.
    pub(crate) fn usual_nulls(order: &Order) -> NullOrdering {
        match order {
            Order::Desc => NullOrdering::Last,
            _ => NullOrdering::First,
        }
    }

    /// Whether NULLs are placed as the user did not ask otherwise (see [`Sort::new`]).
    pub(crate) fn has_usual_nulls(&self) -> bool {
        self.nulls == Sort::usual_nulls(&self.order)
    }

    /// Whether NULL ranks above every value in this term, the opposite of setql's usual
    /// placement. Unlike `nulls`, this does not change when the term is reversed.
    pub(crate) fn nulls_rank_highest(&self) -> bool {
        match self.order {
            Order::Desc => self.nulls == NullOrdering::First,
            _ => self.nulls == NullOrdering::Last,
        }
    }

    /// The opposite direction, NULLs included, or `None` for an ordering by a value list.
    pub(crate) fn reversed(&self) -> Option<Sort> {
        let order = match self.order {
            Order::Asc => Order::Desc,
            Order::Desc => Order::Asc,
            _ => return None,
        };
        let nulls = match self.nulls {
            NullOrdering::First => NullOrdering::Last,
            NullOrdering::Last => NullOrdering::First,
        };
        Some(Sort {
            key: self.key.clone(),
            order,
            nulls,
            breaks_ties: self.breaks_ties,
        })
    }
}

/// The ordering that makes a slice deterministic: the user's terms, then the key, or else
/// every known output column. Without either, ties stay in the engine's order.
///
/// The tie-breakers run in the direction of the last term: any total order is correct, and
/// one direction throughout lets an engine read `ORDER BY score DESC, id DESC` straight off an
/// index on `score` (SQLite keeps the rowid in every index) instead of sorting.
pub(crate) fn total_order(orders: &[Sort], shape: &Shape, key: Option<&[String]>) -> Vec<Sort> {
    let mut total = orders.to_vec();
    let breakers: &[String] = match (key, shape.names()) {
        (Some(key), _) => key,
        (None, Some(names)) => names,
        (None, None) => &[],
    };
    let direction = match orders.last().map(|sort| &sort.order) {
        Some(Order::Desc) => Order::Desc,
        _ => Order::Asc,
    };
    for name in breakers {
        let key = SortKey::Name(name.clone());
        if !total.iter().any(|sort| sort.key == key) {
            total.push(Sort::new(key, direction.clone()));
        }
    }
    total
}

impl Slice {
    pub(crate) fn is_sliced(self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}

/// A misuse noticed while chaining. It is kept in the tree and becomes an [`Error`] when the
/// set is rendered, so chain methods can return `Self` and nothing is ever sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Misuse {
    /// A combination with no operands.
    EmptyCombination(&'static str),
    /// An operation that cannot be expressed, e.g. reversing an ordering by a value list.
    Unsupported(&'static str),
    /// A keyset cursor that does not fit this set.
    InvalidCursor(&'static str),
    /// `distinct()` after an ordering by a column that is not an output column.
    DistinctLosesOrder(String),
    /// `column_as` with an aggregate, which needs grouping.
    Aggregate(String),
    /// A qualified column that cannot be read on combined rows.
    QualifiedColumn(String),
    /// A set used as a filter that outputs other than one column (its output columns).
    SubqueryColumns(Vec<String>),
    /// A stored object set that the combining store's owner cannot see.
    ForeignSet,
    /// Stored object sets of two kinds (tables) combined.
    KindMismatch(String, String),
}

impl Misuse {
    pub(crate) fn into_error(self, dialect: crate::Dialect) -> Error {
        match self {
            Misuse::EmptyCombination(operation) => Error::EmptyCombination { operation },
            Misuse::Unsupported(operation) => Error::Unsupported { dialect, operation },
            Misuse::InvalidCursor(reason) => Error::InvalidCursor(reason.to_owned()),
            Misuse::DistinctLosesOrder(column) => Error::DistinctLosesOrder { column },
            Misuse::Aggregate(column) => Error::AggregateColumn { column },
            Misuse::QualifiedColumn(column) => Error::QualifiedColumn { column },
            Misuse::SubqueryColumns(columns) => Error::SubqueryColumns { columns },
            // Indistinguishable from a set that does not exist, as the owner sees it.
            Misuse::ForeignSet => Error::NotFound,
            Misuse::KindMismatch(left, right) => Error::KindMismatch { left, right },
        }
    }
}

/// What is known about a node's output columns, used to match branches by position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// The output column names, in order.
    Known(Vec<String>),
    /// `table.*` (names unknown) followed by named extra columns.
    WholeTable { table: DynIden, extras: Vec<String> },
    /// Nothing is known.
    Unknown,
}

impl Shape {
    pub(crate) fn names(&self) -> Option<&[String]> {
        match self {
            Shape::Known(names) => Some(names),
            _ => None,
        }
    }
}

impl Select {
    pub(crate) fn from_source(source: Source) -> Self {
        Select {
            source,
            projection: Projection {
                whole_source: true,
                columns: Vec::new(),
            },
            filters: Vec::new(),
            distinct: false,
            distinct_after_order: false,
            orders: Vec::new(),
            slice: Slice::default(),
            key: None,
            not_null: Vec::new(),
            facts: None,
            notes: Vec::new(),
            group: None,
        }
    }

    /// A SELECT that only passes its source through, adding nothing.
    pub(crate) fn is_pass_through(&self) -> bool {
        self.projection.whole_source
            && self.projection.columns.is_empty()
            && self.filters.is_empty()
            && !self.distinct
            && self.orders.is_empty()
            && !self.slice.is_sliced()
    }

    pub(crate) fn shape(&self) -> Shape {
        let extras = || self.projection.columns.iter().map(|c| c.name.clone());
        if !self.projection.whole_source {
            return Shape::Known(extras().collect());
        }
        match &self.source {
            Source::Table(table) => Shape::WholeTable {
                table: table.clone(),
                extras: extras().collect(),
            },
            Source::Derived(inner) => match inner.shape() {
                Shape::Known(mut names) => {
                    names.extend(extras());
                    Shape::Known(names)
                }
                Shape::WholeTable {
                    table,
                    extras: mut inner_extras,
                } => {
                    inner_extras.extend(extras());
                    Shape::WholeTable {
                        table,
                        extras: inner_extras,
                    }
                }
                Shape::Unknown => Shape::Unknown,
            },
            Source::Adopted(_) => Shape::Unknown,
        }
    }

    /// The expression an output name stands for, when it is a named output column.
    pub(crate) fn output_expr(&self, name: &str) -> Option<&Expr> {
        self.projection
            .columns
            .iter()
            .find(|column| column.name == name)
            .map(|column| &column.expr)
    }
}

impl Node {
    pub(crate) fn table(table: DynIden) -> Node {
        Node::Select(Shared::new(Select::from_source(Source::Table(table))))
    }

    pub(crate) fn adopted(statement: SelectStatement) -> Node {
        Node::Select(Shared::new(Select::from_source(Source::Adopted(Box::new(
            statement,
        )))))
    }

    /// Reads this node as a derived table, so later operations apply to its rows as they are.
    ///
    /// The node's ordering is repeated outside where it names output columns, so filtering or
    /// projecting a sliced set keeps its rows in order.
    pub(crate) fn wrap(self) -> Select {
        if self.is_sliced() && !self.orders().is_empty() {
            return self.wrap_window();
        }
        let orders = self.orders().to_vec();
        self.wrap_ordered_by(orders)
    }

    /// [`wrap`](Self::wrap) for an ordered slice. Its window was chosen by its whole total
    /// order, tie-breakers included (see `render::with_tie_breakers`), so the whole of it is
    /// repeated outside: the user's terms alone would leave ties in whatever order the engine
    /// reads the derived table, which MariaDB changes once the rows are filtered or
    /// projected. Terms on columns the slice does not output are carried out as hidden
    /// columns, and the outer SELECT outputs the slice's own columns only.
    fn wrap_window(self) -> Select {
        let own_terms = self.orders().len();
        let total = total_order(self.orders(), &self.shape(), self.tie_key().as_deref());
        let (inner, renamed, own_columns) = self.with_sort_columns_visible();
        let total = total
            .into_iter()
            .enumerate()
            .map(|(at, sort)| Sort {
                key: renamed(&sort.key),
                breaks_ties: sort.breaks_ties || at >= own_terms,
                ..sort
            })
            .collect();
        let mut outer = inner.wrap_ordered_by(total);
        if let Some(names) = own_columns {
            outer.projection = Projection {
                whole_source: false,
                columns: names
                    .into_iter()
                    .map(|name| OutputColumn {
                        expr: Expr::col(name.clone()),
                        name,
                    })
                    .collect(),
            };
        }
        outer
    }

    /// This node as a derived table, ordered outside by those of `orders` it outputs.
    pub(super) fn wrap_ordered_by(self, orders: Vec<Sort>) -> Select {
        let key = self.output_key();
        let not_null = self.non_null_outputs();
        let shape = self.shape();
        let orders = orders
            .into_iter()
            .filter(|sort| match (&sort.key, &shape) {
                (SortKey::Name(name), Shape::Known(names)) => names.contains(name),
                (SortKey::Name(_), Shape::WholeTable { .. }) => true,
                (SortKey::Position(_), _) => true,
                (SortKey::Name(_), Shape::Unknown) => false,
            })
            .collect();
        Select {
            key,
            not_null,
            orders,
            ..Select::from_source(Source::Derived(Box::new(self)))
        }
    }

    /// [`wrap`](Self::wrap), as a node.
    pub(crate) fn wrapped(self) -> Node {
        Node::Select(Shared::new(self.wrap()))
    }

    pub(crate) fn shape(&self) -> Shape {
        match self {
            Node::Select(select) => select.shape(),
            Node::Compound(compound) => {
                let first = || {
                    compound
                        .branches
                        .first()
                        .map_or(Shape::Unknown, Node::shape)
                };
                // Not checked against a fresh walk, even in debug builds: that walk recursed
                // through the whole tree at every level and overflowed a 2 MiB thread stack
                // (a tokio worker's) on trees of depth 256.
                crate::recursion::deeper(|| compound.shape.0.get_or_init(first).clone())
            }
            Node::Empty | Node::Invalid(_) => Shape::Unknown,
        }
    }

    pub(crate) fn is_sliced(&self) -> bool {
        match self {
            Node::Select(select) => select.slice.is_sliced(),
            Node::Compound(compound) => compound.slice.is_sliced(),
            Node::Empty | Node::Invalid(_) => false,
        }
    }

    /// Whether no two rows of this set can be equal, which keyset pagination needs: a
    /// cursor cannot tell copies of one row apart.
    pub(crate) fn rows_are_distinct(&self) -> bool {
        match self {
            Node::Select(select) => select.distinct || select.output_key().is_some(),
            Node::Compound(compound) => !compound.op.all || compound.output_key().is_some(),
            Node::Empty => true,
            Node::Invalid(_) => false,
        }
    }

    pub(crate) fn is_difference_all(&self) -> bool {
        matches!(self, Node::Compound(c) if c.op == crate::combine::SetOp::DIFFERENCE_ALL)
    }

    pub(crate) fn orders(&self) -> &[Sort] {
        match self {
            Node::Select(select) => &select.orders,
            Node::Compound(compound) => &compound.orders,
            Node::Empty | Node::Invalid(_) => &[],
        }
    }
}
