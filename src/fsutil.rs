//! Writing files the way a config management tool expects: all or nothing.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes through a temporary file in the same directory and renames it into place, so a reader never
/// sees half a file and a failure leaves the old one untouched. The mode of an existing file is kept;
/// a new file gets 0644, which the server's OS user can read.
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgtune-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!("wrote {}", path.display());
    Ok(())
}

/// Fails now, in one line, when `path` could not be written later: a run checks its output paths
/// before its first step, not after its last. Nothing is left behind.
pub fn check_writable(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".pgtune-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), io_reason(&e)))
}

/// An IO error in the words a file error line needs, without Rust's "(os error 2)".
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = err.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}
