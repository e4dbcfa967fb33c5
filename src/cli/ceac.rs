//! `cjmh ceac`.

use std::path::{Path, PathBuf};

use super::args::CeacArgs;
use super::{CliError, begin_outputs, read_sweep_info};
use crate::economics::investment::thousands;
use crate::economics::psa;
use crate::limits::MAX_WTP_POINTS;
use crate::output::summary::format_value;
use crate::output::sweep::SweepInfo;
use crate::output::tidy;

/// A PSA sweep's public-sector cost and QALYs per draw (means over its replications).
fn psa_strategy(dir: &Path) -> Result<(SweepInfo, psa::Strategy), CliError> {
    let info = read_sweep_info(dir)?;
    if info.design != "psa" {
        return Err(CliError::BadInput(format!(
            "{}: a {} sweep, not a psa",
            dir.display(),
            info.design
        )));
    }
    let path = tidy::find(dir, "summary");
    let n = info.points.len();
    let (mut cost, mut qalys) = (vec![(0.0, 0u32); n], vec![(0.0, 0u32); n]);
    tidy::for_each_record(&path, |_, row| {
        let len = row.len();
        if len < 3 {
            return Err("not a sweep's summary (point, ..., metric, value)".into());
        }
        let (point, metric, value) = (&row[0], &row[len - 2], &row[len - 1]);
        let target = match metric {
            "cost.public_sector" => &mut cost,
            "qalys.total" => &mut qalys,
            _ => return Ok(()),
        };
        let (Ok(p), Ok(v)) = (point.parse::<usize>(), value.parse::<f64>()) else {
            return Ok(());
        };
        if let Some(t) = target.get_mut(p) {
            t.0 += v;
            t.1 += 1;
        }
        Ok(())
    })
    .map_err(|e| CliError::BadInput(format!("{e} (has the sweep finished? see `cjmh merge`)")))?;
    let mean = |v: Vec<(f64, u32)>| -> Result<Vec<f64>, CliError> {
        v.into_iter()
            .map(|(s, k)| {
                if k == 0 {
                    Err(CliError::BadInput(format!("{}: no cost.public_sector or qalys.total for every draw (does the scenario have [costs]?)", path.display())))
                } else {
                    Ok(s / k as f64)
                }
            })
            .collect()
    };
    let strategy = psa::Strategy {
        name: info.name.clone(),
        cost: mean(cost)?,
        qalys: mean(qalys)?,
    };
    Ok((info, strategy))
}

/// Refuses PSA sweeps given out of the comparison's order: sweep `i`'s base scenario (as its
/// `manifest.json` records it) must be the comparison's scenario `i`, the baseline first.
/// Paired by position, a swapped pair would give each policy the other's uncertainty.
pub(super) fn sweeps_in_order(dirs: &[PathBuf], names: &[String]) -> Result<(), CliError> {
    for (dir, name) in dirs.iter().zip(names) {
        let path = dir.join("manifest.json");
        let base = crate::output::write::read_own_file(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|m| {
                m.pointer("/scenarios/0/name")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                CliError::BadInput(format!(
                    "{}: cannot read the scenario the PSA sweep ran",
                    path.display()
                ))
            })?;
        if base != *name {
            return Err(CliError::BadInput(format!(
                "{} is a PSA sweep of {base}, but the comparison's scenario in that place is {name}: give the PSA sweeps in the comparison's order ({}), the baseline's first",
                dir.display(),
                names.join(", ")
            )));
        }
    }
    Ok(())
}

/// Refuses a directory given twice (also under two spellings, or through a link): a PSA
/// compared with itself is not a comparison of two strategies.
pub(super) fn same_directory_twice(dirs: &[PathBuf]) -> Result<(), CliError> {
    // One that cannot be resolved (it does not exist, say) is reported when it is read.
    let resolved: Vec<_> = dirs.iter().map(|d| d.canonicalize().ok()).collect();
    for (j, b) in resolved.iter().enumerate() {
        if let Some(i) = (0..j).find(|&i| b.is_some() && resolved[i] == *b) {
            return Err(CliError::BadInput(format!(
                "{} and {} are the same directory: give each strategy's PSA once",
                dirs[i].display(),
                dirs[j].display()
            )));
        }
    }
    Ok(())
}

