//! A value that changes over time along straight lines between dated points: a policy phased in
//! (liaison and diversion's coverage rising from 50% to 100% over six years, L3).

use super::Tick;

/// A piecewise-linear value of time. Before the first point it holds the first point's value,
/// after the last the last's; between two points it is interpolated on the tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// (tick, value), ticks strictly increasing; at least one point.
    points: Vec<(Tick, f64)>,
}

impl Schedule {
    /// The same value at every time.
    pub fn constant(value: f64) -> Self {
        Self {
            points: vec![(0, value)],
        }
    }

    /// A schedule through `points`, which must be non-empty with strictly increasing ticks (the
    /// scenario checks see to it); `None` otherwise.
    pub fn through(points: Vec<(Tick, f64)>) -> Option<Self> {
        let increasing = points.windows(2).all(|w| w[0].0 < w[1].0);
        (!points.is_empty() && increasing).then_some(Self { points })
    }

    /// The value at `t`.
    #[inline]
    pub fn at(&self, t: Tick) -> f64 {
        let p = &self.points;
        // Most schedules are one point, or `t` is past the last: no search.
        let last = p[p.len() - 1];
        if t >= last.0 {
            return last.1;
        }
        if t <= p[0].0 {
            return p[0].1;
        }
        let i = p.partition_point(|&(at, _)| at <= t);
        let ((t0, v0), (t1, v1)) = (p[i - 1], p[i]);
        v0 + (v1 - v0) * ((t - t0) as f64 / (t1 - t0) as f64)
    }

    /// The value after the last point: what the schedule settles at.
    pub fn last(&self) -> f64 {
        self.points[self.points.len() - 1].1
    }

    /// Every value multiplied by `factor`.
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            points: self.points.iter().map(|&(t, v)| (t, v * factor)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_holds_before_and_after_and_is_linear_between() {
        let s = Schedule::through(vec![(100, 0.5), (200, 0.8), (400, 1.0)]).unwrap();
        assert_eq!(s.at(0), 0.5);
        assert_eq!(s.at(100), 0.5);
        assert!((s.at(150) - 0.65).abs() < 1e-12);
        assert_eq!(s.at(200), 0.8);
        assert!((s.at(300) - 0.9).abs() < 1e-12);
        assert_eq!(s.at(400), 1.0);
        assert_eq!(s.at(Tick::MAX), 1.0);
        assert_eq!(s.last(), 1.0);
        assert_eq!(Schedule::constant(0.3).at(12345), 0.3);
    }

    #[test]
    fn a_schedule_needs_increasing_ticks() {
        assert!(Schedule::through(vec![]).is_none());
        assert!(Schedule::through(vec![(5, 0.1), (5, 0.2)]).is_none());
        assert!(Schedule::through(vec![(6, 0.1), (5, 0.2)]).is_none());
    }
}
