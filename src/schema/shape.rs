//! An index definition as PostgreSQL stores it, read from the catalog for the live index and for the
//! declared one built on a shadow table, and the differences between the two. Comparing catalog
//! fields of two indexes the same server built makes spelling irrelevant: casts, default opclasses,
//! `USING btree`, quoting and schema qualification all come out the same.

use serde::Serialize;

/// One key column: a column name or an expression, and how it is indexed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyColumn {
    pub expression: String,
    pub opclass: String,
    /// Opclass parameters (`siglen=32`), comma-separated; empty when none.
    pub opclass_options: String,
    pub collation: String,
    pub descending: bool,
    pub nulls_first: bool,
}

impl KeyColumn {
    /// `expr [COLLATE c] [opclass(params)] [DESC] [NULLS FIRST|LAST]`, spelt the way PostgreSQL's
    /// own definitions are.
    pub fn describe(&self, with_opclass: bool) -> String {
        let mut s = self.expression.clone();
        if with_opclass {
            s.push_str(&format!(" {}", self.opclass));
            if !self.opclass_options.is_empty() {
                s.push_str(&format!("({})", self.opclass_options));
            }
        }
        // ASC implies NULLS LAST and DESC implies NULLS FIRST: only the other pairings are spelt out.
        s.push_str(match (self.descending, self.nulls_first) {
            (false, false) => "",
            (false, true) => " NULLS FIRST",
            (true, true) => " DESC",
            (true, false) => " DESC NULLS LAST",
        });
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexShape {
    pub method: String,
    pub unique: bool,
    pub nulls_not_distinct: bool,
    pub keys: Vec<KeyColumn>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    /// Storage parameters, `name=value`, sorted.
    pub options: Vec<String>,
    /// Empty for the database's default tablespace.
    pub tablespace: String,
}

/// One way the live index differs from the declared one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub aspect: &'static str,
    pub declared: String,
    pub live: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{}: declared {}, live {}",
            self.aspect, self.declared, self.live
        )
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        format!("({})", items.join(", "))
    }
}

fn or_none(s: &str) -> String {
    if s.is_empty() {
        "none".into()
    } else {
        s.to_string()
    }
}

/// What differs between the declared index and the live one, most telling first. When the key
/// expressions differ (order, columns) the per-column aspects are not listed on top of it.
pub fn differences(declared: &IndexShape, live: &IndexShape) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut add = |aspect: &'static str, d: String, l: String| {
        if d != l {
            out.push(Difference {
                aspect,
                declared: d,
                live: l,
            });
        }
    };
    add("method", declared.method.clone(), live.method.clone());
    add(
        "uniqueness",
        unique_word(declared.unique),
        unique_word(live.unique),
    );
    if declared.unique && live.unique {
        add(
            "nulls",
            nulls_word(declared.nulls_not_distinct),
            nulls_word(live.nulls_not_distinct),
        );
    }
    let exprs = |s: &IndexShape| {
        s.keys
            .iter()
            .map(|k| k.expression.clone())
            .collect::<Vec<_>>()
    };
    if exprs(declared) != exprs(live) {
        add("columns", list(&exprs(declared)), list(&exprs(live)));
    } else {
        for (d, l) in declared.keys.iter().zip(&live.keys) {
            if (d.descending, d.nulls_first) != (l.descending, l.nulls_first) {
                add("order", d.describe(false), l.describe(false));
            }
            if (&d.opclass, &d.opclass_options) != (&l.opclass, &l.opclass_options) {
                add("opclass", d.describe(true), l.describe(true));
            }
            if d.collation != l.collation {
                add(
                    "collation",
                    format!("{} COLLATE {}", d.expression, or_none(&d.collation)),
                    format!("{} COLLATE {}", l.expression, or_none(&l.collation)),
                );
            }
        }
    }
    add("include", list(&declared.include), list(&live.include));
    add(
        "predicate",
        declared.predicate.clone().unwrap_or_else(|| "none".into()),
        live.predicate.clone().unwrap_or_else(|| "none".into()),
    );
    add("options", list(&declared.options), list(&live.options));
    add(
        "tablespace",
        or_none(&declared.tablespace),
        or_none(&live.tablespace),
    );
    out
}

fn unique_word(unique: bool) -> String {
    if unique { "unique" } else { "not unique" }.into()
}

fn nulls_word(not_distinct: bool) -> String {
    if not_distinct {
        "NULLS NOT DISTINCT"
    } else {
        "NULLS DISTINCT"
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(expression: &str) -> KeyColumn {
        KeyColumn {
            expression: expression.into(),
            opclass: "pg_catalog.int4_ops".into(),
            opclass_options: String::new(),
            collation: String::new(),
            descending: false,
            nulls_first: false,
        }
    }

    fn shape(keys: &[&str]) -> IndexShape {
        IndexShape {
            method: "btree".into(),
            unique: false,
            nulls_not_distinct: false,
            keys: keys.iter().map(|k| key(k)).collect(),
            include: vec![],
            predicate: None,
            options: vec![],
            tablespace: String::new(),
        }
    }

    #[test]
    fn identical_shapes_have_no_differences() {
        assert!(differences(&shape(&["a", "b"]), &shape(&["a", "b"])).is_empty());
    }

    #[test]
    fn column_order_is_one_difference() {
        let d = differences(&shape(&["a", "b"]), &shape(&["b", "a"]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to_string(), "columns: declared (a, b), live (b, a)");
    }

    #[test]
    fn each_aspect_is_named() {
        let declared = shape(&["a"]);
        let mut live = shape(&["a"]);
        live.keys[0].descending = true;
        live.keys[0].nulls_first = true;
        live.keys[0].opclass = "public.other_ops".into();
        live.include = vec!["c".into()];
        live.predicate = Some("(a > 0)".into());
        live.options = vec!["fillfactor=90".into()];
        live.method = "hash".into();
        live.unique = true;
        let aspects: Vec<_> = differences(&declared, &live)
            .iter()
            .map(|d| d.aspect)
            .collect();
        assert_eq!(
            aspects,
            [
                "method",
                "uniqueness",
                "order",
                "opclass",
                "include",
                "predicate",
                "options"
            ]
        );
    }

    #[test]
    fn directions_are_spelt_as_postgresql_does() {
        let mut k = key("a");
        assert_eq!(k.describe(false), "a");
        k.descending = true;
        k.nulls_first = true;
        assert_eq!(k.describe(false), "a DESC");
        k.nulls_first = false;
        assert_eq!(k.describe(false), "a DESC NULLS LAST");
        k.descending = false;
        k.nulls_first = true;
        assert_eq!(k.describe(false), "a NULLS FIRST");
    }
}
