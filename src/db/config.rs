//! Reads what `pgtune config` checks its proposal against: the server's version, OS, data size,
//! shared memory, and `pg_settings` rows for the settings it proposes.

use std::collections::HashMap;

use super::{Db, QueryError};
use crate::sql;
use crate::tune::beyond::ServerSetting;

#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub version_num: i32,
    pub version_string: String,
    /// Total size of the databases this role may connect to.
    pub databases_bytes: Option<i64>,
    pub shared_buffers_bytes: i64,
    /// PostgreSQL 15+: the shared memory the running configuration needs.
    pub shared_memory_bytes: Option<i64>,
    /// PostgreSQL 15+: huge pages the running configuration needs (-1 when not applicable).
    pub huge_pages_needed: Option<i64>,
    /// 0 means the operating system's default.
    pub huge_page_size_bytes: Option<i64>,
}

pub async fn server(db: &Db) -> Result<ServerFacts, QueryError> {
    let row = db.query_one(&sql::CONFIG_SERVER, &[]).await?;
    Ok(ServerFacts {
        version_num: row.get("version_num"),
        version_string: row.get("version_string"),
        databases_bytes: row.get("databases_bytes"),
        shared_buffers_bytes: row.get("shared_buffers_bytes"),
        shared_memory_bytes: row.get("shared_memory_bytes"),
        huge_pages_needed: row.get("huge_pages_needed"),
        huge_page_size_bytes: row.get("huge_page_size_bytes"),
    })
}

/// `pg_settings` rows for these names; a name the server does not know is simply absent.
pub async fn settings(
    db: &Db,
    names: &[String],
) -> Result<HashMap<String, ServerSetting>, QueryError> {
    let rows = db.query(&sql::CONFIG_SETTINGS, &[&names]).await?;
    Ok(rows
        .iter()
        .map(|row| {
            (
                row.get::<_, String>("name"),
                ServerSetting {
                    vartype: row.get("vartype"),
                    unit: row.get("unit"),
                    min_val: row.get("min_val"),
                    max_val: row.get("max_val"),
                    enumvals: row.get("enumvals"),
                    context: row.get("context"),
                    setting: row.get("setting"),
                },
            )
        })
        .collect())
}
