//! Running statistics of one pathway replication: counts, time-weighted levels and day
//! histograms, all accumulated as the run goes (memory does not grow with the number of people
//! or of replications).

use crate::engine::{TICKS_PER_DAY, Tick};

/// A count that changes over time (people in a place, beds in use), with its time-weighted mean
/// over the measured window `[start, ...)`.
#[derive(Debug, Clone, Default)]
pub struct Level {
    /// Current value.
    pub n: i64,
    /// Highest value reached at any time (whole run).
    pub max: i64,
    last: Tick,
    area: u128,
    start: Tick,
}

impl Level {
    /// A level measured from `start`.
    pub fn new(start: Tick) -> Self {
        Self {
            start,
            ..Self::default()
        }
    }

    fn advance(&mut self, now: Tick) {
        let from = self.last.max(self.start);
        if now > from {
            self.area += self.n.max(0) as u128 * (now - from) as u128;
        }
        self.last = now;
    }

    /// Adds `delta` at `now`.
    #[inline]
    pub fn add(&mut self, now: Tick, delta: i64) {
        self.advance(now);
        self.n += delta;
        self.max = self.max.max(self.n);
    }

    /// Brings the area up to `end`, after which [`Level::merge`] may add another level's.
    pub fn finish(&mut self, end: Tick) {
        self.advance(end);
    }

    /// Adds another level measured over the same window and finished at the same time (a
    /// catchment's): values, areas and maxima add (the maximum of a sum of separate pools is
    /// reported as the sum of their maxima).
    pub fn merge(&mut self, other: &Level) {
        debug_assert_eq!((self.start, self.last), (other.start, other.last));
        self.n += other.n;
        self.max += other.max;
        self.area += other.area;
    }

    /// Time-weighted mean from the window start to `end`.
    pub fn mean(&mut self, end: Tick) -> f64 {
        self.advance(end);
        if end > self.start {
            self.area as f64 / (end - self.start) as f64
        } else {
            f64::NAN
        }
    }

    /// Area under the level from the window start to `end`, in person-days.
    pub fn person_days(&mut self, end: Tick) -> f64 {
        self.advance(end);
        self.area as f64 / TICKS_PER_DAY as f64
    }
}

/// Ticks in a year of the measured window: 365.25 days (whole minutes).
pub const YEAR_TICKS: Tick = TICKS_PER_DAY * 1461 / 4;

/// Amounts by year of the measured window `[start, end)`, for discounting: event counts, or
/// weighted ticks of time spans. Integer, so sums do not depend on the order of adding.
#[derive(Debug, Clone)]
pub struct ByYear {
    start: Tick,
    end: Tick,
    v: Vec<u128>,
}

impl ByYear {
    /// Zero for every year of `[start, end)`; the last year may be short.
    pub fn new(start: Tick, end: Tick) -> Self {
        let years = end.saturating_sub(start).div_ceil(YEAR_TICKS).max(1);
        Self {
            start,
            end,
            v: vec![0; years as usize],
        }
    }

    /// Counts one event at `t` if it is inside the window.
    #[inline]
    pub fn count(&mut self, t: Tick) {
        if t >= self.start && t < self.end {
            self.v[((t - self.start) / YEAR_TICKS) as usize] += 1;
        }
    }

    /// Adds `weight` x the ticks of `[from, to)` that fall inside the window, year by year.
    #[inline]
    pub fn span(&mut self, from: Tick, to: Tick, weight: u64) {
        let (mut a, b) = (from.max(self.start), to.min(self.end));
        if weight == 0 {
            return;
        }
        while a < b {
            let year = (a - self.start) / YEAR_TICKS;
            let year_end = (self.start + (year + 1) * YEAR_TICKS).min(b);
            self.v[year as usize] += (year_end - a) as u128 * weight as u128;
            a = year_end;
        }
    }

    /// The amount in each year.
    pub fn years(&self) -> &[u128] {
        &self.v
    }

    /// Adds another window's amounts, year by year.
    pub fn merge(&mut self, other: &ByYear) {
        for (a, b) in self.v.iter_mut().zip(&other.v) {
            *a += b;
        }
    }
}

/// One statistic per group of people: sex by age band, the first
/// [`crate::economics::PEOPLE_GROUPS`] parts of [`crate::economics::PARTS`]. The economic
/// drivers are counted so, for the distributional view of costs and QALYs.
pub type ByGroup<T> = [T; crate::economics::PEOPLE_GROUPS];

/// A [`ByGroup`] of `f()`s.
pub fn by_group<T>(f: impl Fn() -> T) -> ByGroup<T> {
    std::array::from_fn(|_| f())
}

/// A level (people in prison, spot beds held) whose area is kept by year of the window.
#[derive(Debug, Clone)]
pub struct LevelByYear {
    n: u64,
    last: Tick,
    area: ByYear,
}

