//! The set-field functions (`set_contains`, `set_len`, `set_add`, `set_remove`) written in
//! each engine's SQL, in place of the sentinel calls that stand for them (see `set_field`).
//!
//! | | SQLite | PostgreSQL | MySQL/MariaDB |
//! |---|---|---|---|
//! | contains | `instr(',' ‖ c ‖ ',', ',' ‖ m ‖ ',') > 0` | `string_to_array(c, ',') @> string_to_array(m, ',')` (a GIN index on `string_to_array(c, ',')` serves it); `m = ANY(…)` for a computed `m` | `FIND_IN_SET(CAST(m AS BINARY), CAST(c AS BINARY)) > 0` |
//! | len | distinct members split by a recursive CTE, `COUNT(DISTINCT …)` | `COUNT(DISTINCT …)` over `unnest(string_to_array(c, ','))` | commas left by a `REGEXP_REPLACE` that drops repeated members |
//! | add | `CASE WHEN c IS NULL OR LENGTH(c) = 0 THEN m WHEN <contains> THEN c ELSE c ‖ ',' ‖ m END` | same | `CONCAT(c, ',', m)` for `‖` |
//! | remove | `trim(replace(replace(',' ‖ replace(c, ',', ',,') ‖ ',', ',' ‖ m ‖ ',', ''), ',,', ','), ',')` | `TRIM(BOTH ',' FROM …)` | `TRIM(BOTH ',' FROM …)`, `CONCAT` |
//!
//! Text written by hand or by another tool may repeat a member (`'a,a'`). Every function
//! reads it as [`CommaSet`](crate::CommaSet) does, as the set of its members: `len` counts a
//! member once, and `remove` removes every copy.
//!
//! - Every engine compares exact bytes. PostgreSQL and SQLite do so anyway; MySQL's default
//!   collations ignore case (and trailing spaces), so its comparison is on binary strings.
//!   REPLACE is case-sensitive on all three.
//! - A set is empty exactly when its LENGTH is 0 (bytes on MySQL, characters elsewhere).
//!   `c = ''` would not do on MariaDB, where `' ' = ''` under PAD SPACE collations. On
//!   MySQL, `len` counts the commas LENGTH finds, one byte each.
//! - `len` is a 64-bit integer on every engine (COUNT on SQLite and PostgreSQL, CAST … AS
//!   SIGNED on MySQL), as the aggregates are.
//! - MySQL gets CONCAT, never `||`, which is OR there unless `PIPES_AS_CONCAT` is set.
//! - A member computed in the database is cast to text, so an integer expression compares
//!   as its decimal text, and a NULL one leaves the set unchanged instead of nulling it.
//! - sea-query parenthesises raw SQL wherever it is an operand (`(…) IS NOT TRUE`, `NOT (…)`,
//!   `(…) = 2`), so the templates need no parentheses of their own, except around a column
//!   argument that is not one term, which goes beside `||` inside them.

use sea_query::{DynIden, Expr, FuncArgMod};

use crate::Dialect;
use crate::error::{Error, Result};
use crate::set_field::{Member, SetFunction, holds_function, member};

/// `expr` with every set-field function written for `dialect`. It reaches them through the
/// expression kinds [`holds_function`] looks into; sea-query keeps a CASE opaque, so a
/// set-field function inside a CASE of the caller's is sent as its sentinel and fails.
pub(crate) fn lower(expr: &Expr, dialect: Dialect) -> Result<Expr> {
    let again = |inner: &Expr| lower(inner, dialect).map(Box::new);
    Ok(match expr {
        Expr::FunctionCall(call) => {
            if let Some(function) = SetFunction::of(call) {
                let args = call
                    .get_args()
                    .iter()
                    .map(|arg| lower(arg, dialect))
                    .collect::<Result<Vec<_>>>()?;
                return write(function, &args, dialect);
            }
            if !call.get_args().iter().any(holds_function) {
                return Ok(expr.clone());
            }
            // `args` rebuilds the call with plain arguments; a DISTINCT argument would be lost.
            if call.get_mods().iter().any(|m| *m != FuncArgMod::default()) {
                return Err(Error::Unsupported {
                    dialect,
                    operation: "a set-field function inside a call with a DISTINCT argument",
                });
            }
            let args = call
                .get_args()
                .iter()
                .map(|arg| lower(arg, dialect))
                .collect::<Result<Vec<_>>>()?;
            Expr::FunctionCall(call.clone().args(args))
        }
        Expr::Binary(left, op, right) => {
            let left = again(left)?;
            Expr::Binary(left, *op, again(right)?)
        }
        Expr::Unary(op, inner) => Expr::Unary(*op, again(inner)?),
        Expr::AsEnum(name, inner) => Expr::AsEnum(name.clone(), again(inner)?),
        Expr::Tuple(items) => Expr::Tuple(lower_all(items, dialect)?),
        Expr::CustomWithExpr(sql, items) => {
            Expr::CustomWithExpr(sql.clone(), lower_all(items, dialect)?)
        }
        other => other.clone(),
    })
}

