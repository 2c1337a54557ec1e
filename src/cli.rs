//! The command line, defined once. Every flag lives here so that `--help`, the man page and the shell
//! completions are generated from the same definitions; commands receive these raw values and build
//! their own rich objects from them.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "pgtune",
    version,
    about = "Tunes and maintains PostgreSQL: settings advice, health checks and maintenance",
    long_about = "pgtune compares a PostgreSQL server with recommendations for its hardware and workload, \
                  reports on its health, and runs safe maintenance. Connection options follow psql and libpq: \
                  flags, then a conninfo string or URI, then the service file, then PG* environment variables.",
    disable_help_flag = true,
    // A later flag overrides an earlier one, so scripts can append to a base command line.
    args_override_self = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub conn: ConnArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print help
    #[arg(long, action = ArgAction::Help, global = true)]
    help: Option<bool>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Show what the server is and what this session may do: version, privileges, recovery,
    /// paths, extensions, settings pending restart, database size
    Info,
    /// Generate postgresql.conf settings for a machine and workload (PGTune's values, and more);
    /// needs no database, and checks the values against one when given a connection
    #[command(mut_arg("profile", |a| a.help("A built-in profile (web, oltp, dw, desktop, mixed, lunch-rush) or the path of a .toml file [default: the workload's profile]")))]
    Config(ConfigArgs),
    /// Audit a live server: its settings against recommendations for its hardware and workload, and
    /// its health; offers to apply what differs
    #[command(mut_arg("profile", |a| a.help("A built-in profile (web, oltp, dw, desktop, mixed, lunch-rush) or the path of a .toml file [default: the workload's profile]")))]
    #[command(mut_arg("yes", |a| a.help("With --apply: apply without asking (every differing setting, or those named by --setting)").requires("apply")))]
    #[command(mut_arg("dry_run", |a| a.help("Print the statements (or conf lines) applying would run, and change nothing")))]
    Check(CheckArgs),
    /// Index and bloat reports: unused, duplicate, invalid indexes, foreign keys without an index,
    /// table and index bloat; each finding with the SQL that would fix it
    #[command(mut_arg("profile", |a| a.help("A profile whose [report.*] thresholds to use (a built-in name or a .toml path)")))]
    Report(ReportArgs),
    /// ANALYZE the tables whose statistics are stale or missing (or all), in parallel, skipping locked ones
    Analyze(AnalyzeArgs),
    /// Refresh materialized views in dependency order, concurrently where possible, in parallel
    #[command(mut_arg("lock_timeout", |a| a.help("How long each statement may wait for a lock before it is retried, with growing pauses, up to --retries times (PostgreSQL units: 500ms, 5s)")))]
    Refresh(RefreshArgs),
    /// Rebuild bloated, invalid or named indexes with REINDEX CONCURRENTLY, reporting sizes before and after
    Reindex(ReindexArgs),
    /// Freeze the oldest tables within a time budget, or vacuum tables behind on dead tuples
    Vacuum(VacuumArgs),
    /// Index advice from the workload (pg_stat_statements, a log, or a file of queries): candidates
    /// from the plans, each proven with a hypothetical index (HypoPG) before it is advised
    #[command(subcommand)]
    Advise(AdviseCommand),
    /// Extensions and indexes declared in SQL files: compare with a database (plan), bring it there
    /// without blocking traffic (apply), or prove it has them all (verify, for CI)
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Run a maintenance playbook (daily, weekly, monthly, or one a profile defines) as cron would:
    /// one run per database, every run and step recorded, exit code the worst step's
    #[command(mut_arg("profile", |a| a.help("A profile whose [[playbooks.*]] and [[purge]] tables to use (a built-in name or a .toml path)")))]
    #[command(mut_arg("dry_run", |a| a.help("Show every step and the SQL it would run; change nothing")))]
    Maintain(MaintainArgs),
    /// Delete old rows from a log table in small batches, each its own short transaction
    #[command(mut_arg("profile", |a| a.help("A profile whose [[purge]] tables to purge when --table is not given")))]
    #[command(mut_arg("dry_run", |a| a.help("Count what would be deleted and print the SQL; delete nothing")))]
    #[command(mut_arg("lock_timeout", |a| a.help("How long each batch may wait for a lock; a batch that waits longer is left for the next run (PostgreSQL units: 500ms, 5s)")))]
    Purge(PurgeArgs),
    /// Record sizes, row counts, scan counters and settings in pgtune.snapshot* tables
    #[command(mut_arg("dry_run", |a| a.help("Print the SQL; record nothing")))]
    Snapshot(SnapshotArgs),
    /// Compare the latest snapshot with an earlier one: growth, unused indexes, cache hit ratio, dead
    /// tuples, settings; with --capacity, when each database and table reaches a size
    Trends(TrendsArgs),
    /// Recent maintenance runs and their steps, from pgtune.maintenance_runs
    History(HistoryArgs),
    /// Print crontab lines or systemd units that run the daily, weekly and monthly playbooks
    #[command(mut_arg("profile", |a| a.help("The profile to pass to each run")))]
    Schedule(ScheduleArgs),
    /// Print a shell completion script to stdout
    Completions {
        /// The shell to generate completions for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write one page per command into a directory
    Man {
        /// Write pgtune.1 and pgtune-<command>.1 into this directory instead of printing pgtune.1
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// What the tuning engine needs to know about the machine and workload; shared by `config` and `check`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Tuning inputs")]
pub struct TuneArgs {
    /// Total RAM, in PostgreSQL's units: 512MB, 16GB, 1TB, 2048kB [default: detected, container-aware]
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub memory: Option<String>,

    /// Number of CPUs [default: detected, container-aware]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub cpus: Option<String>,

    /// Expected number of connections [default: the workload's typical count]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub connections: Option<String>,

    /// Workload type [default: the profile's, else web]
    #[arg(long, value_enum)]
    pub workload: Option<crate::tune::Workload>,

    /// Storage type [default: ssd]
    #[arg(long, value_enum)]
    pub storage: Option<crate::tune::Storage>,

    /// Total data size relative to RAM [default: from the server when connected, else ram-to-3x]
    #[arg(long, value_enum)]
    pub data_size: Option<crate::tune::DataSize>,

    /// PostgreSQL major version, 10 to 18 [default: the server's, else pg_config's, else 18]
    #[arg(long, value_name = "VERSION")]
    pub pg_version: Option<String>,

    /// Operating system of the server [default: the server's when connected, else this one's]
    #[arg(long, value_enum)]
    pub os: Option<crate::tune::Os>,

    #[command(flatten)]
    pub using: ProfileArg,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ConfigArgs {
    /// Write to FILE atomically (a temporary file renamed into place) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Print exactly what PGTune prints for these inputs: its header, warnings and settings, nothing more
    #[arg(long)]
    pub pgtune_compat: bool,

    /// Read the server named by the connection options or environment (implied by -h, -p, -U or -d)
    #[arg(long)]
    pub connect: bool,

    #[command(flatten)]
    pub tune: TuneArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Indexes never scanned since the statistics began
    UnusedIndexes,
    /// Exact duplicates and indexes made redundant by a longer one
    DuplicateIndexes,
    /// Indexes left invalid by a failed concurrent build
    InvalidIndexes,
    /// Foreign keys whose columns lead no index
    FkWithoutIndex,
    /// Wasted space in tables and B-tree indexes
    Bloat,
    /// Every report above
    All,
}

/// Which findings fail a CI run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Warnings exit 1 and critical findings 2 (the default)
    Warning,
    /// Only critical findings fail (exit 2); warnings exit 0
    Critical,
}

/// Which relations a command works on: globs (`*`, `?`), each flag repeatable.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Scope")]
pub struct ScopeArgs {
    /// Only schemas matching this glob (repeatable)
    #[arg(long = "schema", value_name = "PATTERN")]
    pub schemas: Vec<String>,

    /// Leave out schemas matching this glob (repeatable)
    #[arg(long = "exclude-schema", value_name = "PATTERN")]
    pub exclude_schemas: Vec<String>,

    /// Only tables (or materialized views) matching this glob (repeatable)
    #[arg(long = "table", value_name = "PATTERN")]
    pub tables: Vec<String>,
}

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// The report to run
    #[arg(value_enum)]
    pub kind: ReportKind,

    /// Leave out relations smaller than this (PostgreSQL units: 8kB, 10MB, 1GB)
    #[arg(long, value_name = "SIZE", value_parser = size, allow_hyphen_values = true)]
    pub min_size: Option<SizeArg>,

    /// unused-indexes: statistics younger than this make the verdict premature
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = span, allow_hyphen_values = true)]
    pub min_window: DurationArg,

    /// unused-indexes: also count index scans on this standby (a conninfo string or URI; repeatable)
    #[arg(long = "replica", value_name = "CONNINFO")]
    pub replicas: Vec<String>,

    /// bloat: measure with pgstattuple instead of estimating (reads every relation it reports on)
    #[arg(long)]
    pub exact: bool,

    /// Which findings make the exit code non-zero
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub using: ProfileArg,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// How a maintenance command runs its statements: shared by analyze, refresh, reindex and vacuum.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Running")]
pub struct RunArgs {
    /// Parallel connections; the largest relation goes first (with vacuum --freeze, the oldest)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub jobs: u16,

