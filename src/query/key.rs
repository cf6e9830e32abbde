//! Which output columns identify a row of a set.
//!
//! Tie-breakers, keyset cursors, fusion and MySQL's key-union count all rely on one rule: a
//! key is unique across a combination only when every branch produces every output column by
//! the same expression. Comparing names is not enough. `t.column_as(a, "k") ∪ t.column_as(b,
//! "k")` holds the row of id 1 twice when `a ≠ b` there, so `id` alone is no key of it; `(id,
//! k)` is.
//!
//! The argument, for a union of branches that each read rows of one table identified by its
//! key `pk`: two output rows with equal `pk` come from the same source row. The columns every
//! branch computes by the same expression are then equal too, so if the columns computed
//! differently are also equal, the rows are equal and the union kept one of them. Hence `pk`
//! plus the differently computed columns is a key.

use sea_query::{DynIden, Expr};

use super::node::{Compound, Node, Select, Source};
use super::predicate::is_column_named;
use crate::combine::SetKind;

/// Where one output column's values come from, relative to the source row.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// `t.*`: every column of the source row, unchanged.
    Star,
    /// One expression over the source row, the same in every branch.
    Computed(Expr),
    /// Branches compute this column differently.
    Mixed,
}

/// Every row of a set is a row of `table`, identified by `pk`, with its output columns
/// computed as `columns` say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lineage {
    table: DynIden,
    pk: Vec<String>,
    columns: Vec<(String, Origin)>,
}

/// A compound's lineage, worked out on first use and shared by its copies: every rewrite of
/// a compound keeps where its rows come from, and walking a deep tree for it at each level
/// was quadratic.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineageCache(std::sync::OnceLock<Option<Lineage>>);

fn lineage(node: &Node) -> Option<Lineage> {
    match node {
        Node::Select(select) => match &select.source {
            Source::Table(table) => {
                select.output_key()?;
                let star = select
                    .projection
                    .whole_source
                    .then(|| ("*".to_owned(), Origin::Star));
                let computed = select
                    .projection
                    .columns
                    .iter()
                    .map(|column| (column.name.clone(), Origin::Computed(column.expr.clone())));
                Some(Lineage {
                    table: table.clone(),
                    pk: select.key.clone()?,
                    columns: star.into_iter().chain(computed).collect(),
                })
            }
            // Filtering, slicing or DISTINCT keep rows as they are; new columns would need
            // their expressions composed, which is not worth it here.
            Source::Derived(inner)
                if select.projection.whole_source && select.projection.columns.is_empty() =>
            {
                lineage(inner)
            }
            // A projection onto columns of the rows as they are, the key among them.
            Source::Derived(inner) if !select.projection.whole_source => {
                lineage(inner)?.projected(&select.projection.columns)
            }
            Source::Derived(_) | Source::Adopted(_) => None,
        },
        Node::Compound(compound) => {
            let worked_out = || match compound.op.kind {
                // The rows are rows of the first branch.
                SetKind::Intersection | SetKind::Difference => {
                    compound.branches.first().and_then(lineage)
                }
                SetKind::Union => union_lineage(compound),
            };
            // Not checked against a fresh walk, for the reason `Node::shape` gives.
            crate::recursion::deeper(|| compound.lineage.0.get_or_init(worked_out).clone())
        }
        Node::Empty | Node::Invalid(_) => None,
    }
}

fn union_lineage(compound: &Compound) -> Option<Lineage> {
    union_lineage_of(&compound.branches)
}

fn union_lineage_of(branches: &[Node]) -> Option<Lineage> {
    let (first, rest) = branches.split_first()?;
    let mut merged = lineage(first)?;
    for branch in rest {
        let other = lineage(branch)?;
        if other.table != merged.table
            || other.pk != merged.pk
            || other.columns.len() != merged.columns.len()
        {
            return None;
        }
        for ((_, origin), (_, theirs)) in merged.columns.iter_mut().zip(other.columns) {
            *origin = match (std::mem::replace(origin, Origin::Mixed), theirs) {
                (Origin::Star, Origin::Star) => Origin::Star,
                // `t.*` lines up only with `t.*`: the positions after it would shift.
                (Origin::Star, _) | (_, Origin::Star) => return None,
                (Origin::Computed(a), Origin::Computed(b)) if a == b => Origin::Computed(a),
                _ => Origin::Mixed,
            };
        }
    }
    // The argument needs equal keys to mean the same source row in every branch.
    let key_is_shared = merged.pk.iter().all(|pk| {
        merged.columns.iter().any(|(name, origin)| match origin {
            Origin::Star => true,
            Origin::Computed(expr) => name == pk && is_column_named(expr, pk),
            Origin::Mixed => false,
        })
    });
    key_is_shared.then_some(merged)
}

