//! The chain operations on a node: each returns the node that means "this, then that".
//!
//! An operation is merged into the current SELECT only where the result is the same as
//! applying it afterwards; otherwise the current node is wrapped as a derived table first.

use sea_query::{Expr, Order};

use super::node::{
    Compound, Misuse, Node, OutputColumn, Predicate, Select, Shape, Slice, Sort, SortKey,
    total_order,
};
use super::predicate::{ColumnUse, is_column_named, rename_columns, unqualified};
use super::shared::Shared;
use crate::paginate::Cursor;

/// Why a set cannot be paged by cursor.
pub(crate) const KEYSET_NEEDS: &str = "keyset pagination needs named ordering columns and a key that identifies a row: declare primary_key on the table, or unique_key on the set (or order by every output column)";

impl Node {
    /// Applies `predicate` to this node's rows as a derived table.
    pub(crate) fn filtered_outside(self, predicate: Predicate, note: &'static str) -> Node {
        let mut outer = self.wrap();
        outer.notes.push(note.into());
        outer.add_filter(predicate);
        Node::Select(Shared::new(outer))
    }

    pub(crate) fn filter(self, predicate: Predicate) -> Node {
        let predicate = match &self {
            Node::Compound(compound) => match compound.read_on_combined_rows(predicate) {
                Ok(predicate) => predicate,
                Err(misuse) => return Node::Invalid(misuse),
            },
            _ => predicate,
        };
        match self {
            Node::Select(select) => Select::filter(select, predicate),
            Node::Compound(mut compound) if !compound.slice.is_sliced() => {
                compound.pending.push(predicate);
                Node::Compound(compound)
            }
            Node::Compound(_) => {
                self.filtered_outside(predicate, "filter applied to the sliced rows")
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }

    /// `exclude(p)` keeps the rows where `p` is false *or* NULL, as Django's exclude does.
    pub(crate) fn exclude(self, predicate: Expr) -> Node {
        let exclusion = self.exclusion(predicate);
        self.filter(Predicate::new(exclusion))
    }

    pub(crate) fn order_by(self, sort: Sort) -> Node {
        match self {
            // Ordering after a slice reorders the sliced rows; it must not change the window.
            // The new term follows the slice's own terms, as it would on an unsliced set.
            node if node.is_sliced() => node.reordered_outside(|mut orders| {
                add_term(&mut orders, sort);
                orders
            }),
            Node::Select(mut select) => {
                add_term(&mut select.orders, sort);
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                add_term(&mut compound.orders, sort);
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

    /// Flips the ordering, for `last`: the user's terms and the tie-breakers a slice adds, so
    /// the last row is the one `fetch_all` would end with. A sliced set is wrapped first so
    /// the window stays the one the user asked for.
    pub(crate) fn reverse_order(self) -> Node {
        let total = total_order(self.orders(), &self.shape(), self.tie_key().as_deref());
        let Some(reversed) = total.iter().map(Sort::reversed).collect::<Option<Vec<_>>>() else {
            return Node::Invalid(Misuse::Unsupported("reversing an ordering by a value list"));
        };
        if !self.is_sliced() {
            return self.clear_order_by().with_orders(reversed);
        }
        self.reordered_outside(|_| reversed)
    }

    /// A sliced node read as a derived table and ordered outside by `orders`, given the
    /// node's own terms. Ordering columns the slice does not output are carried out as
    /// hidden columns and dropped again, so the window and the output stay as they were.
    fn reordered_outside(self, orders: impl FnOnce(Vec<Sort>) -> Vec<Sort>) -> Node {
        let orders = orders(self.orders().to_vec());
        let (inner, renamed, projection) = self.with_sort_columns_visible();
        let orders = orders
            .into_iter()
            .map(|sort| Sort {
                key: renamed(&sort.key),
                ..sort
            })
            .collect();
        let outer = inner.wrap_ordered_by(orders);
        if let Some(names) = projection {
            // Hidden sort columns are dropped again.
            let mut outer = Node::Select(Shared::new(outer)).columns(names);
            if let Node::Select(select) = &mut outer {
                select.notes.push("ordered by hidden sort columns".into());
            }
            return outer;
        }
        Node::Select(Shared::new(outer))
    }

    /// This unsliced node, ordered by `orders` (replacing its own) and then sliced.
    pub(crate) fn ordered_and_sliced(self, orders: Vec<Sort>, slice: Slice) -> Node {
        self.with_orders(orders).with_slice(|own| *own = slice)
    }

    fn with_orders(self, orders: Vec<Sort>) -> Node {
        match self {
            Node::Select(mut select) => {
                select.orders = orders;
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                compound.orders = orders;
                Node::Compound(compound)
            }
            other => other,
        }
    }

    /// A sliced SELECT ordered by columns it does not output gets them as hidden output
    /// columns, so the ordering can be repeated outside. Returns the node, the renaming of
    /// sort keys, and the original output names when columns were added.
    #[allow(clippy::type_complexity)]
    pub(super) fn with_sort_columns_visible(
        self,
    ) -> (Node, Box<dyn Fn(&SortKey) -> SortKey>, Option<Vec<String>>) {
        let keep = |node| -> (Node, Box<dyn Fn(&SortKey) -> SortKey>, Option<Vec<String>>) {
            (node, Box::new(SortKey::clone), None)
        };
        let Node::Select(mut select) = self else {
            return keep(self);
        };
        // More columns would change which rows DISTINCT keeps; such an ordering is refused
        // when rendered instead.
        if select.distinct {
            return keep(Node::Select(select));
        }
        let Some(names) = select.shape().names().map(<[String]>::to_vec) else {
            return keep(Node::Select(select));
        };
        let mut hidden: Vec<(String, String)> = Vec::new();
        for sort in &select.orders {
            if let SortKey::Name(name) = &sort.key
                && !names.contains(name)
                && !hidden.iter().any(|(original, _)| original == name)
            {
                hidden.push((name.clone(), format!("setql_sort_{}", hidden.len() + 1)));
            }
        }
        if hidden.is_empty() {
            return keep(Node::Select(select));
        }
        for (original, alias) in &hidden {
            select.projection.columns.push(OutputColumn {
                name: alias.clone(),
                expr: Expr::col(original.clone()),
            });
        }
        let rename = move |key: &SortKey| match key {
            SortKey::Name(name) => hidden
                .iter()
                .find(|(original, _)| original == name)
                .map_or_else(|| key.clone(), |(_, alias)| SortKey::Name(alias.clone())),
            SortKey::Position(_) => key.clone(),
        };
        (Node::Select(select), Box::new(rename), Some(names))
    }

    /// An unordered set gets an order: its declared key, else its first output column, else
    /// the first column by position.
    pub(crate) fn ensure_ordered(self) -> Node {
        if !self.orders().is_empty() {
            return self;
        }
        let first_key = self.output_key().and_then(|key| key.into_iter().next());
        let key = match (first_key, self.shape()) {
            (Some(first), _) => SortKey::Name(first),
            (None, Shape::Known(names)) if !names.is_empty() => SortKey::Name(names[0].clone()),
            _ => SortKey::Position(1),
        };
        self.order_by(Sort::new(key, Order::Asc))
    }

    /// The ordering a keyset cursor is read under: the set's own, completed with the
    /// tie-breakers a slice would get. `None` when a term has no name to read back, or when
    /// only every output column would make the order total: a cursor holds the ordering
    /// columns and the key, never a free-text column nobody ordered by.
    pub(crate) fn keyset_order(&self) -> Option<Vec<Sort>> {
        if !self.rows_are_distinct() {
            return None;
        }
        let key = self.output_key();
        let order = total_order(self.orders(), &self.shape(), key.as_deref());
        let compact = key.is_some() || order.len() == self.orders().len();
        let named = order.iter().all(|sort| {
            matches!(sort.key, SortKey::Name(_)) && matches!(sort.order, Order::Asc | Order::Desc)
        });
        (compact && named).then_some(order)
    }

    /// The rows strictly after (`forward`) or before `cursor`, in the set's order.
    pub(crate) fn beyond_cursor(self, cursor: &Cursor, forward: bool) -> Node {
        let node = self.ensure_ordered();
        let Some(order) = node.keyset_order() else {
            return Node::Invalid(Misuse::InvalidCursor(KEYSET_NEEDS));
        };
        if !cursor.matches(&order) {
            return Node::Invalid(Misuse::InvalidCursor(
                "the cursor was read under another ordering",
            ));
        }
        // The cursor's ordering is made explicit, so the statement is ordered by exactly the
        // terms the cursor compares, whatever planning does to the key.
        let non_null = node.non_null_outputs();
        node.with_orders(order)
            .filter(Predicate::new(cursor.predicate(forward, &non_null)))
    }

    /// Marks every combination in this tree to be rendered as written.
    pub(crate) fn keep_branches(self) -> Node {
        crate::recursion::deeper(|| self.keep_branches_here())
    }

    fn keep_branches_here(self) -> Node {
        match self {
            Node::Compound(mut compound) => {
                let inner = &mut *compound;
                inner.keep_branches = true;
                inner.branches = std::mem::take(&mut inner.branches)
                    .into_iter()
                    .map(Node::keep_branches)
                    .collect();
                Node::Compound(compound)
            }
            Node::Select(mut select) => {
                if let super::node::Source::Derived(inner) = &mut select.source {
                    let taken = std::mem::replace(&mut **inner, Node::Empty);
                    **inner = taken.keep_branches();
                }
                Node::Select(select)
            }
            other => other,
        }
    }

    /// At most `limit` of the rows so far: slices compose in the order written, as
    /// Django's `qs[a:b][c:d]` does.
    pub(crate) fn limit(self, limit: u64) -> Node {
        self.with_slice(|slice| {
            slice.limit = Some(slice.limit.map_or(limit, |old| Ord::min(old, limit)));
        })
    }

    /// The rows so far after the first `offset` of them.
    pub(crate) fn offset(self, offset: u64) -> Node {
        self.with_slice(|slice| {
            slice.offset = Some(slice.offset.unwrap_or(0).saturating_add(offset));
            slice.limit = slice.limit.map(|old| old.saturating_sub(offset));
        })
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
        // SELECT DISTINCT can only be ordered by what it selects, and moving DISTINCT outside
        // would lose the order. Rows that hold their key are distinct already, so nothing
        // needs doing. Otherwise the order cannot be kept, which is refused when the set is
        // rendered, and only where the order is seen: a branch of a set operation, or a
        // count, drops it first (see `render::validate::distinct_orders`).
        let loses_order = match &self {
            Node::Select(select) if select.order_outside_output().is_some() => {
                if select.output_key().is_some() {
                    return self;
                }
                true
            }
            _ => false,
        };
        match self {
            // `DISTINCT (A −ALL B)` keeps a row that A has more often than B even when B has
            // it too, so it is not `A − B`; it applies to the combined rows instead.
            node if node.is_sliced() || node.is_difference_all() => {
                let mut outer = node.wrap();
                outer.distinct = true;
                Node::Select(Shared::new(outer))
            }
            Node::Select(mut select) => {
                select.distinct = true;
                select.distinct_after_order |= loses_order;
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
            Node::Select(select)
                if !select.slice.is_sliced()
                    && !select.distinct
                    && select.group.is_none()
                    && !select.sorts_by_computed_outside(&names) =>
            {
                select
            }
            Node::Empty | Node::Invalid(_) => return self,
            other => Shared::new(other.wrap()),
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
        // Without GROUP BY an aggregate folds the whole set into one row (or fails, on
        // PostgreSQL), which no engine reports as an error of the caller's.
        if super::predicate::has_aggregate(&expr) {
            return Node::Invalid(Misuse::Aggregate(name));
        }
        let select = match self {
            Node::Select(select)
                if !select.slice.is_sliced() && !select.distinct && select.group.is_none() =>
            {
                select
            }
            Node::Empty | Node::Invalid(_) => return self,
            other => Shared::new(other.wrap()),
        };
        let (mut select, expr) = match select.resolve_outputs(&expr) {
            Some(resolved) => (select, resolved),
            // The expression may read an earlier computed column it cannot be rewritten to;
            // over this SELECT's rows that column exists by name.
            None => (Shared::new(Node::Select(select).wrap()), expr),
        };
        select
            .projection
            .columns
            .retain(|column| column.name != name);
        select.projection.columns.push(OutputColumn { name, expr });
        Node::Select(select)
    }
}

/// Adds `sort` after the user's terms, before the tie-breakers a window carried out.
fn add_term(orders: &mut Vec<Sort>, sort: Sort) {
    let at = orders
        .iter()
        .rposition(|term| !term.breaks_ties)
        .map_or(0, |last| last + 1);
    orders.insert(at, sort);
}

impl Select {
    fn filter(mut select: Shared<Self>, predicate: Predicate) -> Node {
        if select.slice.is_sliced() {
            return Node::Select(select)
                .filtered_outside(predicate, "filter applied to the sliced rows");
        }
        if select.group.is_some() {
            return Select::filter_grouped(select, predicate);
        }
        // DISTINCT then filter equals filter then DISTINCT only when the predicate reads output
        // columns alone; anything else is applied to the distinct rows.
        if select.distinct {
            let uses = ColumnUse::of(&predicate);
            let reads_outputs_only = match select.shape().names() {
                Some(names) => uses.within(names),
                None => !uses.incomplete,
            };
            if !reads_outputs_only {
                return Node::Select(select)
                    .filtered_outside(predicate, "filter applied to the distinct rows");
            }
        }
        if let Some(pushed) = select.push_into_derived(&predicate) {
            return pushed;
        }
        match select.resolve_predicate(&predicate) {
            Some(resolved) => {
                select.add_filter(resolved);
                Node::Select(select)
            }
            // A predicate that may read a computed output column but cannot be rewritten is
            // evaluated where that column exists: on this SELECT's rows.
            None => Node::Select(select)
                .filtered_outside(predicate, "filter applied to this set's rows"),
        }
    }

    /// The first ordering term that names something other than an output column.
    fn order_outside_output(&self) -> Option<String> {
        let names = self.shape();
        let names = names.names()?;
        self.orders.iter().find_map(|sort| match &sort.key {
            SortKey::Name(name) if !names.contains(name) => Some(name.clone()),
            _ => None,
        })
    }

    /// Whether an ordering names a computed column that a projection onto `kept` drops;
    /// such an ordering only exists on this SELECT's rows.
    fn sorts_by_computed_outside(&self, kept: &[String]) -> bool {
        self.orders.iter().any(|sort| match &sort.key {
            SortKey::Name(name) => {
                !kept.contains(name)
                    && self
                        .output_expr(name)
                        .is_some_and(|expr| !is_column_named(expr, name))
            }
            SortKey::Position(_) => false,
        })
    }

    /// Adds a predicate to WHERE. Over a derived table only bare output names exist, so
    /// table qualifiers (as SeaORM writes them) are dropped.
    pub(crate) fn add_filter(&mut self, predicate: Predicate) {
        let predicate = match self.source {
            super::node::Source::Table(_) => predicate,
            _ => {
                unqualified(&predicate).map_or(predicate.clone(), |expr| predicate.with_expr(expr))
            }
        };
        self.filters.push(predicate);
    }

    /// A SELECT that only adds computed columns over a derived node lets a predicate that
    /// does not read those columns through to the node itself, where it can be pushed further.
    fn push_into_derived(&mut self, predicate: &Predicate) -> Option<Node> {
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
        if !adds_columns_only || uses.incomplete || reads_added {
            return None;
        }
        let inner_node = std::mem::replace(inner.as_mut(), Node::Empty);
        **inner = inner_node.filter(predicate.clone());
        Some(Node::Select(Shared::new(self.clone())))
    }

    /// [`resolve_outputs`](Self::resolve_outputs) for a shared predicate, which stays shared
    /// when nothing needs rewriting.
    pub(crate) fn resolve_predicate(&self, predicate: &Predicate) -> Option<Predicate> {
        if self.renames_nothing() {
            return Some(Predicate::clone(predicate));
        }
        self.resolve_outputs(predicate)
            .map(|expr| predicate.with_expr(expr))
    }

    fn renames_nothing(&self) -> bool {
        self.projection
            .columns
            .iter()
            .all(|column| is_column_named(&column.expr, &column.name))
    }

    /// Replaces references to named output columns with the expressions behind them, since
    /// WHERE cannot see SELECT aliases on PostgreSQL or MySQL.
    pub(crate) fn resolve_outputs(&self, expr: &Expr) -> Option<Expr> {
        if self.renames_nothing() {
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
    /// A predicate on the combined rows, with table qualifiers on output columns dropped:
    /// there is no table to qualify by, and each branch reads the column in its own terms.
    fn read_on_combined_rows(&self, predicate: Predicate) -> Result<Predicate, Misuse> {
        let shape = self.branches.first().map(Node::shape);
        let Some(outputs) = shape.as_ref().and_then(Shape::names) else {
            return Ok(predicate);
        };
        match super::predicate::unqualified_outputs(&predicate, outputs) {
            Ok(Some(rewritten)) => Ok(predicate.with_expr(rewritten)),
            Ok(None) => Ok(predicate),
            Err(column) => Err(Misuse::QualifiedColumn(column)),
        }
    }

    pub(crate) fn new(op: super::super::combine::SetOp, branches: Vec<Node>) -> Self {
        Compound {
            op,
            branches,
            pending: Vec::new(),
            orders: Vec::new(),
            slice: Slice::default(),
            notes: Vec::new(),
            keep_branches: false,
            unique: None,
            shape: Default::default(),
            lineage: Default::default(),
            non_null: Default::default(),
        }
    }
}
