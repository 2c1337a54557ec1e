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
    fn globs() {
        assert_eq!(glob_to_regex("app*"), "^app.*$");
        assert_eq!(glob_to_regex("t?.x"), "^t.\\.x$");
        assert_eq!(glob_to_regex("a(b)"), "^a\\(b\\)$");
    }
}
