//! `comparison.csv`: each scenario against the baseline, metric by metric, with paired
//! differences.
//!
//! Replication r of every scenario uses the same random streams (common random numbers), so the
//! difference within a replication cancels the luck both runs share. The paired interval comes
//! from the spread of those differences. For comparison, the interval independent streams would
//! have given is computed from the two scenarios' own spreads, (s_b^2 + s_s^2) / n, which is what
//! the variance of a difference of independent means is; no extra runs are needed.

use crate::economics::investment::{
    WILLINGNESS_TO_PAY, describe_icer, icer, net_monetary_benefit, return_on_investment, thousands,
};
use crate::economics::{PAYERS, PUBLIC_PAYERS};
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
                    undefined()
                } else {
                    Estimate::of(&ds, 0.95)
                },
                independent_half_width,
            }
        })
        .collect()
}

fn undefined() -> Estimate {
    Estimate {
        n: 0,
        mean: f64::NAN,
        sd: f64::NAN,
        low: f64::NAN,
        high: f64::NAN,
    }
}

/// Paired (baseline, scenario) values of `metric`, replication by replication, where both are
/// defined.
fn paired(
    baseline: &[ReplicationResult],
    scenario: &[ReplicationResult],
    metric: &str,
) -> Vec<(u64, f64)> {
    let s = values(scenario, metric);
    values(baseline, metric)
        .into_iter()
        .filter_map(|(rep, bv)| {
            s.iter()
                .find(|&&(r, _)| r == rep)
                .map(|&(_, sv)| (rep, sv - bv))
        })
        .filter(|(_, d)| d.is_finite())
        .collect()
}

/// The investment case of `scenario` against `baseline` (see [`crate::economics::investment`]),
/// as rows whose `difference` carries the measure; the baseline and scenario means are left
/// undefined. Empty when the runs have no costs.
///
/// - `investment.nmb_{λ}`: net monetary benefit, public sector, per replication: a paired
///   interval.
/// - `investment.icer_public_sector`: mean Δcost / mean ΔQALYs (no interval: a ratio of means
///   has none that is reliable with few replications; the sweeps' PSA gives its uncertainty).
/// - `investment.roi.{payer}` and `investment.roi.public_sector`: mean savings on the payer's
///   consequence lines / mean extra service spending (no interval, for the same reason).
pub fn investment_case(baseline: &[ReplicationResult], scenario: &[ReplicationResult]) -> Vec<Row> {
    let d_cost = paired(baseline, scenario, "cost.public_sector");
    let d_qalys = paired(baseline, scenario, "qalys.total");
    if d_cost.is_empty() || d_qalys.is_empty() {
        return Vec::new();
    }
    let name = scenario
        .first()
        .map(|r| r.scenario.clone())
        .unwrap_or_default();
    let mean = |v: &[(u64, f64)]| v.iter().map(|p| p.1).sum::<f64>() / v.len() as f64;
    let row = |metric: String, difference: Estimate| Row {
        scenario: name.clone(),
        metric,
        n: difference.n,
        baseline_mean: f64::NAN,
        scenario_mean: f64::NAN,
        difference,
        independent_half_width: f64::NAN,
    };
    let point = |v: f64, n: usize| Estimate {
        n,
        mean: v,
        ..undefined()
    };
    let mut out = Vec::new();
    let n = d_cost.len().min(d_qalys.len());
    for wtp in WILLINGNESS_TO_PAY {
        let nmb: Vec<f64> = d_cost
            .iter()
            .filter_map(|&(rep, c)| {
                d_qalys
                    .iter()
                    .find(|&&(r, _)| r == rep)
                    .map(|&(_, q)| net_monetary_benefit(wtp, c, q))
            })
            .collect();
        out.push(row(
            format!("investment.nmb_{wtp:.0}"),
            Estimate::of(&nmb, 0.95),
        ));
    }
    out.push(row(
        "investment.icer_public_sector".into(),
        point(icer(mean(&d_cost), mean(&d_qalys)), n),
    ));
    let d_service = paired(baseline, scenario, "cost.service");
    let investment = if d_service.is_empty() {
        f64::NAN
    } else {
        mean(&d_service)
    };
    let mut public_savings = 0.0;
    let mut any = false;
    for (p, payer) in PAYERS.iter().enumerate() {
        let d = paired(
            baseline,
            scenario,
            &format!("cost.payer_consequences.{payer}"),
        );
        if d.is_empty() {
            continue;
        }
        let savings = -mean(&d);
        if p < PUBLIC_PAYERS {
            public_savings += savings;
            any = true;
        }
        out.push(row(
            format!("investment.roi.{payer}"),
            point(return_on_investment(savings, investment), d.len()),
        ));
    }
    if any {
        out.push(row(
            "investment.roi.public_sector".into(),
            point(return_on_investment(public_savings, investment), n),
        ));
    }
    out
}

