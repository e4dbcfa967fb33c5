//! The `cjmh` command. `main` decides presentation and exit codes:
//! 0 success; 1 a run or verification failed or output could not be written;
//! 2 bad input (a scenario with problems, bad arguments).
//!
//! Each subcommand lives in its own module and returns a [`CliError`] instead of an exit code,
//! so that what is printed for a failure, and the code it exits with, is decided here alone.

mod args;
mod bench;
mod calibrate;
mod ceac;
mod check;
mod compare;
mod costs;
mod memory;
mod merge;
mod report;
mod run;
mod show;
mod sweep;
mod validate;
mod verify;

use std::path::{Path, PathBuf};

use clap::Parser;
use rayon::prelude::*;

use crate::limits::THREADS_PER_CORE;
use crate::model::network::Replication;
use crate::output::set::{self, OutputError, OutputSet};
use crate::output::summary::ReplicationResult;
use crate::output::sweep::SweepInfo;
use crate::output::temp;
use crate::scenario::{self, Scenario, ScenarioError};

pub use args::Cli;
use args::Command;
pub use bench::peak_memory_bytes;
pub use calibrate::replications;

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a failed run or check.
pub const EXIT_FAILURE: i32 = 1;

/// Why a subcommand did not succeed. Each message is one report, printed by [`main`] after
/// `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Input that cannot be used (a scenario with problems, arguments that do not fit
    /// together): exit 2.
    #[error("{0}")]
    BadInput(String),
    /// Several inputs that cannot be used, each its own report: every scenario file's problems
    /// are shown at once, not only the first file's. Exit 2.
    #[error("{}", .0.join("\n"))]
    BadInputs(Vec<String>),
    /// A run that failed, or outputs that could not be written: exit 1.
    #[error("{0}")]
    Failure(String),
    /// Checks ran and printed their own results, failures included (`verify`, `calibrate`):
    /// exit 1 with nothing more to say.
    #[error("checks failed")]
    ChecksFailed,
}

impl CliError {
    /// The reports to print, each after `error: `.
    fn reports(&self) -> &[String] {
        match self {
            Self::BadInput(m) | Self::Failure(m) => std::slice::from_ref(m),
            Self::BadInputs(ms) => ms,
            Self::ChecksFailed => &[],
        }
    }

    fn exit_code(&self) -> i32 {
        match self {
            Self::BadInput(_) | Self::BadInputs(_) => EXIT_BAD_INPUT,
            Self::Failure(_) | Self::ChecksFailed => EXIT_FAILURE,
        }
    }

    /// A [`CliError::Failure`] for an output that could not be written to `path`.
    fn cannot_write(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |e| Self::Failure(format!("cannot write {}: {e}", path.display()))
    }
}

impl From<OutputError> for CliError {
    /// An output that would replace something other than a regular file is bad input (exit 2);
    /// one that could not be written, a failure (exit 1).
    fn from(e: OutputError) -> Self {
        match e {
            OutputError::Refused(m) => Self::BadInput(m),
            OutputError::Failed(m) => Self::Failure(m),
        }
    }
}

impl From<ScenarioError> for CliError {
    fn from(e: ScenarioError) -> Self {
        Self::BadInput(report(&e))
    }
}

/// A scenario error as one report: its text ends in a newline, which `main` adds itself.
fn report(e: &ScenarioError) -> String {
    let text = e.to_string();
    text.strip_suffix('\n').map(str::to_string).unwrap_or(text)
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    temp::remove_on_signal();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_BAD_INPUT,
            };
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(&args.scenarios),
        Command::Verify(args) => verify::verify(args),
        Command::Bench(args) => bench::bench(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Validate(args) => validate::validate(args),
        Command::Costs(args) => costs::costs(args),
        Command::Show(args) => show::show(args),
        Command::Report(args) => report::report(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => merge::merge(args),
        Command::Ceac(args) => ceac::ceac(args),
        Command::Compare(args) => compare::compare(args),
    };
    // A failure caused by a signal's removing the temporaries is not reported: the handler exits.
    temp::settle();
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            for m in e.reports() {
                eprintln!("error: {m}");
            }
            e.exit_code()
        }
    }
}

