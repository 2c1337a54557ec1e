//! The two spellings libpq accepts for a connection string: `key=value` pairs and
//! `postgres://` / `postgresql://` URIs. Both produce (keyword, value) pairs; the caller checks the
//! keywords. Error messages name the part that is wrong but never repeat a password.

use super::ConninfoError;

/// True when libpq would treat a `dbname` argument as a connection string rather than a name.
pub fn is_connection_string(s: &str) -> bool {
    uri_rest(s).is_some() || s.contains('=')
}

/// Parses either spelling.
pub fn parse(s: &str) -> Result<Vec<(String, String)>, ConninfoError> {
    match uri_rest(s) {
        Some(rest) => parse_uri(rest),
        None => parse_key_value(s),
    }
}

fn uri_rest(s: &str) -> Option<&str> {
    s.strip_prefix("postgresql://")
        .or_else(|| s.strip_prefix("postgres://"))
}

/// `host=db1 port=5432 password='it''s' ...` with libpq's quoting: a value is either a run of
/// non-space characters or a single-quoted string; a backslash escapes the next character in both.
pub fn parse_key_value(s: &str) -> Result<Vec<(String, String)>, ConninfoError> {
    let mut pairs = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') {
            return Err(ConninfoError::new(format!(
                "missing \"=\" after \"{key}\" in connection info string"
            )));
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => {
                        return Err(ConninfoError::new(format!(
                            "unterminated quoted string for \"{key}\" in connection info string"
                        )))
                    }
                    Some('\'') => break,
                    Some('\\') => {
                        if let Some(c) = chars.next() {
                            value.push(c)
                        }
                    }
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// `postgresql://[user[:password]@][host[:port][,...]][/dbname][?param=value&...]`, percent-decoded,
/// with `[v6addr]` hosts and libpq's `ssl=true` alias.
fn parse_uri(rest: &str) -> Result<Vec<(String, String)>, ConninfoError> {
    let mut pairs = Vec::new();

    // As libpq: the user part ends at the first '@' before the path starts.
    let path_start = rest.find('/').unwrap_or(rest.len());
    let mut rest = rest;
    if let Some(at) = rest[..path_start].find('@') {
        let userinfo = &rest[..at];
        rest = &rest[at + 1..];
        let (user, password) = match userinfo.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (userinfo, None),
        };
        if !user.is_empty() {
            pairs.push(("user".into(), decode(user, "user name")?));
        }
        if let Some(p) = password {
            // The password itself is never quoted back in an error.
            pairs.push(("password".into(), decode(p, "password")?));
        }
    }

    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hostspecs, after) = rest.split_at(host_end);
    if !hostspecs.is_empty() {
        let mut hosts = Vec::new();
        let mut ports = Vec::new();
        for spec in hostspecs.split(',') {
            let (host, port) = split_host_port(spec)?;
            hosts.push(decode(host, "host")?);
            ports.push(decode(port.unwrap_or(""), "port")?);
        }
        if hosts.iter().any(|h| !h.is_empty()) {
            pairs.push(("host".into(), hosts.join(",")));
        }
        if ports.iter().any(|p| !p.is_empty()) {
            pairs.push(("port".into(), ports.join(",")));
        }
    }

    let (path, query) = match after.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (after, None),
    };
    if let Some(db) = path.strip_prefix('/') {
        if !db.is_empty() {
            pairs.push(("dbname".into(), decode(db, "database name")?));
        }
    }
    for param in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let Some((k, v)) = param.split_once('=') else {
            return Err(ConninfoError::new(format!(
                "missing \"=\" in URI query parameter \"{}\"",
                decode(param, "query parameter")?
            )));
        };
        let key = decode(k, "query parameter")?;
        let value = decode(v, &format!("value of \"{key}\""))?;
        // libpq accepts the JDBC spelling ssl=true.
        if key == "ssl" {
            if value != "true" {
                return Err(ConninfoError::new(format!(
                    "invalid URI query parameter ssl=\"{value}\" (only ssl=true is accepted)"
                )));
            }
            pairs.push(("sslmode".into(), "require".into()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

fn split_host_port(spec: &str) -> Result<(&str, Option<&str>), ConninfoError> {
    if let Some(v6) = spec.strip_prefix('[') {
        let Some(close) = v6.find(']') else {
            return Err(ConninfoError::new(
                "missing \"]\" after an IPv6 host address in URI",
            ));
        };
        let host = &v6[..close];
        if host.is_empty() {
            return Err(ConninfoError::new("empty IPv6 host address in URI"));
        }
        return match &v6[close + 1..] {
            "" => Ok((host, None)),
            tail => match tail.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(ConninfoError::new(
                    "unexpected character after an IPv6 host address in URI (expected \":\")",
                )),
            },
        };
    }
    Ok(match spec.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (spec, None),
    })
}

/// Percent-decoding as libpq does it: `%XX` only, everything else literal. `what` names the URI part
/// in errors so no secret is echoed.
fn decode(s: &str, what: &str) -> Result<String, ConninfoError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                std::str::from_utf8(h)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            });
            match hex {
                Some(0) => {
                    return Err(ConninfoError::new(format!(
                        "forbidden value %00 in the {what} of the URI"
                    )))
                }
                Some(b) => out.push(b),
                None => {
                    return Err(ConninfoError::new(format!(
                        "invalid percent-encoding in the {what} of the URI"
                    )))
                }
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| ConninfoError::new(format!("the {what} of the URI is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn key_value_pairs() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("dbname=app", &[("dbname", "app")]),
            (
                "  host = db1   port=5433 user=alice ",
                &[("host", "db1"), ("port", "5433"), ("user", "alice")],
            ),
            (
                "password='it\\'s a secret' dbname=x",
                &[("password", "it's a secret"), ("dbname", "x")],
            ),
            ("password=a\\ b", &[("password", "a b")]),
            ("dbname=''", &[("dbname", "")]),
            ("application_name='é ünï'", &[("application_name", "é ünï")]),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap(), kv(expected), "input: {input}");
        }
    }

    #[test]
    fn key_value_errors_do_not_leak_passwords() {
        let err = parse("host=x password='hunter2").unwrap_err().to_string();
        assert!(err.contains("unterminated"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let err = parse("host=x justaword").unwrap_err().to_string();
        assert!(err.contains("missing \"=\" after \"justaword\""), "{err}");
    }

    #[test]
    fn uris() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("postgresql://", &[]),
            ("postgres://localhost", &[("host", "localhost")]),
            (
                "postgresql://alice:s%40cret@db.example.com:6432/app?sslmode=verify-full&application_name=x",
                &[
                    ("user", "alice"),
                    ("password", "s@cret"),
                    ("host", "db.example.com"),
                    ("port", "6432"),
                    ("dbname", "app"),
                    ("sslmode", "verify-full"),
                    ("application_name", "x"),
                ],
            ),
            (
                "postgresql://%2Fvar%2Frun%2Fpostgresql/mydb",
                &[("host", "/var/run/postgresql"), ("dbname", "mydb")],
            ),
            (
                "postgresql://[::1]:5433,db2/app",
                &[("host", "::1,db2"), ("port", "5433,"), ("dbname", "app")],
            ),
            (
                "postgresql:///app?host=/tmp&ssl=true",
                &[("dbname", "app"), ("host", "/tmp"), ("sslmode", "require")],
            ),
            ("postgresql://u@/db", &[("user", "u"), ("dbname", "db")]),
            ("postgresql://h/d%20b%22", &[("host", "h"), ("dbname", "d b\"")]),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).unwrap(), kv(expected), "input: {input}");
        }
    }

    #[test]
    fn uri_errors_do_not_leak_passwords() {
        for bad in [
            "postgresql://u:Zq%zzX9@h/db",
            "postgresql://u:Zq%00X9@h/db",
            "postgresql://u:ZqX9@[::1/db",
        ] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(!err.contains("Zq"), "{err}");
        }
    }

    #[test]
    fn detects_connection_strings() {
        assert!(is_connection_string("postgres://x"));
        assert!(is_connection_string("host=x"));
        assert!(!is_connection_string("my db"));
    }
}
