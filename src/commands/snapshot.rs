//! `pgtune snapshot`: one row per table and index with sizes, row estimates and scan counters, and the
//! database's counters and non-default settings, in pgtune.snapshot* tables, for `trends` to compare.
//! One statement, so a snapshot is whole or absent; old ones expire.

use crate::cli::SnapshotArgs;
use crate::context::Context;
use crate::db::{self, playbook as dbp};
use crate::model::snapshot::SnapshotReport;
use crate::sql;

pub fn run(ctx: &Context, args: &SnapshotArgs) -> anyhow::Result<SnapshotReport> {
    let retention = args.retention.value.as_secs_f64();
    let mut report = SnapshotReport {
        dry_run: args.change.dry_run,
        id: None,
        tables: 0,
        indexes: 0,
        expired: 0,
        retention: args.retention.text.clone(),
        statements: vec![],
    };
    if args.change.dry_run {
        report.statements = vec![
            sql::SNAPSHOT_CREATE.text.trim().to_string(),
            sql::SNAPSHOT_TAKE.text.trim().to_string(),
            sql::SNAPSHOT_RETENTION
                .with_bound_literals(&[retention.to_string()])
                .trim()
                .to_string(),
        ];
    } else {
        let connect = ctx.maintenance(std::time::Duration::from_secs(5));
        let target = ctx.target()?;
        db::runtime()?.block_on(async {
            let db = db::connect(&target, &connect).await?;
            dbp::ensure_snapshots(&db).await?;
            let (id, tables, indexes) = dbp::take_snapshot(&db).await?;
            report.id = Some(id);
            report.tables = tables;
            report.indexes = indexes;
            report.expired = dbp::expire_snapshots(&db, retention).await?;
            anyhow::Ok(())
        })?;
    }
    Ok(report)
}
