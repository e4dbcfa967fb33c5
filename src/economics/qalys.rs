//! QALYs from time in health states.
//!
//! The model measures, by sex and age band and by year of the window, the person-years each
//! person spends in each health state (`[health]`'s states: psychosis untreated while waiting,
//! treated in hospital, or stable; depression or anxiety, recovered or not; otherwise the
//! population norm), and the life-years each death in the window takes away after the window
//! ends. Here they are valued:
//!
//! - **Population norm** (HU2, Ara & Brazier updated): `intercept + male x [man] + age x a +
//!   age2 x a^2`, at the age band's representative age `a`.
//! - **A condition's state** is valued at its utility, but never above the population norm of
//!   the person's sex and age band: a condition does not make anyone healthier than the
//!   general population of their age (NICE DSU TSD 12 warns against baselines that exceed it).
//! - **A death** loses the QALYs the person would have lived. Inside the window this needs no
//!   line: a dead person lives no more person-years. After the window, each life-year lost is
//!   valued at the population norm at the band's age plus half its remaining life expectancy
//!   (the middle of the life lost), and discounted by its year like any other amount.
//!
//! People who leave the model alive (follow-up over) are counted in their usual state until
//! the window ends, so that a policy that changes how long people stay in the model (by
//! changing reoffending) changes nobody's QALYs by that alone.

use super::{AGE_BANDS, Driver, PEOPLE_GROUPS};

/// The population norm's equation (HU1, HU2): EQ-5D by age and sex.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationNorm {
    pub intercept: f64,
    /// Added for men.
    pub male: f64,
    /// Per year of age.
    pub age: f64,
    /// Per year of age squared.
    pub age2: f64,
    pub source: String,
}

impl PopulationNorm {
    /// The norm for a person of that sex at `age` years.
    pub fn at(&self, female: bool, age: f64) -> f64 {
        self.intercept
            + if female { 0.0 } else { self.male }
            + self.age * age
            + self.age2 * age * age
    }
}

/// One health state's utility.
#[derive(Debug, Clone, PartialEq)]
pub struct StateUtility {
    /// Name in the scenario (`[qalys.states.NAME]`), and of its metric `qalys.state.NAME`.
    pub name: String,
    /// Person-years in the state: `health_state_years.NAME`.
    pub driver: Driver,
    /// The state's utility; `None` for the population norm itself.
    pub utility: Option<f64>,
    /// The state whose utility this one's is a gain over (`low` and `high` are then the gain's).
    pub gain_over: Option<String>,
    pub source: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub description: Option<String>,
    pub note: Option<String>,
}

/// A value the valuation rests on, with its evidence, for the documentation (`cjmh costs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Its key in the scenario, such as `qalys.population_norm.age` or
    /// `health.recovery_lasts_days`.
    pub key: String,
    pub value: f64,
    pub source: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub note: Option<String>,
}

/// How health states and life lost are valued.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthValuation {
    pub norm: PopulationNorm,
    /// The age each band's population norm is taken at, in years.
    pub ages: [f64; AGE_BANDS.len()],
    /// The age life lost after the window is valued at: the band's age plus half its
    /// remaining life expectancy (`[health] remaining_life_years`).
    pub after_window_ages: [f64; AGE_BANDS.len()],
    pub states: Vec<StateUtility>,
    /// Life-years lost after the window to deaths in it.
    pub after_window: Driver,
    /// The norm's coefficients and ages, and `[health]`'s durations and remaining life
    /// expectancy, with their evidence.
    pub evidence: Vec<Evidence>,
}