/// The willingness-to-pay values 0, step, 2 step, ... up to `max`, or why there would be too
/// many: checked before anything is read or allocated.
fn wtp_grid(max: u64, step: u64) -> Result<Vec<f64>, CliError> {
    let step = step.max(1);
    let values = max / step;
    if values >= MAX_WTP_POINTS {
        return Err(CliError::BadInput(format!(
            "--wtp-max {max} with --wtp-step {step} makes {} willingness-to-pay values, more than the {MAX_WTP_POINTS} allowed: use --wtp-step {} or more, or a lower --wtp-max",
            u128::from(values) + 1,
            max / MAX_WTP_POINTS + 1
        )));
    }
    Ok((0..=values).map(|i| (i * step) as f64).collect())
}

/// The strategies of PSA sweeps whose draws pair up, in the order given (the baseline's
/// first): every sweep a PSA with the first one's seed and number of draws. `cjmh ceac` and
/// `cjmh compare --psa` read them alike, each after [`same_directory_twice`].
pub(super) fn paired_strategies(dirs: &[PathBuf]) -> Result<Vec<psa::Strategy>, CliError> {
    let mut strategies = Vec::new();
    let mut first: Option<SweepInfo> = None;
    for d in dirs {
        let (info, s) = psa_strategy(d)?;
        if let Some(f) = &first
            && (f.seed != info.seed || f.points.len() != info.points.len())
        {
            return Err(CliError::BadInput(format!(
                "{} has {} draws with seed {}, {} has {} with seed {}: PSA draws pair only with the same seed and count",
                dirs[0].display(),
                f.points.len(),
                f.seed,
                d.display(),
                info.points.len(),
                info.seed
            )));
        }
        first.get_or_insert(info);
        strategies.push(s);
    }
    Ok(strategies)
}

pub(super) fn ceac(args: CeacArgs) -> Result<(), CliError> {
    same_directory_twice(&args.dirs)?;
    let wtps = wtp_grid(args.wtp_max, args.wtp_step)?;
    let strategies = paired_strategies(&args.dirs)?;
    let mut ceac_csv = csv::Writer::from_writer(Vec::new());
    let mut evpi_csv = csv::Writer::from_writer(Vec::new());
    let _ = ceac_csv.write_record(["wtp", "strategy", "probability_cost_effective"]);
    let _ = evpi_csv.write_record(["wtp", "evpi"]);
    for &w in &wtps {
        for (s, p) in strategies.iter().zip(psa::acceptability(&strategies, w)) {
            let _ = ceac_csv.write_record([format_value(w), s.name.clone(), format_value(p)]);
        }
        let _ = evpi_csv.write_record([format_value(w), format_value(psa::evpi(&strategies, w))]);
    }
    let files = [
        ("ceac.csv", ceac_csv.into_inner().unwrap_or_default()),
        ("evpi.csv", evpi_csv.into_inner().unwrap_or_default()),
    ];
    let mut set = begin_outputs(&args.out, "ceac", &["ceac.csv", "evpi.csv"])?;
    for (name, bytes) in &files {
        set.write(name, bytes)?;
    }
    set.commit(None)?;
    let draws = strategies[0].cost.len();
    println!("{draws} PSA draws; probability of the highest net monetary benefit (public sector):");
    for w in [20_000.0, 30_000.0] {
        let p = psa::acceptability(&strategies, w);
        let cells: Vec<String> = strategies
            .iter()
            .zip(p)
            .map(|(s, p)| format!("{} {:.2}", s.name, p))
            .collect();
        println!(
            "  at £{}/QALY: {}; EVPI £{}",
            thousands(w),
            cells.join(", "),
            thousands(psa::evpi(&strategies, w))
        );
    }
    println!(
        "wrote {} and {}",
        args.out.join("ceac.csv").display(),
        args.out.join("evpi.csv").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wtp_grid;
    use crate::limits::MAX_WTP_POINTS;

    #[test]
    fn the_wtp_grid_is_every_step_to_the_maximum_and_bounded() {
        assert_eq!(wtp_grid(3000, 1000).unwrap(), [0.0, 1000.0, 2000.0, 3000.0]);
        assert_eq!(wtp_grid(2500, 1000).unwrap(), [0.0, 1000.0, 2000.0]);
        assert_eq!(wtp_grid(0, 1).unwrap(), [0.0]);
        assert_eq!(
            wtp_grid(MAX_WTP_POINTS - 1, 1).unwrap().len() as u64,
            MAX_WTP_POINTS
        );
        assert!(wtp_grid(MAX_WTP_POINTS, 1).is_err());
        assert!(wtp_grid(u64::MAX, 1).is_err());
        // The step the message suggests is enough.
        let max = 100_000_000_000_000;
        let step = max / MAX_WTP_POINTS + 1;
        assert!(wtp_grid(max, step).is_ok());
        assert!(wtp_grid(max, step - 1).is_err());
    }
}