    #[command(flatten)]
    pub locking: LockTimeout,

    #[command(flatten)]
    pub change: DryRun,
}

#[derive(Debug, Args, Clone)]
pub struct AnalyzeArgs {
    /// Analyze every relation in scope, not only the stale ones
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// When to refresh CONCURRENTLY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Concurrently {
    /// When the view is populated and has a unique index usable for it; plainly otherwise
    Auto,
    /// Always; a view that cannot be refreshed concurrently fails
    Always,
    /// Never (a plain refresh blocks readers of the view while it runs)
    Never,
}

#[derive(Debug, Args, Clone)]
pub struct RefreshArgs {
    /// REFRESH ... CONCURRENTLY: auto, always or never
    #[arg(long, value_enum, default_value = "auto")]
    pub concurrently: Concurrently,

    /// Further attempts, with backoff, when the lock was not granted in time
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ReindexArgs {
    /// Rebuild B-tree indexes whose bloat passes --bloat-percent and --min-size (estimated, then
    /// confirmed with pgstatindex when pgstattuple is installed, else with fresh statistics)
    #[arg(long)]
    pub bloated: bool,

    /// Rebuild invalid indexes (failed concurrent builds); leftovers of a failed REINDEX CONCURRENTLY
    /// are dropped
    #[arg(long)]
    pub invalid: bool,

    /// Rebuild this index (schema-qualified or on the search_path; repeatable)
    #[arg(long = "index", value_name = "NAME")]
    pub indexes: Vec<String>,

    /// --bloated: the share of wasted space that makes an index worth rebuilding
    #[arg(long, value_name = "RATIO", default_value = "30%")]
    pub bloat_percent: String,

    /// --bloated: leave out indexes smaller than this
    #[arg(long, value_name = "SIZE", default_value = "10MB", value_parser = size, allow_hyphen_values = true)]
    pub min_size: SizeArg,

    /// Allow a plain REINDEX (it blocks writes to the table) where CONCURRENTLY is impossible
    #[arg(long)]
    pub allow_blocking: bool,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args, Clone)]
