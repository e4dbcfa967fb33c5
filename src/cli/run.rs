//! `cjmh run`.

use std::time::Instant;

use super::args::RunArgs;
use super::{
    CliError, adopt_table, begin_outputs, catchments_apply, cohort_factor, fits_in_memory,
    in_order, load_all, names_are_unique, replication_result, scaled, thread_count,
};
use crate::model;
use crate::output::events::{self, EventWriter};
use crate::output::manifest::{self, Manifest, ScenarioEntry};
use crate::output::summary::{ReplicationResult, SummaryWriter};
use crate::output::table::ScenarioStats;
use crate::output::tidy::Format;
use crate::output::{progress, table};

pub(super) fn run(args: RunArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let mut scenarios = load_all(&args.scenarios, args.quiet.quiet)?;
    if let Some(cohort) = args.scale.cohort {
        for s in &mut scenarios {
            *s = scaled(s, cohort_factor(s, cohort)?, cohort)?;
        }
    }
    names_are_unique(&scenarios)?;
    catchments_apply(&scenarios, args.scale.catchments, args.scale.cohort)?;
    if args.scale.catchments > 1 && args.events {
        return Err(CliError::BadInput(
            "--events records one run's people and cannot be combined with --catchments".into(),
        ));
    }
    let replicate = &args.replicate;
    let seed = replicate.seed_of(&scenarios[0]);
    let threads = thread_count(replicate.threads.threads);
    let total: u64 = scenarios.iter().map(|s| replicate.replications_of(s)).sum();
    fits_in_memory(
        &scenarios,
        total,
        threads,
        args.scale.catchments,
        args.scale.cohort,
    )?;
    let units: Vec<(usize, u64)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..replicate.replications_of(s)).map(move |r| (i, r)))
        .collect();

    let out = &args.out.out;
    let format = args.tables.format.into();
    let summary_name = Format::file(format, "summary");
    let mut names = vec![summary_name.as_str(), "manifest.json"];
    if args.events {
        names.push("events.csv");
    }
    let mut set = begin_outputs(out, "run", &names)?;
    let staging = set.staging().to_path_buf();
    let summary_path = out.join(&summary_name);
    let mut summary = SummaryWriter::create(staging.join(".summary.csv.part"), true)
        .map_err(CliError::cannot_write(&summary_path))?;
    let mut stats: Vec<ScenarioStats> = scenarios
        .iter()
        .map(|s| ScenarioStats::new(&s.name))
        .collect();
    let mut events_handled = 0;
    let progress = progress::Progress::new(units.len() as u64, args.quiet.quiet, "replications");
    // Results are consumed in unit order whatever the thread count: rows are written and
    // statistics accumulated as replications finish, so memory does not grow with their number.
    let outcome = in_order(
        &units,
        threads,
        |&(i, r)| -> std::io::Result<(ReplicationResult, u64)> {
            let s = &scenarios[i];
            let rep = if args.events {
                let w = EventWriter::create(&events::part_path(&staging, i, r), s, r)?;
                let (rep, w) = model::run(s, seed, r, w);
                w.finish()?;
                rep
            } else {
                model::run_catchments(s, seed, r, args.scale.catchments)
            };
            progress.done(rep.people);
            let events = rep.events;
            Ok((replication_result(s, r, rep), events))
        },
        |&(i, _), result| {
            let (r, n) = result?;
            events_handled += n;
            stats[i].add(&r);
            summary.write(&r)
        },
    );
    progress.finish();
    // Dropped on an error, the set removes everything written so far, event parts included.
    outcome?.map_err(|e| {
        CliError::Failure(format!(
            "cannot write the outputs in {}: {e}",
            out.display()
        ))
    })?;
    let mut outputs = vec![summary_name.clone()];
    if args.events {
        let parts: Vec<_> = units
            .iter()
            .map(|&(i, r)| events::part_path(&staging, i, r))
            .collect();
        events::join_parts(&staging, &parts).map_err(|e| {
            CliError::Failure(format!(
                "cannot write {}: {e}",
                out.join("events.csv").display()
            ))
        })?;
        set.adopt("events.csv");
        outputs.push("events.csv".into());
    }
    summary
        .finish(&staging.join("summary.csv"))
        .map_err(CliError::cannot_write(&summary_path))?;
    adopt_table(&mut set, "summary", format).map_err(CliError::cannot_write(&summary_path))?;
    let m = Manifest {
        replications: replicate.replications,
        cohort: args.scale.cohort,
        catchments: args.scale.catchments,
        scenarios: scenarios
            .iter()
            .map(|s| ScenarioEntry::of(s, replicate.replications_of(s)))
            .collect(),
        outputs,
        events: events_handled,
        ..Manifest::of_this_process("run", seed, threads, started)
    };
    let manifest_path = out.join("manifest.json");
    set.commit(Some(&manifest::to_json(&m)))?;
    if !args.quiet.quiet {
        print!("{}", table::render(&stats));
        println!(
            "\nwrote {} and {} ({:.1} s, seed {seed}, {threads} threads)",
            summary_path.display(),
            manifest_path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
