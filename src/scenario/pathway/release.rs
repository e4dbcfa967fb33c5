//! `[release]`: leaving prison, and the deaths soon after it; `[release_support]`, support
//! around release for people with mental health needs.

use serde::{Deserialize, Serialize};

use super::common::{DAYS, SexesSpec, nonneg, per_100k_py, per_1000_py, share};
use crate::economics::Driver;
use crate::engine::PiecewiseHazard;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// People allocated to release support (`[release_support]`): everyone eligible who joins,
/// whether or not the support then reaches them, as C16's cost and E3's QALYs are per randomised
/// participant (intention to treat). A cost or QALY line's `driver`.
pub const RELEASE_SUPPORT_PARTICIPANTS: Driver = Driver("release_support_participants");
/// Releases onto licence: a release at the end of a sentence (from prison, or discharge from
/// secure hospital) with supervision still to run, as probation supervises it (HC1 prices a
/// licence per case). A release at the end of a recall continues the licence it interrupted
/// and is not a new one. A cost or QALY line's `driver`.
pub const RELEASES_ON_LICENCE: Driver = Driver("releases_on_licence");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[RELEASE_SUPPORT_PARTICIPANTS, RELEASES_ON_LICENCE];

/// `[release]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSpec {
    pub no_fixed_abode_share: Param,
    pub no_gp_share: Param,
    pub suicide_per_100k_py: Param,
    /// Suicide hazard in the first 28 days after release relative to days 29-365.
    pub suicide_first_28d_ratio: Param,
    /// Deaths of all causes in week 1 after release (M3's figures are all-cause, at least 95%
    /// drug-related): the drug-death hazard is what is left after the week's suicide and other
    /// deaths, so that the three together give this rate.
    pub death_week1_per_1000_py: SexesSpec,
    /// The same for week 2.
    pub death_week2_per_1000_py: SexesSpec,
    pub drug_death_year1_per_1000_py: SexesSpec,
    /// Drug-death hazard in weeks 3-4 relative to weeks 5-52.
    pub drug_death_weeks3_4_ratio: Param,
    /// Share of people with severe mental illness released in contact with a community mental
    /// health team within six months.
    pub cmht_contact_6m_share: Param,
}

/// `[release_support]` (optional): release treated as a time of crisis (seed 001
/// recommendation 6): engagement before release, met at the gate, time-limited support after,
/// as Engager tested it (E2, E3, C16).
///
/// Who is offered it is `population`: `"trial"` is Engager's population (men released at the
/// end of a sentence of at most `max_sentence_days`, with depression or anxiety and without
/// psychosis, recruited at least `min_days_in_custody` before release), and
/// `"mental_health_need"` is every release of a person with any mental health need, an
/// extrapolation the scenario must justify in its own words. Each person joins at most once,
/// with `participation_share`. The optional `no_gp_share` and `cmht_contact_6m_share` are
/// extrapolations too: the trials found no effect on outcomes the model carries, so without them
/// support changes nothing but its cost and QALYs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseSupportSpec {
    pub population: String,
    pub participation_share: Param,
    pub max_sentence_days: Param,
    pub min_days_in_custody: Param,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_gp_share: Option<Param>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmht_contact_6m_share: Option<Param>,
}

/// Who may be offered release support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportPopulation {
    /// Engager's trial population (E2).
    Trial,
    /// Every release of a person with a mental health need (an extrapolation).
    MentalHealthNeed,
}

/// A resolved `[release_support]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReleaseSupport {
    pub population: SupportPopulation,
    pub participation_share: f64,
    pub max_sentence_days: f64,
    pub min_days_in_custody: f64,
    /// For participants, instead of `[release]`'s; `None`: unchanged.
    pub no_gp_share: Option<f64>,
    pub cmht_contact_6m_share: Option<f64>,
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

/// `other_death_rate` is the community's rate of deaths from other causes per day
/// (`[probation]`), which applies after release too: weeks 1 and 2's drug-death hazard is the
/// all-cause rate less it and less the suicide hazard.
pub(super) fn resolve(
    c: &mut Checker,
    r: &ReleaseSpec,
    support: Option<&ReleaseSupportSpec>,
    other_death_rate: f64,
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
        // M3's weeks 1 and 2 are all causes; the drug hazard is what suicide (at its first-28-day
        // rate) and other deaths leave, so the three add up to M3 rather than exceed it.
        let not_drug = later * ratio + other_death_rate;
        let drug_part = |c: &mut Checker, name: &str, x: &SexesSpec| {
            let all = rate(c, name, x);
            if all < not_drug {
                c.push(
                    k.key(name).key(sex),
                    "the all-cause rate is lower than suicide and other deaths alone (`suicide_per_100k_py`, `[probation].other_death_per_1000_py`)",
                );
            }
            (all - not_drug).max(0.0)
        };
        let w1 = drug_part(c, "death_week1_per_1000_py", &r.death_week1_per_1000_py);
        let w2 = drug_part(c, "death_week2_per_1000_py", &r.death_week2_per_1000_py);
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
        let population = match r.population.as_str() {
            "trial" => SupportPopulation::Trial,
            "mental_health_need" => SupportPopulation::MentalHealthNeed,
            other => {
                c.push(
                    k.key("population"),
                    format!("unknown population `{other}` (known: trial, mental_health_need)"),
                );
                SupportPopulation::Trial
            }
        };
        let optional = |c: &mut Checker, name: &str, p: &Option<Param>| {
            p.as_ref().map(|p| share(c, k.key(name), p))
        };
        ReleaseSupport {
            population,
            participation_share: share(c, k.key("participation_share"), &r.participation_share),
            max_sentence_days: nonneg(
                c,
                k.key("max_sentence_days"),
                &r.max_sentence_days,
                DAYS,
                "a number of days",
            ),
            min_days_in_custody: nonneg(
                c,
                k.key("min_days_in_custody"),
                &r.min_days_in_custody,
                DAYS,
                "a number of days",
            ),
            no_gp_share: optional(c, "no_gp_share", &r.no_gp_share),
            cmht_contact_6m_share: optional(c, "cmht_contact_6m_share", &r.cmht_contact_6m_share),
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