impl Lineage {
    /// The lineage of these rows projected onto `columns`, when each is a column of theirs
    /// by name and the key is among them.
    fn projected(self, columns: &[super::node::OutputColumn]) -> Option<Lineage> {
        let origin = |name: &str| {
            let own = self.columns.iter().find(|(column, _)| column == name);
            match own {
                Some((_, origin)) => Some(origin.clone()),
                // `t.*` holds every column of the table, unchanged.
                None if self
                    .columns
                    .iter()
                    .any(|(_, origin)| *origin == Origin::Star) =>
                {
                    Some(Origin::Computed(Expr::col(name.to_owned())))
                }
                None => None,
            }
        };
        let columns = columns
            .iter()
            .map(|column| {
                is_column_named(&column.expr, &column.name)
                    .then(|| origin(&column.name))
                    .flatten()
                    .map(|origin| (column.name.clone(), origin))
            })
            .collect::<Option<Vec<_>>>()?;
        let holds_key = self
            .pk
            .iter()
            .all(|pk| columns.iter().any(|(name, _)| name == pk));
        holds_key.then_some(Lineage { columns, ..self })
    }

    /// The source key, then every column the branches compute differently.
    fn key(&self) -> Vec<String> {
        let mixed = self
            .columns
            .iter()
            .filter(|(_, origin)| *origin == Origin::Mixed)
            .map(|(name, _)| name.clone());
        self.pk.iter().cloned().chain(mixed).collect()
    }
}

impl Select {
    /// The declared key, if this SELECT still outputs every column of it.
    pub(crate) fn output_key(&self) -> Option<Vec<String>> {
        let key = self.key.as_ref()?;
        // An output column named like a key column is that column only if it reads it: an
        // annotation aliased to the key's name is something else.
        let outputs_key =
            key.iter().all(
                |name| match self.projection.columns.iter().find(|c| c.name == *name) {
                    Some(column) => is_column_named(&column.expr, name),
                    None => self.projection.whole_source,
                },
            );
        outputs_key.then(|| key.clone())
    }
}

impl Compound {
    /// See [`Node::output_key`].
    pub(crate) fn output_key(&self) -> Option<Vec<String>> {
        self.output_key_over(&self.branches)
    }

    /// The key this compound would have over `branches`, an equivalent rewriting of its own
    /// (its planned branches, say), which may be far cheaper to read than the originals.
    pub(crate) fn output_key_over(&self, branches: &[Node]) -> Option<Vec<String>> {
        if let Some(declared) = &self.unique {
            return Some(declared.clone());
        }
        match self.op.kind {
            // A union all can hold the same row twice, so nothing identifies a row.
            SetKind::Union if self.op.all => None,
            SetKind::Union => union_lineage_of(branches).map(|lineage| lineage.key()),
            // Every row is a row of the first branch, so its key still tells rows apart.
            SetKind::Intersection | SetKind::Difference => branches.first()?.output_key(),
        }
    }

    /// [`output_key_over`](Self::output_key_over) for branches that read the same table
    /// with the same key and the same projection, as fused branches do: their lineages are
    /// equal, so the first one's is the union's, and reading every branch's again would
    /// cost a lineage per branch (a quarter of planning a union of 4,096 branches).
    pub(crate) fn output_key_over_alike(&self, first: &Node) -> Option<Vec<String>> {
        self.output_key_over(std::slice::from_ref(first))
    }

    /// The key derived from the branches alone, ignoring a declared one: the key a union of
    /// one table's rows can be counted by.
    pub(crate) fn derived_key(&self) -> Option<Vec<String>> {
        if self.op.kind != SetKind::Union || self.op.all {
            return None;
        }
        union_lineage(self).map(|lineage| lineage.key())
    }
}

impl Compound {
    /// See [`Node::tie_key`].
    pub(crate) fn tie_key(&self) -> Option<Vec<String>> {
        self.output_key().or_else(|| {
            // Rows of a union all equal in its lineage key are copies of one row.
            (self.op.kind == SetKind::Union && self.op.all)
                .then(|| union_lineage_of(&self.branches).map(|lineage| lineage.key()))
                .flatten()
        })
    }
}

impl Node {
    /// The columns that break ties when this set is ordered: its key, or, for a union all
    /// of one table's rows, which can hold copies of a row and so has no key, the key its
    /// rows would have. Rows equal in it are equal, so which comes first never shows.
    pub(crate) fn tie_key(&self) -> Option<Vec<String>> {
        match self {
            Node::Compound(compound) => compound.tie_key(),
            other => other.output_key(),
        }
    }

    /// The output columns that identify a row, when they are known: the declared key of a
    /// table or set, or a key derived through combinations by the rule in this module.
    pub(crate) fn output_key(&self) -> Option<Vec<String>> {
        match self {
            Node::Select(select) => select.output_key(),
            Node::Compound(compound) => compound.output_key(),
            Node::Empty | Node::Invalid(_) => None,
        }
    }

    /// The one table every row of this set is a row of, and that table's declared key: what
    /// an update or delete through the set writes to, row by row.
    pub(crate) fn written_table(&self) -> Option<(DynIden, Vec<String>)> {
        lineage(self).map(|lineage| (lineage.table, lineage.pk))
    }

    /// Declares the output columns that identify a row of this set.
    pub(crate) fn unique_key(self, columns: Vec<String>) -> Node {
        match self {
            Node::Select(mut select) => {
                select.key = Some(columns);
                Node::Select(select)
            }
            Node::Compound(mut compound) => {
                compound.unique = Some(columns);
                Node::Compound(compound)
            }
            Node::Empty | Node::Invalid(_) => self,
        }
    }
}
