//! `[people]`: who enters, and what they bring (prevalence of each condition by legal status
//! and sex).

use serde::{Deserialize, Serialize};

use super::common::{nonneg, share};
use crate::economics::Driver;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Life-years lost inside the window to deaths in the window (in custody or the community): for a
/// death at time t, the time from t to the window's end, in years of 365.25 days. A cost or QALY line's `driver`.
pub const LIFE_YEARS_LOST: Driver = Driver("life_years_lost");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[LIFE_YEARS_LOST];

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
/// The conditions that make a mental health need (psychosis, depression or anxiety, a suicide
/// attempt, self-harm), as indices into [`CONDITION_NAMES`]: what L&D, screening and reports
/// look for. Personality disorder and dependency alone are not counted.
pub const MH_NEED_CONDITIONS: [usize; 4] = [0, 2, 5, 6];
/// The first five conditions are the disorders of seed 000's "4 or 5 co-existing disorders".
pub const DISORDERS: usize = 5;
/// Prevalence groups, in the order of [`PrevalenceSpec`]'s fields.
pub const GROUP_NAMES: [&str; 4] = [
    "sentenced_male",
    "sentenced_female",
    "remand_male",
    "remand_female",
];

/// `[people]` resolved: shares as probabilities.
pub(super) struct People {
    pub new_people_per_day: f64,
    pub female_share: f64,
    pub age_50_59_share: f64,
    pub age_60_plus_share: f64,
    pub learning_disability_share: f64,
    pub comorbidity_correlation: f64,
    pub prevalence_thresholds: [[f64; CONDITIONS]; 4],
    pub prevalence: [[f64; CONDITIONS]; 4],
}

pub(super) fn resolve(c: &mut Checker, p: &PeopleSpec) -> People {
    let k = KeyPath::root().key("people");
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
    People {
        new_people_per_day,
        female_share,
        age_50_59_share,
        age_60_plus_share,
        learning_disability_share,
        comorbidity_correlation,
        prevalence_thresholds,
        prevalence,
    }
}
