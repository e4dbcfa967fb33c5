//! Runs for programs rather than people: what `cjmh run`, `cjmh compare` and `cjmh sweep` do,
//! with the same checks and the same results, returned in memory instead of written, and
//! stoppable from another thread. The Python package (`python/`) is built on this.
//!
//! Nothing here prints (but for the warning that too many threads were asked for, as the
//! command line gives) or writes a file.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::cli::{self, CliError};
use crate::model;
use crate::output::comparison;
use crate::output::summary::ReplicationResult;
use crate::scenario::Scenario;
use crate::scenario::sweep::Sweep;

/// How to run: the command line's `--replications`, `--seed`, `--threads`, `--cohort` and
/// `--catchments`, with the same defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// Replications per scenario (default: the first scenario's own setting, else 10).
    pub replications: Option<u64>,
    /// Seed of every random stream (default: the first scenario's own setting, else 1).
    pub seed: Option<u64>,
    /// Worker threads (default: every core). Results do not depend on it.
    pub threads: Option<usize>,
    /// Runs at the size where about this many new people arrive (as `--cohort`).
    pub cohort: Option<u64>,
    /// Catchments each replication is split into (as `--catchments`; 1 for none).
    pub catchments: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            replications: None,
            seed: None,
            threads: None,
            cohort: None,
            catchments: 1,
        }
    }
}

/// Why a run gave no results.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Input that cannot be used, each report as the command line prints it after `error: `.
    BadInput(Vec<String>),
    /// A sweep file's problems, located.
    Scenario(crate::scenario::ScenarioError),
    /// The run failed.
    Failure(String),
    /// [`Control::cancel`] was set: the run stopped part-way.
    Cancelled,
}

impl From<CliError> for Error {
    fn from(e: CliError) -> Self {
        match e {
            CliError::BadInput(m) => Error::BadInput(vec![m]),
            CliError::BadInputs(ms) => Error::BadInput(ms),
            CliError::Failure(m) => Error::Failure(m),
            CliError::ChecksFailed => Error::Failure("checks failed".into()),
        }
    }
}

/// What another thread can see of a run, and how it stops one.
#[derive(Debug, Default)]
pub struct Control {
    /// Set to stop: no replication starts after it is seen, those under way stop within a
    /// month of simulated time (a pathway's; a network replication runs to its end), and the
    /// run returns [`Error::Cancelled`].
    pub cancel: AtomicBool,
    /// Replications (sweep units) finished so far.
    pub done: AtomicU64,
    /// Replications (sweep units) in all, set when the run starts.
    pub total: AtomicU64,
}

impl Control {
    /// Replication `r` of `s`, unless the run has been told to stop; counted once done.
    fn replication(
        &self,
        s: &Scenario,
        seed: u64,
        r: u64,
        catchments: u32,
    ) -> Option<crate::model::network::Replication> {
        let rep = model::run_catchments_unless(s, seed, r, catchments, &self.cancel)?;
        self.done.fetch_add(1, Ordering::Relaxed);
        Some(rep)
    }
}

/// The worker threads for `asked`, as `--threads` gives them.
fn worker_threads(asked: Option<usize>) -> Result<usize, Error> {
    if asked == Some(0) {
        return Err(Error::BadInput(vec!["threads must be at least 1".into()]));
    }
    Ok(cli::thread_count(asked))
}

