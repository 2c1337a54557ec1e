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
        let mut runs = dbp::history(&db, args.limit.max(1), args.playbook.as_deref()).await?;
        // A run still marked running is live only while a run holds the runner lock.
        if runs.iter().any(|r| r.status == "running")
            && db::schema::lock_holder(&db, db::schema::Runner::Maintain)
                .await?
                .is_none()
        {
            for r in runs.iter_mut().filter(|r| r.status == "running") {
                r.ended_unrecorded = true;
            }
        }
        anyhow::Ok(runs)
    })?;
    Ok(HistoryReport { runs })
}
