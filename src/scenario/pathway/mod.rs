//! The pathway model's scenario sections (`model = "pathway"`): a file per section, each with
//! what serde reads and how it is checked and resolved, and here the [`Pathway`] they make
//! together.
//!
//! Each section is one stage family of `../shared/design/pathway.md`. Every number is a
//! [`Param`] (bare, or `{ value, source, low, high, note }`), every delay a
//! [`Distribution`](crate::engine::Distribution) in days. All keys are required: a pathway
//! scenario either writes them all or `extends` a file that does, so nothing silently falls back
//! to a default the reader cannot see.
//!
//! [`Param`]: crate::scenario::Param

mod common;
pub mod community;
pub mod court;
pub mod custody;
pub mod health;
pub mod iapt;
pub mod liaison_diversion;
pub mod people;
pub mod police;
pub mod prison_care;
pub mod probation;
pub mod release;
pub mod secure_hospital;
pub mod transfer;

use serde::{Deserialize, Serialize};

pub use common::SexesSpec;
pub use community::{CommunitySpec, ReoffendSpec, SENTENCE_GROUPS};
pub use court::CourtSpec;
pub use custody::CustodySpec;
pub use health::{AgeBandsSpec, HealthSpec};
pub use iapt::{Iapt, IaptService, IaptServiceSpec, IaptSpec};
pub use liaison_diversion::LiaisonDiversionSpec;
pub use people::{
    CONDITION_NAMES, CONDITIONS, ConditionsSpec, DISORDERS, GROUP_NAMES, MH_NEED_CONDITIONS,
    PeopleSpec, PrevalenceSpec,
};
pub use police::PoliceSpec;
pub use prison_care::PrisonCareSpec;
pub use probation::ProbationSpec;
pub use release::{ReleaseSpec, ReleaseSupport, ReleaseSupportSpec, SupportPopulation};
pub use secure_hospital::SecureHospitalSpec;
pub use transfer::{
    LEVEL_NAMES, LevelsSpec, SpotBedsSpec, TransferLimit, TransferLimitSpec, TransferSpec,
};

use crate::engine::{PiecewiseHazard, Sampler, Schedule, Tick};
use crate::scenario::check::Checker;

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
    pub iapt: IaptSpec,
    pub secure_hospital: SecureHospitalSpec,
    pub health: HealthSpec,
    /// Optional: a time limit on transfer to secure hospital (policy scenarios).
    pub transfer_limit: Option<TransferLimitSpec>,
    /// Optional: support around release for people with mental health needs (policy scenarios).
    pub release_support: Option<ReleaseSupportSpec>,
}

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
    /// Coverage's `phase_in` points as written: (days from the policy's start, share).
    pub ld_coverage_phase_in: Vec<(f64, f64)>,
    /// Coverage over time once the policy's start is known (see [`Pathway::ld_coverage_at`]).
    pub ld_coverage_schedule: Option<Schedule>,
    /// L5's share of people in police custody with a mental health difficulty.
    pub ld_police_custody_need_share: f64,
    /// Probability that a person at a police contact has a mental health need as Table 2 and
    /// the copula draw it (derived; `cjmh check` prints it).
    pub ld_need_at_contact: f64,
    /// Share of people with a need who are L&D-eligible, so that the eligible are
    /// `ld_police_custody_need_share` of contacts: that share over `ld_need_at_contact`, at
    /// most 1.
    pub ld_eligible_share: f64,
    pub ld_identification: f64,
    pub ld_divertible_sentence_days: f64,
    pub ld_short_custody_diversion_share: f64,
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
    pub urgent_share: f64,
    pub urgent_assessment_days: Sampler,
    pub assessment_work_days: Sampler,
    /// Transfer assessments under way at once (the assessment service's capacity).
    pub assessors: u32,
    /// Consultant hours an assessor's place costs a day (`assessment_hours` / mean work days).
    pub assessor_hours_per_day: f64,
    /// Chance a search round refers on: everyone else, then people with a learning disability.
    pub refer_on_share: [f64; 2],
    pub search_round_days: Sampler,
    pub warrant_days: Sampler,
    pub admission_days: Sampler,
    /// Cumulative shares by level (high, medium, low), ending at 1.
    pub level_cumulative: [f64; 3],
    pub beds: [u32; 3],
    pub stay_days: [Sampler; 3],
    /// Deaths during a stay in secure hospital, per day.
    pub secure_suicide_rate: f64,
    pub secure_other_death_rate: f64,

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

    /// `[iapt]`: the course of psychological therapy in the community and its services.
    pub iapt: Iapt,
    /// Probability of ever reoffending, by [`SENTENCE_GROUPS`], derived from the one-year shares
    /// and the time-to-reoffence distribution.
    pub reoffend_ever: [f64; 4],
    pub reoffend_1y: [f64; 4],
    pub reoffend_days: Sampler,
    pub psychosis_reoffend_ratio_men: f64,
    pub follow_up_days: f64,

    /// `[health]`: how long recovery after therapy lasts, how long an acute episode of
    /// psychosis goes on untreated after release, and the remaining life expectancy by age band
    /// (the life a death takes away).
    pub recovery_lasts_days: f64,
    pub untreated_after_release_days: f64,
    pub treated_in_hospital_days: f64,
    pub remaining_life_years: [f64; crate::economics::AGE_BANDS.len()],

    /// When the policy starts, and the status quo before it (`[policy]`); `None` when the
    /// scenario is in force from the start of the run.
    pub rollout: Option<Rollout>,
}

