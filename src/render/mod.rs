//! The render layer: the only code that knows comfy-table or JSON. Renderers are functions over a
//! command's plain report that write to any `io::Write`, so tests render into a `Vec<u8>`.

pub mod check;
pub mod config;
pub mod info;
pub mod jobs;
pub mod playbook;
pub mod report;
pub mod schema;

use std::io::{self, IsTerminal, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

use crate::cli::Format;

/// The JSON shape's version: bumped only when a field is removed or changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, never with NO_COLOR set or --no-color.
    pub fn detect(no_color_flag: bool) -> Style {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: !no_color_flag && !no_color_env && io::stdout().is_terminal(),
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
pub fn json<T: Serialize>(command: &str, report: &T, out: &mut impl Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        schema_version: u32,
        command: &'a str,
        #[serde(flatten)]
        report: &'a T,
    }
    let envelope = Envelope {
        schema_version: SCHEMA_VERSION,
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

/// A section heading above a table.
pub fn heading(out: &mut impl Write, title: &str) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{title}")
}
