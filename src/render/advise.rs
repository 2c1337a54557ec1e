//! `pgtune advise indexes` for a terminal: each advised index with its statement and its proof,
//! the statements it serves (cost before and after), then the statements no index helps and those
//! that could not be planned, each with why.

use std::io::{self, Write};

use super::{cell, Style, Tone};
use crate::cli::Format;

impl super::Render for AdviceReport {
    fn command(&self) -> &'static str {
        "advise indexes"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        table_report(self, style, &mut out)
    }
}
use crate::advise::{AdviceReport, IndexAdvice, LeftStatement, Proof};

/// A statement on one line, shortened for a table cell (the JSON keeps it whole).
fn short(query: &str) -> String {
    let line = crate::sql::quote::comment(&crate::sql::one_line(query));
    if line.chars().count() > 100 {
        format!("{}...", line.chars().take(97).collect::<String>())
    } else {
        line
    }
}

fn size(bytes: i64) -> String {
    crate::units::format_bytes(bytes.max(0))
}

fn index_block(
    i: usize,
    index: &IndexAdvice,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}. {};", i + 1, index.statement)?;
    let proof = match index.proof {
        Proof::Hypopg => "proven with a hypothetical index (HypoPG)",
        Proof::Estimated => {
            "estimated: HypoPG cannot make hypothetical GIN indexes; check the plan after building"
        }
    };
    let writes = match (index.writes_per_second, index.write_cost_per_second, index.benefit_per_second) {
        (Some(w), Some(cost), Some(benefit)) => format!(
            "{w:.1} index writes/s on the table, costing {cost:.1}/s against {benefit:.1}/s saved{}",
            if index.write_cost_outweighs_benefit {
                ": the write cost outweighs the benefit, not advised"
            } else {
                ""
            }
        ),
        (Some(w), _, _) => format!("{w:.1} index writes/s on the table (no rate for a file workload to weigh them against)"),
        _ => "write rate unknown".to_string(),
    };
    writeln!(
        out,
        "   {proof}; about {}; weighted cost {:.0} -> {:.0} ({:.0}% lower)",
        size(index.size_bytes),
        index.weighted_cost_before,
        index.weighted_cost_after,
        index.improvement_percent
    )?;
    writeln!(out, "   {writes}")?;
    let mut t = super::table(
        style,
        &["Calls", "Mean ms", "Cost before -> after", "Statement"],
    );
    for s in &index.serves {
        t.add_row(vec![
            cell(style, format!("{:.0}", s.calls), Tone::Normal),
            cell(
                style,
                s.mean_ms.map_or("-".to_string(), |m| format!("{m:.2}")),
                Tone::Normal,
            ),
            cell(
                style,
                format!("{:.1} -> {:.1}", s.cost_before, s.cost_after),
                Tone::Good,
            ),
            cell(
                style,
                match &s.at {
                    Some(at) => format!("{at}: {}", short(&s.query)),
                    None => short(&s.query),
                },
                Tone::Normal,
            ),
        ]);
    }
    super::write_table(out, &t, style)
}

fn left_table(
    title: &str,
    left: &[LeftStatement],
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    if left.is_empty() {
        return Ok(());
    }
    super::heading(out, title)?;
    let mut t = super::table(style, &["Calls", "Statement", "Why"]);
    for s in left {
        let statement = match &s.at {
            Some(at) => format!("{at}: {}", short(&s.query)),
            None => short(&s.query),
        };
        t.add_row(vec![
            cell(style, format!("{:.0}", s.calls), Tone::Normal),
            cell(style, statement, Tone::Normal),
            cell(style, &s.reason, Tone::Warn),
        ]);
    }
    super::write_table(out, &t, style)
}

pub fn table_report(report: &AdviceReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    let from = match &report.file {
        Some(file) => format!("{} {}", report.source, crate::sql::quote::comment(file)),
        None => report.source.clone(),
    };
    writeln!(
        out,
        "Index advice for database {} from {from}: {}",
        super::shown_ident(&report.database),
        report.summary()
    )?;
    let advised: Vec<&IndexAdvice> = report.indexes.iter().collect();
    if report.skipped.is_some() {
        return Ok(());
    }
    if report.planned == 0 {
        writeln!(out, "No statement of the workload reads a table in scope.")?;
    } else if advised.is_empty() {
        writeln!(
            out,
            "No index lowers the workload's cost by {:.0}% or more.",
            report.min_improvement_percent
        )?;
    }
    for (i, index) in advised.iter().enumerate() {
        index_block(i, index, style, out)?;
    }
    left_table("Statements no index helps", &report.unhelped, style, out)?;
    left_table(
        "Statements that could not be planned",
        &report.not_planned,
        style,
        out,
    )
}
