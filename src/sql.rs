//! Every SQL text pgtune runs, embedded from `sql/` at build time so the files stay readable and
//! reviewable, and the binary needs nothing beside it.

/// A named SQL text; the name (its path under `sql/`) appears in errors and logs.
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! sql_file {
    ($path:literal) => {
        Sql {
            name: $path,
            text: include_str!(concat!("../sql/", $path)),
        }
    };
}

pub const INFO_SERVER: Sql = sql_file!("info/server.sql");
pub const INFO_EXTENSIONS: Sql = sql_file!("info/extensions.sql");
pub const INFO_PENDING_RESTART: Sql = sql_file!("info/pending_restart.sql");
pub const CONFIG_SERVER: Sql = sql_file!("config/server.sql");
pub const CONFIG_SETTINGS: Sql = sql_file!("config/settings.sql");
