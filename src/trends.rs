//! Growth from snapshot history: a least-squares line through (time, size) points, and when it reaches
//! a size. Pure, so the arithmetic is tested without a server.

use serde::Serialize;

const DAY: f64 = 86_400.0;

#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    /// Bytes per day, from the fitted line.
    pub growth_per_day: f64,
    pub current_bytes: i64,
    pub snapshots: usize,
    pub span_days: f64,
    /// How well a straight line explains the points (R², 0 to 1).
    pub fit: f64,
    pub confidence: &'static str,
    /// Days until the line reaches the limit; None when it does not grow or there is no limit.
    pub days_to_limit: Option<f64>,
    /// At least MIN_SNAPSHOTS snapshots over MIN_SPAN_DAYS: below that a line through the points is
    /// noise (four snapshots 19 seconds apart "reach the disk in 1 day"), never a warning.
    pub enough_history: bool,
}

pub const MIN_SNAPSHOTS: usize = 3;
pub const MIN_SPAN_DAYS: f64 = 1.0;

/// Fits size over time (seconds, bytes); None with fewer than two points or no time between them.
pub fn project(points: &[(f64, i64)], limit: Option<i64>) -> Option<Projection> {
    let n = points.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let (mx, my) = points.iter().fold((0.0, 0.0), |(x, y), (t, b)| {
        (x + t / nf, y + *b as f64 / nf)
    });
    let sxx: f64 = points.iter().map(|(t, _)| (t - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points
        .iter()
        .map(|(t, b)| (t - mx) * (*b as f64 - my))
        .sum();
    let syy: f64 = points.iter().map(|(_, b)| (*b as f64 - my).powi(2)).sum();
    let slope = sxy / sxx;
    let fit = if syy == 0.0 {
        1.0
    } else {
        (sxy * sxy / (sxx * syy)).clamp(0.0, 1.0)
    };
    let first = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let last = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let span_days = (last - first) / DAY;
    let current = points
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|p| p.1)
        .unwrap_or(0);
    let per_day = slope * DAY;
    let days_to_limit = match limit {
        Some(l) if per_day > 0.0 && l > current => Some((l - current) as f64 / per_day),
        Some(l) if l <= current => Some(0.0),
        _ => None,
    };
    let confidence = if n >= 8 && span_days >= 14.0 && fit >= 0.9 {
        "high"
    } else if n >= 4 && span_days >= 3.0 && fit >= 0.7 {
        "medium"
    } else {
        "low"
    };
    Some(Projection {
        growth_per_day: per_day,
        current_bytes: current,
        snapshots: n,
        span_days,
        fit,
        confidence,
        days_to_limit,
        enough_history: n >= MIN_SNAPSHOTS && span_days >= MIN_SPAN_DAYS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_of_history_are_not_enough() {
        let points: Vec<(f64, i64)> = (0..4)
            .map(|i| (i as f64 * 5.0, 1_000 + i * 1_000_000))
            .collect();
        let p = project(&points, Some(10_000_000)).unwrap();
        assert!(!p.enough_history);
        let daily: Vec<(f64, i64)> = (0..3)
            .map(|d| (d as f64 * DAY, 1_000 + d * 1_000))
            .collect();
        assert!(project(&daily, None).unwrap().enough_history);
    }

    #[test]
    fn a_steady_growth_is_projected_exactly() {
        // 1 GB on day 0, +100 MB a day, ten daily snapshots.
        let points: Vec<(f64, i64)> = (0..10)
            .map(|d| (d as f64 * DAY, 1_000_000_000 + d * 100_000_000))
            .collect();
        let p = project(&points, Some(3_000_000_000)).unwrap();
        assert!((p.growth_per_day - 100_000_000.0).abs() < 1.0);
        assert_eq!(p.current_bytes, 1_900_000_000);
        assert!((p.days_to_limit.unwrap() - 11.0).abs() < 1e-6);
        assert!((p.fit - 1.0).abs() < 1e-9);
        assert_eq!(p.confidence, "medium"); // nine days of history: not yet two weeks
    }

    #[test]
    fn too_little_history_is_no_projection_or_low_confidence() {
        assert!(project(&[(0.0, 1)], None).is_none());
        assert!(project(&[(5.0, 1), (5.0, 2)], None).is_none());
        let p = project(&[(0.0, 100), (DAY, 50)], Some(1000)).unwrap();
        assert!(p.growth_per_day < 0.0);
        assert_eq!(p.days_to_limit, None);
        assert_eq!(p.confidence, "low");
    }
}