/// Work units per thread handed out at a time by [`in_order`]: enough to keep every thread busy
/// to the end of a batch, few enough that the results held at once stay small.
const UNITS_PER_THREAD: usize = 8;

/// Runs `work` on every unit in parallel on `threads` threads, in batches, and hands each
/// result to `consume` in unit order, so that what is written and accumulated does not depend
/// on the thread count. Stops at the first error `consume` returns.
pub(crate) fn in_order<U: Sync, R: Send, E: Send>(
    units: &[U],
    threads: usize,
    work: impl Fn(&U) -> R + Sync,
    mut consume: impl FnMut(&U, R) -> Result<(), E> + Send,
) -> Result<Result<(), E>, CliError> {
    with_threads(threads, || {
        let batch = rayon::current_num_threads().max(1) * UNITS_PER_THREAD;
        for chunk in units.chunks(batch) {
            let results: Vec<R> = chunk.par_iter().map(&work).collect();
            for (u, r) in chunk.iter().zip(results) {
                consume(u, r)?;
            }
        }
        Ok(())
    })
}

/// Runs `f` on a pool of `threads` worker threads. A pool that cannot be started (the system
/// refuses the threads) is a failure of the command, not a panic inside rayon's global pool.
fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> Result<T, CliError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| {
            CliError::Failure(format!(
                "cannot start {threads} worker thread{}: {e}",
                if threads == 1 { "" } else { "s" }
            ))
        })?;
    Ok(pool.install(f))
}

/// This machine's cores (1 if unknown).
fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The worker threads a command uses: as asked, else every core; at least one, and at most
/// [`THREADS_PER_CORE`] per core, saying so on standard error when it caps them (more threads
/// than that only share the same cores: 10,000 threads once took 215 s for a 0.08 s job).
/// Call it once per command.
pub(crate) fn thread_count(asked: Option<usize>) -> usize {
    let cores = cores();
    let most = cores.saturating_mul(THREADS_PER_CORE);
    match asked {
        None => cores,
        Some(n) if n > most => {
            eprintln!(
                "warning: --threads {n} is more than {THREADS_PER_CORE} per core on this machine's {cores} core{}: using {most}",
                if cores == 1 { "" } else { "s" }
            );
            most
        }
        Some(n) => n.max(1),
    }
}

/// Loads every scenario, and prints each one's warnings (contradictions it can run with, see
/// `Scenario::warnings`) on standard error, as `cjmh check` does, unless `quiet`.
fn load_all(paths: &[PathBuf], quiet: bool) -> Result<Vec<Scenario>, CliError> {
    let scenarios = all_or_every_problem(paths.iter().map(|p| scenario::load(p)))?;
    if !quiet {
        for w in scenarios.iter().flat_map(|s| &s.warnings) {
            eprintln!("warning: {w}");
        }
    }
    Ok(scenarios)
}

/// Every value, or else the problems of every item that had any (not only the first's), each
/// its own report, so that one run shows everything to fix.
fn all_or_every_problem<T>(
    results: impl IntoIterator<Item = Result<T, ScenarioError>>,
) -> Result<Vec<T>, CliError> {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for r in results {
        match r {
            Ok(v) => ok.push(v),
            Err(e) => problems.push(report(&e)),
        }
    }
    if problems.is_empty() {
        Ok(ok)
    } else {
        Err(CliError::BadInputs(problems))
    }
}

/// Whether every scenario has its own name: outputs are keyed by it.
pub(crate) fn names_are_unique(scenarios: &[Scenario]) -> Result<(), CliError> {
    let mut names: Vec<&str> = Vec::new();
    for s in scenarios {
        if names.contains(&s.name.as_str()) {
            return Err(CliError::BadInput(format!(
                "two scenarios are named `{}`; give one a different `name`",
                s.name
            )));
        }
        names.push(&s.name);
    }
    Ok(())
}

