//! `explain`: the plan as a reader needs it, i.e. each operator with how it runs here, where
//! each filter went, and the SQL; and [`PlanNote`], the same decisions in one short line for
//! the span every execution emits.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use super::{render, set_operation};
use crate::combine::pushdown::{PUSHED_INTO_EVERY, PUSHED_INTO_FIRST, PUSHED_RENAMED};
use crate::dialect::{Capabilities, Support};
use crate::error::Result;
use crate::plan::FUSED;
use crate::query::node::{Node, Note, Select, Sort, SortKey, Source};

/// Describes `node` as it will run on the server `capabilities` describes.
pub(crate) fn explain(node: &Node, capabilities: &Capabilities) -> Result<String> {
    // Rendering first reports any misuse, exactly as running the set would.
    let statement = render(node, capabilities)?;
    let planned = crate::plan::plan(node, capabilities.dialect().planning());
    let mut plan = String::new();
    describe(planned.as_ref().unwrap_or(node), capabilities, 0, &mut plan);
    let _ = writeln!(plan, "sql: {}", statement.to_string(capabilities.dialect()));
    Ok(plan)
}

fn describe(node: &Node, capabilities: &Capabilities, depth: usize, plan: &mut String) {
    crate::recursion::deeper(|| describe_here(node, capabilities, depth, plan));
}

fn describe_here(node: &Node, capabilities: &Capabilities, depth: usize, plan: &mut String) {
    let indent = "  ".repeat(depth);
    match node {
        Node::Empty => {
            let _ = writeln!(plan, "{indent}empty set: no query runs");
        }
        Node::Invalid(_) => {}
        Node::Select(select) => {
            let source = match &select.source {
                Source::Table(table) => format!("table {table}"),
                Source::Adopted(_) => "an adopted sea-query statement".to_owned(),
                Source::Derived(_) => "derived rows".to_owned(),
            };
            let mut traits = Vec::new();
            if select.distinct {
                traits.push("distinct");
            }
            if select.slice.is_sliced() {
                traits.push("sliced");
            }
            let traits = if traits.is_empty() {
                String::new()
            } else {
                format!(" ({})", traits.join(", "))
            };
            let _ = writeln!(plan, "{indent}select from {source}{traits}");
            notes(&select.notes, &indent, plan);
            nulls_clauses(
                &select.orders,
                &select.non_null_readable(),
                capabilities,
                &indent,
                plan,
            );
            if let Source::Derived(inner) = &select.source {
                describe(inner, capabilities, depth + 1, plan);
            }
        }
        Node::Compound(compound) => {
            let support = match set_operation(compound.op) {
                Some(operation) => capabilities.support(operation),
                None => Support::Native,
            };
            let _ = writeln!(
                plan,
                "{indent}{} of {} branches: {support}",
                compound.op.name(),
                compound.branches.len()
            );
            notes(&compound.notes, &indent, plan);
            nulls_clauses(
                &compound.orders,
                &compound.non_null_columns(),
                capabilities,
                &indent,
                plan,
            );
            for branch in &compound.branches {
                describe(branch, capabilities, depth + 1, plan);
            }
        }
    }
}

/// A line for each ordering term that carries a NULLS clause: on PostgreSQL, a term on a
/// column that may hold NULL says where NULLs go, so that every engine returns one order,
/// and only an index declared in that order serves it. A column known to hold no NULL (a
/// key, `not_null`, or, when the set runs, the catalog's NOT NULL) carries none.
fn nulls_clauses(
    orders: &[Sort],
    non_null: &[String],
    capabilities: &Capabilities,
    indent: &str,
    plan: &mut String,
) {
    if capabilities.dialect() != crate::Dialect::Postgres {
        return;
    }
    for sort in orders {
        let SortKey::Name(name) = &sort.key else {
            continue;
        };
        if non_null.contains(name) {
            continue;
        }
        let (direction, nulls) = match sort.order {
            sea_query::Order::Desc => ("DESC", "NULLS LAST"),
            _ => ("ASC", "NULLS FIRST"),
        };
        let _ = writeln!(
            plan,
            "{indent}- ordered by {name} {direction} {nulls}: {name} may hold NULL; an index on \
             ({name} {direction} {nulls}) serves it, a plain one does not"
        );
    }
}

fn notes(notes: &[crate::query::node::Note], indent: &str, plan: &mut String) {
    for note in notes {
        let _ = writeln!(plan, "{indent}- {note}");
    }
}

