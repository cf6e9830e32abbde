//! `explain`: the plan as a reader needs it, i.e. each operator with how it runs here, where
//! each filter went, and the SQL.

use std::fmt::Write as _;

use super::{render, set_operation};
use crate::dialect::{Capabilities, Support};
use crate::error::Result;
use crate::query::node::{Node, Source};

/// Describes `node` as it will run on the server `capabilities` describes.
pub(crate) fn explain(node: &Node, capabilities: &Capabilities) -> Result<String> {
    // Rendering first reports any misuse, exactly as running the set would.
    let statement = render(node, capabilities)?;
    let planned = crate::plan::plan(node);
    let mut plan = String::new();
    describe(planned.as_ref().unwrap_or(node), capabilities, 0, &mut plan);
    let _ = writeln!(plan, "sql: {}", statement.to_string(capabilities.dialect()));
    Ok(plan)
}

fn describe(node: &Node, capabilities: &Capabilities, depth: usize, plan: &mut String) {
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
            for branch in &compound.branches {
                describe(branch, capabilities, depth + 1, plan);
            }
        }
    }
}

fn notes(notes: &[crate::query::node::Note], indent: &str, plan: &mut String) {
    for note in notes {
        let _ = writeln!(plan, "{indent}- {note}");
    }
}
