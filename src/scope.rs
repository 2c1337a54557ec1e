//! Which relations a command works on, from `--schema`, `--exclude-schema` and `--table` globs: turned
//! into anchored regular expressions that the SQL files take as parameters.

use crate::cli::ScopeArgs;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub schemas: Vec<String>,
    pub exclude_schemas: Vec<String>,
    pub tables: Vec<String>,
}

impl Filter {
    pub fn new(scope: &ScopeArgs) -> Filter {
        let regexes = |globs: &[String]| globs.iter().map(|g| glob_to_regex(g)).collect();
        Filter {
            schemas: regexes(&scope.schemas),
            exclude_schemas: regexes(&scope.exclude_schemas),
            tables: regexes(&scope.tables),
        }
    }
}

/// Whether `text` matches `glob` whole (`*` any run of characters, `?` one), as `glob_to_regex`'s
/// expression would: for names pgtune learns from a plan rather than from the catalog.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    fn matches(g: &[char], t: &[char]) -> bool {
        match (g.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => matches(&g[1..], t) || (!t.is_empty() && matches(g, &t[1..])),
            (Some('?'), Some(_)) => matches(&g[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => matches(&g[1..], &t[1..]),
            _ => false,
        }
    }
    let g: Vec<char> = glob.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&g, &t)
}

/// `*` and `?` as in a shell; everything else literal.
pub fn glob_to_regex(glob: &str) -> String {
    let mut re = String::from("^");
    for c in glob.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c if "\\.+()[]{}|^$".contains(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
    }
    re.push('$');
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching_agrees_with_the_regex_form() {
        assert!(super::glob_matches("tenant_*", "tenant_42"));
        assert!(super::glob_matches("t?", "t1"));
        assert!(!super::glob_matches("t?", "t12"));
        assert!(super::glob_matches("a.b", "a.b"));
        assert!(!super::glob_matches("orders", "orders_2024"));
    }

    #[test]
    fn globs() {
        assert_eq!(glob_to_regex("app*"), "^app.*$");
        assert_eq!(glob_to_regex("t?.x"), "^t.\\.x$");
        assert_eq!(glob_to_regex("a(b)"), "^a\\(b\\)$");
    }
}
