//! Snapshots of every renderer in every format it offers, over report values built here: any change
//! to what a command prints shows up as a diff of `src/render/snapshots/`. Every value is fixed (no
//! clock, no host); the few things a renderer takes from its surroundings (the time now, the local
//! time zone, the terminal's width, pgtune's version) are pinned or masked below.

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use serde_json::json;

use super::{Render, Style};
use crate::cli::Format;
use crate::outcome::Status;

// --- rendering -------------------------------------------------------------------------------

/// `report` in `format`, as `pgtune` writes it to a pipe.
fn render<R: Render>(report: &R, format: Format, style: &Style) -> String {
    let mut buf = Vec::new();
    super::emit(report, format, style, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

/// One snapshot per format the report offers, named `{name}_{format}`: a format added to a
/// renderer's FORMATS gets its snapshot (and fails CI until it is accepted).
fn snapshots<R: Render>(name: &str, report: &R) {
    snapshots_masked(name, report, |text| text);
}

fn snapshots_masked<R: Render>(name: &str, report: &R, mask: impl Fn(String) -> String) {
    for &format in R::FORMATS {
        let text = render(report, format, &Style::plain());
        if format == Format::Json {
            // Every field a report can hold, held to its command's documented shape.
            shape::check(&serde_json::from_str(&text).unwrap());
        }
        insta::assert_snapshot!(format!("{name}_{}", format.name()), mask(text));
    }
}

/// The documented JSON shapes (`docs/json/`), the same check the integration tests make.
#[path = "../../tests/harness/shape.rs"]
mod shape;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .with_timezone(&Utc)
}

/// Times the renderers write in the local time zone, written as in UTC (the same width, so a table
/// keeps its shape): the snapshots do not depend on the machine's zone.
fn in_utc(text: String, times: &[(DateTime<Utc>, &str)]) -> String {
    let utc = FixedOffset::east_opt(0).unwrap();
    times.iter().fold(text, |text, (t, fmt)| {
        let local = t.with_timezone(&chrono::Local).format(fmt).to_string();
        let fixed = utc
            .from_utc_datetime(&t.naive_utc())
            .format(fmt)
            .to_string();
        text.replace(&local, &fixed)
    })
}

/// `pgtune info`'s uptime is counted to now: masked, padded to the width it had.
fn mask_uptime(text: String) -> String {
    let Some(start) = text.find("(up ") else {
        return text;
    };
    let end = start + text[start..].find(')').unwrap() + 1;
    let padded = end + (text[end..].len() - text[end..].trim_start_matches(' ').len());
    let mask = "(up [uptime])";
    let width = (padded - start).max(mask.len());
    format!("{}{mask:<width$}{}", &text[..start], &text[padded..])
}

/// pgtune's own version in config's title, so that a release does not rewrite the snapshots.
fn mask_version(text: String) -> String {
    text.replace(
        &format!("pgtune {}", env!("CARGO_PKG_VERSION")),
        "pgtune [version]",
    )
}

// --- info ------------------------------------------------------------------------------------

fn info_report() -> crate::model::info::InfoReport {
    use crate::db::info::{Extension, PendingRestart, ServerFacts, SslFacts};
    crate::model::info::InfoReport {
        connected_to: "host \"db1.example.com\" (10.0.0.5) port 5432".into(),
        server: ServerFacts {
            version: "16.4".into(),
            version_num: 160004,
            version_string: "PostgreSQL 16.4 on x86_64-pc-linux-gnu".into(),
            user: "Tenant \"A\" admin".into(),
            database: "app prod".into(),
            is_superuser: false,
            has_pg_monitor: true,
            in_recovery: false,
            data_directory: Some("/var/lib/postgresql/16/main".into()),
            config_file: None,
            database_size_bytes: 3 * 1024 * 1024 * 1024 + 512 * 1024 * 1024,
            started_at: at("2024-05-01T08:00:00Z"),
            ssl: Some(SslFacts {
                version: Some("TLSv1.3".into()),
                cipher: Some("TLS_AES_256_GCM_SHA384".into()),
            }),
        },
        extensions: vec![
            Extension {
                name: "pg_stat_statements".into(),
                version: "1.10".into(),
                schema: "public".into(),
                update_available: Some("1.11".into()),
            },
            Extension {
                name: "pg_trgm".into(),
                version: "1.6".into(),
                schema: "Tenant \"A\"".into(),
                update_available: None,
            },
        ],
        pending_restart: vec![PendingRestart {
            name: "shared_buffers".into(),
            running_value: "16384".into(),
            unit: Some("8kB".into()),
        }],
    }
}

#[test]
fn info() {
    snapshots_masked("info", &info_report(), mask_uptime);
}

// --- check -----------------------------------------------------------------------------------

fn audit(
    name: &str,
    current: &str,
    recommended: &str,
    verdict: crate::health::audit::Verdict,
    status: Status,
    apply: crate::health::audit::Apply,
) -> crate::health::audit::SettingAudit {
    crate::health::audit::SettingAudit {
        name: name.into(),
        current: current.into(),
        recommended: Some(recommended.into()),
        verdict,
        status,
        apply,
        source: "configuration file".into(),
        location: Some("/etc/postgresql/16/main/postgresql.conf:127".into()),
        set_by_alter_system: false,
        pending_restart: false,
        reason: String::new(),
    }
}

fn finding(
    check: &'static str,
    status: crate::health::CheckStatus,
    evidence: &str,
    remedy: Option<&str>,
) -> crate::health::Finding {
    crate::health::Finding {
        check,
        status,
        evidence: evidence.into(),
        remedy: remedy.map(String::from),
        perfdata: vec![],
        objects: vec![],
    }
}

fn perf(label: &str, value: f64, uom: &'static str, warning: Option<f64>) -> crate::health::Perf {
    crate::health::Perf {
        label: label.into(),
        value,
        uom,
        warning,
        critical: warning.map(|w| w * 2.0),
    }
}

fn check_report(
    apply: Option<crate::model::check::ApplyReport>,
) -> crate::model::check::CheckReport {
    use crate::health::audit::{Apply, Verdict};
    use crate::health::CheckStatus;
    use crate::model::check::{CheckReport, ConfigFileError};
    use crate::model::config::Fact;
    let mut work_mem = audit(
        "work_mem",
        "4MB",
        "20164kB",
        Verdict::Differs,
        Status::Warning,
        Apply::Reload,
    );
    work_mem.source = "default".into();
    work_mem.location = None;
    let mut shared_buffers = audit(
        "shared_buffers",
        "128MB",
        "4GB",
        Verdict::Differs,
        Status::Warning,
        Apply::Restart,
    );
    shared_buffers.set_by_alter_system = true;
    shared_buffers.pending_restart = true;
    shared_buffers.location = Some("/var/lib/postgresql/16/main/postgresql.auto.conf:3".into());
    let mut fsync = audit(
        "fsync",
        "off",
        "on",
        Verdict::Risky,
        Status::Critical,
        Apply::Reload,
    );
    fsync.reason = "a crash can corrupt the whole cluster".into();
    let mut cache = finding(
        "cache_hit_ratio",
        CheckStatus::Ok,
        "99.12% of reads from the cache in app prod",
        None,
    );
    cache.perfdata = vec![perf("cache_hit_ratio", 99.123456, "%", None)];
    let mut bloat = finding(
        "table_bloat",
        CheckStatus::Warning,
        "\"Tenant \"\"A\"\"\".\"weird\\nname\" has 41% dead tuples (120000 of 290000)",
        Some("VACUUM (ANALYZE) it, and check autovacuum keeps up"),
    );
    bloat.perfdata = vec![perf(
        "dead_tuples 'Tenant \"A\"'=weird",
        120000.0,
        "",
        Some(100000.0),
    )];
    bloat.objects = vec![
        json!({"schema": "Tenant \"A\"", "table": "weird\nname", "dead_percent": 41.4}),
        json!({"schema": "public", "table": "orders", "dead_percent": 22.0}),
    ];
    let mut wraparound = finding(
        "wraparound",
        CheckStatus::Critical,
        "database app prod is 1.6 billion transactions old (80% of the way to wraparound)",
        Some("VACUUM (FREEZE) its oldest tables now"),
    );
    wraparound.perfdata = vec![perf("xid_age", 1_600_000_000.0, "", Some(1_200_000_000.0))];
    let timeout = finding(
        "long_transactions",
        CheckStatus::Timeout,
        "the query was cancelled after 5s (statement_timeout)",
        None,
    );
    CheckReport {
        server: "db1.example.com:5432".into(),
        server_version: "16.4".into(),
        inputs: Some(config_inputs()),
        profile: "web".into(),
        detected: vec![Fact {
            input: "memory",
            value: "16 GB".into(),
            source: "the server's /proc/meminfo".into(),
        }],
        notes: vec!["max_connections is 200: PGTune's values assume it".into()],
        settings: vec![shared_buffers, work_mem, fsync],
        config_file_errors: vec![ConfigFileError {
            location: "/etc/postgresql/16/main/conf.d/tenant \"A\".conf:4".into(),
            name: Some("work_mem".into()),
            error: "invalid value for parameter \"work_mem\": \"4 MB\"".into(),
        }],
        health: vec![cache, bloat, wraparound, timeout],
        apply,
        status: Status::Critical,
        alter_system_refused: None,
        alter_system_refusal: None,
    }
}

fn applied(dry_run: bool) -> crate::model::check::ApplyReport {
    use crate::model::check::{Applied, ApplyMethod, ApplyReport};
    ApplyReport {
        method: ApplyMethod::AlterSystem,
        dry_run,
        statements: vec![
            "ALTER SYSTEM SET shared_buffers = '4GB';".into(),
            "ALTER SYSTEM SET work_mem = '20164kB';".into(),
            "SELECT pg_reload_conf();".into(),
        ],
        file: None,
        results: if dry_run {
            vec![]
        } else {
            vec![
                Applied {
                    name: "shared_buffers".into(),
                    value: "4GB".into(),
                    outcome: "waits for restart".into(),
                    detail: Some("still 128MB until the server restarts".into()),
                },
                Applied {
                    name: "work_mem".into(),
                    value: "20164kB".into(),
                    outcome: "in effect".into(),
                    detail: None,
                },
            ]
        },
        file_changes: vec![],
        items: vec![
            ("shared_buffers".into(), "4GB".into()),
            ("work_mem".into(), "20164kB".into()),
        ],
    }
}

#[test]
fn check() {
    snapshots("check", &check_report(None));
}

#[test]
fn check_applied() {
    snapshots("check_applied", &check_report(Some(applied(false))));
}

#[test]
fn check_apply_dry_run() {
    snapshots("check_apply_dry_run", &check_report(Some(applied(true))));
}

#[test]
fn check_written_to_a_conf_file() {
    use crate::model::check::ApplyMethod;
    let mut apply = applied(false);
    apply.method = ApplyMethod::ConfFile;
    apply.file = Some(PathBuf::from("/etc/postgresql/16/main/conf.d/pgtune.conf"));
    apply.statements = vec!["shared_buffers = 4GB".into(), "work_mem = 20164kB".into()];
    apply.file_changes = vec![
        "shared_buffers: replaces line 3 (shared_buffers = 128MB)".into(),
        "work_mem: added".into(),
    ];
    snapshots("check_conf_file", &check_report(Some(apply)));
}

#[test]
fn check_alter_system_refused() {
    use crate::model::check::AlterSystemRefused;
    let mut report = check_report(None);
    report.alter_system_refused = Some(AlterSystemRefused {
        reason: "allow_alter_system is off".into(),
        conf_lines: "shared_buffers = 4GB\nwork_mem = 20164kB\n".into(),
    });
    insta::assert_snapshot!(
        "check_alter_system_refused_table",
        render(&report, Format::Table, &Style::plain())
    );
}

// --- report ----------------------------------------------------------------------------------

fn report_finding(
    category: &str,
    level: Status,
    (schema, table, index): (&str, &str, Option<&str>),
    size: &str,
    evidence: &str,
    fix: Option<&str>,
) -> crate::report::Finding {
    crate::report::Finding {
        category: category.into(),
        level,
        schema: schema.into(),
        table: table.into(),
        index: index.map(String::from),
        bytes: 0,
        size: size.into(),
        evidence: evidence.into(),
        fix: fix.map(String::from),
        wasted_bytes: None,
        wasted_percent: None,
    }
}

fn report_output() -> crate::model::report::ReportOutput {
    use crate::report::{NotEstimated, Section};
    let mut unused = Section::new("unused-indexes");
    unused.notes = vec!["statistics reset 2024-05-01 08:00 UTC (21 days ago)".into()];
    unused.findings = vec![
        report_finding(
            "unused",
            Status::Warning,
            ("public", "orders", Some("orders_note_idx")),
            "120 MB",
            "0 scans since the statistics were reset",
            Some("DROP INDEX CONCURRENTLY public.orders_note_idx;"),
        ),
        report_finding(
            "unused",
            Status::Ok,
            ("Tenant \"A\"", "weird\nname", Some("weird name idx")),
            "8192 bytes",
            "0 scans; too small to matter",
            None,
        ),
    ];
    let mut bloat = Section::new("bloat");
    let mut table = report_finding(
        "table bloat",
        Status::Critical,
        ("Tenant \"A\"", "Big Table", None),
        "2 GB",
        "1.4 GB wasted (70%)",
        Some("VACUUM (FULL, ANALYZE) \"Tenant \"\"A\"\"\".\"Big Table\";"),
    );
    table.wasted_bytes = Some(1_503_238_553);
    table.wasted_percent = Some(70.0);
    bloat.findings = vec![table];
    bloat.not_estimated = vec![
        NotEstimated {
            schema: "public".into(),
            table: "events".into(),
            index: None,
            reason: "no statistics: ANALYZE it".into(),
        },
        NotEstimated {
            schema: "Tenant \"A\"".into(),
            table: "weird\nname".into(),
            index: Some("weird\nname_pkey".into()),
            reason: "not a btree index".into(),
        },
    ];
    let empty = Section::new("duplicate-indexes");
    crate::model::report::ReportOutput {
        server: "db1.example.com:5432".into(),
        database: "app prod".into(),
        sections: vec![unused, bloat, empty],
        status: Status::Critical,
        fail_on_critical: false,
    }
}

#[test]
fn report() {
    snapshots("report", &report_output());
}

#[test]
fn report_expanded() {
    insta::assert_snapshot!(
        "report_expanded_table",
        render(
            &report_output(),
            Format::Table,
            &Style {
                expanded: true,
                ..Style::plain()
            }
        )
    );
}

// --- maintenance jobs (analyze, refresh, reindex, vacuum) -------------------------------------

fn outcome(
    relation: &str,
    status: crate::jobs::JobStatus,
    seconds: f64,
    reason: &str,
    detail: Option<&str>,
) -> crate::jobs::Outcome {
    crate::jobs::Outcome {
        started: 0.5,
        seconds,
        attempts: 1,
        detail: detail.map(String::from),
        ..crate::jobs::Outcome::new(
            relation,
            &format!("VACUUM (ANALYZE) {relation}"),
            reason,
            status,
        )
    }
}

#[test]
fn jobs_plan() {
    use crate::jobs::JobStatus;
    use crate::model::jobs::{JobsPlan, JobsReport, JobsWork, PlannedJob, SkippedJob};
    let planned = |level, relation: &str, reason: &str, statement: &str| {
        let (schema, name) = crate::sql::quote::split_qualified(relation);
        PlannedJob {
            level,
            relation: relation.into(),
            schema,
            name,
            reason: reason.into(),
            statement: statement.into(),
        }
    };
    let report = JobsReport {
        command: "refresh",
        work: JobsWork::Plan(JobsPlan {
            dry_run: true,
            session: vec![
                "SET lock_timeout = '5000ms'".into(),
                "SET statement_timeout = '0'".into(),
            ],
            plan: vec![
                planned(
                    1,
                    "public.daily_sales",
                    "last refreshed 2 days ago",
                    "REFRESH MATERIALIZED VIEW CONCURRENTLY public.daily_sales",
                ),
                planned(
                    2,
                    "\"Tenant \"\"A\"\"\".\"weird\nname\"",
                    "reads public.daily_sales",
                    "REFRESH MATERIALIZED VIEW \"Tenant \"\"A\"\"\".\"weird\nname\"",
                ),
            ],
            skipped: vec![SkippedJob {
                relation: "public.\"Big View\"".into(),
                schema: "public".into(),
                name: "Big View".into(),
                status: JobStatus::SkippedPrivilege,
                reason: "owned by \"Tenant \"\"A\"\" owner\", not this role".into(),
            }],
        }),
    };
    snapshots("jobs_plan", &report);
}

#[test]
fn jobs_ran() {
    use crate::jobs::JobStatus;
    use crate::model::jobs::{JobsReport, JobsWork, RunReport};
    let report = JobsReport {
        command: "vacuum",
        work: JobsWork::Ran(RunReport {
            server: "db1.example.com:5432".into(),
            outcomes: vec![
                outcome(
                    "public.orders",
                    JobStatus::Done,
                    12.345,
                    "31% dead tuples",
                    None,
                ),
                outcome(
                    "\"Tenant \"\"A\"\"\".\"weird\nname\"",
                    JobStatus::SkippedLocked,
                    5.0,
                    "22% dead tuples",
                    Some("another session holds a lock on it (lock_timeout 5s)"),
                ),
                outcome(
                    "public.\"Big Table\"",
                    JobStatus::Failed,
                    0.25,
                    "40% dead tuples",
                    Some("ERROR: canceling statement due to statement timeout"),
                ),
                outcome(
                    "public.events",
                    JobStatus::Cancelled,
                    0.0,
                    "18% dead tuples",
                    Some("cancelled: the run was interrupted"),
                ),
            ],
            seconds: 17.6,
            status: Status::Critical,
        }),
    };
    snapshots("jobs_ran", &report);
}

#[test]
fn jobs_ran_nothing() {
    use crate::model::jobs::{JobsReport, JobsWork, RunReport};
    let report = JobsReport {
        command: "analyze",
        work: JobsWork::Ran(RunReport {
            server: "db1.example.com:5432".into(),
            outcomes: vec![],
            seconds: 0.1,
            status: Status::Ok,
        }),
    };
    snapshots("jobs_nothing", &report);
}

// --- schema plan / verify / apply --------------------------------------------------------------

fn location(file: &str, line: u64) -> crate::schema::Location {
    crate::schema::Location {
        file: PathBuf::from(file),
        line,
        column: 1,
    }
}

fn object(
    kind: crate::schema::plan::Kind,
    name: &str,
    table: Option<&str>,
    raw: crate::schema::plan::RawNames,
    line: u64,
    verdict: crate::schema::plan::Verdict,
    status: Status,
) -> crate::schema::plan::ObjectPlan {
    crate::schema::plan::ObjectPlan {
        kind,
        name: name.into(),
        table: table.map(String::from),
        raw,
        at: location("db/schema/tenant \"a\".sql", line),
        verdict,
        status,
        differences: vec![],
        detail: None,
        declaration: 0,
        live: None,
        resolved_table: None,
    }
}

fn index_names(schema: &str, index: &str, table: &str) -> crate::schema::plan::RawNames {
    crate::schema::plan::RawNames {
        schema: Some(schema.into()),
        index: Some(index.into()),
        extension: None,
        table_name: Some(table.into()),
    }
}

fn schema_report(mode: crate::model::schema::Mode) -> crate::model::schema::SchemaReport {
    use crate::model::schema::{SchemaReport, Summary};
    use crate::schema::plan::{ExtraIndex, Kind, Plan, RawNames, Verdict};
    use crate::schema::shape::Difference;
    use crate::schema::{Lint, LintLevel};
    let mut differs = object(
        Kind::Index,
        "public.orders_customer_idx",
        Some("public.orders"),
        index_names("public", "orders_customer_idx", "orders"),
        7,
        Verdict::Differs,
        Status::Critical,
    );
    differs.differences = vec![Difference {
        aspect: "columns",
        declared: "(customer_id, created_at)".into(),
        live: "(customer_id)".into(),
    }];
    let mut unverified = object(
        Kind::Index,
        "\"Tenant \"\"A\"\"\".\"weird\nname_idx\"",
        Some("\"Tenant \"\"A\"\"\".\"weird\nname\""),
        index_names("Tenant \"A\"", "weird\nname_idx", "weird\nname"),
        12,
        Verdict::Unverified,
        Status::Warning,
    );
    unverified.detail = Some("its table is locked: the definition was not compared".into());
    let objects = vec![
        object(
            Kind::Extension,
            "pg_trgm",
            None,
            RawNames {
                schema: Some("public".into()),
                extension: Some("pg_trgm".into()),
                ..RawNames::default()
            },
            1,
            Verdict::Ok,
            Status::Ok,
        ),
        object(
            Kind::Index,
            "public.\"Orders by note\"",
            Some("public.orders"),
            index_names("public", "Orders by note", "orders"),
            3,
            Verdict::Missing,
            Status::Critical,
        ),
        differs,
        unverified,
    ];
    let extra = vec![ExtraIndex {
        name: "public.orders_old_idx".into(),
        table: "public.orders".into(),
        raw: index_names("public", "orders_old_idx", "orders"),
        definition: "CREATE INDEX orders_old_idx ON public.orders USING btree (created_at)".into(),
        valid: false,
        status: Status::Ok,
        note: Some("left by a failed CREATE INDEX CONCURRENTLY".into()),
    }];
    let lints = vec![
        Lint {
            level: LintLevel::Warning,
            at: location("db/schema/tenant \"a\".sql", 3),
            statement: None,
            message: "CREATE INDEX without CONCURRENTLY: apply builds it concurrently anyway"
                .into(),
        },
        Lint {
            level: LintLevel::OutOfScope,
            at: location("db/schema/tenant \"a\".sql", 20),
            statement: Some("CREATE TABLE audit_log".into()),
            message: "neither applied nor verified".into(),
        },
    ];
    let plan = Plan { objects, extra };
    let summary = Summary::of(&plan, &lints);
    SchemaReport {
        mode,
        database: "app prod".into(),
        server: "db1.example.com:5432".into(),
        files: vec![PathBuf::from("db/schema/tenant \"a\".sql")],
        status: Status::Critical,
        plan,
        lints,
        summary,
    }
}

#[test]
fn schema_plan() {
    snapshots(
        "schema_plan",
        &schema_report(crate::model::schema::Mode::Plan),
    );
}

#[test]
fn schema_verify() {
    snapshots(
        "schema_verify",
        &schema_report(crate::model::schema::Mode::Verify { strict: false }),
    );
}

fn apply_step(
    kind: &'static str,
    object: &str,
    line: u64,
    action: &'static str,
    why: &str,
    statements: &[&str],
    outcome: crate::model::schema_apply::StepOutcome,
) -> crate::model::schema_apply::Step {
    let (schema, name) = crate::sql::quote::split_qualified(object);
    crate::model::schema_apply::Step {
        kind,
        object: object.into(),
        raw: crate::schema::plan::RawNames {
            schema: (!schema.is_empty()).then_some(schema),
            index: (kind == "index").then(|| name.clone()),
            extension: (kind == "extension").then_some(name),
            table_name: None,
        },
        at: location("db/schema/tenant \"a\".sql", line),
        action,
        why: why.into(),
        statements: statements.iter().map(|s| s.to_string()).collect(),
        outcome,
        seconds: 0.0,
        attempts: 0,
        detail: None,
        bytes: None,
        work: crate::model::schema_apply::Work::Nothing,
        checksum: String::new(),
    }
}

fn schema_apply(dry_run: bool) -> crate::model::schema_apply::ApplyReport {
    use crate::model::schema_apply::{ApplyReport, StepOutcome};
    let done = |o| if dry_run { StepOutcome::Planned } else { o };
    let mut steps = vec![
        apply_step(
            "extension",
            "pg_trgm",
            1,
            "create",
            "missing",
            &["CREATE EXTENSION IF NOT EXISTS pg_trgm"],
            done(StepOutcome::Done),
        ),
        apply_step(
            "index",
            "\"Tenant \"\"A\"\"\".\"weird\nname_idx\"",
            12,
            "build",
            "missing; an invalid index of that name is dropped first",
            &[
                "DROP INDEX CONCURRENTLY IF EXISTS \"Tenant \"\"A\"\"\".\"weird\nname_idx\"",
                "CREATE INDEX CONCURRENTLY \"weird\nname_idx\" ON \"Tenant \"\"A\"\"\".\"weird\nname\" (created_at)",
            ],
            done(StepOutcome::Failed),
        ),
        apply_step(
            "index",
            "public.orders_customer_idx",
            7,
            "leave",
            "differs (columns); rebuilt only with --rebuild-changed",
            &[],
            done(StepOutcome::Left),
        ),
    ];
    if !dry_run {
        steps[0].seconds = 0.042;
        steps[0].attempts = 1;
        steps[1].seconds = 3.5;
        steps[1].attempts = 2;
        steps[1].detail =
            Some("ERROR: could not create unique index: key (id)=(7) is duplicated".into());
        steps[1].bytes = Some(8192);
    }
    ApplyReport {
        database: "app prod".into(),
        server: "db1.example.com:5432".into(),
        dry_run,
        session: vec![
            "SET lock_timeout = '5s'".into(),
            "SET statement_timeout = 0".into(),
        ],
        steps,
        seconds: if dry_run { 0.0 } else { 3.6 },
        status: if dry_run {
            Status::Ok
        } else {
            Status::Critical
        },
        ended: None,
        declined: false,
    }
}

#[test]
fn schema_apply_dry_run() {
    snapshots("schema_apply_dry_run", &schema_apply(true));
}

#[test]
fn schema_apply_run() {
    snapshots("schema_apply_run", &schema_apply(false));
}

#[test]
fn schema_apply_declined() {
    let declined = crate::model::schema_apply::ApplyReport {
        declined: true,
        ..schema_apply(true)
    };
    let text = render(&declined, Format::Table, &Style::plain());
    insta::assert_snapshot!("schema_apply_declined_table", text);
}

// --- config ----------------------------------------------------------------------------------

fn config_inputs() -> crate::tune::Inputs {
    use crate::tune::{DataSize, Inputs, Os, Storage, Workload};
    Inputs {
        version: 16,
        os: Os::Linux,
        workload: Workload::Web,
        memory_kb: 16 * 1024 * 1024,
        cpus: Some(8),
        connections: Some(200),
        storage: Storage::Ssd,
        data_size: DataSize::LessThanRam,
    }
}

/// As `commands::config` makes it, from fixed inputs: PGTune's engine, pgtune's additions, a profile
/// with a hostile name and description, and values a server refused.
fn config_report() -> crate::model::config::ConfigReport {
    use crate::model::config::{ConfigReport, Fact};
    use crate::tune::beyond::{self, ProfileSetting, Rejection};
    use crate::tune::Origin;
    let inputs = config_inputs();
    let core = crate::tune::pgtune::recommend(&inputs);
    let profile = "tenant \"A\" web";
    let pinned = |name: &str, value: &str| ProfileSetting {
        name: name.into(),
        value: value.into(),
    };
    let additions = beyond::additions(
        &core,
        profile,
        &[
            pinned("random_page_cost", "1.1"),
            pinned("search_path", "\"$user\", public, \"Tenant \"\"A\"\"\""),
            pinned(
                "shared_preload_libraries",
                "pg_stat_statements,auto_explain",
            ),
        ],
    );
    let io = core
        .settings
        .iter()
        .find(|s| s.name == "effective_io_concurrency")
        .unwrap();
    let rejected = vec![
        Rejection {
            name: io.name.clone(),
            value: io.value.render(),
            origin: Origin::Core,
            reason: "the server allows 0 at most (no posix_fadvise)".into(),
        },
        Rejection {
            name: "shared_preload_libraries".into(),
            value: "pg_stat_statements,auto_explain".into(),
            origin: Origin::Profile,
            reason: "the server has no library auto_explain".into(),
        },
    ];
    let mut report = ConfigReport {
        profile: profile.into(),
        profile_description: Some("Tenant \"A\"'s web tier\nsecond line of the description".into()),
        detected: vec![
            Fact {
                input: "memory",
                value: "16 GB".into(),
                source: "/proc/meminfo".into(),
            },
            Fact {
                input: "pg_version",
                value: "16".into(),
                source: "the server".into(),
            },
        ],
        warnings: core.warnings.clone(),
        core: core.settings,
        additions,
        rejected,
        restart: vec![],
        notes: vec!["memory and CPUs were detected on this machine".into()],
        server: Some("db1.example.com:5432 (PostgreSQL 16.4)".into()),
        pgtune_compat: false,
        inputs,
    };
    report.restart = report
        .effective()
        .iter()
        .filter(|s| beyond::needs_restart(&s.name, report.inputs.version, None))
        .map(|s| s.name.clone())
        .collect();
    report
}

#[test]
fn config() {
    snapshots_masked("config", &config_report(), mask_version);
}

#[test]
fn config_pgtune_compat() {
    let inputs = config_inputs();
    let core = crate::tune::pgtune::recommend(&inputs);
    let mut report = crate::model::config::ConfigReport {
        profile: "default".into(),
        profile_description: None,
        detected: vec![],
        warnings: core.warnings.clone(),
        core: core.settings,
        additions: vec![],
        rejected: vec![],
        restart: vec![],
        notes: vec![],
        server: None,
        pgtune_compat: true,
        inputs,
    };
    report.restart = report
        .effective()
        .iter()
        .filter(|s| crate::tune::beyond::needs_restart(&s.name, report.inputs.version, None))
        .map(|s| s.name.clone())
        .collect();
    snapshots_masked("config_pgtune_compat", &report, mask_version);
}

// --- maintain --------------------------------------------------------------------------------

#[test]
fn maintain_list() {
    use crate::model::maintain::{ListedPlaybook, ListedStep, MaintainOutput, PlaybookList};
    use crate::profile::OnError;
    let step =
        |name: &str, step: &str, command: &str, timeout: Option<&str>, on_error| ListedStep {
            name: name.into(),
            step: step.into(),
            command: command.into(),
            timeout: timeout.map(String::from),
            on_error,
        };
    let report = MaintainOutput::List(PlaybookList {
        playbooks: vec![
            ListedPlaybook {
                name: "daily".into(),
                source: "built in".into(),
                steps: vec![
                    step(
                        "analyze",
                        "analyze",
                        "pgtune analyze",
                        None,
                        OnError::Continue,
                    ),
                    step(
                        "vacuum",
                        "vacuum",
                        "pgtune vacuum --min-dead 20%",
                        Some("30m"),
                        OnError::Stop,
                    ),
                ],
            },
            ListedPlaybook {
                name: "tenant \"A\" nightly".into(),
                source: "profile /etc/pgtune/tenant \"a\".toml".into(),
                steps: vec![step(
                    "purge weird\nname",
                    "purge",
                    "pgtune purge --table '\"Tenant \"\"A\"\"\".audit_log' --older-than 90d",
                    Some("1h"),
                    OnError::Continue,
                )],
            },
        ],
    });
    snapshots("maintain_list", &report);
}

#[test]
fn maintain_dry_run() {
    use crate::model::maintain::{MaintainOutput, MaintainScript};
    let report = MaintainOutput::DryRun(MaintainScript {
        text: "-- pgtune maintain daily --dry-run: 2 step(s); nothing is changed\n\
               \n\
               -- step 1 analyze (on error continue)\n\
               -- pgtune analyze\n\
               -- public.orders: never analyzed\n\
               ANALYZE public.orders;\n\
               \n\
               -- step 2 purge weird\\nname (timeout 1h 0m, on error stop)\n\
               -- pgtune purge --table '\"Tenant \"\"A\"\"\".audit_log' --older-than 90d\n\
               -- could not plan this step: table \"Tenant \"\"A\"\"\".audit_log does not exist\n"
            .into(),
        unplanned: Some("could not plan step(s) purge weird\nname".into()),
    });
    snapshots("maintain_dry_run", &report);
}

#[test]
fn maintain_run() {
    use crate::model::maintain::{MaintainOutput, MaintainReport, StepReport, StepStatus};
    let step =
        |name: &str, command: &str, status, seconds, summary: Option<&str>, error: Option<&str>| {
            StepReport {
                name: name.into(),
                step: name.split(' ').next().unwrap().into(),
                command: command.into(),
                status,
                seconds,
                summary: summary.map(String::from),
                error: error.map(String::from),
            }
        };
    let report = MaintainOutput::Run(MaintainReport {
        playbook: "daily".into(),
        database: "app prod".into(),
        run_id: Some(42),
        status: Status::Critical,
        run_status: "failed",
        seconds: 95.25,
        steps: vec![
            step(
                "vacuum",
                "pgtune vacuum",
                StepStatus::Warning,
                80.0,
                Some("12 done; skipped, locked: 1 (\"Tenant \"\"A\"\"\".\"weird\\nname\")"),
                None,
            ),
            step(
                "check",
                "pgtune check",
                StepStatus::Critical,
                2.5,
                Some("settings: 2 of 3 differ (shared_buffers, work_mem)\nhealth critical: 1 (wraparound)"),
                None,
            ),
            step(
                "purge weird\nname",
                "pgtune purge --table audit_log",
                StepStatus::Failed,
                12.75,
                None,
                Some("connection lost: server closed the connection unexpectedly"),
            ),
            step("report", "pgtune report", StepStatus::Skipped, 0.0, None, None),
        ],
        closed_interrupted_runs: vec![40],
        ended: None,
    });
    snapshots("maintain_run", &report);
}

// --- history, purge, snapshot, trends, schedule ------------------------------------------------

#[test]
fn history() {
    use crate::db::playbook::RecordedRun;
    use crate::model::history::HistoryReport;
    let first = at("2024-05-21T02:15:00Z");
    let second = at("2024-05-22T02:15:00Z");
    let report = HistoryReport {
        runs: vec![
            RecordedRun {
                id: 43,
                playbook: "tenant \"A\" nightly".into(),
                started_at: second,
                ended_at: None,
                status: "running".into(),
                client: "pgtune 0.1.0 on host1".into(),
                summary: None,
                error: None,
                steps: json!([]),
                ended_unrecorded: false,
            },
            RecordedRun {
                id: 44,
                playbook: "weekly".into(),
                started_at: second,
                ended_at: None,
                status: "running".into(),
                client: "pgtune 0.1.0 on host2".into(),
                summary: None,
                error: None,
                steps: json!([]),
                ended_unrecorded: true,
            },
            RecordedRun {
                id: 42,
                playbook: "daily".into(),
                started_at: first,
                ended_at: Some(at("2024-05-21T02:16:35.250Z")),
                status: "failed".into(),
                client: "pgtune 0.1.0 on host1".into(),
                summary: Some(json!("vacuum warning, purge weird\nname failed (95.2s)")),
                error: Some("step purge weird\nname failed".into()),
                steps: json!([
                    {"name": "vacuum", "status": "warning", "summary": "12 done\nskipped, locked: 1 (\"Tenant \"\"A\"\"\".\"weird\\nname\")"},
                    {"name": "purge weird\nname", "status": "failed", "error": "connection lost"},
                    {"name": "report", "status": "skipped", "summary": {"findings": 3}},
                ]),
                ended_unrecorded: false,
            },
        ],
    };
    snapshots_masked("history", &report, |text| {
        in_utc(
            text,
            &[
                (first, "%Y-%m-%d %H:%M:%S %Z"),
                (second, "%Y-%m-%d %H:%M:%S %Z"),
            ],
        )
    });
}

#[test]
fn history_empty() {
    let report = crate::model::history::HistoryReport { runs: vec![] };
    snapshots("history_empty", &report);
}

fn purge_target(
    schema: &str,
    table: &str,
    rows: i64,
    status: Status,
    detail: Option<&str>,
) -> crate::model::purge::PurgeOutcome {
    crate::model::purge::PurgeOutcome {
        table: crate::report::qualified(schema, table),
        schema: Some(schema.into()),
        table_name: Some(table.into()),
        column: "created at".into(),
        older_than: "90d".into(),
        batch_size: 10000,
        rows,
        batches: (rows + 9999) / 10000,
        seconds: rows as f64 / 20000.0,
        status,
        detail: detail.map(String::from),
        statement: crate::db::playbook::purge_statement(schema, table, "created at"),
    }
}

fn purge_report(dry_run: bool) -> crate::model::purge::PurgeReport {
    let mut missing = purge_target(
        "public",
        "events",
        0,
        Status::Critical,
        Some("table public.events does not exist"),
    );
    missing.statement = String::new();
    missing.batches = 0;
    crate::model::purge::PurgeReport {
        dry_run,
        rows: 25000,
        targets: vec![
            purge_target("Tenant \"A\"", "audit log", 25000, Status::Ok, None),
            missing,
        ],
        status: Status::Critical,
        interrupted: false,
    }
}

#[test]
fn purge_dry_run() {
    snapshots("purge_dry_run", &purge_report(true));
}

#[test]
fn purge_run() {
    snapshots("purge_run", &purge_report(false));
}

#[test]
fn purge_nothing() {
    let report = crate::model::purge::PurgeReport {
        dry_run: true,
        rows: 0,
        targets: vec![],
        status: Status::Ok,
        interrupted: false,
    };
    snapshots("purge_nothing", &report);
}

#[test]
fn snapshot_dry_run() {
    let sql = crate::sql::SNAPSHOT_CREATE;
    let report = crate::model::snapshot::SnapshotReport {
        dry_run: true,
        id: None,
        tables: 0,
        indexes: 0,
        expired: 0,
        retention: "90d".into(),
        statements: vec![
            sql.text.trim().to_string(),
            crate::sql::SNAPSHOT_TAKE.text.trim().to_string(),
            crate::sql::SNAPSHOT_RETENTION
                .with_bound_literals(&["7776000".to_string()])
                .trim()
                .to_string(),
        ],
    };
    snapshots("snapshot_dry_run", &report);
}

#[test]
fn snapshot_taken() {
    let report = crate::model::snapshot::SnapshotReport {
        dry_run: false,
        id: Some(12),
        tables: 340,
        indexes: 512,
        expired: 1,
        retention: "90d".into(),
        statements: vec![],
    };
    snapshots("snapshot_taken", &report);
}

fn projection(
    growth_per_day: f64,
    current_bytes: i64,
    days_to_limit: Option<f64>,
    enough_history: bool,
) -> crate::trends::Projection {
    crate::trends::Projection {
        growth_per_day,
        current_bytes,
        snapshots: if enough_history { 22 } else { 2 },
        span_days: if enough_history { 21.0 } else { 0.1 },
        fit: 0.97,
        confidence: if enough_history { "high" } else { "low" },
        days_to_limit,
        enough_history,
    }
}

#[test]
fn trends() {
    use crate::model::trends::{
        Capacity, DeadChange, Growth, SettingChange, TrendsReport, UnusedIndex,
    };
    const GB: i64 = 1024 * 1024 * 1024;
    let from = at("2024-05-01T12:00:00Z");
    let to = at("2024-05-22T12:00:00Z");
    let reaches = at("2024-06-10T12:00:00Z");
    let report = TrendsReport {
        snapshots: 22,
        note: Some("the statistics were reset on 2024-05-10: scans counted since".into()),
        from: Some(from),
        to: Some(to),
        database_before_bytes: 40 * GB,
        database_after_bytes: 46 * GB,
        growers: vec![
            Growth {
                table: "public.orders".into(),
                schema: crate::sql::quote::split_qualified("public.orders").0,
                table_name: crate::sql::quote::split_qualified("public.orders").1,
                before_bytes: 10 * GB,
                after_bytes: 14 * GB,
                growth_bytes: 4 * GB,
                new: false,
            },
            Growth {
                table: "\"Tenant \"\"A\"\"\".\"weird\nname\"".into(),
                schema: crate::sql::quote::split_qualified("\"Tenant \"\"A\"\"\".\"weird\nname\"")
                    .0,
                table_name: crate::sql::quote::split_qualified(
                    "\"Tenant \"\"A\"\"\".\"weird\nname\"",
                )
                .1,
                before_bytes: 0,
                after_bytes: 512 * 1024 * 1024,
                growth_bytes: 512 * 1024 * 1024,
                new: true,
            },
        ],
        unused_indexes: vec![
            UnusedIndex {
                index: "public.orders_note_idx".into(),
                table: "public.orders".into(),
                schema: crate::sql::quote::split_qualified("public.orders_note_idx").0,
                index_name: crate::sql::quote::split_qualified("public.orders_note_idx").1,
                table_name: crate::sql::quote::split_qualified("public.orders").1,
                bytes: 120 * 1024 * 1024,
                newly: true,
            },
            UnusedIndex {
                index: "\"Tenant \"\"A\"\"\".\"Big idx\"".into(),
                table: "\"Tenant \"\"A\"\"\".\"Big Table\"".into(),
                schema: crate::sql::quote::split_qualified("\"Tenant \"\"A\"\"\".\"Big idx\"").0,
                index_name: crate::sql::quote::split_qualified("\"Tenant \"\"A\"\"\".\"Big idx\"")
                    .1,
                table_name: crate::sql::quote::split_qualified(
                    "\"Tenant \"\"A\"\"\".\"Big Table\"",
                )
                .1,
                bytes: 8192,
                newly: false,
            },
        ],
        cache_hit_ratio: Some(98.7654),
        previous_cache_hit_ratio: Some(99.1),
        dead_tuples_before: 120000,
        dead_tuples_after: 450000,
        dead_growers: vec![DeadChange {
            table: "public.orders".into(),
            schema: crate::sql::quote::split_qualified("public.orders").0,
            table_name: crate::sql::quote::split_qualified("public.orders").1,
            before: 20000,
            after: 300000,
        }],
        settings_changed: vec![
            SettingChange {
                name: "work_mem".into(),
                before: Some("4MB".into()),
                after: Some("20164kB".into()),
            },
            SettingChange {
                name: "search_path".into(),
                before: None,
                after: Some("\"$user\", public, \"Tenant \"\"A\"\"\"".into()),
            },
        ],
        capacity_limit: Some("50 GB".into()),
        capacity: vec![
            Capacity {
                object: "database".into(),
                schema: None,
                table_name: None,
                projection: projection(0.3 * GB as f64, 46 * GB, Some(19.0), true),
                reaches_limit_on: Some(reaches),
            },
            Capacity {
                object: "public.orders".into(),
                schema: Some(crate::sql::quote::split_qualified("public.orders").0),
                table_name: Some(crate::sql::quote::split_qualified("public.orders").1),
                projection: projection(-1024.0 * 1024.0, 14 * GB, None, true),
                reaches_limit_on: None,
            },
            Capacity {
                object: "\"Tenant \"\"A\"\"\".\"weird\nname\"".into(),
                schema: Some(
                    crate::sql::quote::split_qualified("\"Tenant \"\"A\"\"\".\"weird\nname\"").0,
                ),
                table_name: Some(
                    crate::sql::quote::split_qualified("\"Tenant \"\"A\"\"\".\"weird\nname\"").1,
                ),
                projection: projection(2.0 * GB as f64, 512 * 1024 * 1024, Some(24.0), false),
                reaches_limit_on: None,
            },
        ],
        status: Status::Warning,
    };
    snapshots_masked("trends", &report, |text| {
        in_utc(
            text,
            &[
                (from, "%Y-%m-%d %H:%M %Z"),
                (to, "%Y-%m-%d %H:%M %Z"),
                (reaches, "%Y-%m-%d"),
            ],
        )
    });
}

#[test]
fn trends_without_snapshots() {
    let report = crate::model::trends::TrendsReport {
        note: Some("no snapshots yet: take one with pgtune snapshot".into()),
        ..Default::default()
    };
    snapshots("trends_empty", &report);
}

#[test]
fn schedule() {
    use crate::model::schedule::ScheduleReport;
    let cron = ScheduleReport {
        scheduler: "cron",
        text: "# pgtune maintenance playbooks: install with `crontab -e` as the user that runs them.\n\
               PGSERVICE=tenant_a\n\
               15 2 * * * /usr/local/bin/pgtune maintain daily --quiet -d 'app prod' --metrics-file '/var/lib/node_exporter/pgtune \"A\" daily.prom'\n\
               30 3 * * 0 /usr/local/bin/pgtune maintain weekly --quiet --wait 1h -d 'app prod'\n"
            .into(),
    };
    snapshots("schedule_cron", &cron);
    let systemd = ScheduleReport {
        scheduler: "systemd",
        text: "# --- /etc/systemd/system/pgtune-maintain@.service\n\
               [Unit]\n\
               Description=pgtune maintain %i\n\
               \n\
               [Service]\n\
               Type=oneshot\n\
               User=postgres\n\
               ExecStart=/usr/local/bin/pgtune maintain %i --quiet --wait 1h -d \"app prod\"\n"
            .into(),
    };
    snapshots("schedule_systemd", &systemd);
}

// --- advise indexes --------------------------------------------------------------------------

#[test]
fn advise() {
    use crate::advise::{AdviceReport, IndexAdvice, LeftStatement, Method, Proof, ServedStatement};
    let served = |query: &str, at: Option<&str>, calls, before, after| ServedStatement {
        query: query.into(),
        at: at.map(String::from),
        calls,
        mean_ms: Some(12.3456),
        cost_before: before,
        cost_after: after,
    };
    let report = AdviceReport {
        database: "app prod".into(),
        source: "queries".into(),
        file: Some("workload/tenant \"a\".sql".into()),
        skipped: None,
        min_improvement_percent: 10.0,
        statements: 4,
        planned: 3,
        indexes: vec![
            IndexAdvice {
                schema: "public".into(),
                table: "orders".into(),
                name: "orders_customer_id_idx".into(),
                method: Method::Btree,
                keys: vec!["customer_id".into()],
                predicate: None,
                statement: "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id)".into(),
                proof: Proof::Hypopg,
                size_bytes: 21 * 1024 * 1024,
                weighted_cost_before: 184_000.0,
                weighted_cost_after: 1_250.0,
                improvement_percent: 99.3,
                writes_per_second: Some(12.5),
                benefit_per_second: Some(920.0),
                write_cost_per_second: Some(3.2),
                write_cost_outweighs_benefit: false,
                serves: vec![served(
                    "SELECT *\n  FROM public.orders\n WHERE customer_id = $1 -- by customer",
                    Some("workload/tenant \"a\".sql:3:1"),
                    1000.0,
                    184.0,
                    1.25,
                )],
            },
            IndexAdvice {
                schema: "Tenant \"A\"".into(),
                table: "weird\nname".into(),
                name: "weird\nname_note_trgm_idx".into(),
                method: Method::Trigram,
                keys: vec!["note gin_trgm_ops".into()],
                predicate: None,
                statement: "CREATE INDEX CONCURRENTLY \"weird\nname_note_trgm_idx\" ON \"Tenant \"\"A\"\"\".\"weird\nname\" USING gin (note gin_trgm_ops)".into(),
                proof: Proof::Estimated,
                size_bytes: 4 * 1024 * 1024,
                weighted_cost_before: 5_000.0,
                weighted_cost_after: 4_200.0,
                improvement_percent: 16.0,
                writes_per_second: None,
                benefit_per_second: None,
                write_cost_per_second: None,
                write_cost_outweighs_benefit: false,
                serves: vec![served(
                    "SELECT id FROM \"Tenant \"\"A\"\"\".\"weird\nname\" WHERE note ILIKE '%late%'",
                    None,
                    10.0,
                    500.0,
                    420.0,
                )],
            },
        ],
        unhelped: vec![LeftStatement {
            query: format!(
                "SELECT count(*) FROM public.events WHERE {}",
                ["kind <> 'x'"; 9].join(" AND ")
            ),
            calls: 50.0,
            mean_ms: None,
            at: Some("workload/tenant \"a\".sql:9:1".into()),
            reason: "reads most of the table: a sequential scan is cheaper".into(),
        }],
        not_planned: vec![LeftStatement {
            query: "SELECT * FROM missing_table".into(),
            calls: 1.0,
            mean_ms: None,
            at: None,
            reason: "ERROR: relation \"missing_table\" does not exist".into(),
        }],
    };
    snapshots("advise", &report);
}

#[test]
fn generated_documents_and_pages() {
    use crate::model::generated::Generated;
    snapshots(
        "generated_document",
        &Generated {
            command: "completions",
            text: Some("complete -F _pgtune pgtune\n".into()),
            written: vec![],
        },
    );
    snapshots(
        "generated_pages",
        &Generated {
            command: "man",
            text: None,
            written: vec!["man/pgtune.1".into(), "man/pgtune-check.1".into()],
        },
    );
}

#[test]
fn a_name_in_a_cell_keeps_its_line_and_the_text_its_own_breaks() {
    assert_eq!(
        super::shown_text("index \"weird\nname\" is unused\nDROP INDEX \"weird\nname\";"),
        "index \"weird\\nname\" is unused\nDROP INDEX \"weird\\nname\";"
    );
}
