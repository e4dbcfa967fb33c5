//! Loading: parse, then deserialize (every wrong type and unknown key reported, not only the
//! first), then validate.

use std::path::Path;

use super::error::{KeyPath, Problem, ScenarioError, Segment, listed};
use super::file;
use super::resolved::Scenario;
use super::spec::{ScenarioSpec, keys_of};
use super::{validate, warnings};

/// Reads and validates a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let doc = file::Document::load(path).map_err(|problems| ScenarioError { problems })?;
    resolve(doc, &[])
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
    resolve(doc, overrides)
}

/// Reads and validates a scenario given as text; `label` names it in messages.
pub fn load_str(label: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let doc =
        file::Document::from_text(label, text).map_err(|problems| ScenarioError { problems })?;
    resolve(doc, &[])
}

/// Validates `doc` (`overrides` are the sweep's settings already applied to it, needed again
/// for the status quo of a policy with a start date).
fn resolve(doc: file::Document, overrides: &[(KeyPath, f64)]) -> Result<Scenario, ScenarioError> {
    let mut scenario = validated(&doc)?;
    let phased = scenario
        .pathway
        .as_ref()
        .is_some_and(|p| !p.ld_coverage_phase_in.is_empty());
    if phased && scenario.spec.policy.is_none() {
        let key = KeyPath::root()
            .key("liaison_diversion")
            .key("coverage")
            .key("phase_in");
        return Err(ScenarioError {
            problems: vec![doc.problem(
                key,
                "`phase_in` counts days from the policy's start: add `[policy]` with `start_day` (and `extends` the status quo)",
            )],
        });
    }
    if scenario.spec.policy.is_some() {
        start_policy(&doc, overrides, &mut scenario).map_err(|problems| ScenarioError {
            problems: listed(problems),
        })?;
    }
    scenario.warnings = warnings::find(&doc, &scenario);
    Ok(scenario)
}

/// Gives a policy with `[policy] start_day` its start and its status quo: the scenario that the
/// file writing `start_day` extends, read again with the sweep's settings that apply to it (those
/// on keys that file does not write itself).
fn start_policy(
    doc: &file::Document,
    overrides: &[(KeyPath, f64)],
    scenario: &mut Scenario,
) -> Result<(), Vec<Problem>> {
    let key = KeyPath::root().key("policy").key("start_day");
    let origin_of = |k: &KeyPath| {
        let value = k.key("value");
        doc.origin(&value).or_else(|| doc.origin(k))
    };
    let Some(origin) = origin_of(&key) else {
        return Err(vec![doc.problem(key, "`[policy]` needs `start_day`")]);
    };
    let Some(parent) = doc.files.get(origin.file + 1) else {
        return Err(vec![doc.problem(
            key,
            "a policy's start needs the status quo it changes: add `extends = \"baseline.toml\"` (or the scenario the policy changes) to this file",
        )]);
    };
    let start_day = scenario
        .spec
        .policy
        .as_ref()
        .map_or(0.0, |p| p.start_day.value);
    let horizon_days = crate::engine::ticks_to_days(scenario.horizon);
    if !(start_day.is_finite() && start_day >= 0.0 && start_day < horizon_days) {
        return Err(vec![doc.problem(
            key,
            format!("the policy must start from day 0 to before the end of the measured window (day {horizon_days}), got {start_day}"),
        )]);
    }
    let mut before = file::Document::load(parent)?;
    for (k, v) in overrides {
        if origin_of(k).is_some_and(|o| o.file > origin.file) {
            before
                .set_number(k, *v)
                .map_err(|message| vec![before.problem(k.clone(), message)])?;
        }
    }
    let status_quo = validated(&before).map_err(|e| e.problems)?;
    let within = |message: String| vec![doc.problem(key.clone(), message)];
    if status_quo.spec.policy.is_some() {
        return Err(within(format!(
            "{} has a [policy] start of its own; a policy starts from a status quo without one: extend the scenario that one extends",
            parent.display()
        )));
    }
    let (Some(p), Some(before_p)) = (&mut scenario.pathway, status_quo.pathway) else {
        return Err(within(
            "a policy's start needs a pathway scenario (`model = \"pathway\"`) on both sides"
                .into(),
        ));
    };
    if status_quo.warmup != scenario.warmup || status_quo.horizon != scenario.horizon {
        return Err(within(format!(
            "the policy and its status quo ({}) must have the same [simulation] warm-up and horizon",
            parent.display()
        )));
    }
    p.start_at(
        scenario.warmup + crate::engine::days_to_ticks(start_day),
        before_p,
        parent.clone(),
    );
    // What ran before the start is part of what ran.
    scenario.hash = format!(
        "{:016x}",
        super::hash::fnv1a64(format!("{}+{}", scenario.hash, status_quo.hash).as_bytes())
    );
    Ok(())
}