/// The planner's decisions in one short line, e.g.
/// `union of 2; 2 filters pushed into 2 branches, renamed`, for the span every execution
/// emits. Rendering writes it from the plan it makes anyway, and only when asked, i.e. when
/// a subscriber reads the span.
#[derive(Debug, Default)]
pub(crate) struct PlanNote {
    /// Each decision once, in the order it was first made, with how often it was made.
    decisions: Vec<(Cow<'static, str>, usize)>,
}

impl PlanNote {
    /// Adds one decision; a decision made again is counted, not repeated.
    pub(crate) fn push(&mut self, decision: impl Into<Cow<'static, str>>) {
        let decision = decision.into();
        match self
            .decisions
            .iter_mut()
            .find(|(known, _)| *known == decision)
        {
            Some((_, times)) => *times += 1,
            None => self.decisions.push((decision, 1)),
        }
    }

    /// Notes how `node` runs as `planned`, the planner's rewrite of it (`None`: as written).
    pub(crate) fn describe(
        &mut self,
        node: &Node,
        planned: Option<&Node>,
        capabilities: &Capabilities,
    ) {
        let tree = planned.unwrap_or(node);
        let fused = selects(tree, &|select| {
            select.notes.iter().any(|note| note == FUSED)
        });
        if fused > 0 {
            let tables = |node| selects(node, &|select| matches!(select.source, Source::Table(_)));
            // Each fused SELECT stands for the table SELECTs it was made of.
            let branches = (tables(node) + fused).saturating_sub(tables(tree));
            self.push(match fused {
                1 => format!("fused {branches} branches"),
                _ => format!("fused {branches} branches into {fused} selects"),
            });
        }
        self.walk(tree, capabilities);
    }

    fn walk(&mut self, node: &Node, capabilities: &Capabilities) {
        match node {
            Node::Empty => self.push("empty set"),
            Node::Invalid(_) => {}
            Node::Select(select) => {
                self.notes(&select.notes, 1);
                if let Source::Derived(inner) = &select.source {
                    self.walk(inner, capabilities);
                }
            }
            Node::Compound(compound) => {
                let branches = compound.branches.len();
                let how = match set_operation(compound.op).map(|op| capabilities.support(op)) {
                    Some(Support::EmulatedByExists { .. }) => ", emulated with EXISTS",
                    Some(Support::EmulatedByRowNumber { .. }) => ", emulated with ROW_NUMBER()",
                    _ => "",
                };
                self.push(format!("{} of {branches}{how}", compound.op.name()));
                self.notes(&compound.notes, branches);
                for branch in &compound.branches {
                    self.walk(branch, capabilities);
                }
            }
        }
    }

    /// A node's notes, with the filters pushed into its `branches` counted in one decision.
    fn notes(&mut self, notes: &[Note], branches: usize) {
        let (mut into_every, mut renamed, mut into_first) = (0, false, 0);
        for note in notes {
            match note.as_ref() {
                FUSED => {}
                PUSHED_INTO_EVERY => into_every += 1,
                PUSHED_RENAMED => {
                    into_every += 1;
                    renamed = true;
                }
                PUSHED_INTO_FIRST => into_first += 1,
                _ => self.push(note.clone()),
            }
        }
        let filters = |n: usize| {
            if n == 1 {
                "1 filter".to_owned()
            } else {
                format!("{n} filters")
            }
        };
        if into_every > 0 {
            let renamed = if renamed { ", renamed" } else { "" };
            self.push(format!(
                "{} pushed into {branches} branches{renamed}",
                filters(into_every)
            ));
        }
        if into_first > 0 {
            self.push(format!(
                "{} pushed into the first branch only",
                filters(into_first)
            ));
        }
    }
}

impl fmt::Display for PlanNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.decisions.is_empty() {
            return f.write_str("plain select");
        }
        for (at, (decision, times)) in self.decisions.iter().enumerate() {
            if at > 0 {
                f.write_str("; ")?;
            }
            f.write_str(decision)?;
            if *times > 1 {
                write!(f, " (x{times})")?;
            }
        }
        Ok(())
    }
}

/// How many SELECTs of the tree (not counting the sets of subquery filters) `counts`.
fn selects(node: &Node, counts: &dyn Fn(&Select) -> bool) -> usize {
    match node {
        Node::Empty | Node::Invalid(_) => 0,
        Node::Select(select) => {
            let inner = match &select.source {
                Source::Derived(inner) => selects(inner, counts),
                Source::Table(_) | Source::Adopted(_) => 0,
            };
            inner + usize::from(counts(select))
        }
        Node::Compound(compound) => compound
            .branches
            .iter()
            .map(|branch| selects(branch, counts))
            .sum(),
    }
}
