//! `cjmh sweep`.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::args::SweepArgs;
use super::{
    CliError, begin_outputs, fits_in_memory, read_sweep_info, report_stale, thread_count,
    with_threads,
};
use crate::model;
use crate::output::manifest::{self, Manifest, PointEntry, ScenarioEntry};
use crate::output::progress;
use crate::output::sweep as sweep_out;
use crate::output::tidy::Format;
use crate::output::write::atomic_write;
use crate::scenario;

pub(super) fn sweep(args: SweepArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let sw = scenario::sweep::load(&args.sweep)?;
    super::check_shown(&sw)?;
    let shard = match args.shard.as_deref().map(parse_shard) {
        None => shard_from_scheduler(args.shards, |k| std::env::var(k).ok()),
        Some(Some(s)) => Ok(Some(s)),
        Some(None) => Err("--shard must be I/N with 1 <= I <= N, for example 2/4".to_string()),
    };
    let info = sweep_out::SweepInfo::of(&sw);
    let shape = format!(
        "{} points x {} replications",
        info.points.len(),
        sw.replications
    );
    if args.dry_run {
        // Outside an array, `--shards N` has no index yet: the dry run describes the split.
        if let (Err(e), None) = (&shard, args.shards) {
            return Err(CliError::BadInput(e.clone()));
        }
        let units = info.units().len() as u64;
        // Shard I of N runs the units numbered I-1, I-1+N, ... from 0.
        let size = |i: u64, n: u64| (units + n - i) / n;
        print!(
            "{}: valid; {shape} = {units} units ({} design, seed {})",
            sw.name,
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
        return Ok(());
    }
    let shard = shard.map_err(CliError::BadInput)?;
    let threads = thread_count(args.threads.threads);
    let units = sw.points.len() as u64 * sw.replications;
    fits_in_memory(&sw.scenarios, units, threads, 1, None)?;
    let out: &Path = &args.out.out;
    let format: Format = args.tables.format.into();
    if let Ok(existing) = read_sweep_info(out) {
        if existing.hash != info.hash {
            return Err(CliError::BadInput(format!(
                "{} holds the outputs of another sweep (or of this one before it changed): choose another --out",
                out.display()
            )));
        }
        let any_unit = info
            .units()
            .into_iter()
            .any(|(p, r)| sweep_out::unit_path(out, p, r).exists());
        if !args.resume && any_unit {
            return Err(CliError::BadInput(format!(
                "{} already has results of this sweep: add --resume to continue it, or choose another --out",
                out.display()
            )));
        }
    }
    let mut set = begin_outputs(
        out,
        "sweep",
        &[
            &format.file("summary"),
            &format.file("points"),
            sweep_out::TABLE,
            "manifest.json",
        ],
    )?;
    report_stale(&crate::output::temp::remove_stale(&out.join("units")));
    std::fs::create_dir_all(out.join("units"))
        .and_then(|_| atomic_write(&out.join("sweep.json"), &info.to_json()))
        .map_err(|e| CliError::Failure(format!("cannot write to {}: {e}", out.display())))?;
    // A unit of this shard is done only if its file checks out (see output::sweep): one that is
    // empty, cut short or does not match its checksum is run again, and said so.
    let mut damaged = Vec::new();
    let todo: Vec<(usize, u64)> = info
        .units()
        .into_iter()
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| *i as u64 % n == k - 1))
        .map(|(_, u)| u)
        .filter(|&(p, r)| match sweep_out::read_unit(&info, out, p, r) {
            Ok(_) => false,
            Err(e) => {
                if e.problem != sweep_out::UnitProblem::Missing {
                    damaged.push(e);
                }
                true
            }
        })
        .collect();
    // Printed even with --quiet: a damaged unit is worth finding in a batch job's log.
    let notes: Vec<String> = damaged
        .iter()
        .map(|e| format!("{e}; running it again"))
        .collect();
    for line in listed(&notes, "damaged units, also run again") {
        eprintln!("warning: {line}");
    }
    let quiet = args.quiet.quiet;
    let progress = progress::Progress::new(todo.len() as u64, quiet, "units");
    // Each unit is saved by the thread that ran it, as soon as it finishes: a sweep killed
    // part-way keeps everything finished, whatever order the units ran in.
    let outcome: std::io::Result<u64> = with_threads(threads, || {
        todo.par_iter()
            .map(|&(p, r)| {
                let rep = model::run_catchments(&sw.scenarios[p], sw.seed, r, 1);
                sweep_out::write_unit(&info, out, p, r, &rep.metrics)?;
                progress.done(rep.people);
                Ok(rep.events)
            })
            .sum()
    })?;
    progress.finish();
    let events =
        outcome.map_err(|e| CliError::Failure(format!("cannot write a unit's results: {e}")))?;
    let survey = sweep_out::survey(&info, &[out]);
    if !survey.damaged.is_empty() {
        // Only units this run did not write (another shard's, or a replication whose metrics
        // differ from its point's others), or files changed while it ran.
        return Err(CliError::Failure(format!(
            "the summary of {} cannot be assembled, as these unit files do not count:\n  {}\nremove them and run again with --resume",
            out.display(),
            listed(&survey.damaged, "unit files").join("\n  ")
        )));
    }
    let missing = survey.missing(&info).len();
    let mut outputs = vec!["sweep.json".to_string(), "units/".to_string()];
    let mut shown = None;
    if let Some(units) = survey.into_units() {
        shown = sweep_out::assemble(&info, &units, set.staging(), format)
            .map_err(|e| CliError::Failure(format!("cannot write the sweep's summary: {e}")))?;
        set.adopt(&format.file("points"));
        set.adopt(&format.file("summary"));
        outputs.extend([format.file("summary"), format.file("points")]);
        if shown.is_some() {
            set.adopt(sweep_out::TABLE);
            outputs.push(sweep_out::TABLE.to_string());
        }
    }
    let m = Manifest {
        replications: Some(sw.replications),
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
        events,
        ..Manifest::of_this_process("sweep", sw.seed, threads, started)
    };
    set.commit(Some(&manifest::to_json(&m)))?;
    if !quiet {
        println!(
            "{}: {shape} ({} design); ran {} units in {:.1} s",
            sw.name,
            sw.design.name(),
            todo.len(),
            started.elapsed().as_secs_f64()
        );
        if missing == 0 {
            if let Some(t) = &shown {
                println!("\n{t}");
                println!(
                    "wrote {} and {}",
                    out.join(format.file("summary")).display(),
                    out.join(sweep_out::TABLE).display()
                );
            } else {
                println!("wrote {}", out.join(format.file("summary")).display());
            }
        } else {
            println!(
                "{missing} units still to run: run the other shards, then `cjmh merge`, or resume with --resume"
            );
        }
    }
    Ok(())
}

/// One line for each of the first few of `items`, and a count of the rest (`what`, such as
/// "damaged units"): enough to find them, never thousands of lines.
pub(super) fn listed(items: &[impl std::fmt::Display], what: &str) -> Vec<String> {
    const SHOWN: usize = 10;
    let mut lines: Vec<String> = items.iter().take(SHOWN).map(|e| e.to_string()).collect();
    if items.len() > SHOWN {
        lines.push(format!("and {} more {what}", items.len() - SHOWN));
    }
    lines
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