pub struct VacuumArgs {
    /// Freeze the tables with the oldest transaction IDs first, above --min-age, within --budget
    #[arg(long)]
    pub freeze: bool,

    /// VACUUM (ANALYZE) the tables whose dead tuples exceed their autovacuum threshold
    #[arg(long)]
    pub dead: bool,

    /// --freeze: leave out tables younger than this many transactions
    #[arg(long, value_name = "XIDS", default_value_t = 50_000_000)]
    pub min_age: i64,

    /// No table starts after this much time (PostgreSQL units: 30min, 2h); the running one is stopped
    /// at the end of it
    #[arg(long, value_name = "DURATION", value_parser = budget, allow_hyphen_values = true)]
    pub budget: Option<DurationArg>,

    #[command(flatten)]
    pub scope: ScopeArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdviseCommand {
    /// The indexes the workload needs: each CREATE INDEX CONCURRENTLY with the statements it serves,
    /// their cost before and after, its size and its write cost; read-only
    Indexes(AdviseIndexesArgs),
}

#[derive(Debug, Args, Clone)]
pub struct AdviseIndexesArgs {
    /// Where the workload comes from: statements (pg_stat_statements, the default), log FILE (a
    /// PostgreSQL log with log_min_duration_statement or auto_explain lines), queries FILE (SQL
    /// statements separated by semicolons)
    #[arg(long, num_args = 1..=2, value_names = ["SOURCE", "FILE"], default_value = "statements")]
    pub source: Vec<String>,

