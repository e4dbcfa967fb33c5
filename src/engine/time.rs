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

/// A moment kept in a person's record: minutes in 32 bits instead of 64, so the record is
/// smaller and more of the cohort stays in cache. 32 bits of minutes span 8,166 years; a run
/// (warm-up plus horizon, each checked to be at most 1,000 years) spans at most 2,000, so every
/// moment up to the end of a run fits. [`Stamp::NEVER`] stands for [`Tick::MAX`] ("not set").
/// Only moments already reached (or a few hours ahead) are stamped; dates far ahead, such as
/// the end of a sentence, stay in full ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(u32);

impl Stamp {
    /// Not set: reads back as [`Tick::MAX`].
    pub const NEVER: Stamp = Stamp(u32::MAX);

    /// Stamps `t`; moments past the 32-bit range (none within a valid run) read back as never.
    #[inline]
    pub fn at(t: Tick) -> Stamp {
        debug_assert!(
            t < u32::MAX as Tick || t == Tick::MAX,
            "moment {t} past the stamp range"
        );
        Stamp(u32::try_from(t).unwrap_or(u32::MAX))
    }

    /// The moment in ticks.
    #[inline]
    pub fn tick(self) -> Tick {
        if self == Stamp::NEVER {
            Tick::MAX
        } else {
            Tick::from(self.0)
        }
    }
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

    #[test]
    fn stamps_read_back_every_moment_of_the_longest_run() {
        // Warm-up and horizon are each at most 1,000 years (365,000 days).
        let longest = days_to_ticks(2.0 * 365_000.0);
        for t in [0, 1, 1440, longest / 2, longest, u64::from(u32::MAX) - 1] {
            assert_eq!(Stamp::at(t).tick(), t);
        }
        assert_eq!(Stamp::at(Tick::MAX).tick(), Tick::MAX);
        assert_eq!(Stamp::NEVER.tick(), Tick::MAX);
        assert_eq!(Stamp::default().tick(), 0);
        assert!(Stamp::at(5) < Stamp::at(6) && Stamp::at(6) < Stamp::NEVER);
    }
}
