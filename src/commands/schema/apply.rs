//! `pgtune schema apply`: brings a busy database to what the files declare without blocking its
//! traffic. One runner per database (a polled advisory lock); extensions each in a transaction with
//! their journal row; every index built CONCURRENTLY as its own statement under lock_timeout, retried
//! with backoff; invalid leftovers dropped before a rebuild and after a failed build; Ctrl-C or
//! SIGTERM cancels the running statement server-side and cleans up after it.

use std::cell::{Cell, RefCell};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::bail;

use super::gather;
use crate::cli::SchemaApplyArgs;
use crate::context::Context;
use crate::db::retry::{LockRetry, Stopped};
use crate::db::runner::{Cancel, Events, Runner};
use crate::db::schema::{self as dbschema, JournalEntry, Runner as RunnerLock};
use crate::db::{self, Db, QueryError};
pub use crate::model::schema_apply::{ApplyReport, Step, StepOutcome, Work};
use crate::model::Report;
use crate::outcome::Status;
use crate::partition::TreeStatement;
use crate::pgname::IndexNames;
use crate::render;
use crate::schema::plan::{Kind, ObjectPlan, Plan, TableRef, Verdict};
use crate::schema::{ddl, source, Declaration, ExtensionDecl, IndexDecl, Source};

/// What asks before anything changes: shown the objects and the script the run will execute,
/// it says whether to go on. Only on a terminal, in table format (JSON on stdout stays JSON), without --yes.
pub type Confirm<'a> = dyn FnMut(&[ObjectPlan], &ApplyReport) -> anyhow::Result<bool> + 'a;

