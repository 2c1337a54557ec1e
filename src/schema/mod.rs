//! `pgtune schema`: the extensions and indexes a team declares in SQL files, compared with a live
//! database (plan, verify) and brought to it safely (apply). This module holds what is declared and
//! the pure judgement; `source` reads the files, `shape` compares index definitions that PostgreSQL
//! itself has normalised, `plan` turns catalog facts into verdicts, `ddl` writes the statements.

pub mod ddl;
pub mod plan;
pub mod shape;
pub mod source;

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Where a statement starts in its file (1-based line and character column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// A possibly schema-qualified name, as PostgreSQL reads it (unquoted parts folded to lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualifiedName {
    /// The name quoted for SQL text, schema first when given.
    pub fn quoted(&self) -> String {
        use crate::sql::quote::quote_ident;
        match &self.schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(&self.name)),
            None => quote_ident(&self.name),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.quoted())
    }
}

/// `CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]`.
#[derive(Debug, Clone)]
pub struct ExtensionDecl {
    pub name: String,
    pub schema: Option<String>,
    pub version: Option<String>,
    pub cascade: bool,
    pub if_not_exists: bool,
    pub at: Location,
    pub checksum: String,
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table <tail>`.
#[derive(Debug, Clone)]
pub struct IndexDecl {
    /// None for an unnamed index, which pgtune refuses to manage.
    pub name: Option<String>,
    pub table: QualifiedName,
    pub only: bool,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    /// Everything after the table name, as written: `USING gin (name gin_trgm_ops) WHERE active`.
    pub tail: String,
    pub at: Location,
    pub checksum: String,
}

#[derive(Debug, Clone)]
pub enum Declaration {
    Extension(ExtensionDecl),
    Index(IndexDecl),
}

impl Declaration {
    pub fn at(&self) -> &Location {
        match self {
            Declaration::Extension(e) => &e.at,
            Declaration::Index(i) => &i.at,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintLevel {
    Warning,
    Error,
    /// A statement pgtune neither applies nor verifies.
    OutOfScope,
}

/// A remark about the files themselves, independent of any database.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    pub level: LintLevel,
    #[serde(flatten)]
    pub at: Location,
    /// The statement's first words, for out-of-scope statements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    pub message: String,
}

impl Lint {
    pub fn warning(at: &Location, message: &str) -> Lint {
        Lint {
            level: LintLevel::Warning,
            at: at.clone(),
            statement: None,
            message: message.into(),
        }
    }

    pub fn error(at: &Location, message: &str) -> Lint {
        Lint {
            level: LintLevel::Error,
            ..Lint::warning(at, message)
        }
    }

    pub fn out_of_scope(at: &Location, statement: String, message: &str) -> Lint {
        Lint {
            level: LintLevel::OutOfScope,
            statement: Some(statement),
            ..Lint::warning(at, message)
        }
    }
}

/// Everything the files declare, in file order, and what was noticed about them.
#[derive(Debug, Default)]
pub struct Source {
    pub declarations: Vec<Declaration>,
    pub lints: Vec<Lint>,
    /// Declarations (by position) that repeat an earlier one's object; they are not managed.
    pub duplicates: Vec<(usize, Location)>,
}

impl Source {
    /// A second declaration of the same extension, or of an index of the same name on a table written
    /// the same way, is an error: which one would win?
    fn check_duplicates(&mut self) {
        let key = |d: &Declaration| match d {
            Declaration::Extension(e) => Some(format!("extension {}", e.name)),
            Declaration::Index(i) => i
                .name
                .as_ref()
                .map(|n| format!("index {:?}.{n}", i.table.schema)),
        };
        let mut seen: std::collections::HashMap<String, Location> = Default::default();
        for (i, d) in self.declarations.iter().enumerate() {
            let Some(k) = key(d) else { continue };
            match seen.get(&k) {
                Some(first) => self.duplicates.push((i, first.clone())),
                None => {
                    seen.insert(k, d.at().clone());
                }
            }
        }
        for (i, first) in &self.duplicates {
            let at = self.declarations[*i].at().clone();
            self.lints.push(Lint::error(
                &at,
                &format!(
                    "declared again (first at {first}); only the first declaration is managed"
                ),
            ));
        }
    }

    pub fn is_duplicate(&self, i: usize) -> bool {
        self.duplicates.iter().any(|(d, _)| *d == i)
    }
}

/// The SHA-256 of a file, hex: what the journal records beside each change.
pub fn checksum(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}
