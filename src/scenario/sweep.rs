//! Sweep files: a base scenario, the parameters to vary by key path, and a design that turns
//! them into points.
//!
//! ```toml
//! name = "beds-by-limit"                     # default: the file name
//! base = "../scenarios/transfer-14-day.toml" # relative to this file
//! design = "grid"                            # grid | zip | latin-hypercube
//! replications = 4
//! seed = 20261122                            # default: the base scenario's, else 1
//!
//! [parameters]                               # key paths into the base scenario
//! "transfer.beds.medium" = [1650, 1800, 1950]
//! "transfer_limit.days" = [14, 28]
//! ```
//!
//! - `grid`: every combination, the last parameter varying fastest.
//! - `zip`: the i-th values side by side (every list the same length).
//! - `psa`: probabilistic sensitivity analysis, `points = n` draws and no `[parameters]`: each
//!   draw takes every parameter of the base scenario that has a `low` or `high` from the
//!   triangular distribution with that range and its `value` as the mode (a missing bound is the
//!   value; whole-number parameters are rounded).
//! - `one-way`: tornado data, no `[parameters]` and no `points`: the base point, then each
//!   uncertain parameter at its `low` and at its `high` with every other at its value.
//! - `latin-hypercube`: `points = n` points; each parameter is `{ low = a, high = b }` (add
//!   `integer = true` for whole numbers such as beds). Each parameter's range is cut into n
//!   equal strata, each stratum used once, at a uniform place within it; strata are matched
//!   across parameters by a random permutation. Seeded by `seed`: the same file gives the same
//!   points.
//!
//! Setting a parameter replaces its `value`; its `low`/`high` range no longer applies. Every
//! point is validated as a scenario before anything runs, and a problem is reported at the
//! sweep file's line for that parameter.

use std::path::{Path, PathBuf};

use super::error::{KeyPath, Problem, ScenarioError, listed};
use super::file;
use super::hash::{fnv1a64, name_key};
use super::load::load_with;
use super::resolved::Scenario;
use crate::engine::{Purpose, Streams};
use crate::limits::{MAX_REPLICATIONS, MAX_SWEEP_PARAMETERS, MAX_SWEEP_POINTS, MAX_SWEEP_UNITS};
use rand::RngExt;

/// How the points are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    Grid,
    Zip,
    LatinHypercube,
    /// Probabilistic sensitivity analysis: each point draws every uncertain parameter of the
    /// base scenario (every parameter with a `low` or `high`) from its range.
    Psa,
    /// One-way sensitivity (tornado data): the base point, then each uncertain parameter at its
    /// low and at its high value with every other at its value.
    OneWay,
}

impl Design {
    pub fn name(self) -> &'static str {
        match self {
            Design::Grid => "grid",
            Design::Zip => "zip",
            Design::LatinHypercube => "latin-hypercube",
            Design::Psa => "psa",
            Design::OneWay => "one-way",
        }
    }
}

/// A validated sweep: its points, and the scenario each point runs.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Name used in outputs.
    pub name: String,
    /// The sweep file.
    pub file: PathBuf,
    /// The base scenario file.
    pub base: PathBuf,
    pub design: Design,
    pub replications: u64,
    pub seed: u64,
    /// The varied parameters' key paths, in file order.
    pub parameters: Vec<String>,
    /// Each point's values, in the order of `parameters`.
    pub points: Vec<Vec<f64>>,
    /// Each point's scenario.
    pub scenarios: Vec<Scenario>,
    /// FNV-1a hash over the design and every point's resolved scenario: shards of the same
    /// sweep share it, and `cjmh merge` refuses shards that do not.
    pub hash: String,
    /// Metrics to tabulate by point (`show`): `table.md`, and printed at the end of the run.
    /// How the results are shown, not what runs, so not in the hash.
    pub show: Vec<String>,
    /// Where `show` is written, for [`Sweep::check_shown`]'s messages.
    pub show_at: Option<Problem>,
}

