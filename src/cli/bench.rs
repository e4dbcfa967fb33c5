//! `cjmh bench`.

use std::time::Instant;

use rayon::prelude::*;

use super::args::{BenchArgs, BenchModel};
use super::{
    CliError, catchments_apply, cohort_factor, fits_in_memory, scaled, thread_count, with_threads,
};
use crate::model;
use crate::model::mmc::{self, MmcParams};
use crate::scenario;

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub(super) fn bench(args: BenchArgs) -> Result<(), CliError> {
    let threads = thread_count(Some(args.threads));
    // The M/M/c cohort is split into `threads` independent queues, each a replication of its own.
    let per: Vec<u64> = (0..threads as u64)
        .map(|i| args.cohort / threads as u64 + u64::from(i < args.cohort % threads as u64))
        .collect();
    let pathway = match args.model {
        BenchModel::Mmc => None,
        BenchModel::Pathway => {
            let s = match &args.scenario {
                Some(path) => scenario::load(path)?,
                None => scenario::load_str(
                    std::path::Path::new("scenarios/baseline.toml (built in)"),
                    include_str!("../../scenarios/baseline.toml"),
                )?,
            };
            if s.pathway.is_none() {
                return Err(CliError::BadInput(
                    "--model pathway needs a pathway scenario".into(),
                ));
            }
            // The scenario at the cohort's size, one replication split into as many catchments
            // as threads (as `cjmh run --catchments`).
            let scaled = scaled(&s, cohort_factor(&s, args.cohort)?, args.cohort)?;
            let scenarios = [scaled];
            catchments_apply(&scenarios, threads as u32, Some(args.cohort)).map_err(|e| {
                CliError::BadInput(format!(
                    "{e} (bench splits the cohort into one catchment per thread)"
                ))
            })?;
            fits_in_memory(&scenarios, 1, threads, threads as u32, Some(args.cohort))?;
            let [scaled] = scenarios;
            Some(scaled)
        }
    };
    let started = Instant::now();
    // (people, events, (people waited for, their total wait in days)) per catchment, and for
    // the pathway the most people held at once.
    let mut held = None;
    let results: Vec<(u64, u64, (u64, f64))> = with_threads(threads, || match &pathway {
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
        Some(scaled) => {
            let rep = model::run_catchments(scaled, 1, 0, threads as u32);
            held = Some(rep.held_peak);
            vec![(rep.people, rep.events, (0, 0.0))]
        }
    })?;
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
            "held_peak": held,
            "mean_wait_days": mean_wait,
        });
        println!("{v}");
    } else {
        println!("model              {model} ({what})");
        println!("people             {people}");
        if let Some(h) = held {
            println!("held at once       {h} (the most people in the model at one time)");
        }
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
    Ok(())
}
