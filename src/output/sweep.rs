//! A sweep's outputs, built from one small file per finished (point, replication).
//!
//! ```text
//! DIR/sweep.json              what the sweep is (its hash, parameters, points): written first
//! DIR/units/p00003-r00001.csv the metrics of point 3, replication 1 (see below)
//! DIR/summary.csv             point, one column per parameter, replication, metric, value
//! DIR/points.csv              point and its parameter values
//! DIR/manifest.json           what ran
//! ```
//!
//! A unit file names its unit, holds `metric,value` rows, and ends with the SHA-256 of every
//! byte above that last line:
//!
//! ```text
//! # sweep 5f0c3c2b8d1e4a77, point 3, replication 1
//! metric,value
//! people_entered,1343607
//! ...
//! # sha256 9b1f...(64 hex digits)
//! ```
//!
//! (`head -n -1 FILE | sha256sum` prints the same digest.) The file is written under a
//! temporary name and renamed once complete, and its checksum is inside it, so a unit and its
//! checksum cannot be half-present: a unit file counts only if its checksum matches and its
//! lines have the expected shape (its own sweep, point and replication first, then the header,
//! then one row per metric, each metric once, each value a number or empty). `--resume` runs
//! again every unit of its shard that is missing, empty, cut short or does not match its
//! checksum; `cjmh merge` refuses damaged units and two directories holding different files
//! for one unit. `summary.csv` is assembled from the checked units in (point, replication)
//! order, so it is the same bytes however the units were run, resumed or sharded.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::summary::format_value;
use super::tidy::Format;
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
    /// The sweep file's `show`: metrics to tabulate by point in `table.md`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub show: Vec<String>,
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
            show: s.show.clone(),
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

/// The first line of a unit file: the unit it holds, and of which sweep.
fn unit_title(hash: &str, point: usize, replication: u64) -> String {
    format!("# sweep {hash}, point {point}, replication {replication}\n")
}

/// How a unit file's last line starts: its digest follows.
const CHECKSUM_LINE: &str = "# sha256 ";

/// The SHA-256 of `bytes` in lower-case hex, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bytes of one unit file: its title line, `metric,value` rows under a header, and the
/// checksum line.
pub fn unit_csv(info: &SweepInfo, point: usize, replication: u64, metrics: &Metrics) -> Vec<u8> {
    let title = unit_title(&info.hash, point, replication);
    let mut w = csv::Writer::from_writer(title.into_bytes());
    w.write_record(["metric", "value"])
        .expect("writing to memory");
    for (m, v) in metrics {
        w.write_record([m.as_str(), format_value(*v).as_str()])
            .expect("writing to memory");
    }
    let mut bytes = w.into_inner().expect("writing to memory");
    let checksum = format!("{CHECKSUM_LINE}{}\n", sha256_hex(&bytes));
    bytes.extend_from_slice(checksum.as_bytes());
    bytes
}

/// Writes one unit file whole (temporary name, then rename).
pub fn write_unit(
    info: &SweepInfo,
    dir: &Path,
    point: usize,
    replication: u64,
    metrics: &Metrics,
) -> std::io::Result<()> {
    atomic_write(
        &unit_path(dir, point, replication),
        &unit_csv(info, point, replication, metrics),
    )
}

/// A unit file that was read and checked.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: PathBuf,
    /// The file as read (what `merge` copies).
    pub bytes: Vec<u8>,
    /// Its `(metric, value)` rows.
    pub rows: Vec<(String, String)>,
}

/// Why a unit file does not count.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitProblem {
    /// No file: the unit has not been run.
    Missing,
    Empty,
    /// No checksum line at its end: cut short (or written by a cjmh from before checksums).
    NoChecksum,
    /// Its checksum line does not match the bytes above it.
    ChecksumMismatch,
    /// The file could not be read, or its checksum matches but its lines are not a unit of
    /// this sweep's shape: why.
    Unreadable(String),
}

/// A unit file that does not count, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitError {
    pub path: PathBuf,
    pub point: usize,
    pub replication: u64,
    pub problem: UnitProblem,
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.problem {
            UnitProblem::Missing => write!(f, "{path} is missing"),
            UnitProblem::Empty => write!(f, "{path} is empty"),
            UnitProblem::NoChecksum => write!(
                f,
                "{path} has no checksum line at its end: cut short (or written by a cjmh from before unit checksums)"
            ),
            UnitProblem::ChecksumMismatch => write!(
                f,
                "{path} does not match its checksum: edited or damaged since it was written"
            ),
            UnitProblem::Unreadable(why) => write!(f, "cannot read {path}: {why}"),
        }
    }
}

