//! `pgtune schedule`: crontab lines or systemd units for the three playbooks, ready to install. The
//! connection comes from the job's environment, a service name or the connection flags given here,
//! never a password inline. Each scheduler has its own quoting (cron hands the line to /bin/sh but
//! turns `%` into a newline; systemd has its own quotes and `%`/`$` expansions), so every word is
//! quoted for the one it goes to.

use anyhow::bail;

use crate::cli::{ScheduleArgs, Scheduler};
use crate::context::Context;
use crate::model::schedule::ScheduleReport;

/// When each playbook runs: daily 02:15, weekly Sunday 03:30, monthly the 1st at 04:45; the later ones
/// wait up to an hour for an earlier run that is still going.
const TIMES: [(&str, &str, &str, &str); 3] = [
    ("daily", "15 2 * * *", "*-*-* 02:15:00", ""),
    ("weekly", "30 3 * * 0", "Sun *-*-* 03:30:00", " --wait 1h"),
    ("monthly", "45 4 1 * *", "*-*-01 04:45:00", " --wait 1h"),
];

/// What the job runs, checked and ready to quote.
struct Job {
    binary: String,
    /// Connection flags and --profile / --metrics-file, as (flag, value); PLAYBOOK not yet replaced.
    options: Vec<(&'static str, String)>,
    service: Option<String>,
    user: String,
}

pub fn run(ctx: &Context, args: &ScheduleArgs) -> anyhow::Result<ScheduleReport> {
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => std::env::current_exe()?,
    };
    let job = job(ctx, args, binary.display().to_string())?;
    Ok(match args.emit {
        Scheduler::Cron => ScheduleReport {
            scheduler: "cron",
            text: cron(&job),
        },
        Scheduler::Systemd => ScheduleReport {
            scheduler: "systemd",
            text: systemd(&job),
        },
    })
}

