//! The command line: every subcommand's arguments and the help `--help` prints for them.
//!
//! An option that several subcommands share is one flattened struct, so that its name, short
//! form, default and bounds are written once. Where a subcommand reads an option's default from
//! somewhere else (compare from its baseline), it rewords that option's help with `mut_arg`,
//! written as the derive prints a one-paragraph doc comment: without the final full stop.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Parser, Subcommand, ValueEnum};

use crate::limits::{MAX_CATCHMENTS, MAX_COHORT, MAX_REPLICATIONS};

/// A discrete-event simulator of the criminal-justice mental-health pathway in England and Wales.
#[derive(Parser, Debug)]
#[command(name = "cjmh", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Runs one or more scenarios and writes summary.csv and manifest.json.
    Run(RunArgs),
    /// Checks scenario files and sweep files and reports every problem found, without running
    /// anything. A sweep file (one with `base` and `design`) is checked point by point, as
    /// `cjmh sweep --dry-run` does. Also warns, on standard error (`warning: ...`), about
    /// contradictions a valid scenario can hold: a transfer time limit shorter than the
    /// assessment, warrant and admission take on average, a service people are sent to with no
    /// places. Warnings do not change the exit code (0 if there are no problems); `run`,
    /// `compare` and `validate` print them too, unless `--quiet`.
    Check(CheckArgs),
    /// Runs the engine's verification models against closed-form results.
    Verify(VerifyArgs),
    /// Measures the engine's speed and memory on a reference model.
    Bench(BenchArgs),
    /// Runs the baseline and compares it with every published calibration target: prison
    /// population and receptions, remand share, transfers and their waits, reoffending, suicide
    /// after release and on probation, IAPT recovery. Prints a Markdown table (target, source,
    /// accepted band, simulated mean with its 95% interval) and exits 1 if any mean lies
    /// outside its band.
    Calibrate(CalibrateArgs),
    /// Runs the shipped scenarios (baseline, liaison-diversion-full, release-crisis-support)
    /// with common random numbers and compares the model with published figures that no
    /// parameter was fitted to. Prints a Markdown table (each case's source, published value,
    /// tolerance and why, simulated value with its 95% interval, and PASS or FAIL with the
    /// reason), then the figures that are not validation because a parameter was fitted to them
    /// or echoes them. Exits 1 if any case fails.
    Validate(ValidateArgs),
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
    /// Turns a `cjmh compare` output directory (and, with --psa, the PSA sweeps given to
    /// compare) into the board paper: one self-contained HTML file that needs no network and
    /// prints to A4. For each policy it gives a one-page summary in words (five-year cost by
    /// payer, cash-releasing and not; QALYs; net monetary benefit at £20,000 and £30,000; the
    /// quadrant of the cost-effectiveness plane), every interval labelled by kind; charts of
    /// cost by payer, cost year by year, transfer waits and, with PSA, the cost-effectiveness
    /// plane and acceptability curve, each with its data table; every changed parameter with
    /// its source, grade and whether it rests on a trial or an assumption; the calibration and
    /// validation tables from the comparison's own runs; and what ran (versions, command,
    /// seed, hashes). Runs nothing.
    Report(ReportArgs),
    /// Prints a scenario's unit-cost table as Markdown: every cost line with its payer, kind,
    /// saving kind (cash-releasing or opportunity), driver, basis (what the unit cost covers),
    /// unit cost and range at the source's price year, the inflation factor to the scenario's
    /// price year, and the source; then the QALY lines. Runs nothing.
    Costs(CostsArgs),
    /// Prints a scenario's parameters, merged over its `extends` chain, as a Markdown table:
    /// each parameter's key, value, range (low to high), source and the file and line that set
    /// it, and marks every parameter without a source NO SOURCE. Leaves out [simulation], whose
    /// settings are how to run, not what is modelled. Runs nothing.
    Show(ShowArgs),
}