/// `scenarios` as they will run, and the seed, replications and threads: the command line's
/// checks, in its order (`cjmh run` and `cjmh compare` share them). `one_factor`: every
/// scenario scaled by the first's `--cohort` factor, as `compare` does, so the pairing holds.
fn prepare(
    scenarios: &[Scenario],
    o: &Options,
    one_factor: bool,
) -> Result<(Vec<Scenario>, u64, Vec<u64>, usize), Error> {
    if scenarios.is_empty() {
        return Err(Error::BadInput(vec!["no scenario to run".into()]));
    }
    // The command line's bounds on --cohort and --catchments (clap's, there).
    use crate::limits::{MAX_CATCHMENTS, MAX_COHORT};
    if let Some(c) = o.cohort
        && !(1..=MAX_COHORT).contains(&c)
    {
        return Err(Error::BadInput(vec![format!(
            "cohort must be from 1 to {MAX_COHORT}, got {c}"
        )]));
    }
    if !(1..=MAX_CATCHMENTS).contains(&o.catchments) {
        return Err(Error::BadInput(vec![format!(
            "catchments must be from 1 to {MAX_CATCHMENTS}, got {}",
            o.catchments
        )]));
    }
    let mut scenarios = scenarios.to_vec();
    if let Some(cohort) = o.cohort {
        let first = cli::cohort_factor(&scenarios[0], cohort)?;
        for s in &mut scenarios {
            let factor = if one_factor {
                first
            } else {
                cli::cohort_factor(s, cohort)?
            };
            *s = cli::scaled(s, factor, cohort)?;
        }
    }
    cli::names_are_unique(&scenarios)?;
    cli::catchments_apply(&scenarios, o.catchments, o.cohort)?;
    if let Some(r) = o.replications
        && !(1..=crate::limits::MAX_REPLICATIONS).contains(&r)
    {
        return Err(Error::BadInput(vec![format!(
            "replications must be from 1 to {}, got {r}",
            crate::limits::MAX_REPLICATIONS
        )]));
    }
    let seed = o.seed.or(scenarios[0].seed).unwrap_or(1);
    let reps: Vec<u64> = scenarios
        .iter()
        .map(|s| {
            o.replications
                .or(s.replications.map(u64::from))
                .unwrap_or(10)
        })
        .collect();
    Ok((scenarios, seed, reps, worker_threads(o.threads)?))
}

/// Runs each of `scenarios` for its replications, as `cjmh run` does: the rows of its
/// `summary.csv`, in the same order.
pub fn run(
    scenarios: &[Scenario],
    o: &Options,
    control: &Control,
) -> Result<Vec<ReplicationResult>, Error> {
    let (scenarios, seed, reps, threads) = prepare(scenarios, o, false)?;
    let catchments = o.catchments;
    cli::fits_in_memory(&scenarios, reps.iter().sum(), threads, catchments, o.cohort)?;
    let units: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, _)| (0..reps[i]).map(move |r| (i, r)))
        .collect();
    control.total.store(units.len() as u64, Ordering::Relaxed);
    let mut results = Vec::with_capacity(units.len());
    let outcome = cli::in_order(
        &units,
        threads,
        |&(i, r)| {
            let s = &scenarios[i];
            let rep = control.replication(s, seed, r, catchments)?;
            Some(cli::replication_result(s, r, rep))
        },
        |_, result| -> Result<(), Error> {
            results.push(result.ok_or(Error::Cancelled)?);
            Ok(())
        },
    )?;
    outcome?;
    Ok(results)
}

/// Compares each of `scenarios[1..]` with `scenarios[0]`, the baseline, under common random
/// numbers, as `cjmh compare` does: the rows of its `comparison.csv` and of its `summary.csv`,
/// in the same order.
pub fn compare(
    scenarios: &[Scenario],
    o: &Options,
    control: &Control,
) -> Result<(Vec<comparison::Row>, Vec<ReplicationResult>), Error> {
    if scenarios.len() < 2 {
        return Err(Error::BadInput(vec![
            "a comparison needs a baseline and at least one scenario".into(),
        ]));
    }
    let (scenarios, seed, reps, threads) = prepare(scenarios, o, true)?;
    let reps = reps[0];
    if reps < 2 {
        return Err(Error::BadInput(vec![
            "replications must be at least 2 for paired intervals".into(),
        ]));
    }
    let catchments = o.catchments;
    cli::fits_in_memory(
        &scenarios,
        reps * scenarios.len() as u64,
        threads,
        catchments,
        o.cohort,
    )?;
    // Replication by replication, each replication's baseline first, as `cjmh compare`.
    let units: Vec<(u64, usize)> = (0..reps)
        .flat_map(|r| (0..scenarios.len()).map(move |i| (r, i)))
        .collect();
    control.total.store(units.len() as u64, Ordering::Relaxed);
    let mut by_scenario: Vec<Vec<ReplicationResult>> = vec![Vec::new(); scenarios.len()];
    let mut accumulators: Vec<comparison::Accumulator> = scenarios[1..]
        .iter()
        .map(|s| comparison::Accumulator::new(&s.name))
        .collect();
    let outcome = cli::in_order(
        &units,
        threads,
        |&(r, i)| {
            let s = &scenarios[i];
            let rep = control.replication(s, seed, r, catchments)?;
            Some(cli::replication_result(s, r, rep))
        },
        |&(_, i), result| -> Result<(), Error> {
            let result = result.ok_or(Error::Cancelled)?;
            if i > 0
                && let Some(b) = by_scenario[0].last()
            {
                accumulators[i - 1].add(b, &result);
            }
            by_scenario[i].push(result);
            Ok(())
        },
    )?;
    outcome?;
    let rows = accumulators.iter().flat_map(|a| a.rows()).collect();
    // `summary.csv` is scenario by scenario.
    Ok((rows, by_scenario.into_iter().flatten().collect()))
}

