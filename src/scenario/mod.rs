//! Scenario files: reading, `extends`, validation, and the resolved scenario a model runs.
//!
//! Loading is layered as parse, then validate: [`file`] reads TOML with positions and applies
//! `extends`; serde turns the merged tree into a [`spec::ScenarioSpec`] (collecting every unknown
//! key, not just the first); [`validate`] checks meaning and builds a [`Scenario`] whose numbers
//! are ready for the engine. Every problem found is reported at once, located by file, key path
//! and line.

pub mod costs;
pub mod drivers;
pub mod error;
pub mod file;
pub mod pathway;
pub mod spec;
pub mod sweep;
mod validate;

use std::path::{Path, PathBuf};

pub use error::{KeyPath, Problem, ScenarioError, Segment};
pub use pathway::Pathway;
pub use spec::{Param, ScenarioSpec};

use crate::engine::{Discipline, Sampler, Tick};

/// Where a person goes after a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// To the stage with this index.
    Stage(usize),
    /// Out of the system.
    Exit,
}

/// A stream of arrivals, ready to run.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Name in the scenario.
    pub name: String,
    /// Stable number derived from the name, used to key random streams.
    pub key: u32,
    /// Index of the stage entered.
    pub to: usize,
    /// Days between arrivals.
    pub interarrival: Sampler,
    /// Queue priority (lower first).
    pub priority: u8,
}

/// A stage, ready to run.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Name in the scenario.
    pub name: String,
    /// Stable number derived from the name, used to key random streams.
    pub key: u32,
    /// Places at the start of the run ([`crate::engine::resource::UNLIMITED`] if none is set).
    pub capacity: u32,
    /// Capacity changes, in ticks from the start of the run, in time order.
    pub capacity_schedule: Vec<(Tick, u32)>,
    /// Queue order.
    pub discipline: Discipline,
    /// Time in the stage, days.
    pub duration: Sampler,
    /// Mean time in the stage, days.
    pub duration_mean_days: f64,
    /// Cumulative probabilities with destinations, ending at 1.
    pub routes: Vec<(f64, Destination)>,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name used in outputs.
    pub name: String,
    /// The scenario file and the files it extends.
    pub files: Vec<PathBuf>,
    /// The merged scenario as written (for the manifest).
    pub spec: ScenarioSpec,
    /// FNV-1a 64-bit hash of the resolved scenario's canonical JSON, as 16 hex digits.
    pub hash: String,
    /// Warm-up length, ticks.
    pub warmup: Tick,
    /// Measured period, ticks.
    pub horizon: Tick,
    /// Seed from the file, if any.
    pub seed: Option<u64>,
    /// Replications from the file, if any.
    pub replications: Option<u32>,
    /// Arrival streams, in name order.
    pub arrivals: Vec<Arrival>,
    /// Stages, in name order (network model only).
    pub stages: Vec<Stage>,
    /// The pathway model's parameters (`model = "pathway"`), or `None` for a network.
    pub pathway: Option<Pathway>,
    /// Factor applied to arrivals and capacities by [`Scenario::scaled`]; 1 as written.
    pub scale: f64,
    /// Unit costs and QALYs (`[costs]`, `[qalys]`), if the scenario has them.
    pub economics: Option<crate::economics::Economics>,
}

impl Scenario {
    /// The same scenario with arrivals and every capacity multiplied by `factor` (see
    /// `cjmh run --cohort`).
    pub fn scaled(&self, factor: f64) -> Scenario {
        let mut s = self.clone();
        s.scale *= factor;
        if let Some(p) = &mut s.pathway {
            *p = p.scaled(factor);
        }
        for a in &mut s.arrivals {
            a.interarrival = a.interarrival.scaled(1.0 / factor);
        }
        let cap = |c: u32| {
            if c == crate::engine::resource::UNLIMITED || c == 0 {
                c
            } else {
                ((c as f64 * factor).round() as u32).max(1)
            }
        };
        for st in &mut s.stages {
            st.capacity = cap(st.capacity);
            for change in &mut st.capacity_schedule {
                change.1 = cap(change.1);
            }
        }
        s
    }

    /// Expected number of new people over warm-up and horizon at the scenario's own scale.
    pub fn expected_people(&self) -> f64 {
        let days = crate::engine::ticks_to_days(self.warmup + self.horizon);
        match &self.pathway {
            Some(p) => p.new_people_per_day * days,
            None => self
                .spec
                .arrivals
                .values()
                .map(|a| match (&a.rate_per_day, &a.interarrival) {
                    (Some(r), _) => r.value * days,
                    (_, Some(d)) => days / d.mean_value().unwrap_or(f64::INFINITY),
                    _ => 0.0,
                })
                .sum(),
        }
    }
}

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let doc = file::Document::load(path).map_err(|problems| ScenarioError { problems })?;
    resolve(doc)
}

/// Reads a scenario file, sets each `(key, value)` as [`file::Document::set_number`] does, and
/// validates the result (a point of a sweep). A key the file does not write is a problem
/// located at the file.
pub fn load_with(path: &Path, overrides: &[(KeyPath, f64)]) -> Result<Scenario, ScenarioError> {
    let mut doc = file::Document::load(path).map_err(|problems| ScenarioError { problems })?;
    let mut problems = Vec::new();
    for (key, value) in overrides {
        if let Err(message) = doc.set_number(key, *value) {
            problems.push(doc.problem(key.clone(), message));
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems });
    }
    resolve(doc)
}

/// Reads and validates a scenario given as text; `label` names it in messages.
pub fn load_str(label: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let doc =
        file::Document::from_text(label, text).map_err(|problems| ScenarioError { problems })?;
    resolve(doc)
}