/// Parses a count that must be at least 1, in clap's own wording for a number that does not
/// parse, so that a bad count is a usage error (exit 2) before anything is loaded.
fn at_least_one<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
    T::Err: std::fmt::Display,
{
    let n: T = text.parse().map_err(|e: T::Err| e.to_string())?;
    if n < T::from(1) {
        return Err("must be at least 1".to_string());
    }
    Ok(n)
}

/// `--replications` of a command that needs at least 2, whether they come from the command
/// line or from the scenario's own setting: it checks that itself, once for both and saying
/// why, so the shared lower bound of 1 is dropped (the upper bound stays).
fn at_least_two_checked_later(help: &'static str) -> impl FnOnce(clap::Arg) -> clap::Arg {
    move |a| {
        a.help(help)
            .value_parser(clap::value_parser!(u64).range(..=MAX_REPLICATIONS))
    }
}

/// `--threads` where the results do not depend on it.
#[derive(clap::Args, Debug)]
pub(super) struct Threads {
    /// Worker threads (default: every core). At most 4 per core are started: more are capped,
    /// with a warning. Results do not depend on this.
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: Option<usize>,
}

/// `--quiet`.
#[derive(clap::Args, Debug)]
pub(super) struct Quiet {
    /// Prints nothing but errors, and shows no progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--out`, a directory of outputs.
#[derive(clap::Args, Debug)]
pub(super) struct OutDir {
    /// Directory for the outputs; created if missing.
    #[arg(short, long, default_value = "out")]
    pub out: PathBuf,
}

/// `--format`, of the tidy tables.
#[derive(clap::Args, Debug)]
pub(super) struct Tables {
    /// The format of the tidy tables (summary, comparison, a sweep's points): `csv`, or
    /// `parquet` for large runs (typed, compressed columns that pandas, polars and Arrow load
    /// directly; the same columns, rows and values). Every cjmh command that reads an output
    /// directory reads either.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    pub format: TableFormat,
}

/// A format of the tidy tables.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum TableFormat {
    /// Comma-separated text (`summary.csv`).
    Csv,
    /// Apache Parquet (`summary.parquet`).
    Parquet,
}

impl From<TableFormat> for crate::output::tidy::Format {
    fn from(f: TableFormat) -> Self {
        match f {
            TableFormat::Csv => Self::Csv,
            TableFormat::Parquet => Self::Parquet,
        }
    }
}

/// How many replications of a scenario to run, from which seed, on how many threads.
#[derive(clap::Args, Debug)]
pub(super) struct Replicate {
    /// Replications per scenario, at most 1,000,000 (default: the scenario's own setting, else
    /// 10).
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Seed of every random stream (default: the first scenario's own setting, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub threads: Threads,
}

impl Replicate {
    /// The replications of `s`: as asked, else its own setting, else 10.
    pub fn replications_of(&self, s: &crate::scenario::Scenario) -> u64 {
        self.replications
            .unwrap_or(s.replications.unwrap_or(10) as u64)
    }