impl HealthValuation {
    /// The QALY method and every value it uses, as Markdown (a section of docs/economics.md).
    pub fn to_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let range = |l: Option<f64>, h: Option<f64>| match (l, h) {
            (None, None) => "-".to_string(),
            (l, h) => format!(
                "{} to {}",
                l.map_or("-".into(), |x| format!("{x}")),
                h.map_or("-".into(), |x| format!("{x}"))
            ),
        };
        let mut s = String::from(
            "## QALYs\n\n\
             **Method.** Each person's time in the measured window is valued by the utility of their health state, \
             by sex and age band, and discounted by its year like a cost. The model follows the states in `[health]`: \
             psychosis untreated (from the onset of an acute episode in prison, or a hospital order, until admission to \
             a secure hospital; and for `health.untreated_after_release_days` after release before a bed was found), \
             treated in hospital (for `health.treated_in_hospital_days` after admission), stable otherwise; depression or \
             anxiety not recovered, or recovered for `health.recovery_lasts_days` after a course of therapy (in prison or \
             IAPT) that ended in recovery; otherwise the population norm. Psychosis comes first when a person has both. \
             A condition's state is never valued above the population norm of the person's sex and age band (NICE DSU \
             TSD 12). A person who leaves the model alive (in the warm-up or the window) is counted in their state, then their usual \
             state, until the window ends, so a policy that changes only how long people stay in the model changes no \
             QALYs. A death ends the person's QALYs; after the window, each life-year it takes away (up to the death plus \
             the remaining life expectancy of the person's age band, `health.remaining_life_years`) is valued at the \
             population norm at the band's age plus half its remaining life, and discounted by its year: a lifetime \
             view of deaths. Per-unit QALY lines (a trial's measured difference, such as E3's) are added. Changes no \
             source values, such as time in prison rather than the community (no UK utility for prisoners; HU14 is \
             Australian SF-6D), are valued as the time in the community they replace, and the investment case names \
             them as not valued.\n\n\
             | state | driver | utility | range | source | note |\n|---|---|---|---|---|---|\n",
        );
        for st in &self.states {
            s.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} | {} |\n",
                st.name,
                st.driver.name(),
                match (st.utility, &st.gain_over) {
                    (None, _) => "the population norm".to_string(),
                    (Some(u), None) => format!("{u} (at most the norm)"),
                    (Some(u), Some(over)) => {
                        format!("{u:.4} (at most the norm): `{over}` plus a gain in the range")
                    }
                },
                range(st.low, st.high),
                cell(&st.source),
                cell(
                    st.note
                        .as_deref()
                        .or(st.description.as_deref())
                        .unwrap_or("")
                ),
            ));
        }
        s.push_str(&format!(
            "\nThe population norm, {} + {} x [man] + ({}) x age + ({}) x age^2 ({}), by group:\n\n\
             | group | age valued at | norm | age life lost after the window is valued at | its norm |\n|---|---|---|---|---|\n",
            self.norm.intercept, self.norm.male, self.norm.age, self.norm.age2, cell(&self.norm.source)
        ));
        for part in 0..PEOPLE_GROUPS {
            let band = part % AGE_BANDS.len();
            s.push_str(&format!(
                "| {} | {} | {:.4} | {} | {:.4} |\n",
                super::PARTS[part],
                self.ages[band],
                self.norm(part),
                self.after_window_ages[band],
                self.after_window_utility(part)
            ));
        }
        s.push_str(
            "\nThe values these rest on:\n\n| key | value | range | source | note |\n|---|---|---|---|---|\n",
        );
        for e in &self.evidence {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                e.key,
                e.value,
                range(e.low, e.high),
                cell(&e.source),
                cell(e.note.as_deref().unwrap_or(""))
            ));
        }
        s
    }

    /// The population norm of part `part` (a sex and age band; 0 for the part of no group).
    pub fn norm(&self, part: usize) -> f64 {
        self.norm_at(part, &self.ages)
    }

    fn norm_at(&self, part: usize, ages: &[f64; AGE_BANDS.len()]) -> f64 {
        if part >= PEOPLE_GROUPS {
            return 0.0;
        }
        let female = part >= AGE_BANDS.len();
        self.norm.at(female, ages[part % AGE_BANDS.len()])
    }

    /// A state's utility for part `part`: its own, capped at the part's population norm, or
    /// the norm.
    pub fn utility(&self, state: &StateUtility, part: usize) -> f64 {
        let norm = self.norm(part);
        match state.utility {
            Some(u) => u.min(norm),
            None => norm,
        }
    }

    /// The utility of a life-year lost after the window, for part `part`.
    pub fn after_window_utility(&self, part: usize) -> f64 {
        self.norm_at(part, &self.after_window_ages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::economics::group;

    fn valuation() -> HealthValuation {
        HealthValuation {
            norm: PopulationNorm {
                intercept: 0.9545565,
                male: 0.025311,
                age: -0.0010594,
                age2: -0.0000232,
                source: "HU2".into(),
            },
            ages: [35.0, 54.5, 65.0],
            after_window_ages: [50.0, 65.0, 72.0],
            states: vec![],
            after_window: Driver("x"),
            evidence: vec![],
        }
    }

    #[test]
    fn the_norm_is_hu2s_equation_and_a_state_never_exceeds_it() {
        let h = valuation();
        // HU2's own check: a woman aged 40 has 0.8751.
        assert!((h.norm.at(true, 40.0) - 0.8751).abs() < 5e-5);
        // A man aged 35: 0.9545565 + 0.025311 - 0.037079 - 0.02842 = 0.9143685.
        assert!((h.norm(group(false, 0)) - 0.9143685).abs() < 1e-12);
        let stable = StateUtility {
            name: "psychosis_stable".into(),
            driver: Driver("y"),
            utility: Some(0.87),
            gain_over: None,
            source: "HU4".into(),
            low: None,
            high: None,
            description: None,
            note: None,
        };
        assert_eq!(h.utility(&stable, group(false, 0)), 0.87);
        // A woman aged 65: 0.9545565 - 0.068861 - 0.09802 = 0.7876755, below 0.87.
        let old = group(true, 2);
        assert!((h.utility(&stable, old) - 0.7876755).abs() < 1e-12);
        let norm = StateUtility {
            utility: None,
            ..stable
        };
        assert_eq!(h.utility(&norm, old), h.norm(old));
        assert_eq!(h.norm(super::super::NOT_ATTRIBUTED), 0.0);
    }
}