/// Purpose kinds of the sweep designs' draws, from the registry.
use crate::engine::purpose::sweep::{LATIN_HYPERCUBE as LHS_PURPOSE, PSA as PSA_PURPOSE};

struct Reader<'a> {
    doc: &'a file::Document,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn push(&mut self, key: KeyPath, message: impl Into<String>) {
        self.doc.report(&mut self.problems, key, message);
    }
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) if f.is_finite() => Some(*f),
        _ => None,
    }
}

/// One parameter as written: a list of values, or a range.
enum Spec {
    Values(Vec<f64>),
    Range { low: f64, high: f64, integer: bool },
}

/// Reads and validates a sweep file and every point it makes.
pub fn load(path: &Path) -> Result<Sweep, ScenarioError> {
    let doc = file::Document::load(path).map_err(|problems| ScenarioError { problems })?;
    let value = doc.to_value();
    let mut r = Reader {
        doc: &doc,
        problems: Vec::new(),
    };
    let root = KeyPath::root();
    let table = value.as_table().cloned().unwrap_or_default();
    for key in table.keys() {
        if !matches!(
            key.as_str(),
            "name" | "base" | "design" | "replications" | "seed" | "points" | "parameters" | "show"
        ) {
            r.push(
                root.key(key),
                format!("unknown key `{key}` (known: name, base, design, replications, seed, points, parameters, show)"),
            );
        }
    }
    let name = match table.get("name") {
        Some(toml::Value::String(s)) => s.clone(),
        Some(_) => {
            r.push(root.key("name"), "`name` must be a string");
            String::new()
        }
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into()),
    };
    let base = match table.get("base") {
        Some(toml::Value::String(s)) => Some(path.parent().unwrap_or(Path::new(".")).join(s)),
        Some(_) => {
            r.push(
                root.key("base"),
                "`base` must be a scenario file name in quotes, relative to this file",
            );
            None
        }
        None => {
            r.push(
                root.key("base"),
                "a sweep needs `base`: the scenario file it varies",
            );
            None
        }
    };
    let design = match table.get("design").and_then(|v| v.as_str()) {
        Some("grid") => Some(Design::Grid),
        Some("zip") => Some(Design::Zip),
        Some("latin-hypercube") => Some(Design::LatinHypercube),
        Some("psa") => Some(Design::Psa),
        Some("one-way") => Some(Design::OneWay),
        Some(other) => {
            r.push(
                root.key("design"),
                format!(
                    "unknown design `{other}` (known: grid, zip, latin-hypercube, psa, one-way)"
                ),
            );
            None
        }
        None => {
            r.push(
                root.key("design"),
                "a sweep needs `design`: grid, zip or latin-hypercube",
            );
            None
        }
    };
    let whole = |r: &mut Reader, key: &str, min: i64, max: Option<u64>| -> Option<u64> {
        match table.get(key) {
            None => None,
            Some(toml::Value::Integer(i)) if *i >= min && max.is_none_or(|m| *i as u64 <= m) => {
                Some(*i as u64)
            }
            Some(v) => {
                let range = match max {
                    Some(m) => format!("from {min} to {m}"),
                    None => format!("of at least {min}"),
                };
                r.push(
                    root.key(key),
                    format!("`{key}` must be a whole number {range}, got {v}"),
                );
                None
            }
        }
    };
    let replications = whole(&mut r, "replications", 1, Some(MAX_REPLICATIONS)).unwrap_or(10);
    let seed = whole(&mut r, "seed", 0, None);
    let n_points = whole(&mut r, "points", 1, Some(MAX_SWEEP_POINTS));
    // A `points` that was written but refused has been reported; designs that need it say so
    // only when it is missing.
    let points_written = table.contains_key("points");

    let show: Vec<String> = match table.get("show") {
        None => Vec::new(),
        Some(toml::Value::Array(a))
            if !a.is_empty() && a.len() <= MAX_SHOWN && a.iter().all(|v| v.is_str()) =>
        {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        }
        Some(_) => {
            r.push(
                root.key("show"),
                format!(
                    "`show` must be a list of 1 to {MAX_SHOWN} metric names in quotes, such as [\"prison_population_mean\"]"
                ),
            );
            Vec::new()
        }
    };

    let mut parameters = Vec::new();
    let mut specs = Vec::new();
    let pk = root.key("parameters");
    match table.get("parameters") {
        Some(_) if matches!(design, Some(Design::Psa | Design::OneWay)) => r.push(
            pk.clone(),
            "a psa or one-way design varies every uncertain parameter of the base scenario: leave out [parameters]",
        ),
        None if matches!(design, Some(Design::Psa | Design::OneWay)) => {}
        Some(toml::Value::Table(t)) if !t.is_empty() => {
            // In the order the file writes them (the plain TOML table is sorted).
            let order: Vec<String> = match &doc.root.kind {
                file::Kind::Table(entries) => entries
                    .iter()
                    .find(|(k, _)| k == "parameters")
                    .and_then(|(_, n)| match &n.kind {
                        file::Kind::Table(e) => Some(e.iter().map(|(k, _)| k.clone()).collect()),
                        _ => None,
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            for key in &order {
                let Some(v) = t.get(key) else { continue };
                let k = pk.key(key);
                if let Some(message) = run_setting(key, replications, seed) {
                    r.push(k, message);
                    continue;
                }
                let spec = match v {
                    toml::Value::Array(items) => {
                        let values: Vec<Option<f64>> = items.iter().map(number).collect();
                        if values.is_empty() {
                            r.push(k, "an empty list of values: give at least one");
                            continue;
                        }
                        if let Some(i) = values.iter().position(Option::is_none) {
                            r.push(
                                k.index(i),
                                format!("values must be numbers, got {}", items[i]),
                            );
                            continue;
                        }
                        Spec::Values(values.into_iter().flatten().collect())
                    }
                    toml::Value::Table(range) => {
                        let low = range.get("low").and_then(number);
                        let high = range.get("high").and_then(number);
                        let integer = range
                            .get("integer")
                            .and_then(|v| v.as_bool())
                            .unwrap_or(false);
                        for extra in range
                            .keys()
                            .filter(|k| !matches!(k.as_str(), "low" | "high" | "integer"))
                        {
                            r.push(
                                k.key(extra),
                                format!("unknown key `{extra}` (known: low, high, integer)"),
                            );
                        }
                        match (low, high) {
                            (Some(low), Some(high)) if low < high => {
                                Spec::Range { low, high, integer }
                            }
                            (Some(_), Some(_)) => {
                                r.push(k.key("high"), "`high` must be above `low`");
                                continue;
                            }
                            _ => {
                                r.push(k, "a range needs numbers `low` and `high`");
                                continue;
                            }
                        }
                    }
                    other => {
                        r.push(
                            k,
                            format!(
                                "a parameter is a list of values or {{ low, high }}, got {other}"
                            ),
                        );
                        continue;
                    }
                };
                parameters.push(key.clone());
                specs.push(spec);
            }
        }
        Some(toml::Value::Table(_)) | None => {
            r.push(
                pk.clone(),
                "an empty design: name at least one parameter under [parameters]",
            );
        }
        Some(_) => r.push(pk.clone(), "[parameters] must be a table of key paths"),
    }
    if parameters.len() > MAX_SWEEP_PARAMETERS {
        r.push(
            pk.clone(),
            format!(
                "{} parameters, more than the {MAX_SWEEP_PARAMETERS} a sweep may vary",
                parameters.len()
            ),
        );
        return Err(finish(r));
    }

    // The design's points.
    let mut points: Vec<Vec<f64>> = Vec::new();
    match design {
        Some(Design::Grid) | Some(Design::Zip) => {
            let lists: Vec<&Vec<f64>> = specs
                .iter()
                .zip(&parameters)
                .filter_map(|(s, key)| match s {
                    Spec::Values(v) => Some(v),
                    Spec::Range { .. } => {
                        r.push(
                            pk.key(key),
                            "a grid or zip takes a list of values; ranges are for latin-hypercube",
                        );
                        None
                    }
                })
                .collect();
            if n_points.is_some() {
                r.push(root.key("points"), "`points` is for latin-hypercube; a grid or zip has as many points as its values give");
            }
            // A grid's points are the product of its lists' lengths: counted, with checked
            // multiplication, before any is made (8 billion points once filled 4 GB).
            let size = if design == Some(Design::Grid) {
                lists
                    .iter()
                    .try_fold(1u64, |n, l| n.checked_mul(l.len() as u64))
            } else {
                lists.first().map(|l| l.len() as u64)
            };
            if lists.len() == specs.len()
                && !lists.is_empty()
                && size.is_none_or(|n| n > MAX_SWEEP_POINTS)
            {
                let lengths: Vec<String> = lists.iter().map(|l| l.len().to_string()).collect();
                let product = match size {
                    Some(n) => n.to_string(),
                    None => "more than 2^64".to_string(),
                };
                r.push(
                    pk.clone(),
                    format!(
                        "the {} has {product} points ({}), more than the {MAX_SWEEP_POINTS} a sweep may have",
                        design.map_or("design", Design::name),
                        lengths.join(if design == Some(Design::Grid) { " x " } else { ", " })
                    ),
                );
            } else if lists.len() == specs.len() && !lists.is_empty() {
                if design == Some(Design::Grid) {
                    points.push(Vec::new());
                    for list in &lists {
                        points = points
                            .iter()
                            .flat_map(|p| {
                                list.iter().map(move |v| {
                                    let mut q = p.clone();
                                    q.push(*v);
                                    q
                                })
                            })
                            .collect();
                    }
                } else {
                    let n = lists[0].len();
                    if let Some(i) = lists.iter().position(|l| l.len() != n) {
                        r.push(
                            pk.key(&parameters[i]),
                            format!(
                                "a zip needs lists of one length: this has {}, the first has {n}",
                                lists[i].len()
                            ),
                        );
                    } else {
                        points = (0..n)
                            .map(|i| lists.iter().map(|l| l[i]).collect())
                            .collect();
                    }
                }
            }
        }
        Some(Design::LatinHypercube) => {
            let Some(n) = n_points else {
                if !points_written {
                    r.push(
                        root.key("points"),
                        "a latin-hypercube needs `points`: how many",
                    );
                }
                return Err(finish(r));
            };
            let ranges: Vec<(f64, f64, bool)> = specs
                .iter()
                .zip(&parameters)
                .filter_map(|(s, key)| match s {
                    Spec::Range { low, high, integer } => Some((*low, *high, *integer)),
                    Spec::Values(_) => {
                        r.push(
                            pk.key(key),
                            "a latin-hypercube takes ranges { low = ..., high = ... }",
                        );
                        None
                    }
                })
                .collect();
            if ranges.len() == specs.len() {
                points = latin_hypercube(&ranges, n as usize, seed.unwrap_or(1));
            }
        }
        Some(Design::Psa) if n_points.is_none() => {
            if !points_written {
                r.push(root.key("points"), "a psa needs `points`: how many draws");
            }
        }
        Some(Design::OneWay) if points_written => {
            r.push(
                root.key("points"),
                "a one-way design has as many points as the ranges give: leave out `points`",
            );
        }
        Some(Design::Psa | Design::OneWay) | None => {}
    }
    if !r.problems.is_empty() {
        return Err(finish(r));
    }
    let base = base.expect("checked above");
    let base_doc = file::Document::load(&base).map_err(|problems| ScenarioError { problems })?;
    if matches!(design, Some(Design::Psa | Design::OneWay)) {
        let uncertain = uncertain_parameters(&base_doc);
        // Each is probed with a load of the base scenario (below): bounded, so that a base
        // of a hundred thousand ranges is refused rather than loaded as many times.
        if uncertain.len() > MAX_SWEEP_PARAMETERS {
            r.push(
                root.key("design"),
                format!(
                    "the base scenario has {} parameters with a range, more than the {MAX_SWEEP_PARAMETERS} a {} design may vary",
                    uncertain.len(),
                    design.map_or("", Design::name)
                ),
            );
            return Err(finish(r));
        }
        let mut ranges = Vec::new();
        for u in &uncertain {
            // A parameter the scenario validates as a whole number (beds, therapists) is drawn
            // as one: found by offering a fraction and reading the answer.
            let whole = match load_with(&base, &[(u.key.clone(), u.value + 0.5)]) {
                Err(e) => e
                    .problems
                    .iter()
                    .any(|p| p.key == u.key && p.message.contains("whole number")),
                Ok(_) => false,
            };
            ranges.push((u.low, u.value, u.high, whole));
            parameters.push(u.key.to_string());
        }
        points = if design == Some(Design::Psa) {
            psa_draws(
                &parameters,
                &ranges,
                n_points.unwrap_or(1) as usize,
                seed.unwrap_or(1),
            )
        } else {
            one_way(&ranges)
        };
    }

    // Every point is a run of every replication: a unit of work and a file.
    let units = (points.len() as u64).saturating_mul(replications);
    if units > MAX_SWEEP_UNITS {
        r.push(
            root.key("replications"),
            format!(
                "{} points x {replications} replications make {units} units, more than the {MAX_SWEEP_UNITS} a sweep may have",
                points.len()
            ),
        );
        return Err(finish(r));
    }
    // Every key must name a number the base scenario writes: checked once, not per point.
    let keys: Vec<KeyPath> = parameters.iter().map(|p| KeyPath::parse(p)).collect();
    for (key, name) in keys.iter().zip(&parameters) {
        if let Err(message) = base_doc.clone().set_number(key, 0.0) {
            r.push(pk.key(name), message);
        }
    }
    if !r.problems.is_empty() {
        return Err(finish(r));
    }
    // Every point must be a valid scenario; report its problems at the sweep's parameter line.
    let mut scenarios = Vec::new();
    for (i, point) in points.iter().enumerate() {
        let overrides: Vec<(KeyPath, f64)> =
            keys.iter().cloned().zip(point.iter().copied()).collect();
        match load_with(&base, &overrides) {
            Ok(mut s) => {
                s.name = format!("{name}.p{i}");
                scenarios.push(s);
            }
            Err(e) => {
                for p in e.problems {
                    // A problem at a varied key belongs to the sweep file; any other is the base
                    // scenario's own and keeps its location.
                    let at = keys
                        .iter()
                        .position(|k| p.key == *k || p.key.0.starts_with(&k.0));
                    match at {
                        Some(j) => {
                            // All the point's values while they are few; else the one at fault.
                            let values: Vec<String> = parameters
                                .iter()
                                .zip(point)
                                .enumerate()
                                .filter(|(i, _)| parameters.len() <= 4 || *i == j)
                                .map(|(_, (k, v))| format!("{k} = {v}"))
                                .collect();
                            r.push(
                                pk.key(&parameters[j]),
                                format!("point {i} ({}): {}", values.join(", "), p.message),
                            );
                        }
                        None => r.problems.push(p),
                    }
                }
                if r.problems.len() > 20 {
                    break;
                }
            }
        }
    }
    if !r.problems.is_empty() {
        return Err(finish(r));
    }
    let seed = seed.or(scenarios.first().and_then(|s| s.seed)).unwrap_or(1);
    let mut canonical = format!(
        "{}|{}|{replications}|{seed}|{parameters:?}",
        name,
        design.expect("checked").name()
    );
    for (p, s) in points.iter().zip(&scenarios) {
        canonical.push_str(&format!("|{p:?}:{}", s.hash));
    }
    Ok(Sweep {
        name,
        file: path.to_path_buf(),
        base,
        design: design.expect("checked"),
        replications,
        seed,
        parameters,
        points,
        scenarios,
        hash: format!("{:016x}", fnv1a64(canonical.as_bytes())),
        show_at: (!show.is_empty()).then(|| doc.problem(root.key("show"), "")),
        show,
    })
}

impl Sweep {
    /// Refuses, at the line of `show`, every name in it that is not among `written`, the
    /// metrics a point writes (the caller runs one to find them: this module runs nothing).
    pub fn check_shown(&self, written: &[String]) -> Result<(), ScenarioError> {
        let Some(at) = &self.show_at else {
            return Ok(());
        };
        let problems: Vec<Problem> = self
            .show
            .iter()
            .filter(|name| !written.contains(name))
            .map(|name| Problem {
                message: format!(
                    "no metric `{name}` in this sweep's results (summary.csv's `metric` column lists them; docs/metrics.md defines the pathway's)"
                ),
                ..at.clone()
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError { problems })
        }
    }
}

/// Most metrics `show` may name: a table wider than this is no longer one a reader scans.
const MAX_SHOWN: usize = 20;

/// Why `key` cannot be a sweep parameter, if it names one of the run settings the sweep sets
/// itself: every point runs the sweep's `replications` from the sweep's `seed`, whatever its
/// scenario says, so varying them would label identical results as different points.
fn run_setting(key: &str, replications: u64, seed: Option<u64>) -> Option<String> {
    let setting = match KeyPath::parse(key).to_string().as_str() {
        "simulation.seed" => "seed",
        "simulation.replications" => "replications",
        _ => return None,
    };
    let seed = seed.map_or("the base scenario's".to_string(), |s| s.to_string());
    let instead = if setting == "seed" {
        "to see other draws, add replications, or run the sweep again with another `seed`"
    } else {
        "set `replications` at the top of the sweep file instead"
    };
    Some(format!(
        "a sweep's replications and seed are set in the sweep file itself (replications = {replications}, seed = {seed}), and every point runs those: varying `simulation.{setting}` would give every point the same results under different labels; {instead}"
    ))
}

/// A parameter with a range in a scenario: where, and its low, value and high (a missing bound
/// is the value).
#[derive(Debug, Clone)]
pub struct Uncertain {
    pub key: KeyPath,
    pub low: f64,
    pub value: f64,
    pub high: f64,
}

/// Every parameter table of `doc` with a `value` and a `low` or `high` (not distributions, not
/// `[simulation]`), in file order.
pub fn uncertain_parameters(doc: &file::Document) -> Vec<Uncertain> {
    fn num(n: &file::Node) -> Option<f64> {
        match &n.kind {
            file::Kind::Scalar(v) => number(v),
            _ => None,
        }
    }
    fn walk(node: &file::Node, key: &KeyPath, out: &mut Vec<Uncertain>) {
        let file::Kind::Table(entries) = &node.kind else {
            return;
        };
        let get = |k: &str| {
            entries
                .iter()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| num(v))
        };
        let has = |k: &str| entries.iter().any(|(n, _)| n == k);
        if has("dist") {
            return;
        }
        if let Some(value) = get("value") {
            let (low, high) = (get("low"), get("high"));
            if low.is_some() || high.is_some() {
                out.push(Uncertain {
                    key: key.clone(),
                    low: low.unwrap_or(value),
                    value,
                    high: high.unwrap_or(value),
                });
            }
            return;
        }
        for (k, child) in entries {
            if key.0.is_empty() && k == "simulation" {
                continue;
            }
            walk(child, &key.key(k), out);
        }
    }
    let mut out = Vec::new();
    walk(&doc.root, &KeyPath::root(), &mut out);
    out
}

/// The `u` quantile of the triangular distribution on `[low, high]` with mode `mode`.
pub fn triangular(low: f64, mode: f64, high: f64, u: f64) -> f64 {
    if high <= low {
        return low;
    }
    let f = (mode - low) / (high - low);
    if u < f {
        low + (u * (high - low) * (mode - low)).sqrt()
    } else {
        high - ((1.0 - u) * (high - low) * (high - mode)).sqrt()
    }
}

/// `n` PSA draws: parameter j of draw i is triangular(low, value, high), from a stream keyed by
/// the draw and the parameter's name, so that two sweeps with the same seed draw the same
/// values for the parameters they share (pairing a policy's PSA with the baseline's). Whole-
/// number parameters are rounded.
pub fn psa_draws(
    names: &[String],
    ranges: &[(f64, f64, f64, bool)],
    n: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    let streams = Streams::new(seed, 0);
    (0..n)
        .map(|i| {
            names
                .iter()
                .zip(ranges)
                .map(|(name, &(low, mode, high, whole))| {
                    let mut rng =
                        streams.stream(i as u64, Purpose::new(PSA_PURPOSE, name_key(name)));
                    let x = triangular(low, mode, high, rng.random());
                    if whole { x.round() } else { x }
                })
                .collect()
        })
        .collect()
}

/// One-way points over `(low, value, high, _)` ranges: every value, then for each parameter in
/// turn its low and its high (a bound equal to the value is left out) with the others at their
/// values.
pub fn one_way(ranges: &[(f64, f64, f64, bool)]) -> Vec<Vec<f64>> {
    let base: Vec<f64> = ranges.iter().map(|r| r.1).collect();
    let mut points = vec![base.clone()];
    for (j, &(low, value, high, _)) in ranges.iter().enumerate() {
        for bound in [low, high] {
            if bound != value {
                let mut p = base.clone();
                p[j] = bound;
                points.push(p);
            }
        }
    }
    points
}

fn finish(r: Reader) -> ScenarioError {
    ScenarioError {
        problems: listed(r.problems),
    }
}

/// `n` points over `ranges` (low, high, whole numbers?): each range cut into `n` equal strata,
/// each used once at a uniform place within it, matched across parameters by a random
/// permutation (Fisher-Yates). Deterministic in `seed`.
pub fn latin_hypercube(ranges: &[(f64, f64, bool)], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let streams = Streams::new(seed, 0);
    let mut columns = Vec::new();
    for (j, &(low, high, integer)) in ranges.iter().enumerate() {
        let mut rng = streams.system(Purpose::new(LHS_PURPOSE, j as u32));
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let k = rng.random_range(0..=i);
            strata.swap(i, k);
        }
        let column: Vec<f64> = strata
            .iter()
            .map(|&s| {
                let u: f64 = rng.random();
                let x = low + (s as f64 + u) / n as f64 * (high - low);
                if integer {
                    x.floor().clamp(low.ceil(), high.floor())
                } else {
                    x
                }
            })
            .collect();
        columns.push(column);
    }
    (0..n)
        .map(|i| columns.iter().map(|c| c[i]).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_uses_each_stratum_once_and_is_reproducible() {
        let ranges = [(0.0, 1.0, false), (100.0, 200.0, false), (10.0, 20.0, true)];
        let a = latin_hypercube(&ranges, 25, 7);
        assert_eq!(a, latin_hypercube(&ranges, 25, 7));
        assert_ne!(a, latin_hypercube(&ranges, 25, 8));
        for (j, &(low, high, integer)) in ranges.iter().enumerate() {
            let mut strata: Vec<usize> = a
                .iter()
                .map(|p| {
                    assert!(
                        p[j] >= low && p[j] <= high,
                        "{} outside [{low}, {high}]",
                        p[j]
                    );
                    if integer {
                        assert_eq!(p[j].fract(), 0.0);
                    }
                    (((p[j] - low) / (high - low) * 25.0) as usize).min(24)
                })
                .collect();
            if !integer {
                strata.sort();
                assert_eq!(strata, (0..25).collect::<Vec<_>>(), "parameter {j}");
            }
        }
    }
}
