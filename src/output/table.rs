//! The short readable table printed after a run: per scenario and metric, the mean over
//! replications with its 95% confidence interval.

use std::fmt::Write;

use crate::engine::stats::Estimate;

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
        ),
    }
}

/// Formats the table.
pub fn render(results: &[ReplicationResult]) -> String {
    let mut out = String::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for r in results {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    for scenario in scenarios {
        let reps: Vec<&ReplicationResult> =
            results.iter().filter(|r| r.scenario == scenario).collect();
        let _ = writeln!(
            out,
            "\n{scenario} ({} replications): mean and 95% interval",
            reps.len()
        );
        let width = reps[0]
            .metrics
            .iter()
            .map(|m| m.0.len())
            .max()
            .unwrap_or(10);
        for (i, (metric, _)) in reps[0].metrics.iter().enumerate() {
            if !shown(metric) {
                continue;
            }
            let values: Vec<f64> = reps
                .iter()
                .map(|r| r.metrics[i].1)
                .filter(|v| !v.is_nan())
                .collect();
            if values.is_empty() {
                let _ = writeln!(out, "  {metric:<width$}  {:>14}", "-");
                continue;
            }
            let e = Estimate::of(&values, 0.95);
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
