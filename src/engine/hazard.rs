//! Time to an event under a piecewise-constant hazard, such as death by week since release.
//!
//! Drawn by inversion: with E a standard exponential draw, the event happens when the cumulative
//! hazard reaches E. One draw per person and risk, however many pieces, so a scenario that
//! changes one piece changes nobody's other draws.

/// A hazard that is constant on consecutive intervals `[previous end, end)` (days) and constant
/// at `tail` after the last one.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseHazard {
    /// (end of the piece in days since the start, hazard per day), in increasing order of end.
    pieces: Vec<(f64, f64)>,
    /// Hazard per day after the last piece.
    tail: f64,
}

impl PiecewiseHazard {
    /// Pieces `(end_day, rate_per_day)` then `tail` per day. Rates must be finite and at least 0
    /// and ends increasing (checked by the scenario loader; asserted here).
    pub fn new(pieces: Vec<(f64, f64)>, tail: f64) -> Self {
        debug_assert!(pieces.windows(2).all(|w| w[0].0 < w[1].0));
        debug_assert!(pieces.iter().all(|p| p.1 >= 0.0 && p.1.is_finite()));
        Self { pieces, tail }
    }

    /// The same pieces with a different hazard after the last one.
    pub fn with_tail(mut self, tail: f64) -> Self {
        self.tail = tail;
        self
    }

    /// A constant hazard.
    pub fn constant(rate_per_day: f64) -> Self {
        Self::new(Vec::new(), rate_per_day)
    }

    /// Days from the start until cumulative hazard reaches `e` (a standard exponential draw), or
    /// `None` if it never does.
    #[inline]
    pub fn time_to_event(&self, mut e: f64) -> Option<f64> {
        let mut start = 0.0;
        for &(end, rate) in &self.pieces {
            let mass = rate * (end - start);
            if e < mass {
                return Some(start + e / rate);
            }
            e -= mass;
            start = end;
        }
        (self.tail > 0.0).then(|| start + e / self.tail)
    }

    /// Cumulative hazard from 0 to `t` days.
    pub fn cumulative(&self, t: f64) -> f64 {
        let mut start = 0.0;
        let mut total = 0.0;
        for &(end, rate) in &self.pieces {
            if t <= end {
                return total + rate * (t - start);
            }
            total += rate * (end - start);
            start = end;
        }
        total + self.tail * (t - start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversion_matches_cumulative_hazard() {
        let h = PiecewiseHazard::new(vec![(7.0, 0.1), (28.0, 0.01)], 0.001);
        for e in [0.0, 0.3, 0.7, 0.71, 0.9, 2.0] {
            let t = h.time_to_event(e).unwrap();
            assert!((h.cumulative(t) - e).abs() < 1e-12, "e {e} t {t}");
        }
        assert_eq!(
            PiecewiseHazard::new(vec![(5.0, 0.1)], 0.0).time_to_event(0.6),
            None
        );
    }
}
