//! Reads what `pgtune info` shows: facts about the server and this session.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Db, QueryError};
use crate::sql;

#[derive(Debug, Clone, Serialize)]
pub struct ServerFacts {
    pub version: String,
    pub version_num: i32,
    pub version_string: String,
    pub user: String,
    pub database: String,
    pub is_superuser: bool,
    pub has_pg_monitor: bool,
    pub in_recovery: bool,
    /// None when this role may not see it.
    pub data_directory: Option<String>,
    pub config_file: Option<String>,
    pub database_size_bytes: i64,
    pub started_at: DateTime<Utc>,
    pub ssl: Option<SslFacts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SslFacts {
    pub version: Option<String>,
    pub cipher: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Extension {
    pub name: String,
    pub version: String,
    pub schema: String,
    /// The version `ALTER EXTENSION ... UPDATE` would move to, when newer than the installed one.
    pub update_available: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingRestart {
    pub name: String,
    pub running_value: String,
    pub unit: Option<String>,
}

pub async fn server(db: &Db) -> Result<ServerFacts, QueryError> {
    let row = db.query_one(&sql::INFO_SERVER, &[]).await?;
    let ssl = row
        .get::<_, Option<bool>>("ssl")
        .unwrap_or(false)
        .then(|| SslFacts {
            version: row.get("ssl_version"),
            cipher: row.get("ssl_cipher"),
        });
    Ok(ServerFacts {
        version: row.get("server_version"),
        version_num: row.get("server_version_num"),
        version_string: row.get("version_string"),
        user: row.get("session_user_name"),
        database: row.get("database"),
        is_superuser: row.get("is_superuser"),
        has_pg_monitor: row.get("has_pg_monitor"),
        in_recovery: row.get("in_recovery"),
        data_directory: row.get("data_directory"),
        config_file: row.get("config_file"),
        database_size_bytes: row.get("database_size"),
        started_at: row.get("started_at"),
        ssl,
    })
}

pub async fn extensions(db: &Db) -> Result<Vec<Extension>, QueryError> {
    let rows = db.query(&sql::INFO_EXTENSIONS, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let version: String = row.get("version");
            let default: Option<String> = row.get("default_version");
            Extension {
                name: row.get("name"),
                schema: row.get("schema"),
                update_available: default.filter(|d| *d != version),
                version,
            }
        })
        .collect())
}

pub async fn pending_restart(db: &Db) -> Result<Vec<PendingRestart>, QueryError> {
    let rows = db.query(&sql::INFO_PENDING_RESTART, &[]).await?;
    Ok(rows
        .iter()
        .map(|row| PendingRestart {
            name: row.get("name"),
            running_value: row.get("running_value"),
            unit: row.get("unit"),
        })
        .collect())
}
