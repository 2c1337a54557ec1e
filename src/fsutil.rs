//! Writing files the way a config management tool expects: all or nothing.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes through a temporary file in the same directory and renames it into place, so a reader never
/// sees half a file and a failure leaves the old one untouched. The mode and the owner of an
/// existing file are kept (root replacing postgres's conf.d file leaves it postgres's, which the
/// server can still read); one whose owner cannot be kept is not replaced. A new file gets 0644,
/// which the server's OS user can read.
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
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
    let existing = std::fs::metadata(path).ok();
    let mode = existing
        .as_ref()
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    if let Some(m) = &existing {
        let ours = std::fs::metadata(tmp.path())?;
        if (ours.uid(), ours.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::chown(tmp.path(), Some(m.uid()), Some(m.gid())).map_err(|e| {
                anyhow::anyhow!(
                    "cannot replace {} keeping its owner (uid {}, gid {}): {}; nothing was written (write it as that user)",
                    path.display(),
                    m.uid(),
                    m.gid(),
                    io_reason(&e)
                )
            })?;
        }
    }
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    /// Root replacing another user's file (a conf.d file the server reads) leaves it that user's.
    #[test]
    fn a_replaced_file_keeps_its_owner_and_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgtune.conf");
        std::fs::write(&path, "a = 1\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let me = std::fs::metadata(&path).unwrap();
        // As root (these sessions are), hand it to another owner first, as postgres would own it.
        let (uid, gid) = if me.uid() == 0 {
            (65534, 65534)
        } else {
            (me.uid(), me.gid())
        };
        std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
        super::write_atomically(&path, b"a = 2\n").unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert_eq!((after.uid(), after.gid()), (uid, gid));
        assert_eq!(after.permissions().mode() & 0o777, 0o640);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a = 2\n");
    }
}
