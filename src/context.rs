//! What a command runs with besides its own flags: where and how to connect, how to print, when to
//! stop starting work, whether it may ask a question, and whether it was interrupted. Built once from
//! the command line (`Context::from_cli`), and for a playbook's steps from maintain's own
//! (`Context::for_step`), so that nothing travels in statics or the process environment.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::{Cli, ConnArgs, OutputArgs};
use crate::conninfo::{self, Target};
use crate::db::{self, ConnectOptions, Prompt, TypedPassword};
use crate::render::Style;

#[derive(Debug, Clone)]
pub struct Context {
    pub conn: ConnArgs,
    pub output: OutputArgs,
    /// When a playbook step's timeout says it must stop starting work (the job runner and purge).
    pub deadline: Option<Instant>,
    /// A playbook's steps never stop to ask (no prompt, no confirmation).
    pub unattended: bool,
    /// Raised by maintain's signal watcher on Ctrl-C or SIGTERM; its steps see it.
    interrupted: Arc<AtomicBool>,
    typed: TypedPassword,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> Context {
        Context {
            conn: cli.conn.clone(),
            output: cli.output.clone(),
            deadline: None,
            unattended: false,
            interrupted: Arc::default(),
            typed: TypedPassword::default(),
        }
    }

    /// A playbook step's context: maintain's connection (and typed password), never a prompt,
    /// output for the run record, and the step's deadline.
    pub fn for_step(&self, deadline: Option<Instant>) -> Context {
        let mut step = self.clone();
        step.deadline = deadline;
        step.unattended = true;
        step.output.no_color = true;
        step.output.format = None;
        step
    }

    /// The connection target from the flags and this process's environment.
    pub fn target(&self) -> anyhow::Result<Target> {
        Ok(conninfo::resolve(
            &self.conn,
            &conninfo::Env::from_process(),
        )?)
    }

    /// A read-only session for selecting what to work on (statements end within a minute).
    pub fn read_only(&self) -> ConnectOptions {
        self.read_only_within(Duration::from_secs(60))
    }

    /// A read-only session whose statements each end within `statement_timeout` and never wait on
    /// a lock: the one way every read-only command connects.
    pub fn read_only_within(&self, statement_timeout: Duration) -> ConnectOptions {
        ConnectOptions {
            read_only: true,
            prompt: self.prompt(),
            settings: db::read_only_settings(statement_timeout),
            typed: self.typed.clone(),
        }
    }

    /// A session that changes things: never waits on a lock longer than `lock_timeout`, no
    /// statement timeout.
    pub fn maintenance(&self, lock_timeout: Duration) -> ConnectOptions {
        self.writing(lock_timeout, Duration::ZERO)
    }

    /// A session that changes things, each statement within `statement_timeout` (zero: no limit).
    pub fn writing(&self, lock_timeout: Duration, statement_timeout: Duration) -> ConnectOptions {
        ConnectOptions {
            read_only: false,
            prompt: self.prompt(),
            settings: vec![
                (
                    "lock_timeout",
                    format!("{}ms", lock_timeout.as_millis().max(1)),
                ),
                (
                    "statement_timeout",
                    match statement_timeout.as_millis() {
                        0 => "0".to_string(),
                        ms => format!("{ms}ms"),
                    },
                ),
            ],
            typed: self.typed.clone(),
        }
    }

    /// psql's -w / -W; never when unattended.
    fn prompt(&self) -> Prompt {
        match (self.unattended || self.conn.no_password, self.conn.password) {
            (true, _) => Prompt::Never,
            (false, true) => Prompt::Always,
            (false, false) => Prompt::IfNeeded,
        }
    }

    /// Whether a question may be asked: on a terminal, and not in a playbook's step.
    pub fn can_prompt(&self) -> bool {
        !self.unattended && crate::sys::can_prompt()
    }

    /// How tables look: colour only on a terminal (never with --no-color or NO_COLOR), records
    /// with --expanded.
    pub fn style(&self) -> Style {
        Style::detect(self.output.no_color, self.output.expanded)
    }

    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// The flag a signal watcher raises.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupted.clone()
    }
}