/// Reads and checks the unit file of `point`, `replication` under `dir`.
pub fn read_unit(
    info: &SweepInfo,
    dir: &Path,
    point: usize,
    replication: u64,
) -> Result<Unit, UnitError> {
    let path = unit_path(dir, point, replication);
    let error = |problem| UnitError {
        path: path.clone(),
        point,
        replication,
        problem,
    };
    let bytes = match super::write::read_own_file(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(error(UnitProblem::Missing));
        }
        Err(e) => return Err(error(UnitProblem::Unreadable(e.to_string()))),
    };
    match parse_unit(info, point, replication, &bytes) {
        Ok(rows) => Ok(Unit { path, bytes, rows }),
        Err(problem) => Err(error(problem)),
    }
}

/// The rows of a unit file's bytes, once its checksum and shape are checked.
fn parse_unit(
    info: &SweepInfo,
    point: usize,
    replication: u64,
    bytes: &[u8],
) -> Result<Vec<(String, String)>, UnitProblem> {
    let Some(text) = bytes.strip_suffix(b"\n") else {
        return Err(if bytes.is_empty() {
            UnitProblem::Empty
        } else {
            // Cut mid-line: whatever the last line was, it is not a whole checksum line.
            UnitProblem::NoChecksum
        });
    };
    let body_end = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (body, last) = bytes.split_at(body_end);
    let Some(digest) = last
        .strip_prefix(CHECKSUM_LINE.as_bytes())
        .and_then(|d| d.strip_suffix(b"\n"))
    else {
        return Err(UnitProblem::NoChecksum);
    };
    if digest != sha256_hex(body).as_bytes() {
        return Err(UnitProblem::ChecksumMismatch);
    }
    // The checksum matches: what follows catches a unit filed under another name, copied from
    // another sweep, or edited with its checksum made again.
    let bad = |why: String| Err(UnitProblem::Unreadable(why));
    let title = unit_title(&info.hash, point, replication);
    let Some(table) = body.strip_prefix(title.as_bytes()) else {
        let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
        return bad(format!(
            "line 1 is {:?}, not {:?}: the unit of another point, replication or sweep",
            String::from_utf8_lossy(first),
            title.trim_end()
        ));
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(table);
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the title, line 2 the header.
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as usize + 1);
                return bad(match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => {
                        format!("line {line} has {len} fields, not 2 (metric, value)")
                    }
                    csv::ErrorKind::Utf8 { .. } => format!("line {line} is not UTF-8 text"),
                    _ => format!("line {line}: {e}"),
                });
            }
        };
        let (metric, value) = (&record[0], &record[1]);
        if i == 0 {
            if (metric, value) != ("metric", "value") {
                return bad(format!(
                    "line 2 is `{metric},{value}`, not the header `metric,value`"
                ));
            }
            continue;
        }
        if metric.is_empty() {
            return bad(format!("line {line} has no metric name"));
        }
        if !value.is_empty() && value.parse::<f64>().is_err() {
            return bad(format!(
                "line {line}: `{metric}` has the value `{value}`, not a number"
            ));
        }
        if !seen.insert(metric.to_string()) {
            return bad(format!("line {line}: `{metric}` appears twice"));
        }
        rows.push((metric.to_string(), value.to_string()));
    }
    if rows.is_empty() {
        return bad("no metrics".into());
    }
    Ok(rows)
}

/// The unit files of a sweep found under one or more directories, checked.
#[derive(Debug, Default)]
pub struct Survey {
    /// Each unit's checked file, in the order of [`SweepInfo::units`]; `None` where no
    /// directory has one that counts.
    pub units: Vec<Option<Unit>>,
    /// Unit files that are there but do not count, in unit order.
    pub damaged: Vec<UnitError>,
    /// Units that two directories hold different (each checked) files for.
    pub conflicts: Vec<Conflict>,
}

/// Two checked files with different contents for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub point: usize,
    pub replication: u64,
    pub first: PathBuf,
    pub second: PathBuf,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} and {} hold different results for point {}, replication {}: a unit's results do not depend on which shard ran it, so one was edited (its checksum made again) or run by another build; remove the wrong one",
            self.first.display(),
            self.second.display(),
            self.point,
            self.replication
        )
    }
}

impl Survey {
    /// Units with no file anywhere (damaged ones are not counted here).
    pub fn missing(&self, info: &SweepInfo) -> Vec<(usize, u64)> {
        info.units()
            .into_iter()
            .zip(&self.units)
            .filter(|((p, r), u)| {
                u.is_none()
                    && !self
                        .damaged
                        .iter()
                        .any(|d| d.point == *p && d.replication == *r)
            })
            .map(|(u, _)| u)
            .collect()
    }

    /// Whether every unit has a file that counts, and nothing is damaged or in conflict.
    pub fn complete(&self) -> bool {
        self.damaged.is_empty()
            && self.conflicts.is_empty()
            && self.units.iter().all(Option::is_some)
    }