/// `pgtune schema apply` on the command line: on a terminal without --yes, the objects and the
/// script, then the question; then the report.
pub fn print(ctx: &Context, args: &SchemaApplyArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let format = render::format_for::<ApplyReport>(ctx.output.format, "schema apply")?;
    let style = ctx.style();
    let report = {
        let mut ask = |objects: &[ObjectPlan], preview: &ApplyReport| -> anyhow::Result<bool> {
            let mut out = &mut *out;
            render::schema::objects_table(objects, &style, &mut out)?;
            render::schema::apply_script(preview, &mut out)?;
            out.flush()?;
            Ok(dialoguer::Confirm::new()
                .with_prompt("Apply these changes?")
                .default(false)
                .interact()
                .unwrap_or(false))
        };
        let interactive = ctx.can_prompt() && format == crate::cli::Format::Table;
        run(
            ctx,
            args,
            interactive.then_some(&mut ask as &mut Confirm<'_>),
        )?
    };
    render::emit(&report, format, &style, out)?;
    if let Some(why) = report.unfinished() {
        out.flush()?;
        bail!("{why}");
    }
    Ok(report.status())
}

/// Applies the declared files (or, with --dry-run, plans it), asking `confirm` first when there
/// is one and no --yes (without either, it refuses before connecting).
pub fn run(
    ctx: &Context,
    args: &SchemaApplyArgs,
    confirm: Option<&mut Confirm<'_>>,
) -> anyhow::Result<ApplyReport> {
    let source = source::load(&args.files.paths)?;
    let connect = super::super::maintenance::session(ctx, &args.locking.lock_timeout);
    let wait = args.others.wait.value;
    let lock_timeout = args.locking.lock_timeout.value;
    let terminal = ctx.can_prompt();
    if !args.confirm.yes && !args.change.dry_run && confirm.is_none() {
        let why = if terminal {
            "it asks only with --format table"
        } else {
            "stdin is not a terminal"
        };
        bail!("schema apply asks before changing anything, and {why}: add --yes to apply without asking (or --dry-run to see the SQL)");
    }
    let target = ctx.target()?;
    let started = Instant::now();
    db::runtime()?.block_on(async {
        let db = db::connect(&target, &connect).await?;
        let session = connect.session_statements();
        if args.change.dry_run {
            let (plan, facts) = gather(&db, &source).await?;
            let mut names = partition_names(&db, &source, &plan).await?;
            let trees = attached_trees(&db, &plan).await?;
            let steps = steps(&source, &plan, args, &mut names, &trees);
            let status = steps.iter().map(plan_status).max().unwrap_or(Status::Ok);
            return Ok(ApplyReport {
                database: facts.database,
                server: db.server.clone(),
                dry_run: true,
                session,
                steps,
                seconds: started.elapsed().as_secs_f64(),
                status,
                ended: None,
                declined: false,
            });
        }
        let facts = dbschema::server(&db).await?;
        if facts.in_recovery {
            bail!(
                "database {} on {} is a standby (in recovery): apply needs the primary",
                facts.database,
                db.server
            );
        }
        take_runner_lock(&db, &facts.database, wait).await?;
        let result = apply_locked(
            ctx,
            args,
            &target,
            &connect,
            &db,
            &source,
            session,
            lock_timeout,
            terminal,
            started,
            confirm,
        )
        .await;
        // A lost connection released the lock with the session; otherwise release it now.
        if !db.is_closed() {
            if let Err(e) = dbschema::unlock(&db, RunnerLock::SchemaApply).await {
                tracing::warn!("could not release the runner lock: {}", e.message);
            }
        }
        result
    })
}

/// The chooser of partitions' index names, knowing the names the catalog holds.
async fn partition_names(db: &Db, source: &Source, plan: &Plan) -> anyhow::Result<IndexNames> {
    let prefixes = partition_name_prefixes(source, plan);
    Ok(IndexNames::new(
        db::report::taken_names(db, &prefixes).await?,
    ))
}

/// What is attached below each invalid partitioned index the plan found (by declaration), so
/// apply completes it rather than drop and rebuild the whole tree.
async fn attached_trees(db: &Db, plan: &Plan) -> anyhow::Result<Trees> {
    let mut trees = Trees::new();
    for o in &plan.objects {
        let partitioned = o.resolved_table.as_ref().is_some_and(|t| t.partitioned);
        if let (Verdict::Invalid, true, Some(live)) = (o.verdict, partitioned, &o.live) {
            trees.insert(
                o.declaration,
                dbschema::attached_indexes(db, live.oid).await?,
            );
        }
    }
    Ok(trees)
}

/// The indexes attached below an invalid partitioned index, by its declaration.
type Trees = std::collections::HashMap<usize, Vec<dbschema::AttachedIndex>>;

/// --dry-run's status: what the run would earn if every step worked.
fn plan_status(s: &Step) -> Status {
    match s.outcome {
        StepOutcome::Planned => Status::Ok,
        o => o.status(),
    }
}

/// One runner per database: the lock is polled (see `dbschema::poll_lock`), and a second runner names
/// the session that holds it.
async fn take_runner_lock(db: &Db, database: &str, wait: Duration) -> anyhow::Result<()> {
    if dbschema::poll_lock(db, RunnerLock::SchemaApply, wait).await? {
        return Ok(());
    }
    let holder = dbschema::lock_holder(db, RunnerLock::SchemaApply).await?;
    let who = match holder {
        Some(h) => format!(
            "pid {}{}{}{}{}",
            h.pid,
            h.role.map(|r| format!(", role {r}")).unwrap_or_default(),
            h.application
                .filter(|a| !a.is_empty())
                .map(|a| format!(", application \"{a}\""))
                .unwrap_or_default(),
            h.client.map(|c| format!(", from {c}")).unwrap_or_default(),
            h.since
                .map(|s| format!(
                    ", connected since {}",
                    s.with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M:%S %Z")
                ))
                .unwrap_or_default(),
        ),
        None => "a session that has just finished".into(),
    };
    bail!(
        "another pgtune schema apply is running on database {database} ({who}){}",
        super::super::lock_wait_hint(wait)
    );
}

#[allow(clippy::too_many_arguments)]
async fn apply_locked(
    ctx: &Context,
    args: &SchemaApplyArgs,
    target: &crate::conninfo::Target,
    connect: &db::ConnectOptions,
    db: &Db,
    source: &Source,
    session: Vec<String>,
    lock_timeout: Duration,
    terminal: bool,
    started: Instant,
    confirm: Option<&mut Confirm<'_>>,
) -> anyhow::Result<ApplyReport> {
    // Planned under the lock, so no other runner changes the picture between plan and apply.
    let (plan, facts) = gather(db, source).await?;
    let mut names = partition_names(db, source, &plan).await?;
    let trees = attached_trees(db, &plan).await?;
    let mut steps = steps(source, &plan, args, &mut names, &trees);
    let mut report = ApplyReport {
        database: facts.database.clone(),
        server: db.server.clone(),
        dry_run: false,
        session,
        steps: vec![],
        seconds: 0.0,
        status: Status::Ok,
        ended: None,
        declined: false,
    };
    let changes = steps.iter().any(|s| !matches!(s.work, Work::Nothing));
    if changes && !args.confirm.yes {
        // Without a way to ask, refused up front; show what will run and ask.
        report.steps = steps;
        let go = match confirm {
            Some(confirm) => confirm(&plan.objects, &report)?,
            None => false,
        };
        if !go {
            // As `check` does: nothing changed, and the exit code is what `schema plan` says of
            // the database as it still is.
            report.declined = true;
            report.status = plan
                .objects
                .iter()
                .map(|o| o.status)
                .max()
                .unwrap_or(Status::Ok);
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
        steps = std::mem::take(&mut report.steps);
    }
    let interrupt = db::cancel::Interrupt::install()?;
    let mut lost: Option<String> = None;
    if changes {
        let monitor = db::connect(target, connect).await?;
        let pid = dbschema::backend_pid(db).await?;
        if let Err(e) = dbschema::ensure_journal(db).await {
            bail!(
                "cannot create the journal pgtune.schema_journal (nothing was changed): {}",
                e.message
            );
        }
        let client = format!(
            "{}@{}",
            crate::sys::current_user()
                .map(|u| u.name)
                .unwrap_or_else(|| "unknown".into()),
            crate::sys::hostname().unwrap_or_else(|| "unknown".into())
        );
        let executor = Executor {
            db,
            monitor: &monitor,
            pid,
            retries: args.retries,
            lock_timeout,
            client,
            interrupt: &interrupt,
            progress: !ctx.output.quiet && std::io::stderr().is_terminal() && terminal,
            lost: Default::default(),
        };
        for step in steps.iter_mut() {
            if interrupt.raised() || lost.is_some() {
                step.outcome = StepOutcome::NotRun;
                step.detail = Some(if lost.is_some() {
                    "not run: the connection was lost".into()
                } else {
                    "not run: interrupted".into()
                });
                continue;
            }
            executor.run(step).await;
            if executor.main_lost() {
                // The monitor session has already cleaned up and journaled the step (Executor::live).
                lost = Some(format!(
                    "lost the connection to {} during {} {}: {}",
                    db.server,
                    step.kind,
                    step.object,
                    step.detail.as_deref().unwrap_or("failed")
                ));
            }
        }
    }
    report.status = steps
        .iter()
        .map(|s| s.outcome.status())
        .max()
        .unwrap_or(Status::Ok);
    report.steps = steps;
    report.seconds = started.elapsed().as_secs_f64();
    if let Some(lost) = lost {
        // A failed step, not a failure to run: the report says what each step did.
        tracing::error!("{lost}; {}", done_so_far(&report.steps));
        report.status = Status::Critical;
        return Ok(report);
    }
    if interrupt.raised() {
        report.ended = Some(format!(
            "interrupted: the running statement was cancelled and its leftovers dropped; {}",
            done_so_far(&report.steps)
        ));
    }
    Ok(report)
}

fn steps_done(steps: &[Step]) -> Vec<&Step> {
    steps
        .iter()
        .filter(|s| s.outcome == StepOutcome::Done)
        .collect()
}

fn done_so_far(steps: &[Step]) -> String {
    let done = steps_done(steps);
    let left = steps.iter().any(|s| {
        s.detail
            .as_deref()
            .is_some_and(|d| d.contains(" is left invalid "))
    });
    if done.is_empty() && left {
        "no step was completed, and one left an index invalid (see its detail)".into()
    } else if done.is_empty() {
        "nothing was changed".into()
    } else {
        format!(
            "done before it: {} (see pgtune.schema_journal)",
            done.iter()
                .map(|s| s.object.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The steps the plan calls for: extensions first (indexes may need their operator classes), then
/// indexes in file order. Objects already as declared need no step.
fn steps(
    source: &Source,
    plan: &Plan,
    args: &SchemaApplyArgs,
    names: &mut IndexNames,
    trees: &Trees,
) -> Vec<Step> {
    let mut out = Vec::new();
    let order = plan
        .objects
        .iter()
        .filter(|o| o.kind == Kind::Extension)
        .chain(plan.objects.iter().filter(|o| o.kind == Kind::Index));
    for o in order {
        if o.verdict == Verdict::Ok {
            continue;
        }
        let step = match &source.declarations[o.declaration] {
            Declaration::Extension(e) => extension_step(o, e, args),
            Declaration::Index(ix) => index_step(o, ix, args, names, trees.get(&o.declaration)),
        };
        out.push(step);
    }
    out
}

fn step(o: &ObjectPlan, action: &'static str, why: String, work: Work, checksum: &str) -> Step {
    let statements = match &work {
        Work::Extension { statement } => vec![
            crate::sql::statement::BEGIN.into(),
            statement.clone(),
            crate::sql::statement::COMMIT.into(),
        ],
        Work::Build {
            drop_first,
            statement,
            ..
        } => drop_first.iter().chain([statement]).cloned().collect(),
        Work::Rebuild {
            schema,
            name,
            statement,
            partitioned,
        } => {
            let (new, old) = rebuild_names(name);
            let [to_old, to_name] = swap(schema, name);
            vec![
                drop_ours(schema, &new, *partitioned),
                drop_ours(schema, &old, *partitioned),
                statement.clone(),
                crate::sql::statement::BEGIN.into(),
                to_old,
                to_name,
                crate::sql::statement::COMMIT.into(),
                drop_ours(schema, &old, *partitioned),
            ]
        }
        Work::BuildPartitioned {
            drop_first, parts, ..
        } => drop_first
            .iter()
            .cloned()
            .chain(parts.iter().map(|p| p.text().to_string()))
            .collect(),
        Work::Nothing => vec![],
    };
    let outcome = match work {
        Work::Nothing if o.status == Status::Critical => StepOutcome::Refused,
        Work::Nothing => StepOutcome::Left,
        _ => StepOutcome::Planned,
    };
    Step {
        kind: match o.kind {
            Kind::Extension => "extension",
            Kind::Index => "index",
        },
        object: o.name.clone(),
        raw: o.raw.clone(),
        at: o.at.clone(),
        action,
        why,
        statements,
        outcome,
        seconds: 0.0,
        attempts: 0,
        detail: None,
        bytes: None,
        work,
        checksum: checksum.to_string(),
    }
}

/// The drop of an index of pgtune's own making (a rebuild's copy): concurrently, except on a
/// partitioned table, where PostgreSQL refuses it.
fn drop_ours(schema: &str, name: &str, partitioned: bool) -> String {
    if partitioned {
        ddl::drop_partitioned_index(schema, name)
    } else {
        ddl::drop_index_concurrently(schema, name)
    }
}

/// A rebuild's names: the index built beside `name`, and the one `name` is renamed to.
fn rebuild_names(name: &str) -> (String, String) {
    (
        ddl::with_suffix(name, ddl::NEW_SUFFIX),
        ddl::with_suffix(name, ddl::OLD_SUFFIX),
    )
}

/// A rebuild's swap, in one transaction: `name` to the old name, the new index to `name`.
fn swap(schema: &str, name: &str) -> [String; 2] {
    let (new, old) = rebuild_names(name);
    [
        ddl::rename_index(schema, name, &old),
        ddl::rename_index(schema, &new, name),
    ]
}

fn differences(o: &ObjectPlan) -> String {
    o.differences
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn extension_step(o: &ObjectPlan, e: &ExtensionDecl, args: &SchemaApplyArgs) -> Step {
    let verdict_why = || o.detail.clone().unwrap_or_else(|| o.verdict.name().into());
    match o.verdict {
        Verdict::Missing => step(
            o,
            "create",
            "missing".into(),
            Work::Extension {
                statement: ddl::create_extension(e),
            },
            &e.checksum,
        ),
        Verdict::Differs => {
            let version = o.differences.iter().find(|d| d.aspect == "version");
            let schema_moved = o.differences.iter().any(|d| d.aspect == "schema");
            match (version, schema_moved, args.rebuild_changed) {
                (Some(v), false, true) => step(
                    o,
                    "update",
                    format!("differs: {}", differences(o)),
                    Work::Extension { statement: ddl::update_extension(&e.name, &v.declared) },
                    &e.checksum,
                ),
                (_, true, _) => step(o, "none", format!("differs: {}; pgtune does not move an installed extension to another schema (ALTER EXTENSION ... SET SCHEMA moves its objects under their users)", differences(o)), Work::Nothing, &e.checksum),
                _ => step(o, "none", format!("differs: {}; updated only with --rebuild-changed", differences(o)), Work::Nothing, &e.checksum),
            }
        }
        _ => step(o, "none", verdict_why(), Work::Nothing, &e.checksum),
    }
}

fn index_step(
    o: &ObjectPlan,
    ix: &IndexDecl,
    args: &SchemaApplyArgs,
    names: &mut IndexNames,
    tree: Option<&Vec<dbschema::AttachedIndex>>,
) -> Step {
    let verdict_why = || {
        format!(
            "{}{}",
            o.verdict.name(),
            o.detail
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        )
    };
    let (Some(table), Some(name)) = (&o.resolved_table, &ix.name) else {
        return step(o, "none", verdict_why(), Work::Nothing, &ix.checksum);
    };
    let concurrently = !args.no_concurrently;
    // A unique tree with an invalid partition index attached (a failed unique build: duplicate
    // keys) is not dropped to be rebuilt: its uniqueness would be gone meanwhile, and for good when
    // the rebuild fails on the same duplicates.
    let broken: Vec<String> = tree
        .map(|t| {
            t.iter()
                .filter(|a| !a.partitioned && !a.valid)
                .map(|a| ddl::qualified(&a.schema, &a.index))
                .collect()
        })
        .unwrap_or_default();
    if ix.unique && o.verdict == Verdict::Invalid && !broken.is_empty() {
        return step(
            o,
            "none",
            format!(
                "{}; its partition index {} is attached but invalid (a failed unique build: duplicate keys?), and pgtune does not drop a unique index tree to rebuild it (uniqueness would be lost meanwhile, and for good if the rebuild fails): remove the duplicates, then run {}",
                verdict_why(),
                broken.join(", "),
                broken
                    .iter()
                    .map(|b| format!("{};", crate::sql::statement::reindex_index(b, true)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Work::Nothing,
            &ix.checksum,
        );
    }
    let completing = match tree {
        Some(tree) if concurrently && o.verdict == Verdict::Invalid => completion(tree, table),
        _ => None,
    };
    if let Some(attached) = completing {
        return step(
            o,
            "complete per partition",
            verdict_why(),
            Work::BuildPartitioned {
                drop_first: None,
                schema: table.schema.clone(),
                name: name.clone(),
                parts: partitioned_build(ix, table, name, names, Some(&attached)),
            },
            &ix.checksum,
        );
    }
    if table.partitioned && matches!(o.verdict, Verdict::Missing | Verdict::Invalid) {
        let invalid = o.verdict == Verdict::Invalid;
        let drop_first = invalid.then(|| ddl::drop_partitioned_index(&table.schema, name));
        let work = if concurrently {
            Work::BuildPartitioned {
                drop_first,
                schema: table.schema.clone(),
                name: name.clone(),
                parts: partitioned_build(ix, table, name, names, None),
            }
        } else {
            Work::BuildPartitioned {
                drop_first,
                schema: table.schema.clone(),
                name: name.clone(),
                parts: vec![TreeStatement::Ddl(ddl::create_index(
                    ix, table, name, false,
                ))],
            }
        };
        return step(
            o,
            if invalid {
                "drop invalid, build per partition"
            } else {
                "build per partition"
            },
            verdict_why(),
            work,
            &ix.checksum,
        );
    }
    if concurrently && table.partitioned && o.verdict == Verdict::Differs {
        // Left as it is, with the fix said (a warning, as any finding this command cannot fix).
        return Step {
            outcome: StepOutcome::Left,
            ..step(o, "none", format!("{}: a partitioned index is not rebuilt in place (PostgreSQL builds none CONCURRENTLY, and a swap of names would leave its partitions' indexes attached to the old one); drop it and apply again to build it partition by partition, or pass --no-concurrently to accept a write lock", differences(o)), Work::Nothing, &ix.checksum)
        };
    }
    match o.verdict {
        Verdict::Missing | Verdict::Invalid => {
            let invalid = o.verdict == Verdict::Invalid;
            step(
                o,
                if invalid {
                    "drop invalid, build"
                } else {
                    "build"
                },
                verdict_why(),
                Work::Build {
                    drop_first: invalid.then(|| ddl::drop_index_concurrently(&table.schema, name)),
                    schema: table.schema.clone(),
                    name: name.clone(),
                    concurrently,
                    statement: ddl::create_index(ix, table, name, concurrently),
                },
                &ix.checksum,
            )
        }
        Verdict::Differs => {
            let live = o.live.as_ref();
            let elsewhere = o.differences.iter().any(|d| d.aspect == "table");
            if let Some(c) = live.and_then(|l| l.constraint.as_ref()) {
                step(o, "none", format!("differs: {}; it backs constraint {c}, so it is changed through the constraint, not rebuilt here", differences(o)), Work::Nothing, &ix.checksum)
            } else if elsewhere {
                step(
                    o,
                    "none",
                    format!(
                        "differs: {}; an index of that name on another table is never replaced",
                        differences(o)
                    ),
                    Work::Nothing,
                    &ix.checksum,
                )
            } else if !args.rebuild_changed {
                step(
                    o,
                    "none",
                    format!(
                        "differs: {}; rebuilt only with --rebuild-changed",
                        differences(o)
                    ),
                    Work::Nothing,
                    &ix.checksum,
                )
            } else {
                let new = ddl::with_suffix(name, ddl::NEW_SUFFIX);
                step(
                    o,
                    "rebuild",
                    format!("differs: {}", differences(o)),
                    Work::Rebuild {
                        schema: table.schema.clone(),
                        name: name.clone(),
                        statement: ddl::create_index(ix, table, &new, concurrently),
                        partitioned: table.partitioned,
                    },
                    &ix.checksum,
                )
            }
        }
        _ => step(o, "none", verdict_why(), Work::Nothing, &ix.checksum),
    }
}

/// The documented way to index a partitioned table without blocking writes: ON ONLY the table and
/// each partitioned partition, concurrently on each leaf, each attached to its parent's index.
/// Partitions' index names are the ones PostgreSQL would choose, free in the catalog and the run.
/// With `attached` (the invalid index `name` exists, these partitions have theirs), only what is
/// missing is built and attached: the tree is completed, not dropped and built again.
fn partitioned_build(
    ix: &IndexDecl,
    table: &TableRef,
    name: &str,
    names: &mut IndexNames,
    attached: Option<&std::collections::HashMap<(String, String), String>>,
) -> Vec<TreeStatement> {
    let create = |schema: &str, t: &str, n: &str, only: bool, concurrently: bool| {
        let mut decl = ix.clone();
        decl.only = only;
        let part = TableRef {
            oid: 0,
            schema: schema.to_string(),
            name: t.to_string(),
            partitioned: only,
            partitions: vec![],
            partition_key: None,
        };
        ddl::create_index(&decl, &part, n, concurrently)
    };
    let mut parts = match attached {
        Some(_) => vec![],
        None => vec![TreeStatement::Ddl(create(
            &table.schema,
            &table.name,
            name,
            true,
            false,
        ))],
    };
    parts.extend(crate::partition::complete_partitions(
        (&table.schema, &table.name),
        name,
        &table.partitions,
        attached.unwrap_or(&Default::default()),
        &mut |schema, t| names.choose_for_partition(schema, t, name),
        &create,
    ));
    parts
}

/// How an invalid partitioned index is completed: the partitions that have their index attached
/// (by (schema, table)), when every attached leaf index is valid (an invalid one is not made valid
/// by attaching more) and something is missing; else None, and it is dropped and built again.
fn completion(
    tree: &[dbschema::AttachedIndex],
    table: &TableRef,
) -> Option<std::collections::HashMap<(String, String), String>> {
    if tree.iter().any(|a| !a.partitioned && !a.valid) {
        return None;
    }
    let attached: std::collections::HashMap<(String, String), String> = tree
        .iter()
        .map(|a| ((a.schema.clone(), a.table.clone()), a.index.clone()))
        .collect();
    let missing = table
        .partitions
        .iter()
        .any(|p| !attached.contains_key(&(p.schema.clone(), p.name.clone())));
    missing.then_some(attached)
}

/// (schema, prefix) of every name `partitioned_build` may choose for the plan's partitions.
fn partition_name_prefixes(source: &Source, plan: &Plan) -> Vec<(String, String)> {
    plan.objects
        .iter()
        .filter_map(
            |o| match (&source.declarations[o.declaration], &o.resolved_table) {
                (Declaration::Index(ix), Some(t)) if t.partitioned => Some((ix, t)),
                _ => None,
            },
        )
        .flat_map(|(ix, t)| {
            let parent = ix.name.clone().unwrap_or_default();
            t.partitions.iter().map(move |p| {
                (
                    p.schema.clone(),
                    crate::pgname::partition_catalog_prefix(&p.name, &parent),
                )
            })
        })
        .collect()
}

struct Executor<'a> {
    db: &'a Db,
    monitor: &'a Db,
    pid: i32,
    retries: u32,
    lock_timeout: Duration,
    client: String,
    interrupt: &'a db::cancel::Interrupt,
    progress: bool,
    /// The main session's backend is gone (terminated, or the connection closed).
    lost: Cell<bool>,
}

/// A step's detail when an interrupt stopped it.
const INTERRUPTED: &str = "interrupted (Ctrl-C or SIGTERM): cancelled, leftovers dropped";

/// Why a step stopped.
enum Stop {
    Failed(String),
    /// Still locked after every retry, with nothing left changed: left for the next run, as the
    /// maintenance commands leave a locked relation (a warning).
    Locked(String),
    Interrupted,
}

impl Executor<'_> {
    /// Runs the step's statements, exactly the list its dry run shows, through the one runner:
    /// lock timeouts retried `--retries` times, an interrupt cancelling the running statement.
    async fn run(&self, step: &mut Step) {
        if matches!(step.work, Work::Nothing) {
            return;
        }
        let started = Instant::now();
        let mut attempts = 0;
        let (result, ran) = {
            let events = StepEvents::new(self, step, started);
            let result = match self
                .runner()
                .run_heard(&step.statements, &mut attempts, &events)
                .await
            {
                Ok(()) => self.check_built(&step.work).await,
                Err(stopped) => Err({
                    let stop = self.stopped(stopped, attempts);
                    match &step.work {
                        // A partition's build failed or was interrupted: the tree's index, once
                        // made, stays invalid (never half-attached and valid), and the report says so.
                        Work::BuildPartitioned {
                            drop_first,
                            schema,
                            name,
                            ..
                        } if drop_first.is_none() || events.stopped_at.get() != Some(0) => {
                            self.left_invalid(stop, schema, name).await
                        }
                        // Locked at the drop of the old index, after the swap: the new one is in
                        // place and the old one left over, not a step left as it was.
                        Work::Rebuild { .. }
                            if events.stopped_at.get() == Some(step.statements.len() - 1) =>
                        {
                            match stop {
                                Stop::Locked(m) => Stop::Failed(m),
                                other => other,
                            }
                        }
                        _ => stop,
                    }
                }),
            };
            (result, events.ran.take())
        };
        step.seconds = started.elapsed().as_secs_f64();
        step.attempts = attempts;
        let (outcome, error) = match result {
            Ok(bytes) => {
                step.bytes = bytes;
                (StepOutcome::Done, None)
            }
            Err(Stop::Failed(message)) => (StepOutcome::Failed, Some(message)),
            Err(Stop::Locked(message)) => (StepOutcome::Left, Some(message)),
            Err(Stop::Interrupted) => (StepOutcome::Failed, Some(INTERRUPTED.to_string())),
        };
        step.outcome = outcome;
        step.detail = error.clone();
        // A reason that waited for the extensions, or for a definition the plan could not check,
        // is stale now that the build itself has run (its detail says how it went).
        if let Some(verdict) = step
            .why
            .split_once(": ")
            .filter(|(_, rest)| {
                use crate::schema::plan::{CHECKED_AFTER_EXTENSIONS, NOT_CHECKED};
                rest.starts_with(CHECKED_AFTER_EXTENSIONS) || rest.starts_with(NOT_CHECKED)
            })
            .map(|(verdict, _)| verdict.to_string())
        {
            step.why = verdict;
        }
        // An extension's "done" row committed with it (StepEvents::committing).
        if !matches!(step.work, Work::Extension { .. }) || outcome != StepOutcome::Done {
            self.journal(
                step,
                &ran,
                match outcome {
                    StepOutcome::Done => "done",
                    StepOutcome::Left => "locked",
                    _ => "failed",
                },
                error.as_deref(),
            )
            .await;
        }
    }

    fn runner(&self) -> Runner<'_> {
        Runner {
            db: self.db,
            label: "schema apply",
            retry: LockRetry {
                retries: self.retries,
                interrupt: Some(self.interrupt),
            },
            cancel: Some(Cancel {
                monitor: self.monitor,
                pid: self.pid,
                interrupt: self.interrupt,
            }),
        }
    }

    /// A cleanup DROP through the live session, retried on lock timeouts: the runner, without the
    /// interrupt, which must not cancel the cleanup it asked for. What ran is added to `ran`.
    async fn drop_retrying(
        &self,
        statement: String,
        ran: &RefCell<Vec<String>>,
    ) -> Result<(), QueryError> {
        let runner = Runner {
            db: self.live(),
            label: "schema apply",
            retry: LockRetry {
                retries: self.retries,
                interrupt: None,
            },
            cancel: None,
        };
        let mut attempts = 0;
        runner
            .run_heard(&[statement], &mut attempts, &Ran(ran))
            .await
            .map_err(|stopped| match stopped {
                Stopped::Failed(e) => e,
                Stopped::Interrupted => unreachable!("no interrupt ends this run"),
            })
    }

    /// A partitioned build that stopped: what it left, when the tree's index was made.
    async fn left_invalid(&self, stop: Stop, schema: &str, name: &str) -> Stop {
        let (message, locked) = match stop {
            Stop::Failed(m) => (m, false),
            Stop::Locked(m) => (m, true),
            Stop::Interrupted => (INTERRUPTED.to_string(), false),
        };
        match dbschema::index_state(self.live(), schema, name).await {
            Ok(Some((false, _, _))) => Stop::Failed(format!(
                "{message}; {} is left invalid until every partition's index is attached: apply again drops and rebuilds it",
                ddl::qualified(schema, name)
            )),
            _ if locked => Stop::Locked(message),
            _ => Stop::Failed(message),
        }
    }

    /// After the statements ran: the index the step built is valid (its size for the report).
    async fn check_built(&self, work: &Work) -> Result<Option<i64>, Stop> {
        let (schema, name, partitioned) = match work {
            Work::Build { schema, name, .. } | Work::Rebuild { schema, name, .. } => {
                (schema, name, false)
            }
            Work::BuildPartitioned { schema, name, .. } => (schema, name, true),
            Work::Extension { .. } | Work::Nothing => return Ok(None),
        };
        match dbschema::index_state(self.db, schema, name).await {
            Ok(Some((true, true, bytes))) => Ok(Some(bytes)),
            Ok(_) if partitioned => Err(Stop::Failed(format!(
                "every partition's index was built and attached, yet {} is not valid",
                ddl::qualified(schema, name)
            ))),
            Ok(_) => Err(Stop::Failed(format!(
                "the index {} is not valid after its build",
                ddl::qualified(schema, name)
            ))),
            Err(e) => Err(Stop::Failed(e.message)),
        }
    }

    fn entry<'s>(
        &'s self,
        step: &'s Step,
        seconds: f64,
        outcome: &'s str,
        error: Option<&'s str>,
    ) -> JournalEntry<'s> {
        JournalEntry {
            client: &self.client,
            object_kind: step.kind,
            object_name: &step.object,
            action: step.action,
            statement: step
                .statements
                .iter()
                .map(|s| format!("{s};\n"))
                .collect::<String>(),
            file: Some(step.at.file.display().to_string()),
            line: i32::try_from(step.at.line).ok(),
            checksum: Some(&step.checksum),
            duration_ms: (seconds * 1000.0) as i64,
            outcome,
            error,
        }
    }

    /// The session to clean up and journal through: the main one, or the monitor once the main one
    /// is gone (its backend killed, say), so a lost connection still leaves no leftover and a row.
    fn live(&self) -> &Db {
        if self.main_lost() {
            self.monitor
        } else {
            self.db
        }
    }

    fn main_lost(&self) -> bool {
        self.lost.get() || self.db.is_closed()
    }

    /// The step's row: the statements that ran (`ran`: retries, rollbacks and cleanups included),
    /// which for a step that stopped are not the plan.
    async fn journal(&self, step: &Step, ran: &[String], outcome: &str, error: Option<&str>) {
        let entry = JournalEntry {
            statement: ran.iter().map(|s| format!("{s};\n")).collect::<String>(),
            ..self.entry(step, step.seconds, outcome, error)
        };
        if let Err(e) = dbschema::record(self.live(), &entry).await {
            tracing::warn!(
                "could not record {} {} in pgtune.schema_journal: {}",
                step.kind,
                step.object,
                e.message
            );
        }
    }

    /// What a run's end without success means for the step.
    fn stopped(&self, stopped: Stopped, attempts: u32) -> Stop {
        match stopped {
            _ if self.interrupt.raised() => Stop::Interrupted,
            Stopped::Interrupted => Stop::Interrupted,
            Stopped::Failed(e) if e.is_lock_timeout() => Stop::Locked(format!(
                "still locked after {attempts} attempts of {} each: {}",
                crate::units::format_duration(self.lock_timeout),
                e.message
            )),
            Stopped::Failed(e) => Stop::Failed(e.message),
        }
    }

    /// Drops the invalid index a failed concurrent build leaves, and says what was left: `None`
    /// when there was nothing, else "its invalid leftover ... was dropped" or how to drop it, and
    /// whether nothing of the build is left (false: a retry would only meet the leftover).
    async fn drop_leftover(
        &self,
        schema: &str,
        name: &str,
        ran: &RefCell<Vec<String>>,
    ) -> Option<(String, bool)> {
        let db = self.live();
        let qualified = ddl::qualified(schema, name);
        match dbschema::index_state(db, schema, name).await {
            Ok(Some((valid, ready, _))) if !(valid && ready) => {
                let statement = ddl::drop_index_concurrently(schema, name);
                match self.drop_retrying(statement.clone(), ran).await {
                    Ok(()) => Some((format!("its invalid leftover {qualified} was dropped"), true)),
                    Err(e) => {
                        let left = format!(
                            "its invalid leftover {qualified} is still there ({}): drop it with {statement}",
                            e.message
                        );
                        tracing::warn!("{left}");
                        Some((left, false))
                    }
                }
            }
            Ok(_) => None,
            Err(e) => Some((
                format!(
                    "could not check for an invalid leftover {qualified} ({}): look for it with \\d {qualified}",
                    e.message
                ),
                false,
            )),
        }
    }

    /// Drops an index of ours that was built but never swapped in.
    async fn drop_unswapped(
        &self,
        schema: &str,
        name: &str,
        partitioned: bool,
        ran: &RefCell<Vec<String>>,
    ) {
        let statement = drop_ours(schema, name, partitioned);
        if let Err(e) = self.drop_retrying(statement.clone(), ran).await {
            tracing::warn!(
                "could not drop {}: {}; drop it with {statement}",
                ddl::qualified(schema, name),
                e.message
            );
        }
    }

    /// Names the transactions old enough to stall a concurrent build, each once per step.
    async fn warn_old_transactions(&self, warned: &mut Vec<i32>) {
        let secs = self.lock_timeout.as_secs_f64();
        match dbschema::old_transactions(self.monitor, secs).await {
            Ok(old) => {
                for t in old {
                    if warned.contains(&t.pid) {
                        continue;
                    }
                    warned.push(t.pid);
                    tracing::warn!(
                        "pid {} (role {}{}, {}) has had a transaction open for {}: a concurrent build waits for it, and gives up after --lock-timeout",
                        t.pid,
                        t.role,
                        if t.application.is_empty() { String::new() } else { format!(", application \"{}\"", t.application) },
                        t.state,
                        crate::units::format_duration(Duration::from_secs_f64(t.seconds))
                    );
                }
            }
            Err(e) => tracing::debug!("could not look for old transactions: {}", e.message),
        }
    }
}

/// An index build among a step's statements: what a failed try leaves is dropped before a retry
/// and before giving up, and a try the server took still fails unless the index is valid.
struct BuildStatement<'s> {
    statement: &'s str,
    schema: &'s str,
    name: String,
    /// A failed concurrent build leaves an invalid index behind; a plain one leaves nothing.
    concurrently: bool,
}

/// What the runner tells of one step: progress on a terminal, old transactions that stall a build,
/// leftovers of a failed build dropped, the unswapped index of a failed swap dropped, and an
/// extension's journal row committed with it.
struct StepEvents<'e> {
    exec: &'e Executor<'e>,
    step: &'e Step,
    started: Instant,
    builds: Vec<BuildStatement<'e>>,
    /// A rebuild's swap: its renames, and the new index to drop when the swap gives up.
    swap: Option<([String; 2], &'e str, String, bool)>,
    warned: RefCell<Vec<i32>>,
    bar: RefCell<Option<indicatif::ProgressBar>>,
    /// Every statement sent for the step, in order (tries, rollbacks, cleanups): its journal row.
    ran: RefCell<Vec<String>>,
    /// Where in the step's statements the unit the run stopped at begins.
    stopped_at: Cell<Option<usize>>,
}

impl<'e> StepEvents<'e> {
    fn new(exec: &'e Executor<'e>, step: &'e Step, started: Instant) -> StepEvents<'e> {
        let mut builds = Vec::new();
        let mut swap_of = None;
        match &step.work {
            Work::Build {
                schema,
                name,
                concurrently,
                statement,
                ..
            } => builds.push(BuildStatement {
                statement,
                schema,
                name: name.clone(),
                concurrently: *concurrently,
            }),
            Work::Rebuild {
                schema,
                name,
                statement,
                partitioned,
            } => {
                let (new, _) = rebuild_names(name);
                builds.push(BuildStatement {
                    statement,
                    schema,
                    name: new.clone(),
                    // A plain build of a partitioned index leaves nothing when it fails.
                    concurrently: !partitioned,
                });
                swap_of = Some((swap(schema, name), schema.as_str(), new, *partitioned));
            }
            Work::BuildPartitioned { parts, .. } => {
                builds.extend(parts.iter().filter_map(|p| match p {
                    TreeStatement::Concurrent {
                        schema,
                        name,
                        statement,
                    } => Some(BuildStatement {
                        statement,
                        schema,
                        name: name.clone(),
                        concurrently: true,
                    }),
                    TreeStatement::Ddl(_) => None,
                }))
            }
            Work::Extension { .. } | Work::Nothing => {}
        }
        StepEvents {
            exec,
            step,
            started,
            builds,
            swap: swap_of,
            warned: RefCell::default(),
            bar: RefCell::default(),
            stopped_at: Cell::default(),
            ran: RefCell::default(),
        }
    }

    fn build(&self, statement: &str) -> Option<&BuildStatement<'e>> {
        self.builds.iter().find(|b| b.statement == statement)
    }
}

impl Events for StepEvents<'_> {
    async fn starting(&self, statement: &str) -> Result<(), QueryError> {
        if self.build(statement).is_some() {
            let mut warned = self.warned.take();
            self.exec.warn_old_transactions(&mut warned).await;
            self.warned.replace(warned);
        }
        if self.exec.progress {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(first_line(statement));
            self.bar.replace(Some(bar));
        }
        Ok(())
    }

    async fn running(&self, statement: &str) {
        if self.bar.borrow().is_none() {
            return;
        }
        let progress = dbschema::progress(self.exec.monitor, self.exec.pid).await;
        if let Some(bar) = &*self.bar.borrow() {
            if let Ok(Some(p)) = progress {
                bar.set_message(format!(
                    "{} — {}{}",
                    first_line(statement),
                    p.phase,
                    percent(&p)
                ));
            }
            bar.tick();
        }
    }

    async fn finished(&self, statement: &str, result: &mut Result<(), QueryError>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if matches!(result, Err(e) if e.is_connection_lost()) {
            self.exec.lost.set(true);
        }
        let Some(build) = self.build(statement) else {
            return;
        };
        let exec = self.exec;
        match result {
            Err(e) if build.concurrently => {
                if let Some((left, clean)) = exec
                    .drop_leftover(build.schema, &build.name, &self.ran)
                    .await
                {
                    e.message.push_str(&format!("; {left}"));
                    if !clean {
                        // Not retried (a retry would fail on the leftover's name), and not "left
                        // for the next run" either: the leftover is what the step left.
                        e.code = None;
                    }
                }
            }
            Err(_) => {}
            Ok(()) => match dbschema::index_state(exec.db, build.schema, &build.name).await {
                Ok(Some((true, true, _))) => {}
                Ok(_) => {
                    let left = exec
                        .drop_leftover(build.schema, &build.name, &self.ran)
                        .await;
                    *result = Err(QueryError::verdict(
                        exec.db,
                        "schema apply",
                        format!(
                            "the build reported success but the index is not valid{}",
                            left.map(|(l, _)| format!("; {l}")).unwrap_or_default()
                        ),
                    ));
                }
                Err(e) => *result = Err(e),
            },
        }
    }

    async fn committing(&self) -> Result<(), QueryError> {
        if !matches!(self.step.work, Work::Extension { .. }) {
            return Ok(());
        }
        let entry = self.exec.entry(
            self.step,
            self.started.elapsed().as_secs_f64(),
            "done",
            None,
        );
        dbschema::record(self.exec.db, &entry).await
    }

    fn executed(&self, statement: &str) {
        self.ran.borrow_mut().push(statement.to_string());
    }

    async fn gave_up(&self, at: usize, unit: &[String]) {
        match &self.swap {
            Some((renames, schema, new, partitioned))
                if unit.iter().any(|s| renames.contains(s)) =>
            {
                self.exec
                    .drop_unswapped(schema, new, *partitioned, &self.ran)
                    .await;
            }
            _ => {}
        }
        self.stopped_at.set(Some(at));
    }
}

/// A cleanup's events: only what it ran, for the step's journal row.
struct Ran<'r>(&'r RefCell<Vec<String>>);

impl Events for Ran<'_> {
    fn executed(&self, statement: &str) {
        self.0.borrow_mut().push(statement.to_string());
    }
}

fn percent(p: &dbschema::BuildProgress) -> String {
    if p.blocks_total > 0 {
        format!(" {}%", p.blocks_done * 100 / p.blocks_total)
    } else if p.tuples_total > 0 {
        format!(" {}%", p.tuples_done * 100 / p.tuples_total)
    } else {
        String::new()
    }
}

fn first_line(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(70) {
        Some((i, _)) => format!("{}...", &flat[..i]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Location;

    fn object(kind: Kind, name: &str, status: Status) -> ObjectPlan {
        ObjectPlan {
            kind,
            name: name.into(),
            table: None,
            raw: Default::default(),
            at: Location {
                file: "db/idx.sql".into(),
                line: 3,
                column: 1,
            },
            verdict: Verdict::Differs,
            status,
            differences: vec![],
            detail: None,
            declaration: 0,
            live: None,
            resolved_table: None,
        }
    }

    #[test]
    fn a_rebuild_is_listed_statement_by_statement_as_it_runs() {
        let (schema, name) = ("Tenant \"A\"", "Idx \"Weird\" Qty");
        let build = "CREATE INDEX CONCURRENTLY \"Idx \"\"Weird\"\" Qty_pgtune_new\" ON t (a)";
        let s = step(
            &object(Kind::Index, &ddl::qualified(schema, name), Status::Warning),
            "rebuild",
            "differs".into(),
            Work::Rebuild {
                schema: schema.into(),
                name: name.into(),
                statement: build.into(),
                partitioned: false,
            },
            "ck",
        );
        let q = "\"Tenant \"\"A\"\"\"";
        assert_eq!(
            s.statements,
            [
                format!("DROP INDEX CONCURRENTLY IF EXISTS {q}.\"Idx \"\"Weird\"\" Qty_pgtune_new\""),
                format!("DROP INDEX CONCURRENTLY IF EXISTS {q}.\"Idx \"\"Weird\"\" Qty_pgtune_old\""),
                build.to_string(),
                "BEGIN".to_string(),
                format!("ALTER INDEX {q}.\"Idx \"\"Weird\"\" Qty\" RENAME TO \"Idx \"\"Weird\"\" Qty_pgtune_old\""),
                format!("ALTER INDEX {q}.\"Idx \"\"Weird\"\" Qty_pgtune_new\" RENAME TO \"Idx \"\"Weird\"\" Qty\""),
                "COMMIT".to_string(),
                format!("DROP INDEX CONCURRENTLY IF EXISTS {q}.\"Idx \"\"Weird\"\" Qty_pgtune_old\""),
            ]
        );
        assert_eq!(s.outcome, StepOutcome::Planned);
    }

    #[test]
    fn an_extension_runs_in_its_own_transaction_and_nothing_to_do_is_left_or_refused() {
        let create = ddl::create_extension(&crate::schema::ExtensionDecl {
            name: "pg_trgm".into(),
            schema: Some("ext s".into()),
            version: None,
            cascade: true,
            if_not_exists: true,
            at: Location {
                file: "db/ext.sql".into(),
                line: 1,
                column: 1,
            },
            checksum: String::new(),
        });
        assert_eq!(
            create,
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA \"ext s\" CASCADE"
        );
        let s = step(
            &object(Kind::Extension, "pg_trgm", Status::Warning),
            "create",
            "missing".into(),
            Work::Extension {
                statement: create.clone(),
            },
            "ck",
        );
        assert_eq!(
            s.statements,
            ["BEGIN".to_string(), create, "COMMIT".to_string()]
        );
        let left = step(
            &object(Kind::Index, "public.i", Status::Ok),
            "none",
            "ok".into(),
            Work::Nothing,
            "ck",
        );
        assert!(left.statements.is_empty());
        assert_eq!(left.outcome, StepOutcome::Left);
        let refused = step(
            &object(Kind::Index, "public.i", Status::Critical),
            "none",
            "rejected".into(),
            Work::Nothing,
            "ck",
        );
        assert_eq!(refused.outcome, StepOutcome::Refused);
    }
}
