//! `[release]`: leaving prison, and the deaths soon after it; `[release_support]`, support
//! around release for people with mental health needs.

use serde::{Deserialize, Serialize};

use super::common::{SexesSpec, per_100k_py, per_1000_py, share};
use crate::economics::Driver;
use crate::engine::PiecewiseHazard;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// People who take up release support (`[release_support]`). A cost or QALY line's `driver`.
pub const RELEASE_SUPPORT_PARTICIPANTS: Driver = Driver("release_support_participants");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[RELEASE_SUPPORT_PARTICIPANTS];

/// `[release]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    pub no_fixed_abode_share: Param,
    pub no_gp_share: Param,
    pub suicide_per_100k_py: Param,
    /// Suicide hazard in the first 28 days after release relative to days 29-365.
    pub suicide_first_28d_ratio: Param,
    pub drug_death_week1_per_1000_py: SexesSpec,
    pub drug_death_week2_per_1000_py: SexesSpec,
    pub drug_death_year1_per_1000_py: SexesSpec,
    /// Drug-death hazard in weeks 3-4 relative to weeks 5-52.
    pub drug_death_weeks3_4_ratio: Param,
    /// Share of people with severe mental illness released in contact with a community mental
    /// health team within six months.
    pub cmht_contact_6m_share: Param,
}

/// `[release_support]` (optional): release treated as a time of crisis (seed 001
/// recommendation 6): engagement before release, met at the gate, time-limited support after.
/// People with a mental health need who are released take it up with `uptake_share`; for them
/// the shares released without a GP and in contact with a community mental health team at six
/// months are these instead of `[release]`'s. Nothing else changes: the trials (E2-E5) found no
/// effect on outcomes the model carries beyond these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSupportSpec {
    pub uptake_share: Param,
    pub no_gp_share: Param,
    pub cmht_contact_6m_share: Param,
}

/// A resolved `[release_support]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReleaseSupport {
    pub uptake_share: f64,
    pub no_gp_share: f64,
    pub cmht_contact_6m_share: f64,
}

/// `[release]` and `[release_support]` resolved. The hazards cover the first year after release; the pathway gives them the community rates of `[probation]` after it.
pub(super) struct Release {
    pub no_fixed_abode_share: f64,
    pub no_gp_share: f64,
    pub release_suicide: PiecewiseHazard,
    pub release_drug_death: [PiecewiseHazard; 2],
    pub cmht_contact_6m_share: f64,
    pub release_support: Option<ReleaseSupport>,
}

pub(super) fn resolve(
    c: &mut Checker,
    r: &ReleaseSpec,
    support: Option<&ReleaseSupportSpec>,
) -> Release {
    let k = KeyPath::root().key("release");
    let no_fixed_abode_share = share(c, k.key("no_fixed_abode_share"), &r.no_fixed_abode_share);
    let no_gp_share = share(c, k.key("no_gp_share"), &r.no_gp_share);
    let suicide_year = per_100k_py(c, k.key("suicide_per_100k_py"), &r.suicide_per_100k_py);
    let ratio = c
        .param(
            &k.key("suicide_first_28d_ratio"),
            &r.suicide_first_28d_ratio,
            0.0,
            1000.0,
            "a ratio",
        )
        .unwrap_or(1.0);
    // The year's average is the evidence (M1); the ratio shapes it: 28 days at ratio x h and
    // 337.25 days at h average to the year's rate.
    let later = suicide_year * 365.25 / (28.0 * ratio + 337.25);
    let release_suicide = PiecewiseHazard::new(vec![(28.0, later * ratio), (365.25, later)], 0.0);
    let weeks34 = c
        .param(
            &k.key("drug_death_weeks3_4_ratio"),
            &r.drug_death_weeks3_4_ratio,
            0.0,
            1000.0,
            "a ratio",
        )
        .unwrap_or(1.0);
    let mut release_drug_death = [
        PiecewiseHazard::constant(0.0),
        PiecewiseHazard::constant(0.0),
    ];
    for (i, sex) in ["male", "female"].iter().enumerate() {
        let pick = |x: &SexesSpec| {
            if i == 0 {
                x.male.clone()
            } else {
                x.female.clone()
            }
        };
        let rate = |c: &mut Checker, name: &str, x: &SexesSpec| {
            per_1000_py(c, k.key(name).key(sex), &pick(x))
        };
        let w1 = rate(
            c,
            "drug_death_week1_per_1000_py",
            &r.drug_death_week1_per_1000_py,
        );
        let w2 = rate(
            c,
            "drug_death_week2_per_1000_py",
            &r.drug_death_week2_per_1000_py,
        );
        let year = rate(
            c,
            "drug_death_year1_per_1000_py",
            &r.drug_death_year1_per_1000_py,
        );
        // Weeks 1 and 2 are given (M3); the rest of the year's deaths (M3's year-1 rate) spread
        // over weeks 3-52 with weeks 3-4 at `weeks34` times weeks 5-52 (M4).
        let rest = year * 365.25 - 7.0 * (w1 + w2);
        if rest < 0.0 {
            c.push(
                k.key("drug_death_year1_per_1000_py").key(sex),
                "the first year's rate is lower than weeks 1 and 2 alone imply",
            );
        }
        let h = rest.max(0.0) / (14.0 * weeks34 + (365.25 - 28.0));
        release_drug_death[i] = PiecewiseHazard::new(
            vec![(7.0, w1), (14.0, w2), (28.0, h * weeks34), (365.25, h)],
            0.0,
        );
    }
    let cmht_contact_6m_share = share(c, k.key("cmht_contact_6m_share"), &r.cmht_contact_6m_share);
    let release_support = support.map(|r| {
        let k = KeyPath::root().key("release_support");
        ReleaseSupport {
            uptake_share: share(c, k.key("uptake_share"), &r.uptake_share),
            no_gp_share: share(c, k.key("no_gp_share"), &r.no_gp_share),
            cmht_contact_6m_share: share(
                c,
                k.key("cmht_contact_6m_share"),
                &r.cmht_contact_6m_share,
            ),
        }
    });
    Release {
        no_fixed_abode_share,
        no_gp_share,
        release_suicide,
        release_drug_death,
        cmht_contact_6m_share,
        release_support,
    }
}
