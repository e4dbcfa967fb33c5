//! `comparison.csv`: each scenario against the baseline, metric by metric, with paired
//! differences.
//!
//! Replication r of every scenario uses the same random streams (common random numbers), so the
//! difference within a replication cancels the luck both runs share. The paired interval comes
//! from the spread of those differences. For comparison, the interval independent streams would
//! have given is computed from the two scenarios' own spreads, (s_b^2 + s_s^2) / n, which is what
//! the variance of a difference of independent means is; no extra runs are needed.

use crate::economics::investment::{
    WILLINGNESS_TO_PAY, icer, net_monetary_benefit, return_on_investment,
};
use crate::economics::{PAYERS, PUBLIC_PAYERS};
use crate::engine::stats::{Estimate, Running, student_t_quantile};
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

/// A cost difference as a saving: its sign and interval turned round.
fn saved(e: Estimate) -> Estimate {
    Estimate {
        mean: -e.mean + 0.0,
        low: -e.high + 0.0,
        high: -e.low + 0.0,
        ..e
    }
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

/// The ICER where it means something: in a trade-off (more cost for more QALYs, or less for
/// fewer). A dominant or dominated policy has none (NaN, an empty cell): its ratio would be
/// negative in both cases, and `investment.dominant` / `investment.dominated` say which.
fn trade_off_icer(d_cost: f64, d_qalys: f64) -> f64 {
    let (dominant, dominated) = quadrant_flags(d_cost, d_qalys);
    if dominant == 1.0 || dominated == 1.0 {
        f64::NAN
    } else {
        icer(d_cost, d_qalys)
    }
}

/// (1 if dominant, 1 if dominated) for mean differences, each else 0: dominant costs no more
/// and gains QALYs; dominated costs no less and loses QALYs.
fn quadrant_flags(d_cost: f64, d_qalys: f64) -> (f64, f64) {
    if !(d_cost.is_finite() && d_qalys.is_finite()) {
        return (f64::NAN, f64::NAN);
    }
    (
        f64::from(u8::from(d_qalys > 0.0 && d_cost <= 0.0)),
        f64::from(u8::from(d_qalys < 0.0 && d_cost >= 0.0)),
    )
}

/// One metric's running statistics: each side on its own, and the pairs.
#[derive(Debug, Clone, Default)]
struct MetricStats {
    name: String,
    baseline: Running,
    scenario: Running,
    paired_baseline: Running,
    paired_scenario: Running,
    difference: Running,
}

/// One scenario against the baseline, accumulated a replication at a time (so memory does not
/// grow with the number of replications). Replications must be added in a fixed order.
#[derive(Debug, Clone)]
pub struct Accumulator {
    scenario: String,
    metrics: Vec<MetricStats>,
    nmb: [Running; 2],
    /// The same, counting only cash-releasing lines (the marginal view).
    nmb_marginal: [Running; 2],
}

/// Metrics the investment case is built from.
const PUBLIC_COST: &str = "cost.public_sector";
const QALYS: &str = "qalys.total";
const SERVICE: &str = "cost.service";
const PUBLIC_COST_MARGINAL: &str = "cost.public_sector_marginal";

impl Accumulator {
    /// No replications yet.
    pub fn new(scenario: &str) -> Self {
        Self {
            scenario: scenario.to_string(),
            metrics: Vec::new(),
            nmb: Default::default(),
            nmb_marginal: Default::default(),
        }
    }

    /// Adds one pair of replications with the same number: every metric of the baseline's
    /// first replication (in its order), looked up by name in the scenario. A metric undefined
    /// (NaN) in either run drops that pair from the difference; each side's own mean still uses
    /// all its defined values.
    pub fn add(&mut self, baseline: &ReplicationResult, scenario: &ReplicationResult) {
        if self.metrics.is_empty() {
            self.metrics = baseline
                .metrics
                .iter()
                .map(|(m, _)| MetricStats {
                    name: m.clone(),
                    ..MetricStats::default()
                })
                .collect();
        }
        let lookup = |results: &ReplicationResult, i: usize, name: &str| -> f64 {
            match results.metrics.get(i) {
                Some((m, v)) if m == name => *v,
                _ => results
                    .metrics
                    .iter()
                    .find(|(m, _)| m == name)
                    .map_or(f64::NAN, |(_, v)| *v),
            }
        };
        let (mut d_cost, mut d_qalys, mut d_marginal) = (f64::NAN, f64::NAN, f64::NAN);
        for (i, m) in self.metrics.iter_mut().enumerate() {
            let (b, s) = (lookup(baseline, i, &m.name), lookup(scenario, i, &m.name));
            if b.is_finite() {
                m.baseline.push(b);
            }
            if s.is_finite() {
                m.scenario.push(s);
            }
            if b.is_finite() && s.is_finite() {
                m.paired_baseline.push(b);
                m.paired_scenario.push(s);
                m.difference.push(s - b);
                match m.name.as_str() {
                    PUBLIC_COST => d_cost = s - b,
                    QALYS => d_qalys = s - b,
                    PUBLIC_COST_MARGINAL => d_marginal = s - b,
                    _ => {}
                }
            }
        }
        if d_cost.is_finite() && d_qalys.is_finite() {
            for (acc, wtp) in self.nmb.iter_mut().zip(WILLINGNESS_TO_PAY) {
                acc.push(net_monetary_benefit(wtp, d_cost, d_qalys));
            }
        }
        if d_marginal.is_finite() && d_qalys.is_finite() {
            for (acc, wtp) in self.nmb_marginal.iter_mut().zip(WILLINGNESS_TO_PAY) {
                acc.push(net_monetary_benefit(wtp, d_marginal, d_qalys));
            }
        }
    }

    fn metric(&self, name: &str) -> Option<&MetricStats> {
        self.metrics.iter().find(|m| m.name == name)
    }

    /// One row per metric, then the investment case (see [`Accumulator::investment_rows`]).
    pub fn rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = self
            .metrics
            .iter()
            .map(|m| {
                let n = m.difference.n();
                let independent_half_width = if n >= 2 {
                    student_t_quantile(0.975, (n - 1) as f64)
                        * ((m.paired_baseline.sd().powi(2) + m.paired_scenario.sd().powi(2))
                            / n as f64)
                            .sqrt()
                } else {
                    f64::NAN
                };
                Row {
                    scenario: self.scenario.clone(),
                    metric: m.name.clone(),
                    n,
                    baseline_mean: m.baseline.mean(),
                    scenario_mean: m.scenario.mean(),
                    difference: if n == 0 {
                        undefined()
                    } else {
                        m.difference.estimate(0.95)
                    },
                    independent_half_width,
                }
            })
            .collect();
        rows.extend(self.investment_rows());
        rows
    }

    /// The investment case (see [`crate::economics::investment`]), as rows whose `difference`
    /// carries the measure; the baseline and scenario means are left undefined. Empty when the
    /// runs have no costs.
    ///
    /// - `investment.nmb_{λ}`: net monetary benefit, public sector, per replication: a paired
    ///   interval.
    /// - `investment.icer_public_sector`: mean Δcost / mean ΔQALYs (no interval: a ratio of
    ///   means has none that is reliable with few replications).
    /// - `investment.nmb_{λ}_marginal`, `investment.icer_public_sector_marginal`: the same
    ///   with the public sector's cash-releasing lines only (`cost.public_sector_marginal`).
    /// - `investment.savings.cash_releasing` and `investment.savings.opportunity`: the public
    ///   sector's savings on its consequence lines, split by saving kind; they add up to the
    ///   savings `investment.roi.public_sector` is built from.
    /// - `investment.roi.{payer}` and `investment.roi.public_sector`: mean savings on the
    ///   payer's consequence lines / mean extra service spending (no interval, likewise).
    /// - `investment.ld_cjs_saving_per_referral` and `..._undiscounted`: mean HMPPS savings /
    ///   mean extra L&D referrals, discounted and not, where referrals rise: the criminal
    ///   justice saving per referral that C22 bounds (validation case VE-3; no interval).
    fn investment_rows(&self) -> Vec<Row> {
        let (Some(cost), Some(qalys)) = (self.metric(PUBLIC_COST), self.metric(QALYS)) else {
            return Vec::new();
        };
        if cost.difference.n() == 0 || qalys.difference.n() == 0 {
            return Vec::new();
        }
        let row = |metric: String, difference: Estimate| Row {
            scenario: self.scenario.clone(),
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
        for (acc, wtp) in self.nmb.iter().zip(WILLINGNESS_TO_PAY) {
            out.push(row(format!("investment.nmb_{wtp:.0}"), acc.estimate(0.95)));
        }
        let n = cost.difference.n().min(qalys.difference.n());
        let (d_cost, d_qalys) = (cost.difference.mean(), qalys.difference.mean());
        out.push(row(
            "investment.icer_public_sector".into(),
            point(trade_off_icer(d_cost, d_qalys), n),
        ));
        // The quadrant, which the ICER alone loses: a dominant and a dominated policy both
        // have a negative ratio.
        let (dominant, dominated) = quadrant_flags(d_cost, d_qalys);
        out.push(row("investment.dominant".into(), point(dominant, n)));
        out.push(row("investment.dominated".into(), point(dominated, n)));
        if let Some(marginal) = self.metric(PUBLIC_COST_MARGINAL)
            && marginal.difference.n() > 0
        {
            for (acc, wtp) in self.nmb_marginal.iter().zip(WILLINGNESS_TO_PAY) {
                out.push(row(
                    format!("investment.nmb_{wtp:.0}_marginal"),
                    acc.estimate(0.95),
                ));
            }
            out.push(row(
                "investment.icer_public_sector_marginal".into(),
                point(
                    trade_off_icer(marginal.difference.mean(), qalys.difference.mean()),
                    marginal.difference.n().min(qalys.difference.n()),
                ),
            ));
        }
        for kind in ["cash_releasing", "opportunity"] {
            if let Some(m) = self.metric(&format!("cost.public_sector_consequences.{kind}"))
                && m.difference.n() > 0
            {
                out.push(row(
                    format!("investment.savings.{kind}"),
                    saved(m.difference.estimate(0.95)),
                ));
            }
        }
        let investment = self
            .metric(SERVICE)
            .map_or(f64::NAN, |m| m.difference.mean());
        let mut public_savings = 0.0;
        let mut any = false;
        for (p, payer) in PAYERS.iter().enumerate() {
            let Some(m) = self.metric(&format!("cost.payer_consequences.{payer}")) else {
                continue;
            };
            if m.difference.n() == 0 {
                continue;
            }
            let savings = -m.difference.mean();
            if p < PUBLIC_PAYERS {
                public_savings += savings;
                any = true;
            }
            out.push(row(
                format!("investment.roi.{payer}"),
                point(return_on_investment(savings, investment), m.difference.n()),
            ));
        }
        if any {
            out.push(row(
                "investment.roi.public_sector".into(),
                point(return_on_investment(public_savings, investment), n),
            ));
        }
        if let Some(referrals) = self.metric("liaison_diversion_referrals")
            && referrals.difference.n() > 0
            && referrals.difference.mean() > 0.0
        {
            for (name, metric) in [
                ("investment.ld_cjs_saving_per_referral", "cost.payer.hmpps"),
                (
                    "investment.ld_cjs_saving_per_referral_undiscounted",
                    "cost.payer_undiscounted.hmpps",
                ),
            ] {
                if let Some(m) = self.metric(metric)
                    && m.difference.n() > 0
                {
                    let per = -m.difference.mean() / referrals.difference.mean();
                    out.push(row(name.into(), point(per, m.difference.n())));
                }
            }
        }
        out
    }
}

/// Compares `scenario` with `baseline`, pairing replications by number (see [`Accumulator`]).
pub fn compare(baseline: &[ReplicationResult], scenario: &[ReplicationResult]) -> Vec<Row> {
    let name = scenario
        .first()
        .map(|r| r.scenario.clone())
        .unwrap_or_default();
    let mut acc = Accumulator::new(&name);
    let empty = ReplicationResult {
        scenario: name.clone(),
        replication: 0,
        metrics: Vec::new(),
    };
    for b in baseline {
        let s = scenario
            .iter()
            .find(|s| s.replication == b.replication)
            .unwrap_or(&empty);
        acc.add(b, s);
    }
    acc.rows()
}

/// The bytes of `comparison.csv`: one row per scenario and metric.
pub fn to_csv(rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).expect("writing to memory");
    // `+ 0.0` turns -0 (a mean of zeros with a negative sign, say) into 0 for the reader.
    let v = |x: f64| format_value(x + 0.0);
    for r in rows {
        w.write_record([
            r.scenario.clone(),
            r.metric.clone(),
            r.n.to_string(),
            v(r.baseline_mean),
            v(r.scenario_mean),
            v(r.difference.mean),
            v(r.difference.low),
            v(r.difference.high),
            v(r.independent_half_width),
            v(r.interval_ratio()),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The columns of `comparison.csv`, in order.
pub const COLUMNS: [&str; 10] = [
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
];

/// Reads `comparison.csv` back (as [`to_csv`] wrote it; `crn_interval_ratio` is derived, so
/// it is not kept). An empty cell is a value that does not exist (NaN). The error names the
/// line and column of the first cell that cannot be read.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let header = r.headers().map_err(|e| format!("line 1: {e}"))?.clone();
    if header.iter().ne(COLUMNS.iter().copied()) {
        return Err(format!(
            "line 1: the header is not comparison.csv's ({})",
            COLUMNS.join(",")
        ));
    }
    let mut rows = Vec::new();
    for (i, record) in r.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        if record.len() != COLUMNS.len() {
            return Err(format!(
                "line {line}: {} cells, not {}",
                record.len(),
                COLUMNS.len()
            ));
        }
        let number = |c: usize| -> Result<f64, String> {
            let cell = &record[c];
            if cell.is_empty() {
                Ok(f64::NAN)
            } else {
                cell.parse::<f64>()
                    .map_err(|_| format!("line {line}, {}: not a number: {cell:?}", COLUMNS[c]))
            }
        };
        let n = record[2]
            .parse::<usize>()
            .map_err(|_| format!("line {line}, replications: not a count: {:?}", &record[2]))?;
        rows.push(Row {
            scenario: record[0].to_string(),
            metric: record[1].to_string(),
            n,
            baseline_mean: number(3)?,
            scenario_mean: number(4)?,
            difference: Estimate {
                n,
                mean: number(5)?,
                sd: f64::NAN,
                low: number(6)?,
                high: number(7)?,
            },
            independent_half_width: number(8)?,
        });
    }
    Ok(rows)
}

/// A table a commissioner can read: for each scenario against `baseline` (its name), the
/// chosen metrics with what they count (the unit column: a year, a mean, a share, or a total
/// over the measured window of `years` years, or the whole run), the baseline, the scenario,
/// the difference and its interval, named for what it is (simulation noise), and how much
/// narrower common random numbers made it. Numbers carry three significant figures, or whole
/// numbers with thousands separators from 100 up; shares are percentages, and their
/// differences percentage points. With fewer than four paired replications it warns that the
/// intervals are too wide to use.
pub fn render(rows: &[Row], metrics: &[&str], baseline: &str, years: f64) -> String {
    let mut s = String::new();
    let mut current = "";
    for r in rows.iter().filter(|r| metrics.contains(&r.metric.as_str())) {
        if r.scenario != current {
            current = &r.scenario;
            s.push_str(&format!(
                "\n{current} against {baseline} ({} paired replications; measured window {} years)\n",
                r.n,
                whole_years(years)
            ));
            if r.n < 4 {
                s.push_str(&format!(
                    "  warning: with {} paired replications the noise intervals rest on a rough guess of the spread and are too wide to use; run 4 or more (--replications)\n",
                    r.n
                ));
            }
            s.push_str(&format!(
                "  {:<48} {:<24} {:>12} {:>12} {:>12}  {:<26} {}\n",
                "metric", "unit", "baseline", "scenario", "difference", "noise 95%", "CRN width"
            ));
        }
        let share = r.metric.ends_with("_share");
        let value = |x: f64| if share { tidy(x * 100.0) } else { tidy(x) };
        s.push_str(&format!(
            "  {:<48} {:<24} {:>12} {:>12} {:>12}  {:<26} {}\n",
            r.metric,
            unit(&r.metric, years),
            value(r.baseline_mean),
            value(r.scenario_mean),
            signed(value(r.difference.mean)),
            format!(
                "{} to {}",
                signed(value(r.difference.low)),
                signed(value(r.difference.high))
            ),
            match r.interval_ratio() {
                x if x.is_finite() => format!("{:.0}%", x * 100.0),
                _ => "-".into(),
            }
        ));
    }
    if !s.is_empty() {
        s.push_str(
            "\nnoise 95%: the paired 95% interval over replications, simulation noise only (not parameter uncertainty).\n\
             CRN width: that interval's width as a share of what independent random streams would give; below 100%, common\n\
             random numbers made the comparison sharper. Shares are in %, their differences in percentage points (pp).\n",
        );
    }
    s
}

/// What a headline metric counts, from its name (docs/metrics.md defines each).
fn unit(metric: &str, years: f64) -> String {
    if metric == "people_exited" || metric == "people_entered" {
        "people, whole run".into()
    } else if metric.ends_with("_per_year") {
        "a year".into()
    } else if metric.ends_with("_share") {
        "% (difference in pp)".into()
    } else if metric.ends_with("_days_mean") {
        "days, mean".into()
    } else if metric.ends_with("population_mean") || metric.ends_with("queue_mean") {
        "people at a time, mean".into()
    } else if metric.ends_with("_bed_days") {
        format!("bed-days, {}-year total", whole_years(years))
    } else if metric.ends_with("_days") {
        format!("person-days, {}-year total", whole_years(years))
    } else {
        format!("{}-year total", whole_years(years))
    }
}

/// Years as a reader says them: 1,826 days is "5", 2.5 years "2.5".
fn whole_years(years: f64) -> String {
    if (years - years.round()).abs() < 0.01 {
        format!("{:.0}", years.round())
    } else {
        format!("{years:.1}")
    }
}

/// A number for reading: whole, with thousands separators, from 100 up; otherwise three
/// significant figures (at most four decimals); never "-0".
pub fn tidy(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let text = if x.abs() >= 99.95 {
        crate::economics::investment::thousands(x)
    } else if x == 0.0 {
        "0".into()
    } else {
        let decimals = (2 - x.abs().log10().floor() as i32).clamp(0, 4) as usize;
        format!("{x:.decimals$}")
    };
    // Too small to show at this precision: zero, without a sign.
    if text.chars().all(|c| matches!(c, '0' | '.' | ',' | '-')) {
        "0".into()
    } else {
        text
    }
}

/// A tidy number with its sign: "+" for a positive one.
fn signed(text: String) -> String {
    if text == "-" || text.starts_with('-') || text == "0" {
        text
    } else {
        format!("+{text}")
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

    fn run(scenario: &str, r: u64, m: &[(&str, f64)]) -> ReplicationResult {
        ReplicationResult {
            scenario: scenario.into(),
            replication: r,
            metrics: m.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        }
    }

    /// A policy that spends £10 a replication on a service and frees prison time worth £30 in
    /// direct costs (cash-releasing) and £15 in overheads (opportunity), with 0.001 QALYs.
    #[test]
    fn the_quadrant_survives_where_the_icer_cannot_say_it() {
        // A dominant and a dominated policy both have a negative ratio; comparison.csv keeps
        // the ICER for trade-offs only and names the quadrant in its own rows.
        assert_eq!(quadrant_flags(-5.0, 1.0), (1.0, 0.0));
        assert_eq!(quadrant_flags(5.0, -1.0), (0.0, 1.0));
        assert_eq!(quadrant_flags(5.0, 1.0), (0.0, 0.0));
        assert_eq!(quadrant_flags(-5.0, -1.0), (0.0, 0.0));
        assert!(trade_off_icer(-5.0, 1.0).is_nan());
        assert!(trade_off_icer(5.0, -1.0).is_nan());
        assert_eq!(trade_off_icer(5.0, 1.0), 5.0);
        assert_eq!(trade_off_icer(-5.0, -1.0), 5.0);
    }

    #[test]
    fn the_marginal_view_and_the_savings_split_add_up() {
        let metrics = |r: u64, scenario: bool| {
            let luck = 100.0 * r as f64;
            let (service, direct, overheads, q) = if scenario {
                (10.0, 70.0 + luck, 35.0, 1.001)
            } else {
                (0.0, 100.0 + luck, 50.0, 1.0)
            };
            vec![
                ("cost.service", service),
                ("cost.payer_consequences.hmpps", direct + overheads),
                ("cost.public_sector", service + direct + overheads),
                ("cost.public_sector_marginal", service + direct),
                ("cost.public_sector_consequences.cash_releasing", direct),
                ("cost.public_sector_consequences.opportunity", overheads),
                ("qalys.total", q),
            ]
        };
        let b: Vec<_> = (0..3).map(|r| run("base", r, &metrics(r, false))).collect();
        let s: Vec<_> = (0..3).map(|r| run("s", r, &metrics(r, true))).collect();
        let rows = compare(&b, &s);
        let get = |name: &str| {
            rows.iter()
                .find(|r| r.metric == name)
                .unwrap_or_else(|| panic!("{name}"))
                .difference
        };
        let (cash, opportunity) = (
            get("investment.savings.cash_releasing"),
            get("investment.savings.opportunity"),
        );
        assert!((cash.mean - 30.0).abs() < 1e-9);
        assert!((opportunity.mean - 15.0).abs() < 1e-9);
        // The split adds up to the consequence savings that the return on investment uses.
        let roi = get("investment.roi.public_sector").mean;
        assert!((roi - (cash.mean + opportunity.mean) / 10.0).abs() < 1e-9);
        // Full cost: -35; marginal: -20. NMB at £20,000: 20 + 35 = 55 and 20 + 20 = 40, the same
        // in each replication, so the paired interval is a point.
        let nmb = get("investment.nmb_20000");
        let marginal = get("investment.nmb_20000_marginal");
        assert!((nmb.mean - 55.0).abs() < 1e-6, "{nmb:?}");
        assert!((marginal.mean - 40.0).abs() < 1e-6, "{marginal:?}");
        assert!((marginal.high - marginal.low).abs() < 1e-6);
        assert!((get("investment.nmb_30000_marginal").mean - 50.0).abs() < 1e-6);
        // Cheaper and more QALYs on either cost: dominant, so no ICER (its ratio would be
        // negative, as a dominated policy's is).
        assert!(get("investment.icer_public_sector_marginal").mean.is_nan());
        assert!(get("investment.icer_public_sector").mean.is_nan());
        assert_eq!(get("investment.dominant").mean, 1.0);
        assert_eq!(get("investment.dominated").mean, 0.0);
        let text = crate::output::investment::render(&rows, None, "baseline", "2024-25", 0.035);
        assert!(
            text.contains("net cost: public sector, full cost"),
            "{text}"
        );
        assert!(
            text.contains("net cost: public sector, cash-releasing"),
            "{text}"
        );
        assert!(
            text.contains("public-sector savings: opportunity"),
            "{text}"
        );
        assert!(text.contains("business-case convention"), "{text}");
    }

    #[test]
    fn printed_numbers_are_tidy_and_say_what_they_count() {
        assert_eq!(tidy(1_234_567.8), "1,234,568");
        assert_eq!(tidy(96.378), "96.4");
        assert_eq!(tidy(9.8825), "9.88");
        assert_eq!(tidy(0.00421), "0.0042");
        assert_eq!(tidy(-0.00001), "0");
        assert_eq!(tidy(-0.0), "0");
        assert_eq!(tidy(f64::NAN), "-");
        assert_eq!(signed(tidy(2.25)), "+2.25");
        assert_eq!(signed(tidy(-0.00001)), "0");
        assert_eq!(unit("receptions_per_year", 5.0), "a year");
        assert_eq!(unit("custody_days", 5.0), "person-days, 5-year total");
        assert_eq!(unit("spot_bed_days", 5.0), "bed-days, 5-year total");
        assert_eq!(unit("people_exited", 5.0), "people, whole run");
        assert_eq!(unit("transfer_limit_breaches", 5.0), "5-year total");
        let b = [rep("base", 0, 0.1), rep("base", 1, 0.2)];
        let s = [rep("s", 0, 0.15), rep("s", 1, 0.3)];
        let rows: Vec<Row> = compare(&b, &s)
            .into_iter()
            .map(|r| Row {
                metric: "x_share".into(),
                ..r
            })
            .collect();
        let text = render(&rows, &["x_share"], "status-quo", 5.0);
        assert!(
            text.contains("s against status-quo (2 paired replications; measured window 5 years)"),
            "{text}"
        );
        assert!(
            text.contains("warning: with 2 paired replications"),
            "{text}"
        );
        // Shares as percentages: 15% baseline, 22.5% scenario, +7.50 pp.
        assert!(
            text.contains("15.0") && text.contains("22.5") && text.contains("+7.50"),
            "{text}"
        );
        assert!(text.contains("noise 95%"), "{text}");
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
