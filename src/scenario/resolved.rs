//! The resolved scenario a model runs: numbers checked and converted for the engine.

use std::path::PathBuf;

use super::pathway::Pathway;
use super::spec::ScenarioSpec;
use crate::engine::{Discipline, Sampler, Tick};

/// Where a person goes after a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// To the stage with this index.
    Stage(usize),
    /// Out of the system.
    Exit,
}

/// A stream of arrivals, ready to run.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Name in the scenario.
    pub name: String,
    /// Stable number derived from the name, used to key random streams.
    pub key: u32,
    /// Index of the stage entered.
    pub to: usize,
    /// Days between arrivals.
    pub interarrival: Sampler,
    /// Queue priority (lower first).
    pub priority: u8,
}

/// A stage, ready to run.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Name in the scenario.
    pub name: String,
    /// Stable number derived from the name, used to key random streams.
    pub key: u32,
    /// Places at the start of the run ([`crate::engine::resource::UNLIMITED`] if none is set).
    pub capacity: u32,
    /// Capacity changes, in ticks from the start of the run, in time order.
    pub capacity_schedule: Vec<(Tick, u32)>,
    /// Queue order.
    pub discipline: Discipline,
    /// Time in the stage, days.
    pub duration: Sampler,
    /// Mean time in the stage, days.
    pub duration_mean_days: f64,
    /// Cumulative probabilities with destinations, ending at 1.
    pub routes: Vec<(f64, Destination)>,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name used in outputs.
    pub name: String,
    /// The scenario file and the files it extends.
    pub files: Vec<PathBuf>,
    /// The merged scenario as written (for the manifest).
    pub spec: ScenarioSpec,
    /// FNV-1a 64-bit hash of the resolved scenario's canonical JSON, as 16 hex digits.
    pub hash: String,
    /// Warm-up length, ticks.
    pub warmup: Tick,
    /// Measured period, ticks.
    pub horizon: Tick,
    /// Seed from the file, if any.
    pub seed: Option<u64>,
    /// Replications from the file, if any.
    pub replications: Option<u32>,
    /// Arrival streams, in name order.
    pub arrivals: Vec<Arrival>,
    /// Stages, in name order (network model only).
    pub stages: Vec<Stage>,
    /// The pathway model's parameters (`model = "pathway"`), or `None` for a network.
    pub pathway: Option<Pathway>,
    /// Factor applied to arrivals and capacities by [`Scenario::scaled`]; 1 as written.
    pub scale: f64,
    /// Unit costs and QALYs (`[costs]`, `[qalys]`), if the scenario has them.
    pub economics: Option<crate::economics::Economics>,
    /// Contradictions found in the resolved values (see `warnings.rs`), located as problems
    /// are: the scenario runs, but probably not as its author meant.
    pub warnings: Vec<super::error::Problem>,
}

impl Scenario {
    /// The same scenario with arrivals and every capacity multiplied by `factor` (see
    /// `cjmh run --cohort`).
    pub fn scaled(&self, factor: f64) -> Scenario {
        let mut s = self.clone();
        s.scale *= factor;
        if let Some(p) = &mut s.pathway {
            *p = p.scaled(factor);
        }
        for a in &mut s.arrivals {
            a.interarrival = a.interarrival.scaled(1.0 / factor);
        }
        let cap = |c: u32| {
            if c == crate::engine::resource::UNLIMITED || c == 0 {
                c
            } else {
                ((c as f64 * factor).round() as u32).max(1)
            }
        };
        for st in &mut s.stages {
            st.capacity = cap(st.capacity);
            for change in &mut st.capacity_schedule {
                change.1 = cap(change.1);
            }
        }
        s
    }

    /// Every limited capacity, by its key in the scenario file (a network stage's starting
    /// capacity and each scheduled change; the pathway's therapists, in-reach places and secure
    /// beds), in places. Stages without a capacity are left out.
    pub fn capacities(&self) -> Vec<(String, u32)> {
        if let Some(p) = &self.pathway {
            return p.capacities();
        }
        let mut v = Vec::new();
        for st in &self.stages {
            if st.capacity != crate::engine::resource::UNLIMITED {
                v.push((format!("stages.{}.capacity", st.name), st.capacity));
            }
            for (i, change) in st.capacity_schedule.iter().enumerate() {
                v.push((
                    format!("stages.{}.capacity_schedule[{i}].capacity", st.name),
                    change.1,
                ));
            }
        }
        v
    }

    /// The capacities that [`Scenario::scaled`] by `factor` would take past the largest a
    /// capacity can be (one less than [`crate::engine::resource::UNLIMITED`], which means no
    /// limit), as (key, places as written, places scaled). Scaled, they would saturate: a
    /// network stage would silently lose its limit and report no utilisation.
    pub fn capacities_beyond(&self, factor: f64) -> Vec<(String, u32, f64)> {
        let most = (crate::engine::resource::UNLIMITED - 1) as f64;
        self.capacities()
            .into_iter()
            .map(|(k, c)| (k, c, (c as f64 * factor).round()))
            .filter(|&(_, _, scaled)| scaled > most)
            .collect()
    }

    /// Expected number of new people over warm-up and horizon at the scenario's own scale.
    pub fn expected_people(&self) -> f64 {
        let days = crate::engine::ticks_to_days(self.warmup + self.horizon);
        match &self.pathway {
            Some(p) => p.new_people_per_day * days,
            None => self
                .spec
                .arrivals
                .values()
                .map(|a| match (&a.rate_per_day, &a.interarrival) {
                    (Some(r), _) => r.value * days,
                    (_, Some(d)) => days / d.mean_value().unwrap_or(f64::INFINITY),
                    _ => 0.0,
                })
                .sum(),
        }
    }
}
