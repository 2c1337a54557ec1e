//! `pgtune schema plan|verify|apply`: the declared extensions and indexes against a live database.
//! `gather` is shared: it reads the files, the catalog, and builds every declared index on a shadow
//! table so PostgreSQL itself normalises the definitions it then compares.

pub mod apply;

use std::collections::HashMap;

use crate::cli::SchemaFiles;
use crate::context::Context;
use crate::db::{self, schema::ShadowRequest, Db};
pub use crate::model::schema::{Mode, SchemaReport, Summary};
use crate::outcome::Status;
use crate::schema::plan::{self, Facts, Plan};
use crate::schema::{ddl, source, Declaration, LintLevel, Source};

/// `pgtune schema plan` and `verify`: the declared files against the database.
pub fn plan_or_verify(
    ctx: &Context,
    files: &SchemaFiles,
    mode: Mode,
) -> anyhow::Result<SchemaReport> {
    let source = source::load(&files.paths)?;
    let target = ctx.target()?;
    let (mut plan, database, server) = db::runtime()?.block_on(async {
        let db = db::connect(&target, &ctx.read_only()).await?;
        let (plan, facts) = gather(&db, &source).await?;
        anyhow::Ok((plan, facts.database, db.server.clone()))
    })?;
    if let Mode::Verify { strict } = mode {
        for o in &mut plan.objects {
            o.status = o.verdict.verify_status();
        }
        if strict {
            for e in &mut plan.extra {
                e.status = Status::Critical;
            }
        }
    }
    // Plan judges the files too: an unmanageable declaration is critical, a lint a warning. Verify
    // judges the database; warnings are only shown, but an error in the files fails it too: a
    // statement PostgreSQL would refuse (a typo'd CREATE INDEX) declares nothing verifiable.
    let warning = match mode {
        Mode::Plan => Status::Warning,
        Mode::Verify { .. } => Status::Ok,
    };
    let lint_status = source
        .lints
        .iter()
        .map(|l| match l.level {
            LintLevel::Error => Status::Critical,
            LintLevel::Warning | LintLevel::OutOfScope => warning,
        })
        .max()
        .unwrap_or(Status::Ok);
    let status = plan
        .objects
        .iter()
        .map(|o| o.status)
        .chain(plan.extra.iter().map(|e| e.status))
        .chain([lint_status])
        .max()
        .unwrap_or(Status::Ok);
    Ok(SchemaReport {
        mode,
        database,
        server,
        files: source::collect_files(&files.paths)?,
        status,
        summary: Summary::of(&plan, &source.lints),
        plan,
        lints: source.lints,
    })
}

/// How often a declared table locked elsewhere is looked at before it is judged without its
/// definitions (`unverified`, naming the holder).
const LOCK_ATTEMPTS: u32 = 3;

/// The declared tables another session holds (or queues for) in ACCESS EXCLUSIVE mode, after
/// waiting with backoff for them to be released.
async fn wait_for_table_locks(
    db: &Db,
    tables: &[u32],
) -> Result<Vec<db::schema::TableLock>, db::QueryError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let locks = db::schema::locked_tables(db, tables).await?;
        if locks.is_empty() || attempt >= LOCK_ATTEMPTS {
            return Ok(locks);
        }
        let pause = crate::db::retry::backoff(attempt);
        tracing::info!(
            "{} declared table(s) locked by another session; looking again in {pause:?}",
            locks.len()
        );
        tokio::time::sleep(pause).await;
    }
}

