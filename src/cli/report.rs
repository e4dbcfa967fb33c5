//! `cjmh report`: the board paper from a comparison's output directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::args::ReportArgs;
use super::{CliError, check_output, write_output};
use crate::output::comparison;
use crate::output::investment::PsaIntervals;
use crate::output::report::{self, Psa, Table};
use crate::output::summary::{self, ReplicationResult};
use crate::output::sweep::sha256_hex;
use crate::output::workbook;
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

/// Table `stem` of `dir` (CSV or Parquet, as its manifest lists it): its path, its bytes as
/// read (for the record of what was read) and as CSV.
fn read_table(dir: &Path, stem: &str) -> Result<(PathBuf, Vec<u8>, Vec<u8>), CliError> {
    let path = crate::output::tidy::find(dir, stem);
    let name = path.file_name().map(|n| n.to_string_lossy().to_string());
    let (path, bytes) = read(dir, name.as_deref().unwrap_or(stem))?;
    let csv = crate::output::tidy::as_csv(&path, &bytes)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?
        .into_owned();
    Ok((path, bytes, csv))
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

fn calibration_table(
    manifest: &Value,
    baseline: &str,
    results: &[ReplicationResult],
) -> Result<Table, String> {
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
    let cells: Vec<calibration::Cells> = calibration::evaluate(&own)
        .iter()
        .map(calibration::cells)
        .collect();
    Ok(Table {
        head: [
            "target",
            "source",
            "published",
            "accepted band",
            "simulated mean",
            "noise 95%",
            "in band",
            "fitted with, or echo",
        ]
        .map(String::from)
        .to_vec(),
        pass: cells.iter().map(|c| c.in_band).collect(),
        rows: cells
            .into_iter()
            .map(|c| {
                vec![
                    c.what.into(),
                    c.source.into(),
                    c.published.into(),
                    c.band,
                    c.mean,
                    c.interval,
                    if c.in_band { "yes" } else { "no" }.into(),
                    c.basis.into(),
                ]
            })
            .collect(),
        note: format!(
            "The baseline ({baseline}) in this comparison's own replications, against the published figures it was calibrated to. Calibration shows the model reproduces the figures its parameters were fitted to; it is not validation."
        ),
    })
}

fn validation_table(manifest: &Value, results: &[ReplicationResult]) -> Result<Table, String> {
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
    let rows = validation::evaluate(&runs);
    Ok(Table {
        head: [
            "case",
            "what",
            "source",
            "published",
            "tolerance",
            "simulated",
            "noise 95%",
            "result",
        ]
        .map(String::from)
        .to_vec(),
        pass: rows.iter().map(validation::Row::pass).collect(),
        rows: rows
            .iter()
            .map(|r| {
                let c = &r.case;
                let (v, i) = validation::value_and_interval(&r.measured, c.unit);
                vec![
                    c.id.into(),
                    c.what.into(),
                    c.source.into(),
                    c.published.into(),
                    validation::band(c.tolerance, c.unit),
                    v,
                    i,
                    validation::verdict(r).into(),
                ]
            })
            .collect(),
        note: format!(
            "Published figures no parameter was fitted to, measured in this comparison's own runs. {} of {} cases pass; a failing case stays failing, with its reason in docs/validation.md, until a mechanism grounded in the sources fixes it.",
            rows.iter().filter(|r| r.pass()).count(),
            rows.len()
        ),
    })
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
    let (cpath, cbytes, ccsv) = read_table(&args.dir, "comparison")?;
    let rows = comparison::from_csv(&ccsv)
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
    let (spath, sbytes, scsv) = read_table(&args.dir, "summary")?;
    let results = summary::from_csv(&scsv)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", spath.display())))?;
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
        (cpath.display().to_string(), sha256_hex(&cbytes)),
        (spath.display().to_string(), sha256_hex(&sbytes)),
        (mpath.display().to_string(), sha256_hex(&mbytes)),
    ];
    for d in &args.psa {
        let p = crate::output::tidy::find(d, "summary");
        if let Ok(b) = read_own_file(&p) {
            hashes.push((p.display().to_string(), sha256_hex(&b)));
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
        calibration: calibration_table(&manifest, &baseline, &results),
        validation: validation_table(&manifest, &results),
        command,
        hashes,
    };
    let html = report::html(&input).map_err(CliError::Failure)?;
    // Both are built before either is written, so a failure leaves neither half-done.
    let xlsx = match &args.xlsx {
        Some(x) => Some((x, workbook::workbook(&input).map_err(CliError::Failure)?)),
        None => None,
    };
    write_output(&out, html.as_bytes())?;
    println!(
        "wrote {} (open it in a browser; print it to A4 from there)",
        out.display()
    );
    if let Some((x, bytes)) = xlsx {
        write_output(x, &bytes)?;
        println!("wrote {}", x.display());
    }
    Ok(())
}