/// Whether a split into `catchments` can apply to every scenario: only the pathway model
/// splits, and only where every capacity gives each catchment at least one place (capacities
/// are shared out in whole places, so with more catchments than places some would have none,
/// and the results would change without a word). Checked on the scenarios as they will run,
/// after `--cohort` has scaled their capacities.
pub(crate) fn catchments_apply(
    scenarios: &[Scenario],
    catchments: u32,
    cohort: Option<u64>,
) -> Result<(), CliError> {
    if catchments <= 1 {
        return Ok(());
    }
    if let Some(s) = scenarios.iter().find(|s| s.pathway.is_none()) {
        return Err(CliError::BadInput(format!(
            "--catchments splits the pathway model; {} is a network scenario",
            s.files[0].display()
        )));
    }
    let mut short = Vec::new();
    let mut most = u32::MAX;
    for s in scenarios {
        for (key, places) in s.capacities() {
            if places == 0 {
                continue;
            }
            most = most.min(places);
            if places < catchments {
                short.push(format!(
                    "{key} of {} has {places} place{} for {catchments} catchments",
                    s.name,
                    if places == 1 { "" } else { "s" }
                ));
            }
        }
    }
    if short.is_empty() {
        return Ok(());
    }
    let scaled = match cohort {
        Some(c) => format!("at --cohort {c}, "),
        None => String::new(),
    };
    Err(CliError::BadInput(format!(
        "--catchments {catchments} would leave some catchments with no place: each capacity is shared out among the catchments in whole places, and {scaled}{}. With --catchments {most} or fewer, every catchment has at least one place of every capacity.",
        short.join(", ")
    )))
}

/// `s` scaled by `factor` for `--cohort cohort`, or why it cannot be: a capacity scaled past
/// the largest a capacity can be would silently become no limit at all.
pub(crate) fn scaled(s: &Scenario, factor: f64, cohort: u64) -> Result<Scenario, CliError> {
    let beyond = s.capacities_beyond(factor);
    if beyond.is_empty() {
        return Ok(s.scaled(factor));
    }
    let list: Vec<String> = beyond
        .iter()
        .map(|(key, places, to)| format!("{key} from {places} to {to:.0}"))
        .collect();
    Err(CliError::BadInput(format!(
        "--cohort {cohort} multiplies {}'s capacities by {factor:.4}, which takes some past {}, the most places a capacity can have: {}. Ask for a smaller --cohort.",
        s.name,
        crate::engine::resource::UNLIMITED - 1,
        list.join(", ")
    )))
}

/// The factor that brings `s` to about `cohort` new people over warm-up and horizon.
pub(crate) fn cohort_factor(s: &Scenario, cohort: u64) -> Result<f64, CliError> {
    let expected = s.expected_people();
    if !(expected.is_finite() && expected > 0.0) {
        return Err(CliError::BadInput(format!(
            "--cohort needs arrivals, but {} expects no new people",
            s.files[0].display()
        )));
    }
    Ok(cohort as f64 / expected)
}

/// Refuses a command whose people would not fit in memory (see [`memory`]): `scenarios` as
/// they will run, `units` replications in all, on `threads` threads, each replication split
/// into `catchments`; `cohort` if `--cohort` set their size.
pub(crate) fn fits_in_memory(
    scenarios: &[Scenario],
    units: u64,
    threads: usize,
    catchments: u32,
    cohort: Option<u64>,
) -> Result<(), CliError> {
    let weight = |s: &Scenario| s.expected_people() * memory::per_person(s);
    let Some(largest) = scenarios
        .iter()
        .max_by(|a, b| weight(a).total_cmp(&weight(b)))
    else {
        return Ok(());
    };
    memory::check(&memory::Demand {
        scenario: largest,
        at_once: memory::at_once(threads, units, catchments),
        asked_by: match cohort {
            Some(c) => format!("--cohort {c}"),
            None => largest.files[0].display().to_string(),
        },
        advice: "Run fewer people (a smaller --cohort, or fewer arrivals in the scenario), or on fewer --threads: each thread holds a replication.",
    })
}

