//! `cjmh validate`.

use std::time::Instant;

use super::args::ValidateArgs;
use super::{
    CliError, check_output, checks_done, fits_in_memory, in_order, load_all, replication_result,
    thread_count, write_output,
};
use crate::model;
use crate::output::progress;
use crate::validation::{self, Runs, Setup};

pub(super) fn validate(args: ValidateArgs) -> Result<(), CliError> {
    let started = Instant::now();
    if let Some(out) = &args.out {
        check_output(out)?;
    }
    let paths: Vec<_> = Setup::ALL
        .iter()
        .map(|s| args.scenarios.join(s.file()))
        .collect();
    let scenarios = load_all(&paths, args.quiet.quiet)?;
    if let Some(s) = scenarios.iter().find(|s| s.pathway.is_none()) {
        return Err(CliError::BadInput(format!(
            "{}: validation runs the pathway model; this scenario is a network",
            s.files[0].display()
        )));
    }
    let Some(economics) = scenarios[0].economics.clone() else {
        return Err(CliError::BadInput(format!(
            "{}: validation needs the baseline's [costs]",
            paths[0].display()
        )));
    };
    let reps = args
        .replicate
        .replications
        .unwrap_or(validation::REPLICATIONS);
    if reps < 2 {
        return Err(CliError::BadInput(
            "--replications must be at least 2 for an interval".into(),
        ));
    }
    let seed = args.replicate.seed_of(&scenarios[0]);
    let threads = thread_count(args.replicate.threads.threads);
    fits_in_memory(&scenarios, reps * scenarios.len() as u64, threads, 1, None)?;
    let quiet = args.quiet.quiet;
    // Every (replication, scenario) in one pool, with the same seed and replication numbers in
    // every scenario (common random numbers, as `compare` runs them); results are collected in
    // unit order whatever the thread count.
    let units: Vec<(u64, usize)> = (0..reps)
        .flat_map(|r| (0..scenarios.len()).map(move |i| (r, i)))
        .collect();
    let mut results: Vec<Vec<_>> = vec![Vec::new(); scenarios.len()];
    let progress = progress::Progress::new(units.len() as u64, quiet, "replications");
    let outcome: Result<(), std::convert::Infallible> = in_order(
        &units,
        threads,
        |&(r, i)| {
            let s = &scenarios[i];
            let rep = model::run_catchments(s, seed, r, 1);
            progress.done(rep.people);
            replication_result(s, r, rep)
        },
        |&(_, i), result| {
            results[i].push(result);
            Ok(())
        },
    )?;
    progress.finish();
    let Ok(()) = outcome;
    let runs = Runs { results, economics };
    let rows = validation::evaluate(&runs);
    let table = validation::to_markdown(&rows, &runs, &validation::heading(reps, seed));
    if let Some(out) = &args.out {
        write_output(out, table.as_bytes())?;
    }
    let failed = validation::failures(&rows);
    checks_done(&table, failed, rows.len(), "cases pass", started, quiet)
}
