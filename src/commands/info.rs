//! `pgtune info`: what the server is and what this session may do. The smallest command that proves
//! the whole path: flags, connection, embedded SQL, a report, two renderers, an exit code.

use std::io::Write;
use std::time::Duration;

use crate::cli::Cli;
use crate::db::{self, info::*};
use crate::model::info::InfoReport;
use crate::outcome::Status;
use crate::render;

pub fn run(cli: &Cli, out: &mut impl Write) -> anyhow::Result<Status> {
    let format = render::format_for::<InfoReport>(cli.output.format)?;
    let target = super::connect_target(cli)?;
    let opts = super::read_only_within(cli, Duration::from_secs(10));
    let report = db::runtime()?.block_on(async {
        let db = db::connect(&target, &opts).await?;
        anyhow::Ok(InfoReport {
            server: server(&db).await?,
            extensions: extensions(&db).await?,
            pending_restart: pending_restart(&db).await?,
            connected_to: db.server.clone(),
        })
    })?;
    render::emit(&report, format, cli.output.no_color, out)?;
    Ok(Status::Ok)
}
