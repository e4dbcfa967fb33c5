//! `[liaison_diversion]`: liaison and diversion services at police stations and courts.

use serde::{Deserialize, Serialize};

use super::common::{nonneg, share};
use crate::economics::Driver;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Referrals to liaison and diversion. A cost or QALY line's `driver`.
pub const LIAISON_DIVERSION_REFERRALS: Driver = Driver("liaison_diversion_referrals");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[LIAISON_DIVERSION_REFERRALS];

/// `[liaison_diversion]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiaisonDiversionSpec {
    /// Share of the population living where L&D operates. May be phased in (`phase_in`, L3's
    /// roll-out): areas covered early stay covered.
    pub coverage: Param,
    /// Share of people with a mental health need whom a present L&D service identifies and refers.
    pub identification_share: Param,
    /// Custodial-sentence probability after L&D involvement relative to none.
    pub custody_relative_risk: Param,
    /// Share of people L&D refers whose community order carries an MHTR.
    pub mhtr_share: Param,
}

/// `[liaison_diversion]` resolved.
pub(super) struct LiaisonDiversion {
    pub ld_coverage: f64,
    pub ld_coverage_phase_in: Vec<(f64, f64)>,
    pub ld_identification: f64,
    pub ld_custody_relative_risk: f64,
    pub ld_mhtr_share: f64,
}

pub(super) fn resolve(c: &mut Checker, l: &LiaisonDiversionSpec) -> LiaisonDiversion {
    let k = KeyPath::root().key("liaison_diversion");
    let (ld_coverage, ld_coverage_phase_in) = c
        .phased(&k.key("coverage"), &l.coverage, 0.0, 1.0, "a share")
        .unwrap_or_default();
    let ld_identification = share(c, k.key("identification_share"), &l.identification_share);
    let ld_custody_relative_risk = nonneg(
        c,
        k.key("custody_relative_risk"),
        &l.custody_relative_risk,
        1.0,
        "a relative risk of custody (at most 1: L&D is not modelled as raising it)",
    );
    let ld_mhtr_share = share(c, k.key("mhtr_share"), &l.mhtr_share);
    LiaisonDiversion {
        ld_coverage,
        ld_coverage_phase_in,
        ld_identification,
        ld_custody_relative_risk,
        ld_mhtr_share,
    }
}
