//! The reports commands return: plain data, made by the commands, drawn by `render/`, summarised for
//! the run record by `Report::summary`. They sit below both, so neither imports the other.

pub mod check;
pub mod config;
pub mod history;
pub mod info;
pub mod jobs;
pub mod maintain;
pub mod purge;
pub mod report;
pub mod schema;
pub mod schema_apply;
pub mod snapshot;
pub mod trends;
