//! Every way a name or a value enters text pgtune writes: identifiers and literals as PostgreSQL's
//! quote_ident() and quote_literal() write them, schema-qualified names, postgresql.conf values, and
//! text made safe inside a comment. One module, so a rule is fixed once and tested once.

/// A string literal as PostgreSQL's quote_literal() writes it.
pub fn quote_literal(value: &str) -> String {
    let doubled = value.replace('\'', "''");
    if value.contains('\\') {
        format!("E'{}'", doubled.replace('\\', "\\\\"))
    } else {
        format!("'{doubled}'")
    }
}

/// A schema-qualified name, each part quoted as an identifier.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// The raw schema and name of a name `qualified` wrote: what JSON gives beside the quoted name.
/// A name without a schema comes back with an empty one.
pub fn split_qualified(quoted: &str) -> (String, String) {
    let mut parts: Vec<String> = Vec::new();
    let mut chars = quoted.chars().peekable();
    let mut part = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            part.push('"');
                        } else {
                            break;
                        }
                    } else {
                        part.push(c);
                    }
                }
            }
            '.' => parts.push(std::mem::take(&mut part)),
            c => part.push(c),
        }
    }
    parts.push(part);
    match parts.len() {
        1 => (String::new(), parts.pop().unwrap_or_default()),
        _ => {
            let name = parts.pop().unwrap_or_default();
            (parts.join("."), name)
        }
    }
}

/// A value as postgresql.conf needs it: bare when it is a plain word or number, else quoted, with
/// quotes doubled and backslashes escaped (the file's quoted strings read backslash escapes).
pub fn conf_value(v: &str) -> String {
    if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\\', "\\\\").replace('\'', "''"))
    }
}

/// Text made safe inside a one-line comment (`-- ...` in SQL, `# ...` in a conf file): a newline
/// (or any control character) in a name would end the comment and turn the rest of the name into a
/// statement of the script, so each is written as a visible escape (`\n`, `\u{7}`); a backslash is
/// doubled so the escapes cannot be forged.
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// An identifier quoted as PostgreSQL's quote_ident() would: left bare only when it is a plain
/// lower-case name, otherwise in double quotes with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !is_reserved(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Every key word that PostgreSQL's quote_ident() quotes (all but the unreserved ones), over the
/// supported versions 13 to 18: PostgreSQL 15's `pg_get_keywords()` with catcode <> 'U', plus the ones
/// 16 and 17 added (the SQL/JSON functions, `merge_action`, `system_user`). Quoting a word one version
/// reserves is harmless on another; leaving one bare breaks the statement. Sorted, for binary search.
/// The integration test `safety::quote_ident_quotes_every_keyword_the_server_quotes` checks it against
/// the server's own list on every version of the matrix.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json",
    "json_array",
    "json_arrayagg",
    "json_exists",
    "json_object",
    "json_objectagg",
    "json_query",
    "json_scalar",
    "json_serialize",
    "json_table",
    "json_value",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "merge_action",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

fn is_reserved(name: &str) -> bool {
    QUOTED_KEYWORDS.binary_search(&name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qualified_name_splits_back_into_its_raw_parts() {
        for (schema, name) in [
            ("public", "orders"),
            ("Tenant \"A\"", "Idx \"Weird\" Qty"),
            ("a.b", "select"),
            ("sch", "new\nline"),
            ("ünï", "naïve café"),
        ] {
            assert_eq!(
                split_qualified(&qualified(schema, name)),
                (schema.to_string(), name.to_string())
            );
        }
        assert_eq!(split_qualified("orders"), (String::new(), "orders".into()));
    }

    #[test]
    fn identifiers_are_quoted_like_quote_ident() {
        for (name, quoted) in [
            ("public", "public"),
            ("Mixed", "\"Mixed\""),
            ("with space", "\"with space\""),
            ("a\"b", "\"a\"\"b\""),
            ("select", "\"select\""),
            ("ünï", "\"ünï\""),
            ("x;drop", "\"x;drop\""),
            ("freeze", "\"freeze\""),
            ("verbose", "\"verbose\""),
            ("left", "\"left\""),
            ("join", "\"join\""),
            ("commit", "commit"),
        ] {
            assert_eq!(quote_ident(name), quoted);
        }
    }

    #[test]
    fn comments_cannot_be_ended_by_a_name() {
        assert_eq!(
            comment("t\nDROP TABLE x; -- \\n\r\u{7}"),
            "t\\nDROP TABLE x; -- \\\\n\\r\\u{7}"
        );
        assert!(!comment("a\nb\rc\u{85}d").contains(['\n', '\r', '\u{85}']));
    }

    #[test]
    fn the_keyword_list_is_sorted_for_binary_search() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn conf_values_are_quoted_as_the_conf_parser_reads_them() {
        assert_eq!(conf_value("256MB"), "256MB");
        assert_eq!(conf_value(""), "''");
        assert_eq!(conf_value("it's"), "'it''s'");
        assert_eq!(conf_value("a\\b"), "'a\\\\b'");
        assert_eq!(
            conf_value("pg_stat_statements, auto_explain"),
            "'pg_stat_statements, auto_explain'"
        );
    }

    #[test]
    fn literals_are_quoted_like_quote_literal() {
        assert_eq!(quote_literal("1.6"), "'1.6'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal("a\\b"), "E'a\\\\b'");
    }
}