    /// The checked units, in order, when [`Survey::complete`].
    pub fn into_units(self) -> Option<Vec<Unit>> {
        if !(self.damaged.is_empty() && self.conflicts.is_empty()) {
            return None;
        }
        self.units.into_iter().collect()
    }
}

/// Reads and checks every unit file of `info` under each of `dirs`. Also checks that the
/// replications of one point report the same metrics in the same order, as every build of
/// the model does.
pub fn survey(info: &SweepInfo, dirs: &[&Path]) -> Survey {
    let mut s = Survey::default();
    // The first replication found of the current point, to compare metric names with.
    let mut first_of_point: Option<(usize, usize)> = None;
    for (p, r) in info.units() {
        let mut found: Option<Unit> = None;
        for d in dirs {
            match read_unit(info, d, p, r) {
                Ok(u) => match &found {
                    None => found = Some(u),
                    Some(f) if f.bytes != u.bytes => s.conflicts.push(Conflict {
                        point: p,
                        replication: r,
                        first: f.path.clone(),
                        second: u.path,
                    }),
                    Some(_) => {}
                },
                Err(e) if e.problem == UnitProblem::Missing => {}
                Err(e) => s.damaged.push(e),
            }
        }
        if let Some(u) = &found {
            match first_of_point {
                Some((point, i)) if point == p => {
                    if let Some(first) = &s.units[i]
                        && let Some(why) = other_metrics(first, u)
                    {
                        s.damaged.push(UnitError {
                            path: u.path.clone(),
                            point: p,
                            replication: r,
                            problem: UnitProblem::Unreadable(why),
                        });
                        found = None;
                    }
                }
                _ => first_of_point = Some((p, s.units.len())),
            }
        }
        s.units.push(found);
    }
    s
}

/// How `u`'s metrics differ from `first`'s (another replication of its point), if they do.
fn other_metrics(first: &Unit, u: &Unit) -> Option<String> {
    let names = |u: &Unit| u.rows.iter().map(|(m, _)| m.clone()).collect::<Vec<_>>();
    let (a, b) = (names(first), names(u));
    if a == b {
        return None;
    }
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let at = |v: &[String]| v.get(i).map_or("no row".to_string(), |m| format!("`{m}`"));
    Some(format!(
        "its metrics differ from those of {}, another replication of its point (line {}: {} there, {} here): run by another build of cjmh, or edited",
        first.path.display(),
        i + 3,
        at(&a),
        at(&b)
    ))
}