/// The live indexes, and the shadow builds of the declarations, leaving out tables in `locks`.
async fn read_indexes_and_shadows(
    db: &Db,
    source: &Source,
    server: &db::schema::ServerFacts,
    indexes: &[(usize, &crate::schema::IndexDecl)],
    table_oids: &[u32],
    locks: &[db::schema::TableLock],
    facts: &mut Facts,
) -> Result<(), db::QueryError> {
    let locked: Vec<u32> = locks.iter().map(|l| l.table_oid).collect();
    let (schemas, names): (Vec<String>, Vec<String>) = indexes
        .iter()
        .filter_map(|(i, ix)| Some((facts.tables.get(i)?.schema.clone(), ix.name.clone()?)))
        .unzip();
    facts.indexes = db::schema::indexes(db, table_oids, &schemas, &names, &locked).await?;
    facts.not_compared.clear();
    if facts.unverifiable.is_some() {
        return Ok(());
    }
    let mut requests = Vec::new();
    let mut live = Vec::new();
    // Looked up once per declaration: a map, so 10,000 declarations over 40,000 indexes stay linear.
    let by_name: HashMap<(&str, &str), &crate::schema::plan::LiveIndex> = facts
        .indexes
        .iter()
        .map(|l| ((l.schema.as_str(), l.name.as_str()), l))
        .collect();
    let mut shadow_tables: HashMap<u32, usize> = HashMap::new();
    for (i, ix) in indexes {
        let (Some(table), Some(name)) = (facts.tables.get(i), &ix.name) else {
            continue;
        };
        if source.is_duplicate(*i) {
            continue;
        }
        if let Some(lock) = locks.iter().find(|l| l.table_oid == table.oid) {
            facts.not_compared.insert(
                *i,
                format!(
                    "its table {} is locked: {}",
                    ddl::qualified(&table.schema, &table.name),
                    lock.describe()
                ),
            );
            continue;
        }
        match by_name.get(&(table.schema.as_str(), name.as_str())) {
            Some(l) if l.valid && l.ready && l.table_oid == table.oid => live.push(l.oid),
            Some(_) => continue,
            None => {}
        }
        let next = shadow_tables.len();
        let n = *shadow_tables.entry(table.oid).or_insert(next);
        requests.push(ShadowRequest {
            declaration: *i,
            table_oid: table.oid,
            create_table: ddl::shadow_table(n, table),
            create_index: ddl::shadow_index(n, requests.len(), ix),
            index_name: ddl::shadow_index_name(requests.len()),
            shadow_table: ddl::shadow_table_name(n),
            table: table.qualified(),
        });
    }
    // Declarations on one table side by side, so a transaction copies each table once.
    requests.sort_by_key(|r| r.table_oid);
    let shadows = db::schema::shadow_shapes(db, server.version_num, &requests, &live).await?;
    facts.declared_shapes = shadows.declared;
    facts.not_compared.extend(shadows.not_compared);
    facts.live_shapes = shadows.live;
    Ok(())
}

/// Database facts shared by every schema command.
pub struct GatheredFacts {
    pub database: String,
}

/// Reads the catalog for every declaration, builds the declared indexes on shadow tables, and judges.
pub async fn gather(db: &Db, source: &Source) -> anyhow::Result<(Plan, GatheredFacts)> {
    let server = db::schema::server(db).await?;
    let extension_names: Vec<String> = source
        .declarations
        .iter()
        .filter_map(|d| match d {
            Declaration::Extension(e) => Some(e.name.clone()),
            Declaration::Index(_) => None,
        })
        .collect();
    let mut facts = Facts {
        extensions: db::schema::extensions(db, &extension_names).await?,
        ..Facts::default()
    };
    let indexes: Vec<(usize, &crate::schema::IndexDecl)> = source
        .declarations
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d {
            Declaration::Index(ix) => Some((i, ix)),
            Declaration::Extension(_) => None,
        })
        .collect();
    let given: Vec<String> = indexes.iter().map(|(_, ix)| ix.table.quoted()).collect();
    let resolved = db::schema::resolve_tables(db, &given).await?;
    for ((i, _), table) in indexes.iter().zip(resolved) {
        if let Some(t) = table {
            facts.tables.insert(*i, t);
        }
    }
    let mut table_oids: Vec<u32> = facts.tables.values().map(|t| t.oid).collect();
    table_oids.sort_unstable();
    table_oids.dedup();
    facts.unverifiable = if server.in_recovery {
        Some("the server is a read-only standby: declared definitions are built on shadow tables, which needs a primary".into())
    } else if !server.can_temp {
        Some(format!(
            "role {} may not create temporary tables in database {} (GRANT TEMPORARY), which comparing definitions needs",
            server.role, server.database
        ))
    } else {
        None
    };
    // A table locked elsewhere is waited for a little, then judged without its definitions; a lock
    // taken between the look and the reads (a lock timeout) starts the reads again, from the
    // facts as they were before them.
    let retry = crate::db::retry::LockRetry {
        retries: LOCK_ATTEMPTS - 1,
        interrupt: None,
    };
    let mut attempts = 0;
    let before = facts;
    let facts = retry
        .run(&mut attempts, || {
            let mut facts = before.clone();
            let (indexes, table_oids, server) = (&indexes, &table_oids, &server);
            async move {
                let locks = wait_for_table_locks(db, table_oids).await?;
                read_indexes_and_shadows(
                    db, source, server, indexes, table_oids, &locks, &mut facts,
                )
                .await?;
                Ok(facts)
            }
        })
        .await
        .map_err(|stopped| match stopped {
            crate::db::retry::Stopped::Failed(e) => anyhow::Error::from(e),
            crate::db::retry::Stopped::Interrupted => anyhow::anyhow!("interrupted"),
        })?;
    Ok((
        plan::plan(source, &facts),
        GatheredFacts {
            database: server.database,
        },
    ))
}
