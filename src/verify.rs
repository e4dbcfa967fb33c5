//! The engine's verification models: simulated estimates against closed-form results.
//!
//! Each check runs independent replications, estimates a quantity with 95% and 99% intervals,
//! and passes when theory lies inside the 99% interval and the relative error is within the
//! stated tolerance. Seeds are fixed, so a check that passes today passes on every machine;
//! sample sizes are set so the tolerance is several standard errors wide (see each check), not
//! chosen to make a failing check pass.

use std::path::Path;

use rayon::prelude::*;

use crate::engine::stats::Estimate;
use crate::model::mmc::{self, MmcParams};
use crate::model::network;
use crate::model::recorder::NullRecorder;
use crate::scenario;

/// The result of one verification check.
#[derive(Debug, Clone)]
pub struct Check {
    /// Model and setting, e.g. `M/M/5 rho=0.80`.
    pub model: String,
    /// Quantity compared, e.g. `P(wait)`.
    pub quantity: String,
    /// Closed-form value.
    pub analytic: f64,
    /// Simulated estimate with its 95% interval.
    pub estimate: Estimate,
    /// 99% interval.
    pub ci99: (f64, f64),
    /// Largest relative error accepted.
    pub tolerance: f64,
    /// Whether theory is inside the 99% interval, the relative error is within tolerance, and
    /// the 95% interval is no wider than the tolerance (so the check could have failed).
    pub pass: bool,
}

impl Check {
    fn new(model: String, quantity: &str, analytic: f64, values: &[f64], tolerance: f64) -> Self {
        let estimate = Estimate::of(values, 0.95);
        let e99 = Estimate::of(values, 0.99);
        let rel = relative_error(estimate.mean, analytic);
        // Half-width of the 95% interval on the same scale as the relative error.
        let half_width = relative_error(analytic + (estimate.high - estimate.mean), analytic);
        let precise = tolerance == 0.0 || half_width <= tolerance;
        let pass = e99.contains(analytic) && rel <= tolerance && precise;
        Self {
            model,
            quantity: quantity.to_string(),
            analytic,
            estimate,
            ci99: (e99.low, e99.high),
            tolerance,
            pass,
        }
    }

    /// |estimate - analytic| / |analytic| (absolute error when the analytic value is 0).
    pub fn relative_error(&self) -> f64 {
        relative_error(self.estimate.mean, self.analytic)
    }
}

fn relative_error(estimate: f64, analytic: f64) -> f64 {
    if analytic == 0.0 {
        estimate.abs()
    } else {
        ((estimate - analytic) / analytic).abs()
    }
}

/// Erlang C: the probability that an arrival to M/M/c with offered load `a = lambda / mu` waits.
/// Computed through the Erlang B recursion, which neither overflows nor loses precision.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let c = c as f64;
    c * b / (c - a * (1.0 - b))
}

/// Mean wait in queue for M/M/c, in units of the mean service time: C / (c - a).
pub fn erlang_c_mean_wait(c: u32, a: f64, mean_service: f64) -> f64 {
    erlang_c(c, a) * mean_service / (c as f64 - a)
}

/// Replications per check.
pub const REPLICATIONS: u64 = 10;

/// Arrivals per replication (after a 10% warm-up) for each M/M/c check, by servers and load.
///
/// Chosen from a pilot run (seed 20261122, 10 replications) so that the standard error of each
/// estimate is at most a third of its tolerance: the waiting time's variance grows like
/// 1/(1-rho)^4 while its mean grows like 1/(1-rho), and systems that rarely make anyone wait
/// (20 servers at half load: 0.4% wait) need many people to see enough waits. A check also fails
/// if its 95% interval is wider than its tolerance, so an underpowered check cannot pass.
fn mmc_arrivals(c: u32, rho: f64) -> u64 {
    match (c, (rho * 100.0).round() as u32) {
        (1, 50) => 80_000,
        (1, 80) => 400_000,
        (1, _) => 2_000_000,
        (5, 50) => 400_000,
        (5, 80) => 700_000,
        (5, _) => 1_500_000,
        (_, 50) => 8_000_000,
        (_, 80) => 3_000_000,
        _ => 1_600_000,
    }
}

