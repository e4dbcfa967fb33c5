//! What several pathway sections share: one value per sex, death rates per person-years, and the
//! checks every section's numbers go through.
//!
//! Each check reports a problem through the [`Checker`] and returns a stand-in (0, or a fixed
//! delay of 0) so that checking goes on and every problem in the file is reported at once; the
//! pathway is only built when none was found.

use serde::{Deserialize, Serialize};

use crate::engine::{Distribution, Sampler};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Longest delay or period a pathway section may set, days (a century).
pub(super) const DAYS: f64 = 36_500.0;

/// One value per sex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SexesSpec {
    pub male: Param,
    pub female: Param,
}

/// A share between 0 and 1.
pub(super) fn share(c: &mut Checker, key: KeyPath, p: &Param) -> f64 {
    c.param(&key, p, 0.0, 1.0, "a share").unwrap_or(0.0)
}

/// A number from 0 to `max`; `what` names it in the message.
pub(super) fn nonneg(c: &mut Checker, key: KeyPath, p: &Param, max: f64, what: &str) -> f64 {
    c.param(&key, p, 0.0, max, what).unwrap_or(0.0)
}

/// Reports `message` at `key` if two shares of one group add up to more than 1 (beyond
/// rounding in written decimals): a third outcome takes the rest, so it cannot be negative.
pub(super) fn shares_leave_a_rest(c: &mut Checker, key: KeyPath, a: f64, b: f64, message: &str) {
    if a + b > 1.0 + 1e-9 {
        c.push(key, message);
    }
}

/// A delay or duration, days.
pub(super) fn dist(c: &mut Checker, key: KeyPath, d: &Distribution) -> Sampler {
    c.distribution(&key, d).unwrap_or(Sampler::Fixed(0.0))
}

/// A whole number of places (beds, therapists, caseload).
pub(super) fn count(c: &mut Checker, key: KeyPath, p: &Param, what: &str) -> u32 {
    whole(c, key, p, 0.0, 1e9, what).unwrap_or(0)
}

/// A whole number from `min` to `max`; `what` names it in the message.
pub(super) fn whole(
    c: &mut Checker,
    key: KeyPath,
    p: &Param,
    min: f64,
    max: f64,
    what: &str,
) -> Option<u32> {
    c.param(&key, p, min, max, what)
        .and_then(|v| c.count(&key, v, what))
}

/// A rate per 100,000 person-years (as suicides are published), as a rate per day.
pub(super) fn per_100k_py(c: &mut Checker, key: KeyPath, p: &Param) -> f64 {
    nonneg(c, key, p, 1e5, "a rate per 100,000 person-years") / 1e5 / 365.25
}

/// A rate per 1,000 person-years (as drug-related deaths are published), as a rate per day.
pub(super) fn per_1000_py(c: &mut Checker, key: KeyPath, p: &Param) -> f64 {
    nonneg(c, key, p, 1e3, "a rate per 1,000 person-years") / 1e3 / 365.25
}
