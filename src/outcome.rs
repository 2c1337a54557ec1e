//! The exit-code contract shared by every command (Nagios-compatible, CI-friendly): a command that ran
//! returns the worst status it found; a command that could not run returns an error, which main maps
//! to 3.

use serde::Serialize;

/// Exit code for "could not run": bad input, usage error, connection failure, internal error.
pub const EXIT_COULD_NOT_RUN: u8 = 3;

/// How bad the worst finding of a completed run is. Ordered, so `max` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Ok,
    Warning,
    Critical,
}

impl Status {
    pub fn exit_code(self) -> std::process::ExitCode {
        std::process::ExitCode::from(match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_wins() {
        let worst = [Status::Ok, Status::Critical, Status::Warning]
            .into_iter()
            .max();
        assert_eq!(worst, Some(Status::Critical));
    }
}
