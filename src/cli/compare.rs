//! `cjmh compare`.

use std::time::Instant;

use super::args::CompareArgs;
use super::{
    CliError, adopt_table, begin_outputs, catchments_apply, cohort_factor, fits_in_memory,
    in_order, load_all, names_are_unique, replication_result, scaled, thread_count,
};
use crate::model;
use crate::output::comparison;
use crate::output::investment::{self, PsaIntervals};
use crate::output::manifest::{self, Manifest, ScenarioEntry};
use crate::output::progress;
use crate::output::summary::{ReplicationResult, SummaryWriter};
use crate::output::tidy::Format;
use crate::scenario::Scenario;

/// The baseline `compare` uses when `--baseline` is not given (as in [`CompareArgs`]).
const DEFAULT_BASELINE: &str = "scenarios/baseline.toml";

pub(super) fn compare(args: CompareArgs) -> Result<(), CliError> {
    let started = Instant::now();
    if args.baseline == std::path::Path::new(DEFAULT_BASELINE) && !args.baseline.exists() {
        // Run from outside the repository the default names nothing; say which option fixes it.
        let tried = std::path::absolute(&args.baseline).unwrap_or_else(|_| args.baseline.clone());
        return Err(CliError::BadInput(format!(
            "no baseline given and the default, {DEFAULT_BASELINE}, is not here (tried {}): name one with `--baseline FILE`, or run from the folder that holds scenarios/",
            tried.display()
        )));
    }
    let mut paths = vec![args.baseline.clone()];
    paths.extend(args.scenarios.iter().cloned());
    let mut scenarios = load_all(&paths, args.quiet.quiet)?;
    if let Some(cohort) = args.scale.cohort {
        // One factor for all, the baseline's, so that every scenario keeps the same arrivals
        // and capacities and the pairing by common random numbers holds.
        let factor = cohort_factor(&scenarios[0], cohort)?;
        for s in &mut scenarios {
            *s = scaled(s, factor, cohort)?;
        }
    }
    names_are_unique(&scenarios)?;
    let psa = psa_intervals(&args.psa, &scenarios)?;
    catchments_apply(&scenarios, args.scale.catchments, args.scale.cohort)?;
    let reps = args.replicate.replications_of(&scenarios[0]);
    if reps < 2 {
        return Err(CliError::BadInput(
            "--replications must be at least 2 for paired intervals".into(),
        ));
    }
    let seed = args.replicate.seed_of(&scenarios[0]);
    let threads = thread_count(args.replicate.threads.threads);
    fits_in_memory(
        &scenarios,
        reps * scenarios.len() as u64,
        threads,
        args.scale.catchments,
        args.scale.cohort,
    )?;
    let out = &args.out.out;
    let economics = scenarios[0].economics.clone();
    let format: Format = args.tables.format.into();
    let (comparison_name, summary_name) = (format.file("comparison"), format.file("summary"));
    let mut names = vec![
        comparison_name.as_str(),
        summary_name.as_str(),
        "manifest.json",
    ];
    if economics.is_some() {
        names.push("investment.md");
    }
    let mut set = begin_outputs(out, "compare", &names)?;
    // Every (replication, scenario) in one pool, replication by replication, so that each
    // replication's baseline is at hand when its scenarios finish: the comparison and the
    // summary are accumulated as results come, in unit order whatever the thread count, and
    // memory does not grow with the number of replications.
    let units: Vec<(u64, usize)> = (0..reps)
        .flat_map(|r| (0..scenarios.len()).map(move |i| (r, i)))
        .collect();
    let summary_path = out.join(&summary_name);
    let mut parts = (0..scenarios.len())
        .map(|i| SummaryWriter::create(set.staging().join(format!(".summary-{i}.part")), i == 0))
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(CliError::cannot_write(&summary_path))?;
    let mut accumulators: Vec<comparison::Accumulator> = scenarios[1..]
        .iter()
        .map(|s| comparison::Accumulator::new(&s.name))
        .collect();
    let mut baseline: Option<ReplicationResult> = None;
    let progress = progress::Progress::new(units.len() as u64, args.quiet.quiet, "replications");
    let outcome = in_order(
        &units,
        threads,
        |&(r, i)| {
            let s = &scenarios[i];
            let rep = model::run_catchments(s, seed, r, args.scale.catchments);
            progress.done(rep.people);
            replication_result(s, r, rep)
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
    outcome?.map_err(CliError::cannot_write(&summary_path))?;
    let rows: Vec<comparison::Row> = accumulators.iter().flat_map(|a| a.rows()).collect();
    SummaryWriter::join(parts, &set.staging().join("summary.csv"))
        .map_err(CliError::cannot_write(&summary_path))?;
    adopt_table(&mut set, "summary", format).map_err(CliError::cannot_write(&summary_path))?;
    let m = Manifest {
        replications: Some(reps),
        cohort: args.scale.cohort,
        catchments: args.scale.catchments,
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioEntry::of(s, reps))
            .collect(),
        outputs: names
            .iter()
            .filter(|n| **n != "manifest.json")
            .map(|n| n.to_string())
            .collect(),
        ..Manifest::of_this_process("compare", seed, threads, started)
    };
    let comparison_path = out.join(&comparison_name);
    let bytes = format
        .encode(comparison::to_csv(&rows))
        .map_err(CliError::cannot_write(&comparison_path))?;
    set.write(&comparison_name, &bytes)?;
    if economics.is_some() {
        let heading = investment_heading(&args, &scenarios, reps, seed);
        set.write(
            "investment.md",
            investment::markdown(&rows, psa.as_ref(), &heading).as_bytes(),
        )?;
    }
    set.commit(Some(&manifest::to_json(&m)))?;
    if !args.quiet.quiet {
        print!(
            "{}",
            comparison::render(
                &rows,
                &model::headline_metrics(),
                &scenarios[0].name,
                crate::engine::ticks_to_days(scenarios[0].horizon) / 365.25,
            )
        );
        if let Some(e) = &economics {
            print!(
                "{}",
                investment::render(
                    &rows,
                    psa.as_ref(),
                    &scenarios[0].name,
                    &e.price_year,
                    e.discount_rate
                )
            );
        }
        println!(
            "\nwrote {} ({:.1} s, seed {seed})",
            comparison_path.display(),
            started.elapsed().as_secs_f64()
        );
        if economics.is_some() {
            println!(
                "the board paper (HTML, prints to A4): cjmh report {}{}",
                out.display(),
                args.psa
                    .iter()
                    .map(|d| format!(" --psa {}", d.display()))
                    .collect::<String>()
            );
        }
    }
    Ok(())
}

/// The PSA intervals from `--psa` (the baseline's sweep, then one per scenario), read before
/// anything runs so that a bad directory fails fast; `None` without `--psa`.
fn psa_intervals(
    dirs: &[std::path::PathBuf],
    scenarios: &[Scenario],
) -> Result<Option<PsaIntervals>, CliError> {
    if dirs.is_empty() {
        return Ok(None);
    }
    if dirs.len() != scenarios.len() {
        return Err(CliError::BadInput(format!(
            "--psa gives {} directories for {} scenarios: give the baseline's PSA sweep first, then one per scenario in the order given",
            dirs.len(),
            scenarios.len()
        )));
    }
    super::ceac::same_directory_twice(dirs)?;
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    super::ceac::sweeps_in_order(dirs, &names)?;
    let mut strategies = super::ceac::paired_strategies(dirs)?.into_iter();
    let baseline = strategies
        .next()
        .expect("one directory per scenario, the baseline's first");
    let paired: Vec<(String, crate::economics::psa::Strategy)> = scenarios[1..]
        .iter()
        .map(|s| s.name.clone())
        .zip(strategies)
        .collect();
    Ok(Some(PsaIntervals::of(&baseline, &paired)))
}

/// What ran, for the head of `investment.md`: the command as a user would type it (paths as
/// given), so that the README's table can be checked against a fresh run of it.
fn investment_heading(args: &CompareArgs, scenarios: &[Scenario], reps: u64, seed: u64) -> String {
    let e = scenarios[0].economics.as_ref();
    let mut command = String::from("cjmh compare");
    if args.baseline != std::path::Path::new("scenarios/baseline.toml") {
        command.push_str(&format!(" --baseline {}", args.baseline.display()));
    }
    for s in &args.scenarios {
        command.push_str(&format!(" {}", s.display()));
    }
    command.push_str(&format!(" --replications {reps}"));
    if let Some(c) = args.scale.cohort {
        command.push_str(&format!(" --cohort {c}"));
    }
    if args.scale.catchments > 1 {
        command.push_str(&format!(" --catchments {}", args.scale.catchments));
    }
    format!(
        "# Investment case\n\nGenerated by `{command}` (seed {seed}, {reps} paired replications){}; do not edit by hand. \
         £ million at {} prices, discounted at {:.1}% a year; public sector = NHS England, integrated care boards, HMPPS/MoJ \
         and local authorities.",
        if args.psa.is_empty() {
            ""
        } else {
            " with --psa"
        },
        e.map_or("-", |e| e.price_year.as_str()),
        e.map_or(0.0, |e| e.discount_rate * 100.0),
    )
}