    /// The seed: as asked, else `s`'s own setting, else 1.
    pub fn seed_of(&self, s: &crate::scenario::Scenario) -> u64 {
        self.seed.or(s.seed).unwrap_or(1)
    }
}

/// `--cohort` and `--catchments`: the size a replication runs at and how it is split, shared by
/// `run` and `compare`.
#[derive(clap::Args, Debug)]
pub(super) struct Scale {
    /// Runs each scenario at a size where about this many new people arrive over warm-up and
    /// horizon: arrivals and every capacity (secure beds, therapists, servers) are multiplied by
    /// the same factor, so the system keeps its shape. Rates and shares are unchanged; counts
    /// scale. The factor is recorded in manifest.json. At most 1,000,000,000, and no more than
    /// fit in memory: the run is refused, before it starts, if its estimated memory exceeds
    /// what the machine has available.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_COHORT))]
    pub cohort: Option<u64>,
    /// Splits each replication of a pathway scenario into this many independent catchments
    /// that run in parallel, so that even one large replication uses several cores. Each
    /// catchment has its share of new people and of every capacity (whole places) and its own
    /// random streams; the results are summed in a fixed order, so they depend on this number
    /// but never on --threads. Recorded in manifest.json. At most 10,000, and no more than the
    /// places of the smallest capacity (after --cohort), so that every catchment has at least
    /// one of each.
    #[arg(long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_CATCHMENTS)))]
    pub catchments: u32,
}

#[derive(clap::Args, Debug)]
pub(super) struct RunArgs {
    /// Scenario files (TOML) to run.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    #[command(flatten)]
    pub replicate: Replicate,
    #[command(flatten)]
    pub out: OutDir,
    #[command(flatten)]
    pub tables: Tables,
    #[command(flatten)]
    pub quiet: Quiet,
    /// Also writes events.csv: one row per completed visit of a person to a stage (person, stage,
    /// arrival, start of service, end, destination). Large: about one row per person per stage.
    #[arg(long)]
    pub events: bool,
    #[command(flatten)]
    pub scale: Scale,
}

#[derive(clap::Args, Debug)]
pub(super) struct CheckArgs {
    /// Scenario or sweep files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(
    mut_arg("threads", |a| a.help("Worker threads (default: every core; at most 4 per core)")),
    mut_arg("quiet", |a| a.help("Shows no progress bar")),
)]
pub(super) struct VerifyArgs {
    /// Seed for the verification runs.
    #[arg(long, default_value_t = 20_261_122)]
    pub seed: u64,
    #[command(flatten)]
    pub threads: Threads,
    #[command(flatten)]
    pub quiet: Quiet,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum BenchModel {
    /// The M/M/c reference queue: 0.9 arrivals a day, 10 servers, mean service 10 days.
    Mmc,
    /// The national pathway baseline (scenarios/baseline.toml, built into the binary) scaled to
    /// the cohort: warm-up and five measured years.
    Pathway,
}

#[derive(clap::Args, Debug)]
pub(super) struct BenchArgs {
    /// Model to run.
    #[arg(long, value_enum, default_value_t = BenchModel::Mmc)]
    pub model: BenchModel,
    /// People who arrive in all (for the pathway: new people over warm-up and horizon); at most
    /// 1,000,000,000, and for the pathway no more than fit in memory.
    #[arg(long, default_value_t = 1_000_000,
          value_parser = clap::value_parser!(u64).range(1..=MAX_COHORT))]
    pub cohort: u64,
    /// A pathway scenario to run instead of the built-in baseline (with --model pathway).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Worker threads; the cohort is split into this many independent catchments (M/M/c:
    /// independent queues). At most 4 per core: more are capped, with a warning.
    #[arg(long, default_value_t = 1, value_parser = RangedU64ValueParser::<usize>::new().range(1..))]
    pub threads: usize,
    /// Prints one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
#[command(
    mut_arg("replications", at_least_two_checked_later(
        "Replications, 2 to 1,000,000 (default: the scenario's own setting, else 10)",
    )),
    mut_arg("seed", |a| a.help(
        "Seed of every random stream (default: the scenario's own setting, else 1)",
    )),
)]
pub(super) struct CalibrateArgs {
    /// Scenario to compare with the targets.
    #[arg(default_value = "scenarios/baseline.toml")]
    pub scenario: PathBuf,
    #[command(flatten)]
    pub replicate: Replicate,
    /// Also writes the table to this file (for example docs/calibration.md).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub quiet: Quiet,
}

#[derive(clap::Args, Debug)]
#[command(
    mut_arg("replications", at_least_two_checked_later(
        "Replications of each scenario, 2 to 1,000,000 (default 5: under a minute on 2 cores \
         at national scale). docs/validation.md is written with the default",
    )),
    mut_arg("seed", |a| a.help(
        "Seed of every random stream (default: the baseline's own setting, else 1). \
         docs/validation.md is written with the default",
    )),
)]
pub(super) struct ValidateArgs {
    /// Folder holding the shipped scenarios baseline.toml, liaison-diversion-full.toml and
    /// release-crisis-support.toml.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
    #[command(flatten)]
    pub replicate: Replicate,
    /// Also writes the table to this file (for example docs/validation.md).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub quiet: Quiet,
}