fn resolve(doc: file::Document) -> Result<Scenario, ScenarioError> {
    let mut problems = Vec::new();
    let (spec, stand_ins) = deserialize(&doc, &mut problems);
    let doc = &doc;
    let reported = problems.len();
    let scenario = spec.and_then(|spec| validate::validate(doc, spec, &mut problems));
    // What the validator says of a stand-in is about the stand-in, not the user's value.
    let validated = problems.split_off(reported);
    problems.extend(
        validated
            .into_iter()
            .filter(|p| !stand_ins.iter().any(|s| p.key.0.starts_with(&s.0))),
    );
    match scenario {
        Some(s) if problems.is_empty() => Ok(s),
        _ => {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            problems.dedup();
            Err(ScenarioError { problems })
        }
    }
}

/// Deserializes the merged document, reporting every value of the wrong type, not only the
/// first: serde stops at the first, so each one found is reported, replaced by a stand-in of a
/// type that gets past it, and deserialization tried again. The stand-ins are returned so that
/// the validator's complaints about them (they are not the user's values) can be dropped.
fn deserialize(
    doc: &file::Document,
    problems: &mut Vec<Problem>,
) -> (Option<ScenarioSpec>, Vec<KeyPath>) {
    // Enough for any real file; each round is a deserialization of a small document.
    const MAX_ROUNDS: usize = 64;
    let mut value = doc.to_value();
    let mut stand_ins: Vec<KeyPath> = Vec::new();
    let mut unknown = Vec::new();
    let mut spec = None;
    for _ in 0..MAX_ROUNDS {
        unknown.clear();
        match try_deserialize(value.clone(), &mut unknown) {
            Ok(s) => {
                spec = Some(s);
                break;
            }
            Err((key, message)) => {
                problems.push(doc.problem(key.clone(), format!("wrong type or value: {message}")));
                if stand_ins.contains(&key) || !stand_in(&mut value, &key) {
                    break;
                }
                stand_ins.push(key);
            }
        }
    }
    for key in unknown {
        let message = match key.0.last() {
            Some(Segment::Key(k)) => format!("unknown key `{k}`"),
            _ => "unknown key".to_string(),
        };
        problems.push(doc.problem(key, message));
    }
    (spec, stand_ins)
}

/// One deserialization: the spec, or where and why it failed. Unknown keys go to `unknown`.
fn try_deserialize(
    value: toml::Value,
    unknown: &mut Vec<KeyPath>,
) -> Result<ScenarioSpec, (KeyPath, String)> {
    let mut record = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let result: Result<ScenarioSpec, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(value, &mut record));
    result.map_err(|e| {
        let mut key = KeyPath::root();
        for seg in e.path().iter() {
            key = match seg {
                serde_path_to_error::Segment::Seq { index } => key.index(*index),
                serde_path_to_error::Segment::Map { key: k } => key.key(k),
                serde_path_to_error::Segment::Enum { variant } => key.key(variant),
                serde_path_to_error::Segment::Unknown => key,
            };
        }
        let message = e.into_inner().to_string();
        (key, message.lines().next().unwrap_or("").trim().to_string())
    })
}

/// Replaces the value at `key` by the first stand-in that deserialization gets past (the error
/// moves elsewhere or goes away). False if the key is not there or nothing gets past it.
fn stand_in(value: &mut toml::Value, key: &KeyPath) -> bool {
    use toml::Value as V;
    let candidates = [
        V::Integer(1),
        V::Float(1.0),
        V::Boolean(false),
        V::String(String::new()),
        V::Table(Default::default()),
        V::Array(Vec::new()),
    ];
    for candidate in candidates {
        let Some(slot) = value_at(value, key) else {
            return false;
        };
        *slot = candidate;
        match try_deserialize(value.clone(), &mut Vec::new()) {
            Ok(_) => return true,
            Err((at, _)) if at != *key => return true,
            Err(_) => {}
        }
    }
    false
}

fn value_at<'v>(value: &'v mut toml::Value, key: &KeyPath) -> Option<&'v mut toml::Value> {
    if key.0.is_empty() {
        return None;
    }
    let mut v = value;
    for seg in &key.0 {
        v = match (v, seg) {
            (toml::Value::Table(t), Segment::Key(k)) => t.get_mut(k)?,
            (toml::Value::Array(a), Segment::Index(i)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> KeyPath {
    use serde_ignored::Path as P;
    match path {
        P::Root => KeyPath::root(),
        P::Seq { parent, index } => ignored_path(parent).index(*index),
        P::Map { parent, key } => ignored_path(parent).key(key),
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

/// FNV-1a, 64 bits: a small, fixed, documented hash for naming content in the manifest.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A stable 32-bit key for a name, used to key random streams so that adding or renaming one
/// stage never changes the draws of another.
pub fn name_key(name: &str) -> u32 {
    let h = fnv1a64(name.as_bytes());
    (h ^ (h >> 32)) as u32
}

#[cfg(test)]
mod hash_tests {
    use super::{fnv1a64, name_key};

    /// The published FNV-1a 64-bit test vectors (Fowler, Noll and Vo's reference suite): scenario
    /// hashes, sweep hashes and stream keys all rest on these.
    #[test]
    fn fnv1a64_matches_the_reference_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    /// Stream keys of names: pinned, since changing them changes every network result.
    #[test]
    fn name_keys_are_pinned() {
        let h = fnv1a64(b"queue");
        assert_eq!(name_key("queue"), (h ^ (h >> 32)) as u32);
        assert_eq!(name_key(""), 0xcbf2_9ce4 ^ 0x8422_2325);
    }
}
