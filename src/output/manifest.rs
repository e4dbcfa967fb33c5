//! `manifest.json`: exactly what ran, so a result can be reproduced or questioned.

use std::time::Instant;

use serde::Serialize;

use crate::scenario::{Scenario, ScenarioSpec};

/// Versions of the crates that decide every random number.
#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// This program.
    pub cjmh: &'static str,
    /// `rand`.
    pub rand: &'static str,
    /// `rand_distr`.
    pub rand_distr: &'static str,
    /// `rand_xoshiro`.
    pub rand_xoshiro: &'static str,
    /// Git revision the binary was built from, if known.
    pub git_revision: Option<&'static str>,
}

impl Versions {
    /// The versions compiled into this binary.
    pub fn current() -> Self {
        Self {
            cjmh: env!("CARGO_PKG_VERSION"),
            rand: env!("CJMH_RAND_VERSION"),
            rand_distr: env!("CJMH_RAND_DISTR_VERSION"),
            rand_xoshiro: env!("CJMH_RAND_XOSHIRO_VERSION"),
            git_revision: option_env!("CJMH_GIT_REVISION").filter(|s| !s.is_empty()),
        }
    }
}

/// One scenario as it ran.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioEntry {
    /// Name used in the outputs.
    pub name: String,
    /// The scenario file and the files it extends.
    pub files: Vec<String>,
    /// Hash of the resolved scenario.
    pub hash: String,
    /// Replications run.
    pub replications: u64,
    /// Factor applied to arrivals and capacities (`--cohort`); 1 when run as written.
    pub scale: f64,
    /// Expected new people over warm-up and horizon at the scale run.
    pub expected_people: f64,
    /// The resolved scenario (after `extends`).
    pub resolved: ScenarioSpec,
}

impl ScenarioEntry {
    /// The entry for a loaded scenario.
    pub fn of(s: &Scenario, replications: u64) -> Self {
        Self {
            name: s.name.clone(),
            replications,
            scale: s.scale,
            expected_people: s.expected_people(),
            files: s.files.iter().map(|f| f.display().to_string()).collect(),
            hash: s.hash.clone(),
            resolved: s.spec.clone(),
        }
    }
}

/// One point of a sweep as it ran.
#[derive(Debug, Clone, Serialize)]
pub struct PointEntry {
    /// The point's number, as in `points.csv` and `summary.csv`.
    pub point: usize,
    /// Hash of the point's resolved scenario.
    pub hash: String,
}

/// The whole manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The command, e.g. `run`.
    pub command: String,
    /// The command-line arguments.
    pub arguments: Vec<String>,
    /// Seed.
    pub seed: u64,
    /// Replications asked for on the command line (each scenario's own count is in `scenarios`).
    pub replications: Option<u64>,
    /// Worker threads.
    pub threads: usize,
    /// People asked for with `--cohort`, if given (each scenario's factor is in `scenarios`).
    pub cohort: Option<u64>,
    /// Independent catchments each replication was split into (`--catchments`; 1 = unsplit).
    pub catchments: u32,
    /// Program and generator versions.
    pub versions: Versions,
    /// Scenarios run. For a sweep, only its base scenario: the points are below.
    pub scenarios: Vec<ScenarioEntry>,
    /// A sweep's points: each one's values are in `points.csv`, and its hash names the resolved
    /// scenario it ran (the base with those values set). Absent for other commands.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub points: Vec<PointEntry>,
    /// Files written beside the manifest.
    pub outputs: Vec<String>,
    /// Wall-clock time of the run, seconds.
    pub wall_time_seconds: f64,
    /// Events handled in all replications.
    pub events: u64,
}

impl Manifest {
    /// The manifest of this process's `command`, begun at `started`: its arguments, this build's
    /// versions and the time since. What ran (scenarios, points, outputs, events) and the
    /// options a command records beyond these are the caller's to set; left alone they say
    /// nothing was run, unscaled and unsplit.
    pub fn of_this_process(command: &str, seed: u64, threads: usize, started: Instant) -> Self {
        Self {
            command: command.to_string(),
            arguments: std::env::args().skip(1).collect(),
            seed,
            replications: None,
            threads,
            cohort: None,
            catchments: 1,
            versions: Versions::current(),
            scenarios: Vec::new(),
            points: Vec::new(),
            outputs: Vec::new(),
            wall_time_seconds: started.elapsed().as_secs_f64(),
            events: 0,
        }
    }
}

/// The bytes of `manifest.json` (a [`Manifest`], or the merged one built from shards').
pub fn to_json(m: &impl Serialize) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(m).expect("a manifest always serialises");
    v.push(b'\n');
    v
}