#[derive(clap::Args, Debug)]
#[command(
    mut_arg("replications", at_least_two_checked_later(
        "Replications of each scenario, 2 to 1,000,000 (default: the baseline's own setting, \
         else 10)",
    )),
    mut_arg("seed", |a| a.help(
        "Seed of every random stream (default: the baseline's own setting, else 1)",
    )),
    mut_arg("cohort", |a| a.help(
        "Runs every scenario at the size where about this many new people arrive in the \
         baseline over warm-up and horizon: arrivals and every capacity are multiplied by the \
         baseline's factor, the same for all, so the pairing holds. Recorded in manifest.json. \
         At most 1,000,000,000, and no more than fit in memory",
    )),
)]
pub(super) struct CompareArgs {
    /// The scenario every other is compared with.
    #[arg(long, default_value = "scenarios/baseline.toml")]
    pub baseline: PathBuf,
    /// Scenarios to compare with the baseline.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// A PSA sweep's output directory (`cjmh sweep` with `design = "psa"`); give `--psa` once
    /// for the baseline's and then once per scenario, in the order of the scenarios, all with
    /// the same seed and draws. The printed investment case and investment.md then show each
    /// difference's parameter-uncertainty interval (2.5th to 97.5th percentile over the draws)
    /// beside its simulation-noise interval.
    #[arg(long, value_name = "DIR")]
    pub psa: Vec<PathBuf>,
    #[command(flatten)]
    pub replicate: Replicate,
    #[command(flatten)]
    pub out: OutDir,
    #[command(flatten)]
    pub tables: Tables,
    #[command(flatten)]
    pub quiet: Quiet,
    #[command(flatten)]
    pub scale: Scale,
}

#[derive(clap::Args, Debug)]
pub(super) struct SweepArgs {
    /// The sweep file (TOML).
    pub sweep: PathBuf,
    #[command(flatten)]
    pub out: OutDir,
    #[command(flatten)]
    pub tables: Tables,
    #[command(flatten)]
    pub threads: Threads,
    /// Continues a sweep in --out that stopped part-way: units already saved are skipped.
    #[arg(long)]
    pub resume: bool,
    /// Runs only part I of N (for example 2/4): the units whose number counts I, I+N, I+2N, ...
    /// from 1, in (point, replication) order. Inside a Slurm job array it defaults to the task's
    /// part: SLURM_ARRAY_TASK_ID (from SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT.
    #[arg(long, conflicts_with = "shards")]
    pub shard: Option<String>,
    /// Splits the sweep into N parts and runs the one the scheduler's array index names,
    /// counted from 0: SLURM_ARRAY_TASK_ID in a Slurm job array, JOB_COMPLETION_INDEX in a
    /// Kubernetes indexed Job. Index 0 runs --shard 1/N. Unlike the default, this stays right
    /// when one task is resubmitted alone (sbatch --array=3), so cluster/slurm/ always gives it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// Checks the sweep file (every point's scenario is built and validated) and prints its
    /// points and units, then exits: runs nothing and writes nothing. For checking a sweep on a
    /// login node before submitting it to a cluster.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub quiet: Quiet,
}

#[derive(clap::Args, Debug)]
pub(super) struct MergeArgs {
    /// Output directories of the shards of one sweep.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Directory for the combined outputs; created if missing.
    #[arg(short, long)]
    pub out: PathBuf,
    /// The number of shards the sweep was split into (`cjmh sweep --shards N`). When units are
    /// missing, the error then names the shards to resubmit by their array index.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    #[command(flatten)]
    pub tables: Tables,
}

