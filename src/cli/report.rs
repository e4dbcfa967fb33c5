//! `cjmh report`: the board paper from a comparison's output directory.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::args::ReportArgs;
use super::{CliError, check_output, write_output};
use crate::output::comparison;
use crate::output::investment::PsaIntervals;
use crate::output::report::{self, Psa};
use crate::output::summary::ReplicationResult;
use crate::output::write::read_own_file;
use crate::validation::{self, Setup};
use crate::{calibration, scenario};

/// The scenario names validation looks for in a comparison: the shipped files' names.
fn setup_name(s: Setup) -> &'static str {
    match s {
        Setup::Baseline => "baseline",
        Setup::LiaisonDiversion => "liaison-diversion-full",
        Setup::ReleaseSupport => "release-crisis-support",
    }
}

fn read(dir: &Path, name: &str) -> Result<(PathBuf, Vec<u8>), CliError> {
    let path = dir.join(name);
    let bytes = read_own_file(&path).map_err(|e| {
        CliError::BadInput(format!(
            "{}: {e} (is {} the output directory of `cjmh compare`?)",
            path.display(),
            dir.display()
        ))
    })?;
    Ok((path, bytes))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `summary.csv` read back, one result per (scenario, replication), in file order.
fn summary(path: &Path, bytes: &[u8]) -> Result<Vec<ReplicationResult>, CliError> {
    let mut r = csv::Reader::from_reader(bytes);
    let mut out: Vec<ReplicationResult> = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let bad =
            |what: &str| CliError::BadInput(format!("{}: line {}: {what}", path.display(), i + 2));
        let rec = rec.map_err(|e| bad(&e.to_string()))?;
        if rec.len() != 4 {
            return Err(bad("not 4 cells (scenario, replication, metric, value)"));
        }
        let replication: u64 = rec[1]
            .parse()
            .map_err(|_| bad("replication is not a count"))?;
        let value = if rec[3].is_empty() {
            f64::NAN
        } else {
            rec[3].parse().map_err(|_| bad("value is not a number"))?
        };
        match out.last_mut() {
            Some(last) if last.scenario == rec[0] && last.replication == replication => {
                last.metrics.push((rec[2].to_string(), value));
            }
            _ => out.push(ReplicationResult {
                scenario: rec[0].to_string(),
                replication,
                metrics: vec![(rec[2].to_string(), value)],
            }),
        }
    }
    Ok(out)
}

/// The scale each scenario ran at (`--cohort`), by name.
fn scale_of(manifest: &Value, name: &str) -> Option<f64> {
    manifest
        .get("scenarios")?
        .as_array()?
        .iter()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(name))?
        .get("scale")?
        .as_f64()
}

/// The hash of the national baseline built into this binary, which the calibration targets
/// and validation cases are defined for.
fn shipped_baseline_hash() -> Option<String> {
    scenario::load_str(
        Path::new("scenarios/baseline.toml (built in)"),
        include_str!("../../scenarios/baseline.toml"),
    )
    .ok()
    .map(|s| s.hash)
}

/// Why the comparison's baseline is not the shipped national baseline run unscaled, if it is
/// not: the calibration targets and validation cases are national figures.
fn not_national(manifest: &Value, baseline: &str) -> Option<String> {
    let hash = manifest
        .pointer("/scenarios/0/hash")
        .and_then(Value::as_str)
        .unwrap_or("");
    let shipped = shipped_baseline_hash().unwrap_or_default();
    if hash != shipped {
        Some(format!(
            "{baseline} is not the shipped national baseline (its hash is {hash}; this cjmh's scenarios/baseline.toml is {shipped})"
        ))
    } else if scale_of(manifest, baseline) != Some(1.0) {
        Some(format!("{baseline} ran scaled (--cohort)"))
    } else {
        None
    }
}

fn calibration_rows(
    manifest: &Value,
    baseline: &str,
    results: &[ReplicationResult],
) -> Result<Vec<calibration::Row>, String> {
    if let Some(why) = not_national(manifest, baseline) {
        return Err(format!(
            "Not shown: the calibration targets are national figures, and {why}. `cjmh calibrate` gives the national baseline's table; docs/calibration.md is its output."
        ));
    }
    let own: Vec<ReplicationResult> = results
        .iter()
        .filter(|r| r.scenario == baseline)
        .cloned()
        .collect();
    Ok(calibration::evaluate(&own))
}

