//! The scenario file format, as serde reads it.
//!
//! ```toml
//! name = "baseline"
//! extends = "other.toml"          # optional: start from another scenario and override keys
//!
//! [simulation]
//! horizon_days = 1825             # measured period
//! warmup_days = 730               # run before measuring, so queues start near steady state
//!
//! [arrivals.receptions]
//! to = "remand"
//! rate_per_day = { value = 370, source = "seed 004", low = 340, high = 400 }
//!
//! [stages.remand]
//! duration = { dist = "lognormal", mean = 100, sd = 140, source = "R7" }
//! routes = { sentenced = 0.72, exit = 0.28 }
//!
//! [stages.secure_bed]
//! capacity = 2100
//! capacity_schedule = [{ day = 180, capacity = 2200 }]
//! discipline = "priority"
//! ```
//!
//! Any number may be written bare (`0.72`) or as a parameter table
//! (`{ value = 0.72, source = "R11", low = 0.6, high = 0.8, note = "..." }`) that names its
//! evidence and its range. Unknown keys are errors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::param::Param;
use super::{costs, pathway};
use crate::engine::{Discipline, Distribution};

/// A scenario file after `extends` has been applied.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScenarioSpec {
    /// Short name used in outputs; defaults to the file name without `.toml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the scenario represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// What the model does not do for this scenario, in plain words (a policy's known gaps:
    /// effects no trial measured, costs not counted); the board paper prints them beside the
    /// evidence. Not inherited through `extends` in any special way: a list replaces the list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_modelled: Vec<String>,
    /// Run length, warm-up, default seed and replications.
    #[serde(default)]
    pub simulation: SimulationSpec,
    /// Streams of people entering the system, by name.
    #[serde(default)]
    pub arrivals: BTreeMap<String, ArrivalSpec>,
    /// Stages of the pathway, by name.
    #[serde(default)]
    pub stages: BTreeMap<String, StageSpec>,
    /// Which model runs: `"network"` (the default: the `[stages]` and `[arrivals]` tables) or
    /// `"pathway"` (the criminal-justice mental-health pathway: the sections below).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub people: Option<pathway::PeopleSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub police: Option<pathway::PoliceSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liaison_diversion: Option<pathway::LiaisonDiversionSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<pathway::CourtSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custody: Option<pathway::CustodySpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prison_care: Option<pathway::PrisonCareSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<pathway::TransferSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<pathway::ReleaseSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation: Option<pathway::ProbationSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<pathway::CommunitySpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iapt: Option<pathway::IaptSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_hospital: Option<pathway::SecureHospitalSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<pathway::HealthSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_limit: Option<pathway::TransferLimitSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_support: Option<pathway::ReleaseSupportSpec>,
    /// When a policy starts (pathway model, in a file that `extends` the scenario it changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicySpec>,
    /// Unit costs, payers, price year and discounting (pathway model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<costs::CostsSpec>,
    /// QALYs per unit of the model's drivers (needs `[costs]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qalys: Option<costs::QalysSpec>,
}

impl ScenarioSpec {
    /// The pathway sections, if every one is present; otherwise the names of those missing.
    pub fn pathway(&self) -> Result<pathway::PathwaySpec, Vec<&'static str>> {
        match (
            &self.people,
            &self.police,
            &self.liaison_diversion,
            &self.court,
            &self.custody,
            &self.prison_care,
            &self.transfer,
            &self.release,
            &self.probation,
            &self.community,
            &self.iapt,
            &self.secure_hospital,
            &self.health,
        ) {
            (
                Some(people),
                Some(police),
                Some(liaison_diversion),
                Some(court),
                Some(custody),
                Some(prison_care),
                Some(transfer),
                Some(release),
                Some(probation),
                Some(community),
                Some(iapt),
                Some(secure_hospital),
                Some(health),
            ) => Ok(pathway::PathwaySpec {
                people: people.clone(),
                police: police.clone(),
                liaison_diversion: liaison_diversion.clone(),
                court: court.clone(),
                custody: custody.clone(),
                prison_care: prison_care.clone(),
                transfer: transfer.clone(),
                release: release.clone(),
                probation: probation.clone(),
                community: community.clone(),
                iapt: iapt.clone(),
                secure_hospital: secure_hospital.clone(),
                health: health.clone(),
                transfer_limit: self.transfer_limit.clone(),
                release_support: self.release_support.clone(),
            }),
            _ => Err(self
                .required_pathway_sections()
                .into_iter()
                .filter(|(_, present)| !present)
                .map(|(name, _)| name)
                .collect()),
        }
    }

    /// Whether any pathway section is present.
    pub fn has_pathway_sections(&self) -> bool {
        self.required_pathway_sections()
            .iter()
            .any(|(_, present)| *present)
            || self.transfer_limit.is_some()
            || self.release_support.is_some()
    }

    /// The sections a pathway scenario must have, in the order a missing one is reported, each
    /// with whether it is here.
    fn required_pathway_sections(&self) -> [(&'static str, bool); 13] {
        [
            ("people", self.people.is_some()),
            ("police", self.police.is_some()),
            ("liaison_diversion", self.liaison_diversion.is_some()),
            ("court", self.court.is_some()),
            ("custody", self.custody.is_some()),
            ("prison_care", self.prison_care.is_some()),
            ("transfer", self.transfer.is_some()),
            ("release", self.release.is_some()),
            ("probation", self.probation.is_some()),
            ("community", self.community.is_some()),
            ("iapt", self.iapt.is_some()),
            ("secure_hospital", self.secure_hospital.is_some()),
            ("health", self.health.is_some()),
        ]
    }
}

