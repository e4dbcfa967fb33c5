//! The checks every scenario value goes through: a number within its range, a distribution
//! that can be sampled, a whole count. Each failure becomes a located [`Problem`] and checking
//! goes on, so that a scenario's every problem is reported at once.

use super::error::{KeyPath, Problem};
use super::file::Document;
use super::param::Param;
use crate::engine::resource::UNLIMITED;
use crate::engine::{Distribution, Sampler};

/// Longest run accepted, days (a thousand years): guards tick arithmetic, not realism.
pub(super) const MAX_DAYS: f64 = 365_000.0;

/// Collects the problems found while a scenario is resolved, each located in its file.
pub(super) struct Checker<'a> {
    pub(super) doc: &'a Document,
    pub(super) problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, key: KeyPath, message: impl Into<String>) {
        self.doc.report(self.problems, key, message);
    }

    /// Checks a parameter's value and range; returns the value if it is usable.
    pub(super) fn param(
        &mut self,
        key: &KeyPath,
        p: &Param,
        min: f64,
        max: f64,
        what: &str,
    ) -> Option<f64> {
        let mut ok = true;
        if !p.value.is_finite() {
            self.push(
                key.clone(),
                format!("{what} must be a finite number, got {}", p.value),
            );
            return None;
        }
        if p.value < min || p.value > max {
            self.push(
                key.clone(),
                format!("{what} must be between {min} and {max}, got {}", p.value),
            );
            ok = false;
        }
        for (name, bound) in [("low", p.low), ("high", p.high)] {
            if let Some(b) = bound
                && (!b.is_finite() || b < min || b > max)
            {
                self.push(
                    key.key(name),
                    format!("`{name}` must be between {min} and {max}, got {b}"),
                );
                ok = false;
            }
        }
        if let Some(l) = p.low
            && l > p.value
        {
            self.push(
                key.key("low"),
                format!("`low` ({l}) is above the value ({})", p.value),
            );
            ok = false;
        }
        if let Some(h) = p.high
            && h < p.value
        {
            self.push(
                key.key("high"),
                format!("`high` ({h}) is below the value ({})", p.value),
            );
            ok = false;
        }
        ok.then_some(p.value)
    }

    pub(super) fn distribution(&mut self, key: &KeyPath, d: &Distribution) -> Option<Sampler> {
        match d.sampler() {
            Ok(s) => Some(s),
            Err(problems) => {
                for (k, message) in problems {
                    self.push(key.key(k), message);
                }
                None
            }
        }
    }

    pub(super) fn count(&mut self, key: &KeyPath, v: f64, what: &str) -> Option<u32> {
        if !v.is_finite() || v < 0.0 || v.fract() != 0.0 || v > (UNLIMITED - 1) as f64 {
            self.push(
                key.clone(),
                format!("{what} must be a whole number of at least 0, got {v}"),
            );
            None
        } else {
            Some(v as u32)
        }
    }
}