/// The M/M/c checks: utilisation 0.5, 0.8, 0.95 with 1, 5 and 20 servers.
pub fn mmc_checks(seed: u64) -> Vec<Check> {
    mmc_checks_with(seed, &|| {})
}

/// Settings checked (nine M/M/c settings and two network models), for progress bars.
pub const UNITS: u64 = 11;

fn mmc_checks_with(seed: u64, done: &(dyn Fn() + Sync)) -> Vec<Check> {
    let configs: Vec<(u32, f64)> = [1u32, 5, 20]
        .iter()
        .flat_map(|&c| [0.5, 0.8, 0.95].map(move |rho| (c, rho)))
        .collect();
    configs
        .par_iter()
        .flat_map_iter(|&(c, rho)| {
            let arrivals = mmc_arrivals(c, rho);
            let params = MmcParams {
                arrival_rate_per_day: rho * c as f64,
                servers: c,
                mean_service_days: 1.0,
                arrivals: arrivals + arrivals / 10,
                warmup_arrivals: arrivals / 10,
            };
            let runs: Vec<_> = (0..REPLICATIONS)
                .into_par_iter()
                .map(|r| mmc::run(params, seed, r))
                .collect();
            let a = rho * c as f64;
            let tol = if rho > 0.9 { 0.05 } else { 0.02 };
            done();
            let model = format!("M/M/{c} rho={rho:.2}");
            let p_wait: Vec<f64> = runs
                .iter()
                .map(|r| r.waited as f64 / r.measured as f64)
                .collect();
            let wait: Vec<f64> = runs.iter().map(|r| r.wait_mean_days).collect();
            vec![
                Check::new(model.clone(), "P(wait)", erlang_c(c, a), &p_wait, tol),
                Check::new(
                    model,
                    "mean wait (days)",
                    erlang_c_mean_wait(c, a, 1.0),
                    &wait,
                    tol,
                ),
            ]
        })
        .collect()
}

const MG_INFINITY: &str = r#"
name = "verify-mg-infinity"
[simulation]
warmup_days = 200
horizon_days = 4000
[arrivals.people]
to = "stay"
rate_per_day = 5
[stages.stay]
duration = { dist = "lognormal", mean = 4, sd = 6 }
"#;

const LITTLE: &str = r#"
name = "verify-little"
[simulation]
warmup_days = 100
horizon_days = 4000
[arrivals.people]
to = "queue"
rate_per_day = 5
[stages.queue]
capacity = 3
duration = { dist = "exponential", mean = 0.5 }
routes = { queue = 0.2, after = 0.8 }
[stages.after]
duration = { dist = "gamma", shape = 2, scale = 1 }
"#;

fn scenario_runs(text: &str, seed: u64) -> Vec<crate::model::Metrics> {
    let s = scenario::load_str(Path::new("(built-in verification model)"), text)
        .expect("built-in verification models are valid");
    (0..REPLICATIONS)
        .into_par_iter()
        .map(|r| network::run(&s, seed, r, NullRecorder).0.metrics)
        .collect()
}

fn metric(m: &crate::model::Metrics, name: &str) -> f64 {
    m.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| *v)
        .unwrap_or(f64::NAN)
}

/// M/G/infinity, Little's law and conservation of people, on the scenario network model.
pub fn network_checks(seed: u64) -> Vec<Check> {
    network_checks_with(seed, &|| {})
}

