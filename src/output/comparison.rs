//! `comparison.csv`: each scenario against the baseline, metric by metric, with paired
//! differences.
//!
//! Replication r of every scenario uses the same random streams (common random numbers), so the
//! difference within a replication cancels the luck both runs share. The paired interval comes
//! from the spread of those differences. For comparison, the interval independent streams would
//! have given is computed from the two scenarios' own spreads, (s_b^2 + s_s^2) / n, which is what
//! the variance of a difference of independent means is; no extra runs are needed.

use crate::engine::stats::{Estimate, student_t_quantile};
use crate::output::summary::{ReplicationResult, format_value};

/// One scenario against the baseline on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Scenario name.
    pub scenario: String,
    /// Metric name.
    pub metric: String,
    /// Replications paired.
    pub n: usize,
    /// Mean over replications, baseline.
    pub baseline_mean: f64,
    /// Mean over replications, scenario.
    pub scenario_mean: f64,
    /// Paired difference (scenario minus baseline), its mean and 95% interval.
    pub difference: Estimate,
    /// Half-width of the 95% interval that independent streams would have given.
    pub independent_half_width: f64,
}

impl Row {
    /// Paired half-width over independent half-width: below 1 when common random numbers helped.
    pub fn interval_ratio(&self) -> f64 {
        let paired = (self.difference.high - self.difference.low) / 2.0;
        if self.independent_half_width > 0.0 {
            paired / self.independent_half_width
        } else if paired == 0.0 {
            1.0
        } else {
            f64::NAN
        }
    }
}

fn values(results: &[ReplicationResult], metric: &str) -> Vec<(u64, f64)> {
    results
        .iter()
        .filter_map(|r| {
            r.metrics
                .iter()
                .find(|(m, _)| m == metric)
                .map(|(_, v)| (r.replication, *v))
        })
        .collect()
}

/// Compares `scenario` with `baseline`, replication by replication, for every metric of the
/// baseline's first replication (in its order). Replications are paired by number; a metric
/// undefined (NaN) in either run of a pair drops that pair from the difference (each side's
/// mean still uses all its own defined values).
pub fn compare(baseline: &[ReplicationResult], scenario: &[ReplicationResult]) -> Vec<Row> {
    let Some(first) = baseline.first() else {
        return Vec::new();
    };
    let name = scenario
        .first()
        .map(|r| r.scenario.clone())
        .unwrap_or_default();
    first
        .metrics
        .iter()
        .map(|(metric, _)| {
            let b = values(baseline, metric);
            let s = values(scenario, metric);
            let pairs: Vec<(f64, f64)> = b
                .iter()
                .filter_map(|&(rep, bv)| {
                    s.iter().find(|&&(r, _)| r == rep).map(|&(_, sv)| (bv, sv))
                })
                .filter(|(bv, sv)| bv.is_finite() && sv.is_finite())
                .collect();
            let n = pairs.len();
            let bs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
            let ss: Vec<f64> = pairs.iter().map(|p| p.1).collect();
            let ds: Vec<f64> = pairs.iter().map(|p| p.1 - p.0).collect();
            let mean = |x: &[f64]| {
                if x.is_empty() {
                    f64::NAN
                } else {
                    x.iter().sum::<f64>() / x.len() as f64
                }
            };
            // Each side's own mean uses all its defined values, so a metric the baseline does
            // not have (a time limit's breach share) still shows the scenario's level.
            let finite = |v: &[(u64, f64)]| -> Vec<f64> {
                v.iter().map(|p| p.1).filter(|x| x.is_finite()).collect()
            };
            let independent_half_width = if n >= 2 {
                student_t_quantile(0.975, (n - 1) as f64)
                    * ((Estimate::of(&bs, 0.95).sd.powi(2) + Estimate::of(&ss, 0.95).sd.powi(2))
                        / n as f64)
                        .sqrt()
            } else {
                f64::NAN
            };
            Row {
                scenario: name.clone(),
                metric: metric.clone(),
                n,
                baseline_mean: mean(&finite(&b)),
                scenario_mean: mean(&finite(&s)),
                difference: if n == 0 {
                    Estimate {
                        n: 0,
                        mean: f64::NAN,
                        sd: f64::NAN,
                        low: f64::NAN,
                        high: f64::NAN,
                    }
                } else {
                    Estimate::of(&ds, 0.95)
                },
                independent_half_width,
            }
        })
        .collect()
}

