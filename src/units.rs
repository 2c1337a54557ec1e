//! Sizes and durations as people read them.

use std::time::Duration;

/// Bytes in 1024 multiples with PostgreSQL's unit names and one decimal when inexact: `7.3 MB`, `1 GB`.
pub fn format_bytes(bytes: i64) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{} {}", value as i64, UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`: the two largest units.
/// The longest duration a flag may give: beyond it a deadline would overflow the clock, and no run
/// of pgtune waits a century.
const LONGEST: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A duration written in PostgreSQL's units (`500ms`, `5s`, `10min`, `7d`; a bare number in
/// `unit`): None unless it is a finite, non-negative length of at most a century.
pub fn parse_duration(text: &str, unit: &str) -> Option<Duration> {
    let amount = crate::guc::in_setting_units(text, Some(unit))?;
    let seconds = match unit {
        "ms" => amount / 1000.0,
        "s" => amount,
        "min" => amount * 60.0,
        _ => return None,
    };
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| *d <= LONGEST)
}

pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    match () {
        _ if days > 0 => format!("{days}d {hours}h"),
        _ if hours > 0 => format!("{hours}h {minutes}m"),
        _ if minutes > 0 => format!("{minutes}m {seconds}s"),
        // A lock_timeout of 500ms is not "0s".
        _ if seconds == 0 && !d.is_zero() => format!("{}ms", d.as_millis()),
        _ => format!("{seconds}s"),
    }
}

/// "1 warning", "2 warnings", "0 warnings".
pub fn plural(n: impl Into<f64> + Copy + std::fmt::Display, one: &str, many: &str) -> String {
    if n.into() == 1.0 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_finite_non_negative_and_at_most_a_century() {
        use super::parse_duration;
        use std::time::Duration;
        assert_eq!(
            parse_duration("500ms", "ms"),
            Some(Duration::from_millis(500))
        );
        assert_eq!(parse_duration("2", "s"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("7d", "s"),
            Some(Duration::from_secs(7 * 86400))
        );
        assert_eq!(parse_duration("0", "ms"), Some(Duration::ZERO));
        for bad in ["99999999999999999d", "-1s", "NaNs", "infd", "5x", ""] {
            assert_eq!(parse_duration(bad, "s"), None, "{bad}");
        }
    }

    use super::*;

    #[test]
    fn bytes() {
        for (n, s) in [
            (0, "0 bytes"),
            (1023, "1023 bytes"),
            (1024, "1 kB"),
            (7_700_000, "7.3 MB"),
            (1 << 30, "1 GB"),
        ] {
            assert_eq!(format_bytes(n), s);
        }
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_secs(12)), "12s");
        assert_eq!(format_duration(Duration::from_secs(250)), "4m 10s");
        assert_eq!(format_duration(Duration::from_secs(90061)), "1d 1h");
    }
}
