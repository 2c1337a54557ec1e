//! The command-line contract that needs no server: usage errors, help, completions, man pages,
//! broken pipes.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::harness::{run, Run};

fn pgtune(args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_pgtune"))
        .args(args)
        .stdin(Stdio::null()))
}

#[test]
fn usage_errors_exit_3_with_one_line() {
    for (args, needle) in [
        (&["info", "--fromat", "json"][..], "--format"),
        (&["info", "--format", "yaml"][..], "yaml"),
        (&["frobnicate"][..], "frobnicate"),
        (&["info", "-p"][..], "-p"),
        // Refused before connecting, with the reason (a zero retention deletes the snapshot just taken).
        (
            &["snapshot", "--retention", "0d"][..],
            "would delete every snapshot",
        ),
        (
            &["snapshot", "--retention", "ninety days"][..],
            "expected a duration",
        ),
        // Too long for any clock: refused as input, never an internal error.
        (
            &["report", "all", "--min-window", "99999999999999999d"][..],
            "--min-window",
        ),
        (
            &[
                "vacuum",
                "--freeze",
                "--budget",
                "99999999999999999d",
                "--dry-run",
            ][..],
            "--budget",
        ),
    ] {
        pgtune(args).expect_one_line_error(needle);
    }
}

#[test]
fn help_lists_only_working_commands() {
    let out = pgtune(&["--help"]).expect_code(0);
    for cmd in ["info", "completions", "man"] {
        assert!(out.stdout.contains(cmd), "{}", out.stdout);
    }
    assert!(out.stdout.contains("-h, --host"), "{}", out.stdout);
    let out = pgtune(&["--version"]).expect_code(0);
    assert!(out.stdout.starts_with("pgtune "));
}

