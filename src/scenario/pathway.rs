//! The pathway model's scenario sections, as serde reads them (`model = "pathway"`).
//!
//! Each section is one stage family of `../shared/design/pathway.md`. Every number is a
//! [`Param`] (bare, or `{ value, source, low, high, note }`), every delay a [`Distribution`] in
//! days. All keys are required: a pathway scenario either writes them all or `extends` a file
//! that does, so nothing silently falls back to a default the reader cannot see.

use serde::{Deserialize, Serialize};

use super::param::Param;
use crate::engine::Distribution;

/// All sections of a pathway scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathwaySpec {
    pub people: PeopleSpec,
    pub police: PoliceSpec,
    pub liaison_diversion: LiaisonDiversionSpec,
    pub court: CourtSpec,
    pub custody: CustodySpec,
    pub prison_care: PrisonCareSpec,
    pub transfer: TransferSpec,
    pub release: ReleaseSpec,
    pub probation: ProbationSpec,
    pub community: CommunitySpec,
    /// Optional: a time limit on transfer to secure hospital (policy scenarios).
    pub transfer_limit: Option<TransferLimitSpec>,
    /// Optional: support around release for people with mental health needs (policy scenarios).
    pub release_support: Option<ReleaseSupportSpec>,
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

/// `[transfer_limit]` (optional): a time limit on transfer, and how it is met. When the limit
/// draws near and no commissioned bed has been found, a spot-purchased or out-of-area bed is
/// sought; if none is found the person waits on and the breach is counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferLimitSpec {
    /// The limit, days.
    pub days: Param,
    /// When the clock starts: `"referral"` or `"assessment"` (the assessment that finds need).
    pub starts_at: String,
    /// Chance that a spot-purchased or out-of-area bed is found when one is sought.
    pub spot_purchase_share: Param,
    /// Days to find and contract a spot bed. It is sought when what is left of the limit is
    /// this plus the person's own warrant and admission time, which a spot bed takes as a
    /// commissioned one does.
    pub spot_lead_days: Param,
}

/// `[people]`: who enters, and what they bring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeopleSpec {
    /// People charged for the first time in the run, per day (national scale).
    pub new_people_per_day: Param,
    pub female_share: Param,
    pub age_50_59_share: Param,
    pub age_60_plus_share: Param,
    pub learning_disability_share: Param,
    /// Loading of the common factor in the Gaussian copula that links the five disorders.
    pub comorbidity_correlation: Param,
    pub prevalence: PrevalenceSpec,
}

/// `[people.prevalence.*]`: Table 2 of seed 001, by legal status and sex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrevalenceSpec {
    pub sentenced_male: ConditionsSpec,
    pub sentenced_female: ConditionsSpec,
    pub remand_male: ConditionsSpec,
    pub remand_female: ConditionsSpec,
}

/// Shares with each condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionsSpec {
    pub psychosis: Param,
    pub personality_disorder: Param,
    pub depression_anxiety: Param,
    pub drug_dependency: Param,
    pub alcohol_dependency: Param,
    pub suicide_attempt: Param,
    pub self_harm: Param,
}

/// `[police]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoliceSpec {
    /// Time in police custody before the first court appearance.
    pub custody_days: Param,
    /// Share of contacts of people with a mental health need resolved by street triage or s136
    /// (taken to a place of safety, not charged).
    pub s136_share: Param,
}

/// `[liaison_diversion]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiaisonDiversionSpec {
    /// Share of the population living where L&D operates.
    pub coverage: Param,
    /// Share of people with a mental health need whom a present L&D service identifies and refers.
    pub identification_share: Param,
    /// Custodial-sentence probability after L&D involvement relative to none.
    pub custody_relative_risk: Param,
    /// Share of people L&D refers whose community order carries an MHTR.
    pub mhtr_share: Param,
}

