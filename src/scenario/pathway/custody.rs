//! `[custody]`: sentences, release on licence, supervision and recall, and deaths in custody.

use serde::{Deserialize, Serialize};

use super::common::{DAYS, dist, nonneg, per_100k_py, share};
use crate::economics::Driver;
use crate::engine::{Distribution, Sampler};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Person-days in prison (remand and sentenced custody). A cost or QALY line's `driver`.
pub const CUSTODY_DAYS: Driver = Driver("custody_days");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[CUSTODY_DAYS];

/// `[custody]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustodySpec {
    /// Sentence length handed down (not time served).
    pub sentence_days: Distribution,
    pub release_fraction: Param,
    /// Sentences shorter than this get licence plus post-sentence supervision.
    pub supervision_sentence_limit_days: Param,
    /// Licence plus post-sentence supervision after such sentences.
    pub supervision_total_days: Param,
    /// Sentences shorter than this count as short (R1's under-12-month group).
    pub short_sentence_days: Param,
    /// Share of supervision periods that end in recall or breach to custody.
    pub recall_share: Param,
    pub recall_days: Param,
    pub suicide_per_100k_py: Param,
    pub other_death_per_100k_py: Param,
}

/// `[custody]` resolved: deaths as rates per day.
pub(super) struct Custody {
    pub sentence_days: Sampler,
    pub release_fraction: f64,
    pub supervision_sentence_limit_days: f64,
    pub supervision_total_days: f64,
    pub short_sentence_days: f64,
    pub recall_share: f64,
    pub recall_days: f64,
    pub custody_suicide_rate: f64,
    pub custody_other_death_rate: f64,
}

pub(super) fn resolve(c: &mut Checker, cu: &CustodySpec) -> Custody {
    let k = KeyPath::root().key("custody");
    let sentence_days = dist(c, k.key("sentence_days"), &cu.sentence_days);
    let release_fraction = share(c, k.key("release_fraction"), &cu.release_fraction);
    let supervision_sentence_limit_days = nonneg(
        c,
        k.key("supervision_sentence_limit_days"),
        &cu.supervision_sentence_limit_days,
        DAYS,
        "days",
    );
    let supervision_total_days = nonneg(
        c,
        k.key("supervision_total_days"),
        &cu.supervision_total_days,
        DAYS,
        "days",
    );
    let short_sentence_days = nonneg(
        c,
        k.key("short_sentence_days"),
        &cu.short_sentence_days,
        DAYS,
        "days",
    );
    let recall_share = share(c, k.key("recall_share"), &cu.recall_share);
    let recall_days = nonneg(c, k.key("recall_days"), &cu.recall_days, DAYS, "days");
    let custody_suicide_rate =
        per_100k_py(c, k.key("suicide_per_100k_py"), &cu.suicide_per_100k_py);
    let custody_other_death_rate = per_100k_py(
        c,
        k.key("other_death_per_100k_py"),
        &cu.other_death_per_100k_py,
    );
    Custody {
        sentence_days,
        release_fraction,
        supervision_sentence_limit_days,
        supervision_total_days,
        short_sentence_days,
        recall_share,
        recall_days,
        custody_suicide_rate,
        custody_other_death_rate,
    }
}