    /// How many statements to consider, the costliest (calls x mean time) first
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub top: usize,

    /// Leave out statements run fewer times than this [default: 5 from pg_stat_statements, 1 from a file]
    #[arg(long, value_name = "N")]
    pub min_calls: Option<u64>,

    /// Advise an index only when it lowers the weighted cost (calls x plan cost) of the statements it
    /// serves by at least this many percent
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = 30.0,
        allow_negative_numbers = true
    )]
    pub min_improvement: f64,

    /// Write (merge into) a file of declared indexes that `pgtune schema plan|apply|verify` reads
    #[arg(long, value_name = "FILE.sql")]
    pub write: Option<std::path::PathBuf>,

    /// Where HypoPG or pg_stat_statements is missing, say so and exit 0 instead of 3 (for a playbook
    /// step that runs on every database)
    #[arg(long)]
    pub if_available: bool,

    #[command(flatten)]
    pub scope: ScopeArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SchemaCommand {
    /// Show, for each declared extension and index, whether it is ok, missing, different (and how) or
    /// invalid, and the undeclared indexes on the same tables; changes nothing
    Plan(SchemaFiles),
    /// Create what is missing, rebuild what is invalid, concurrently and under lock_timeout, one runner
    /// at a time; every change recorded in pgtune.schema_journal
    #[command(mut_arg("lock_timeout", |a| a.help("How long each statement may wait for a lock before it is retried, with growing pauses, up to --retries times (PostgreSQL units: 500ms, 5s)")))]
    Apply(SchemaApplyArgs),
    /// The CI gate: exit 0 when everything declared exists, is valid and matches, 2 otherwise
    Verify(SchemaVerifyArgs),
}

#[derive(Debug, Args, Clone)]
pub struct SchemaFiles {
    /// SQL files, or directories whose .sql files are read in name order
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct SchemaVerifyArgs {
    #[command(flatten)]
    pub files: SchemaFiles,

    /// Also fail on indexes the files do not declare, on the tables they touch
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args, Clone)]
pub struct SchemaApplyArgs {
    #[command(flatten)]
    pub files: SchemaFiles,

    #[command(flatten)]
    pub change: DryRun,

    #[command(flatten)]
    pub confirm: Yes,

    /// Build indexes as declared, without adding CONCURRENTLY (a plain build blocks writes to the table)
    #[arg(long)]
    pub no_concurrently: bool,

    /// Rebuild indexes whose definition differs (build under a temporary name, swap, drop the old one
    /// concurrently) and update extensions to their declared version
    #[arg(long)]
    pub rebuild_changed: bool,

    #[command(flatten)]
    pub locking: LockTimeout,

    /// Further attempts after a lock timeout, with growing pauses
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,

    #[command(flatten)]
    pub others: Wait,
}

#[derive(Debug, Args, Clone)]
pub struct MaintainArgs {
    /// The playbook: daily, weekly, monthly, or a name the profile defines
    #[arg(value_name = "PLAYBOOK", required_unless_present = "list")]
    pub playbook: Option<String>,

    /// Show the playbooks in force (built-in, and the profile's) and their steps
    #[arg(long)]
    pub list: bool,

    #[command(flatten)]
    pub using: ProfileArg,

    /// Run only this step (by name; repeatable)
    #[arg(long, value_name = "STEP")]
    pub only: Vec<String>,

    /// Leave out this step (by name; repeatable)
    #[arg(long, value_name = "STEP")]
    pub skip: Vec<String>,

    #[command(flatten)]
    pub change: DryRun,

    #[command(flatten)]
    pub others: Wait,

    /// Write step and run metrics to PATH for Prometheus's textfile collector (atomically)
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct PurgeArgs {
    /// The log table (default: every [[purge]] table of --profile)
    #[arg(long, value_name = "TABLE", requires_all = ["column", "older_than"])]
    pub table: Option<String>,

    /// Its timestamp (or date) column
    #[arg(long, value_name = "COLUMN")]
    pub column: Option<String>,

    /// Delete rows older than this interval, in PostgreSQL's spelling: '30 days', '12 hours'
    #[arg(long, value_name = "INTERVAL")]
    pub older_than: Option<String>,

    /// Rows per transaction
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(i64).range(1..))]
    pub batch_size: i64,

    #[command(flatten)]
    pub using: ProfileArg,

    #[command(flatten)]
    pub locking: LockTimeout,

    #[command(flatten)]
    pub change: DryRun,
}

