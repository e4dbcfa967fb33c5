//! `cjmh calibrate`.

use std::time::Instant;

use rayon::prelude::*;

use super::args::CalibrateArgs;
use super::{
    CliError, check_output, checks_done, fits_in_memory, thread_count, with_threads, write_output,
};
use crate::model;
use crate::model::recorder::NullRecorder;
use crate::output::progress;
use crate::output::summary::ReplicationResult;
use crate::scenario::{self, Scenario};

pub(super) fn calibrate(args: CalibrateArgs) -> Result<(), CliError> {
    let started = Instant::now();
    if let Some(out) = &args.out {
        check_output(out)?;
    }
    let s = scenario::load(&args.scenario)?;
    if s.pathway.is_none() {
        return Err(CliError::BadInput(format!(
            "{}: calibration compares the pathway model with published figures; this \
             scenario is a network (set model = \"pathway\")",
            args.scenario.display()
        )));
    }
    let reps = args.replicate.replications_of(&s);
    if reps < 2 {
        return Err(CliError::BadInput(
            "--replications must be at least 2 for a confidence interval".into(),
        ));
    }
    let seed = args.replicate.seed_of(&s);
    let quiet = args.quiet.quiet;
    let threads = thread_count(args.replicate.threads.threads);
    fits_in_memory(std::slice::from_ref(&s), reps, threads, 1, None)?;
    let results = replications(&s, seed, reps, Some(threads), quiet)?;
    let rows = crate::calibration::evaluate(&results);
    let heading = crate::calibration::heading(&s, &args.scenario, reps, seed);
    let table = crate::calibration::to_markdown(&rows, &heading);
    if let Some(out) = &args.out {
        write_output(out, table.as_bytes())?;
    }
    let failed = rows.iter().filter(|r| !r.pass()).count();
    checks_done(
        &table,
        failed,
        rows.len(),
        "targets in band",
        started,
        quiet,
    )
}

/// Runs `replications` replications of one scenario in parallel on `threads` threads (default:
/// every core), in replication order. Fails only if the threads cannot be started.
pub fn replications(
    s: &Scenario,
    seed: u64,
    replications: u64,
    threads: Option<usize>,
    quiet: bool,
) -> Result<Vec<ReplicationResult>, CliError> {
    let threads = threads.unwrap_or_else(super::cores);
    let progress = progress::Progress::new(replications, quiet, "replications");
    let results = with_threads(threads, || {
        (0..replications)
            .into_par_iter()
            .map(|r| {
                let rep = model::run(s, seed, r, NullRecorder).0;
                progress.done(rep.people);
                super::replication_result(s, r, rep)
            })
            .collect()
    });
    progress.finish();
    results
}
