//! pgtune: tunes and maintains PostgreSQL. `main` only parses the command line, dispatches to a
//! command, and maps the result to the exit-code contract: 0 ok, 1 warnings, 2 critical findings or a
//! failed step, 3 could not run. A closed stdout (`pgtune ... | head`) exits 0 quietly.

mod advise;
#[cfg(test)]
mod architecture;
mod cli;
mod commands;
mod conninfo;
mod context;
mod db;
mod fsutil;
mod guc;
mod health;
mod host;
mod jobs;
mod logging;
mod model;
mod outcome;
mod partition;
mod pgname;
mod profile;
mod render;
mod report;
mod schema;
mod scope;
mod sql;
mod sys;
mod trends;
mod tune;
mod units;

use std::process::ExitCode;

fn main() -> ExitCode {
    install_panic_hook();
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    logging::init(cli.output.quiet, cli.output.verbose);
    match commands::run(&cli) {
        Ok(status) => status.exit_code(),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pgtune: {}", one_line(&format!("{err:#}")));
            ExitCode::from(outcome::EXIT_COULD_NOT_RUN)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error on one line: runs of whitespace become one space, except inside a double-quoted name,
/// where a line break is shown as `\n` (a table "weird\nname" stays that name, not "weird name").
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quoted = false;
    let mut space = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
            }
            '\n' if quoted => {
                out.push_str("\\n");
                continue;
            }
            '\r' if quoted => {
                out.push_str("\\r");
                continue;
            }
            c if c.is_whitespace() && !quoted => {
                space = true;
                continue;
            }
            _ => {}
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// A bug must still honour the contract: one line on stderr and exit 3, no backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "pgtune: internal error: {}{at} (please report this)",
            one_line(&msg)
        );
        std::process::exit(outcome::EXIT_COULD_NOT_RUN.into());
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_is_one_line_and_keeps_the_names_it_quotes() {
        assert_eq!(
            super::one_line("cannot purge \"weird\nname\":\n  no such\tcolumn "),
            "cannot purge \"weird\\nname\": no such column"
        );
    }
}
