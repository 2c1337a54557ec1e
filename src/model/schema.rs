//! `pgtune schema plan|verify`'s report: one verdict per declaration, and the indexes nobody declared.

use crate::outcome::Status;
use crate::schema::plan::{Plan, Verdict};
use crate::schema::{Lint, LintLevel};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Verify { strict: bool },
}

impl Mode {
    pub fn command(self) -> &'static str {
        match self {
            Mode::Plan => "schema plan",
            Mode::Verify { .. } => "schema verify",
        }
    }
}

/// What plan and verify print.
#[derive(Debug, Serialize)]
pub struct SchemaReport {
    /// plan or verify.
    #[serde(skip)]
    pub mode: Mode,
    pub database: String,
    pub server: String,
    pub files: Vec<PathBuf>,
    pub status: Status,
    #[serde(flatten)]
    pub plan: Plan,
    pub lints: Vec<Lint>,
    pub summary: Summary,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub declared: usize,
    pub ok: usize,
    pub missing: usize,
    pub differs: usize,
    pub invalid: usize,
    pub unverified: usize,
    /// Unavailable, no-table, rejected and not-managed declarations.
    pub not_applicable: usize,
    pub extra: usize,
    pub lint_warnings: usize,
    pub out_of_scope: usize,
}

impl Summary {
    pub fn of(plan: &Plan, lints: &[Lint]) -> Summary {
        let count = |v: Verdict| plan.objects.iter().filter(|o| o.verdict == v).count();
        Summary {
            declared: plan.objects.len(),
            ok: count(Verdict::Ok),
            missing: count(Verdict::Missing),
            differs: count(Verdict::Differs),
            invalid: count(Verdict::Invalid),
            unverified: count(Verdict::Unverified),
            not_applicable: plan
                .objects
                .iter()
                .filter(|o| {
                    matches!(
                        o.verdict,
                        Verdict::Unavailable
                            | Verdict::NoTable
                            | Verdict::Rejected
                            | Verdict::NotManaged
                    )
                })
                .count(),
            extra: plan.extra.len(),
            lint_warnings: lints
                .iter()
                .filter(|l| l.level != LintLevel::OutOfScope)
                .count(),
            out_of_scope: lints
                .iter()
                .filter(|l| l.level == LintLevel::OutOfScope)
                .count(),
        }
    }
}

impl crate::model::Report for SchemaReport {
    fn status(&self) -> Status {
        self.status
    }

    /// `12 declared: 10 ok, 1 missing, 1 differs`.
    fn summary(&self) -> String {
        let s = &self.summary;
        format!(
            "{} declared: {} ok, {} missing, {} differ, {} invalid, {} unverified",
            s.declared, s.ok, s.missing, s.differs, s.invalid, s.unverified
        )
    }
}
