//! The render layer: the only code that knows comfy-table or JSON. Renderers are functions over a
//! command's plain report that write to any `io::Write`, so tests render into a `Vec<u8>`.

pub mod advise;
pub mod check;
pub mod config;
pub mod info;
pub mod jobs;
pub mod playbook;
pub mod report;
pub mod schema;

impl Render for crate::model::schedule::ScheduleReport {
    fn command(&self) -> &'static str {
        "schedule"
    }
    /// The lines as they go into a crontab or a unit file; JSON adds which scheduler they are for.
    fn render(&self, _: Format, _: &Style, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(self.text.as_bytes())
    }
}

/// The document as it goes into a file, or the paths of the pages written, one per line. Only as
/// text: a completion script or a man page has no JSON form.
impl Render for crate::model::generated::Generated {
    fn command(&self) -> &'static str {
        self.command
    }
    const FORMATS: &'static [Format] = &[Format::Table];
    fn render(&self, _: Format, _: &Style, out: &mut dyn Write) -> io::Result<()> {
        if let Some(text) = &self.text {
            out.write_all(text.as_bytes())?;
        }
        for path in &self.written {
            writeln!(out, "{}", path.display())?;
        }
        Ok(())
    }
}

use std::io::{self, IsTerminal, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

use crate::cli::Format;

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// `--expanded`: every table as records.
    pub expanded: bool,
    /// The terminal's width when stdout is one; tables fit it (None: a pipe, drawn at full width).
    pub width: Option<usize>,
}

impl Style {
    /// Colour only on a terminal, never with NO_COLOR set or --no-color.
    pub fn detect(no_color_flag: bool, expanded: bool) -> Style {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color_flag && !no_color_env && io::stdout().is_terminal(),
            expanded,
            width: terminal_width(),
        }
    }

    /// No colour, tables as tables: what a pipe gets, for the snapshot tests.
    #[cfg(test)]
    pub fn plain() -> Style {
        Style {
            color: false,
            expanded: false,
            width: None,
        }
    }
}

/// The tone of a value, for colour.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Normal,
    Good,
    Warn,
    Bad,
}

/// A report that renders in each format its command offers: JSON is its serde form inside the
/// envelope, every other format the report's own renderer. One `emit` picks between them, so a
/// command never matches on the format itself.
pub trait Render: Serialize {
    /// The command the JSON envelope names.
    fn command(&self) -> &'static str;
    /// Its JSON shape's version: bumped only when a field is removed or changes meaning.
    const SCHEMA_VERSION: u32 = 1;
    /// The formats it renders, the default first.
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json];
    /// Writes it in `format`, any format of FORMATS but JSON.
    fn render(&self, format: Format, style: &Style, out: &mut dyn Write) -> io::Result<()>;
    /// Writes its JSON document: its serde form in the envelope, unless its shape is its own.
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(self.command(), Self::SCHEMA_VERSION, self, out)
    }
}

/// The format to render `R` in: --format when `R` has it (else one line saying which it has, for
/// `pgtune COMMAND`), else its default. Asked before any work is done.
pub fn format_for<R: Render>(requested: Option<Format>, command: &str) -> anyhow::Result<Format> {
    choose_format(requested, R::FORMATS, command)
}

/// Writes `report` in `format` (JSON in the envelope, or the report's own renderer), colour only on
/// a terminal and never with --no-color.
pub fn emit<R: Render>(
    report: &R,
    format: Format,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => report.json(out),
        other => report.render(other, style, out),
    }
}

/// The format to use: the one asked for if this command supports it, else its first.
pub fn choose_format(
    requested: Option<Format>,
    supported: &[Format],
    command: &str,
) -> anyhow::Result<Format> {
    match requested {
        None => Ok(supported[0]),
        Some(f) if supported.contains(&f) => Ok(f),
        Some(f) => anyhow::bail!(
            "pgtune {command} does not support --format {} (choose {})",
            f.name(),
            supported
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    }
}

/// Writes `{"schema_version": N, "command": "...", ...report}` and a newline.
pub fn json<T: Serialize + ?Sized>(
    command: &str,
    schema_version: u32,
    report: &T,
    out: &mut (impl Write + ?Sized),
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Envelope<'a, T: ?Sized> {
        schema_version: u32,
        command: &'a str,
        #[serde(flatten)]
        report: &'a T,
    }
    let envelope = Envelope {
        schema_version,
        command,
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &envelope)?;
    writeln!(out)
}

