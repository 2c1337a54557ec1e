//! What a plan's conditions ask of one scanned relation. PostgreSQL prints each scan's `Filter`, its
//! index and join conditions as SQL expressions (EXPLAIN VERBOSE qualifies every column with the
//! scan's alias); this module reads them with sqlparser and sorts each conjunct into what an index
//! could serve: equality, range, pattern match, an expression compared for equality, or a constant
//! condition a partial index could carry. A conjunct it cannot read is left out, never guessed.

use std::ops::ControlFlow;

use sqlparser::ast::{
    visit_expressions, visit_expressions_mut, BinaryOperator, Expr, UnaryOperator, Value,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::sql::quote::quote_ident;

/// An index key made of an expression (`lower(email)`), as it would be written in CREATE INDEX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyExpression {
    /// SQL text, the alias removed: `lower((email)::text)`.
    pub sql: String,
    /// What PostgreSQL names an index over it after (`lower` for a function call).
    pub name_part: String,
}

/// The conditions on one relation, by what an index could do with them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    /// Columns compared for equality (`=`, `IN`, `= ANY`), with a parameter, a constant or another
    /// relation's column (a join).
    pub equality: Vec<String>,
    /// Columns compared by `<`, `<=`, `>`, `>=` or BETWEEN.
    pub range: Vec<String>,
    /// Columns matched by LIKE or ILIKE with a pattern a B-tree cannot serve (a parameter, or a
    /// literal that does not start with a fixed prefix).
    pub pattern: Vec<String>,
    /// Expressions over columns compared for equality.
    pub expression: Vec<KeyExpression>,
    /// Conditions fixed in the statement's text (`active`, `deleted_at IS NULL`), SQL without the
    /// alias: what a partial index's WHERE could hold.
    pub constant: Vec<String>,
    /// Columns a constant condition fixes (`status = 'open'`): a partial index on that condition
    /// need not hold them as keys.
    pub fixed: Vec<String>,
    /// Columns compared through a cast to text (`(s.ticket_id)::text = $1`): PostgreSQL prints one
    /// for a varchar column (binary-compatible, an index on the column serves it) and for any
    /// other column cast on purpose (a function: only an index on the cast serves it).
    pub text_cast: Vec<String>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.equality.is_empty()
            && self.range.is_empty()
            && self.pattern.is_empty()
            && self.expression.is_empty()
    }

    fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
        if !list.contains(&item) {
            list.push(item);
        }
    }

    /// Adds what `condition` (a plan's condition text) asks of the relation scanned as `alias`.
    pub fn read(&mut self, condition: &str, alias: &str) {
        let Ok(expr) = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(condition)
            .and_then(|mut p| p.parse_expr())
        else {
            tracing::debug!("advise: cannot read condition {condition:?}");
            return;
        };
        let mut conjuncts = Vec::new();
        split_and(expr, &mut conjuncts);
        for conjunct in conjuncts {
            self.classify(&conjunct, alias);
        }
    }

    fn classify(&mut self, expr: &Expr, alias: &str) {
        match unwrap(expr) {
            Expr::BinaryOp {
                left: left_raw,
                op,
                right: right_raw,
            } => {
                let (left, right) = (unwrap(left_raw), unwrap(right_raw));
                match op {
                    BinaryOperator::Eq => {
                        for (mine, other, raw) in
                            [(left, right, left_raw), (right, left, right_raw)]
                        {
                            if mentions(other, alias) {
                                continue;
                            }
                            if let Some(col) = column_of(mine, alias) {
                                if through_text_cast(raw) {
                                    Self::push_unique(&mut self.text_cast, col.clone());
                                }
                                Self::push_unique(&mut self.equality, col.clone());
                                if is_constant(other) {
                                    let text = without_alias(expr, alias);
                                    Self::push_unique(&mut self.constant, text);
                                    Self::push_unique(&mut self.fixed, col.clone());
                                }
                                return;
                            }
                            if let Some(key) = key_expression(mine, alias) {
                                Self::push_unique(&mut self.expression, key);
                                return;
                            }
                        }
                    }
                    BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq => {
                        for (mine, other) in [(left, right), (right, left)] {
                            if mentions(other, alias) {
                                continue;
                            }
                            if let Some(col) = column_of(mine, alias) {
                                Self::push_unique(&mut self.range, col);
                                return;
                            }
                        }
                    }
                    BinaryOperator::PGLikeMatch | BinaryOperator::PGILikeMatch => {
                        self.pattern_match(left, right, alias);
                    }
                    _ => {}
                }
            }
            Expr::Like {
                negated: false,
                expr: target,
                pattern,
                ..
            }
            | Expr::ILike {
                negated: false,
                expr: target,
                pattern,
                ..
            } => self.pattern_match(unwrap(target), unwrap(pattern), alias),
            Expr::InList {
                expr: target,
                negated: false,
                list,
            } if !list.iter().any(|e| mentions(e, alias)) => {
                if let Some(col) = column_of(unwrap(target), alias) {
                    Self::push_unique(&mut self.equality, col);
                }
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } if !mentions(right, alias) => {
                if let Some(col) = column_of(unwrap(left), alias) {
                    Self::push_unique(&mut self.equality, col);
                }
            }
            Expr::Between {
                expr: target,
                negated: false,
                low,
                high,
            } if !mentions(low, alias) && !mentions(high, alias) => {
                if let Some(col) = column_of(unwrap(target), alias) {
                    Self::push_unique(&mut self.range, col);
                }
            }
            Expr::IsNull(inner) | Expr::IsNotNull(inner) | Expr::IsTrue(inner)
                if column_of(unwrap(inner), alias).is_some() =>
            {
                Self::push_unique(&mut self.constant, without_alias(expr, alias));
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: inner,
            } if column_of(unwrap(inner), alias).is_some() => {
                Self::push_unique(&mut self.constant, without_alias(expr, alias));
            }
            e @ (Expr::Identifier(_) | Expr::CompoundIdentifier(_))
                if column_of(e, alias).is_some() =>
            {
                // A boolean column on its own: `WHERE active`.
                Self::push_unique(&mut self.constant, without_alias(e, alias));
            }
            _ => {}
        }
    }

    fn pattern_match(&mut self, target: &Expr, pattern: &Expr, alias: &str) {
        if mentions(pattern, alias) {
            return;
        }
        let Some(col) = column_of(target, alias) else {
            return;
        };
        let anchored = literal_text(pattern)
            .is_some_and(|p| !p.is_empty() && !p.starts_with('%') && !p.starts_with('_'));
        if !anchored {
            Self::push_unique(&mut self.pattern, col);
        }
    }
}