#[derive(Debug, Args, Clone)]
pub struct SnapshotArgs {
    /// Delete snapshots older than this (PostgreSQL units: 90d, 1y)
    #[arg(long, value_name = "DURATION", default_value = "90d", value_parser = retention, allow_hyphen_values = true)]
    pub retention: DurationArg,

    #[command(flatten)]
    pub change: DryRun,
}

#[derive(Debug, Args, Clone)]
pub struct TrendsArgs {
    /// Compare the latest snapshot with the latest one at least this much older (PostgreSQL units)
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = span, allow_hyphen_values = true)]
    pub since: DurationArg,

    /// Also project growth per database and table from every snapshot (linear fit)
    #[arg(long)]
    pub capacity: bool,

    /// --capacity: the size whose date of reaching to project [default: the disk, when visible]
    #[arg(long, value_name = "SIZE")]
    pub threshold: Option<String>,

    /// How many tables and indexes each list shows
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, Args, Clone)]
pub struct HistoryArgs {
    /// How many runs to show, newest first
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: i64,

    /// Only runs of this playbook
    #[arg(long, value_name = "PLAYBOOK")]
    pub playbook: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheduler {
    /// crontab lines
    Cron,
    /// a systemd service template and three timers
    Systemd,
}

#[derive(Debug, Args, Clone)]
pub struct ScheduleArgs {
    /// What to print
    #[arg(long, value_enum)]
    pub emit: Scheduler,

    /// Connect through this pg_service.conf service (PGSERVICE); otherwise through the PG* variables
    /// of the environment the job runs in. Never a password: use ~/.pgpass
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,

    #[command(flatten)]
    pub using: ProfileArg,

    /// Where each run writes its Prometheus metrics (PLAYBOOK in the path is replaced by its name)
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<String>,

    /// The pgtune binary the jobs run [default: this one]
    #[arg(long, value_name = "PATH")]
    pub binary: Option<std::path::PathBuf>,

    /// systemd: the OS user the service runs as [default: yours, or postgres when you are root]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}

/// Which half of `check` to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckPart {
    /// Only compare settings with the recommendation
    Settings,
    /// Only run the health checks
    Health,
}

#[derive(Debug, Args, Clone, Default)]
pub struct CheckArgs {
    /// Run only the settings audit or only the health checks
    #[arg(long, value_enum)]
    pub only: Option<CheckPart>,

    /// Override a health threshold: NAME=WARNING[,CRITICAL], e.g. idle_in_transaction=1min,10min
    /// (repeatable; see the README for the names)
    #[arg(long = "threshold", value_name = "NAME=WARN[,CRIT]", long_help = crate::health::thresholds::help())]
    pub thresholds: Vec<String>,

    /// Offer to apply the differing settings: on a terminal, pick them (none preselected), see the
    /// exact statements, confirm; with --yes, apply them without asking. Without --apply, check
    /// changes nothing and asks nothing
    #[arg(long)]
    pub apply: bool,

    #[command(flatten)]
    pub confirm: Yes,

    #[command(flatten)]
    pub change: DryRun,

    /// With --apply: only this setting (repeatable)
    #[arg(long = "setting", value_name = "NAME", requires = "apply")]
    pub settings: Vec<String>,

    /// With --apply: write the settings into this conf.d file (merged with what it holds) instead of
    /// ALTER SYSTEM
    #[arg(long, value_name = "PATH", requires = "apply")]
    pub write_conf: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub tune: TuneArgs,
}

/// --dry-run, for every command that changes something: one definition, the help a command words
/// differently set where it is a subcommand (`mut_arg`).
#[derive(Debug, Args, Clone, Default)]
pub struct DryRun {
    /// Print the exact SQL the run would execute, in order, and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// --yes, for every command that asks before it changes something.
#[derive(Debug, Args, Clone, Default)]
pub struct Yes {
    /// Change without asking (needed when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
}

/// --lock-timeout, for every command that takes locks: its statements wait this long, then give up.
#[derive(Debug, Args, Clone)]
pub struct LockTimeout {
    /// How long each statement may wait for a lock before it gives up and its relation is skipped
    /// (PostgreSQL units: 500ms, 5s)
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = lock_wait, allow_hyphen_values = true)]
    pub lock_timeout: DurationArg,
}

