//! `pgtune config`'s report: the settings for the inputs, and the facts they came from.

use crate::tune::beyond::{self, Rejection};
use crate::tune::{Inputs, Setting};
use serde::Serialize;

/// Serialized only through its own JSON document (`render::config::json`).
#[derive(Debug, Serialize)]
pub struct ConfigReport {
    pub inputs: Inputs,
    pub profile: String,
    pub profile_description: Option<String>,
    pub detected: Vec<Fact>,
    /// PGTune's warnings, as groups of lines.
    pub warnings: Vec<Vec<String>>,
    /// PGTune's settings, unchanged.
    pub core: Vec<Setting>,
    /// pgtune's additions: our rules, the profile's settings, the server's substitutes.
    pub additions: Vec<Setting>,
    /// Values the server would refuse, left out.
    pub rejected: Vec<Rejection>,
    /// Settings in effect whose change needs a restart.
    pub restart: Vec<String>,
    pub notes: Vec<String>,
    /// The server the values were checked against.
    pub server: Option<String>,
    pub pgtune_compat: bool,
}

impl ConfigReport {
    /// The settings in effect, in order.
    pub fn effective(&self) -> Vec<&Setting> {
        beyond::recommended(&self.core, &self.additions, &self.rejected)
    }
}

/// An input pgtune found out rather than was told, and from where.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub input: &'static str,
    pub value: String,
    pub source: String,
}

impl crate::model::Report for ConfigReport {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    fn summary(&self) -> String {
        format!("{} settings", self.effective().len())
    }
}
