//! What `pgtune completions` and `pgtune man` make from the flag definitions: a document for
//! stdout (a completion script, pgtune.1), or the man pages written into a directory.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Generated {
    /// `completions` or `man`.
    #[serde(skip)]
    pub command: &'static str,
    /// The document, as it goes into a file (none when pages were written into a directory).
    pub text: Option<String>,
    /// The pages written, in order.
    pub written: Vec<std::path::PathBuf>,
}

impl crate::model::Report for Generated {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    fn summary(&self) -> String {
        match &self.text {
            Some(_) => format!("{} printed", self.command),
            None => format!("{} pages written", self.written.len()),
        }
    }
}
