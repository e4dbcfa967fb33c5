//! The `cjmh` command. `main` decides presentation and exit codes:
//! 0 success; 1 a run or verification failed or output could not be written;
//! 2 bad input (a scenario with problems, bad arguments).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::economics::psa;
use crate::model;
use crate::model::mmc::{self, MmcParams};
use crate::model::recorder::NullRecorder;
use crate::output::comparison;
use crate::output::events::{self, EventWriter};
use crate::output::manifest::{self, Manifest, PointEntry, ScenarioEntry, Versions};
use crate::output::summary::format_value;
use crate::output::summary::{ReplicationResult, SummaryWriter};
use crate::output::sweep as sweep_out;
use crate::output::table::ScenarioStats;
use crate::output::write::atomic_write;
use crate::output::{progress, table};
use crate::scenario::{self, Scenario};
use crate::verify;

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for a failed run or check.
pub const EXIT_FAILURE: i32 = 1;

/// A discrete-event simulator of the criminal-justice mental-health pathway in England and Wales.
#[derive(Parser, Debug)]
#[command(name = "cjmh", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs one or more scenarios and writes summary.csv and manifest.json.
    Run(RunArgs),
    /// Checks scenario files and sweep files and reports every problem found, without running
    /// anything. A sweep file (one with `base` and `design`) is checked point by point, as
    /// `cjmh sweep --dry-run` does.
    Check {
        /// Scenario or sweep files to check.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Runs the engine's verification models against closed-form results.
    Verify {
        /// Seed for the verification runs.
        #[arg(long, default_value_t = 20_261_122)]
        seed: u64,
        /// Worker threads (default: every core).
        #[arg(long)]
        threads: Option<usize>,
        /// Shows no progress bar.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Measures the engine's speed and memory on a reference model.
    Bench(BenchArgs),
    /// Runs the baseline and compares it with every published calibration target: prison
    /// population and receptions, remand share, transfers and their waits, reoffending, suicide
    /// after release and on probation, IAPT recovery. Prints a Markdown table (target, source,
    /// accepted band, simulated mean with its 95% interval) and exits 1 if any mean lies
    /// outside its band.
    Calibrate(CalibrateArgs),
    /// Runs a baseline and one or more scenarios with the same random streams (common random
    /// numbers: the same person meets the same luck in every scenario) and writes
    /// comparison.csv: for each scenario and metric, the baseline and scenario means and the
    /// paired difference with its 95% interval, and how much narrower that interval is than
    /// independent streams would have given. When the scenarios have [costs], it adds the
    /// investment case (net cost by payer, QALYs, ICER, net monetary benefit at £20,000 and
    /// £30,000 per QALY, return on investment) to comparison.csv and prints it. Also writes
    /// summary.csv and manifest.json.
    Compare(CompareArgs),
    /// Runs a sweep: a base scenario with parameters varied by key path over a grid, side by
    /// side (zip) or a Latin hypercube, each point for the same replications under common
    /// random numbers. Each finished (point, replication) is saved at once, so a sweep that
    /// stops can be resumed with --resume, and --shard I/N runs one of N parts (for several
    /// machines; combine them with `cjmh merge`). Writes summary.csv (one column per varied
    /// parameter), points.csv, sweep.json and manifest.json.
    Sweep(SweepArgs),
    /// Combines the output directories of a sweep's shards into exactly the outputs one
    /// unsharded run writes (summary.csv byte for byte). Refuses directories of different sweeps
    /// and says which units are still missing.
    Merge(MergeArgs),
    /// From the output directories of PSA sweeps (design = "psa", one per strategy, the same
    /// seed and number of draws; the first is the baseline), writes ceac.csv (for each
    /// willingness to pay per QALY and strategy, the probability that the strategy has the
    /// highest net monetary benefit, public sector) and evpi.csv (the expected value of perfect
    /// information), and prints both at £20,000 and £30,000.
    Ceac(CeacArgs),
    /// Prints a scenario's unit-cost table as Markdown: every cost line with its payer, driver,
    /// unit cost and range at the source's price year, the inflation factor to the scenario's
    /// price year, and the source; then the QALY lines. Runs nothing.
    Costs(CostsArgs),
}

#[derive(clap::Args, Debug)]
struct SweepArgs {
    /// The sweep file (TOML).
    sweep: PathBuf,
    /// Directory for the outputs; created if missing.
    #[arg(short, long, default_value = "out")]
    out: PathBuf,
    /// Worker threads (default: every core). Results do not depend on this.
    #[arg(long)]
    threads: Option<usize>,
    /// Continues a sweep in --out that stopped part-way: units already saved are skipped.
    #[arg(long)]
    resume: bool,
    /// Runs only part I of N (for example 2/4): the units whose number counts I, I+N, I+2N, ...
    /// from 1, in (point, replication) order. Inside a Slurm job array it defaults to the task's
    /// part: SLURM_ARRAY_TASK_ID (from SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT.
    #[arg(long, conflicts_with = "shards")]
    shard: Option<String>,
    /// Splits the sweep into N parts and runs the one the scheduler's array index names,
    /// counted from 0: SLURM_ARRAY_TASK_ID in a Slurm job array, JOB_COMPLETION_INDEX in a
    /// Kubernetes indexed Job. Index 0 runs --shard 1/N. Unlike the default, this stays right
    /// when one task is resubmitted alone (sbatch --array=3), so cluster/slurm/ always gives it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
    /// Checks the sweep file (every point's scenario is built and validated) and prints its
    /// points and units, then exits: runs nothing and writes nothing. For checking a sweep on a
    /// login node before submitting it to a cluster.
    #[arg(long)]
    dry_run: bool,
    /// Prints nothing but errors, and shows no progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::shard_from_scheduler;

    /// A process environment holding only `pairs`.
    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_slurm_array_task_picks_its_own_shard() {
        assert_eq!(shard_from_scheduler(None, env(&[])), Ok(None));
        let first = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(shard_from_scheduler(None, env(&first)), Ok(Some((1, 4))));
        let last = [
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(shard_from_scheduler(None, env(&last)), Ok(Some((4, 4))));
        let gap = [
            ("SLURM_ARRAY_TASK_ID", "9"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert!(shard_from_scheduler(None, env(&gap)).is_err());
    }

    #[test]
    fn with_shards_the_array_index_names_the_shard_even_for_a_task_resubmitted_alone() {
        // `sbatch --array=2` resubmits task 2 of an array of 4 as an array of one.
        let alone = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
        ];
        assert_eq!(shard_from_scheduler(Some(4), env(&alone)), Ok(Some((3, 4))));
        // Without --shards the same task would read itself as the whole sweep.
        assert_eq!(shard_from_scheduler(None, env(&alone)), Ok(Some((1, 1))));
        let k8s = [("JOB_COMPLETION_INDEX", "0")];
        assert_eq!(shard_from_scheduler(Some(5), env(&k8s)), Ok(Some((1, 5))));
        let e = shard_from_scheduler(None, env(&k8s)).unwrap_err();
        assert!(e.contains("--shards"), "{e}");
        let too_big = [("JOB_COMPLETION_INDEX", "5")];
        let e = shard_from_scheduler(Some(5), env(&too_big)).unwrap_err();
        assert!(e.contains("0 to 4"), "{e}");
        let e = shard_from_scheduler(Some(5), env(&[])).unwrap_err();
        assert!(e.contains("--shard I/5"), "{e}");
        let junk = [("SLURM_ARRAY_TASK_ID", "three")];
        assert!(shard_from_scheduler(Some(5), env(&junk)).is_err());
    }
}

#[derive(clap::Args, Debug)]
struct CeacArgs {
    /// PSA sweep output directories: the baseline first, then each policy.
    #[arg(required = true, num_args = 2..)]
    dirs: Vec<PathBuf>,
    /// Highest willingness to pay per QALY, £.
    #[arg(long, default_value_t = 100_000)]
    wtp_max: u64,
    /// Step between willingness-to-pay values, £.
    #[arg(long, default_value_t = 1_000)]
    wtp_step: u64,
    /// Directory for ceac.csv and evpi.csv; created if missing.
    #[arg(short, long, default_value = "out")]
    out: PathBuf,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// Output directories of the shards of one sweep.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Directory for the combined outputs; created if missing.
    #[arg(short, long)]
    out: PathBuf,
    /// The number of shards the sweep was split into (`cjmh sweep --shards N`). When units are
    /// missing, the error then names the shards to resubmit by their array index.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
}

#[derive(clap::Args, Debug)]
struct CostsArgs {
    /// Scenario whose [costs] and [qalys] to print.
    #[arg(default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Also writes the table to this file (for example docs/costs.md).
    #[arg(short, long)]
    out: Option<PathBuf>,
}

/// `--catchments`, shared by `run` and `compare`.
#[derive(clap::Args, Debug)]
struct Split {
    /// Splits each replication of a pathway scenario into this many independent catchments
    /// that run in parallel, so that even one large replication uses several cores. Each
    /// catchment has its share of new people and of every capacity (whole places) and its own
    /// random streams; the results are summed in a fixed order, so they depend on this number
    /// but never on --threads. Recorded in manifest.json.
    #[arg(long, default_value_t = 1)]
    catchments: u32,
}

#[derive(clap::Args, Debug)]
struct CompareArgs {
    /// The scenario every other is compared with.
    #[arg(long, default_value = "scenarios/baseline.toml")]
    baseline: PathBuf,
    /// Scenarios to compare with the baseline.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Replications of each scenario (default: the baseline's own setting, else 10).
    #[arg(short, long)]
    replications: Option<u64>,
    /// Seed of every random stream (default: the baseline's own setting, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: every core). Results do not depend on this.
    #[arg(long)]
    threads: Option<usize>,
    /// Directory for the outputs; created if missing.
    #[arg(short, long, default_value = "out")]
    out: PathBuf,
    /// Prints nothing but errors, and shows no progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Runs every scenario at the size where about this many new people arrive in the baseline
    /// over warm-up and horizon: arrivals and every capacity are multiplied by the baseline's
    /// factor, the same for all, so the pairing holds. Recorded in manifest.json.
    #[arg(long)]
    cohort: Option<u64>,
    #[command(flatten)]
    split: Split,
}

#[derive(clap::Args, Debug)]
struct CalibrateArgs {
    /// Scenario to compare with the targets.
    #[arg(default_value = "scenarios/baseline.toml")]
    scenario: PathBuf,
    /// Replications (default: the scenario's own setting, else 10).
    #[arg(short, long)]
    replications: Option<u64>,
    /// Seed of every random stream (default: the scenario's own setting, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: every core). Results do not depend on this.
    #[arg(long)]
    threads: Option<usize>,
    /// Also writes the table to this file (for example docs/calibration.md).
    #[arg(short, long)]
    out: Option<PathBuf>,
    /// Prints nothing but errors, and shows no progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Scenario files (TOML) to run.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Replications per scenario (default: the scenario's own setting, else 10).
    #[arg(short, long)]
    replications: Option<u64>,
    /// Seed of every random stream (default: the first scenario's own setting, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: every core). Results do not depend on this.
    #[arg(long)]
    threads: Option<usize>,
    /// Directory for the outputs; created if missing.
    #[arg(short, long, default_value = "out")]
    out: PathBuf,
    /// Prints nothing but errors, and shows no progress bar.
    #[arg(short, long)]
    quiet: bool,
    /// Also writes events.csv: one row per completed visit of a person to a stage (person, stage,
    /// arrival, start of service, end, destination). Large: about one row per person per stage.
    #[arg(long)]
    events: bool,
    /// Runs each scenario at a size where about this many new people arrive over warm-up and
    /// horizon: arrivals and every capacity (secure beds, therapists, servers) are multiplied by
    /// the same factor, so the system keeps its shape. Rates and shares are unchanged; counts
    /// scale. The factor is recorded in manifest.json.
    #[arg(long)]
    cohort: Option<u64>,
    #[command(flatten)]
    split: Split,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum BenchModel {
    /// The M/M/c reference queue: 0.9 arrivals a day, 10 servers, mean service 10 days.
    Mmc,
    /// The national pathway baseline (scenarios/baseline.toml, built into the binary) scaled to
    /// the cohort: warm-up and five measured years.
    Pathway,
}

#[derive(clap::Args, Debug)]
struct BenchArgs {
    /// Model to run.
    #[arg(long, value_enum, default_value_t = BenchModel::Mmc)]
    model: BenchModel,
    /// People who arrive in all (for the pathway: new people over warm-up and horizon).
    #[arg(long, default_value_t = 1_000_000)]
    cohort: u64,
    /// A pathway scenario to run instead of the built-in baseline (with --model pathway).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Worker threads; the cohort is split into this many independent catchments (M/M/c:
    /// independent queues).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Prints one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
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
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check { scenarios } => check(&scenarios),
        Command::Verify {
            seed,
            threads,
            quiet,
        } => with_threads(threads, || verify_cmd(seed, quiet)),
        Command::Bench(args) => bench(args),
        Command::Calibrate(args) => calibrate(args),
        Command::Costs(args) => costs(args),
        Command::Sweep(args) => sweep(args),
        Command::Merge(args) => merge(args),
        Command::Ceac(args) => ceac(args),
        Command::Compare(args) => compare(args),
    }
}

/// Work units per thread handed out at a time by [`in_order`]: enough to keep every thread busy
/// to the end of a batch, few enough that the results held at once stay small.
const UNITS_PER_THREAD: usize = 8;

/// Runs `work` on every unit in parallel, in batches, and hands each result to `consume` in
/// unit order, so that what is written and accumulated does not depend on the thread count.
/// Stops at the first error `consume` returns.
fn in_order<U: Sync, R: Send, E: Send>(
    units: &[U],
    threads: Option<usize>,
    work: impl Fn(&U) -> R + Sync,
    mut consume: impl FnMut(&U, R) -> Result<(), E> + Send,
) -> Result<(), E> {
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

fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> T {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t.max(1));
    }
    match b.build() {
        Ok(pool) => pool.install(f),
        Err(_) => f(),
    }
}

/// Whether `--catchments` can apply to every scenario (at least 1, and a split only for the
/// pathway model); prints why not.
fn catchments_apply(scenarios: &[Scenario], catchments: u32) -> bool {
    if catchments == 0 {
        eprintln!("error: --catchments must be at least 1");
        return false;
    }
    if catchments > 1
        && let Some(s) = scenarios.iter().find(|s| s.pathway.is_none())
    {
        eprintln!(
            "error: --catchments splits the pathway model; {} is a network scenario",
            s.files[0].display()
        );
        return false;
    }
    true
}

/// Whether every scenario has its own name (outputs are keyed by it); prints the clash if not.
fn names_are_unique(scenarios: &[Scenario]) -> bool {
    let mut names: Vec<&str> = Vec::new();
    for s in scenarios {
        if names.contains(&s.name.as_str()) {
            eprintln!(
                "error: two scenarios are named `{}`; give one a different `name`",
                s.name
            );
            return false;
        }
        names.push(&s.name);
    }
    true
}

/// The worker threads a command uses: as asked, else every core; at least one.
/// The factor that brings `s` to about `cohort` new people over warm-up and horizon, or `None`
/// (after printing why) when that cannot be done.
fn cohort_factor(s: &Scenario, cohort: u64) -> Option<f64> {
    if cohort == 0 {
        eprintln!("error: --cohort must be at least 1");
        return None;
    }
    let expected = s.expected_people();
    if !(expected.is_finite() && expected > 0.0) {
        eprintln!(
            "error: --cohort needs arrivals, but {} expects no new people",
            s.files[0].display()
        );
        return None;
    }
    Some(cohort as f64 / expected)
}

fn thread_count(asked: Option<usize>) -> usize {
    asked
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1)
}

/// Loads every scenario, printing every problem of every file; `None` if any had one.
fn load_all(paths: &[PathBuf]) -> Option<Vec<Scenario>> {
    let mut ok = Vec::new();
    let mut failed = false;
    for p in paths {
        match scenario::load(p) {
            Ok(s) => ok.push(s),
            Err(e) => {
                eprint!("error: {e}");
                failed = true;
            }
        }
    }
    (!failed).then_some(ok)
}

/// A sweep file names a `base` scenario and a `design`; anything else is read as a scenario
/// (which reports a file that is not TOML at all).
fn is_sweep_file(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("base") && t.contains_key("design"))
}