/// A printed investment case for each scenario: net cost by payer, QALYs, ICER, net monetary
/// benefit and return on investment, in £ million with paired 95% intervals.
pub fn render_investment(rows: &[Row], price_year: &str, rate: f64) -> String {
    let mut scenarios: Vec<&str> = Vec::new();
    for r in rows {
        if !scenarios.contains(&r.scenario.as_str()) {
            scenarios.push(&r.scenario);
        }
    }
    let find = |scenario: &str, metric: &str| {
        rows.iter()
            .find(|r| r.scenario == scenario && r.metric == metric)
    };
    let millions = |e: &Estimate| {
        let m = |x: f64| {
            if x.is_finite() {
                format!("{:+.1}", x / 1e6)
            } else {
                "-".into()
            }
        };
        format!("{:>9}  ({} to {})", m(e.mean), m(e.low), m(e.high))
    };
    let mut s = format!(
        "\nInvestment case: scenario minus baseline over the measured window, £ million at {price_year} prices, discounted at {:.1}% a year.\nPublic sector = NHS England, integrated care boards, HMPPS/MoJ and local authorities; the wider costs of crime are shown beside it.\nIntervals are paired 95% intervals over replications: simulation noise only, at the scenario's central unit costs,\nutilities and effects. The uncertainty in those parameters (their low/high ranges) is not in these intervals.\n",
        rate * 100.0
    );
    for sc in scenarios {
        let Some(total) = find(sc, "cost.public_sector") else {
            continue;
        };
        s.push_str(&format!("\n{sc} ({} paired replications)\n", total.n));
        let line = |s: &mut String, label: &str, metric: &str| {
            if let Some(r) = find(sc, metric) {
                s.push_str(&format!("  {label:<44} {}\n", millions(&r.difference)));
            }
        };
        line(&mut s, "policy's own cost (service lines)", "cost.service");
        for payer in PAYERS {
            line(
                &mut s,
                &format!("net cost: {payer}"),
                &format!("cost.payer.{payer}"),
            );
        }
        line(&mut s, "net cost: public sector", "cost.public_sector");
        if let Some(q) = find(sc, "qalys.total") {
            let e = &q.difference;
            s.push_str(&format!(
                "  {:<44} {:>+9.1}  ({:+.1} to {:+.1})\n",
                "QALYs gained", e.mean, e.low, e.high
            ));
            let cost = total.difference.mean;
            let unclear = if e.low <= 0.0 && e.high >= 0.0 && e.low < e.high {
                " (the QALY interval includes 0)"
            } else {
                ""
            };
            s.push_str(&format!(
                "  {:<44} {}{unclear}\n",
                "ICER (public sector)",
                describe_icer(cost, e.mean)
            ));
        }
        for wtp in WILLINGNESS_TO_PAY {
            line(
                &mut s,
                &format!("net monetary benefit at £{}/QALY", thousands(wtp)),
                &format!("investment.nmb_{wtp:.0}"),
            );
        }
        let mut roi = Vec::new();
        for payer in PAYERS.iter().copied().chain(["public_sector"]) {
            if let Some(r) = find(sc, &format!("investment.roi.{payer}"))
                && r.difference.mean.is_finite()
            {
                // Round before printing, so a tiny negative does not show as "-0.00".
                let v = (r.difference.mean * 100.0).round() / 100.0 + 0.0;
                roi.push(format!("{payer} £{v:.2}"));
            }
        }
        s.push_str(&format!(
            "  {:<44} {}\n",
            "saved per £1 of policy spending",
            if roi.is_empty() {
                "- (no extra service spending)".to_string()
            } else {
                roi.join(", ")
            }
        ));
    }
    s
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
