//! The investment case, as `cjmh compare` prints it and as `investment.md` (the README's table):
//! pure functions from comparison rows to text.
//!
//! Every difference is printed with its interval, and every interval says what it measures:
//! **simulation noise** (the paired 95% interval over replications, at the scenario's central
//! values), and, when PSA sweeps are given (`--psa`), **parameter uncertainty** (the 2.5th to
//! 97.5th percentile of the paired difference over the PSA's draws). A reader is never left to
//! take a noise interval for the uncertainty of the decision.

use crate::economics::investment::{WILLINGNESS_TO_PAY, describe_icer, thousands};
use crate::economics::{PARTS, PAYERS, psa};
use crate::engine::stats::Estimate;
use crate::output::comparison::Row;

/// Parameter uncertainty from PSA sweeps: for each scenario, its draws paired with the
/// baseline's.
#[derive(Debug, Clone, PartialEq)]
pub struct PsaIntervals {
    /// Draws in each sweep.
    pub draws: usize,
    /// (scenario, measure, 2.5th percentile, 97.5th percentile) of the paired differences.
    pub intervals: Vec<(String, &'static str, f64, f64)>,
}

/// The measures a PSA interval is given for: public-sector cost, QALYs, and net monetary benefit
/// at each willingness to pay (their names in `comparison.csv`).
pub const PSA_MEASURES: [&str; 4] = [
    "cost.public_sector",
    "qalys.total",
    "investment.nmb_20000",
    "investment.nmb_30000",
];

/// The `q` quantile of `v` (sorted here), interpolated linearly between order statistics.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let x = q * (v.len() - 1) as f64;
    let (i, f) = (x.floor() as usize, x - x.floor());
    if i + 1 < v.len() {
        v[i] + f * (v[i + 1] - v[i])
    } else {
        v[i]
    }
}

impl PsaIntervals {
    /// From the baseline's PSA and one per scenario (named as the scenarios in the rows), with
    /// draws paired by number (the same parameter values in every sweep).
    pub fn of(baseline: &psa::Strategy, scenarios: &[(String, psa::Strategy)]) -> Self {
        let draws = baseline.cost.len();
        let mut intervals = Vec::new();
        for (name, s) in scenarios {
            let n = draws.min(s.cost.len());
            let d_cost: Vec<f64> = (0..n).map(|i| s.cost[i] - baseline.cost[i]).collect();
            let d_qalys: Vec<f64> = (0..n).map(|i| s.qalys[i] - baseline.qalys[i]).collect();
            let nmb =
                |wtp: f64| -> Vec<f64> { (0..n).map(|i| wtp * d_qalys[i] - d_cost[i]).collect() };
            for (measure, mut v) in PSA_MEASURES.into_iter().zip([
                d_cost.clone(),
                d_qalys.clone(),
                nmb(WILLINGNESS_TO_PAY[0]),
                nmb(WILLINGNESS_TO_PAY[1]),
            ]) {
                let low = quantile(&mut v, 0.025);
                let high = quantile(&mut v, 0.975);
                intervals.push((name.clone(), measure, low, high));
            }
        }
        Self { draws, intervals }
    }

    pub fn get(&self, scenario: &str, measure: &str) -> Option<(f64, f64)> {
        self.intervals
            .iter()
            .find(|(s, m, _, _)| s == scenario && *m == measure)
            .map(|&(_, _, l, h)| (l, h))
    }
}

/// Rows of one scenario, looked up by metric.
pub(crate) struct Scenario<'a> {
    pub(crate) name: &'a str,
    pub(crate) rows: Vec<&'a Row>,
}

impl<'a> Scenario<'a> {
    pub(crate) fn get(&self, metric: &str) -> Option<&'a Row> {
        self.rows.iter().copied().find(|r| r.metric == metric)
    }

    /// The mean difference of `metric`, if measured.
    pub(crate) fn mean(&self, metric: &str) -> Option<f64> {
        self.get(metric).map(|r| r.difference.mean)
    }
}

/// The rows grouped by scenario, in the order the scenarios first appear.
pub(crate) fn scenarios(rows: &[Row]) -> Vec<Scenario<'_>> {
    let mut out: Vec<Scenario> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|s| s.name == r.scenario) {
            Some(s) => s.rows.push(r),
            None => out.push(Scenario {
                name: &r.scenario,
                rows: vec![r],
            }),
        }
    }
    out
}

/// A signed amount in £ million, one decimal.
fn millions(x: f64) -> String {
    signed(x / 1e6)
}

