//! `[health]`: how long the health states the model follows last, and how much life a death
//! takes away. What each state is worth is `[qalys]`'s (economics); this section is what the
//! model needs to know when each person is in which state.
//!
//! The states (the model's `health` stage): psychosis **untreated** from the onset of an acute
//! episode in prison until admission to a secure hospital, **in hospital** until treatment has
//! made it stable, and **stable** otherwise; depression or anxiety **not recovered**, or **recovered** for a time
//! after a course of therapy that ends in recovery; otherwise the **population norm**.
//! Psychosis comes first when a person has both.

use serde::{Deserialize, Serialize};

use super::common::nonneg;
use crate::economics::{AGE_BANDS, Driver};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// The health states, in the order of their drivers and metrics. The first is the population
/// norm (no condition the model values).
pub const STATES: [&str; 6] = [
    "population_norm",
    "psychosis_stable",
    "psychosis_untreated",
    "psychosis_in_hospital",
    "depression_anxiety",
    "depression_anxiety_recovered",
];

/// Person-years in each state of [`STATES`], by year of the window (after leaving the model
/// alive, a person is counted in their usual state until the window ends).
pub const STATE_YEARS: [Driver; 6] = [
    Driver("health_state_years.population_norm"),
    Driver("health_state_years.psychosis_stable"),
    Driver("health_state_years.psychosis_untreated"),
    Driver("health_state_years.psychosis_in_hospital"),
    Driver("health_state_years.depression_anxiety"),
    Driver("health_state_years.depression_anxiety_recovered"),
];

/// Life-years lost after the window to deaths in it: for a death at time t, the years from the
/// window's end (or t, if later) to t + the remaining life expectancy of the person's age band,
/// by year counted from the window's start (so the first are the window's last).
pub const LIFE_YEARS_LOST_AFTER_WINDOW: Driver = Driver("life_years_lost_after_window");

/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[
    STATE_YEARS[0],
    STATE_YEARS[1],
    STATE_YEARS[2],
    STATE_YEARS[3],
    STATE_YEARS[4],
    STATE_YEARS[5],
    LIFE_YEARS_LOST_AFTER_WINDOW,
];

/// `[health]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSpec {
    /// How long recovery after a course of therapy lasts before depression or anxiety returns.
    pub recovery_lasts_days: Param,
    /// How long an acute episode of psychosis goes on, untreated, after release from prison
    /// before a bed was found.
    pub untreated_after_release_days: Param,
    /// How long treatment in a secure hospital takes to make an acute episode stable.
    pub treated_in_hospital_days: Param,
    /// Remaining life expectancy of a person who dies, by age band: the life a death takes away.
    pub remaining_life_years: AgeBandsSpec,
}

/// A value for each of the model's age bands ([`AGE_BANDS`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgeBandsSpec {
    pub under_50: Param,
    #[serde(rename = "50_59")]
    pub from_50_to_59: Param,
    #[serde(rename = "60_plus")]
    pub from_60: Param,
}

impl AgeBandsSpec {
    /// The bands' params in [`AGE_BANDS`] order.
    pub fn params(&self) -> [&Param; AGE_BANDS.len()] {
        [&self.under_50, &self.from_50_to_59, &self.from_60]
    }
}

/// `[health]` resolved.
pub(super) struct Health {
    pub recovery_lasts_days: f64,
    pub untreated_after_release_days: f64,
    pub treated_in_hospital_days: f64,
    pub remaining_life_years: [f64; AGE_BANDS.len()],
}

pub(super) fn resolve(c: &mut Checker, s: &HealthSpec) -> Health {
    let k = KeyPath::root().key("health");
    let days = |c: &mut Checker, key: &str, p: &Param| {
        nonneg(c, k.key(key), p, 36_525.0, "a duration in days")
    };
    let recovery_lasts_days = days(c, "recovery_lasts_days", &s.recovery_lasts_days);
    let untreated_after_release_days = days(
        c,
        "untreated_after_release_days",
        &s.untreated_after_release_days,
    );
    let treated_in_hospital_days = days(c, "treated_in_hospital_days", &s.treated_in_hospital_days);
    let life = k.key("remaining_life_years");
    let params = s.remaining_life_years.params();
    let remaining_life_years = std::array::from_fn(|b| {
        nonneg(c, life.key(AGE_BANDS[b]), params[b], 120.0, "years of life")
    });
    Health {
        recovery_lasts_days,
        untreated_after_release_days,
        treated_in_hospital_days,
        remaining_life_years,
    }
}