fn lower_all(items: &[Expr], dialect: Dialect) -> Result<Vec<Expr>> {
    items.iter().map(|item| lower(item, dialect)).collect()
}

/// Update assignments with every set-field function written for `dialect`; assignments
/// without one are copied as they are.
pub(crate) fn lower_assignments(
    assignments: &[(DynIden, Expr)],
    dialect: Dialect,
) -> Result<Vec<(DynIden, Expr)>> {
    assignments
        .iter()
        .map(|(column, value)| {
            let value = if holds_function(value) {
                lower(value, dialect)?
            } else {
                value.clone()
            };
            Ok((column.clone(), value))
        })
        .collect()
}

/// One set-field function over its lowered arguments.
fn write(function: SetFunction, args: &[Expr], dialect: Dialect) -> Result<Expr> {
    let (column, member_arg) = match (function, args) {
        (SetFunction::Len, [column]) => return Ok(len(&atomic(column, dialect), dialect)),
        (SetFunction::Len, _) => return Err(lost(dialect)),
        (_, [column, member]) => (atomic(column, dialect), member),
        _ => return Err(lost(dialect)),
    };
    let column = &column;
    let (member, computed) = match member(function, member_arg)? {
        Member::Text(text) => (Expr::val(text), false),
        Member::Computed(expr) => {
            let text = match dialect {
                Dialect::MySql => "CAST($1 AS CHAR)",
                Dialect::Sqlite | Dialect::Postgres => "CAST($1 AS TEXT)",
            };
            (sql(dialect, text, &[&expr]), true)
        }
    };
    let written = match function {
        SetFunction::Contains => contains(column, &member, computed, dialect),
        SetFunction::Add => {
            let appended = match dialect {
                Dialect::MySql => "CONCAT($1, ',', $2)",
                Dialect::Sqlite | Dialect::Postgres => "$1 || ',' || $2",
            };
            let appended = sql(dialect, appended, &[column, &member]);
            let held = contains(column, &member, computed, dialect);
            sql(
                dialect,
                "CASE WHEN $1 IS NULL OR LENGTH($1) = 0 THEN $2 WHEN $3 THEN $1 ELSE $4 END",
                &[column, &member, &held, &appended],
            )
        }
        SetFunction::Remove => {
            // Every separator is doubled first, so that each member sits between commas of
            // its own: REPLACE does not find a match that overlaps the last one, so in
            // ',a,a,' the second ',a,' would survive, and 'a,a' minus a would still hold a.
            // The members left are then joined again and the outer commas trimmed.
            let template = match dialect {
                Dialect::Sqlite => {
                    "trim(replace(replace(',' || replace($1, ',', ',,') || ',', ',' || $2 || ',', ''), ',,', ','), ',')"
                }
                Dialect::Postgres => {
                    "TRIM(BOTH ',' FROM REPLACE(REPLACE(',' || REPLACE($1, ',', ',,') || ',', ',' || $2 || ',', ''), ',,', ','))"
                }
                Dialect::MySql => {
                    "TRIM(BOTH ',' FROM REPLACE(REPLACE(CONCAT(',', REPLACE($1, ',', ',,'), ','), CONCAT(',', $2, ','), ''), ',,', ','))"
                }
            };
            sql(dialect, template, &[column, &member])
        }
        SetFunction::Len => return Err(lost(dialect)),
    };
    if computed && function != SetFunction::Contains {
        // A NULL member adds or removes nothing.
        return Ok(sql(
            dialect,
            "CASE WHEN $1 IS NULL THEN $2 ELSE $3 END",
            &[&member, column, &written],
        ));
    }
    Ok(written)
}