/// Writes the summary and points tables (`summary.csv` and `points.csv`, or `.parquet` in
/// that format) into `out` from `units`, the checked unit files of every unit of `info` in
/// order (see [`Survey::into_units`]), and `table.md` when the sweep file has `show`; returns
/// that table.
pub fn assemble(
    info: &SweepInfo,
    units: &[Unit],
    out: &Path,
    format: Format,
) -> std::io::Result<Option<String>> {
    if units.len() != info.units().len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} of {} units", units.len(), info.units().len()),
        ));
    }
    let header: Vec<String> = ["point".to_string()]
        .into_iter()
        .chain(info.parameters.iter().cloned())
        .chain(["replication", "metric", "value"].map(String::from))
        .collect();
    let mut summary = csv::Writer::from_writer(Vec::new());
    summary.write_record(&header)?;
    for ((p, r), unit) in info.units().into_iter().zip(units) {
        let prefix: Vec<String> = std::iter::once(p.to_string())
            .chain(info.points[p].iter().map(|v| format_value(*v)))
            .collect();
        let rep = r.to_string();
        for (metric, value) in &unit.rows {
            let mut record = prefix.clone();
            record.push(rep.clone());
            record.push(metric.clone());
            record.push(value.clone());
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
    atomic_write(&out.join(format.file("points")), &format.encode(points)?)?;
    atomic_write(&out.join(format.file("summary")), &format.encode(bytes)?)?;
    let shown = table(info, units);
    if let Some(t) = &shown {
        atomic_write(&out.join(TABLE), t.as_bytes())?;
    }
    Ok(shown)
}

/// The file [`table`] is written to.
pub const TABLE: &str = "table.md";

/// The metrics the sweep file's `show` names, by point, as Markdown: one row per point with the
/// varied parameters' values, then each metric's mean over the point's replications (over
/// fewer, and saying so, where it is undefined in some; `-` where in all). `None` when `show`
/// names none.
pub fn table(info: &SweepInfo, units: &[Unit]) -> Option<String> {
    if info.show.is_empty() {
        return None;
    }
    let reps = info.replications as usize;
    let mut out = format!(
        "Sweep `{}`: each value is the mean of the point's {reps} replications (replication r \
         meets the same random numbers at every point, so differences between points are \
         paired). The columns are `summary.csv`'s metrics.\n\n",
        info.name
    );
    let header: Vec<&str> = std::iter::once("point")
        .chain(info.parameters.iter().map(String::as_str))
        .chain(info.show.iter().map(String::as_str))
        .collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}\n", "---:|".repeat(header.len())));
    for (p, values) in info.points.iter().enumerate() {
        let mut row: Vec<String> = std::iter::once(p.to_string())
            .chain(values.iter().map(|v| format_value(*v)))
            .collect();
        let point_units = &units[p * reps..(p + 1) * reps];
        for metric in &info.show {
            let xs: Vec<f64> = point_units
                .iter()
                .filter_map(|u| u.rows.iter().find(|(m, _)| m == metric))
                .filter_map(|(_, v)| v.parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .collect();
            let mean = readable(xs.iter().sum::<f64>() / xs.len().max(1) as f64);
            row.push(match xs.len() {
                0 => "-".into(),
                n if n == reps => mean,
                // Undefined in some replications (a mean of nothing): say over how many.
                n => format!("{mean} ({n} of {reps})"),
            });
        }
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    Some(out)
}

/// A mean as a reader scans it: whole numbers with thousands separators from 100 up, two
/// decimals from 1, three significant figures below.
fn readable(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        crate::economics::investment::thousands(x)
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a == 0.0 {
        "0".into()
    } else {
        format!("{:.*}", (2 - a.log10().floor() as i32).max(0) as usize, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> SweepInfo {
        SweepInfo {
            name: "t".into(),
            hash: "0123456789abcdef".into(),
            design: "grid".into(),
            seed: 1,
            replications: 2,
            parameters: vec!["x".into()],
            points: vec![vec![1.0], vec![2.0]],
            show: vec![],
        }
    }

    /// Regression: `merge` reads the points from `sweep.json`, and a PSA draw came back one bit
    /// off (370.24207284971357 as 370.2420728497136), so a merged summary differed from the
    /// unsharded run's in 10% of the rows of one column.
    #[test]
    fn regression_points_read_back_from_sweep_json_are_the_points_written() {
        let mut i = info();
        i.points = vec![
            vec![370.242_072_849_713_57],
            vec![0.1 + 0.2],
            vec![1e-300 * 3.3],
            vec![f64::MAX],
        ];
        let mut x = 0.123_456_789_f64;
        for _ in 0..10_000 {
            x = (x * 7_919.0 + 0.271_828).fract() * 1_000.0;
            i.points.push(vec![x]);
        }
        let back: SweepInfo = serde_json::from_slice(&i.to_json()).unwrap();
        for (a, b) in i.points.iter().zip(&back.points) {
            assert_eq!(
                a[0].to_bits(),
                b[0].to_bits(),
                "{} came back as {}",
                a[0],
                b[0]
            );
        }
    }

    #[test]
    fn table_means_read_as_numbers_a_reader_scans() {
        let cases = [
            (1_234_567.4, "1,234,567"),
            (-2_500.0, "-2,500"),
            (100.0, "100"),
            (63.726, "63.73"),
            (1.0, "1.00"),
            (0.946, "0.946"),
            (0.0553, "0.0553"),
            (0.0, "0"),
        ];
        for (x, shown) in cases {
            assert_eq!(readable(x), shown, "{x}");
        }
    }

    #[test]
    fn the_checksum_is_sha256_as_sha256sum_prints_it() {
        // FIPS 180-2's test vector for "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_unit_file_reads_back_as_written_and_any_change_is_caught() {
        let metrics: Metrics = vec![
            ("a, quoted \"name\"".into(), 1.5),
            ("nan".into(), f64::NAN),
            ("c".into(), -3.0),
        ];
        let bytes = unit_csv(&info(), 1, 0, &metrics);
        let rows = parse_unit(&info(), 1, 0, &bytes).unwrap();
        let expected: Vec<(String, String)> = metrics
            .iter()
            .map(|(m, v)| (m.clone(), format_value(*v)))
            .collect();
        assert_eq!(rows, expected);
        // Another unit's name, or another sweep's, with the checksum intact.
        assert!(matches!(
            parse_unit(&info(), 0, 0, &bytes),
            Err(UnitProblem::Unreadable(m)) if m.starts_with("line 1 is")
        ));
        // Every cut short of the whole file is caught, as is any one byte changed.
        for end in 0..bytes.len() {
            assert!(
                parse_unit(&info(), 1, 0, &bytes[..end]).is_err(),
                "cut at {end}"
            );
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(parse_unit(&info(), 1, 0, &b).is_err(), "byte {i} changed");
        }
    }
}
