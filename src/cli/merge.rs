//! `cjmh merge`.

use std::path::Path;
use std::time::Instant;

use super::args::MergeArgs;
use super::sweep::listed;
use super::{CliError, begin_outputs, read_sweep_info};
use crate::output::manifest::{self, Manifest};
use crate::output::sweep as sweep_out;
use crate::output::tidy::Format;
use crate::output::write::atomic_write;

pub(super) fn merge(args: MergeArgs) -> Result<(), CliError> {
    let started = Instant::now();
    let infos = args
        .dirs
        .iter()
        .map(|d| read_sweep_info(d))
        .collect::<Result<Vec<_>, _>>()?;
    let info = infos[0].clone();
    if let Some((d, _)) = args
        .dirs
        .iter()
        .zip(&infos)
        .find(|(_, i)| i.hash != info.hash)
    {
        return Err(CliError::BadInput(format!(
            "{} holds another sweep than {} (their sweep.json hashes differ)",
            d.display(),
            args.dirs[0].display()
        )));
    }
    let dirs: Vec<&Path> = args.dirs.iter().map(|d| d.as_path()).collect();
    // Shards of different builds first: their units would also differ.
    let shard_manifests = read_shard_manifests(&dirs)?;
    let survey = sweep_out::survey(&info, &dirs);
    if !survey.conflicts.is_empty() || !survey.damaged.is_empty() {
        let mut reports = listed(&survey.conflicts, "units held differently");
        if !survey.damaged.is_empty() {
            reports.extend(listed(&survey.damaged, "damaged unit files"));
            let n = survey.damaged.len();
            let mut advice = format!(
                "{n} damaged unit file{}: run the shard that holds each again with `cjmh sweep SWEEP.toml --out SHARD_DIR --resume` (it runs damaged units again), then merge",
                if n == 1 { "" } else { "s" }
            );
            if let Some(n) = args.shards {
                let units = survey.damaged.iter().map(|d| (d.point, d.replication));
                advice += &resubmit(&info, units, n);
            }
            reports.push(advice);
        }
        return Err(CliError::BadInputs(reports));
    }
    let missing = survey.missing(&info);
    if let Some(&(p, r)) = missing.first() {
        let mut message = format!(
            "{} units have not been run in these directories (the first: point {p}, replication {r}); run the missing shards, or resume one of them",
            missing.len()
        );
        if let Some(n) = args.shards {
            message += &resubmit(&info, missing.iter().copied(), n);
        }
        return Err(CliError::Failure(message));
    }
    let units = survey.into_units().expect("every unit checked above");
    let format: Format = args.tables.format.into();
    let mut set = begin_outputs(
        &args.out,
        "merge",
        &[
            &format.file("summary"),
            &format.file("points"),
            sweep_out::TABLE,
            "manifest.json",
        ],
    )?;
    // The combined directory is a complete sweep directory of its own: the checked units copied
    // in (over any other file of the same name there).
    let copied = std::fs::create_dir_all(args.out.join("units")).and_then(|_| {
        for ((p, r), unit) in info.units().into_iter().zip(&units) {
            let to = sweep_out::unit_path(&args.out, p, r);
            if std::fs::read(&to).ok().as_ref() != Some(&unit.bytes) {
                atomic_write(&to, &unit.bytes)?;
            }
        }
        atomic_write(&args.out.join("sweep.json"), &info.to_json())
    });
    let manifest = merged_manifest(&info, &dirs, &shard_manifests, started, format);
    let shown = copied
        .and_then(|_| sweep_out::assemble(&info, &units, set.staging(), format))
        .map_err(|e| CliError::Failure(format!("cannot write to {}: {e}", args.out.display())))?;
    set.adopt(&format.file("points"));
    set.adopt(&format.file("summary"));
    if shown.is_some() {
        set.adopt(sweep_out::TABLE);
    }
    set.commit(Some(&manifest))?;
    println!(
        "merged {} directories: {} points x {} replications; wrote {}",
        dirs.len(),
        info.points.len(),
        info.replications,
        args.out.join(format.file("summary")).display()
    );
    Ok(())
}

/// The line naming the array indices of `--shards n` that run `units` (numbered point-major
/// from 0, as `--shard` counts them).
fn resubmit(
    info: &sweep_out::SweepInfo,
    units: impl Iterator<Item = (usize, u64)>,
    n: u64,
) -> String {
    let mut indices: Vec<u64> = units
        .map(|(p, r)| (p as u64 * info.replications + r) % n)
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let list: Vec<String> = indices.iter().map(|i| i.to_string()).collect();
    format!(
        "\nshards to resubmit (array indices of --shards {n}): {}",
        list.join(",")
    )
}

/// The `manifest.json` of each shard directory, in the order given (`None` for a shard killed
/// before its end). Refuses shards run by different builds: their units need not agree.
fn read_shard_manifests(dirs: &[&Path]) -> Result<Vec<Option<serde_json::Value>>, CliError> {
    let mut found: Vec<Option<serde_json::Value>> = Vec::new();
    let mut first: Option<(&Path, serde_json::Value)> = None;
    for d in dirs {
        let path = d.join("manifest.json");
        let Ok(bytes) = crate::output::write::read_own_file(&path) else {
            found.push(None);
            continue;
        };
        let m: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| CliError::BadInput(format!("{}: unreadable: {e}", path.display())))?;
        match &first {
            Some((f, fm)) if fm["versions"] != m["versions"] => {
                return Err(CliError::BadInput(format!(
                    "{} and {} were run by different builds of cjmh ({} and {}); run every shard with one build",
                    f.display(),
                    d.display(),
                    fm["versions"],
                    m["versions"]
                )));
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
    dirs: &[&Path],
    shards: &[Option<serde_json::Value>],
    started: Instant,
    format: Format,
) -> Vec<u8> {
    let mut m = match shards.iter().flatten().next() {
        Some(m) => m.clone(),
        // Every shard was killed before writing its manifest: what is known is the sweep's.
        None => serde_json::to_value(Manifest {
            replications: Some(info.replications),
            ..Manifest::of_this_process("merge", info.seed, 1, started)
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
    let mut outputs = vec![
        "sweep.json".to_string(),
        "units/".to_string(),
        format.file("summary"),
        format.file("points"),
    ];
    if !info.show.is_empty() {
        outputs.push(sweep_out::TABLE.to_string());
    }
    m["outputs"] = serde_json::json!(outputs);
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