fn job(ctx: &Context, args: &ScheduleArgs, binary: String) -> anyhow::Result<Job> {
    let conn = &ctx.conn;
    if conn
        .dbname
        .as_deref()
        .is_some_and(crate::conninfo::names_password)
    {
        bail!("the -d connection string holds a password, and a schedule never does: keep it in the job user's ~/.pgpass (or a service file) and leave it out of -d");
    }
    let mut options: Vec<(&'static str, String)> = Vec::new();
    // A cron job does not inherit this shell's PGHOST & co.: what they say now is written into the
    // job (a flag given wins), so the job reaches the server this command would.
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let given = [
        ("-h", conn.host.clone().or_else(|| env("PGHOST"))),
        ("-p", conn.port.clone().or_else(|| env("PGPORT"))),
        ("-U", conn.username.clone().or_else(|| env("PGUSER"))),
        ("-d", conn.dbname.clone().or_else(|| env("PGDATABASE"))),
        ("--profile", args.using.profile.clone()),
        ("--metrics-file", args.metrics_file.clone()),
    ];
    for (flag, value) in given {
        if let Some(v) = value {
            options.push((flag, v));
        }
    }
    let service = args.service.clone().or_else(|| env("PGSERVICE"));
    if service.is_none()
        && !options
            .iter()
            .any(|(f, _)| matches!(*f, "-h" | "-p" | "-U" | "-d"))
    {
        tracing::warn!("no connection given (no -h/-p/-U/-d, --service or PG* variables): the jobs will connect as libpq does by default, to the local socket as a database and role named after the job's user");
    }
    let user = match &args.user {
        Some(u) => u.clone(),
        None => match crate::sys::current_user() {
            Some(u) if !crate::sys::is_root() => u.name,
            _ => "postgres".to_string(),
        },
    };
    let checked = std::iter::once(("--binary", &binary))
        .chain(options.iter().map(|(f, v)| (*f, v)))
        .chain(service.iter().map(|s| ("--service", s)))
        .chain(std::iter::once(("--user", &user)));
    for (flag, value) in checked {
        if value.is_empty() || value.chars().any(char::is_control) {
            bail!("{flag}: a schedule line cannot hold an empty value or a control character (such as a line break)");
        }
    }
    Ok(Job {
        binary,
        options,
        service,
        user,
    })
}

/// A word for a crontab command: shell-quoted, and `%` escaped (cron turns a bare one into a newline).
fn cron_word(s: &str) -> String {
    super::shell_word(s).replace('%', "\\%")
}

/// A word for a systemd command line or assignment: double-quoted when it needs it, with `%` and `$`
/// doubled so that systemd expands neither.
fn systemd_word(s: &str) -> String {
    let escaped = s.replace('%', "%%").replace('$', "$$");
    // The playbook mark stays unquoted: it becomes the `%i` specifier.
    if s.chars().all(|c| {
        c.is_ascii_alphanumeric() || "/._-=@+:,%$".contains(c) || PLAYBOOK_MARK.contains(c)
    }) {
        escaped
    } else {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Stands for systemd's `%i` in --metrics-file until the word is quoted, which would double its `%`
/// (a control character, so no checked value holds it).
const PLAYBOOK_MARK: &str = "\u{1}";

/// `BINARY maintain PLAYBOOK --quiet [--wait 1h] [options]`, each word quoted by `word`; `playbook` is
/// written as given (systemd's `%i` specifier, unquoted).
fn command(job: &Job, word: fn(&str) -> String, playbook: &str, wait: &str) -> String {
    let mut s = format!("{} maintain {playbook} --quiet{wait}", word(&job.binary));
    for (flag, value) in &job.options {
        let named = if playbook == "%i" {
            PLAYBOOK_MARK
        } else {
            playbook
        };
        let quoted = word(&value.replace("PLAYBOOK", named));
        s.push_str(&format!(
            " {flag} {}",
            quoted.replace(PLAYBOOK_MARK, playbook)
        ));
    }
    s
}

fn cron(job: &Job) -> String {
    let mut s = String::from(
        "# pgtune maintenance playbooks: install with `crontab -e` as the user that runs them.\n\
         # The connection comes from the flags and environment below (or PGHOST, PGPORT, PGUSER,\n\
         # PGDATABASE); keep the password in that user's ~/.pgpass, never here. cron mails what a run\n\
         # prints: nothing when every step succeeded (--quiet), the step table otherwise.\n",
    );
    if let Some(service) = &job.service {
        s.push_str(&format!("PGSERVICE={service}\n"));
    }
    for (playbook, cron, _, wait) in TIMES {
        s.push_str(&format!(
            "{cron} {}\n",
            command(job, cron_word, playbook, wait)
        ));
    }
    s
}

fn systemd(job: &Job) -> String {
    let mut s = format!(
        "# --- /etc/systemd/system/pgtune-maintain@.service\n\
         [Unit]\n\
         Description=pgtune maintain %i\n\
         After=network-online.target postgresql.service\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=oneshot\n\
         # The connection comes from the flags and environment here; the password from this user's\n\
         # ~/.pgpass, never from this file.\n\
         User={}\n",
        systemd_word(&job.user)
    );
    if let Some(service) = &job.service {
        s.push_str(&format!(
            "Environment={}\n",
            systemd_word(&format!("PGSERVICE={service}"))
        ));
    }
    // %i is the playbook; the timers below start one instance each.
    let exec = command(job, systemd_word, "%i", " --wait 1h");
    s.push_str(&format!(
        "ExecStart={exec}\n\
         # SIGTERM cancels the running statement and records the step as failed; give it time.\n\
         TimeoutStopSec=2min\n"
    ));
    for (playbook, _, calendar, _) in TIMES {
        s.push_str(&format!(
            "\n# --- /etc/systemd/system/pgtune-maintain-{playbook}.timer\n\
             [Unit]\n\
             Description=pgtune maintain {playbook}\n\
             \n\
             [Timer]\n\
             OnCalendar={calendar}\n\
             Persistent=true\n\
             Unit=pgtune-maintain@{playbook}.service\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n"
        ));
    }
    s.push_str(
        "\n# Then: systemctl daemon-reload && systemctl enable --now pgtune-maintain-daily.timer \
         pgtune-maintain-weekly.timer pgtune-maintain-monthly.timer\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Job {
            binary: "/usr/local/bin/pgtune".into(),
            options: vec![
                ("-d", "app".into()),
                ("--profile", "/etc/pgtune/app profile.toml".into()),
                (
                    "--metrics-file",
                    "/var/lib/node_exporter/pgtune-PLAYBOOK.prom".into(),
                ),
            ],
            service: Some("app".into()),
            user: "dba".into(),
        }
    }

    #[test]
    fn cron_lines_carry_no_password_and_quote_what_needs_it() {
        let text = cron(&job());
        assert!(text.contains("PGSERVICE=app\n"));
        assert!(text.contains("15 2 * * * /usr/local/bin/pgtune maintain daily --quiet -d app --profile '/etc/pgtune/app profile.toml' --metrics-file /var/lib/node_exporter/pgtune-daily.prom\n"), "{text}");
        assert!(
            text.contains("45 4 1 * * /usr/local/bin/pgtune maintain monthly --quiet --wait 1h")
        );
        assert!(!text.to_lowercase().contains("password="));
    }

    #[test]
    fn systemd_units_one_service_three_timers() {
        let text = systemd(&job());
        assert_eq!(text.matches("[Timer]").count(), 3);
        assert!(text.contains("Unit=pgtune-maintain@weekly.service"));
        assert!(text.contains("OnCalendar=Sun *-*-* 03:30:00"));
        assert!(text.contains("User=dba\n"));
        assert!(text.contains("Environment=PGSERVICE=app"));
        assert!(text.contains("ExecStart=/usr/local/bin/pgtune maintain %i --quiet --wait 1h -d app --profile \"/etc/pgtune/app profile.toml\" --metrics-file /var/lib/node_exporter/pgtune-%i.prom\n"), "{text}");
    }

    #[test]
    fn each_scheduler_gets_its_own_quoting() {
        // cron: the shell's quotes, and % escaped (a bare one ends the command).
        assert_eq!(cron_word("/srv/50%/it's"), "'/srv/50\\%/it'\\''s'");
        // systemd: double quotes, % and $ doubled so that neither is expanded.
        assert_eq!(
            systemd_word("/srv/50%/$HOME \"x\""),
            "\"/srv/50%%/$$HOME \\\"x\\\"\""
        );
        let mut j = job();
        j.options = vec![("--metrics-file", "/m/%i-PLAYBOOK.prom".into())];
        let text = systemd(&j);
        assert!(text.contains("--metrics-file /m/%%i-%i.prom"), "{text}");
    }
}