/// `[court]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourtSpec {
    pub remand_share: Param,
    pub remand_days: Distribution,
    pub bail_days: Distribution,
    /// Share of people with a mental health need for whom a psychiatric report is sought.
    pub report_share: Param,
    pub report_days: Distribution,
    pub remand_custody_share: Param,
    pub remand_acquittal_share: Param,
    pub bail_custody_share: Param,
    pub bail_community_order_share: Param,
    /// Share of custodial outcomes for people with psychosis and a report that become hospital
    /// orders.
    pub hospital_order_share: Param,
    pub community_order_days: Distribution,
    /// Share of community orders for people with a mental health need that carry an MHTR.
    pub mhtr_share: Param,
    pub mhtr_wait_days: Param,
}

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

/// `[prison_care]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrisonCareSpec {
    /// Share of mental health needs found at reception screening.
    pub screening_detects: Param,
    /// Courses of psychological therapy that can run at once (national).
    pub therapists: Param,
    /// People the in-reach teams can hold on their caseload at once (national).
    pub inreach_caseload: Param,
    pub high_intensity_share: Param,
    pub sessions_low_intensity: Param,
    pub sessions_high_intensity: Param,
    pub session_interval_days: Param,
    pub missed_appointment_share: Param,
    pub dropout_per_session: Param,
    pub recovery_share: Param,
    /// Share of people whose therapy is cut short by release who are referred on to community
    /// psychological therapy.
    pub onward_referral_share: Param,
}

/// `[transfer]`: prison to secure hospital (s47/s48).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferSpec {
    /// Share of custody spells of people with psychosis in which they become unwell enough to
    /// need a secure bed (if still in prison when it happens).
    pub acute_share: Param,
    pub onset_days: Distribution,
    pub assessment_days: Distribution,
    pub repeat_assessment_share: Param,
    pub repeat_assessment_days: Distribution,
    pub warrant_days: Distribution,
    pub admission_days: Distribution,
    pub high_share: Param,
    pub low_share: Param,
    pub beds: LevelsSpec<Param>,
    pub stay_days: LevelsSpec<Distribution>,
}

/// One value per security level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelsSpec<T> {
    pub high: T,
    pub medium: T,
    pub low: T,
}

/// One value per sex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SexesSpec {
    pub male: Param,
    pub female: Param,
}

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

/// `[probation]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbationSpec {
    pub suicide_per_100k_py: SexesSpec,
    /// Share of people on probation with depression or anxiety referred to psychological therapy.
    pub therapy_referral_share: Param,
    pub drug_death_per_1000_py: Param,
    pub other_death_per_1000_py: Param,
}

/// `[community]`: community care, reoffending, leaving the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunitySpec {
    pub iapt_entered_share: Param,
    pub iapt_wait_days: Distribution,
    pub iapt_completed_share: Param,
    pub iapt_recovery_share: Param,
    pub iapt_course_days: Distribution,
    pub reoffend_1y_share: ReoffendSpec,
    /// Time to the next proven offence among those who reoffend.
    pub reoffend_days: Distribution,
    pub psychosis_reoffend_ratio_men: Param,
    /// Days in the community, without reoffending, after which a person leaves the model.
    pub follow_up_days: Param,
}

/// One-year proven reoffending by the sentence just served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReoffendSpec {
    pub short_custody: Param,
    pub long_custody: Param,
    pub community_order: Param,
    pub other: Param,
}

// ---------------------------------------------------------------------------------------------
// Resolved parameters, ready for the model.

use super::check::Checker;
use super::error::KeyPath;
use crate::engine::{PiecewiseHazard, Sampler, Streams, Tick, days_to_ticks};

/// Conditions, in the order of [`ConditionsSpec`]'s fields and of [`CONDITION_NAMES`].
pub const CONDITIONS: usize = 7;
/// Names of the conditions as they appear in metric names.
pub const CONDITION_NAMES: [&str; CONDITIONS] = [
    "psychosis",
    "personality_disorder",
    "depression_anxiety",
    "drug_dependency",
    "alcohol_dependency",
    "suicide_attempt",
    "self_harm",
];
/// The first five conditions are the disorders of seed 000's "4 or 5 co-existing disorders".
pub const DISORDERS: usize = 5;
/// Prevalence groups, in the order of [`PrevalenceSpec`]'s fields.
pub const GROUP_NAMES: [&str; 4] = [
    "sentenced_male",
    "sentenced_female",
    "remand_male",
    "remand_female",
];
/// Security levels, in the order used by every per-level array.
pub const LEVEL_NAMES: [&str; 3] = ["high", "medium", "low"];