/// A signed amount with one decimal and thousands separators; one that rounds to zero is "0.0",
/// never "-0.0".
fn signed(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let tenths = (x * 10.0).round();
    if tenths == 0.0 {
        return "0.0".into();
    }
    let sign = if tenths < 0.0 { "-" } else { "+" };
    let tenths = tenths.abs();
    format!(
        "{sign}{}.{}",
        thousands((tenths / 10.0).trunc()),
        (tenths % 10.0) as u8
    )
}

fn interval(e: &Estimate, f: &dyn Fn(f64) -> String) -> String {
    if e.low.is_finite() && e.high.is_finite() {
        format!("{} to {}", f(e.low), f(e.high))
    } else {
        "-".into()
    }
}

/// Why time in prison is not valued: said after [`not_valued`]'s change where there is room.
const PRISON_NOT_VALUED: &str = "are valued as time in the community: no UK utility for prisoners exists (HU14 is Australian, SF-6D)";

/// An ICER in words, with a caveat when the QALYs' noise interval includes 0 (its sign then
/// means little).
fn icer_text(cost: f64, qalys: &Estimate) -> String {
    let unclear = if qalys.low <= 0.0 && qalys.high >= 0.0 && qalys.low < qalys.high {
        " (the QALYs' noise interval includes 0)"
    } else {
        ""
    };
    format!("{}{unclear}", describe_icer(cost, qalys.mean))
}

/// What the scenario changes that no utility values: time in prison rather than the community
/// (see [`PRISON_NOT_VALUED`]). Named when the paired interval of the change excludes zero.
fn not_valued(s: &Scenario) -> Option<String> {
    let r = s.get("custody_days")?;
    let e = &r.difference;
    if !(e.low.is_finite() && e.high.is_finite()) || (e.low <= 0.0 && e.high >= 0.0) {
        return None;
    }
    let years = e.mean / 365.25;
    Some(format!(
        "{} person-years {} in prison (noise 95%: {} to {})",
        thousands(years.abs()),
        if years < 0.0 { "fewer" } else { "more" },
        thousands(e.low / 365.25),
        thousands(e.high / 365.25),
    ))
}

/// The QALY sources of a difference, largest first: each health state, life lost after the
/// window, and per-unit lines.
fn qaly_parts(s: &Scenario) -> Vec<(String, f64)> {
    let mut parts: Vec<(String, f64)> = s
        .rows
        .iter()
        .filter_map(|r| {
            let label = if let Some(state) = r.metric.strip_prefix("qalys.state.") {
                state.replace('_', " ")
            } else if r.metric == "qalys.after_window" {
                "life lost after the window".into()
            } else if let Some(line) = r.metric.strip_prefix("qalys.line.") {
                format!("{} (per unit)", line.replace('_', " "))
            } else {
                return None;
            };
            Some((label, r.difference.mean))
        })
        .collect();
    parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    parts
}

