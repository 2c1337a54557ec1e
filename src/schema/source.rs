//! Reads the SQL files a team keeps its extensions and indexes in: splits them into statements with
//! sqlparser's tokenizer (dollar quotes, nested comments, E'' strings), keeps each statement's
//! file:line:col, and recognises the two kinds pgtune manages. The header of a CREATE INDEX or CREATE
//! EXTENSION is read from tokens, so the forms sqlparser's parser lacks (TABLESPACE, ON ONLY, opclass
//! parameters, SCHEMA without WITH) still work; everything after an index's table name is kept as
//! written, for PostgreSQL to judge.

use std::path::{Path, PathBuf};

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::{Declaration, ExtensionDecl, IndexDecl, Lint, Location, QualifiedName, Source};

/// Every `.sql` file named, directories expanded (their `.sql` files sorted by name), in order.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), crate::fsutil::io_reason(&e)))?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| {
                    anyhow::anyhow!("{}: {}", path.display(), crate::fsutil::io_reason(&e))
                })?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "sql"))
                .collect();
            found.sort();
            if found.is_empty() {
                anyhow::bail!("{}: no .sql files in this directory", path.display());
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Reads and understands every file; the first file that cannot be read or tokenized stops it.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Source> {
    let mut source = Source::default();
    for file in collect_files(paths)? {
        let bytes = std::fs::read(&file)
            .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), crate::fsutil::io_reason(&e)))?;
        let text = String::from_utf8(bytes.clone()).map_err(|e| {
            anyhow::anyhow!(
                "{}: not UTF-8 text (byte {})",
                file.display(),
                e.utf8_error().valid_up_to()
            )
        })?;
        let checksum = super::checksum(&bytes);
        // Editors on Windows start files with a byte-order mark; left in, it would hide the first
        // declaration from the reader. Columns stay right: the mark is not a character of the text.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        parse_file(&file, text, &checksum, &mut source)?;
    }
    source.check_duplicates();
    Ok(source)
}

/// One statement of a file: its significant tokens and where its text lies.
struct Statement<'a> {
    tokens: Vec<&'a TokenWithSpan>,
    all: &'a [TokenWithSpan],
    text: &'a str,
    at: Location,
    /// The file's text and line index, and the byte where the statement ends in it.
    file_text: &'a str,
    lines: &'a LineIndex<'a>,
    end: usize,
}

impl Statement<'_> {
    /// The statement's text from `token` to its end.
    fn text_from(&self, token: &TokenWithSpan) -> &str {
        let from = self
            .lines
            .offset(token.span.start.line, token.span.start.column);
        self.file_text[from..self.end].trim_end()
    }
}

/// The file's tokens, or where and why it cannot be read (an unterminated string, say).
fn tokenize(file: &Path, text: &str) -> anyhow::Result<Vec<TokenWithSpan>> {
    Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()
        .map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: {}",
                file.display(),
                e.location.line,
                e.location.column,
                strip_location(&e.message)
            )
        })
}

/// Each statement of a SQL file and where it starts: the one splitter for declared indexes and for
/// a file of queries (dollar quotes, nested comments and routine bodies kept whole).
pub fn statements(file: &Path, text: &str) -> anyhow::Result<Vec<(Location, String)>> {
    let tokens = tokenize(file, text)?;
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    for stmt in split(&tokens, text, &lines, file) {
        if let Some(psql) = psql_meta_command(&stmt) {
            anyhow::bail!(
                "{}: psql meta-command {psql} is not SQL: pgtune reads statements itself",
                stmt.at
            );
        }
        out.push((stmt.at.clone(), stmt.text.to_string()));
    }
    Ok(out)
}