/// One-year reoffending groups, in the order of [`ReoffendSpec`]'s fields.
pub const SENTENCE_GROUPS: [&str; 4] =
    ["short_custody", "long_custody", "community_order", "other"];

/// The pathway's parameters after validation: shares as probabilities, rates per day, delays as
/// samplers in days, capacities as counts.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Pathway {
    pub new_people_per_day: f64,
    pub female_share: f64,
    pub age_50_59_share: f64,
    pub age_60_plus_share: f64,
    pub learning_disability_share: f64,
    pub comorbidity_correlation: f64,
    /// Normal quantiles of each group's prevalence: a condition is present when its latent
    /// normal falls below.
    pub prevalence_thresholds: [[f64; CONDITIONS]; 4],
    pub prevalence: [[f64; CONDITIONS]; 4],

    pub police_custody: Tick,
    pub s136_share: f64,

    pub ld_coverage: f64,
    pub ld_identification: f64,
    pub ld_custody_relative_risk: f64,
    pub ld_mhtr_share: f64,

    pub remand_share: f64,
    pub remand_days: Sampler,
    pub bail_days: Sampler,
    pub report_share: f64,
    pub report_days: Sampler,
    pub remand_custody_share: f64,
    pub remand_acquittal_share: f64,
    pub bail_custody_share: f64,
    pub bail_community_order_share: f64,
    pub hospital_order_share: f64,
    pub community_order_days: Sampler,
    pub mhtr_share: f64,
    pub mhtr_wait_days: f64,

    pub sentence_days: Sampler,
    pub release_fraction: f64,
    pub supervision_sentence_limit_days: f64,
    pub supervision_total_days: f64,
    pub short_sentence_days: f64,
    pub recall_share: f64,
    pub recall_days: f64,
    /// Deaths in custody: suicide and other causes, per day.
    pub custody_suicide_rate: f64,
    pub custody_other_death_rate: f64,

    pub screening_detects: f64,
    pub therapists: u32,
    pub inreach_caseload: u32,
    pub high_intensity_share: f64,
    pub sessions_low_intensity: u32,
    pub sessions_high_intensity: u32,
    pub session_interval_days: f64,
    pub missed_appointment_share: f64,
    pub dropout_per_session: f64,
    pub recovery_share: f64,
    pub onward_referral_share: f64,

    pub acute_share: f64,
    /// A time limit on transfer, if the scenario sets one.
    pub transfer_limit: Option<TransferLimit>,
    /// Support around release, if the scenario sets it.
    pub release_support: Option<ReleaseSupport>,
    pub onset_days: Sampler,
    pub assessment_days: Sampler,
    pub repeat_assessment_share: f64,
    pub repeat_assessment_days: Sampler,
    pub warrant_days: Sampler,
    pub admission_days: Sampler,
    /// Cumulative shares by level (high, medium, low), ending at 1.
    pub level_cumulative: [f64; 3],
    pub beds: [u32; 3],
    pub stay_days: [Sampler; 3],

    pub no_fixed_abode_share: f64,
    pub no_gp_share: f64,
    /// Suicide hazard by days since release, by sex (male, female): the post-release schedule
    /// for the first year, then the community rate.
    pub release_suicide: [PiecewiseHazard; 2],
    /// Drug-related death hazard by days since release, by sex: the first year's schedule, then
    /// the community rate.
    pub release_drug_death: [PiecewiseHazard; 2],
    pub cmht_contact_6m_share: f64,

    /// Suicide hazard per day on probation or otherwise in the community, by sex.
    pub community_suicide_rate: [f64; 2],
    pub probation_therapy_referral_share: f64,
    pub community_drug_death_rate: f64,
    pub community_other_death_rate: f64,

    pub iapt_entered_share: f64,
    pub iapt_wait_days: Sampler,
    pub iapt_completed_share: f64,
    pub iapt_recovery_share: f64,
    pub iapt_course_days: Sampler,
    /// Probability of ever reoffending, by [`SENTENCE_GROUPS`], derived from the one-year shares
    /// and the time-to-reoffence distribution.
    pub reoffend_ever: [f64; 4],
    pub reoffend_1y: [f64; 4],
    pub reoffend_days: Sampler,
    pub psychosis_reoffend_ratio_men: f64,
    pub follow_up_days: f64,
}

