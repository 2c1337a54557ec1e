//! `pgtune history`: what the recent maintenance runs did, step by step, from the run record.

use crate::cli::HistoryArgs;
use crate::context::Context;
use crate::db::{self, playbook as dbp};
use crate::model::history::HistoryReport;

pub fn run(ctx: &Context, args: &HistoryArgs) -> anyhow::Result<HistoryReport> {
    let target = ctx.target()?;
    let runs = db::runtime()?.block_on(async {
        let db = db::connect(&target, &ctx.read_only()).await?;
        if !dbp::runs_exist(&db).await? {
            return anyhow::Ok(vec![]);
        }
        anyhow::Ok(dbp::history(&db, args.limit.max(1), args.playbook.as_deref()).await?)
    })?;
    Ok(HistoryReport { runs })
}
