//! `pgtune history`: what the recent maintenance runs did, step by step, from the run record.

use std::io::Write;

use crate::cli::{Cli, HistoryArgs};
use crate::db::{self, playbook as dbp};
use crate::model::history::HistoryReport;
use crate::outcome::Status;
use crate::render;

pub fn run(cli: &Cli, args: &HistoryArgs, out: &mut impl Write) -> anyhow::Result<Status> {
    let format = render::format_for::<HistoryReport>(cli.output.format)?;
    let target = super::connect_target(cli)?;
    let runs = db::runtime()?.block_on(async {
        let db = db::connect(&target, &super::read_only(cli)).await?;
        if !dbp::runs_exist(&db).await? {
            return anyhow::Ok(vec![]);
        }
        anyhow::Ok(dbp::history(&db, args.limit.max(1), args.playbook.as_deref()).await?)
    })?;
    let report = HistoryReport { runs };
    render::emit(&report, format, cli.output.no_color, out)?;
    Ok(Status::Ok)
}
