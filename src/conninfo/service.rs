//! The connection service file (`pg_service.conf`): INI-style sections of conninfo keywords, looked up
//! as libpq does: `PGSERVICEFILE` or `~/.pg_service.conf` first, then the system-wide file
//! (`PGSYSCONFDIR/pg_service.conf`, else Debian's `/etc/postgresql-common/pg_service.conf`).

use std::path::{Path, PathBuf};

use super::{ConninfoError, Env, Params};

const SYSTEM_SERVICE_FILE: &str = "/etc/postgresql-common/pg_service.conf";

pub fn lookup(name: &str, env: &Env) -> Result<Params, ConninfoError> {
    let user_file = env
        .var("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| env.home_file(".pg_service.conf"));
    let system_file = env
        .var("PGSYSCONFDIR")
        .map(|d| Path::new(d).join("pg_service.conf"))
        .unwrap_or_else(|| PathBuf::from(SYSTEM_SERVICE_FILE));
    for file in user_file.iter().chain(std::iter::once(&system_file)) {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ConninfoError::new(format!(
                    "could not read service file \"{}\": {e}",
                    file.display()
                )))
            }
        };
        if let Some(params) = find_service(&text, name, file)? {
            return Ok(params);
        }
    }
    Err(ConninfoError::new(format!(
        "definition of service \"{name}\" not found (looked in {})",
        user_file
            .iter()
            .chain(std::iter::once(&system_file))
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    )))
}

/// The keywords of section `[name]`, or None when the file has no such section.
fn find_service(text: &str, name: &str, file: &Path) -> Result<Option<Params>, ConninfoError> {
    let mut current: Option<&str> = None;
    let mut found: Option<Params> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = || format!("in service file \"{}\" line {}", file.display(), n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let Some(section) = section.strip_suffix(']') else {
                return Err(ConninfoError::new(format!(
                    "syntax error {}: unclosed \"[\"",
                    at()
                )));
            };
            if found.is_some() {
                // The section we wanted has ended.
                break;
            }
            current = Some(section.trim());
            if current == Some(name) {
                found = Some(Params::default());
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ConninfoError::new(format!(
                "syntax error {}: expected key=value",
                at()
            )));
        };
        let (key, value) = (key.trim(), value.trim());
        if let (Some(params), Some(_)) = (found.as_mut(), current) {
            if key == "service" {
                return Err(ConninfoError::new(format!(
                    "nested service specifications not supported {}",
                    at()
                )));
            }
            params.set_keyword(key, value.to_string(), &at())?;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::Param;
    use super::*;

    #[test]
    fn finds_the_named_section_only() {
        let text = "# comment\n[other]\nhost=elsewhere\n\n[prod]\nhost = db1\nport=6432\n dbname=app\n[after]\nhost=x\n";
        let p = find_service(text, "prod", Path::new("f")).unwrap().unwrap();
        assert_eq!(p.get(Param::Host), Some("db1"));
        assert_eq!(p.get(Param::Port), Some("6432"));
        assert_eq!(p.get(Param::DbName), Some("app"));
        assert!(find_service(text, "missing", Path::new("f"))
            .unwrap()
            .is_none());
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = find_service(
            "[prod]\nhost=x\nbogus=1\n",
            "prod",
            Path::new("/etc/s.conf"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"bogus\""), "{err}");
        assert!(err.contains("/etc/s.conf\" line 3"), "{err}");
        let err = find_service("[prod]\nservice=other\n", "prod", Path::new("f")).unwrap_err();
        assert!(err.to_string().contains("nested"));
    }
}
