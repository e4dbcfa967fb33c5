//! The checks every scenario value goes through: a number within its range, a distribution
//! that can be sampled, a whole count. Each failure becomes a located [`Problem`] and checking
//! goes on, so that a scenario's every problem is reported at once.

use super::error::{KeyPath, Problem};
use super::file::Document;
use super::param::Param;
use crate::engine::resource::UNLIMITED;
use crate::engine::{Distribution, Sampler, days_to_ticks};

/// Longest run accepted, days (a thousand years): guards tick arithmetic, not realism.
pub(super) const MAX_DAYS: f64 = 365_000.0;

/// Collects the problems found while a scenario is resolved, each located in its file.
pub(super) struct Checker<'a> {
    pub(super) doc: &'a Document,
    pub(super) problems: &'a mut Vec<Problem>,
    /// Set while [`Checker::phased`] checks a parameter that may carry `phase_in`.
    pub(super) phasing: bool,
}

/// The parameters that may be phased in, for messages.
pub(super) const PHASED: &str = "`liaison_diversion.coverage`";

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
        if p.phase_in.is_some() && !self.phasing {
            self.push(
                key.key("phase_in"),
                format!("`phase_in` is read only for {PHASED}: this parameter changes at the policy's start in one step"),
            );
            ok = false;
        }
        ok.then_some(p.value)
    }

    /// Checks a parameter that may be phased in (`phase_in`, see [`Param::phase_in`]): its value
    /// as [`Checker::param`], and each point's day (from 0, increasing, within the run) and
    /// value (within `min` and `max`); the last point must be the value. Returns the value and
    /// the points, (days from the policy's start, value).
    pub(super) fn phased(
        &mut self,
        key: &KeyPath,
        p: &Param,
        min: f64,
        max: f64,
        what: &str,
    ) -> Option<(f64, Vec<(f64, f64)>)> {
        self.phasing = true;
        let value = self.param(key, p, min, max, what);
        self.phasing = false;
        let points = p.phase_in.clone().unwrap_or_default();
        let k = key.key("phase_in");
        let mut ok = true;
        if p.phase_in.is_some() && points.is_empty() {
            self.push(
                k.clone(),
                "`phase_in` needs at least one [day, value] point",
            );
            ok = false;
        }
        let mut previous: Option<f64> = None;
        for (i, &(day, v)) in points.iter().enumerate() {
            let at = k.index(i);
            if !(day.is_finite() && (0.0..=MAX_DAYS).contains(&day)) {
                self.push(at.clone(), format!("a phase-in day must be from 0 to {MAX_DAYS} (days after the policy's start), got {day}"));
                ok = false;
            } else if previous.is_some_and(|d| days_to_ticks(day) <= days_to_ticks(d)) {
                self.push(
                    at.clone(),
                    format!(
                        "phase-in days must increase, but day {day} follows day {}",
                        previous.unwrap_or(0.0)
                    ),
                );
                ok = false;
            }
            if !(v.is_finite() && (min..=max).contains(&v)) {
                self.push(
                    at,
                    format!(
                        "a phase-in value is {what} and must be between {min} and {max}, got {v}"
                    ),
                );
                ok = false;
            }
            previous = Some(day);
        }
        if let (Some(value), Some(&(_, v))) = (value, points.last())
            && v != value
        {
            self.push(k, format!("the last phase-in point ({v}) must be the value the policy settles at ({value})"));
            ok = false;
        }
        (ok && value.is_some()).then(|| (value.unwrap_or(0.0), points))
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