/// --wait, for every command of which one runs per database at a time.
#[derive(Debug, Args, Clone)]
pub struct Wait {
    /// How long to wait for another run of this command on the same database to finish
    /// (PostgreSQL units: 30s, 10min)
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = waiting, allow_hyphen_values = true)]
    pub wait: DurationArg,
}

/// --profile, for every command that reads one: which part it reads is in the command's help.
#[derive(Debug, Args, Clone, Default)]
pub struct ProfileArg {
    /// A built-in profile (web, oltp, dw, desktop, mixed, lunch-rush) or the path of a .toml file
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
}

/// Connection options, spelt as psql spells them.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Connection options")]
pub struct ConnArgs {
    /// Database server host or socket directory (a comma-separated list tries each in turn)
    #[arg(short = 'h', long = "host", global = true, value_name = "HOSTNAME")]
    pub host: Option<String>,

    /// Database server port (a comma-separated list pairs with the hosts)
    #[arg(short = 'p', long = "port", global = true, value_name = "PORT")]
    pub port: Option<String>,

    /// Database user name
    #[arg(short = 'U', long = "username", global = true, value_name = "USERNAME")]
    pub username: Option<String>,

    /// Database name, a key=value conninfo string, or a postgres:// / postgresql:// URI
    #[arg(short = 'd', long = "dbname", global = true, value_name = "DBNAME")]
    pub dbname: Option<String>,

    /// Never prompt for a password
    #[arg(
        short = 'w',
        long = "no-password",
        global = true,
        conflicts_with = "password"
    )]
    pub no_password: bool,

    /// Prompt for a password before connecting (needs a terminal)
    #[arg(short = 'W', long = "password", global = true)]
    pub password: bool,

    /// Not a flag: the application_name `maintain` gives its own sessions and its steps', so that
    /// pg_stat_activity tells one run from another. Set in place of PGAPPNAME (a connection
    /// string's own application_name still wins, as over the variable).
    #[arg(skip)]
    pub application_name: Option<String>,
}

impl ConnArgs {
    /// Whether any connection flag was given on the command line.
    pub fn any_given(&self) -> bool {
        self.host.is_some()
            || self.port.is_some()
            || self.username.is_some()
            || self.dbname.is_some()
    }
}

#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Output options")]
pub struct OutputArgs {
    /// Output format; each command lists the ones it supports
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Never colour the output (colour is also off when NO_COLOR is set or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Tables as one record per block, as psql's \x (also chosen by itself when a table would not
    /// fit the terminal without splitting a word)
    #[arg(short = 'x', long, global = true)]
    pub expanded: bool,

    /// Print only errors on stderr
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log more on stderr (-v: progress of each step, -vv: every query)
    #[arg(short = 'v', long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

/// Every output format any command knows; a command accepts the subset it can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable tables
    Table,
    /// Machine-readable JSON on stdout, with a "schema_version" field
    Json,
    /// postgresql.conf lines (pgtune config)
    Conf,
    /// ALTER SYSTEM statements (pgtune config)
    Sql,
    /// One Nagios / check_postgres status line with perfdata (pgtune check)
    Nagios,
    /// GitHub Actions annotations pointing at the declaring file and line (pgtune schema)
    Github,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Conf => "conf",
            Format::Sql => "sql",
            Format::Nagios => "nagios",
            Format::Github => "github",
        }
    }
}

/// Parses argv. Usage errors become one line on stderr and exit code 3; `--help` and `--version`
/// print and exit 0.
pub fn parse() -> Result<Cli, std::process::ExitCode> {
    use clap::error::ErrorKind;
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(err) => match err.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = err.print();
                Err(std::process::ExitCode::from(
                    if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        crate::outcome::EXIT_COULD_NOT_RUN
                    } else {
                        0
                    },
                ))
            }
            _ => {
                let args: Vec<String> = std::env::args().collect();
                eprintln!("pgtune: {}", usage_error_line(&err, &args));
                Err(std::process::ExitCode::from(
                    crate::outcome::EXIT_COULD_NOT_RUN,
                ))
            }
        },
    }
}