/// A resolved `[transfer_limit]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferLimit {
    /// The limit, days.
    pub days: f64,
    /// Whether the clock starts at referral (else at the assessment that finds need).
    pub from_referral: bool,
    pub spot_purchase_share: f64,
    pub spot_lead_days: f64,
}

/// A resolved `[release_support]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReleaseSupport {
    pub uptake_share: f64,
    pub no_gp_share: f64,
    pub cmht_contact_6m_share: f64,
}

/// Draws used to estimate the share of reoffenders who reoffend within a year under the
/// scenario's time-to-reoffence distribution (a fixed stream: the estimate is deterministic).
const CDF_DRAWS: u32 = 200_000;

impl Pathway {
    /// The same system at `factor` times the size: arrivals and every capacity scaled together
    /// (capacities rounded, and at least 1 where they were at least 1).
    pub fn scaled(&self, factor: f64) -> Self {
        let cap = |c: u32| {
            if c == 0 {
                0
            } else {
                ((c as f64 * factor).round() as u32).max(1)
            }
        };
        let mut p = self.clone();
        p.new_people_per_day *= factor;
        p.therapists = cap(p.therapists);
        p.inreach_caseload = cap(p.inreach_caseload);
        p.beds = p.beds.map(cap);
        p
    }
}

impl Pathway {
    /// Catchment `index` of `count` equal catchments: a `count`-th of the new people, and each
    /// capacity split in whole places so that the catchments' capacities add up to this one's
    /// (the first `capacity % count` catchments get one more).
    pub fn catchment(&self, count: u32, index: u32) -> Self {
        let share = |c: u32| c / count + u32::from(index < c % count);
        let mut p = self.clone();
        p.new_people_per_day /= count as f64;
        p.therapists = share(p.therapists);
        p.inreach_caseload = share(p.inreach_caseload);
        p.beds = p.beds.map(share);
        p
    }
}

/// Per-day rate from a rate per `per` person-years.
fn per_day(rate: f64, per: f64) -> f64 {
    rate / per / 365.25
}