impl LevelByYear {
    pub fn new(start: Tick, end: Tick) -> Self {
        Self {
            n: 0,
            last: 0,
            area: ByYear::new(start, end),
        }
    }

    /// Adds `delta` at `now`.
    #[inline]
    pub fn add(&mut self, now: Tick, delta: i64) {
        self.area.span(self.last, now, self.n);
        self.last = now;
        self.n = self.n.saturating_add_signed(delta);
    }

    /// Area in level-ticks, by year, up to `end`.
    pub fn finish(&mut self, end: Tick) -> &[u128] {
        self.add(end, 0);
        self.area.years()
    }

    /// Adds another level's area (both finished at the same time).
    pub fn merge(&mut self, other: &LevelByYear) {
        self.n += other.n;
        self.area.merge(&other.area);
    }
}

/// Durations in whole-day bins, for medians and percentiles without keeping every value.
#[derive(Debug, Clone)]
pub struct DayHistogram {
    bins: Vec<u64>,
    n: u64,
    sum_ticks: u128,
    max_ticks: Tick,
    within: [u64; 2],
}

/// Days covered by bins; longer durations share the last bin (their exact values still count in
/// the mean and the maximum).
const HISTOGRAM_DAYS: usize = 3660;

impl Default for DayHistogram {
    fn default() -> Self {
        Self {
            bins: vec![0; HISTOGRAM_DAYS + 1],
            n: 0,
            sum_ticks: 0,
            max_ticks: 0,
            within: [0; 2],
        }
    }
}

impl DayHistogram {
    /// Records one duration.
    #[inline]
    pub fn record(&mut self, ticks: Tick) {
        let day = (ticks / TICKS_PER_DAY) as usize;
        self.bins[day.min(HISTOGRAM_DAYS)] += 1;
        self.n += 1;
        self.sum_ticks += ticks as u128;
        self.max_ticks = self.max_ticks.max(ticks);
        if ticks <= 14 * TICKS_PER_DAY {
            self.within[0] += 1;
        }
        if ticks <= 28 * TICKS_PER_DAY {
            self.within[1] += 1;
        }
    }

    /// Adds another histogram's durations.
    pub fn merge(&mut self, other: &DayHistogram) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.n += other.n;
        self.sum_ticks += other.sum_ticks;
        self.max_ticks = self.max_ticks.max(other.max_ticks);
        self.within[0] += other.within[0];
        self.within[1] += other.within[1];
    }

    /// Mean in days (NaN if empty).
    pub fn mean_days(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum_ticks as f64 / self.n as f64 / TICKS_PER_DAY as f64
    }

    /// Longest in days (NaN if empty).
    pub fn max_days(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.max_ticks as f64 / TICKS_PER_DAY as f64
    }

    /// Share at most 14 days (`which` 0) or 28 days (`which` 1).
    pub fn within_share(&self, which: usize) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.within[which] as f64 / self.n as f64
    }

    /// Share of durations shorter than `day` whole days (NaN if empty).
    pub fn share_before_day(&self, day: usize) -> f64 {
        1.0 - self.share_from_day(day)
    }

    /// Share of durations of at least `day` whole days (NaN if empty).
    pub fn share_from_day(&self, day: usize) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let at_least: u64 = self.bins[day.min(HISTOGRAM_DAYS)..].iter().sum();
        at_least as f64 / self.n as f64
    }

    /// The `q` quantile in days, interpolated linearly within its day (NaN if empty).
    pub fn quantile_days(&self, q: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let target = q * self.n as f64;
        let mut below = 0.0;
        for (day, &count) in self.bins.iter().enumerate() {
            let c = count as f64;
            if c > 0.0 && below + c >= target {
                return day as f64 + ((target - below) / c).clamp(0.0, 1.0);
            }
            below += c;
        }
        self.max_days()
    }
}

/// A ratio with its parts, reported as NaN when the denominator is 0.
pub fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        f64::NAN
    }
}

/// A statistic that adds up across independent catchments ([`super::run_catchments`]). Every
/// field of a stage's tally is one, and [`tally!`] derives the tally's merge from its field
/// list, so a counter cannot be declared and then left out of the merge (a forgotten counter
/// once undercounted only in `--catchments` runs).
pub trait Merge {
    /// Adds another catchment's statistic over the same window, both finished.
    fn merge(&mut self, other: &Self);
    /// Brings time-weighted amounts up to the run's end, before merging or reading.
    fn finish(&mut self, _end: Tick) {}
    /// One number that merging a statistic with a copy of itself doubles: how the tests check
    /// that every field takes part in the merge.
    #[cfg_attr(not(test), allow(dead_code))]
    fn total(&self) -> f64;
}