#[test]
fn completions_and_man_pages() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = pgtune(&["completions", shell]).expect_code(0);
        assert!(out.stdout.contains("pgtune"), "{shell}");
    }
    let out = pgtune(&["man"]).expect_code(0);
    assert!(out.stdout.starts_with(".ie"), "{}", &out.stdout[..40]);
    let dir = tempfile::tempdir().unwrap();
    let out = pgtune(&["man", "--dir", dir.path().to_str().unwrap()]).expect_code(0);
    assert!(
        !dir.path().join("pgtune-help.1").exists(),
        "clap's help command has no page"
    );
    let apply = std::fs::read_to_string(dir.path().join("pgtune-schema-apply.1")).unwrap();
    assert!(
        apply.contains("rebuild\\-changed"),
        "a nested command's page has its options"
    );
    for page in ["pgtune.1", "pgtune-info.1", "pgtune-schema-apply.1"] {
        assert!(dir.path().join(page).exists(), "{page}");
        assert!(
            out.stdout
                .lines()
                .any(|l| l == dir.path().join(page).display().to_string()),
            "the pages written are listed:\n{}",
            out.stdout
        );
    }
    // A script or a page has no JSON form: asked for one, one line says so (exit 3).
    let out = pgtune(&["completions", "bash", "--format", "json"]).expect_code(3);
    assert_eq!(
        out.stderr.trim(),
        "pgtune: pgtune completions does not support --format json (choose table)",
        "{}",
        out.stderr
    );
    // Each command's page: its own options, the connection and output options every command takes
    // (-h is --host, never help), one OPTIONS heading, and the sections a man page has.
    for page in [
        "pgtune.1",
        "pgtune-check.1",
        "pgtune-reindex.1",
        "pgtune-schema.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(
            text.contains("\\fB\\-h\\fR, \\fB\\-\\-host\\fR"),
            "{page}: no -h, --host"
        );
        assert!(
            !text.contains("\\fB\\-h\\fR, \\fB\\-\\-help"),
            "{page}: -h as help"
        );
        assert!(
            text.matches(".SH OPTIONS").count() <= 1,
            "{page}: two OPTIONS headings"
        );
        for section in [
            ".SH \"CONNECTION OPTIONS\"",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
        ] {
            assert!(text.contains(section), "{page}: no {section}");
        }
    }
    let check = std::fs::read_to_string(dir.path().join("pgtune-check.1")).unwrap();
    assert!(
        check.contains(".SH EXAMPLES") && check.contains("\\-\\-apply"),
        "check page"
    );
    // --help: one Options heading, the command's own options under it.
    let help = pgtune(&["check", "--help"]).expect_code(0).stdout;
    assert_eq!(help.matches("\nOptions:").count(), 1, "{help}");
    let own = help.split("\nOptions:").nth(1).unwrap();
    assert!(
        own.split("\nTuning inputs:")
            .next()
            .unwrap()
            .contains("--apply"),
        "{help}"
    );
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgtune"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// `schedule --format json` gives the same text as the plain run, with the scheduler it is for; a
/// format it cannot give is refused, not ignored.
#[test]
fn schedule_json_is_the_same_text() {
    let plain = pgtune(&["schedule", "--emit", "cron"])
        .expect_code(0)
        .stdout;
    let json: serde_json::Value = serde_json::from_str(
        &pgtune(&["schedule", "--emit", "cron", "--format", "json"])
            .expect_code(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(json["scheduler"], "cron");
    assert_eq!(json["text"].as_str().unwrap(), plain);
    assert!(plain.contains("maintain daily"), "{plain}");
    pgtune(&["schedule", "--emit", "cron", "--format", "nagios"])
        .expect_one_line_error("does not support --format nagios");
}

/// Every value the reference documents for `pgtune config`'s enumerated flags is accepted as
/// written there (the test reads the synopsis), and a profile's `data_size` takes the same spelling.
#[test]
fn every_documented_config_value_is_accepted_verbatim() {
    let reference = include_str!("../docs/reference.md");
    let start = reference.find("pgtune config [").expect("config synopsis");
    let synopsis = &reference[start..start + reference[start..].find("```").unwrap()];
    let mut tried = 0;
    for group in synopsis.split('[').skip(1) {
        let group = group.split(']').next().unwrap();
        let mut words = group.split_whitespace();
        let (Some(flag), Some(values)) = (words.next(), words.next()) else {
            continue;
        };
        if !values.contains('|') || flag == "--profile" {
            continue;
        }
        for value in values.split('|') {
            let value = if flag == "--pg-version" { "15" } else { value };
            pgtune(&["config", "--memory", "8GB", "--cpus", "4", flag, value]).expect_code(0);
            tried += 1;
        }
    }
    assert!(tried >= 15, "read {tried} values from:\n{synopsis}");
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        "workload = \"web\"\n[inputs]\ndata_size = \"ram-to-3x\"\n",
    )
    .unwrap();
    let json = pgtune(&[
        "config",
        "--memory",
        "8GB",
        "--cpus",
        "4",
        "--profile",
        profile.to_str().unwrap(),
        "--format",
        "json",
    ])
    .expect_code(0)
    .stdout;
    assert!(json.contains("\"ram-to-3x\""), "{json}");
}

/// A cron job does not inherit the shell's PG* variables: `schedule` writes what they say into the
/// job, so it reaches the server this shell would; with nothing at all it warns.
#[test]
fn schedule_carries_the_connection_of_the_environment() {
    let out = run(Command::new(env!("CARGO_BIN_EXE_pgtune"))
        .args(["schedule", "--emit", "cron"])
        .env("PGHOST", "/tmp/sock dir")
        .env("PGPORT", "5499")
        .env("PGDATABASE", "app")
        .env_remove("PGUSER")
        .env_remove("PGSERVICE"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let daily = out
        .stdout
        .lines()
        .find(|l| l.contains("maintain daily"))
        .unwrap();
    assert!(
        daily.contains("-h '/tmp/sock dir' -p 5499 -d app"),
        "{daily}"
    );
    let bare = run(Command::new(env!("CARGO_BIN_EXE_pgtune"))
        .args(["schedule", "--emit", "cron"])
        .env_remove("PGHOST")
        .env_remove("PGPORT")
        .env_remove("PGUSER")
        .env_remove("PGDATABASE")
        .env_remove("PGSERVICE"));
    assert!(
        bare.stderr.contains("no connection given"),
        "{}",
        bare.stderr
    );
}

/// A threshold that only `report` uses is refused by `check` in one line, not accepted to no effect.
#[test]
fn check_refuses_a_threshold_it_does_not_use() {
    pgtune(&["check", "--threshold", "bloat_percent=0.2"])
        .expect_one_line_error("bloat_percent is a threshold of pgtune report bloat, not of check");
}