/// The printed investment case for each scenario: the policy's cost, net cost by payer,
/// QALYs with where they come from and what is not valued, ICER, net monetary benefit,
/// savings per £1, year by year, and who gains by sex and age band. In £ million at
/// `price_year` prices, discounted at `rate`.
pub fn render(
    rows: &[Row],
    psa: Option<&PsaIntervals>,
    baseline: &str,
    price_year: &str,
    rate: f64,
) -> String {
    let mut s = format!(
        "\nInvestment case: each scenario minus {baseline} over the measured window, £ million at {price_year} prices, discounted at {:.1}% a year.\n\
         Public sector = NHS England, integrated care boards, HMPPS/MoJ and local authorities; the wider costs of crime are shown beside it.\n\
         Each difference is the mean over paired replications, with its intervals:\n\
         \x20 noise 95%: the paired 95% interval over replications. Simulation noise only, at the central unit costs, utilities\n\
         \x20            and effects: it says how precisely the runs estimate the difference, not how uncertain the decision is.\n",
        rate * 100.0
    );
    s.push_str(
        "Full cost counts every cost line at its average cost (prison time at C1, including overheads). Cash-releasing\n\
         (marginal) is the public-sector business-case convention: it counts only the lines whose change moves a budget (prison\n\
         time at its direct resource cost), and reports the rest of the savings as opportunity savings: capacity freed (prison\n\
         overheads), whose cost stays until the capacity itself is closed. docs/economics.md gives each line's saving kind.\n",
    );
    match psa {
        Some(p) => s.push_str(&format!(
            "  PSA 95%:   the 2.5th to 97.5th percentile over {} PSA draws of every uncertain parameter (their low/high ranges): the\n\
             \x20            uncertainty in the parameters, which is what a decision rests on.\n",
            p.draws
        )),
        None => s.push_str(
            "  The uncertainty in the parameters is not in these intervals: run PSA sweeps and pass them with --psa to see it.\n",
        ),
    }
    for sc in scenarios(rows) {
        let Some(total) = sc.get("cost.public_sector") else {
            continue;
        };
        s.push_str(&format!(
            "\n{} ({} paired replications)\n  {:<46} {:>9}  {:<22}{}\n",
            sc.name,
            total.n,
            "",
            "mean",
            "noise 95%",
            if psa.is_some() { "PSA 95%" } else { "" }
        ));
        let psa_of = |metric: &str, f: &dyn Fn(f64) -> String| -> String {
            psa.and_then(|p| p.get(sc.name, metric))
                .map_or(String::new(), |(l, h)| format!("{} to {}", f(l), f(h)))
        };
        let line = |s: &mut String, label: &str, metric: &str, f: &dyn Fn(f64) -> String| {
            if let Some(r) = sc.get(metric) {
                s.push_str(&format!(
                    "  {label:<46} {:>9}  {:<22}{}\n",
                    f(r.difference.mean),
                    interval(&r.difference, f),
                    psa_of(metric, f)
                ));
            }
        };
        line(
            &mut s,
            "policy's own cost (service lines), £m",
            "cost.service",
            &millions,
        );
        for payer in PAYERS {
            line(
                &mut s,
                &format!("net cost: {payer}, £m"),
                &format!("cost.payer.{payer}"),
                &millions,
            );
        }
        line(
            &mut s,
            "net cost: public sector, full cost, £m",
            "cost.public_sector",
            &millions,
        );
        line(&mut s, "QALYs gained", "qalys.total", &signed);
        let parts = qaly_parts(&sc);
        if !parts.is_empty() {
            let from: Vec<String> = parts
                .iter()
                .filter(|(_, v)| v.abs() >= 0.05)
                .map(|(l, v)| format!("{l} {}", signed(*v)))
                .collect();
            s.push_str(&format!(
                "    from (QALYs lived in each state; time moves between states): {}\n",
                if from.is_empty() {
                    "no health state changes by 0.05 QALYs or more".to_string()
                } else {
                    from.join("; ")
                }
            ));
        }
        if let Some(n) = not_valued(&sc) {
            s.push_str(&format!("    not valued: {n} {PRISON_NOT_VALUED}\n"));
        }
        let icer_line = |s: &mut String, label: &str, cost: f64| {
            if let Some(q) = sc.get("qalys.total") {
                s.push_str(&format!(
                    "  {label:<46} {}\n",
                    icer_text(cost, &q.difference)
                ));
            }
        };
        icer_line(
            &mut s,
            "ICER (public sector), full cost",
            total.difference.mean,
        );
        for wtp in WILLINGNESS_TO_PAY {
            line(
                &mut s,
                &format!("NMB at £{}/QALY, full cost, £m", thousands(wtp)),
                &format!("investment.nmb_{wtp:.0}"),
                &millions,
            );
        }
        if let Some(marginal) = sc.get("cost.public_sector_marginal") {
            s.push_str("  marginal (cash-releasing) view:\n");
            line(
                &mut s,
                "net cost: public sector, cash-releasing, £m",
                "cost.public_sector_marginal",
                &millions,
            );
            icer_line(
                &mut s,
                "ICER (public sector), cash-releasing",
                marginal.difference.mean,
            );
            for wtp in WILLINGNESS_TO_PAY {
                line(
                    &mut s,
                    &format!("NMB at £{}/QALY, cash-releasing, £m", thousands(wtp)),
                    &format!("investment.nmb_{wtp:.0}_marginal"),
                    &millions,
                );
            }
            line(
                &mut s,
                "public-sector savings: cash-releasing, £m",
                "investment.savings.cash_releasing",
                &millions,
            );
            line(
                &mut s,
                "public-sector savings: opportunity, £m",
                "investment.savings.opportunity",
                &millions,
            );
        }
        let mut roi = Vec::new();
        for payer in PAYERS.iter().copied().chain(["public_sector"]) {
            if let Some(v) = sc.mean(&format!("investment.roi.{payer}"))
                && v.is_finite()
            {
                // Round before printing, so a tiny negative does not show as "-0.00".
                let v = (v * 100.0).round() / 100.0 + 0.0;
                roi.push(format!("{payer} £{v:.2}"));
            }
        }
        s.push_str(&format!(
            "  {:<46} {}\n",
            "saved per £1 of policy spending",
            if roi.is_empty() {
                "- (no extra service spending)".to_string()
            } else {
                roi.join(", ")
            }
        ));
        let by_year = |metric: &str, f: &dyn Fn(f64) -> String| -> Vec<String> {
            (1..)
                .map_while(|k| sc.mean(&format!("{metric}.year{k}")))
                .map(f)
                .collect()
        };
        let years = by_year("cost.public_sector", &millions);
        if !years.is_empty() {
            s.push_str(&format!(
                "  {:<46} {}\n  {:<46} {}\n  {:<46} {}\n",
                "year by year: service cost, £m",
                by_year("cost.service", &millions).join("  "),
                "year by year: net cost, public sector, £m",
                years.join("  "),
                "year by year: QALYs gained in the year",
                by_year("qalys.total", &signed).join("  "),
            ));
        }
        s.push_str(&format!(
            "  who gains, by sex and age band (means; their sum is the total):\n    {:<22} {:>13} {:>22}\n",
            "", "QALYs gained", "net public cost, £m"
        ));
        for part in PARTS {
            let q = sc.mean(&format!("qalys.total.by_group.{part}"));
            let c = sc.mean(&format!("cost.public_sector.by_group.{part}"));
            if q.is_none() && c.is_none() {
                continue;
            }
            s.push_str(&format!(
                "    {:<22} {:>13} {:>22}\n",
                part.replace('_', " ")
                    .replace("50 59", "50-59")
                    .replace(" plus", "+"),
                q.map_or("-".into(), signed),
                c.map_or("-".into(), millions),
            ));
        }
    }
    s
}

