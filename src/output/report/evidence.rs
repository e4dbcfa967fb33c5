//! What each policy changes and what the change rests on: the parameters in which a policy's
//! resolved scenario differs from the baseline's, each with its value, range and source, and
//! the grade and kind of every source id it cites (from [`crate::scenario::sources`]).
//!
//! It reads the resolved scenarios as `manifest.json` records them, so the paper describes
//! exactly what ran, not the files as they are today.

use serde::Serialize;
use serde_json::Value;

use crate::scenario::sources::{self, Basis};

/// One parameter of a resolved scenario: its key path and its table (`value`, or `dist` and its
/// moments; `source`, `low`, `high`, `note`), or a setting written as a bare string, number or
/// flag (`release_support.population = "trial"`).
fn parameters(v: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(v: &'a Value, path: &mut Vec<String>, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(m) if m.contains_key("value") || m.contains_key("dist") => {
                out.push((path.join("."), v));
            }
            Value::Object(m) => {
                for (k, x) in m {
                    path.push(k.clone());
                    walk(x, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(i.to_string());
                    walk(x, path, out);
                    path.pop();
                }
            }
            Value::Null => {}
            _ => out.push((path.join("."), v)),
        }
    }
    let mut out = Vec::new();
    // Run settings are not evidence (the paper reports them under reproducibility), nor are the
    // scenario's name, description and list of what it does not model.
    if let Value::Object(m) = v {
        for (k, x) in m.iter().filter(|(k, _)| {
            !["simulation", "name", "description", "not_modelled", "model"].contains(&k.as_str())
        }) {
            let mut path = vec![k.clone()];
            walk(x, &mut path, &mut out);
        }
    }
    out
}

/// A parameter's value exactly as the scenario wrote it (the shortest decimal that reads back
/// the same), with thousands separators for whole numbers: "0.3", "14", "1,826", "0.345".
fn exact(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        crate::economics::investment::thousands(x)
    } else {
        format!("{x}")
    }
}

/// A parameter's value as people read it: the number, or the distribution and its moments, or
/// the setting as written.
fn value_text(v: &Value) -> String {
    let Some(m) = v.as_object() else {
        return match v {
            Value::String(t) => format!("\"{t}\""),
            Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), exact),
            v => v.to_string(),
        };
    };
    let num = |k: &str| m.get(k).and_then(Value::as_f64);
    if let Some(d) = m.get("dist").and_then(Value::as_str) {
        let moments: Vec<String> = [
            "mean", "sd", "min", "max", "mode", "shape", "scale", "value",
        ]
        .iter()
        .filter_map(|k| num(k).map(|x| format!("{k} {}", exact(x))))
        .collect();
        return format!("{d} ({})", moments.join(", "));
    }
    let mut s = num("value").map_or_else(|| "-".into(), exact);
    if let Some(Value::Array(points)) = m.get("phase_in") {
        let steps: Vec<String> = points
            .iter()
            .filter_map(|p| {
                let p = p.as_array()?;
                Some(format!(
                    "{} from day {}",
                    exact(p.get(1)?.as_f64()?),
                    exact(p.first()?.as_f64()?)
                ))
            })
            .collect();
        s.push_str(&format!(" (phased in: {})", steps.join(", ")));
    }
    s
}

/// A source id the paper names, with what the register knows of it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cited {
    pub id: String,
    /// A, B or C; empty for a seed document or an id the register lacks.
    pub grade: String,
    /// `trial or evaluation`, `figure`, `seed document`, or `not in the register`.
    pub kind: String,
    pub what: String,
}

/// One changed parameter (or setting: `[policy] start_day` or a bare value such as
/// `release_support.population`, whose basis is "setting").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// Key path, as in the scenario file (`transfer_limit.days`).
    pub key: String,
    /// The baseline's value, or "not set" for a key only the policy writes.
    pub baseline: String,
    /// The policy's value.
    pub value: String,
    /// `low to high`, or "none given".
    pub range: String,
    /// The `source` text as written.
    pub source: String,
    /// The `note`, if any.
    pub note: String,
    /// What the value rests on: assumption, calibrated, derived, published figure, no source.
    pub basis: String,
    /// Whether any cited source reports a trial or an evaluation.
    pub trial: bool,
    /// The source ids cited.
    pub cited: Vec<Cited>,
}