/// One finished unit of a sweep: its point, its replication and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepUnit {
    pub point: usize,
    pub replication: u64,
    pub metrics: model::Metrics,
}

/// Runs every unit of `sw` (a sweep file loaded and checked), as `cjmh sweep` does: the rows
/// of its `summary.csv`, unit by unit in (point, replication) order. The metrics `show`
/// names are checked first, as the command line does.
pub fn sweep(
    sw: &Sweep,
    threads: Option<usize>,
    control: &Control,
) -> Result<Vec<SweepUnit>, Error> {
    cli::check_shown(sw).map_err(Error::Scenario)?;
    let threads = worker_threads(threads)?;
    let units: Vec<(usize, u64)> = (0..sw.points.len())
        .flat_map(|p| (0..sw.replications).map(move |r| (p, r)))
        .collect();
    cli::fits_in_memory(&sw.scenarios, units.len() as u64, threads, 1, None)?;
    control.total.store(units.len() as u64, Ordering::Relaxed);
    let mut results = Vec::with_capacity(units.len());
    let outcome = cli::in_order(
        &units,
        threads,
        |&(p, r)| {
            Some(
                control
                    .replication(&sw.scenarios[p], sw.seed, r, 1)?
                    .metrics,
            )
        },
        |&(point, replication), metrics| -> Result<(), Error> {
            results.push(SweepUnit {
                point,
                replication,
                metrics: metrics.ok_or(Error::Cancelled)?,
            });
            Ok(())
        },
    )?;
    outcome?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        crate::scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/notebooks/ci/small-base.toml"
        )))
        .unwrap()
    }

    #[test]
    fn a_run_told_to_stop_gives_no_results_and_one_left_alone_gives_the_command_lines() {
        let s = small();
        let o = Options {
            replications: Some(2),
            seed: Some(3),
            threads: Some(1),
            ..Options::default()
        };
        let stopped = Control::default();
        stopped.cancel.store(true, Ordering::Relaxed);
        assert_eq!(
            run(std::slice::from_ref(&s), &o, &stopped),
            Err(Error::Cancelled)
        );
        assert_eq!(stopped.done.load(Ordering::Relaxed), 0);
        let control = Control::default();
        let results = run(std::slice::from_ref(&s), &o, &control).unwrap();
        assert_eq!(control.done.load(Ordering::Relaxed), 2);
        assert_eq!(control.total.load(Ordering::Relaxed), 2);
        for (r, got) in results.iter().enumerate() {
            let want = model::run_catchments(&s, 3, r as u64, 1);
            // Bit for bit (NaN, a value that does not exist, is not equal to itself).
            let bits = |m: &model::Metrics| -> Vec<(String, u64)> {
                m.iter().map(|(k, v)| (k.clone(), v.to_bits())).collect()
            };
            assert_eq!(bits(&got.metrics), bits(&want.metrics));
        }
    }
}