/// The investment case as a Markdown table, a row per scenario (`investment.md`; the README's
/// table is `docs/investment.md`, the main job's). `heading` says what ran.
pub fn markdown(rows: &[Row], psa: Option<&PsaIntervals>, heading: &str) -> String {
    let mut s = format!(
        "{heading}\n\n\
         Each cell is the scenario minus the baseline over the measured window (mean over paired replications), with its\n\
         **noise 95%** interval: simulation noise only, at the central unit costs, utilities and effects, not the\n\
         uncertainty of the decision{}. Costs are public-sector, £ million; NMB is net monetary benefit, at full cost\n\
         (every line at its average cost) unless marked cash-releasing (only the lines whose change moves a budget).\n\
         \"QALYs from\" lists the health states whose QALYs moved most (time shifts between states, so some fall as others\n\
         rise); \"not valued\" names a change no utility values.\n\n",
        if psa.is_some() {
            "; **PSA 95%** is the 2.5th to 97.5th percentile over the PSA draws (parameter uncertainty)"
        } else {
            " (that needs a PSA: `cjmh compare --psa`)"
        }
    );
    let mut header = vec![
        "scenario",
        "policy's own cost",
        "net public cost (noise 95%)",
        "QALYs gained (noise 95%)",
        "QALYs from",
        "not valued",
        "ICER",
        "NMB at £20,000/QALY (noise 95%)",
        "NMB at £30,000/QALY (noise 95%)",
        "net public cost, cash-releasing (noise 95%)",
        "NMB at £20,000/QALY, cash-releasing (noise 95%)",
    ];
    if psa.is_some() {
        header.extend([
            "net public cost (PSA 95%)",
            "QALYs gained (PSA 95%)",
            "NMB at £20,000/QALY (PSA 95%)",
        ]);
    }
    s.push_str(&format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    ));
    for sc in scenarios(rows) {
        let Some(cost) = sc.get("cost.public_sector") else {
            continue;
        };
        let with = |metric: &str, f: &dyn Fn(f64) -> String| -> String {
            sc.get(metric).map_or("-".into(), |r| {
                format!("{} ({})", f(r.difference.mean), interval(&r.difference, f))
            })
        };
        let q = sc.get("qalys.total");
        let from: Vec<String> = qaly_parts(&sc)
            .into_iter()
            .filter(|(_, v)| v.abs() >= 0.05)
            .take(3)
            .map(|(l, v)| format!("{l} {}", signed(v)))
            .collect();
        let mut cells = vec![
            sc.name.to_string(),
            sc.mean("cost.service").map_or("-".into(), millions),
            with("cost.public_sector", &millions),
            with("qalys.total", &signed),
            if from.is_empty() {
                "-".into()
            } else {
                from.join("; ")
            },
            not_valued(&sc).unwrap_or_else(|| "-".into()),
            q.map_or("-".into(), |q| {
                icer_text(cost.difference.mean, &q.difference)
            }),
            with("investment.nmb_20000", &millions),
            with("investment.nmb_30000", &millions),
            with("cost.public_sector_marginal", &millions),
            with("investment.nmb_20000_marginal", &millions),
        ];
        if let Some(p) = psa {
            for (metric, f) in [
                ("cost.public_sector", &millions as &dyn Fn(f64) -> String),
                ("qalys.total", &signed),
                ("investment.nmb_20000", &millions),
            ] {
                cells.push(
                    p.get(sc.name, metric)
                        .map_or("-".into(), |(l, h)| format!("{} to {}", f(l), f(h))),
                );
            }
        }
        let cells: Vec<String> = cells.into_iter().map(|c| c.replace('|', "\\|")).collect();
        s.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    let all = scenarios(rows);
    let years = all
        .iter()
        .map(|sc| {
            (1..)
                .take_while(|k| sc.get(&format!("cost.public_sector.year{k}")).is_some())
                .count()
        })
        .max()
        .unwrap_or(0);
    if years > 0 {
        s.push_str(
            "\nYear by year, each year discounted as in the totals: net public cost in £ million (the years add up to the total) / \
             QALYs gained in the year (lived in it; life lost after the window is in no year, so these do not add up to the total):\n\n| scenario |",
        );
        for k in 1..=years {
            s.push_str(&format!(" year {k} |"));
        }
        s.push_str(&format!("\n|---|{}\n", "---|".repeat(years)));
        for sc in &all {
            let mut row = format!("| {} |", sc.name);
            for k in 1..=years {
                let c = sc.mean(&format!("cost.public_sector.year{k}"));
                let q = sc.mean(&format!("qalys.total.year{k}"));
                row.push_str(&format!(
                    " {} / {} |",
                    c.map_or("-".into(), millions),
                    q.map_or("-".into(), signed)
                ));
            }
            s.push_str(&row);
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(cost: &[f64], qalys: &[f64]) -> psa::Strategy {
        psa::Strategy {
            name: "x".into(),
            cost: cost.to_vec(),
            qalys: qalys.to_vec(),
        }
    }

    #[test]
    fn psa_intervals_are_percentiles_of_the_paired_draws() {
        // Five draws: the policy costs 10, 20, 30, 40, 50 more and gains 0..4 QALYs more.
        let base = strategy(&[100.0; 5], &[1.0; 5]);
        let policy = strategy(
            &[110.0, 120.0, 130.0, 140.0, 150.0],
            &[1.0, 2.0, 3.0, 4.0, 5.0],
        );
        let p = PsaIntervals::of(&base, &[("policy".into(), policy)]);
        assert_eq!(p.draws, 5);
        // 2.5th percentile of 10..50 at position 0.1 of 4 gaps: 10 + 0.1 x 10 = 11.
        let (low, high) = p.get("policy", "cost.public_sector").unwrap();
        assert!(
            (low - 11.0).abs() < 1e-9 && (high - 49.0).abs() < 1e-9,
            "{low} {high}"
        );
        // NMB at £20,000 per draw: 20,000 x (0..4) - (10..50), increasing; its ends likewise.
        let (low, high) = p.get("policy", "investment.nmb_20000").unwrap();
        let at = |q: f64| -> f64 {
            let v: Vec<f64> = (0..5)
                .map(|i| 20_000.0 * i as f64 - 10.0 * (i + 1) as f64)
                .collect();
            let x = q * 4.0;
            let i = x.floor() as usize;
            v[i] + (x - i as f64) * (v[i + 1] - v[i])
        };
        assert!((low - at(0.025)).abs() < 1e-6 && (high - at(0.975)).abs() < 1e-6);
        assert!(p.get("other", "qalys.total").is_none());
    }

    #[test]
    fn amounts_have_one_decimal_separators_and_no_negative_zero() {
        assert_eq!(signed(-0.04), "0.0");
        assert_eq!(signed(1253.44), "+1,253.4");
        assert_eq!(signed(-1253.46), "-1,253.5");
        assert_eq!(millions(-29_255_999.0), "-29.3");
        assert_eq!(millions(f64::NAN), "-");
    }
}