/// A policy that starts during the run (`[policy] start_day`).
#[derive(Debug, Clone)]
pub struct Rollout {
    /// The tick from which the policy's parameters hold.
    pub start: Tick,
    /// The parameters before then: the scenario the policy file extends.
    pub before: Box<Pathway>,
    /// That scenario's file.
    pub status_quo: std::path::PathBuf,
}

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
        p.assessors = cap(p.assessors);
        for s in &mut p.iapt.services {
            s.places = cap(s.places);
        }
        if let Some(l) = &mut p.transfer_limit {
            l.spot_beds = l.spot_beds.map(cap);
        }
        if let Some(r) = &mut p.rollout {
            *r.before = r.before.scaled(factor);
        }
        p
    }
}

impl Pathway {
    /// Every capacity, by its key in the scenario file, in places.
    pub fn capacities(&self) -> Vec<(String, u32)> {
        let mut v = vec![
            ("prison_care.therapists".to_string(), self.therapists),
            (
                "prison_care.inreach_caseload".to_string(),
                self.inreach_caseload,
            ),
        ];
        for (level, beds) in LEVEL_NAMES.iter().zip(self.beds) {
            v.push((format!("transfer.beds.{level}"), beds));
        }
        v.push(("transfer.assessors".to_string(), self.assessors));
        // A service with no therapists is no service, not a capacity to split. Its places are
        // courses at once (therapists x sessions a week).
        for (name, s) in iapt::SERVICE_NAMES.iter().zip(&self.iapt.services) {
            if s.places > 0 {
                v.push((format!("iapt.{name}.therapists"), s.places));
            }
        }
        if let Some(l) = &self.transfer_limit {
            for (level, beds) in LEVEL_NAMES.iter().zip(l.spot_beds).skip(1) {
                v.push((format!("transfer_limit.spot_beds.{level}"), beds));
            }
        }
        // The status quo runs until a policy starts: its places must split into catchments too.
        if let Some(r) = &self.rollout {
            let quo = r.status_quo.display();
            for (key, places) in r.before.capacities() {
                v.push((format!("{key} (status quo, {quo})"), places));
            }
        }
        v
    }

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
        p.assessors = share(p.assessors);
        for s in &mut p.iapt.services {
            s.places = share(s.places);
        }
        if let Some(l) = &mut p.transfer_limit {
            l.spot_beds = l.spot_beds.map(share);
        }
        if let Some(r) = &mut p.rollout {
            *r.before = r.before.catchment(count, index);
        }
        p
    }

    /// The share of areas L&D covers at `now`: the phase-in schedule if the policy has one,
    /// otherwise the coverage.
    #[inline]
    pub fn ld_coverage_at(&self, now: Tick) -> f64 {
        match &self.ld_coverage_schedule {
            Some(s) => s.at(now),
            None => self.ld_coverage,
        }
    }

    /// Ties the policy to its start: `start` is the tick the policy starts, `before` the
    /// status quo's parameters. Phase-in days become ticks from `start`.
    pub fn start_at(&mut self, start: Tick, before: Pathway, status_quo: std::path::PathBuf) {
        if !self.ld_coverage_phase_in.is_empty() {
            let points = self
                .ld_coverage_phase_in
                .iter()
                .map(|&(day, v)| (start + crate::engine::days_to_ticks(day), v))
                .collect();
            self.ld_coverage_schedule = Schedule::through(points);
        }
        self.rollout = Some(Rollout {
            start,
            before: Box::new(before),
            status_quo,
        });
    }
}