macro_rules! merge_by_adding {
    ($($t:ty),*) => {$(
        impl Merge for $t {
            #[inline]
            fn merge(&mut self, other: &Self) {
                *self += *other;
            }
            fn total(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}
merge_by_adding!(u64, u128, f64);

impl<T: Merge, const N: usize> Merge for [T; N] {
    fn merge(&mut self, other: &Self) {
        for (a, b) in self.iter_mut().zip(other) {
            a.merge(b);
        }
    }
    fn finish(&mut self, end: Tick) {
        for a in self {
            a.finish(end);
        }
    }
    fn total(&self) -> f64 {
        self.iter().map(Merge::total).sum()
    }
}

impl Merge for Level {
    fn merge(&mut self, other: &Self) {
        Level::merge(self, other);
    }
    fn finish(&mut self, end: Tick) {
        Level::finish(self, end);
    }
    fn total(&self) -> f64 {
        self.area as f64 + self.n as f64 + self.max as f64
    }
}

impl Merge for ByYear {
    fn merge(&mut self, other: &Self) {
        ByYear::merge(self, other);
    }
    fn total(&self) -> f64 {
        self.v.iter().map(|&x| x as f64).sum()
    }
}

impl Merge for LevelByYear {
    fn merge(&mut self, other: &Self) {
        LevelByYear::merge(self, other);
    }
    fn finish(&mut self, end: Tick) {
        LevelByYear::finish(self, end);
    }
    fn total(&self) -> f64 {
        self.area.total() + self.n as f64
    }
}

impl Merge for DayHistogram {
    fn merge(&mut self, other: &Self) {
        DayHistogram::merge(self, other);
    }
    fn total(&self) -> f64 {
        self.n as f64 + self.sum_ticks as f64
    }
}

/// Declares a stage's tally: the struct, and its [`Merge`] (merge, finish, total) derived from
/// the one list of fields. `totals()` lists each field's total for the merge test.
macro_rules! tally {
    (
        $(#[$meta:meta])*
        pub(super) struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub(super) struct $name {
            $( $(#[$fmeta])* pub(super) $field: $ty, )*
        }

        impl $crate::model::pathway::tally::Merge for $name {
            fn merge(&mut self, other: &Self) {
                $( $crate::model::pathway::tally::Merge::merge(&mut self.$field, &other.$field); )*
            }
            fn finish(&mut self, end: $crate::engine::Tick) {
                $( $crate::model::pathway::tally::Merge::finish(&mut self.$field, end); )*
            }
            fn total(&self) -> f64 {
                0.0 $( + $crate::model::pathway::tally::Merge::total(&self.$field) )*
            }
        }

        impl $name {
            /// Each field's name and total (see `Merge::total`).
            #[cfg(test)]
            pub(super) fn totals(&self) -> Vec<(&'static str, f64)> {
                vec![ $( (stringify!($field), $crate::model::pathway::tally::Merge::total(&self.$field)), )* ]
            }
        }
    };
}
pub(super) use tally;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_weights_by_time_inside_the_window() {
        let d = TICKS_PER_DAY;
        let mut l = Level::new(10 * d);
        l.add(0, 4); // 4 from day 0, but only days 10.. count
        l.add(15 * d, -2); // 4 for days 10-15, then 2
        assert!((l.mean(20 * d) - 3.0).abs() < 1e-12);
        assert_eq!(l.max, 4);
    }

    #[test]
    fn spans_split_at_year_boundaries_inside_the_window() {
        let y = YEAR_TICKS;
        let mut b = ByYear::new(10, 10 + 2 * y + 5);
        assert_eq!(b.years().len(), 3);
        b.span(0, 10 + y + 3, 2); // before the window: cut; then all of year 0, 3 ticks of year 1
        b.count(9); // before the window
        b.count(10 + 2 * y + 4); // last (short) year
        b.count(10 + 2 * y + 5); // at the end: outside
        assert_eq!(b.years(), &[2 * y as u128, 6, 1]);
        let mut l = LevelByYear::new(10, 10 + 2 * y);
        l.add(0, 3);
        l.add(10 + y, -1);
        assert_eq!(l.finish(10 + 2 * y), &[3 * y as u128, 2 * y as u128]);
    }

    #[test]
    fn histogram_quantiles_interpolate_within_a_day() {
        let mut h = DayHistogram::default();
        for day in 0..100 {
            h.record(day * TICKS_PER_DAY + TICKS_PER_DAY / 2);
        }
        assert!((h.quantile_days(0.5) - 50.0).abs() < 1e-9);
        assert!((h.quantile_days(0.9) - 90.0).abs() < 1e-9);
        assert!((h.within_share(0) - 0.14).abs() < 1e-12);
        assert!((h.mean_days() - 50.0).abs() < 1e-9);
    }
}