pub fn parse_file(
    file: &Path,
    text: &str,
    checksum: &str,
    source: &mut Source,
) -> anyhow::Result<()> {
    let dialect = PostgreSqlDialect {};
    let tokens = tokenize(file, text)?;
    let lines = LineIndex::new(text);
    for stmt in split(&tokens, text, &lines, file) {
        if let Some(psql) = psql_meta_command(&stmt) {
            anyhow::bail!(
                "{}: psql meta-command {psql} is not SQL: pgtune runs statements itself",
                stmt.at
            );
        }
        if let Some(lint) = unclosed_parenthesis(&stmt, file) {
            source.lints.push(lint);
        }
        let parsed = Parser::new(&dialect)
            .with_tokens_with_locations(stmt.all.to_vec())
            .parse_statements();
        match recognise(&stmt, checksum)? {
            Some(Declaration::Index(index)) => {
                if index.name.is_none() {
                    source.lints.push(Lint::error(
                        &stmt.at,
                        "an index without a name: each retry would build another one (name_idx1, name_idx2, ...); give it a name",
                    ));
                } else {
                    if !index.concurrently {
                        source.lints.push(Lint::warning(
                            &stmt.at,
                            "CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build (pgtune schema apply adds CONCURRENTLY)",
                        ));
                    }
                    if !index.if_not_exists {
                        source.lints.push(Lint::warning(
                            &stmt.at,
                            "CREATE INDEX without IF NOT EXISTS fails when the file is run again by psql or another tool",
                        ));
                    }
                }
                if let Err(e) = parsed {
                    // PostgreSQL judges the definition (plan builds it on a shadow table); sqlparser
                    // lacks some forms (TABLESPACE, ON ONLY, opclass parameters).
                    tracing::debug!(
                        "{}: sqlparser does not parse this index ({e}); PostgreSQL will judge it",
                        stmt.at
                    );
                }
                source.declarations.push(Declaration::Index(index));
            }
            Some(Declaration::Extension(e)) => {
                if !e.if_not_exists {
                    source.lints.push(Lint::warning(
                        &stmt.at,
                        "CREATE EXTENSION without IF NOT EXISTS fails when the file is run again by psql or another tool",
                    ));
                }
                source.declarations.push(Declaration::Extension(e));
            }
            None if parsed.is_err() && not_a_command(&stmt) => {
                // A typo'd declaration ("CREAT INDEX", "CREATE INDX") would otherwise pass CI
                // unverified: PostgreSQL itself would refuse it.
                source.lints.push(Lint::error(
                    &stmt.at,
                    &format!(
                        "not an SQL statement PostgreSQL knows (a typo?): {}",
                        first_words(stmt.text)
                    ),
                ));
            }
            None => {
                let why = match parsed {
                    Ok(_) => "pgtune schema manages CREATE EXTENSION and CREATE INDEX only: neither applied nor verified".to_string(),
                    Err(e) => format!(
                        "pgtune schema manages CREATE EXTENSION and CREATE INDEX only: neither applied nor verified (sqlparser: {})",
                        strip_location(&e.to_string().replace("sql parser error: ", ""))
                    ),
                };
                source
                    .lints
                    .push(Lint::out_of_scope(&stmt.at, first_words(stmt.text), &why));
            }
        }
    }
    Ok(())
}

/// sqlparser appends " at Line: 3, Column: 7" to its messages; pgtune says file:line:col up front.
fn strip_location(message: &str) -> String {
    match message.find(" at Line: ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Whether a statement sqlparser cannot parse starts with no command word PostgreSQL has (or
/// CREATE with no kind of object after it): a typo, not a construct sqlparser lacks.
fn not_a_command(stmt: &Statement) -> bool {
    const COMMANDS: &[&str] = &[
        "abort",
        "alter",
        "analyze",
        "analyse",
        "begin",
        "call",
        "checkpoint",
        "close",
        "cluster",
        "comment",
        "commit",
        "copy",
        "create",
        "deallocate",
        "declare",
        "delete",
        "discard",
        "do",
        "drop",
        "end",
        "execute",
        "explain",
        "fetch",
        "grant",
        "import",
        "insert",
        "listen",
        "load",
        "lock",
        "merge",
        "move",
        "notify",
        "prepare",
        "reassign",
        "refresh",
        "reindex",
        "release",
        "reset",
        "revoke",
        "rollback",
        "savepoint",
        "security",
        "select",
        "set",
        "show",
        "start",
        "table",
        "truncate",
        "unlisten",
        "update",
        "vacuum",
        "values",
        "with",
    ];
    const CREATED: &[&str] = &[
        "access",
        "aggregate",
        "cast",
        "collation",
        "constraint",
        "conversion",
        "database",
        "default",
        "domain",
        "event",
        "extension",
        "foreign",
        "function",
        "global",
        "group",
        "index",
        "language",
        "local",
        "materialized",
        "operator",
        "or",
        "policy",
        "procedural",
        "procedure",
        "publication",
        "recursive",
        "role",
        "rule",
        "schema",
        "sequence",
        "server",
        "statistics",
        "subscription",
        "table",
        "tablespace",
        "temp",
        "temporary",
        "text",
        "transform",
        "trigger",
        "trusted",
        "type",
        "unique",
        "unlogged",
        "user",
        "view",
    ];
    let mut words = stmt.tokens.iter().filter_map(|t| match &t.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_lowercase()),
        Token::Whitespace(_) => None,
        _ => Some(String::new()),
    });
    match words.next().as_deref() {
        Some("create") => words.next().is_none_or(|w| !CREATED.contains(&w.as_str())),
        Some(w) => !COMMANDS.contains(&w),
        None => false,
    }
}