/// The bytes of `comparison.csv`: one row per scenario and metric.
pub fn to_csv(rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scenario",
        "metric",
        "replications",
        "baseline_mean",
        "scenario_mean",
        "difference_mean",
        "difference_ci_low",
        "difference_ci_high",
        "independent_ci_half_width",
        "crn_interval_ratio",
    ])
    .expect("writing to memory");
    for r in rows {
        w.write_record([
            r.scenario.clone(),
            r.metric.clone(),
            r.n.to_string(),
            format_value(r.baseline_mean),
            format_value(r.scenario_mean),
            format_value(r.difference.mean),
            format_value(r.difference.low),
            format_value(r.difference.high),
            format_value(r.independent_half_width),
            format_value(r.interval_ratio()),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// A table a commissioner can read: for each scenario, the chosen metrics with baseline,
/// scenario, difference and its 95% interval, and how much narrower the interval is than with
/// independent streams.
pub fn render(rows: &[Row], metrics: &[&str]) -> String {
    let mut s = String::new();
    let mut current = "";
    for r in rows.iter().filter(|r| metrics.contains(&r.metric.as_str())) {
        if r.scenario != current {
            current = &r.scenario;
            s.push_str(&format!(
                "\n{current} against baseline ({} paired replications)\n  {:<44} {:>12} {:>12} {:>12}  {:<27} {}\n",
                r.n,
                "metric",
                "baseline",
                "scenario",
                "difference",
                "95% interval",
                "CRN width"
            ));
        }
        s.push_str(&format!(
            "  {:<44} {:>12} {:>12} {:>12}  {:<27} {}\n",
            r.metric,
            short(r.baseline_mean),
            short(r.scenario_mean),
            short(r.difference.mean),
            format!(
                "({} to {})",
                short(r.difference.low),
                short(r.difference.high)
            ),
            match r.interval_ratio() {
                x if x.is_finite() => format!("{:.0}%", x * 100.0),
                _ => "-".into(),
            }
        ));
    }
    s
}

fn short(x: f64) -> String {
    if !x.is_finite() {
        "-".into()
    } else if x.abs() >= 1000.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(scenario: &str, r: u64, x: f64) -> ReplicationResult {
        ReplicationResult {
            scenario: scenario.into(),
            replication: r,
            metrics: vec![("x".into(), x)],
        }
    }

    #[test]
    fn paired_differences_use_the_spread_of_the_differences() {
        // Shared luck (10, 20, 30) plus a constant effect of 1: the paired interval is a point,
        // the independent one is wide.
        let b = [
            rep("base", 0, 10.0),
            rep("base", 1, 20.0),
            rep("base", 2, 30.0),
        ];
        let s = [rep("s", 0, 11.0), rep("s", 1, 21.0), rep("s", 2, 31.0)];
        let rows = compare(&b, &s);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.baseline_mean, r.scenario_mean), (20.0, 21.0));
        assert_eq!(r.difference.mean, 1.0);
        assert_eq!((r.difference.low, r.difference.high), (1.0, 1.0));
        // Independent: t(0.975, 2) = 4.303 x sqrt((100 + 100) / 3) = 35.13.
        assert!((r.independent_half_width - 4.302_652_7 * (200.0f64 / 3.0).sqrt()).abs() < 1e-4);
        assert_eq!(r.interval_ratio(), 0.0);
    }

    #[test]
    fn replications_pair_by_number_and_undefined_values_drop_the_pair() {
        let b = [
            rep("base", 1, 5.0),
            rep("base", 0, 1.0),
            rep("base", 2, f64::NAN),
        ];
        let s = [rep("s", 0, 2.0), rep("s", 1, 7.0), rep("s", 2, 3.0)];
        let r = &compare(&b, &s)[0];
        assert_eq!(r.n, 2);
        assert_eq!(r.difference.mean, 1.5);
        assert_eq!((r.baseline_mean, r.scenario_mean), (3.0, 4.0));
    }

    #[test]
    fn csv_has_the_columns_the_issue_asks_for() {
        let b = [rep("base", 0, 1.0), rep("base", 1, 2.0)];
        let s = [rep("s", 0, 1.0), rep("s", 1, 2.0)];
        let text = String::from_utf8(to_csv(&compare(&b, &s))).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.starts_with(
            "scenario,metric,replications,baseline_mean,scenario_mean,difference_mean,difference_ci_low,difference_ci_high"
        ));
        // Identical runs: every paired difference is exactly zero, the interval a point.
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .starts_with("s,x,2,1.5,1.5,0,0,0,")
        );
    }
}