/// The number of distinct members of the set in `column`, as a 64-bit integer: 0 for the
/// empty string, NULL for NULL. Text that repeats a member (written by hand, or by another
/// tool) counts it once, as [`CommaSet`](crate::CommaSet) reads it.
fn len(column: &Expr, dialect: Dialect) -> Expr {
    match dialect {
        // The members, split by a recursive CTE that reads the outer row.
        Dialect::Sqlite => sql(
            dialect,
            "CASE WHEN $1 IS NULL THEN NULL WHEN LENGTH($1) = 0 THEN 0 ELSE (WITH RECURSIVE setql_split(rest, member) AS (SELECT $1 || ',', NULL UNION ALL SELECT substr(rest, instr(rest, ',') + 1), substr(rest, 1, instr(rest, ',') - 1) FROM setql_split WHERE rest <> '') SELECT COUNT(DISTINCT member) FROM setql_split WHERE member IS NOT NULL) END",
            &[column],
        ),
        Dialect::Postgres => sql(
            dialect,
            r#"CASE WHEN $1 IS NULL THEN NULL ELSE (SELECT COUNT(DISTINCT setql_member COLLATE "C") FROM unnest(string_to_array($1, ',')) AS setql_split(setql_member)) END"#,
            &[column],
        ),
        // MySQL and MariaDB cannot read an outer row in a CTE. One regular expression drops
        // each member that appears again later and every other character, leaving a comma
        // per distinct member and one more; it is bound, as its backslash would read
        // differently under NO_BACKSLASH_ESCAPES. The binary collation compares members as
        // exact bytes, as everywhere else.
        Dialect::MySql => sql(
            dialect,
            "CASE WHEN LENGTH($1) = 0 THEN 0 ELSE CAST(LENGTH(REGEXP_REPLACE(CONCAT(',', CONVERT($1 USING utf8mb4) COLLATE utf8mb4_bin, ','), $2, '')) - 1 AS SIGNED) END",
            &[column, &Expr::val(r",([^,]*)(?=,(?:[^,]*,)*\1,)|[^,]")],
        ),
    }
}

/// Whether the set in `column` holds `member` (already text; `computed` when the database
/// computes it, so that it may be NULL or empty).
///
/// On PostgreSQL a member known now is looked up with `@>` (its side split like the column's), which a GIN index on
/// `string_to_array(c, ',')` serves; `= ANY(…)` never uses an index (SF1: 42 ms against
/// 0.035 ms at 200,000 rows). The two agree for a member that is neither NULL nor empty,
/// which a member known now never is; a computed member keeps `= ANY`, whose answer for a
/// NULL member (NULL, not false) is the other engines' answer.
fn contains(column: &Expr, member: &Expr, computed: bool, dialect: Dialect) -> Expr {
    let template = match dialect {
        Dialect::Sqlite => "instr(',' || $1 || ',', ',' || $2 || ',') > 0",
        Dialect::Postgres if computed => "$2 = ANY(string_to_array($1, ','))",
        // Not `ARRAY[$2]`: sea-query reads `[…]` in a template as a quoted name. A member
        // holds no comma, so splitting it gives the one-member array.
        Dialect::Postgres => "string_to_array($1, ',') @> string_to_array($2, ',')",
        Dialect::MySql => "FIND_IN_SET(CAST($2 AS BINARY), CAST($1 AS BINARY)) > 0",
    };
    sql(dialect, template, &[column, member])
}

/// `expr`, parenthesised unless it is one term, since templates put it beside `||`, which
/// binds tighter than arithmetic on SQLite and PostgreSQL (a column a pushdown renamed to
/// `a + b`, say).
fn atomic(expr: &Expr, dialect: Dialect) -> Expr {
    match expr {
        Expr::Column(_) | Expr::Value(_) | Expr::Constant(_) | Expr::FunctionCall(_) => {
            expr.clone()
        }
        _ => sql(dialect, "($1)", &[expr]),
    }
}

/// A sentinel whose arguments a rewrite changed in number: refuse rather than guess.
fn lost(dialect: Dialect) -> Error {
    Error::Unsupported {
        dialect,
        operation: "a set-field function whose arguments a rewrite lost",
    }
}

/// Raw SQL from `template`, where `$1`, `$2`, … stand for `args`. PostgreSQL's builder reads
/// numbered placeholders; SQLite's and MySQL's take `?` in order, so there each `$n` becomes
/// `?` and its argument is repeated where it is used.
fn sql(dialect: Dialect, template: &'static str, args: &[&Expr]) -> Expr {
    // The templates are this module's own and name only their arguments; a NULL stands in
    // for a missing one rather than a panic.
    let owned = |n: usize| {
        args.get(n.wrapping_sub(1)).map_or_else(
            || Expr::Constant(sea_query::Value::Int(None)),
            |a| (*a).clone(),
        )
    };
    if dialect == Dialect::Postgres {
        return Expr::CustomWithExpr(template.into(), (1..=args.len()).map(owned).collect());
    }
    let mut text = String::with_capacity(template.len());
    let mut ordered = Vec::new();
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        text.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let n = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
        text.push('?');
        ordered.push(owned(n));
        rest = &rest[at + 1 + digits..];
    }
    text.push_str(rest);
    Expr::CustomWithExpr(text.into(), ordered)
}