fn check(paths: &[PathBuf]) -> i32 {
    let mut failed = false;
    for path in paths {
        if is_sweep_file(path) {
            match scenario::sweep::load(path) {
                Ok(sw) => println!(
                    "{}: ok (sweep, {} design, {} points x {} replications)",
                    path.display(),
                    sw.design.name(),
                    sw.points.len(),
                    sw.replications
                ),
                Err(e) => {
                    eprint!("error: {e}");
                    failed = true;
                }
            }
            continue;
        }
        match scenario::load(path) {
            Ok(s) => {
                let shape = match s.pathway {
                    Some(_) => {
                        format!("pathway model, about {:.0} new people", s.expected_people())
                    }
                    None => format!(
                        "{} stages, {} arrival streams",
                        s.stages.len(),
                        s.arrivals.len()
                    ),
                };
                println!("{}: ok ({shape})", s.files[0].display());
            }
            Err(e) => {
                eprint!("error: {e}");
                failed = true;
            }
        }
    }
    if failed { EXIT_BAD_INPUT } else { 0 }
}

fn run(args: RunArgs) -> i32 {
    let started = Instant::now();
    let Some(mut scenarios) = load_all(&args.scenarios) else {
        return EXIT_BAD_INPUT;
    };
    if let Some(cohort) = args.cohort {
        for i in 0..scenarios.len() {
            let Some(factor) = cohort_factor(&scenarios[i], cohort) else {
                return EXIT_BAD_INPUT;
            };
            scenarios[i] = scenarios[i].scaled(factor);
        }
    }
    if !names_are_unique(&scenarios) || !catchments_apply(&scenarios, args.split.catchments) {
        return EXIT_BAD_INPUT;
    }
    if args.split.catchments > 1 && args.events {
        eprintln!(
            "error: --events records one run's people and cannot be combined with --catchments"
        );
        return EXIT_BAD_INPUT;
    }
    if args.replications == Some(0) {
        eprintln!("error: --replications must be at least 1");
        return EXIT_BAD_INPUT;
    }
    let seed = args.seed.or(scenarios[0].seed).unwrap_or(1);
    let threads = thread_count(args.threads);
    let reps_of = |s: &Scenario| {
        args.replications
            .unwrap_or(s.replications.unwrap_or(10) as u64)
    };
    let units: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..reps_of(s)).map(move |r| (i, r)))
        .collect();

    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "error: cannot create the output directory {}: {e}",
            args.out.display()
        );
        return EXIT_FAILURE;
    }
    let summary_path = args.out.join("summary.csv");
    let mut summary =
        match SummaryWriter::create(crate::output::write::temp_path(&summary_path, "run"), true) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", summary_path.display());
                return EXIT_FAILURE;
            }
        };
    let mut stats: Vec<ScenarioStats> = scenarios
        .iter()
        .map(|s| ScenarioStats::new(&s.name))
        .collect();
    let mut events_handled = 0;
    let progress = progress::Progress::new(units.len() as u64, args.quiet, "replications");
    // Results are consumed in unit order whatever the thread count: rows are written and
    // statistics accumulated as replications finish, so memory does not grow with their number.
    let outcome = in_order(
        &units,
        Some(threads),
        |&(i, r)| -> std::io::Result<(ReplicationResult, u64)> {
            let s = &scenarios[i];
            let rep = if args.events {
                let w = EventWriter::create(&events::part_path(&args.out, i, r), s, r)?;
                let (rep, w) = model::run(s, seed, r, w);
                w.finish()?;
                rep
            } else {
                model::run_catchments(s, seed, r, args.split.catchments)
            };
            progress.done(rep.people);
            Ok((
                ReplicationResult {
                    scenario: s.name.clone(),
                    replication: r,
                    metrics: rep.metrics,
                },
                rep.events,
            ))
        },
        |&(i, _), result| {
            let (r, n) = result?;
            events_handled += n;
            stats[i].add(&r);
            summary.write(&r)
        },
    );
    progress.finish();
    if let Err(e) = outcome {
        eprintln!("error: cannot write the outputs: {e}");
        for &(i, r) in &units {
            let _ = std::fs::remove_file(events::part_path(&args.out, i, r));
        }
        return EXIT_FAILURE;
    }
    let mut outputs = vec!["summary.csv".to_string()];
    if args.events {
        let parts: Vec<_> = units
            .iter()
            .map(|&(i, r)| events::part_path(&args.out, i, r))
            .collect();
        if let Err(e) = events::join_parts(&args.out, &parts) {
            eprintln!("error: cannot write the events file: {e}");
            return EXIT_FAILURE;
        }
        outputs.push("events.csv".into());
    }
    if let Err(e) = summary.finish(&summary_path) {
        eprintln!("error: cannot write {}: {e}", summary_path.display());
        return EXIT_FAILURE;
    }
    let m = Manifest {
        command: "run".into(),
        arguments: std::env::args().skip(1).collect(),
        seed,
        replications: args.replications,
        threads,
        cohort: args.cohort,
        catchments: args.split.catchments,
        versions: Versions::current(),
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioEntry::of(s, reps_of(s)))
            .collect(),
        points: Vec::new(),
        outputs,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        events: events_handled,
    };
    let manifest_path = args.out.join("manifest.json");
    if let Err(e) = atomic_write(&manifest_path, &manifest::to_json(&m)) {
        eprintln!("error: cannot write {}: {e}", manifest_path.display());
        return EXIT_FAILURE;
    }
    if !args.quiet {
        print!("{}", table::render(&stats));
        println!(
            "\nwrote {} and {} ({:.1} s, seed {seed}, {threads} threads)",
            summary_path.display(),
            manifest_path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    0
}

/// Runs `replications` replications of one scenario in parallel, in replication order.
pub fn replications(
    s: &Scenario,
    seed: u64,
    replications: u64,
    threads: Option<usize>,
    quiet: bool,
) -> Vec<ReplicationResult> {
    let progress = progress::Progress::new(replications, quiet, "replications");
    let results = with_threads(threads, || {
        (0..replications)
            .into_par_iter()
            .map(|r| {
                let rep = model::run(s, seed, r, NullRecorder).0;
                progress.done(rep.people);
                ReplicationResult {
                    scenario: s.name.clone(),
                    replication: r,
                    metrics: rep.metrics,
                }
            })
            .collect()
    });
    progress.finish();
    results
}

fn calibrate(args: CalibrateArgs) -> i32 {
    let started = Instant::now();
    let s = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprint!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if s.pathway.is_none() {
        eprintln!(
            "error: {}: calibration compares the pathway model with published figures; this \
             scenario is a network (set model = \"pathway\")",
            args.scenario.display()
        );
        return EXIT_BAD_INPUT;
    }
    let reps = args
        .replications
        .unwrap_or(s.replications.unwrap_or(10) as u64);
    if reps < 2 {
        eprintln!("error: --replications must be at least 2 for a confidence interval");
        return EXIT_BAD_INPUT;
    }
    let seed = args.seed.or(s.seed).unwrap_or(1);
    let results = replications(&s, seed, reps, args.threads, args.quiet);
    let rows = crate::calibration::evaluate(&results);
    let heading = crate::calibration::heading(&s, &args.scenario, reps, seed);
    let table = crate::calibration::to_markdown(&rows, &heading);
    if let Some(out) = &args.out
        && let Err(e) = atomic_write(out, table.as_bytes())
    {
        eprintln!("error: cannot write {}: {e}", out.display());
        return EXIT_FAILURE;
    }
    let failed = rows.iter().filter(|r| !r.pass()).count();
    if !args.quiet {
        print!("{table}");
        println!(
            "\n{} of {} targets in band ({:.1} s)",
            rows.len() - failed,
            rows.len(),
            started.elapsed().as_secs_f64()
        );
    }
    if failed == 0 { 0 } else { EXIT_FAILURE }
}

/// Parses `--shard I/N` (1 <= I <= N).
fn parse_shard(text: &str) -> Option<(u64, u64)> {
    let (i, n) = text.split_once('/')?;
    let (i, n) = (i.trim().parse().ok()?, n.trim().parse().ok()?);
    (n >= 1 && i >= 1 && i <= n).then_some((i, n))
}

/// The shard a scheduler's array task should run when `--shard` is not given, as (I, N) with
/// I counted from 1; `None` outside an array job.
///
/// With `--shards N` the array index names the shard directly, counted from 0:
/// `SLURM_ARRAY_TASK_ID`, else Kubernetes' `JOB_COMPLETION_INDEX`. Without it, a Slurm task is
/// shard `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`, counted from `SLURM_ARRAY_TASK_MIN`,
/// so one command line serves every task of `sbatch --array`; that reading cannot tell a task
/// resubmitted alone (an array of one) from a sweep of one shard, hence `--shards`. Kubernetes
/// does not tell a pod how many completions its Job has, so there `--shards` is required.
fn shard_from_scheduler(
    shards: Option<u64>,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<(u64, u64)>, String> {
    let parse = |name: &str| -> Result<Option<u64>, String> {
        var(name)
            .map(|v| {
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{name}={v:?} is not a whole number"))
            })
            .transpose()
    };
    let slurm_id = parse("SLURM_ARRAY_TASK_ID")?;
    let k8s_index = parse("JOB_COMPLETION_INDEX")?;
    if let Some(n) = shards {
        let (name, index) = match (slurm_id, k8s_index) {
            (Some(i), _) => ("SLURM_ARRAY_TASK_ID", i),
            (None, Some(i)) => ("JOB_COMPLETION_INDEX", i),
            (None, None) => {
                return Err(format!(
                    "--shards {n} takes the shard from the scheduler, but neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes indexed Job) is set: run it as an array task, or give --shard I/{n}"
                ));
            }
        };
        return if index < n {
            Ok(Some((index + 1, n)))
        } else {
            Err(format!(
                "{name}={index} is not one of the {n} shards of --shards {n}: number the tasks 0 to {}",
                n - 1
            ))
        };
    }
    let Some(id) = slurm_id else {
        return match k8s_index {
            Some(i) => Err(format!(
                "JOB_COMPLETION_INDEX={i} is set (a Kubernetes indexed Job), but a pod is not told how many completions its Job has: add --shards N, N being the Job's completions"
            )),
            None => Ok(None),
        };
    };
    let Some(count) = parse("SLURM_ARRAY_TASK_COUNT")? else {
        return Err(format!(
            "SLURM_ARRAY_TASK_ID={id} is set without SLURM_ARRAY_TASK_COUNT: give --shards N or --shard I/N"
        ));
    };
    let min = parse("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
    match id.checked_sub(min).map(|d| d + 1) {
        Some(i) if count >= 1 && i <= count => Ok(Some((i, count))),
        _ => Err(format!(
            "SLURM_ARRAY_TASK_ID={id} (from {min}) is outside an array of {count} tasks: submit the array as --array=0-{} or 1-{count}, with no gaps, or give --shards N",
            count.saturating_sub(1)
        )),
    }
}

fn read_sweep_info(dir: &std::path::Path) -> Result<sweep_out::SweepInfo, String> {
    let path = dir.join("sweep.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{}: not a sweep's output directory ({e})", dir.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: unreadable: {e}", path.display()))
}

fn sweep(args: SweepArgs) -> i32 {
    let started = Instant::now();
    let sw = match scenario::sweep::load(&args.sweep) {
        Ok(s) => s,
        Err(e) => {
            eprint!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let shard = match args.shard.as_deref().map(parse_shard) {
        None => shard_from_scheduler(args.shards, |k| std::env::var(k).ok()),
        Some(Some(s)) => Ok(Some(s)),
        Some(None) => Err("--shard must be I/N with 1 <= I <= N, for example 2/4".to_string()),
    };
    let info = sweep_out::SweepInfo::of(&sw);
    if args.dry_run {
        // Outside an array, `--shards N` has no index yet: the dry run describes the split.
        if let (Err(e), None) = (&shard, args.shards) {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
        let units = info.units().len() as u64;
        // Shard I of N runs the units numbered I-1, I-1+N, ... from 0.
        let size = |i: u64, n: u64| (units + n - i) / n;
        print!(
            "{}: valid; {} points x {} replications = {units} units ({} design, seed {})",
            sw.name,
            info.points.len(),
            sw.replications,
            sw.design.name(),
            sw.seed
        );
        match (shard, args.shards) {
            (Ok(Some((i, n))), _) => println!("; shard {i}/{n} runs {}", size(i, n)),
            (_, Some(n)) => println!(
                "; --shards {n} gives each task {} to {} units",
                size(n, n),
                size(1, n)
            ),
            _ => println!(),
        }
        // Scripts compare this with the sweep.json of earlier runs before resubmitting.
        println!("sweep hash: {}", info.hash);
        return 0;
    }
    let shard = match shard {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if let Ok(existing) = read_sweep_info(&args.out) {
        if existing.hash != info.hash {
            eprintln!(
                "error: {} holds the outputs of another sweep (or of this one before it changed): choose another --out",
                args.out.display()
            );
            return EXIT_BAD_INPUT;
        }
        if !args.resume && sweep_out::missing(&info, &[&args.out]).len() < info.units().len() {
            eprintln!(
                "error: {} already has results of this sweep: add --resume to continue it, or choose another --out",
                args.out.display()
            );
            return EXIT_BAD_INPUT;
        }
    }
    if let Err(e) = std::fs::create_dir_all(args.out.join("units"))
        .and_then(|_| atomic_write(&args.out.join("sweep.json"), &info.to_json()))
    {
        eprintln!("error: cannot write to {}: {e}", args.out.display());
        return EXIT_FAILURE;
    }
    let todo: Vec<(usize, u64)> = info
        .units()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| *i as u64 % n == k - 1))
        .map(|(_, u)| u)
        .filter(|&(p, r)| !sweep_out::unit_path(&args.out, p, r).exists())
        .collect();
    let progress = progress::Progress::new(todo.len() as u64, args.quiet, "units");
    // Each unit is saved by the thread that ran it, as soon as it finishes: a sweep killed
    // part-way keeps everything finished, whatever order the units ran in.
    let outcome: std::io::Result<u64> = with_threads(args.threads, || {
        todo.par_iter()
            .map(|&(p, r)| {
                let rep = model::run_catchments(&sw.scenarios[p], sw.seed, r, 1);
                sweep_out::write_unit(&args.out, p, r, &rep.metrics)?;
                progress.done(rep.people);
                Ok(rep.events)
            })
            .sum()
    });
    progress.finish();
    let events = match outcome {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: cannot write a unit's results: {e}");
            return EXIT_FAILURE;
        }
    };
    let missing = sweep_out::missing(&info, &[&args.out]).len();
    let mut outputs = vec!["sweep.json".to_string(), "units/".to_string()];
    if missing == 0 {
        if let Err(e) = sweep_out::assemble(&info, &[&args.out], &args.out) {
            eprintln!("error: cannot write the sweep's summary: {e}");
            return EXIT_FAILURE;
        }
        outputs.extend(["summary.csv".to_string(), "points.csv".to_string()]);
    }
    let m = Manifest {
        command: "sweep".into(),
        arguments: std::env::args().skip(1).collect(),
        seed: sw.seed,
        replications: Some(sw.replications),
        threads: thread_count(args.threads),
        cohort: None,
        catchments: 1,
        versions: Versions::current(),
        // The base once, resolved, and a hash per point: a PSA of 1,000 points listing every
        // resolved scenario made a 37 MB manifest, rewritten by every shard.
        scenarios: scenario::load(&sw.base)
            .map(|base| vec![ScenarioEntry::of(&base, sw.replications)])
            .unwrap_or_default(),
        points: sw
            .scenarios
            .iter()
            .enumerate()
            .map(|(point, s)| PointEntry {
                point,
                hash: s.hash.clone(),
            })
            .collect(),
        outputs,
        wall_time_seconds: started.elapsed().as_secs_f64(),
        events,
    };
    if let Err(e) = atomic_write(&args.out.join("manifest.json"), &manifest::to_json(&m)) {
        eprintln!("error: cannot write the manifest: {e}");
        return EXIT_FAILURE;
    }
    if !args.quiet {
        println!(
            "{}: {} points x {} replications ({} design); ran {} units in {:.1} s",
            sw.name,
            info.points.len(),
            sw.replications,
            sw.design.name(),
            todo.len(),
            started.elapsed().as_secs_f64()
        );
        if missing == 0 {
            println!("wrote {}", args.out.join("summary.csv").display());
        } else {
            println!(
                "{missing} units still to run: run the other shards, then `cjmh merge`, or resume with --resume"
            );
        }
    }
    0
}

fn merge(args: MergeArgs) -> i32 {
    let started = Instant::now();
    let mut infos = Vec::new();
    for d in &args.dirs {
        match read_sweep_info(d) {
            Ok(i) => infos.push(i),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let info = infos[0].clone();
    if let Some((d, _)) = args
        .dirs
        .iter()
        .zip(&infos)
        .find(|(_, i)| i.hash != info.hash)
    {
        eprintln!(
            "error: {} holds another sweep than {} (their sweep.json hashes differ)",
            d.display(),
            args.dirs[0].display()
        );
        return EXIT_BAD_INPUT;
    }
    let dirs: Vec<&std::path::Path> = args.dirs.iter().map(|d| d.as_path()).collect();
    let missing = sweep_out::missing(&info, &dirs);
    if let Some(&(p, r)) = missing.first() {
        eprintln!(
            "error: {} units have not been run in these directories (the first: point {p}, replication {r}); run the missing shards, or resume one of them",
            missing.len()
        );
        if let Some(n) = args.shards {
            // Units are numbered point-major from 0, as `--shard` counts them.
            let mut indices: Vec<u64> = missing
                .iter()
                .map(|&(p, r)| (p as u64 * info.replications + r) % n)
                .collect();
            indices.sort_unstable();
            indices.dedup();
            let list: Vec<String> = indices.iter().map(|i| i.to_string()).collect();
            eprintln!(
                "shards to resubmit (array indices of --shards {n}): {}",
                list.join(",")
            );
        }
        return EXIT_FAILURE;
    }
    let shard_manifests = match read_shard_manifests(&dirs) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    // The combined directory is a complete sweep directory of its own: units copied in.
    let copied = std::fs::create_dir_all(args.out.join("units")).and_then(|_| {
        for (p, r) in info.units() {
            let to = sweep_out::unit_path(&args.out, p, r);
            if !to.exists() {
                let from = dirs
                    .iter()
                    .map(|d| sweep_out::unit_path(d, p, r))
                    .find(|f| f.exists())
                    .expect("checked above");
                atomic_write(&to, &std::fs::read(from)?)?;
            }
        }
        atomic_write(&args.out.join("sweep.json"), &info.to_json())
    });
    let manifest = merged_manifest(&info, &dirs, &shard_manifests, started);
    if let Err(e) = copied
        .and_then(|_| sweep_out::assemble(&info, &[&args.out], &args.out))
        .and_then(|_| atomic_write(&args.out.join("manifest.json"), &manifest))
    {
        eprintln!("error: cannot write to {}: {e}", args.out.display());
        return EXIT_FAILURE;
    }
    println!(
        "merged {} directories: {} points x {} replications; wrote {}",
        dirs.len(),
        info.points.len(),
        info.replications,
        args.out.join("summary.csv").display()
    );
    0
}

/// The `manifest.json` of each shard directory, in the order given (`None` for a shard killed
/// before its end). Refuses shards run by different builds: their units need not agree.
fn read_shard_manifests(
    dirs: &[&std::path::Path],
) -> Result<Vec<Option<serde_json::Value>>, String> {
    let mut found: Vec<Option<serde_json::Value>> = Vec::new();
    let mut first: Option<(&std::path::Path, serde_json::Value)> = None;
    for d in dirs {
        let path = d.join("manifest.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            found.push(None);
            continue;
        };
        let m: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: unreadable: {e}", path.display()))?;
        match &first {
            Some((f, fm)) if fm["versions"] != m["versions"] => {
                return Err(format!(
                    "{} and {} were run by different builds of cjmh ({} and {}); run every shard with one build",
                    f.display(),
                    d.display(),
                    fm["versions"],
                    m["versions"]
                ));
            }
            Some(_) => {}
            None => first = Some((d, m.clone())),
        }
        found.push(Some(m));
    }
    Ok(found)
}

/// The merged directory's manifest: the shards' own (their versions and scenarios are what
/// ran), with the command, outputs and time of the merge, and each shard's run listed.
fn merged_manifest(
    info: &sweep_out::SweepInfo,
    dirs: &[&std::path::Path],
    shards: &[Option<serde_json::Value>],
    started: Instant,
) -> Vec<u8> {
    let mut m = match shards.iter().flatten().next() {
        Some(m) => m.clone(),
        None => serde_json::to_value(Manifest {
            command: String::new(),
            arguments: Vec::new(),
            seed: info.seed,
            replications: Some(info.replications),
            threads: 1,
            cohort: None,
            catchments: 1,
            versions: Versions::current(),
            scenarios: Vec::new(),
            points: Vec::new(),
            outputs: Vec::new(),
            wall_time_seconds: 0.0,
            events: 0,
        })
        .expect("always serialises"),
    };
    let events: u64 = shards
        .iter()
        .flatten()
        .filter_map(|s| s["events"].as_u64())
        .sum();
    m["command"] = "merge".into();
    m["arguments"] = std::env::args().skip(1).collect::<Vec<_>>().into();
    m["outputs"] = serde_json::json!(["sweep.json", "units/", "summary.csv", "points.csv"]);
    m["wall_time_seconds"] = started.elapsed().as_secs_f64().into();
    m["events"] = events.into();
    m["merged_from"] = dirs
        .iter()
        .zip(shards)
        .map(|(d, s)| {
            serde_json::json!({
                "directory": d.display().to_string(),
                "manifest": s.is_some(),
                "threads": s.as_ref().map(|s| s["threads"].clone()),
                "wall_time_seconds": s.as_ref().map(|s| s["wall_time_seconds"].clone()),
                "events": s.as_ref().map(|s| s["events"].clone()),
            })
        })
        .collect::<Vec<_>>()
        .into();
    manifest::to_json(&m)
}

/// A PSA sweep's public-sector cost and QALYs per draw (means over its replications).
fn psa_strategy(dir: &std::path::Path) -> Result<(sweep_out::SweepInfo, psa::Strategy), String> {
    let info = read_sweep_info(dir)?;
    if info.design != "psa" {
        return Err(format!(
            "{}: a {} sweep, not a psa",
            dir.display(),
            info.design
        ));
    }
    let path = dir.join("summary.csv");
    let mut reader = csv::Reader::from_path(&path).map_err(|e| {
        format!(
            "{}: {e} (has the sweep finished? see `cjmh merge`)",
            path.display()
        )
    })?;
    let n = info.points.len();
    let (mut cost, mut qalys) = (vec![(0.0, 0u32); n], vec![(0.0, 0u32); n]);
    for row in reader.records() {
        let row = row.map_err(|e| format!("{}: {e}", path.display()))?;
        let len = row.len();
        let (point, metric, value) = (&row[0], &row[len - 2], &row[len - 1]);
        let target = match metric {
            "cost.public_sector" => &mut cost,
            "qalys.total" => &mut qalys,
            _ => continue,
        };
        let (Ok(p), Ok(v)) = (point.parse::<usize>(), value.parse::<f64>()) else {
            continue;
        };
        if let Some(t) = target.get_mut(p) {
            t.0 += v;
            t.1 += 1;
        }
    }
    let mean = |v: Vec<(f64, u32)>| -> Result<Vec<f64>, String> {
        v.into_iter()
            .map(|(s, k)| {
                if k == 0 {
                    Err(format!("{}: no cost.public_sector or qalys.total for every draw (does the scenario have [costs]?)", path.display()))
                } else {
                    Ok(s / k as f64)
                }
            })
            .collect()
    };
    let strategy = psa::Strategy {
        name: info.name.clone(),
        cost: mean(cost)?,
        qalys: mean(qalys)?,
    };
    Ok((info, strategy))
}

fn ceac(args: CeacArgs) -> i32 {
    let mut strategies = Vec::new();
    let mut first: Option<sweep_out::SweepInfo> = None;
    for d in &args.dirs {
        let (info, s) = match psa_strategy(d) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        };
        if let Some(f) = &first
            && (f.seed != info.seed || f.points.len() != info.points.len())
        {
            eprintln!(
                "error: {} has {} draws with seed {}, {} has {} with seed {}: PSA draws pair only with the same seed and count",
                args.dirs[0].display(),
                f.points.len(),
                f.seed,
                d.display(),
                info.points.len(),
                info.seed
            );
            return EXIT_BAD_INPUT;
        }
        first.get_or_insert(info);
        strategies.push(s);
    }
    if args.wtp_step == 0 {
        eprintln!("error: --wtp-step must be at least 1");
        return EXIT_BAD_INPUT;
    }
    let wtps: Vec<f64> = (0..=args.wtp_max)
        .step_by(args.wtp_step as usize)
        .map(|w| w as f64)
        .collect();
    let mut ceac_csv = csv::Writer::from_writer(Vec::new());
    let mut evpi_csv = csv::Writer::from_writer(Vec::new());
    let _ = ceac_csv.write_record(["wtp", "strategy", "probability_cost_effective"]);
    let _ = evpi_csv.write_record(["wtp", "evpi"]);
    for &w in &wtps {
        for (s, p) in strategies.iter().zip(psa::acceptability(&strategies, w)) {
            let _ = ceac_csv.write_record([format_value(w), s.name.clone(), format_value(p)]);
        }
        let _ = evpi_csv.write_record([format_value(w), format_value(psa::evpi(&strategies, w))]);
    }
    let files = [
        ("ceac.csv", ceac_csv.into_inner().unwrap_or_default()),
        ("evpi.csv", evpi_csv.into_inner().unwrap_or_default()),
    ];
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {e}", args.out.display());
        return EXIT_FAILURE;
    }
    for (name, bytes) in &files {
        if let Err(e) = atomic_write(&args.out.join(name), bytes) {
            eprintln!("error: cannot write {}: {e}", args.out.join(name).display());
            return EXIT_FAILURE;
        }
    }
    let draws = strategies[0].cost.len();
    println!("{draws} PSA draws; probability of the highest net monetary benefit (public sector):");
    for w in [20_000.0, 30_000.0] {
        let p = psa::acceptability(&strategies, w);
        let cells: Vec<String> = strategies
            .iter()
            .zip(p)
            .map(|(s, p)| format!("{} {:.2}", s.name, p))
            .collect();
        println!(
            "  at £{}/QALY: {}; EVPI £{}",
            crate::economics::investment::thousands(w),
            cells.join(", "),
            crate::economics::investment::thousands(psa::evpi(&strategies, w))
        );
    }
    println!(
        "wrote {} and {}",
        args.out.join("ceac.csv").display(),
        args.out.join("evpi.csv").display()
    );
    0
}

fn costs(args: CostsArgs) -> i32 {
    let s = match scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprint!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let Some(e) = &s.economics else {
        eprintln!(
            "error: {}: the scenario has no [costs] section (write one, or `extends` a scenario \
             that has it, such as scenarios/baseline.toml)",
            args.scenario.display()
        );
        return EXIT_BAD_INPUT;
    };
    // Paths in the table are relative, so the generated file does not depend on where the
    // repository lives.
    let table = e.to_markdown(&args.scenario.display().to_string());
    if let Some(out) = &args.out
        && let Err(err) = atomic_write(out, table.as_bytes())
    {
        eprintln!("error: cannot write {}: {err}", out.display());
        return EXIT_FAILURE;
    }
    print!("{table}");
    0
}

/// Metrics the printed comparison shows; comparison.csv has every metric.
const COMPARE_HEADLINE: &[&str] = &[
    "receptions_per_year",
    "prison_population_mean",
    "transfers_per_year",
    "transfer_wait_days_mean",
    "transfer_within_14d_share",
    "transfer_within_28d_share",
    "released_before_transfer",
    "transfer_limit_breaches",
    "spot_bed_days",
    "secure_bed_days",
    "secure_bed_queue_mean",
    "reoffending_1y_short_sentence_share",
    "post_release_suicides",
    "post_release_drug_deaths",
    "release_support_participants",
    "release_no_gp_share",
    "iapt_recovered",
    "custody_days",
    "people_exited",
];

fn compare(args: CompareArgs) -> i32 {
    let started = Instant::now();
    let mut paths = vec![args.baseline.clone()];
    paths.extend(args.scenarios.iter().cloned());
    let Some(mut scenarios) = load_all(&paths) else {
        return EXIT_BAD_INPUT;
    };
    if let Some(cohort) = args.cohort {
        // One factor for all, the baseline's, so that every scenario keeps the same arrivals
        // and capacities and the pairing by common random numbers holds.
        let Some(factor) = cohort_factor(&scenarios[0], cohort) else {
            return EXIT_BAD_INPUT;
        };
        for s in &mut scenarios {
            *s = s.scaled(factor);
        }
    }
    if !names_are_unique(&scenarios) || !catchments_apply(&scenarios, args.split.catchments) {
        return EXIT_BAD_INPUT;
    }
    let reps = args
        .replications
        .unwrap_or(scenarios[0].replications.unwrap_or(10) as u64);
    if reps < 2 {
        eprintln!("error: --replications must be at least 2 for paired intervals");
        return EXIT_BAD_INPUT;
    }
    let seed = args.seed.or(scenarios[0].seed).unwrap_or(1);
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "error: cannot create the output directory {}: {e}",
            args.out.display()
        );
        return EXIT_FAILURE;
    }
    // Every (replication, scenario) in one pool, replication by replication, so that each
    // replication's baseline is at hand when its scenarios finish: the comparison and the
    // summary are accumulated as results come, in unit order whatever the thread count, and
    // memory does not grow with the number of replications.
    let units: Vec<(u64, usize)> = (0..reps)
        .flat_map(|r| (0..scenarios.len()).map(move |i| (r, i)))
        .collect();
    let summary_path = args.out.join("summary.csv");
    let mut parts = Vec::new();
    for i in 0..scenarios.len() {
        match SummaryWriter::create(
            crate::output::write::temp_path(&summary_path, &i.to_string()),
            i == 0,
        ) {
            Ok(w) => parts.push(w),
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", summary_path.display());
                return EXIT_FAILURE;
            }
        }
    }
    let mut accumulators: Vec<comparison::Accumulator> = scenarios[1..]
        .iter()
        .map(|s| comparison::Accumulator::new(&s.name))
        .collect();
    let mut baseline: Option<ReplicationResult> = None;
    let progress = progress::Progress::new(units.len() as u64, args.quiet, "replications");
    let outcome = in_order(
        &units,
        args.threads,
        |&(r, i)| {
            let s = &scenarios[i];
            let rep = model::run_catchments(s, seed, r, args.split.catchments);
            progress.done(rep.people);
            ReplicationResult {
                scenario: s.name.clone(),
                replication: r,
                metrics: rep.metrics,
            }
        },
        |&(_, i), result| -> std::io::Result<()> {
            parts[i].write(&result)?;
            if i == 0 {
                baseline = Some(result);
            } else if let Some(b) = &baseline {
                accumulators[i - 1].add(b, &result);
            }
            Ok(())
        },
    );
    progress.finish();
    if let Err(e) = outcome {
        eprintln!("error: cannot write {}: {e}", summary_path.display());
        return EXIT_FAILURE;
    }
    let rows: Vec<comparison::Row> = accumulators.iter().flat_map(|a| a.rows()).collect();
    if let Err(e) = SummaryWriter::join(parts, &summary_path) {
        eprintln!("error: cannot write {}: {e}", summary_path.display());
        return EXIT_FAILURE;
    }
    let threads = thread_count(args.threads);
    let writes = [
        ("comparison.csv", comparison::to_csv(&rows)),
        (
            "manifest.json",
            manifest::to_json(&Manifest {
                command: "compare".into(),
                arguments: std::env::args().skip(1).collect(),
                seed,
                replications: Some(reps),
                threads,
                cohort: args.cohort,
                catchments: args.split.catchments,
                versions: Versions::current(),
                scenarios: scenarios
                    .iter()
                    .map(|s| ScenarioEntry::of(s, reps))
                    .collect(),
                points: Vec::new(),
                outputs: vec!["comparison.csv".into(), "summary.csv".into()],
                wall_time_seconds: started.elapsed().as_secs_f64(),
                events: 0,
            }),
        ),
    ];
    for (name, bytes) in &writes {
        let path = args.out.join(name);
        if let Err(e) = atomic_write(&path, bytes) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return EXIT_FAILURE;
        }
    }
    if !args.quiet {
        print!("{}", comparison::render(&rows, COMPARE_HEADLINE));
        if let Some(e) = &scenarios[0].economics {
            print!(
                "{}",
                comparison::render_investment(&rows, &e.price_year, e.discount_rate)
            );
        }
        println!(
            "\nCRN width: the paired interval's width as a share of what independent streams would give.\nwrote {} ({:.1} s, seed {seed})",
            args.out.join("comparison.csv").display(),
            started.elapsed().as_secs_f64()
        );
    }
    0
}

fn verify_cmd(seed: u64, quiet: bool) -> i32 {
    let started = Instant::now();
    let bar = progress::bar(verify::UNITS, quiet, "verification models");
    let checks = verify::all_with_progress(seed, &|| bar.inc(1));
    bar.finish_and_clear();
    print!("{}", verify::render(&checks));
    let failed = checks.iter().filter(|c| !c.pass).count();
    println!(
        "\n{} passed, {} failed ({:.1} s, seed {seed}, {} replications per check)",
        checks.len() - failed,
        failed,
        started.elapsed().as_secs_f64(),
        verify::REPLICATIONS
    );
    if failed > 0 { EXIT_FAILURE } else { 0 }
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn bench(args: BenchArgs) -> i32 {
    let threads = args.threads.max(1);
    if args.cohort == 0 {
        eprintln!("error: --cohort must be at least 1");
        return EXIT_BAD_INPUT;
    }
    // The M/M/c cohort is split into `threads` independent queues, each a replication of its own.
    let per: Vec<u64> = (0..threads as u64)
        .map(|i| args.cohort / threads as u64 + u64::from(i < args.cohort % threads as u64))
        .collect();
    let pathway = match args.model {
        BenchModel::Mmc => None,
        BenchModel::Pathway => {
            let loaded = match &args.scenario {
                Some(path) => scenario::load(path),
                None => scenario::load_str(
                    std::path::Path::new("scenarios/baseline.toml (built in)"),
                    include_str!("../scenarios/baseline.toml"),
                ),
            };
            match loaded {
                Ok(s) if s.pathway.is_some() => Some(s),
                Ok(_) => {
                    eprintln!("error: --model pathway needs a pathway scenario");
                    return EXIT_BAD_INPUT;
                }
                Err(e) => {
                    eprint!("error: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
    };
    let started = Instant::now();
    // (people, events, (people waited for, their total wait in days)) per catchment.
    let results: Vec<(u64, u64, (u64, f64))> = with_threads(Some(threads), || match &pathway {
        None => per
            .par_iter()
            .enumerate()
            .map(|(i, &n)| {
                let r = mmc::run(MmcParams::reference(n), 1, i as u64);
                (
                    r.arrived,
                    r.events,
                    (r.measured, r.wait_mean_days * r.measured as f64),
                )
            })
            .collect(),
        Some(s) => {
            // The baseline at the cohort's size, one replication split into as many
            // catchments as threads (as `cjmh run --catchments`).
            let scaled = s.scaled(args.cohort as f64 / s.expected_people());
            let rep = model::run_catchments(&scaled, 1, 0, threads as u32);
            vec![(rep.people, rep.events, (0, 0.0))]
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let people: u64 = results.iter().map(|r| r.0).sum();
    let events: u64 = results.iter().map(|r| r.1).sum();
    let waited: u64 = results.iter().map(|r| r.2.0).sum();
    // The M/M/c queue's mean wait, so a run of the peers (benches/peers/) can show that every
    // tool simulated the same system: Erlang C gives 6.687 days.
    let mean_wait =
        (waited > 0).then(|| results.iter().map(|r| r.2.1).sum::<f64>() / waited as f64);
    let peak = peak_memory_bytes();
    let (model, what) = match args.model {
        BenchModel::Mmc => ("mmc", "0.9 arrivals/day, 10 servers, mean service 10 days"),
        BenchModel::Pathway => ("pathway", "the national baseline scaled to the cohort"),
    };
    if args.json {
        let v = serde_json::json!({
            "model": model,
            "cohort": people,
            "threads": threads,
            "seconds": secs,
            "people_per_second": people as f64 / secs,
            "events_per_second": events as f64 / secs,
            "ns_per_person": secs * 1e9 / people as f64,
            "ns_per_event": secs * 1e9 / events as f64,
            "events": events,
            "peak_memory_bytes": peak,
            "mean_wait_days": mean_wait,
        });
        println!("{v}");
    } else {
        println!("model              {model} ({what})");
        println!("people             {people}");
        println!("threads            {threads}");
        println!("wall time          {secs:.3} s");
        println!("people per second  {:.0}", people as f64 / secs);
        println!("events per second  {:.0}", events as f64 / secs);
        println!("ns per person      {:.1}", secs * 1e9 / people as f64);
        println!("ns per event       {:.1}", secs * 1e9 / events as f64);
        if let Some(w) = mean_wait {
            println!("mean wait          {w:.3} days (Erlang C: 6.687)");
        }
        match peak {
            Some(b) => println!("peak memory        {:.1} MiB", b as f64 / 1048576.0),
            None => println!("peak memory        unknown"),
        }
    }
    0
}