/// Checks every section and resolves the pathway; `None` if any problem was found.
pub(super) fn resolve(c: &mut Checker, s: &PathwaySpec) -> Option<Pathway> {
    let before = c.problems.len();
    let people = people::resolve(c, &s.people);
    let police = police::resolve(c, &s.police);
    let ld = liaison_diversion::resolve(c, &s.liaison_diversion);
    let court = court::resolve(c, &s.court);
    let custody = custody::resolve(c, &s.custody);
    let care = prison_care::resolve(c, &s.prison_care, before);
    let transfer = transfer::resolve(c, &s.transfer, s.transfer_limit.as_ref());
    let probation = probation::resolve(c, &s.probation);
    let release = release::resolve(
        c,
        &s.release,
        s.release_support.as_ref(),
        probation.community_other_death_rate,
    );
    let community = community::resolve(c, &s.community, before);
    let iapt = iapt::resolve(c, &s.iapt, before);
    let secure = secure_hospital::resolve(c, &s.secure_hospital);
    let health = health::resolve(c, &s.health);
    if c.problems.len() != before {
        return None;
    }
    let ld_need_at_contact = liaison_diversion::need_share_at_contact(
        &people.prevalence_thresholds,
        people.comorbidity_correlation,
        people.female_share,
        court.remand_share,
        &people::MH_NEED_CONDITIONS,
        DISORDERS,
    );
    let ld_eligible_share = if ld_need_at_contact > 0.0 {
        (ld.ld_police_custody_need_share / ld_need_at_contact).min(1.0)
    } else {
        0.0
    };
    Some(Pathway {
        new_people_per_day: people.new_people_per_day,
        female_share: people.female_share,
        age_50_59_share: people.age_50_59_share,
        age_60_plus_share: people.age_60_plus_share,
        learning_disability_share: people.learning_disability_share,
        comorbidity_correlation: people.comorbidity_correlation,
        prevalence_thresholds: people.prevalence_thresholds,
        prevalence: people.prevalence,
        police_custody: police.police_custody,
        s136_share: police.s136_share,
        ld_coverage: ld.ld_coverage,
        ld_coverage_phase_in: ld.ld_coverage_phase_in,
        ld_coverage_schedule: None,
        ld_police_custody_need_share: ld.ld_police_custody_need_share,
        ld_need_at_contact,
        ld_eligible_share,
        ld_identification: ld.ld_identification,
        ld_divertible_sentence_days: ld.ld_divertible_sentence_days,
        ld_short_custody_diversion_share: ld.ld_short_custody_diversion_share,
        ld_mhtr_share: ld.ld_mhtr_share,
        remand_share: court.remand_share,
        remand_days: court.remand_days,
        bail_days: court.bail_days,
        report_share: court.report_share,
        report_days: court.report_days,
        remand_custody_share: court.remand_custody_share,
        remand_acquittal_share: court.remand_acquittal_share,
        bail_custody_share: court.bail_custody_share,
        bail_community_order_share: court.bail_community_order_share,
        hospital_order_share: court.hospital_order_share,
        community_order_days: court.community_order_days,
        mhtr_share: court.mhtr_share,
        mhtr_wait_days: court.mhtr_wait_days,
        sentence_days: custody.sentence_days,
        release_fraction: custody.release_fraction,
        supervision_sentence_limit_days: custody.supervision_sentence_limit_days,
        supervision_total_days: custody.supervision_total_days,
        short_sentence_days: custody.short_sentence_days,
        recall_share: custody.recall_share,
        recall_days: custody.recall_days,
        custody_suicide_rate: custody.custody_suicide_rate,
        custody_other_death_rate: custody.custody_other_death_rate,
        screening_detects: care.screening_detects,
        therapists: care.therapists,
        inreach_caseload: care.inreach_caseload,
        high_intensity_share: care.high_intensity_share,
        sessions_low_intensity: care.sessions_low_intensity,
        sessions_high_intensity: care.sessions_high_intensity,
        session_interval_days: care.session_interval_days,
        missed_appointment_share: care.missed_appointment_share,
        dropout_per_session: care.dropout_per_session,
        recovery_share: care.recovery_share,
        onward_referral_share: care.onward_referral_share,
        acute_share: transfer.acute_share,
        transfer_limit: transfer.transfer_limit,
        release_support: release.release_support,
        onset_days: transfer.onset_days,
        urgent_share: transfer.urgent_share,
        urgent_assessment_days: transfer.urgent_assessment_days,
        assessment_work_days: transfer.assessment_work_days,
        assessors: transfer.assessors,
        assessor_hours_per_day: transfer.assessor_hours_per_day,
        refer_on_share: transfer.refer_on_share,
        search_round_days: transfer.search_round_days,
        warrant_days: transfer.warrant_days,
        admission_days: transfer.admission_days,
        level_cumulative: transfer.level_cumulative,
        beds: transfer.beds,
        stay_days: transfer.stay_days,
        secure_suicide_rate: secure.secure_suicide_rate,
        secure_other_death_rate: secure.secure_other_death_rate,
        no_fixed_abode_share: release.no_fixed_abode_share,
        no_gp_share: release.no_gp_share,
        // After the first year the post-release hazards fall to the community rates, which
        // `[probation]` sets.
        release_suicide: [
            release
                .release_suicide
                .clone()
                .with_tail(probation.community_suicide_rate[0]),
            release
                .release_suicide
                .with_tail(probation.community_suicide_rate[1]),
        ],
        release_drug_death: release
            .release_drug_death
            .map(|h| h.with_tail(probation.community_drug_death_rate)),
        cmht_contact_6m_share: release.cmht_contact_6m_share,
        community_suicide_rate: probation.community_suicide_rate,
        probation_therapy_referral_share: probation.probation_therapy_referral_share,
        community_drug_death_rate: probation.community_drug_death_rate,
        community_other_death_rate: probation.community_other_death_rate,
        iapt,
        reoffend_ever: community.reoffend_ever,
        reoffend_1y: community.reoffend_1y,
        reoffend_days: community.reoffend_days,
        psychosis_reoffend_ratio_men: community.psychosis_reoffend_ratio_men,
        follow_up_days: community.follow_up_days,
        recovery_lasts_days: health.recovery_lasts_days,
        untreated_after_release_days: health.untreated_after_release_days,
        treated_in_hospital_days: health.treated_in_hospital_days,
        remaining_life_years: health.remaining_life_years,
        rollout: None,
    })
}