/// The parameters in which `policy` differs from `baseline` (both resolved scenarios as the
/// manifest records them), in the policy's key order. `[policy] start_day` is reported too.
pub fn changes(baseline: &Value, policy: &Value) -> Vec<Change> {
    let before = parameters(baseline);
    parameters(policy)
        .into_iter()
        .filter(|(key, m)| {
            before
                .iter()
                .find(|(k, _)| k == key)
                .is_none_or(|(_, b)| b != m)
        })
        .map(|(key, v)| {
            let old = before.iter().find(|(k, _)| *k == key);
            let source = v.get("source").and_then(Value::as_str).map(str::to_string);
            let num = |k: &str| v.get(k).and_then(Value::as_f64);
            let range = match (num("low"), num("high")) {
                (Some(l), Some(h)) => format!("{} to {}", exact(l), exact(h)),
                (Some(l), None) => format!("from {}", exact(l)),
                (None, Some(h)) => format!("up to {}", exact(h)),
                (None, None) => "none given".into(),
            };
            let cited: Vec<Cited> = source
                .as_deref()
                .map(sources::cited)
                .unwrap_or_default()
                .into_iter()
                .map(|id| match sources::get(&id) {
                    Some(s) => Cited {
                        id,
                        grade: s.grade.clone(),
                        kind: s.kind.clone(),
                        what: s.what.clone(),
                    },
                    None => Cited {
                        id,
                        grade: String::new(),
                        kind: "not in the register".into(),
                        what: String::new(),
                    },
                })
                .collect();
            Change {
                baseline: old.map_or_else(|| "not set".into(), |(_, b)| value_text(b)),
                value: value_text(v),
                range,
                // When a policy starts is a setting of the appraisal, not a figure to source.
                basis: if key.starts_with("policy.") || !v.is_object() {
                    "setting".to_string()
                } else {
                    Basis::of(source.as_deref()).label().to_string()
                },
                trial: cited.iter().any(|c| c.kind == "trial or evaluation"),
                cited,
                note: v
                    .get("note")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                source: source.unwrap_or_default(),
                key,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_parameters_carry_their_sources_grades_and_basis() {
        let baseline = serde_json::json!({
            "simulation": {"seed": 1, "horizon_days": {"value": 10.0}},
            "liaison_diversion": {"coverage": {"value": 0.5, "source": "L3"}},
            "transfer": {"onset_days": {"dist": "exponential", "mean": 60.0, "source": "assumption"}},
        });
        let policy = serde_json::json!({
            "simulation": {"seed": 1, "horizon_days": {"value": 99.0}},
            "liaison_diversion": {"coverage": {"value": 1.0, "source": "L2, L3", "low": 0.8, "high": 1.0}},
            "transfer": {"onset_days": {"dist": "exponential", "mean": 60.0, "source": "assumption"}},
            "transfer_limit": {"days": {"value": 14.0, "source": "assumption; T13"}},
            "release_support": {"population": "trial"},
            "not_modelled": ["no effect"],
        });
        let c = changes(&baseline, &policy);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(c[2].key, "release_support.population");
        assert_eq!(
            (c[2].value.as_str(), c[2].basis.as_str()),
            ("\"trial\"", "setting")
        );
        assert_eq!(c[0].key, "liaison_diversion.coverage");
        assert_eq!((c[0].baseline.as_str(), c[0].value.as_str()), ("0.5", "1"));
        assert_eq!(c[0].range, "0.8 to 1");
        assert_eq!(c[0].basis, "published figure");
        assert!(c[0].trial, "L2 is an evaluation");
        assert_eq!(c[0].cited[0].grade, "A");
        assert_eq!(c[1].key, "transfer_limit.days");
        assert_eq!(c[1].baseline, "not set");
        assert_eq!(c[1].basis, "assumption");
        assert!(!c[1].trial);
        assert_eq!(c[1].range, "none given");
    }
}
