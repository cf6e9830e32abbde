//! The chain operations on a node: each returns the node that means "this, then that".
//!
//! An operation is merged into the current SELECT only where the result is the same as
//! applying it afterwards; otherwise the current node is wrapped as a derived table first.

use sea_query::{Expr, ExprTrait, Order};

use super::node::{Compound, Misuse, Node, OutputColumn, Select, Slice, Sort, SortKey};
use super::predicate::{ColumnUse, is_column_named, rename_columns};
use crate::combine::pushdown;

impl Node {
    pub(crate) fn filter(self, predicate: Expr) -> Node {
        match self {
            Node::Select(select) => select.filter(predicate),
            Node::Compound(compound) if !compound.slice.is_sliced() => {
                pushdown::filter(*compound, predicate)
            }
            Node::Compound(_) => self.wrapped().filter(predicate),
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    /// `exclude(p)` keeps the rows where `p` is false *or* NULL, as Django's exclude does.
    pub(crate) fn exclude(self, predicate: Expr) -> Node {
        self.filter(predicate.is_not(Expr::Constant(true.into())))
    }

    pub(crate) fn order_by(self, key: SortKey, order: Order) -> Node {
        let sort = Sort { key, order };
        match self {
            // Ordering after a slice reorders the sliced rows; it must not change the window.
            node if node.is_sliced() => node
                .wrapped()
                .clear_order_by()
                .order_by(sort.key, sort.order),
            Node::Select(mut select) => {
                select.orders.push(sort);
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                compound.orders.push(sort);
                Node::Compound(compound)
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    pub(crate) fn clear_order_by(self) -> Node {
        match self {
            node if node.is_sliced() => node.wrapped().clear_order_by(),
            Node::Select(mut select) => {
                select.orders.clear();
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                compound.orders.clear();
                Node::Compound(compound)
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    /// Flips every ordering term, for `last`. A sliced set is wrapped first so the window
    /// stays the one the user asked for.
    pub(crate) fn reverse_order(self) -> Node {
        let node = if self.is_sliced() {
            let orders = self.orders().to_vec();
            let mut outer = self.wrap();
            outer.orders = orders;
            Node::Select(Box::new(outer))
        } else {
            self
        };
        let reversed: Option<Vec<Sort>> = node
            .orders()
            .iter()
            .map(|sort| {
                let order = match sort.order {
                    Order::Asc => Order::Desc,
                    Order::Desc => Order::Asc,
                    _ => return None,
                };
                Some(Sort {
                    key: sort.key.clone(),
                    order,
                })
            })
            .collect();
        let Some(reversed) = reversed else {
            return Node::Invalid(Misuse::Unsupported("reversing an ordering by a value list"));
        };
        match node {
            Node::Select(mut select) => {
                select.orders = reversed;
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                compound.orders = reversed;
                Node::Compound(compound)
            }
            other => other,
        }
    }

    pub(crate) fn limit(self, limit: u64) -> Node {
        self.with_slice(|slice| slice.limit = Some(limit))
    }

    pub(crate) fn offset(self, offset: u64) -> Node {
        self.with_slice(|slice| slice.offset = Some(offset))
    }

    fn with_slice(self, set: impl FnOnce(&mut Slice)) -> Node {
        match self {
            Node::Select(mut select) => {
                set(&mut select.slice);
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                set(&mut compound.slice);
                Node::Compound(compound)
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    pub(crate) fn distinct(self) -> Node {
        match self {
            // `DISTINCT (A −ALL B)` keeps a row that A has more often than B even when B has
            // it too, so it is not `A − B`; it applies to the combined rows instead.
            node if node.is_sliced() || node.is_difference_all() => {
                let mut outer = node.wrap();
                outer.distinct = true;
                Node::Select(Box::new(outer))
            }
            Node::Select(mut select) => {
                select.distinct = true;
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                // A union all stops keeping duplicates, and an intersection all of distinct
                // rows is the plain intersection.
                compound.op.all = false;
                Node::Compound(compound)
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    /// Projects onto `names`, like Django's `values_list`. On a combined set the projection
    /// applies to the combined rows, so it wraps rather than changing what each branch compares.
    pub(crate) fn columns(self, names: Vec<String>) -> Node {
        let mut select = match self {
            Node::Select(select) if !select.slice.is_sliced() && !select.distinct => select,
            Node::Empty | Node::Invalid(_) => return self,
            other => Box::new(other.wrap()),
        };
        let columns = names
            .into_iter()
            .map(|name| {
                let expr = select
                    .output_expr(&name)
                    .cloned()
                    .unwrap_or_else(|| Expr::col(name.clone()));
                OutputColumn { name, expr }
            })
            .collect();
        select.projection.whole_source = false;
        select.projection.columns = columns;
        Node::Select(select)
    }

    /// Adds a named output column computed by `expr`, like Django's `annotate`.
    pub(crate) fn column_as(self, expr: Expr, name: String) -> Node {
        let mut select = match self {
            Node::Select(select) if !select.slice.is_sliced() && !select.distinct => select,
            Node::Empty | Node::Invalid(_) => return self,
            other => Box::new(other.wrap()),
        };
        let expr = select.resolve_outputs(&expr).unwrap_or(expr);
        select
            .projection
            .columns
            .retain(|column| column.name != name);
        select.projection.columns.push(OutputColumn { name, expr });
        Node::Select(select)
    }
}

impl Select {
    fn filter(mut self: Box<Self>, predicate: Expr) -> Node {
        if self.slice.is_sliced() {
            let mut outer = Node::Select(self).wrap();
            outer
                .notes
                .push("filter applied to the sliced rows".to_owned());
            outer.filters.push(predicate);
            return Node::Select(Box::new(outer));
        }
        // DISTINCT then filter equals filter then DISTINCT only when the predicate reads output
        // columns alone; anything else is applied to the distinct rows.
        if self.distinct {
            let reads_outputs_only = match self.shape().names() {
                Some(names) => ColumnUse::of(&predicate).within(names),
                None => !ColumnUse::of(&predicate).opaque,
            };
            if !reads_outputs_only {
                let mut outer = Node::Select(self).wrap();
                outer
                    .notes
                    .push("filter applied to the distinct rows".to_owned());
                outer.filters.push(predicate);
                return Node::Select(Box::new(outer));
            }
        }
        if let Some(pushed) = self.push_into_derived(&predicate) {
            return pushed;
        }
        match self.resolve_outputs(&predicate) {
            Some(resolved) => {
                self.filters.push(resolved);
                Node::Select(self)
            }
            // An opaque predicate that may read a computed output column is evaluated where
            // that column exists: on this SELECT's rows.
            None => {
                let mut outer = Node::Select(self).wrap();
                outer.filters.push(predicate);
                Node::Select(Box::new(outer))
            }
        }
    }

    /// A SELECT that only adds computed columns over a derived node lets a predicate that
    /// does not read those columns through to the node itself, where it can be pushed further.
    fn push_into_derived(&mut self, predicate: &Expr) -> Option<Node> {
        let super::node::Source::Derived(inner) = &mut self.source else {
            return None;
        };
        // A sliced node would only wrap itself again: the filter belongs out here.
        let adds_columns_only = !inner.is_sliced()
            && self.projection.whole_source
            && self.filters.is_empty()
            && !self.distinct
            && !self.slice.is_sliced();
        let uses = ColumnUse::of(predicate);
        let reads_added = self
            .projection
            .columns
            .iter()
            .any(|column| uses.names.contains(&column.name));
        if !adds_columns_only || uses.opaque || reads_added {
            return None;
        }
        let inner_node = std::mem::replace(inner.as_mut(), Node::Empty);
        **inner = inner_node.filter(predicate.clone());
        Some(Node::Select(Box::new(self.clone())))
    }

    /// Replaces references to named output columns with the expressions behind them, since
    /// WHERE cannot see SELECT aliases on PostgreSQL or MySQL.
    pub(crate) fn resolve_outputs(&self, expr: &Expr) -> Option<Expr> {
        if self.projection.columns.is_empty() {
            return Some(expr.clone());
        }
        rename_columns(expr, &|name| {
            self.output_expr(name)
                .filter(|inner| !is_column_named(inner, name))
                .cloned()
        })
    }
}

impl Compound {
    pub(crate) fn new(op: super::super::combine::SetOp, branches: Vec<Node>) -> Self {
        Compound {
            op,
            branches,
            orders: Vec::new(),
            slice: Slice::default(),
            notes: Vec::new(),
        }
    }
}