fn split_and(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::Nested(inner) => split_and(*inner, out),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        other => out.push(other),
    }
}

/// The expression without parentheses and casts to text around it: PostgreSQL prints
/// `(s.name)::text` for a varchar column. Other casts stay: `(s.created_at)::date` is an expression.
fn unwrap(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(inner) => unwrap(inner),
        Expr::Cast {
            expr, data_type, ..
        } if is_text_type(data_type) => unwrap(expr),
        other => other,
    }
}

fn is_text_type(data_type: &sqlparser::ast::DataType) -> bool {
    let name = data_type.to_string().to_ascii_lowercase();
    let base = name.split('(').next().unwrap_or_default().trim();
    matches!(
        base,
        "text" | "varchar" | "character varying" | "char" | "character" | "bpchar" | "name"
    )
}

fn through_text_cast(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => through_text_cast(inner),
        Expr::Cast { data_type, .. } => is_text_type(data_type),
        _ => false,
    }
}

/// The raw name of the column `expr` is, when it is one of `alias`'s columns.
fn column_of(expr: &Expr, alias: &str) -> Option<String> {
    match expr {
        Expr::CompoundIdentifier(parts) if parts.len() == 2 && parts[0].value == alias => {
            Some(parts[1].value.clone())
        }
        _ => None,
    }
}

