//! Simulated time is an integer count of ticks; one tick is one minute.
//!
//! Integer time makes event ordering exact: two events scheduled for the same minute are equal in
//! time and are ordered by the calendar's insertion sequence, never by floating-point noise.
//! A minute is fine enough for the shortest stage of the pathway (hours in police custody), and a
//! `u64` of minutes spans far more than any horizon a scenario can ask for.

/// A point in simulated time, or a span of it, in minutes since the start of the run.
pub type Tick = u64;

/// Ticks in one day.
pub const TICKS_PER_DAY: Tick = 24 * 60;

/// Converts a duration in days (as scenarios and distributions give them) to ticks, rounding to
/// the nearest minute. Negative, NaN and zero durations become zero; durations too long to
/// represent saturate at `Tick::MAX`.
#[inline]
pub fn days_to_ticks(days: f64) -> Tick {
    // Adding one half and truncating rounds half up without a call to libm's `round`; Rust's
    // float-to-integer cast saturates, so NaN and negatives give 0 and huge values `Tick::MAX`.
    (days * TICKS_PER_DAY as f64 + 0.5) as Tick
}

/// Converts ticks to days, for reporting.
#[inline]
pub fn ticks_to_days(ticks: Tick) -> f64 {
    ticks as f64 / TICKS_PER_DAY as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_to_the_nearest_minute() {
        assert_eq!(days_to_ticks(1.0), 1440);
        assert_eq!(days_to_ticks(0.5 / 1440.0), 1); // half a minute rounds up
        assert_eq!(days_to_ticks(0.49 / 1440.0), 0);
        assert_eq!(days_to_ticks(-3.0), 0);
        assert_eq!(days_to_ticks(f64::NAN), 0);
        assert_eq!(days_to_ticks(f64::INFINITY), Tick::MAX);
        assert_eq!(ticks_to_days(2880), 2.0);
    }
}