fn validated(doc: &file::Document) -> Result<Scenario, ScenarioError> {
    let mut problems = Vec::new();
    let (spec, stand_ins, missing) = deserialize(doc, &mut problems);
    let reported = problems.len();
    let scenario = spec.and_then(|spec| validate::validate(doc, spec, &mut problems));
    // What the validator says of a stand-in is about the stand-in, not the user's value; nor
    // can what it says of a key beside a missing field's stand-in be trusted (a spot bed's lead
    // time against a stand-in limit of 1 day), so that table is checked again once the field is
    // written.
    let validated = problems.split_off(reported);
    let about_a_stand_in = |p: &Problem| {
        stand_ins.iter().any(|s| p.key.0.starts_with(&s.0))
            || missing
                .iter()
                .any(|m| m.0.len() > 1 && p.key.0.starts_with(&m.0[..m.0.len() - 1]))
    };
    problems.extend(validated.into_iter().filter(|p| !about_a_stand_in(p)));
    match scenario {
        Some(s) if problems.is_empty() => Ok(s),
        _ => Err(ScenarioError {
            problems: listed(problems),
        }),
    }
}

/// Deserializes the merged document, reporting every value of the wrong type, not only the
/// first: serde stops at the first, so each one found is reported, replaced by a stand-in of a
/// type that gets past it, and deserialization tried again. The stand-ins are returned so that
/// the validator's complaints about them (they are not the user's values) can be dropped, and,
/// apart, those of missing fields, whose tables' other complaints are dropped too.
fn deserialize(
    doc: &file::Document,
    problems: &mut Vec<Problem>,
) -> (Option<ScenarioSpec>, Vec<KeyPath>, Vec<KeyPath>) {
    // Enough for any real file; each round is a deserialization of a small document.
    const MAX_ROUNDS: usize = 64;
    let mut value = doc.to_value();
    let mut stand_ins: Vec<KeyPath> = Vec::new();
    let mut unknown = Vec::new();
    let mut spec = None;
    // Fields serde said were missing, by the table that lacks them: each is given a stand-in so
    // that every missing field is reported in one run, and each is a likely meaning of a
    // misspelled key in that table.
    let mut missing: Vec<KeyPath> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        unknown.clear();
        match try_deserialize(value.clone(), &mut unknown) {
            Ok(s) => {
                spec = Some(s);
                break;
            }
            Err((key, message)) => {
                doc.report(
                    problems,
                    key.clone(),
                    format!("wrong type or value: {message}"),
                );
                if let Some(field) = missing_field(&message) {
                    let at = key.key(field);
                    if !stand_ins.contains(&at) && insert_stand_in(&mut value, &key, field) {
                        missing.push(at.clone());
                        stand_ins.push(at);
                        continue;
                    }
                }
                if stand_ins.contains(&key) || !stand_in(&mut value, &key) {
                    break;
                }
                stand_ins.push(key);
            }
        }
    }
    let written = doc.to_value();
    let spec_value = spec.as_ref().and_then(|s| toml::Value::try_from(s).ok());
    // Optional keys this scenario leaves out are not in its own spec; the shipped baseline writes
    // most of the pathway's, so its keys are candidates too.
    let baseline = if unknown.is_empty() {
        None
    } else {
        shipped_baseline()
    };
    for key in unknown {
        let message = match key.0.last() {
            Some(Segment::Key(k)) => {
                let parent = KeyPath(key.0[..key.0.len() - 1].to_vec());
                let mut known = known_keys(&parent, &missing, spec_value.as_ref(), &written);
                known.extend(known_keys(
                    &parent,
                    &[],
                    baseline.as_ref(),
                    &toml::Value::Boolean(false),
                ));
                known.extend(keys_of(&parent).iter().map(|k| k.to_string()));
                match closest(k, &known) {
                    Some(near) => format!("unknown key `{k}`; did you mean `{near}`?"),
                    None => format!("unknown key `{k}`"),
                }
            }
            _ => "unknown key".to_string(),
        };
        doc.report(problems, key, message);
    }
    (spec, stand_ins, missing)
}