#[derive(clap::Args, Debug)]
pub(super) struct CeacArgs {
    /// PSA sweep output directories: the baseline first, then each policy.
    #[arg(required = true, num_args = 2..)]
    pub dirs: Vec<PathBuf>,
    /// Highest willingness to pay per QALY, £.
    #[arg(long, default_value_t = 100_000)]
    pub wtp_max: u64,
    /// Step between willingness-to-pay values, £. The grid, 0 to --wtp-max by this step, may
    /// have at most 1,000,000 values.
    #[arg(long, default_value_t = 1_000, value_parser = at_least_one::<u64>)]
    pub wtp_step: u64,
    /// Directory for ceac.csv and evpi.csv; created if missing.
    #[arg(short, long, default_value = "out")]
    pub out: PathBuf,
}

#[derive(clap::Args, Debug)]
pub(super) struct ReportArgs {
    /// The output directory of `cjmh compare` (comparison.csv, summary.csv, manifest.json).
    pub dir: PathBuf,
    /// A PSA sweep's output directory, as given to `cjmh compare --psa`: the baseline's first,
    /// then one per policy in the comparison's order. Adds parameter uncertainty to every
    /// interval, the cost-effectiveness plane and the acceptability curve.
    #[arg(long, value_name = "DIR")]
    pub psa: Vec<PathBuf>,
    /// Where to write the HTML file; default DIR/report.html. Open it in any browser; print it
    /// from there to A4 (or save as PDF).
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also writes an Excel workbook to this file: the summary by payer and year in £ million, a
    /// sheet per policy, and the parameters with their sources.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(super) struct ShowArgs {
    /// The scenario file to show.
    pub scenario: PathBuf,
    /// Prints instead the whole merged scenario, [simulation] included, as one JSON object:
    /// every table and parameter as written (a parameter with its `value`, `source` and range, a
    /// distribution with its `dist` and keys), over the `extends` chain. For programs that read
    /// a scenario's parameters, such as the SimPy peer in benches/peers.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub(super) struct CostsArgs {
    /// Scenario whose [costs] and [qalys] to print.
    #[arg(default_value = "scenarios/baseline.toml")]
    pub scenario: PathBuf,
    /// Also writes the table to this file (for example docs/economics.md).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::{Cli, at_least_one};

    #[test]
    fn a_count_of_zero_is_refused_and_a_non_number_in_the_parsers_words() {
        assert_eq!(at_least_one::<u64>("1"), Ok(1));
        assert_eq!(
            at_least_one::<u32>("0"),
            Err("must be at least 1".to_string())
        );
        assert_eq!(
            at_least_one::<u64>("lots"),
            Err("invalid digit found in string".to_string())
        );
    }

    /// Every bound the command line enforces is quoted in the help of the option it bounds, in
    /// the words `--help` prints, so that the two cannot drift apart.
    #[test]
    fn the_help_quotes_every_bound() {
        use crate::limits::*;
        let thousands = |n: u64| crate::economics::investment::thousands(n as f64);
        let mut cli = Cli::command();
        cli.build();
        let help = |sub: &str, arg: &str| -> String {
            let sub = cli.find_subcommand(sub).unwrap();
            let a = sub.get_arguments().find(|a| a.get_id() == arg).unwrap();
            a.get_help().map(|h| h.to_string()).unwrap_or_default()
        };
        let replications = thousands(MAX_REPLICATIONS);
        for sub in ["run", "calibrate", "compare"] {
            assert!(help(sub, "replications").contains(&replications), "{sub}");
        }
        let cohort = thousands(MAX_COHORT);
        for sub in ["run", "compare", "bench"] {
            assert!(help(sub, "cohort").contains(&cohort), "{sub}");
        }
        let catchments = thousands(u64::from(MAX_CATCHMENTS));
        for sub in ["run", "compare"] {
            assert!(help(sub, "catchments").contains(&catchments), "{sub}");
        }
        let per_core = format!("{THREADS_PER_CORE} per core");
        for sub in ["run", "compare", "calibrate", "sweep", "verify", "bench"] {
            assert!(help(sub, "threads").contains(&per_core), "{sub}");
        }
        assert!(help("ceac", "wtp_step").contains(&thousands(MAX_WTP_POINTS)));
    }

    /// clap's own consistency check of every subcommand, which also fails when a `mut_arg`
    /// names an option that is not there.
    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
