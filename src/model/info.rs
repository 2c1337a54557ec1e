//! `pgtune info`'s report: where the session landed and what the server is.

use serde::Serialize;

use crate::db::info::{Extension, PendingRestart, ServerFacts};

#[derive(Debug, Serialize)]
pub struct InfoReport {
    /// How the connection reached the server, e.g. `socket "/tmp/.s.PGSQL.5432"`.
    pub connected_to: String,
    pub server: ServerFacts,
    pub extensions: Vec<Extension>,
    pub pending_restart: Vec<PendingRestart>,
}

impl crate::model::Report for InfoReport {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    fn summary(&self) -> String {
        format!(
            "PostgreSQL {} on {}, database {} as {}",
            self.server.version, self.connected_to, self.server.database, self.server.user
        )
    }
}