/// A table in pgtune's house style.
pub fn table(style: &Style, header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if !header.is_empty() {
        table.set_header(header.iter().map(Cell::new));
    }
    table
}

pub fn cell(style: &Style, text: impl ToString, tone: Tone) -> Cell {
    let cell = Cell::new(text.to_string());
    if !style.color {
        return cell;
    }
    match tone {
        Tone::Normal => cell,
        Tone::Good => cell.fg(Color::Green),
        Tone::Warn => cell.fg(Color::Yellow),
        Tone::Bad => cell.fg(Color::Red),
    }
}

/// The terminal's width, when stdout is one: COLUMNS, else the kernel's idea of it.
fn terminal_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    // SAFETY: TIOCGWINSZ fills a winsize for the terminal on fd 1, which is a terminal (above).
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(1, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_col > 0)
            .then_some(usize::from(size.ws_col))
    }
}

/// Writes a table as it fits: as a table when every word of every cell stays whole within the
/// terminal's width (identifiers and SQL are never split), else, or with `--expanded`, one record
/// per block as psql's `\x` prints them, each value on its own unbroken lines, ready to copy.
pub fn write_table(out: &mut impl Write, table: &Table, style: &Style) -> io::Result<()> {
    let mut table = table.clone();
    let width = style.width;
    match width {
        Some(w) => {
            table.set_width(u16::try_from(w).unwrap_or(u16::MAX));
        }
        // No width known (a pipe, or a terminal that reports 0 columns): full width, never the
        // one character per column comfy-table would make of a 0-column terminal.
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if !style.expanded {
        let text = table.to_string();
        if width.is_none() || !splits_a_word(&table, &text) {
            return writeln!(out, "{text}");
        }
    }
    write_expanded(out, &table)
}

/// Whether rendering broke some word of a cell across lines.
fn splits_a_word(table: &Table, rendered: &str) -> bool {
    table.row_iter().chain(table.header()).any(|row| {
        row.cell_iter().any(|cell| {
            cell.content()
                .split_whitespace()
                .any(|word| !rendered.contains(word))
        })
    })
}

fn write_expanded(out: &mut impl Write, table: &Table) -> io::Result<()> {
    let headers: Vec<String> = table
        .header()
        .map(|h| h.cell_iter().map(|c| c.content()).collect())
        .unwrap_or_default();
    let label_width = headers.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    for (i, row) in table.row_iter().enumerate() {
        writeln!(
            out,
            "-[ RECORD {} ]{}",
            i + 1,
            "-".repeat(label_width.max(8))
        )?;
        for (k, cell) in row.cell_iter().enumerate() {
            let label = headers.get(k).map(String::as_str).unwrap_or("");
            let content = cell.content();
            let mut lines = content.lines();
            writeln!(
                out,
                "{label:<label_width$} | {}",
                lines.next().unwrap_or_default()
            )?;
            for line in lines {
                writeln!(out, "{:<label_width$} | {line}", "")?;
            }
        }
    }
    Ok(())
}

/// A section heading above a table.
/// A relation's name for a human reader: quoted as SQL would (so `order.Idx copy` cannot be misread)
/// and on one line (a newline in a name shown as `\n`, as in a comment).
pub fn shown_name(schema: &str, name: &str) -> String {
    crate::sql::quote::comment(&crate::report::qualified(schema, name))
}

/// A name without its schema, for a human reader, as `shown_name`.
pub fn shown_ident(name: &str) -> String {
    crate::sql::quote::comment(&crate::sql::quote::quote_ident(name))
}

/// Text for a table cell that names things: a line break inside a double-quoted name is shown as
/// `\n` (as `shown_name` shows it), so the name stays on its line and reads as one name; the
/// text's own line breaks stay.
pub fn shown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '\n' if quoted => out.push_str("\\n"),
            '\r' if quoted => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

pub fn heading(out: &mut impl Write, title: &str) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title}")
}

#[cfg(test)]
mod tests;
