//! A sweep's outputs, built from one small file per finished (point, replication).
//!
//! ```text
//! DIR/sweep.json              what the sweep is (its hash, parameters, points): written first
//! DIR/units/p00003-r00001.csv the metrics of point 3, replication 1 (metric,value rows)
//! DIR/summary.csv             point, one column per parameter, replication, metric, value
//! DIR/points.csv              point and its parameter values
//! DIR/manifest.json           what ran
//! ```
//!
//! Each unit file is written under a temporary name and renamed once complete, so a unit file
//! that exists is whole: `--resume` skips it, and `cjmh merge` gathers the unit files of
//! several shards. `summary.csv` is assembled from the unit files in (point, replication) order,
//! so it is the same bytes however the units were run, resumed or sharded.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::summary::format_value;
use super::write::atomic_write;
use crate::model::Metrics;
use crate::scenario::sweep::Sweep;

/// `sweep.json`: enough to check that shards belong to one sweep and to assemble its outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub name: String,
    pub hash: String,
    pub design: String,
    pub seed: u64,
    pub replications: u64,
    pub parameters: Vec<String>,
    pub points: Vec<Vec<f64>>,
}

impl SweepInfo {
    pub fn of(s: &Sweep) -> Self {
        Self {
            name: s.name.clone(),
            hash: s.hash.clone(),
            design: s.design.name().into(),
            seed: s.seed,
            replications: s.replications,
            parameters: s.parameters.clone(),
            points: s.points.clone(),
        }
    }

    /// Every (point, replication), point-major: the order of units and of `summary.csv`.
    pub fn units(&self) -> Vec<(usize, u64)> {
        (0..self.points.len())
            .flat_map(|p| (0..self.replications).map(move |r| (p, r)))
            .collect()
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("always serialises");
        v.push(b'\n');
        v
    }
}

/// The unit file of `point`, `replication` under `dir`.
pub fn unit_path(dir: &Path, point: usize, replication: u64) -> PathBuf {
    dir.join("units")
        .join(format!("p{point:05}-r{replication:05}.csv"))
}

/// The bytes of one unit file: `metric,value` rows.
pub fn unit_csv(metrics: &Metrics) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for (m, v) in metrics {
        w.write_record([m.as_str(), format_value(*v).as_str()])
            .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Writes one unit file whole (temporary name, then rename).
pub fn write_unit(
    dir: &Path,
    point: usize,
    replication: u64,
    metrics: &Metrics,
) -> std::io::Result<()> {
    atomic_write(&unit_path(dir, point, replication), &unit_csv(metrics))
}

/// Units of `info` that have no file under any of `dirs`.
pub fn missing(info: &SweepInfo, dirs: &[&Path]) -> Vec<(usize, u64)> {
    info.units()
        .into_iter()
        .filter(|&(p, r)| !dirs.iter().any(|d| unit_path(d, p, r).exists()))
        .collect()
}

/// Writes `summary.csv` and `points.csv` into `out` from the unit files found under `dirs` (the
/// first that has each unit). Every unit must be present.
pub fn assemble(info: &SweepInfo, dirs: &[&Path], out: &Path) -> std::io::Result<()> {
    let header: Vec<String> = ["point".to_string()]
        .into_iter()
        .chain(info.parameters.iter().cloned())
        .chain(["replication", "metric", "value"].map(String::from))
        .collect();
    let mut summary = csv::Writer::from_writer(Vec::new());
    summary.write_record(&header)?;
    for (p, r) in info.units() {
        let path = dirs
            .iter()
            .map(|d| unit_path(d, p, r))
            .find(|f| f.exists())
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("point {p}, replication {r} has not been run"),
                )
            })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&path)?;
        let prefix: Vec<String> = std::iter::once(p.to_string())
            .chain(info.points[p].iter().map(|v| format_value(*v)))
            .collect();
        let rep = r.to_string();
        for row in reader.records() {
            let row = row?;
            let mut record = prefix.clone();
            record.push(rep.clone());
            record.extend(row.iter().map(String::from));
            summary.write_record(&record)?;
        }
    }
    let bytes = summary.into_inner().map_err(|e| e.into_error())?;
    let mut points = csv::Writer::from_writer(Vec::new());
    points.write_record(
        std::iter::once("point".to_string()).chain(info.parameters.iter().cloned()),
    )?;
    for (p, values) in info.points.iter().enumerate() {
        points.write_record(
            std::iter::once(p.to_string()).chain(values.iter().map(|v| format_value(*v))),
        )?;
    }
    let points = points.into_inner().map_err(|e| e.into_error())?;
    atomic_write(&out.join("points.csv"), &points)?;
    atomic_write(&out.join("summary.csv"), &bytes)
}