/// `[policy]`: a policy that starts at a date, rather than being in force from the start of the
/// run.
///
/// ```toml
/// extends = "baseline.toml"
/// [policy]
/// start_day = 0   # days after the warm-up ends; before it, the scenario extended runs
/// ```
///
/// Until `start_day`, every parameter takes the value of the scenario this file extends (the
/// file that writes `start_day` is the policy; what it extends is the status quo). From then
/// on the policy's values hold, and a parameter with `phase_in` follows its schedule. People
/// already in a step keep what was decided for them: a transfer referred before the start has
/// no limit, a release before it no support. Without `[policy]` the scenario is in force from
/// the start of the warm-up (its steady state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicySpec {
    /// Days after the end of the warm-up at which the policy starts.
    pub start_day: Param,
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SimulationSpec {
    /// Measured period in days (default 1825, five years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_days: Option<Param>,
    /// Days run before measuring starts (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_days: Option<Param>,
    /// Seed used when the command line gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Replications run when the command line gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<u32>,
}

/// `[arrivals.NAME]`: a stream of people entering at a stage.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArrivalSpec {
    /// What the stream represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The stage people enter.
    #[serde(default)]
    pub to: String,
    /// Poisson arrivals at this mean rate per day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_day: Option<Param>,
    /// Or: days between arrivals drawn from this distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interarrival: Option<Distribution>,
    /// Queue priority of these people at priority stages (lower is served first; default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
}

/// `[stages.NAME]`: a place people spend time, possibly queueing for capacity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StageSpec {
    /// What the stage represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Places (beds, therapists); omit for no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Param>,
    /// Capacity changes during the run, in days from the start of measurement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_schedule: Vec<CapacityChange>,
    /// Queue order: "fifo" (default) or "priority".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discipline: Option<Discipline>,
    /// Time spent in the stage once a place is free, days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Distribution>,
    /// Where people go next: stage name (or `exit`) to probability. Omit to exit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routes: BTreeMap<String, Param>,
}

/// One entry of a capacity schedule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CapacityChange {
    /// Day of the measured period the change takes effect (negative: during warm-up).
    pub day: f64,
    /// The new capacity.
    pub capacity: f64,
    /// Evidence for the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The keys the table at `table` may hold, read from the types serde reads it into: the
/// optional keys too, which neither a scenario that leaves them out nor the shipped baseline
/// shows (`[transfer_limit]`, `[policy]`, `[release_support]`'s optional shares, a stage's
/// `capacity`). Empty for a table not listed here, or one whose keys are names (stages, cost
/// lines), not fields.
pub(super) fn keys_of(table: &super::error::KeyPath) -> &'static [&'static str] {
    use super::error::Segment;
    use pathway::*;
    let names: Vec<&str> = table
        .0
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.as_str(),
            Segment::Index(_) => "[]",
        })
        .collect();
    match names.as_slice() {
        [] => fields_of::<ScenarioSpec>(),
        ["simulation"] => fields_of::<SimulationSpec>(),
        ["policy"] => fields_of::<PolicySpec>(),
        ["arrivals", _] => fields_of::<ArrivalSpec>(),
        ["stages", _] => fields_of::<StageSpec>(),
        ["stages", _, "capacity_schedule", "[]"] => fields_of::<CapacityChange>(),
        ["people"] => fields_of::<PeopleSpec>(),
        ["police"] => fields_of::<PoliceSpec>(),
        ["liaison_diversion"] => fields_of::<LiaisonDiversionSpec>(),
        ["court"] => fields_of::<CourtSpec>(),
        ["custody"] => fields_of::<CustodySpec>(),
        ["prison_care"] => fields_of::<PrisonCareSpec>(),
        ["transfer"] => fields_of::<TransferSpec>(),
        ["transfer", "beds" | "stay_days"] => fields_of::<LevelsSpec<Param>>(),
        ["transfer_limit"] => fields_of::<TransferLimitSpec>(),
        ["transfer_limit", "spot_beds"] => fields_of::<SpotBedsSpec>(),
        ["release"] => fields_of::<ReleaseSpec>(),
        ["release_support"] => fields_of::<ReleaseSupportSpec>(),
        ["probation"] => fields_of::<ProbationSpec>(),
        ["community"] => fields_of::<CommunitySpec>(),
        ["iapt"] => fields_of::<IaptSpec>(),
        ["iapt", "community" | "probation"] => fields_of::<IaptServiceSpec>(),
        ["secure_hospital"] => fields_of::<SecureHospitalSpec>(),
        ["health"] => fields_of::<HealthSpec>(),
        ["costs"] => fields_of::<costs::CostsSpec>(),
        ["costs", "lines", _] => fields_of::<costs::CostLineSpec>(),
        ["qalys"] => fields_of::<costs::QalysSpec>(),
        ["qalys", "lines", _] => fields_of::<costs::QalyLineSpec>(),
        _ => &[],
    }
}

/// The field names of the struct `T` deserializes as: serde hands them to the deserializer
/// (`deserialize_struct`), which here keeps them and stops.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    use serde::de::{self, Visitor};
    struct Probe(&'static [&'static str]);
    impl<'de> de::Deserializer<'de> for &mut Probe {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut probe = Probe(&[]);
    let _ = T::deserialize(&mut probe);
    probe.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_of_a_table_include_its_optional_ones() {
        let keys = |t: &str| keys_of(&super::super::error::KeyPath::parse(t));
        assert!(keys("").contains(&"transfer_limit"));
        assert!(keys("").contains(&"policy"));
        assert_eq!(
            keys("simulation"),
            ["horizon_days", "warmup_days", "seed", "replications"]
        );
        assert!(keys("release_support").contains(&"no_gp_share"));
        assert!(keys("stages.remand").contains(&"capacity"));
        assert!(keys("transfer_limit.spot_beds").contains(&"medium"));
        assert!(keys("costs.lines").is_empty());
    }
}