/// Says on standard error which temporaries of dead processes were removed.
fn report_stale(removed: &[(PathBuf, u32)]) {
    for (path, pid) in removed {
        eprintln!(
            "note: removed {}, left by process {pid} of this host, which is no longer running",
            path.display()
        );
    }
}

/// Begins the outputs of `command` in `out` (created if missing), which expects to write the
/// files `names` (checked now, before the work); see [`OutputSet`].
fn begin_outputs(out: &Path, command: &str, names: &[&str]) -> Result<OutputSet, CliError> {
    let set = OutputSet::begin(out, command, names)?;
    report_stale(set.stale());
    Ok(set)
}

/// Adopts table `stem` into `set` in `format`: it was written to the staging directory as
/// `stem.csv`, and for Parquet is converted there (a row group at a time) first.
fn adopt_table(
    set: &mut OutputSet,
    stem: &str,
    format: crate::output::tidy::Format,
) -> std::io::Result<()> {
    let csv = crate::output::tidy::Format::Csv.file(stem);
    if format == crate::output::tidy::Format::Parquet {
        crate::output::tidy::convert_file(
            &set.staging().join(&csv),
            &set.staging().join(format.file(stem)),
        )?;
    }
    set.adopt(&format.file(stem));
    Ok(())
}

/// Whether a single-file output may be written to `path` (absent or a regular file): checked
/// before the work, and again when writing.
fn check_output(path: &Path) -> Result<(), CliError> {
    Ok(set::check_target(path)?)
}

/// Writes `bytes` to `path`, a single-file output, at once or not at all; refused unless
/// `path` is absent or a regular file.
fn write_output(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    report_stale(&set::write_file(path, bytes)?);
    Ok(())
}

/// One replication of `s` as the summary records it.
pub(crate) fn replication_result(
    s: &Scenario,
    replication: u64,
    rep: Replication,
) -> ReplicationResult {
    ReplicationResult {
        scenario: s.name.clone(),
        replication,
        metrics: rep.metrics,
    }
}

/// Refuses a sweep whose `show` names a metric its points do not write, before anything runs:
/// one replication of the first point, run small, gives the names.
pub(crate) fn check_shown(sw: &scenario::sweep::Sweep) -> Result<(), scenario::ScenarioError> {
    /// New people in that small run.
    const PROBE_PEOPLE: f64 = 2_000.0;
    let Some(first) = sw.scenarios.first().filter(|_| !sw.show.is_empty()) else {
        return Ok(());
    };
    let names = |s: &Scenario| -> Vec<String> {
        let factor = (PROBE_PEOPLE / s.expected_people().max(1.0)).min(1.0);
        crate::model::run_catchments(&s.scaled(factor), 1, 0, 1)
            .metrics
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    };
    let mut written = names(first);
    if sw.check_shown(&written).is_ok() {
        return Ok(());
    }
    // Points can write different metrics (a network stage's capacity, say, when only some
    // points give it one): before refusing a name, every point is asked.
    for s in &sw.scenarios[1..] {
        written.extend(names(s));
    }
    sw.check_shown(&written)
}

/// The `sweep.json` in a sweep's output directory.
fn read_sweep_info(dir: &Path) -> Result<SweepInfo, CliError> {
    let path = dir.join("sweep.json");
    let bytes = crate::output::write::read_own_file(&path).map_err(|e| {
        CliError::BadInput(format!(
            "{}: not a sweep's output directory ({e})",
            dir.display()
        ))
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CliError::BadInput(format!("{}: unreadable: {e}", path.display())))
}

/// Prints a table of checks and how many of `total` passed (`what`: "cases pass"), unless
/// quiet; [`CliError::ChecksFailed`] if any did not (`calibrate`, `validate`).
fn checks_done(
    table: &str,
    failed: usize,
    total: usize,
    what: &str,
    started: std::time::Instant,
    quiet: bool,
) -> Result<(), CliError> {
    if !quiet {
        print!("{table}");
        println!(
            "\n{} of {total} {what} ({:.1} s)",
            total - failed,
            started.elapsed().as_secs_f64()
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::ChecksFailed)
    }
}
