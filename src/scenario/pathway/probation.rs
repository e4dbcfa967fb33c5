//! `[probation]`: time on probation or otherwise in the community: referral to psychological
//! therapy, and deaths.

use serde::{Deserialize, Serialize};

use super::common::{SexesSpec, per_100k_py, per_1000_py, share};
use crate::economics::Driver;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Person-days under supervision in the community. A cost or QALY line's `driver`.
pub const PROBATION_DAYS: Driver = Driver("probation_days");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[PROBATION_DAYS];

/// `[probation]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbationSpec {
    pub suicide_per_100k_py: SexesSpec,
    /// Share of people on probation with depression or anxiety referred to psychological therapy.
    pub therapy_referral_share: Param,
    pub drug_death_per_1000_py: Param,
    pub other_death_per_1000_py: Param,
}

/// `[probation]` resolved: deaths as rates per day.
pub(super) struct Probation {
    pub community_suicide_rate: [f64; 2],
    pub probation_therapy_referral_share: f64,
    pub community_drug_death_rate: f64,
    pub community_other_death_rate: f64,
}

pub(super) fn resolve(c: &mut Checker, pr: &ProbationSpec) -> Probation {
    let k = KeyPath::root().key("probation");
    let community_suicide_rate = [
        per_100k_py(
            c,
            k.key("suicide_per_100k_py").key("male"),
            &pr.suicide_per_100k_py.male,
        ),
        per_100k_py(
            c,
            k.key("suicide_per_100k_py").key("female"),
            &pr.suicide_per_100k_py.female,
        ),
    ];
    let probation_therapy_referral_share = share(
        c,
        k.key("therapy_referral_share"),
        &pr.therapy_referral_share,
    );
    let community_drug_death_rate = per_1000_py(
        c,
        k.key("drug_death_per_1000_py"),
        &pr.drug_death_per_1000_py,
    );
    let community_other_death_rate = per_1000_py(
        c,
        k.key("other_death_per_1000_py"),
        &pr.other_death_per_1000_py,
    );
    Probation {
        community_suicide_rate,
        probation_therapy_referral_share,
        community_drug_death_rate,
        community_other_death_rate,
    }
}