fn network_checks_with(seed: u64, done: &(dyn Fn() + Sync)) -> Vec<Check> {
    let mut out = Vec::new();
    let runs = scenario_runs(MG_INFINITY, seed);
    done();
    let occupancy: Vec<f64> = runs
        .iter()
        .map(|m| metric(m, "stay.in_stage_mean"))
        .collect();
    out.push(Check::new(
        "M/G/inf lognormal(4, 6), 5/day".into(),
        "mean occupancy",
        5.0 * 4.0,
        &occupancy,
        0.02,
    ));

    let runs = scenario_runs(LITTLE, seed);
    done();
    for stage in ["queue", "after"] {
        // Little's law per replication: L - lambda W, relative to L. Theory says 0.
        let gaps: Vec<f64> = runs
            .iter()
            .map(|m| {
                let l = metric(m, &format!("{stage}.in_stage_mean"));
                let lambda = metric(m, &format!("{stage}.arrival_rate_per_day"));
                let w = metric(m, &format!("{stage}.sojourn_days_mean"));
                (l - lambda * w) / l
            })
            .collect();
        out.push(Check::new(
            format!("Little's law, stage `{stage}` (feedback network)"),
            "(L - lambda W) / L",
            0.0,
            &gaps,
            0.02,
        ));
    }
    let imbalance: Vec<f64> = runs
        .iter()
        .map(|m| {
            metric(m, "people_entered")
                - metric(m, "people_exited")
                - metric(m, "people_in_system_end")
        })
        .collect();
    let mut conservation = Check::new(
        "Conservation of people (feedback network)".into(),
        "entered - exited - in system",
        0.0,
        &imbalance,
        0.0,
    );
    // Conservation is exact: every replication must balance, not just the mean.
    conservation.pass = imbalance.iter().all(|&d| d == 0.0);
    out.push(conservation);
    out
}

/// Every check.
pub fn all(seed: u64) -> Vec<Check> {
    all_with_progress(seed, &|| {})
}

/// Every check, calling `done` as each of the [`UNITS`] settings finishes.
pub fn all_with_progress(seed: u64, done: &(dyn Fn() + Sync)) -> Vec<Check> {
    let mut v = mmc_checks_with(seed, done);
    v.extend(network_checks_with(seed, done));
    v
}

/// Formats the checks as a table.
pub fn render(checks: &[Check]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<44} {:<28} {:>11} {:>11} {:>25} {:>8} {:>6}  result",
        "model", "quantity", "analytic", "simulated", "95% interval", "rel.err", "tol."
    );
    for c in checks {
        let _ = writeln!(
            s,
            "{:<44} {:<28} {:>11.5} {:>11.5} {:>25} {:>7.2}% {:>5.1}%  {}",
            c.model,
            c.quantity,
            c.analytic,
            c.estimate.mean,
            format!("({:.5}, {:.5})", c.estimate.low, c.estimate.high),
            100.0 * c.relative_error(),
            100.0 * c.tolerance,
            if c.pass { "pass" } else { "FAIL" }
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_theory_or_an_imprecise_estimate_fails() {
        let values = [1.00, 1.01, 0.99, 1.00, 1.02, 0.98, 1.00, 1.01, 0.99, 1.00];
        assert!(Check::new("m".into(), "q", 1.0, &values, 0.02).pass);
        // Theory 3% away: outside the interval and the tolerance.
        assert!(!Check::new("m".into(), "q", 1.03, &values, 0.02).pass);
        // Right on average but too noisy to tell: the 95% interval is wider than 2%.
        let noisy = [0.9, 1.1, 0.95, 1.05, 1.0, 0.92, 1.08, 1.0, 0.97, 1.03];
        assert!(!Check::new("m".into(), "q", 1.0, &noisy, 0.02).pass);
    }

    #[test]
    fn erlang_c_matches_textbook_values() {
        // M/M/1: P(wait) = rho, Wq = rho / (1 - rho) service times.
        assert!((erlang_c(1, 0.8) - 0.8).abs() < 1e-12);
        assert!((erlang_c_mean_wait(1, 0.8, 1.0) - 4.0).abs() < 1e-12);
        // M/M/2 with a = 1: C = 1/3 (closed form 2 rho^2 / (1 + rho), rho = 0.5).
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    }
}
