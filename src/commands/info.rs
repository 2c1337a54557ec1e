//! `pgtune info`: what the server is and what this session may do. The smallest command that proves
//! the whole path: flags, connection, embedded SQL, a report, two renderers, an exit code.

use std::time::Duration;

use crate::context::Context;
use crate::db::{self, info::*};
use crate::model::info::InfoReport;

pub fn run(ctx: &Context) -> anyhow::Result<InfoReport> {
    let target = ctx.target()?;
    let opts = ctx.read_only_within(Duration::from_secs(10));
    db::runtime()?.block_on(async {
        let db = db::connect(&target, &opts).await?;
        anyhow::Ok(InfoReport {
            server: server(&db).await?,
            extensions: extensions(&db).await?,
            pending_restart: pending_restart(&db).await?,
            connected_to: db.server.clone(),
        })
    })
}