/// The shipped baseline's spec as a TOML value, read without validation.
fn shipped_baseline() -> Option<toml::Value> {
    let text = include_str!("../../scenarios/baseline.toml");
    let doc = file::Document::from_text(Path::new("scenarios/baseline.toml"), text).ok()?;
    let spec = try_deserialize(doc.to_value(), &mut Vec::new()).ok()?;
    toml::Value::try_from(&spec).ok()
}

/// `X` from serde's "missing field `X`".
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|f| !f.is_empty())
}

/// Adds `field` to the table at `table` with the first stand-in that deserialization gets past
/// (the same field is not missing, nor wrong, any more). False if there is no such table.
fn insert_stand_in(value: &mut toml::Value, table: &KeyPath, field: &str) -> bool {
    use toml::Value as V;
    let at = table.key(field);
    let candidates = [
        V::Float(1.0),
        V::Integer(1),
        V::Boolean(false),
        V::String(String::new()),
        V::Table(Default::default()),
        V::Array(Vec::new()),
    ];
    for candidate in candidates {
        let slot = if table.0.is_empty() {
            Some(&mut *value)
        } else {
            value_at(value, table)
        };
        let Some(toml::Value::Table(t)) = slot else {
            return false;
        };
        t.insert(field.to_string(), candidate);
        match try_deserialize(value.clone(), &mut Vec::new()) {
            Ok(_) => return true,
            Err((k, m))
                if !(k.0.starts_with(&at.0)
                    || (k == *table && missing_field(&m) == Some(field))) =>
            {
                return true;
            }
            Err(_) => {}
        }
    }
    false
}

/// The keys the table at `parent` may hold, as far as they can be known: the fields serde said
/// were missing there, those the deserialized scenario has there, and a parameter table's own.
fn known_keys(
    parent: &KeyPath,
    missing: &[KeyPath],
    spec: Option<&toml::Value>,
    written: &toml::Value,
) -> Vec<String> {
    fn at<'v>(v: &'v toml::Value, key: &KeyPath) -> Option<&'v toml::Value> {
        key.0.iter().try_fold(v, |v, seg| match (v, seg) {
            (toml::Value::Table(t), Segment::Key(k)) => t.get(k),
            (toml::Value::Array(a), Segment::Index(i)) => a.get(*i),
            _ => None,
        })
    }
    let mut known: Vec<String> = missing
        .iter()
        .filter(|m| m.0.len() == parent.0.len() + 1 && m.0.starts_with(&parent.0))
        .filter_map(|m| match m.0.last() {
            Some(Segment::Key(k)) => Some(k.clone()),
            _ => None,
        })
        .collect();
    if let Some(toml::Value::Table(t)) = spec.and_then(|s| at(s, parent)) {
        known.extend(t.keys().cloned());
    }
    if let Some(toml::Value::Table(t)) = at(written, parent)
        && t.contains_key("value")
    {
        known.extend(["value", "source", "low", "high", "note", "phase_in"].map(String::from));
    }
    known
}

/// The known key a misspelled `key` most likely meant: the nearest by edit distance when that is
/// at most 2 (and less than half the key), or else the one key it is a clear prefix of, or that
/// is a prefix of it. None when nothing is that close, so the suggestion is not a guess.
fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let best = known
        .iter()
        .filter(|k| k.as_str() != key)
        .map(|k| (edit_distance(key, k), k))
        .min();
    if let Some((d, k)) = best
        && d <= 2
        && 2 * d < key.chars().count().max(1)
    {
        return Some(k);
    }
    let prefixed: Vec<&String> = known
        .iter()
        .filter(|k| {
            key.len() >= 3
                && k.as_str() != key
                && (k.starts_with(key) || key.starts_with(k.as_str()))
        })
        .collect();
    match prefixed.as_slice() {
        [only] => Some(only.as_str()),
        _ => None,
    }
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggestion_is_the_near_key_or_none() {
        let known: Vec<String> = ["capacity", "duration", "routes"]
            .map(String::from)
            .to_vec();
        assert_eq!(edit_distance("capasity", "capacity"), 1);
        assert_eq!(closest("capasity", &known), Some("capacity"));
        assert_eq!(closest("route", &known), Some("routes"));
        assert_eq!(closest("durations_mean", &known), Some("duration"));
        assert_eq!(closest("beds", &known), None);
        assert_eq!(closest("xy", &known), None);
    }
}
