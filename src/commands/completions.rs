//! `pgtune completions <shell>` and `pgtune man`: generated from the same clap definitions as `--help`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::outcome::Status;

pub fn completions(shell: clap_complete::Shell, out: &mut impl Write) -> anyhow::Result<Status> {
    let mut cmd = crate::cli::command();
    // clap_complete panics when its writer fails; a buffer cannot fail, so a closed stdout is an
    // ordinary broken-pipe error below.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pgtune", &mut script);
    out.write_all(&script)?;
    Ok(Status::Ok)
}

/// Without a directory: pgtune.1 on stdout. With one: a page per command, as packagers install them.
pub fn man(dir: Option<&Path>, out: &mut impl Write) -> anyhow::Result<Status> {
    let cmd = crate::cli::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd).render(out)?;
        return Ok(Status::Ok);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("pgtune".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("pgtune-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(out, "{}", path.display())?;
    }
    Ok(Status::Ok)
}
