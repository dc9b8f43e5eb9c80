//! Summaries of repeated measurements: median, min, max and p99 (nearest rank).

/// One figure's samples, summarized.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Middle value (mean of the two middle ones for an even count).
    pub median: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// 99th percentile, nearest rank (the maximum below 100 samples).
    pub p99: f64,
    /// Number of samples.
    pub samples: usize,
}

impl Summary {
    /// The summary of `samples`; None when there are none.
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let (first, last) = (*sorted.first()?, *sorted.last()?);
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let rank = ((0.99 * n as f64).ceil() as usize).clamp(1, n);
        Some(Self {
            median,
            min: first,
            max: last,
            p99: sorted[rank - 1],
            samples: n,
        })
    }
}
