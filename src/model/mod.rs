//! What is simulated.
//!
//! - [`network`]: a network of stages read from a scenario file: arrival streams, stages with
//!   capacity and queues, durations, and branching routes.
//! - [`pathway`]: the criminal-justice mental-health pathway, stage by stage.
//! - [`mmc`]: the M/M/c reference queue used by `cjmh verify` and `cjmh bench`.
//! - [`recorder`]: how models report per-visit records without doing I/O themselves.

pub mod mmc;
pub mod network;
pub mod pathway;
pub mod recorder;

/// Runs one replication of any scenario with the model it names.
pub fn run<R: recorder::Recorder>(
    scenario: &crate::scenario::Scenario,
    seed: u64,
    replication: u64,
    recorder: R,
) -> (network::Replication, R) {
    if scenario.pathway.is_some() {
        pathway::run(scenario, seed, replication, recorder)
    } else {
        network::run(scenario, seed, replication, recorder)
    }
}

/// Runs one replication of any scenario, a pathway one split into `catchments` independent
/// catchments run in parallel ([`pathway::run_catchments`]); other models ignore the split.
pub fn run_catchments(
    scenario: &crate::scenario::Scenario,
    seed: u64,
    replication: u64,
    catchments: u32,
) -> network::Replication {
    if scenario.pathway.is_some() {
        pathway::run_catchments(scenario, seed, replication, catchments)
    } else {
        network::run(scenario, seed, replication, recorder::NullRecorder).0
    }
}

/// [`run_catchments`], unless `stop` is set while it runs: then `None`. A pathway replication
/// looks at `stop` every month of simulated time; a network one (small by design) only before
/// it starts.
pub fn run_catchments_unless(
    scenario: &crate::scenario::Scenario,
    seed: u64,
    replication: u64,
    catchments: u32,
    stop: &std::sync::atomic::AtomicBool,
) -> Option<network::Replication> {
    if scenario.pathway.is_some() {
        pathway::run_catchments_unless(scenario, seed, replication, catchments, stop)
    } else if stop.load(std::sync::atomic::Ordering::Relaxed) {
        None
    } else {
        Some(network::run(scenario, seed, replication, recorder::NullRecorder).0)
    }
}

/// Names of the stages that per-visit records number (`events.csv`): the pathway's places and
/// care stages, or a network's stages in name order.
pub fn stage_names(scenario: &crate::scenario::Scenario) -> Vec<&str> {
    match scenario.pathway {
        Some(_) => pathway::STAGES.to_vec(),
        None => scenario.stages.iter().map(|s| s.name.as_str()).collect(),
    }
}

/// The metrics `cjmh compare` prints in its headline table (the pathway's; a network's
/// metrics are named by its stages and are all in `comparison.csv`).
pub fn headline_metrics() -> Vec<&'static str> {
    pathway::headline_metrics()
}

/// A replication's results: metric names and values, in a fixed order.
pub type Metrics = Vec<(String, f64)>;

/// The kinds of random draw, registered in [`crate::engine::purpose`].
pub use crate::engine::purpose;