fn first_words(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &flat[..i]),
        None => flat,
    }
}

/// A parenthesis left open makes the rest of the file one statement, as psql reads it: the
/// declarations after it would go unjudged without a word. Said, naming where it opened and each
/// statement it swallowed.
fn unclosed_parenthesis(stmt: &Statement, file: &Path) -> Option<Lint> {
    let mut open: Vec<&TokenWithSpan> = Vec::new();
    for t in &stmt.tokens {
        match t.token {
            Token::LParen => open.push(t),
            Token::RParen => {
                open.pop();
            }
            _ => {}
        }
    }
    let first = open.first()?;
    let swallowed: Vec<String> = stmt
        .tokens
        .windows(2)
        .filter(|w| {
            w[0].token == Token::SemiColon
                && matches!(&w[1].token, Token::Word(word) if word.value.eq_ignore_ascii_case("create"))
        })
        .map(|w| {
            format!(
                "{}:{}:{}",
                file.display(),
                w[1].span.start.line,
                w[1].span.start.column
            )
        })
        .collect();
    let at = Location {
        file: file.to_path_buf(),
        line: first.span.start.line,
        column: first.span.start.column,
    };
    let message = if swallowed.is_empty() {
        "this parenthesis is never closed: the statement runs to the end of the file".to_string()
    } else {
        format!(
            "this parenthesis is never closed, so the rest of the file is one statement (as psql reads it): the declarations at {} are not judged; close it",
            swallowed.join(", ")
        )
    };
    Some(Lint::error(&at, &message))
}

fn psql_meta_command(stmt: &Statement) -> Option<String> {
    match stmt.tokens.first().map(|t| &t.token) {
        Some(Token::Backslash) => Some(format!(
            "\\{}",
            stmt.tokens
                .get(1)
                .map(|t| t.token.to_string())
                .unwrap_or_default()
        )),
        _ => None,
    }
}