fn validation_rows(
    manifest: &Value,
    results: &[ReplicationResult],
) -> Result<Vec<validation::Row>, String> {
    let names: Vec<&str> = Setup::ALL.iter().map(|s| setup_name(*s)).collect();
    let entries = manifest
        .get("scenarios")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let baseline = entries
        .first()
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let why = not_national(manifest, baseline).or_else(|| {
        names[1..]
            .iter()
            .find(|n| scale_of(manifest, n) != Some(1.0))
            .map(|n| format!("it does not include {n} at full scale"))
    });
    if let Some(why) = why {
        return Err(format!(
            "Not shown: the validation cases are defined for the shipped national scenarios ({}) run at full scale, and {why}. `cjmh validate` gives the table; docs/validation.md is its output.",
            names.join(", "),
        ));
    }
    let spec = entries[0]
        .get("resolved")
        .cloned()
        .ok_or("Not shown: manifest.json does not record the baseline's resolved scenario.")?;
    let spec: scenario::ScenarioSpec = serde_json::from_value(spec)
        .map_err(|e| format!("Not shown: the baseline in manifest.json cannot be read ({e})."))?;
    let text = toml::to_string(&spec)
        .map_err(|e| format!("Not shown: the baseline in manifest.json cannot be read ({e})."))?;
    let base = scenario::load_str(Path::new("manifest.json (baseline)"), &text)
        .map_err(|e| format!("Not shown: the baseline in manifest.json does not load ({e})."))?;
    let economics = base
        .economics
        .clone()
        .ok_or("Not shown: the baseline has no [costs], which some cases price.")?;
    let runs = validation::Runs {
        results: names
            .iter()
            .map(|n| {
                results
                    .iter()
                    .filter(|r| r.scenario == *n)
                    .cloned()
                    .collect()
            })
            .collect(),
        economics,
    };
    Ok(validation::evaluate(&runs))
}

pub(super) fn report(args: ReportArgs) -> Result<(), CliError> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join("report.html"));
    check_output(&out)?;
    if let Some(x) = &args.xlsx {
        check_output(x)?;
    }
    let (cpath, cbytes) = read(&args.dir, "comparison.csv")?;
    let rows = comparison::from_csv(&cbytes)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", cpath.display())))?;
    let (mpath, mbytes) = read(&args.dir, "manifest.json")?;
    let manifest: Value = serde_json::from_slice(&mbytes)
        .map_err(|e| CliError::BadInput(format!("{}: unreadable: {e}", mpath.display())))?;
    if manifest.get("command").and_then(Value::as_str) != Some("compare") {
        return Err(CliError::BadInput(format!(
            "{}: written by `cjmh {}`, not `cjmh compare`: give the output directory of a comparison",
            mpath.display(),
            manifest
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or("?")
        )));
    }
    let (spath, sbytes) = read(&args.dir, "summary.csv")?;
    let results = summary(&spath, &sbytes)?;
    let names: Vec<String> = manifest
        .get("scenarios")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("name").and_then(Value::as_str).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let Some(baseline) = names.first().cloned() else {
        return Err(CliError::BadInput(format!(
            "{}: lists no scenarios",
            mpath.display()
        )));
    };
    if names.len() < 2 {
        return Err(CliError::BadInput(format!(
            "{}: the comparison has no policy, only its baseline {baseline}",
            mpath.display()
        )));
    }
    let psa = if args.psa.is_empty() {
        None
    } else {
        if args.psa.len() != names.len() {
            return Err(CliError::BadInput(format!(
                "--psa gives {} directories for the comparison's {} scenarios ({}): give the baseline's PSA sweep first, then one per policy in that order",
                args.psa.len(),
                names.len(),
                names.join(", ")
            )));
        }
        super::ceac::same_directory_twice(&args.psa)?;
        super::ceac::sweeps_in_order(&args.psa, &names)?;
        let strategies = super::ceac::paired_strategies(&args.psa)?;
        let paired: Vec<(String, crate::economics::psa::Strategy)> = names[1..]
            .iter()
            .cloned()
            .zip(strategies[1..].iter().cloned())
            .collect();
        let intervals = PsaIntervals::of(&strategies[0], &paired);
        Some(Psa {
            strategies,
            intervals,
        })
    };
    let mut hashes = vec![
        (cpath.display().to_string(), sha256(&cbytes)),
        (spath.display().to_string(), sha256(&sbytes)),
        (mpath.display().to_string(), sha256(&mbytes)),
    ];
    for d in &args.psa {
        if let Ok((p, b)) = read(d, "summary.csv") {
            hashes.push((p.display().to_string(), sha256(&b)));
        }
    }
    let command = std::iter::once("cjmh".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let input = report::Input {
        rows: &rows,
        manifest: &manifest,
        psa: psa.as_ref(),
        calibration: calibration_rows(&manifest, &baseline, &results),
        validation: validation_rows(&manifest, &results),
        command,
        hashes,
    };
    let html = report::html(&input).map_err(CliError::Failure)?;
    write_output(&out, html.as_bytes())?;
    println!(
        "wrote {} (open it in a browser; print it to A4 from there)",
        out.display()
    );
    Ok(())
}
