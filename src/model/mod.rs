//! The reports commands return: plain data, made by the commands, drawn by `render/`, summarised for
//! the run record by `Report::summary`. They sit below both, so neither imports the other.

pub mod check;
pub mod config;
pub mod generated;
pub mod history;
pub mod info;
pub mod jobs;
pub mod maintain;
pub mod purge;
pub mod report;
pub mod schedule;
pub mod schema;
pub mod schema_apply;
pub mod snapshot;
pub mod trends;

use crate::outcome::Status;

/// What every command's report says about itself, whatever it is drawn as: the status its exit code
/// is made of, and a summary for the run record (`pgtune history`, a playbook's step table).
pub trait Report {
    /// The worst finding: exit 0, 1 or 2.
    fn status(&self) -> Status;

    /// What the run did or found, for a human reading the run record: one line per fact, the
    /// names of what needs attention first. Empty when there is nothing to say.
    fn summary(&self) -> String;

    /// Why a run that stopped before its end (interrupted) exits 3, after printing what it did.
    fn unfinished(&self) -> Option<String> {
        None
    }

    /// Whether, with --quiet, there is nothing worth printing (maintain: every step ok, so cron
    /// mails nothing).
    fn quiet_ok(&self) -> bool {
        false
    }
}

/// How many summaries name before "and N more".
const NAMED: usize = 5;

/// `count` things, the first few named: `3 (orders, "Big Table", items)`, `7 (a, b, c, d, e and 2
/// more)`; no names give just the count.
pub fn counted<'a>(count: usize, names: impl IntoIterator<Item = &'a str>) -> String {
    let list = named(count, names);
    if list.is_empty() {
        count.to_string()
    } else {
        format!("{count} ({list})")
    }
}

/// The first few of `count` names, on one line each: `a, b, c, d, e and 2 more`.
pub fn named<'a>(count: usize, names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names
        .into_iter()
        .take(NAMED)
        .map(crate::sql::quote::comment)
        .collect();
    let more = count.saturating_sub(names.len());
    match (names.is_empty(), more) {
        (true, _) => String::new(),
        (false, 0) => names.join(", "),
        (false, more) => format!("{} and {more} more", names.join(", ")),
    }
}