/// Whether `expr` mentions a column of `alias`.
fn mentions(expr: &Expr, alias: &str) -> bool {
    visit_expressions(expr, |e| {
        if column_of(e, alias).is_some() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}

/// Whether `expr` is fixed in the statement: literals and casts of them, no parameter, no column.
fn is_constant(expr: &Expr) -> bool {
    match unwrap(expr) {
        Expr::Value(v) => !matches!(v.value, Value::Placeholder(_)),
        _ => false,
    }
}

fn literal_text(expr: &Expr) -> Option<String> {
    match unwrap(expr) {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A function call over columns of `alias` only (and constants), or a cast of one of its columns
/// (`(created_at)::date`): an expression index's key.
fn key_expression(expr: &Expr, alias: &str) -> Option<KeyExpression> {
    if let Expr::Cast { expr: inner, .. } = expr {
        let column = column_of(unwrap(inner), alias)?;
        return Some(KeyExpression {
            sql: format!("({})", without_alias(expr, alias)),
            name_part: column,
        });
    }
    let Expr::Function(function) = expr else {
        return None;
    };
    if !mentions(expr, alias) || mentions_other_relation(expr, alias) || has_parameter(expr) {
        return None;
    }
    let name_part = function
        .name
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())?;
    Some(KeyExpression {
        sql: without_alias(expr, alias),
        name_part,
    })
}

fn mentions_other_relation(expr: &Expr, alias: &str) -> bool {
    visit_expressions(expr, |e| match e {
        Expr::CompoundIdentifier(parts) if parts.first().is_some_and(|p| p.value != alias) => {
            ControlFlow::Break(())
        }
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

fn has_parameter(expr: &Expr) -> bool {
    visit_expressions(expr, |e| match e {
        Expr::Value(v) if matches!(v.value, Value::Placeholder(_)) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    })
    .is_break()
}

/// `expr` as SQL with `alias.` removed from its columns, each column quoted as PostgreSQL would.
pub fn without_alias(expr: &Expr, alias: &str) -> String {
    let mut expr = expr.clone();
    let _ = visit_expressions_mut(&mut expr, |e| {
        if let Some(col) = column_of(e, alias) {
            *e = Expr::Identifier(sqlparser::ast::Ident::new(quote_ident(&col)));
        }
        ControlFlow::<()>::Continue(())
    });
    strip_outer_parens(&expr.to_string())
}

fn strip_outer_parens(text: &str) -> String {
    let mut s = text.trim();
    while s.starts_with('(') && s.ends_with(')') && balanced(&s[1..s.len() - 1]) {
        s = &s[1..s.len() - 1];
    }
    s.to_string()
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A plan's sort key (`o.created_at DESC`) as a column of `alias` and its direction.
pub fn sort_key(key: &str, alias: &str) -> Option<(String, bool)> {
    let (expr, descending) = match key.strip_suffix(" DESC") {
        Some(e) => (e, true),
        None => (key, false),
    };
    let expr = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(expr)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    column_of(unwrap(&expr), alias).map(|c| (c, descending))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(condition: &str) -> Conditions {
        let mut c = Conditions::default();
        c.read(condition, "s");
        c
    }

    #[test]
    fn equality_range_and_constant_conditions_are_told_apart() {
        let c = read(
            "((s.school_id = $1) AND (s.created_at >= $2) AND s.active AND (s.deleted_at IS NULL))",
        );
        assert_eq!(c.equality, ["school_id"]);
        assert_eq!(c.range, ["created_at"]);
        assert_eq!(c.constant, ["active", "deleted_at IS NULL"]);
    }

    #[test]
    fn a_join_condition_is_equality_for_each_side() {
        let c = read("(oi.order_id = s.id)");
        assert_eq!(c.equality, ["id"]);
        let mut other = Conditions::default();
        other.read("(oi.order_id = s.id)", "oi");
        assert_eq!(other.equality, ["order_id"]);
    }

    #[test]
    fn a_function_of_a_column_is_an_expression_key() {
        let c = read("(lower((s.email)::text) = $1)");
        assert_eq!(c.expression.len(), 1);
        assert_eq!(c.expression[0].name_part, "lower");
        assert_eq!(c.expression[0].sql, "lower((email)::TEXT)");
    }

    #[test]
    fn unanchored_patterns_want_trigrams_and_anchored_ones_do_not() {
        assert_eq!(read("((s.name)::text ~~* $1)").pattern, ["name"]);
        assert_eq!(read("(s.name ~~ '%pizza%'::text)").pattern, ["name"]);
        assert!(read("(s.name ~~ 'pizza%'::text)").pattern.is_empty());
    }

    #[test]
    fn hostile_column_names_come_back_raw_and_quote_again() {
        let c = read(r#"((s."Grade ""x""" = $1) AND s."select")"#);
        assert_eq!(c.equality, [r#"Grade "x""#]);
        assert_eq!(c.constant, [r#""select""#]);
    }

    #[test]
    fn a_literal_equality_is_a_partial_index_condition_too() {
        let c = read("((s.status)::text = 'open'::text)");
        assert_eq!(c.equality, ["status"]);
        assert_eq!(c.constant.len(), 1);
        assert!(c.constant[0].contains("'open'"), "{:?}", c.constant);
    }

    #[test]
    fn a_cast_column_is_an_expression_unless_the_cast_is_to_text() {
        let c = read("((s.created_at)::date = $1)");
        assert!(c.equality.is_empty());
        assert_eq!(c.expression[0].sql, "((created_at)::DATE)");
        assert_eq!(c.expression[0].name_part, "created_at");
        let c = read("((s.ticket_id)::text = $1)");
        assert_eq!(c.equality, ["ticket_id"]);
        assert_eq!(c.text_cast, ["ticket_id"]);
    }

    #[test]
    fn sort_keys_keep_their_direction() {
        assert_eq!(
            sort_key("s.created_at DESC", "s"),
            Some(("created_at".into(), true))
        );
        assert_eq!(sort_key("s.id", "s"), Some(("id".into(), false)));
        assert_eq!(sort_key("o.id", "s"), None);
    }
}
