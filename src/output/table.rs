//! The short readable table printed after a run: per scenario and metric, the mean over
//! replications with its 95% confidence interval.

use std::fmt::Write;

use crate::engine::stats::Running;

use super::summary::ReplicationResult;

/// Metrics printed by default: everything at system level, and the headline figures of each
/// stage (the CSV has them all).
fn shown(metric: &str) -> bool {
    match metric.rsplit_once('.') {
        None => true,
        Some((_, m)) => matches!(
            m,
            "arrival_rate_per_day"
                | "waited_share"
                | "wait_days_mean"
                | "in_stage_mean"
                | "utilisation"
                | "public_sector"
                | "total"
        ),
    }
}

/// One scenario's metrics over the replications seen so far, kept as running statistics so
/// that memory does not grow with the number of replications.
#[derive(Debug, Clone)]
pub struct ScenarioStats {
    /// Scenario name.
    pub scenario: String,
    /// Replications added.
    pub replications: u64,
    /// Each metric, in the order of the first replication, with its running statistics over
    /// the replications where it is defined.
    pub metrics: Vec<(String, Running)>,
}

impl ScenarioStats {
    /// No replications yet.
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_string(),
            replications: 0,
            metrics: Vec::new(),
        }
    }

    /// Adds one replication. Metrics are matched by position: every replication of a scenario
    /// reports the same metrics in the same order.
    pub fn add(&mut self, r: &ReplicationResult) {
        if self.metrics.is_empty() {
            self.metrics = r
                .metrics
                .iter()
                .map(|(m, _)| (m.clone(), Running::default()))
                .collect();
        }
        self.replications += 1;
        for ((_, acc), (_, v)) in self.metrics.iter_mut().zip(&r.metrics) {
            if !v.is_nan() {
                acc.push(*v);
            }
        }
    }
}

/// Formats the table.
pub fn render(stats: &[ScenarioStats]) -> String {
    let mut out = String::new();
    for s in stats {
        let _ = writeln!(
            out,
            "\n{} ({} replications): mean and 95% interval",
            s.scenario, s.replications
        );
        let width = s.metrics.iter().map(|m| m.0.len()).max().unwrap_or(10);
        for (metric, acc) in &s.metrics {
            if !shown(metric) {
                continue;
            }
            if acc.n() == 0 {
                let _ = writeln!(out, "  {metric:<width$}  {:>14}", "-");
                continue;
            }
            let e = acc.estimate(0.95);
            if e.n < 2 || e.sd == 0.0 {
                let _ = writeln!(out, "  {metric:<width$}  {:>14}", fmt(e.mean));
            } else {
                let _ = writeln!(
                    out,
                    "  {metric:<width$}  {:>14}  ({} to {})",
                    fmt(e.mean),
                    fmt(e.low),
                    fmt(e.high)
                );
            }
        }
    }
    out
}

fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    }
}
