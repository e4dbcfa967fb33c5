//! A number with its evidence, as a scenario writes it: bare (`0.72`) or as a parameter table
//! (`{ value = 0.72, source = "R11", low = 0.6, high = 0.8, note = "..." }`).
//!
//! A leaf: every spec section and every check reads numbers through it, so it may import
//! nothing of the scenario.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// A number with its evidence: the value used, where it comes from, and the range the sources
/// give (carried as uncertainty for sensitivity analysis).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Param {
    /// The value the scenario uses.
    pub value: f64,
    /// Seed file or figure id the value rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Lowest plausible value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Highest plausible value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Why this value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How a policy reaches `value`: `[day, value]` points, days counted from the policy's start
    /// (`[policy] start_day`), joined by straight lines; `value` from the last point on. Only
    /// parameters that say so read it (see `Checker::phased`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase_in: Option<Vec<(f64, f64)>>,
}

impl Param {
    /// A bare value with no source.
    pub fn bare(value: f64) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Param;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, or a table such as { value = 0.5, source = \"R1\" }")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Param, E> {
                Ok(Param::bare(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Param, E> {
                Ok(Param::bare(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Param, E> {
                Ok(Param::bare(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Param, A::Error> {
                let mut p = Param::default();
                let mut value = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "value" => value = Some(map.next_value::<f64>()?),
                        "source" => p.source = Some(map.next_value()?),
                        "low" => p.low = Some(map.next_value()?),
                        "high" => p.high = Some(map.next_value()?),
                        "note" => p.note = Some(map.next_value()?),
                        "phase_in" => p.phase_in = Some(map.next_value()?),
                        // Handing unknown keys to IgnoredAny lets the loader report them all.
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                p.value = value.ok_or_else(|| de::Error::missing_field("value"))?;
                Ok(p)
            }
        }
        d.deserialize_any(V)
    }
}
