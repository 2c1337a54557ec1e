//! The password file (`~/.pgpass` or `PGPASSFILE`): `host:port:database:user:password` lines, `*` as a
//! wildcard, `\:` and `\\` as escapes, first match wins. Like libpq, a file readable by group or others
//! is ignored with a warning, and a Unix-socket connection matches the host name `localhost`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The password for this connection, if the file has one and may be trusted.
pub fn lookup(path: &Path, host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        tracing::warn!("password file \"{}\" is not a plain file", path.display());
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
            path.display()
        );
        return None;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("could not read password file \"{}\": {e}", path.display());
            return None;
        }
    };
    find(&text, host, &port.to_string(), dbname, user)
}

fn find(text: &str, host: &str, port: &str, dbname: &str, user: &str) -> Option<String> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .find_map(|line| {
            let fields = split_fields(line)?;
            let wanted = [host, port, dbname, user];
            let matches = fields[..4]
                .iter()
                .zip(wanted)
                .all(|(field, want)| field == "*" || field == want);
            matches.then(|| fields[4].clone())
        })
}

/// Splits one line into its five fields, unescaping; None for a line with fewer than five.
fn split_fields(line: &str) -> Option<[String; 5]> {
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            // As libpq reads it: a backslash escapes the next character, and one at the end of
            // the line is kept as it is (a password may end in a backslash).
            '\\' => match chars.next() {
                Some(next) => fields.last_mut()?.push(next),
                None => fields.last_mut()?.push('\\'),
            },
            ':' if fields.len() < 5 => fields.push(String::new()),
            // libpq ends the password at an unescaped colon.
            ':' => break,
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_trailing_backslash_is_kept_and_a_bare_colon_ends_the_password() {
        let f = split_fields("h:5432:db:u:secret\\").unwrap();
        assert_eq!(f[4], "secret\\");
        let f = split_fields("h:5432:db:u:a\\:b:c").unwrap();
        assert_eq!(f[4], "a:b");
    }
    use super::*;

    const FILE: &str = "# comment\n\
        db1:5432:app:alice:first\n\
        *:5432:*:alice:wild\\:card\n\
        localhost:*:*:bob:back\\\\slash:colon\n\
        short:line\n";

    #[test]
    fn first_match_wins_with_wildcards_and_escapes() {
        assert_eq!(
            find(FILE, "db1", "5432", "app", "alice").as_deref(),
            Some("first")
        );
        assert_eq!(
            find(FILE, "db2", "5432", "app", "alice").as_deref(),
            Some("wild:card")
        );
        assert_eq!(
            find(FILE, "localhost", "6000", "x", "bob").as_deref(),
            Some("back\\slash"),
            "libpq ends the password at the unescaped colon"
        );
        assert_eq!(find(FILE, "db1", "5433", "app", "alice"), None);
        assert_eq!(find(FILE, "short", "line", "x", "y"), None);
    }

    #[test]
    fn escaped_fields_match_literally() {
        let text = "h\\:x:5432:d\\\\b:u:pw\n";
        assert_eq!(
            find(text, "h:x", "5432", "d\\b", "u").as_deref(),
            Some("pw")
        );
    }

    #[test]
    fn ignores_files_open_to_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgpass");
        std::fs::write(&path, "*:*:*:*:secret\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(lookup(&path, "h", 5432, "d", "u"), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            lookup(&path, "h", 5432, "d", "u").as_deref(),
            Some("secret")
        );
    }
}