pub(super) fn resolve(c: &mut Checker, s: &PathwaySpec) -> Option<Pathway> {
    let before = c.problems.len();
    let root = KeyPath::root();
    let share = |c: &mut Checker, key: KeyPath, p: &Param| {
        c.param(&key, p, 0.0, 1.0, "a share").unwrap_or(0.0)
    };
    let nonneg = |c: &mut Checker, key: KeyPath, p: &Param, max: f64, what: &str| {
        c.param(&key, p, 0.0, max, what).unwrap_or(0.0)
    };
    let dist = |c: &mut Checker, key: KeyPath, d: &Distribution| {
        c.distribution(&key, d).unwrap_or(Sampler::Fixed(0.0))
    };
    let count = |c: &mut Checker, key: KeyPath, p: &Param, what: &str| {
        c.param(&key, p, 0.0, 1e9, what)
            .and_then(|v| c.count(&key, v, what))
            .unwrap_or(0)
    };
    const DAYS: f64 = 36_500.0;

    let k = root.key("people");
    let p = &s.people;
    let new_people_per_day = nonneg(
        c,
        k.key("new_people_per_day"),
        &p.new_people_per_day,
        1e6,
        "a rate per day",
    );
    if p.new_people_per_day.value <= 0.0 {
        c.push(
            k.key("new_people_per_day"),
            "the rate of new people must be greater than 0",
        );
    }
    let female_share = share(c, k.key("female_share"), &p.female_share);
    let age_50_59_share = share(c, k.key("age_50_59_share"), &p.age_50_59_share);
    let age_60_plus_share = share(c, k.key("age_60_plus_share"), &p.age_60_plus_share);
    if age_50_59_share + age_60_plus_share > 1.0 {
        c.push(
            k.key("age_60_plus_share"),
            "the age shares add up to more than 1",
        );
    }
    let learning_disability_share = share(
        c,
        k.key("learning_disability_share"),
        &p.learning_disability_share,
    );
    let comorbidity_correlation = c
        .param(
            &k.key("comorbidity_correlation"),
            &p.comorbidity_correlation,
            0.0,
            0.99,
            "a correlation",
        )
        .unwrap_or(0.0);
    let mut prevalence = [[0.0; CONDITIONS]; 4];
    let groups = [
        &p.prevalence.sentenced_male,
        &p.prevalence.sentenced_female,
        &p.prevalence.remand_male,
        &p.prevalence.remand_female,
    ];
    for (g, cs) in groups.iter().enumerate() {
        let gk = k.key("prevalence").key(GROUP_NAMES[g]);
        let values = [
            &cs.psychosis,
            &cs.personality_disorder,
            &cs.depression_anxiety,
            &cs.drug_dependency,
            &cs.alcohol_dependency,
            &cs.suicide_attempt,
            &cs.self_harm,
        ];
        for (i, v) in values.iter().enumerate() {
            prevalence[g][i] = share(c, gk.key(CONDITION_NAMES[i]), v);
        }
    }
    let prevalence_thresholds =
        prevalence.map(|g| g.map(crate::engine::stats::normal_quantile_or_inf));

    let k = root.key("police");
    let police_custody = days_to_ticks(nonneg(
        c,
        k.key("custody_days"),
        &s.police.custody_days,
        30.0,
        "days in police custody",
    ));
    let s136_share = share(c, k.key("s136_share"), &s.police.s136_share);

    let k = root.key("liaison_diversion");
    let l = &s.liaison_diversion;
    let ld_coverage = share(c, k.key("coverage"), &l.coverage);
    let ld_identification = share(c, k.key("identification_share"), &l.identification_share);
    let ld_custody_relative_risk = nonneg(
        c,
        k.key("custody_relative_risk"),
        &l.custody_relative_risk,
        1.0,
        "a relative risk of custody (at most 1: L&D is not modelled as raising it)",
    );
    let ld_mhtr_share = share(c, k.key("mhtr_share"), &l.mhtr_share);

    let k = root.key("court");
    let ct = &s.court;
    let remand_share = share(c, k.key("remand_share"), &ct.remand_share);
    let remand_days = dist(c, k.key("remand_days"), &ct.remand_days);
    let bail_days = dist(c, k.key("bail_days"), &ct.bail_days);
    let report_share = share(c, k.key("report_share"), &ct.report_share);
    let report_days = dist(c, k.key("report_days"), &ct.report_days);
    let remand_custody_share = share(c, k.key("remand_custody_share"), &ct.remand_custody_share);
    let remand_acquittal_share = share(
        c,
        k.key("remand_acquittal_share"),
        &ct.remand_acquittal_share,
    );
    if remand_custody_share + remand_acquittal_share > 1.0 + 1e-9 {
        c.push(k.key("remand_acquittal_share"), "`remand_custody_share` and `remand_acquittal_share` add up to more than 1 (the rest get community orders)");
    }
    let bail_custody_share = share(c, k.key("bail_custody_share"), &ct.bail_custody_share);
    let bail_community_order_share = share(
        c,
        k.key("bail_community_order_share"),
        &ct.bail_community_order_share,
    );
    if bail_custody_share + bail_community_order_share > 1.0 + 1e-9 {
        c.push(k.key("bail_community_order_share"), "`bail_custody_share` and `bail_community_order_share` add up to more than 1 (the rest get other outcomes)");
    }
    let hospital_order_share = share(c, k.key("hospital_order_share"), &ct.hospital_order_share);
    let community_order_days = dist(c, k.key("community_order_days"), &ct.community_order_days);
    let mhtr_share = share(c, k.key("mhtr_share"), &ct.mhtr_share);
    let mhtr_wait_days = nonneg(c, k.key("mhtr_wait_days"), &ct.mhtr_wait_days, DAYS, "days");

    let k = root.key("custody");
    let cu = &s.custody;
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
    let custody_suicide_rate = per_day(
        nonneg(
            c,
            k.key("suicide_per_100k_py"),
            &cu.suicide_per_100k_py,
            1e5,
            "a rate per 100,000 person-years",
        ),
        1e5,
    );
    let custody_other_death_rate = per_day(
        nonneg(
            c,
            k.key("other_death_per_100k_py"),
            &cu.other_death_per_100k_py,
            1e5,
            "a rate per 100,000 person-years",
        ),
        1e5,
    );

    let k = root.key("prison_care");
    let pc = &s.prison_care;
    let screening_detects = share(c, k.key("screening_detects"), &pc.screening_detects);
    let therapists = count(
        c,
        k.key("therapists"),
        &pc.therapists,
        "a number of therapy places",
    );
    let inreach_caseload = count(
        c,
        k.key("inreach_caseload"),
        &pc.inreach_caseload,
        "a caseload",
    );
    let high_intensity_share = share(c, k.key("high_intensity_share"), &pc.high_intensity_share);
    let sessions_low_intensity = count(
        c,
        k.key("sessions_low_intensity"),
        &pc.sessions_low_intensity,
        "a number of sessions",
    );
    let sessions_high_intensity = count(
        c,
        k.key("sessions_high_intensity"),
        &pc.sessions_high_intensity,
        "a number of sessions",
    );
    for (name, v) in [
        ("sessions_low_intensity", sessions_low_intensity),
        ("sessions_high_intensity", sessions_high_intensity),
    ] {
        if v == 0 && c.problems.len() == before {
            c.push(k.key(name), "a course needs at least one session");
        }
    }
    let session_interval_days = nonneg(
        c,
        k.key("session_interval_days"),
        &pc.session_interval_days,
        365.0,
        "days",
    );
    let missed_appointment_share = c
        .param(
            &k.key("missed_appointment_share"),
            &pc.missed_appointment_share,
            0.0,
            0.95,
            "a share of appointments missed",
        )
        .unwrap_or(0.0);
    let dropout_per_session = share(c, k.key("dropout_per_session"), &pc.dropout_per_session);
    let recovery_share = share(c, k.key("recovery_share"), &pc.recovery_share);
    let onward_referral_share = share(c, k.key("onward_referral_share"), &pc.onward_referral_share);

    let k = root.key("transfer");
    let t = &s.transfer;
    let acute_share = share(c, k.key("acute_share"), &t.acute_share);
    let onset_days = dist(c, k.key("onset_days"), &t.onset_days);
    let assessment_days = dist(c, k.key("assessment_days"), &t.assessment_days);
    let repeat_assessment_share = share(
        c,
        k.key("repeat_assessment_share"),
        &t.repeat_assessment_share,
    );
    let repeat_assessment_days = dist(
        c,
        k.key("repeat_assessment_days"),
        &t.repeat_assessment_days,
    );
    let transfer_limit = s.transfer_limit.as_ref().map(|l| {
        let k = root.key("transfer_limit");
        let days = nonneg(c, k.key("days"), &l.days, DAYS, "a number of days");
        let lead = nonneg(c, k.key("spot_lead_days"), &l.spot_lead_days, DAYS, "a number of days");
        if lead > days {
            c.push(
                k.key("spot_lead_days"),
                format!("a spot bed sought {lead} days before a limit of {days} days would be sought before the clock starts"),
            );
        }
        let from_referral = match l.starts_at.as_str() {
            "referral" => true,
            "assessment" => false,
            other => {
                c.push(
                    k.key("starts_at"),
                    format!("unknown start `{other}` (known: referral, assessment)"),
                );
                false
            }
        };
        TransferLimit {
            days,
            from_referral,
            spot_purchase_share: share(c, k.key("spot_purchase_share"), &l.spot_purchase_share),
            spot_lead_days: lead,
        }
    });
    let release_support = s.release_support.as_ref().map(|r| {
        let k = root.key("release_support");
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
    let warrant_days = dist(c, k.key("warrant_days"), &t.warrant_days);
    let admission_days = dist(c, k.key("admission_days"), &t.admission_days);
    let high_share = share(c, k.key("high_share"), &t.high_share);
    let low_share = share(c, k.key("low_share"), &t.low_share);
    if high_share + low_share > 1.0 + 1e-9 {
        c.push(
            k.key("low_share"),
            "`high_share` and `low_share` add up to more than 1 (medium secure takes the rest)",
        );
    }
    let level_cumulative = [high_share, 1.0 - low_share, 1.0];
    let beds = [
        count(
            c,
            k.key("beds").key("high"),
            &t.beds.high,
            "a number of beds",
        ),
        count(
            c,
            k.key("beds").key("medium"),
            &t.beds.medium,
            "a number of beds",
        ),
        count(c, k.key("beds").key("low"), &t.beds.low, "a number of beds"),
    ];
    let stay_days = [
        dist(c, k.key("stay_days").key("high"), &t.stay_days.high),
        dist(c, k.key("stay_days").key("medium"), &t.stay_days.medium),
        dist(c, k.key("stay_days").key("low"), &t.stay_days.low),
    ];

    let k = root.key("release");
    let r = &s.release;
    let no_fixed_abode_share = share(c, k.key("no_fixed_abode_share"), &r.no_fixed_abode_share);
    let no_gp_share = share(c, k.key("no_gp_share"), &r.no_gp_share);
    let suicide_year = per_day(
        nonneg(
            c,
            k.key("suicide_per_100k_py"),
            &r.suicide_per_100k_py,
            1e5,
            "a rate per 100,000 person-years",
        ),
        1e5,
    );
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
            per_day(
                nonneg(
                    c,
                    k.key(name).key(sex),
                    &pick(x),
                    1e3,
                    "a rate per 1,000 person-years",
                ),
                1e3,
            )
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

    let k = root.key("probation");
    let pr = &s.probation;
    let community_suicide_rate = [
        per_day(
            nonneg(
                c,
                k.key("suicide_per_100k_py").key("male"),
                &pr.suicide_per_100k_py.male,
                1e5,
                "a rate per 100,000 person-years",
            ),
            1e5,
        ),
        per_day(
            nonneg(
                c,
                k.key("suicide_per_100k_py").key("female"),
                &pr.suicide_per_100k_py.female,
                1e5,
                "a rate per 100,000 person-years",
            ),
            1e5,
        ),
    ];
    let probation_therapy_referral_share = share(
        c,
        k.key("therapy_referral_share"),
        &pr.therapy_referral_share,
    );
    let community_drug_death_rate = per_day(
        nonneg(
            c,
            k.key("drug_death_per_1000_py"),
            &pr.drug_death_per_1000_py,
            1e3,
            "a rate per 1,000 person-years",
        ),
        1e3,
    );
    let community_other_death_rate = per_day(
        nonneg(
            c,
            k.key("other_death_per_1000_py"),
            &pr.other_death_per_1000_py,
            1e3,
            "a rate per 1,000 person-years",
        ),
        1e3,
    );

    let k = root.key("community");
    let cm = &s.community;
    let iapt_entered_share = share(c, k.key("iapt_entered_share"), &cm.iapt_entered_share);
    let iapt_wait_days = dist(c, k.key("iapt_wait_days"), &cm.iapt_wait_days);
    let iapt_completed_share = share(c, k.key("iapt_completed_share"), &cm.iapt_completed_share);
    let iapt_recovery_share = share(c, k.key("iapt_recovery_share"), &cm.iapt_recovery_share);
    let iapt_course_days = dist(c, k.key("iapt_course_days"), &cm.iapt_course_days);
    let reoffend_days = dist(c, k.key("reoffend_days"), &cm.reoffend_days);
    let ro = &cm.reoffend_1y_share;
    let reoffend_1y = [
        share(
            c,
            k.key("reoffend_1y_share").key("short_custody"),
            &ro.short_custody,
        ),
        share(
            c,
            k.key("reoffend_1y_share").key("long_custody"),
            &ro.long_custody,
        ),
        share(
            c,
            k.key("reoffend_1y_share").key("community_order"),
            &ro.community_order,
        ),
        share(c, k.key("reoffend_1y_share").key("other"), &ro.other),
    ];
    let psychosis_reoffend_ratio_men = c
        .param(
            &k.key("psychosis_reoffend_ratio_men"),
            &cm.psychosis_reoffend_ratio_men,
            0.0,
            10.0,
            "a ratio",
        )
        .unwrap_or(1.0);
    let follow_up_days = nonneg(c, k.key("follow_up_days"), &cm.follow_up_days, DAYS, "days");
    let mut reoffend_ever = [0.0; 4];
    if c.problems.len() == before {
        let within = within_year(&reoffend_days);
        for (i, one_year) in reoffend_1y.iter().enumerate() {
            let ever = one_year / within;
            // Men with psychosis are more likely still; the highest probability must stay <= 1.
            if ever * psychosis_reoffend_ratio_men.max(1.0) > 1.0 {
                c.push(
                    k.key("reoffend_1y_share").key(SENTENCE_GROUPS[i]),
                    format!(
                        "cannot be reached: under `reoffend_days` only {:.1}% of reoffenders reoffend within a year, so a one-year share of {one_year} (times `psychosis_reoffend_ratio_men`) needs more than everyone to reoffend",
                        within * 100.0
                    ),
                );
            }
            reoffend_ever[i] = ever.min(1.0);
        }
    }

    if c.problems.len() != before {
        return None;
    }
    Some(Pathway {
        new_people_per_day,
        female_share,
        age_50_59_share,
        age_60_plus_share,
        learning_disability_share,
        comorbidity_correlation,
        prevalence_thresholds,
        prevalence,
        police_custody,
        s136_share,
        ld_coverage,
        ld_identification,
        ld_custody_relative_risk,
        ld_mhtr_share,
        remand_share,
        remand_days,
        bail_days,
        report_share,
        report_days,
        remand_custody_share,
        remand_acquittal_share,
        bail_custody_share,
        bail_community_order_share,
        hospital_order_share,
        community_order_days,
        mhtr_share,
        mhtr_wait_days,
        sentence_days,
        release_fraction,
        supervision_sentence_limit_days,
        supervision_total_days,
        short_sentence_days,
        recall_share,
        recall_days,
        custody_suicide_rate,
        custody_other_death_rate,
        screening_detects,
        therapists,
        inreach_caseload,
        high_intensity_share,
        sessions_low_intensity,
        sessions_high_intensity,
        session_interval_days,
        missed_appointment_share,
        dropout_per_session,
        recovery_share,
        onward_referral_share,
        acute_share,
        transfer_limit,
        release_support,
        onset_days,
        assessment_days,
        repeat_assessment_share,
        repeat_assessment_days,
        warrant_days,
        admission_days,
        level_cumulative,
        beds,
        stay_days,
        no_fixed_abode_share,
        no_gp_share,
        release_suicide: [
            release_suicide.clone().with_tail(community_suicide_rate[0]),
            release_suicide.with_tail(community_suicide_rate[1]),
        ],
        release_drug_death: release_drug_death.map(|h| h.with_tail(community_drug_death_rate)),
        cmht_contact_6m_share,
        community_suicide_rate,
        probation_therapy_referral_share,
        community_drug_death_rate,
        community_other_death_rate,
        iapt_entered_share,
        iapt_wait_days,
        iapt_completed_share,
        iapt_recovery_share,
        iapt_course_days,
        reoffend_ever,
        reoffend_1y,
        reoffend_days,
        psychosis_reoffend_ratio_men,
        follow_up_days,
    })
}

/// Share of draws from `d` at or under 365 days, from a fixed stream.
fn within_year(d: &Sampler) -> f64 {
    let mut rng = Streams::new(0, 0).system(crate::engine::Purpose::new(u32::MAX, 0));
    let hits = (0..CDF_DRAWS)
        .filter(|_| d.sample(&mut rng) <= 365.0)
        .count();
    (hits as f64 / CDF_DRAWS as f64).max(1.0 / CDF_DRAWS as f64)
}