/// clap renders an error over several lines (error, tips, usage); we keep the error and its tips on
/// one line so scripts and humans both see exactly what was wrong.
/// The one line a usage error gets: what is wrong, the values to choose from when there is a
/// list, and the help of the command it is about (from `args`, the command line).
fn usage_error_line(err: &clap::Error, args: &[String]) -> String {
    use clap::error::{ContextKind, ContextValue};
    let rendered = err.render().to_string();
    let mut text = usage_error_text(&rendered);
    if let Some(ContextValue::Strings(valid)) = err.get(ContextKind::ValidValue) {
        if !valid.is_empty() && !text.contains("possible values") {
            text.push_str(&format!(" (choose {})", valid.join(", ")));
        }
    }
    let from_usage = usage_command(&rendered);
    let path = if from_usage == "pgtune" {
        command_path(args)
    } else {
        from_usage
    };
    format!("{text} (see '{path} --help')")
}

/// `pgtune schema apply` for a command line naming that command, by the flag definitions: each
/// word that names a subcommand of the one before goes down a level.
fn command_path(args: &[String]) -> String {
    let mut cmd = command();
    let mut path = vec!["pgtune".to_string()];
    for arg in args.iter().skip(1) {
        let Some(sub) = cmd.find_subcommand(arg).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_string());
        cmd = sub;
    }
    path.join(" ")
}

#[cfg(test)]
fn one_line_usage_error(rendered: &str) -> String {
    format!(
        "{} (see '{} --help')",
        usage_error_text(rendered),
        usage_command(rendered)
    )
}

/// The command a rendered clap error is about, from its usage line (`Usage: pgtune schema apply
/// [OPTIONS] <PATH>...` gives `pgtune schema apply`); `pgtune` when it has none.
fn usage_command(rendered: &str) -> String {
    rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| c.starts_with("pgtune"))
        .unwrap_or_else(|| "pgtune".to_string())
}

/// The error and tips of a rendered clap error, on one line: the lines an error lists under itself
/// (the missing arguments) are kept, joined by commas.
pub fn usage_error_text(rendered: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut listing = false;
    for raw in rendered.lines() {
        let line = raw.trim();
        if let Some(rest) = line.strip_prefix("error: ") {
            parts.push(rest.to_string());
            listing = rest.ends_with(':');
        } else if let Some(rest) = line.strip_prefix("tip: ") {
            parts.push(rest.to_string());
            listing = false;
        } else if listing && !line.is_empty() && raw.starts_with(char::is_whitespace) {
            let last = parts.last_mut().expect("a listing follows an error");
            if !last.ends_with(':') {
                last.push(',');
            }
            last.push(' ');
            last.push_str(line);
        } else {
            listing = false;
        }
    }
    if parts.is_empty() {
        return rendered
            .lines()
            .next()
            .unwrap_or("invalid usage")
            .to_string();
    }
    parts.join("; ")
}

pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Whether the command `name` takes a subcommand (`advise indexes`, `schema apply`).
pub fn has_subcommands(name: &str) -> bool {
    use clap::CommandFactory;
    Cli::command()
        .find_subcommand(name)
        .is_some_and(|c| c.has_subcommands())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_consistent() {
        command().debug_assert();
    }

    #[test]
    fn usage_error_is_one_line() {
        let err = Cli::try_parse_from(["pgtune", "info", "--fromat", "json"]).unwrap_err();
        let line = one_line_usage_error(&err.render().to_string());
        assert!(!line.contains('\n'));
        assert!(line.contains("--fromat"), "{line}");
        assert!(line.contains("--format"), "{line}");
    }

    #[test]
    fn an_invalid_value_says_what_to_choose_and_whose_help_to_read() {
        let argv = ["pgtune", "-d", "app", "config", "--workload", "foo"];
        let err = Cli::try_parse_from(argv).unwrap_err();
        let args: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            usage_error_line(&err, &args),
            "invalid value 'foo' for '--workload <WORKLOAD>' (choose web, oltp, dw, desktop, mixed) (see 'pgtune config --help')"
        );
        let argv = ["pgtune", "schema", "apply", "--lock-timeout", "x", "f.sql"];
        let err = Cli::try_parse_from(argv).unwrap_err();
        let args: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        assert!(usage_error_line(&err, &args).ends_with("(see 'pgtune schema apply --help')"));
    }

    #[test]
    fn a_usage_error_keeps_what_it_lists() {
        let err = Cli::try_parse_from(["pgtune", "purge", "--table", "logs"]).unwrap_err();
        let line = one_line_usage_error(&err.render().to_string());
        assert_eq!(line, "the following required arguments were not provided: --column <COLUMN>, --older-than <INTERVAL> (see 'pgtune purge --help')");
        let err = Cli::try_parse_from(["pgtune", "schema", "apply", "x", "--bogus"]).unwrap_err();
        assert!(one_line_usage_error(&err.render().to_string())
            .ends_with("(see 'pgtune schema apply --help')"));
        let err = Cli::try_parse_from(["pgtune", "--bogus"]).unwrap_err();
        assert!(one_line_usage_error(&err.render().to_string()).ends_with("(see 'pgtune --help')"));
    }

    #[test]
    fn psql_spelling_of_connection_flags() {
        let cli = Cli::try_parse_from([
            "pgtune", "info", "-h", "db1", "-p", "5433", "-U", "alice", "-d", "app",
        ])
        .unwrap();
        assert_eq!(cli.conn.host.as_deref(), Some("db1"));
        assert_eq!(cli.conn.port.as_deref(), Some("5433"));
        assert_eq!(cli.conn.username.as_deref(), Some("alice"));
        assert_eq!(cli.conn.dbname.as_deref(), Some("app"));
    }
}

/// A duration flag, as typed and as read: PostgreSQL's units (`500ms`, `5s`, `10min`, `7d`), a bare
/// number in the flag's own unit; checked when the command line is parsed, so a bad one is a usage
/// error before anything connects. The text is kept for what a report echoes.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationArg {
    pub text: String,
    pub value: std::time::Duration,
}

impl std::fmt::Display for DurationArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn duration(text: &str, unit: &str, zero_ok: bool, examples: &str) -> Result<DurationArg, String> {
    crate::units::parse_duration(text, unit)
        .filter(|d| zero_ok || !d.is_zero())
        .map(|value| DurationArg {
            text: text.to_string(),
            value,
        })
        .ok_or_else(|| {
            format!(
                "expected a duration such as {examples}{}, at most a century (a bare number is {})",
                if zero_ok { "" } else { ", more than 0" },
                if unit == "ms" {
                    "milliseconds"
                } else {
                    "seconds"
                }
            )
        })
}

/// A time budget: more than 0 (a zero budget starts nothing).
fn budget(text: &str) -> Result<DurationArg, String> {
    duration(text, "s", false, "30min or 2h")
}

/// How long snapshots are kept: more than 0, since a zero retention would delete the snapshot
/// just taken, and `trends` compares at least two.
fn retention(text: &str) -> Result<DurationArg, String> {
    let d = duration(text, "s", true, "90d or 1y")?;
    if d.value.is_zero() {
        return Err("a retention of zero would delete every snapshot, this one included, and trends needs at least two; give a duration such as 1d (the shortest history trends can use)".into());
    }
    Ok(d)
}

/// How long a statement may wait for a lock: milliseconds when bare, never 0 (no limit at all).
fn lock_wait(text: &str) -> Result<DurationArg, String> {
    duration(text, "ms", false, "500ms or 5s")
}

/// How long to wait for another runner: 0 is not at all.
fn waiting(text: &str) -> Result<DurationArg, String> {
    duration(text, "ms", true, "30s or 10min")
}

/// A span of time (a window, a retention, a budget): seconds when bare.
fn span(text: &str) -> Result<DurationArg, String> {
    duration(text, "s", true, "12h, 7d or 30d")
}

/// A size flag, as typed and in bytes (PostgreSQL's units: `8kB`, `10MB`, `1GB`).
#[derive(Debug, Clone, PartialEq)]
pub struct SizeArg {
    pub text: String,
    pub bytes: i64,
}

fn size(text: &str) -> Result<SizeArg, String> {
    crate::guc::in_setting_units(text, Some("B"))
        .filter(|b| *b >= 0.0 && *b < i64::MAX as f64)
        .map(|b| SizeArg {
            text: text.to_string(),
            bytes: b as i64,
        })
        .ok_or_else(|| "expected a size such as 8kB, 10MB or 1GB".to_string())
}