/// Splits at top-level semicolons, as psql does: not inside parentheses, and not inside the
/// BEGIN ... END of a CREATE FUNCTION/PROCEDURE body written in SQL.
fn split<'a>(
    tokens: &'a [TokenWithSpan],
    text: &'a str,
    lines: &'a LineIndex<'a>,
    file: &Path,
) -> Vec<Statement<'a>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut parens = 0i32;
    let mut begins = 0i32;
    let mut i = 0;
    while i <= tokens.len() {
        let end_here = i == tokens.len()
            || (tokens[i].token == Token::SemiColon && parens == 0 && begins == 0);
        if end_here {
            let slice = &tokens[start..i];
            let significant: Vec<usize> = (start..i)
                .filter(|&k| !is_whitespace(&tokens[k].token))
                .collect();
            if let (Some(&first), Some(&last)) = (significant.first(), significant.last()) {
                let at = |k: usize| {
                    tokens.get(k).map_or(text.len(), |t| {
                        lines.offset(t.span.start.line, t.span.start.column)
                    })
                };
                let (from, to) = (at(first), at(last + 1));
                out.push(Statement {
                    tokens: significant.iter().map(|&k| &tokens[k]).collect(),
                    all: slice,
                    text: &text[from..to],
                    at: Location {
                        file: file.to_path_buf(),
                        line: tokens[first].span.start.line,
                        column: tokens[first].span.start.column,
                    },
                    file_text: text,
                    lines,
                    end: to,
                });
            }
            start = i + 1;
            parens = 0;
            begins = 0;
        } else {
            match &tokens[i].token {
                Token::LParen => parens += 1,
                Token::RParen => parens -= 1,
                Token::Word(w) if w.quote_style.is_none() && is_routine(&tokens[start..i]) => {
                    match w.keyword {
                        Keyword::BEGIN => begins += 1,
                        Keyword::CASE if begins > 0 => begins += 1,
                        Keyword::END if begins > 0 => begins -= 1,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

/// Whether the statement so far starts with CREATE [OR REPLACE] FUNCTION|PROCEDURE.
fn is_routine(so_far: &[TokenWithSpan]) -> bool {
    let words: Vec<Keyword> = so_far
        .iter()
        .filter(|t| !is_whitespace(&t.token))
        .take(4)
        .map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.keyword,
            _ => Keyword::NoKeyword,
        })
        .collect();
    matches!(
        words.as_slice(),
        [Keyword::CREATE, Keyword::FUNCTION | Keyword::PROCEDURE, ..]
            | [
                Keyword::CREATE,
                Keyword::OR,
                Keyword::REPLACE,
                Keyword::FUNCTION | Keyword::PROCEDURE,
                ..
            ]
    )
}

fn is_whitespace(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

/// A cursor over a statement's significant tokens.
struct Cursor<'s, 'a> {
    stmt: &'s Statement<'a>,
    pos: usize,
}

impl<'s, 'a> Cursor<'s, 'a> {
    fn peek(&self) -> Option<&'a TokenWithSpan> {
        self.stmt.tokens.get(self.pos).copied()
    }

    /// Consumes the next token when it is the unquoted keyword `k`.
    fn keyword(&mut self, k: Keyword) -> bool {
        match self.peek().map(|t| &t.token) {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == k => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn keywords(&mut self, ks: &[Keyword]) -> bool {
        let save = self.pos;
        if ks.iter().all(|k| self.keyword(*k)) {
            return true;
        }
        self.pos = save;
        false
    }

    /// An identifier as PostgreSQL reads it: unquoted names fold to lower case.
    fn ident(&mut self) -> Option<String> {
        match self.peek().map(|t| &t.token) {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Some(match w.quote_style {
                    Some(_) => w.value.clone(),
                    None => w.value.to_ascii_lowercase(),
                })
            }
            _ => None,
        }
    }

    fn is(&self, token: &Token) -> bool {
        self.peek().is_some_and(|t| &t.token == token)
    }

    /// An error at the next token (or at the statement's end).
    fn error(&self, what: &str) -> anyhow::Error {
        let at = match self.peek() {
            Some(t) => Location {
                file: self.stmt.at.file.clone(),
                line: t.span.start.line,
                column: t.span.start.column,
            },
            None => self.stmt.at.clone(),
        };
        if !what.starts_with("expected") {
            return anyhow::anyhow!("{at}: {what}");
        }
        let found = self
            .peek()
            .map(|t| format!("found {}", t.token))
            .unwrap_or_else(|| "found the end of the statement".into());
        anyhow::anyhow!("{at}: {what}, {found}")
    }
}

/// The declaration a statement makes, if it is one pgtune manages.
fn recognise(stmt: &Statement, checksum: &str) -> anyhow::Result<Option<Declaration>> {
    let mut c = Cursor { stmt, pos: 0 };
    if !c.keyword(Keyword::CREATE) {
        return Ok(None);
    }
    if c.keyword(Keyword::EXTENSION) {
        return extension(&mut c, checksum).map(|e| Some(Declaration::Extension(e)));
    }
    let unique = c.keyword(Keyword::UNIQUE);
    if !c.keyword(Keyword::INDEX) {
        return Ok(None);
    }
    index(&mut c, unique, checksum).map(|i| Some(Declaration::Index(i)))
}

fn extension(c: &mut Cursor, checksum: &str) -> anyhow::Result<ExtensionDecl> {
    let if_not_exists = c.keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = c
        .ident()
        .ok_or_else(|| c.error("expected an extension name"))?;
    c.keyword(Keyword::WITH);
    let (mut schema, mut version, mut cascade) = (None, None, false);
    while c.peek().is_some() {
        if c.keyword(Keyword::SCHEMA) {
            schema = Some(
                c.ident()
                    .ok_or_else(|| c.error("expected a schema name after SCHEMA"))?,
            );
        } else if c.keyword(Keyword::VERSION) {
            version = Some(match c.peek().map(|t| &t.token) {
                Some(Token::SingleQuotedString(s)) => {
                    c.pos += 1;
                    s.clone()
                }
                _ => c
                    .ident()
                    .ok_or_else(|| c.error("expected a version after VERSION"))?,
            });
        } else if c.keyword(Keyword::CASCADE) {
            cascade = true;
        } else {
            return Err(c.error("expected SCHEMA, VERSION or CASCADE"));
        }
    }
    Ok(ExtensionDecl {
        name,
        schema,
        version,
        cascade,
        if_not_exists,
        at: c.stmt.at.clone(),
        checksum: checksum.to_string(),
    })
}

fn index(c: &mut Cursor, unique: bool, checksum: &str) -> anyhow::Result<IndexDecl> {
    let concurrently = c.keyword(Keyword::CONCURRENTLY);
    let if_not_exists = c.keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let named = !matches!(
        c.peek().map(|t| &t.token),
        Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == Keyword::ON
    );
    let name = if named {
        let at = c.pos;
        let n = c
            .ident()
            .ok_or_else(|| c.error("expected an index name or ON"))?;
        if c.is(&Token::Period) {
            c.pos = at;
            return Err(c.error("an index name cannot be schema-qualified (the index is created in its table's schema)"));
        }
        Some(n)
    } else {
        if if_not_exists {
            return Err(c.error("IF NOT EXISTS needs an index name"));
        }
        None
    };
    if !c.keyword(Keyword::ON) {
        return Err(c.error("expected ON"));
    }
    let only = c.keyword(Keyword::ONLY);
    let mut parts = vec![c.ident().ok_or_else(|| c.error("expected a table name"))?];
    while c.is(&Token::Period) {
        c.pos += 1;
        parts.push(
            c.ident()
                .ok_or_else(|| c.error("expected a name after '.'"))?,
        );
    }
    let table = match parts.as_slice() {
        [t] => QualifiedName {
            schema: None,
            name: t.clone(),
        },
        [s, t] => QualifiedName {
            schema: Some(s.clone()),
            name: t.clone(),
        },
        [_, s, t] => QualifiedName {
            schema: Some(s.clone()),
            name: t.clone(),
        },
        _ => return Err(c.error("a table name has at most three parts")),
    };
    let Some(first) = c.peek() else {
        return Err(c.error("expected the index's columns"));
    };
    let tail = c.stmt.text_from(first).to_string();
    Ok(IndexDecl {
        name,
        table,
        only,
        unique,
        concurrently,
        if_not_exists,
        tail,
        at: c.stmt.at.clone(),
        checksum: checksum.to_string(),
    })
}

/// Turns sqlparser's 1-based line and character column into byte offsets of the text.
struct LineIndex<'a> {
    starts: Vec<usize>,
    text: &'a str,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts, text }
    }

    fn offset(&self, line: u64, column: u64) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1) as usize) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(self.text.len(), |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Source> {
        let mut source = Source::default();
        parse_file(Path::new("t.sql"), text, "sum", &mut source)?;
        source.check_duplicates();
        Ok(source)
    }

    fn indexes(source: &Source) -> Vec<&IndexDecl> {
        source
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Index(i) => Some(i),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_index_form_keeps_its_tail_as_written() {
        let s = parse(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Odd; \"\"idx\"\"\" ON ONLY \"Sales Ü\".\"T x\"\n  USING gist (name gist_trgm_ops(siglen=32)) INCLUDE (a) WITH (fillfactor = 90) TABLESPACE pg_default WHERE a > 0;\n\
             create index Lower_Case on Public.Menu (lower(name) COLLATE \"C\" DESC NULLS LAST) NULLS NOT DISTINCT;",
        )
        .unwrap();
        let ix = indexes(&s);
        assert_eq!(ix.len(), 2);
        assert_eq!(ix[0].name.as_deref(), Some("Odd; \"idx\""));
        assert_eq!(ix[0].table.schema.as_deref(), Some("Sales Ü"));
        assert_eq!(ix[0].table.name, "T x");
        assert!(ix[0].unique && ix[0].concurrently && ix[0].if_not_exists && ix[0].only);
        assert_eq!(
            ix[0].tail,
            "USING gist (name gist_trgm_ops(siglen=32)) INCLUDE (a) WITH (fillfactor = 90) TABLESPACE pg_default WHERE a > 0"
        );
        // Unquoted names fold to lower case, as PostgreSQL folds them.
        assert_eq!(ix[1].name.as_deref(), Some("lower_case"));
        assert_eq!(ix[1].table.quoted(), "public.menu");
        assert_eq!(ix[1].at.line, 3);
        assert_eq!(
            ix[1].tail,
            "(lower(name) COLLATE \"C\" DESC NULLS LAST) NULLS NOT DISTINCT"
        );
    }

    #[test]
    fn extensions_in_every_spelling() {
        let s = parse(
            "CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public VERSION '3.4.0' CASCADE;\n\
             CREATE EXTENSION pg_trgm WITH SCHEMA \"Ext\";",
        )
        .unwrap();
        let ext: Vec<&ExtensionDecl> = s
            .declarations
            .iter()
            .filter_map(|d| match d {
                Declaration::Extension(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(ext[0].name, "postgis");
        assert_eq!(ext[0].schema.as_deref(), Some("public"));
        assert_eq!(ext[0].version.as_deref(), Some("3.4.0"));
        assert!(ext[0].cascade && ext[0].if_not_exists);
        assert_eq!(ext[1].schema.as_deref(), Some("Ext"));
        assert_eq!(s.lints.len(), 1, "{:?}", s.lints);
    }

    #[test]
    fn splitting_respects_quotes_comments_and_routine_bodies() {
        let s = parse(
            "/* a; /* nested; */ still; */\n\
             DO $x$ BEGIN RAISE NOTICE 'a;b'; END $x$;\n\
             CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n\
             SELECT E'it\\'s; fine';\n\
             -- CREATE INDEX commented ON t (a);\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
        )
        .unwrap();
        let out_of_scope: Vec<u64> = s
            .lints
            .iter()
            .filter(|l| l.level == super::super::LintLevel::OutOfScope)
            .map(|l| l.at.line)
            .collect();
        assert_eq!(out_of_scope, [2, 3, 4]);
        let ix = indexes(&s);
        assert_eq!(ix.len(), 1);
        assert_eq!(ix[0].at.line, 6);
    }

    #[test]
    fn lints_name_what_is_risky() {
        let s = parse("CREATE INDEX i ON t (a);\nCREATE INDEX ON t (b);").unwrap();
        let messages: Vec<String> = s
            .lints
            .iter()
            .map(|l| format!("{}:{:?}", l.at.line, l.level))
            .collect();
        assert_eq!(messages, ["1:Warning", "1:Warning", "2:Error"]);
    }

    #[test]
    fn duplicates_are_errors() {
        let s =
            parse("CREATE EXTENSION IF NOT EXISTS a;\nCREATE EXTENSION IF NOT EXISTS a;").unwrap();
        assert!(s.is_duplicate(1));
        assert!(s.lints.iter().any(|l| l.message.contains("t.sql:1:1")));
    }

    #[test]
    fn bad_input_names_file_line_and_column() {
        let e = parse("SELECT 1;\nCREATE INDEX x ON t (a) WHERE b = 'open").unwrap_err();
        assert!(e.to_string().starts_with("t.sql:2:"), "{e}");
        let e = parse("\n  CREATE INDEX s.x ON t (a);").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("t.sql:2:16: an index name cannot be schema-qualified"),
            "{e}"
        );
        let e = parse("CREATE INDEX i ON;").unwrap_err();
        assert!(e.to_string().starts_with("t.sql:1:"), "{e}");
        let e = parse("\\connect other\nCREATE INDEX i ON t (a);").unwrap_err();
        assert!(e.to_string().contains("psql meta-command"), "{e}");
    }
}
