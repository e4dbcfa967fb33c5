//! The board paper (`cjmh report`): one self-contained HTML file from a `cjmh compare` output
//! directory, and PSA sweeps when given. A pure function from results to text, like every
//! exporter here: the command reads the files, this builds the page.
//!
//! The page is a `minijinja` template (`report.html`) that escapes every value it prints, fed a
//! view of the results ([`Page`]) in which every figure carries the exact `comparison.csv` cell
//! it shows (`data-value`), so a reader, or a test, can check the words against the table. The
//! charts are `plotters` SVG, inlined. Nothing is fetched: no scripts, fonts or images from
//! anywhere.

mod charts;
pub mod evidence;

use serde::Serialize;
use serde_json::Value;

use crate::economics::investment::{WILLINGNESS_TO_PAY, thousands};
use crate::economics::{PARTS, PAYERS, PUBLIC_PAYERS, psa};
use crate::engine::stats::Estimate;
use crate::output::comparison::{Row, tidy};
use crate::output::investment::{PsaIntervals, Scenario, scenarios};
use crate::output::summary::format_value;

/// PSA results for the paper: the baseline's strategy first, then one per policy in the
/// comparison's order, each with the same draws.
pub struct Psa {
    pub strategies: Vec<psa::Strategy>,
    pub intervals: PsaIntervals,
}

/// Everything the paper shows.
pub struct Input<'a> {
    /// `comparison.csv`.
    pub rows: &'a [Row],
    /// `manifest.json` of the comparison.
    pub manifest: &'a Value,
    pub psa: Option<&'a Psa>,
    /// The baseline's calibration over the comparison's own replications, or why it is not
    /// shown.
    pub calibration: Result<Table, String>,
    /// Validation over the comparison's own runs, or why it is not shown.
    pub validation: Result<Table, String>,
    /// The `cjmh report` command line.
    pub command: String,
    /// (file, SHA-256) of each input read.
    pub hashes: Vec<(String, String)>,
}

/// A number on the page that comes from `comparison.csv`: its text for people, and the cell it
/// shows (scenario, metric, column and the cell exactly as written), with what one unit of
/// the text is worth (`scale`: 1,000,000 for £ million).
#[derive(Debug, Clone, Serialize)]
struct Figure {
    text: String,
    scenario: String,
    metric: String,
    stat: &'static str,
    value: String,
    /// Whole, so that the page writes `1000000`, not `1000000.0`.
    scale: u64,
}

/// A labelled row of figures: a difference with its intervals.
#[derive(Debug, Clone, Serialize)]
struct Line {
    label: String,
    unit: String,
    mean: Figure,
    low: Figure,
    high: Figure,
    /// The PSA interval as text, if PSA results were given.
    psa: Option<String>,
    /// Cash-releasing part, for a payer.
    cash: Option<Figure>,
}

#[derive(Debug, Clone, Serialize)]
struct Chart {
    id: String,
    title: String,
    description: String,
    /// Inline SVG markup from plotters, whose text it escapes; printed unescaped.
    svg: String,
    table_head: Vec<String>,
    table: Vec<Vec<String>>,
}

/// One group's difference (who gains).
#[derive(Debug, Clone, Serialize)]
struct Group {
    label: String,
    cost: Option<Figure>,
    qalys: Option<Figure>,
}

#[derive(Debug, Clone, Serialize)]
struct Policy {
    name: String,
    description: String,
    replications: usize,
    quadrant: String,
    paragraphs: Vec<String>,
    headline: Vec<Line>,
    payers: Vec<Line>,
    changes: Vec<evidence::Change>,
    not_modelled: Vec<String>,
    groups: Vec<Group>,
}

/// A table of checks (calibration targets, validation cases) as text, with a sentence saying
/// what it is.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Per row: whether it passes (for the verdict column's style).
    pub pass: Vec<bool>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
struct Page {
    title: String,
    /// "5 years", "1 year".
    window: String,
    population: String,
    warmup: String,
    baseline: String,
    years: String,
    price_year: String,
    discount: String,
    replications: usize,
    psa_draws: Option<usize>,
    policies: Vec<Policy>,
    charts: Vec<Chart>,
    calibration: Option<Table>,
    calibration_note: String,
    validation: Option<Table>,
    validation_note: String,
    reproducibility: Vec<(String, String)>,
    sources: Vec<evidence::Cited>,
}

/// A signed amount with thousands separators and `decimals` places, with a true minus sign
/// (U+2212) and never "−0".
fn signed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let p = 10f64.powi(decimals as i32);
    let r = (x * p).round() / p;
    if r == 0.0 {
        return format!("{:.decimals$}", 0.0);
    }
    let whole = thousands(r.abs().trunc());
    let frac = format!("{:.decimals$}", r.abs().fract());
    let frac = frac.strip_prefix('0').unwrap_or(&frac);
    format!("{}{whole}{frac}", if r < 0.0 { "\u{2212}" } else { "+" })
}

/// £ million, one decimal, signed.
fn millions(x: f64) -> String {
    signed(x / 1e6, 1)
}

/// £ million with the sign before the pound sign: "+£1.2m", "\u{2212}£3.4m".
fn signed_pounds(x: f64) -> String {
    let t = millions(x);
    match t.chars().next() {
        Some(c @ ('+' | '\u{2212}')) => format!("{c}£{}m", &t[c.len_utf8()..]),
        _ => format!("£{t}m"),
    }
}

/// QALYs: whole numbers from 100, else one decimal.
fn qalys(x: f64) -> String {
    signed(x, if x.abs() >= 100.0 { 0 } else { 1 })
}

/// The mean difference of `metric`, if measured and defined.
fn mean(s: &Scenario, metric: &str) -> Option<f64> {
    s.mean(metric).filter(|x| x.is_finite())
}

fn figure(r: &Row, stat: &'static str, scale: f64, f: &dyn Fn(f64) -> String) -> Figure {
    let x = match stat {
        "difference_mean" => r.difference.mean,
        "difference_ci_low" => r.difference.low,
        "difference_ci_high" => r.difference.high,
        "baseline_mean" => r.baseline_mean,
        _ => r.scenario_mean,
    };
    Figure {
        text: f(x / scale),
        scenario: r.scenario.clone(),
        metric: r.metric.clone(),
        stat,
        // As comparison.csv writes it.
        value: format_value(x + 0.0),
        scale: scale as u64,
    }
}

fn line(
    s: &Scenario,
    psa: Option<&Psa>,
    label: &str,
    unit: &str,
    metric: &str,
    scale: f64,
    f: &dyn Fn(f64) -> String,
) -> Option<Line> {
    let r = s.get(metric)?;
    Some(Line {
        label: label.into(),
        unit: unit.into(),
        mean: figure(r, "difference_mean", scale, f),
        low: figure(r, "difference_ci_low", scale, f),
        high: figure(r, "difference_ci_high", scale, f),
        psa: psa
            .and_then(|p| p.intervals.get(s.name, metric))
            .map(|(l, h)| format!("{} to {}", f(l / scale), f(h / scale))),
        cash: None,
    })
}

/// Whether an interval includes zero (its sign is not established).
pub(crate) fn includes_zero(e: &Estimate) -> bool {
    e.low.is_finite() && e.high.is_finite() && e.low <= 0.0 && e.high >= 0.0
}

/// The quadrant of the cost-effectiveness plane the mean differences fall in, in words.
pub fn quadrant(d_cost: f64, d_qalys: f64) -> &'static str {
    if !(d_cost.is_finite() && d_qalys.is_finite()) {
        "not known"
    } else if d_qalys > 0.0 && d_cost <= 0.0 {
        "dominant"
    } else if d_qalys < 0.0 && d_cost >= 0.0 {
        "dominated"
    } else if d_qalys == 0.0 {
        "no QALY change"
    } else if d_qalys > 0.0 {
        "trade-off: more cost, more QALYs"
    } else {
        "trade-off: less cost, fewer QALYs"
    }
}

const PAYER_NAMES: [(&str, &str); 5] = [
    ("nhs_england", "NHS England"),
    ("integrated_care_boards", "Integrated care boards"),
    ("hmpps", "HMPPS / MoJ"),
    ("local_authorities", "Local authorities"),
    (
        "wider_costs_of_crime",
        "Wider costs of crime (outside the public sector)",
    ),
];

pub(crate) fn payer_name(p: &str) -> &str {
    PAYER_NAMES
        .iter()
        .find(|(k, _)| *k == p)
        .map_or(p, |(_, v)| v)
}

/// A group of `economics::PARTS` in words: "men under 50", "not attributed to a person".
fn group_label(part: &str) -> String {
    if part == "not_attributed" {
        return "not attributed to a person (commissioned capacity)".into();
    }
    let (sex, age) = part.split_once('_').unwrap_or((part, ""));
    let sex = match sex {
        "male" => "men",
        "female" => "women",
        s => s,
    };
    let age = match age {
        "under_50" => "under 50",
        "50_59" => "50 to 59",
        "60_plus" => "60 and over",
        a => a,
    };
    format!("{sex} {age}")
}

/// A policy's PSA draws paired with the baseline's: (ΔQALYs, Δcost in £) per draw.
fn psa_pairs(psa: &Psa, index: usize) -> Vec<(f64, f64)> {
    let (Some(base), Some(s)) = (psa.strategies.first(), psa.strategies.get(index + 1)) else {
        return Vec::new();
    };
    (0..base.cost.len().min(s.cost.len()))
        .map(|i| (s.qalys[i] - base.qalys[i], s.cost[i] - base.cost[i]))
        .collect()
}

/// Fewer PSA draws than this and a share of draws is too unstable to quote without a warning.
const FEW_DRAWS: usize = 100;

/// The warning that follows a count of PSA draws when there are too few.
fn few_draws(n: usize) -> String {
    if n < FEW_DRAWS {
        format!(
            ", too few for a stable share (each draw also carries its replications' simulation noise; use {FEW_DRAWS} or more)"
        )
    } else {
        String::new()
    }
}

/// A scenario parameter's number at `pointer` (`{ value = x }` or a bare number).
pub(crate) fn number(spec: &Value, pointer: &str) -> Option<f64> {
    let v = spec.pointer(pointer)?;
    v.get("value")
        .and_then(Value::as_f64)
        .or_else(|| v.as_f64())
}

/// The run's settings the paper and the workbook state, read from the baseline's resolved
/// scenario: the window in years ("5", not "5.00"), the price year and the discount rate.
pub(crate) struct Settings {
    pub(crate) years: String,
    pub(crate) price_year: String,
    pub(crate) discount: String,
}

impl Settings {
    pub(crate) fn of(base_spec: &Value) -> Self {
        Self {
            years: number(base_spec, "/simulation/horizon_days").map_or("-".into(), |d| {
                let y = d / 365.25;
                if (y - y.round()).abs() < 0.01 {
                    format!("{}", y.round())
                } else {
                    tidy(y)
                }
            }),
            price_year: base_spec
                .pointer("/costs/price_year")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_string(),
            discount: number(base_spec, "/costs/discount_rate")
                .map_or("-".into(), |r| format!("{:.1}%", r * 100.0)),
        }
    }

    /// "1 year", "5 years".
    pub(crate) fn window(&self) -> String {
        years_text(&self.years)
    }
}

/// "1 year", "5 years", "2.5 years".
fn years_text(years: &str) -> String {
    if years == "1" {
        "1 year".into()
    } else {
        format!("{years} years")
    }
}

/// The one-page summary in words, generated from the numbers. Signs: a difference is the
/// policy minus the baseline, so a cost difference below zero is a saving.
fn paragraphs(
    s: &Scenario,
    baseline: &str,
    years: &str,
    psa: Option<(&Psa, usize)>,
) -> Vec<String> {
    let mut out = Vec::new();
    let noise = |e: &Estimate, f: &dyn Fn(f64) -> String| {
        format!("simulation noise 95%: {} to {}", f(e.low), f(e.high))
    };
    let psa_text = |metric: &str, f: &dyn Fn(f64) -> String| {
        psa.and_then(|(p, _)| p.intervals.get(s.name, metric))
            .map_or(String::new(), |(l, h)| {
                format!("; parameter uncertainty (PSA) 95%: {} to {}", f(l), f(h))
            })
    };
    let pounds = |x: f64| signed_pounds(x);
    let amount = |x: f64| format!("£{}m", millions(x.abs()).trim_start_matches('+'));
    let Some(cost) = s
        .get("cost.public_sector")
        .filter(|r| r.difference.mean.is_finite())
    else {
        out.push(format!(
            "{} has no public-sector cost difference in this comparison (its scenario has no [costs], or the runs did not measure it): only the pathway's measures are shown.",
            s.name
        ));
        return out;
    };
    let c = cost.difference.mean;
    let mut t = format!(
        "Over the {} measured, {} {} public-sector spending by {} against {baseline} ({}{}).",
        years_text(years),
        s.name,
        if c > 0.0 { "raises" } else { "lowers" },
        amount(c),
        noise(&cost.difference, &pounds),
        psa_text("cost.public_sector", &pounds),
    );
    if let Some(service) = mean(s, "cost.service") {
        let consequences = c - service;
        t.push_str(&format!(
            " The policy's own services cost {}; what follows from it (prison places, probation, beds, ...) {} {}.",
            amount(service),
            if consequences > 0.0 { "costs a further" } else { "saves" },
            amount(consequences)
        ));
    }
    let part = |x: f64, saving: &str, spending: &str| {
        if x < 0.0 {
            format!("{} {saving}", amount(x))
        } else {
            format!("{} {spending}", amount(x))
        }
    };
    if let (Some(cash), Some(opportunity)) = (
        mean(s, "cost.public_sector_consequences.cash_releasing"),
        mean(s, "cost.public_sector_consequences.opportunity"),
    ) {
        t.push_str(&format!(
            " Of what follows, {} and {}.",
            part(cash, "is a cash-releasing saving (a budget spends less)", "is cash a budget spends"),
            part(
                opportunity,
                "is a non-cash-releasing (opportunity) saving: capacity freed, whose cost stays until it is closed",
                "is capacity used (an opportunity cost, not cash)"
            ),
        ));
    }
    out.push(t);
    let Some(q) = s
        .get("qalys.total")
        .filter(|r| r.difference.mean.is_finite())
    else {
        return out;
    };
    let e = &q.difference;
    let mut t = format!(
        "It {} {} QALYs ({}{}): QALYs lived in the window, plus the life lost after it by deaths in it (a lifetime view), plus per-unit lines such as a trial's QALY difference per participant. Costs stop at the window's end.",
        if e.mean >= 0.0 { "gains" } else { "loses" },
        qalys(e.mean.abs()).trim_start_matches('+'),
        noise(e, &qalys),
        psa_text("qalys.total", &qalys)
    );
    if includes_zero(e) {
        t.push_str(" The noise interval includes zero: these runs cannot tell a gain from a loss.");
    }
    out.push(t);
    let uncertain = includes_zero(e) || includes_zero(&cost.difference);
    let ratio = || thousands((c / e.mean).abs());
    let mut t = match quadrant(c, e.mean) {
        "dominant" => "At the central estimates it costs the public sector no more and gains QALYs: it dominates the baseline.".to_string(),
        "dominated" => "At the central estimates it costs the public sector no less and loses QALYs: the baseline dominates it.".to_string(),
        "trade-off: more cost, more QALYs" if !uncertain => format!(
            "At the central estimates it costs more and gains QALYs, at £{} per QALY gained (NICE's threshold range is £20,000 to £30,000).",
            ratio()
        ),
        "trade-off: more cost, more QALYs" => "At the central estimates it costs more and gains QALYs.".to_string(),
        "trade-off: less cost, fewer QALYs" if !uncertain => format!(
            "At the central estimates it saves money and loses QALYs, £{} saved per QALY lost: here the rule reverses, and it is cost-effective only if that saving exceeds the value placed on a QALY.",
            ratio()
        ),
        "trade-off: less cost, fewer QALYs" => "At the central estimates it saves money and loses QALYs; the rule reverses here: a saving is worth a QALY lost only above the value placed on a QALY.".to_string(),
        _ => "Its QALY change is zero, so no cost per QALY is defined.".to_string(),
    };
    if uncertain {
        t.push_str(" Simulation noise alone could move it to another quadrant, so no cost per QALY is quoted.");
    }
    if let Some((p, i)) = psa {
        let pairs = psa_pairs(p, i);
        let n = pairs.len();
        if n > 0 {
            let count =
                |f: &dyn Fn(f64, f64) -> bool| pairs.iter().filter(|(q, c)| f(*q, *c)).count();
            let dom = count(&|q, c| q > 0.0 && c <= 0.0);
            let dtd = count(&|q, c| q < 0.0 && c >= 0.0);
            let ne = count(&|q, c| q > 0.0 && c > 0.0);
            let sw = count(&|q, c| q < 0.0 && c < 0.0);
            t.push_str(&format!(
                " Across the PSA draws it is dominant in {dom}, dominated in {dtd}, more cost and more QALYs in {ne}, and less cost and fewer QALYs in {sw} of {n} PSA draws{}.",
                few_draws(n)
            ));
            let outside = |metric: &str, x: f64| {
                p.intervals
                    .get(s.name, metric)
                    .is_some_and(|(l, h)| x < l || x > h)
            };
            if outside("qalys.total", e.mean) || outside("cost.public_sector", c) {
                t.push_str(" The central estimate lies outside its PSA interval: the model is not linear in its parameters, so the PSA is the better guide to the decision.");
            }
        }
    }
    out.push(t);
    let mut nmb = Vec::new();
    for wtp in WILLINGNESS_TO_PAY {
        if let Some(r) = s.get(&format!("investment.nmb_{wtp:.0}")) {
            let mut t = format!(
                "{} at £{} per QALY",
                signed_pounds(r.difference.mean),
                thousands(wtp)
            );
            if let Some((p, i)) = psa {
                let pairs = psa_pairs(p, i);
                let k = pairs.iter().filter(|(q, c)| wtp * q - c > 0.0).count();
                if !pairs.is_empty() {
                    // The warning on few draws is given once, with the quadrants above.
                    t.push_str(&format!(" (positive in {k} of {} PSA draws)", pairs.len()));
                }
            }
            nmb.push(t);
        }
    }
    if !nmb.is_empty() {
        out.push(format!(
            "Its net monetary benefit to the public sector against {baseline} is {}. Positive means its QALYs, valued at that price, are worth more than its net cost; among options that exclude each other (a policy and a package containing it), the one with the highest net monetary benefit is preferred. It says nothing about affordability.",
            nmb.join(" and ")
        ));
    }
    if let Some(r) = s.get("custody_days")
        && !includes_zero(&r.difference)
        && r.difference.mean.is_finite()
    {
        let years = r.difference.mean / 365.25;
        out.push(format!(
            "Not valued: {} person-years {} in prison. No UK utility for time in prison exists (HU14 is Australian, SF-6D), so the QALYs value it as time in the community.",
            thousands(years.abs()),
            if years < 0.0 { "fewer" } else { "more" }
        ));
    }
    out
}

fn chart(
    id: &str,
    title: &str,
    description: String,
    svg: Result<String, String>,
    head: Vec<String>,
    table: Vec<Vec<String>>,
) -> Result<Chart, String> {
    let svg = svg?;
    // Named by its caption for assistive technology; sized by the page, not by plotters.
    let svg = svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-labelledby=\"{id}-caption\" preserveAspectRatio=\"xMidYMid meet\" "),
        1,
    );
    Ok(Chart {
        id: id.into(),
        title: title.into(),
        description,
        svg,
        table_head: head,
        table,
    })
}

/// The scenario entries of the manifest: (name, resolved scenario).
pub(crate) fn manifest_scenarios(m: &Value) -> Vec<(String, &Value)> {
    m.get("scenarios")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s.get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                        s.get("resolved").unwrap_or(&Value::Null),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One series per policy, in the comparison's colours: at each `(x, metric)`, the policy's mean
/// difference in `metric` over `scale` (NaN where it has none).
fn policy_series(all: &[Scenario], points: &[(f64, String)], scale: f64) -> Vec<charts::Series> {
    all.iter()
        .enumerate()
        .map(|(i, s)| charts::Series {
            name: s.name.to_string(),
            colour: charts::policy_colour(i),
            points: points
                .iter()
                .map(|(x, m)| (*x, mean(s, m).map_or(f64::NAN, |v| v / scale)))
                .collect(),
        })
        .collect()
}

/// A chart's data table: one row per point, headed by `labels[j]`, with each series' y value
/// written by `f`.
fn data_rows(
    labels: &[String],
    series: &[charts::Series],
    f: &dyn Fn(f64) -> String,
) -> Vec<Vec<String>> {
    labels
        .iter()
        .enumerate()
        .map(|(j, label)| {
            let mut row = vec![label.clone()];
            row.extend(
                series
                    .iter()
                    .map(|s| s.points.get(j).map_or("-".into(), |p| f(p.1))),
            );
            row
        })
        .collect()
}

fn charts(input: &Input, all: &[Scenario], baseline: &str) -> Result<Vec<Chart>, String> {
    let mut out = Vec::new();
    let names: Vec<String> = all.iter().map(|s| s.name.to_string()).collect();
    // Cost by payer.
    // Whether any policy has the metric.
    let present = |metric: &str| all.iter().any(|s| s.get(metric).is_some());
    let payers: Vec<&str> = PAYERS
        .iter()
        .copied()
        .filter(|p| present(&format!("cost.payer.{p}")))
        .collect();
    if !payers.is_empty() {
        let points: Vec<(f64, String)> = payers
            .iter()
            .enumerate()
            .map(|(g, p)| (g as f64, format!("cost.payer.{p}")))
            .collect();
        let series = policy_series(all, &points, 1e6);
        let groups: Vec<String> = payers
            .iter()
            .map(|p| match *p {
                "wider_costs_of_crime" => "Wider costs of crime".to_string(),
                p => payer_name(p).to_string(),
            })
            .collect();
        let mut head = vec!["payer".to_string()];
        head.extend(names.iter().map(|n| format!("{n}: net cost, £m")));
        let labels: Vec<String> = payers.iter().map(|p| payer_name(p).to_string()).collect();
        let table = data_rows(&labels, &series, &|x| signed(x, 1));
        out.push(chart(
            "cost-by-payer",
            "Net cost by payer over the measured window",
            format!(
                "Bars: each policy's net cost to each payer against {baseline}, £ million over the measured window (discounted); below zero is a saving. The wider costs of crime fall on victims and society, outside the public sector."
            ),
            charts::grouped_bars(&groups, &series, "net cost, £m"),
            head,
            table,
        )?);
    }
    // Costs year by year.
    let years: Vec<u32> = (1..=50)
        .take_while(|k| present(&format!("cost.public_sector.year{k}")))
        .collect();
    if !years.is_empty() {
        let points: Vec<(f64, String)> = years
            .iter()
            .map(|k| (f64::from(*k), format!("cost.public_sector.year{k}")))
            .collect();
        let series = policy_series(all, &points, 1e6);
        let mut head = vec!["year of the window".to_string()];
        head.extend(
            names
                .iter()
                .map(|n| format!("{n}: public-sector net cost, £m")),
        );
        let labels: Vec<String> = years.iter().map(u32::to_string).collect();
        let table = data_rows(&labels, &series, &|x| signed(x, 1));
        out.push(chart(
            "cost-by-year",
            "Public-sector net cost year by year",
            format!("Lines: each policy's public-sector net cost against {baseline} in each year of the measured window, £ million (discounted); below zero is a saving."),
            charts::lines(&series, "year of the measured window", "net cost, £m", true, None),
            head,
            table,
        )?);
    }
    if let Some(p) = input.psa {
        let base = &p.strategies[0];
        let series: Vec<charts::Series> = p.strategies[1..]
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(i, (s, name))| charts::Series {
                name: name.clone(),
                colour: charts::policy_colour(i),
                points: (0..base.cost.len().min(s.cost.len()))
                    .map(|i| (s.qalys[i] - base.qalys[i], (s.cost[i] - base.cost[i]) / 1e6))
                    .collect(),
            })
            .collect();
        let mut table = Vec::new();
        for s in &series {
            let n = s.points.len().max(1) as f64;
            let (mq, mc) = s
                .points
                .iter()
                .fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
            let ne = s.points.iter().filter(|p| p.0 > 0.0 && p.1 > 0.0).count() as f64;
            let dom = s.points.iter().filter(|p| p.0 > 0.0 && p.1 <= 0.0).count() as f64;
            let dtd = s.points.iter().filter(|p| p.0 < 0.0 && p.1 >= 0.0).count() as f64;
            let sw = s.points.iter().filter(|p| p.0 < 0.0 && p.1 < 0.0).count() as f64;
            table.push(vec![
                s.name.clone(),
                s.points.len().to_string(),
                qalys(mq / n),
                signed(mc / n, 1),
                format!("{:.0}%", dom / n * 100.0),
                format!("{:.0}%", dtd / n * 100.0),
                format!("{:.0}%", ne / n * 100.0),
                format!("{:.0}%", sw / n * 100.0),
            ]);
        }
        out.push(chart(
            "ce-plane",
            "Cost-effectiveness plane (PSA)",
            format!(
                "Points: each PSA draw's difference against {baseline}, QALYs gained across and public-sector net cost (£ million) up. Below the dashed lines a draw is cost-effective at £20,000 or £30,000 per QALY; right of the vertical axis and below the horizontal one it dominates."
            ),
            charts::plane(&series, &WILLINGNESS_TO_PAY, "QALYs gained", "net cost, £m"),
            ["policy", "draws", "mean QALYs gained", "mean net cost, £m", "dominant", "dominated", "more cost, more QALYs", "less cost, fewer QALYs"].map(String::from).to_vec(),
            table,
        )?);
        let wtps: Vec<f64> = (0..=20).map(|k| k as f64 * 5_000.0).collect();
        let mut curves: Vec<charts::Series> = std::iter::once(baseline.to_string())
            .chain(names.iter().cloned())
            .enumerate()
            .map(|(i, name)| charts::Series {
                name,
                colour: if i == 0 {
                    charts::baseline_colour()
                } else {
                    charts::policy_colour(i - 1)
                },
                points: Vec::new(),
            })
            .collect();
        for &w in &wtps {
            for (c, v) in curves.iter_mut().zip(psa::acceptability(&p.strategies, w)) {
                c.points.push((w / 1000.0, v));
            }
        }
        let mut head = vec!["£ per QALY".to_string()];
        head.extend(curves.iter().map(|c| format!("{}: probability", c.name)));
        let table = wtps
            .iter()
            .enumerate()
            .filter(|(_, w)| (**w as u64).is_multiple_of(10_000))
            .map(|(j, w)| {
                let mut row = vec![format!("£{}", thousands(*w))];
                row.extend(curves.iter().map(|c| format!("{:.2}", c.points[j].1)));
                row
            })
            .collect();
        out.push(chart(
            "ceac",
            "Cost-effectiveness acceptability curve (PSA)",
            "Lines: the share of PSA draws in which each strategy has the highest public-sector net monetary benefit, at each value of a QALY from £0 to £100,000.".into(),
            charts::lines(&curves, "value of a QALY, £ thousand", "probability cost-effective", false, Some((0.0, 1.0))),
            head,
            table,
        )?);
    }
    // Transfer waits, baseline against each policy: the percentiles of the wait from referral.
    let pcts = [
        ("p10", 10.0),
        ("p25", 25.0),
        ("median", 50.0),
        ("p75", 75.0),
        ("p90", 90.0),
        ("p95", 95.0),
    ];
    let metric = |p: &str| format!("transfer_wait_from_referral_days_{p}");
    if present(&metric("median")) {
        let base_of = |p: &str| {
            all.iter()
                .find_map(|s| s.get(&metric(p)))
                .map_or(f64::NAN, |r| r.baseline_mean)
        };
        let mut series = vec![charts::Series {
            name: baseline.to_string(),
            colour: charts::baseline_colour(),
            points: pcts.iter().map(|(p, q)| (*q, base_of(p))).collect(),
        }];
        series.extend(all.iter().enumerate().map(|(i, s)| {
            charts::Series {
                name: s.name.to_string(),
                colour: charts::policy_colour(i),
                points: pcts
                    .iter()
                    .map(|(p, q)| (*q, s.get(&metric(p)).map_or(f64::NAN, |r| r.scenario_mean)))
                    .collect(),
            }
        }));
        let mut head = vec!["percentile".to_string()];
        head.extend(series.iter().map(|s| format!("{}: days", s.name)));
        let labels: Vec<String> = pcts.iter().map(|(p, _)| (*p).to_string()).collect();
        let table = data_rows(&labels, &series, &tidy);
        out.push(chart(
            "transfer-wait",
            "Wait from referral to admission to a secure hospital",
            "Lines: the wait from referral to admission, in days, at each percentile of the people transferred (mean over replications), for the baseline and each policy. A limit that works pulls the right of the curve down.".into(),
            charts::lines(&series, "percentile of people transferred", "days from referral", false, None),
            head,
            table,
        )?);
    }
    Ok(out)
}

/// The page's HTML.
pub fn html(input: &Input) -> Result<String, String> {
    let m = input.manifest;
    let entries = manifest_scenarios(m);
    let (baseline, base_spec) = entries
        .first()
        .map(|(n, v)| (n.clone(), *v))
        .ok_or("manifest.json lists no scenarios")?;
    let Settings {
        years,
        price_year,
        discount,
    } = Settings::of(base_spec);
    let all = scenarios(input.rows);
    let mut policies = Vec::new();
    for (i, s) in all.iter().enumerate() {
        let spec = entries
            .iter()
            .find(|(n, _)| n == s.name)
            .map_or(&Value::Null, |(_, v)| *v);
        let psa = input.psa.map(|p| (p, i));
        let pounds = |x: f64| signed(x, 1);
        let q = |x: f64| qalys(x);
        let mut headline: Vec<Line> = [
            (
                "Public-sector net cost",
                "£m, 5-year total",
                "cost.public_sector",
                1e6,
                &pounds as &dyn Fn(f64) -> String,
            ),
            (
                "of which the policy's own services",
                "£m, 5-year total",
                "cost.service",
                1e6,
                &pounds,
            ),
            ("QALYs gained", "QALYs", "qalys.total", 1.0, &q),
            (
                "Net monetary benefit at £20,000 per QALY",
                "£m",
                "investment.nmb_20000",
                1e6,
                &pounds,
            ),
            (
                "Net monetary benefit at £30,000 per QALY",
                "£m",
                "investment.nmb_30000",
                1e6,
                &pounds,
            ),
        ]
        .into_iter()
        .filter_map(|(label, unit, metric, scale, f)| {
            line(s, input.psa, label, unit, metric, scale, f)
        })
        .collect();
        for l in &mut headline {
            l.unit = l.unit.replace("5-year", &format!("{years}-year"));
        }
        let mut payers = Vec::new();
        for p in PAYERS {
            if let Some(mut l) = line(
                s,
                input.psa,
                payer_name(p),
                "£m",
                &format!("cost.payer.{p}"),
                1e6,
                &pounds,
            ) {
                l.cash = s
                    .get(&format!("cost.payer_marginal.{p}"))
                    .map(|r| figure(r, "difference_mean", 1e6, &pounds));
                payers.push(l);
            }
        }
        if let Some(mut l) = line(
            s,
            input.psa,
            "Public sector, total",
            "£m",
            "cost.public_sector",
            1e6,
            &pounds,
        ) {
            l.cash = s
                .get("cost.public_sector_marginal")
                .map(|r| figure(r, "difference_mean", 1e6, &pounds));
            // After the public payers, before the wider costs of crime (outside it).
            let at = payers
                .iter()
                .position(|p| p.mean.metric == format!("cost.payer.{}", PAYERS[PUBLIC_PAYERS]))
                .unwrap_or(payers.len());
            payers.insert(at, l);
        }
        let quad = match (mean(s, "cost.public_sector"), mean(s, "qalys.total")) {
            (Some(c), Some(q)) => quadrant(c, q).to_string(),
            _ => "not known".into(),
        };
        policies.push(Policy {
            name: s.name.to_string(),
            description: spec
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            replications: s.rows.first().map_or(0, |r| r.n),
            quadrant: quad,
            paragraphs: paragraphs(s, &baseline, &years, psa),
            headline,
            payers,
            changes: evidence::changes(base_spec, spec),
            groups: PARTS
                .iter()
                .map(|part| Group {
                    label: group_label(part),
                    cost: s
                        .get(&format!("cost.public_sector.by_group.{part}"))
                        .map(|r| figure(r, "difference_mean", 1e6, &pounds)),
                    qalys: s
                        .get(&format!("qalys.total.by_group.{part}"))
                        .map(|r| figure(r, "difference_mean", 1.0, &q)),
                })
                .filter(|g| g.cost.is_some() || g.qalys.is_some())
                .collect(),
            not_modelled: spec
                .get("not_modelled")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    let mut sources: Vec<evidence::Cited> = Vec::new();
    for c in policies
        .iter()
        .flat_map(|p| p.changes.iter().flat_map(|c| c.cited.iter()))
    {
        if !sources.iter().any(|s| s.id == c.id) {
            sources.push(c.clone());
        }
    }
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    let (calibration, calibration_note) = match &input.calibration {
        Ok(t) => (Some(t.clone()), t.note.clone()),
        Err(why) => (None, why.clone()),
    };
    let (validation, validation_note) = match &input.validation {
        Ok(t) => (Some(t.clone()), t.note.clone()),
        Err(why) => (None, why.clone()),
    };
    let text = |p: &str| {
        m.pointer(p).map_or("-".to_string(), |v| match v {
            Value::String(s) => s.clone(),
            Value::Null => "-".into(),
            v => v.to_string(),
        })
    };
    let mut reproducibility = vec![
        ("cjmh version".to_string(), text("/versions/cjmh")),
        ("git revision".into(), text("/versions/git_revision")),
        (
            "random number crates".into(),
            format!(
                "rand {}, rand_distr {}, rand_xoshiro {}",
                text("/versions/rand"),
                text("/versions/rand_distr"),
                text("/versions/rand_xoshiro")
            ),
        ),
        (
            "comparison command".into(),
            format!(
                "cjmh {}",
                m.get("arguments")
                    .and_then(Value::as_array)
                    .map(|a| a
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" "))
                    .unwrap_or_default()
            ),
        ),
        ("seed".into(), text("/seed")),
        ("paired replications".into(), text("/replications")),
        (
            "threads (results do not depend on them)".into(),
            text("/threads"),
        ),
        ("catchments".into(), text("/catchments")),
        ("cohort (--cohort)".into(), text("/cohort")),
        ("report command".into(), input.command.clone()),
        ("report made by".into(), {
            let v = crate::output::manifest::Versions::current();
            format!(
                "cjmh {} (git revision {})",
                v.cjmh,
                v.git_revision.unwrap_or("unknown")
            )
        }),
    ];
    if let Some(a) = m.get("scenarios").and_then(Value::as_array) {
        for s in a {
            reproducibility.push((
                format!(
                    "scenario {}",
                    s.get("name").and_then(Value::as_str).unwrap_or("")
                ),
                format!(
                    "hash {}, scale {}, files {}",
                    s.get("hash").and_then(Value::as_str).unwrap_or("-"),
                    s.get("scale").map_or("-".into(), |v| v.to_string()),
                    s.get("files")
                        .and_then(Value::as_array)
                        .map(|f| f
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_default()
                ),
            ));
        }
    }
    for (file, hash) in &input.hashes {
        reproducibility.push((format!("SHA-256 of {file}"), hash.clone()));
    }
    let warmup = number(base_spec, "/simulation/warmup_days")
        .map_or("-".into(), |d| format!("{} days", thousands(d)));
    let population = number(base_spec, "/people/new_people_per_day").map_or_else(
        || "as the baseline scenario describes it".to_string(),
        |n| {
            format!(
                "about {} people a day charged for the first time, and their reoffending ({})",
                tidy(n),
                base_spec
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("the baseline scenario")
                    .trim_end_matches('.')
            )
        },
    );
    let page = Page {
        title: format!("Investment case against {baseline}"),
        window: years_text(&years),
        population,
        warmup,
        charts: charts(input, &all, &baseline)?,
        baseline,
        years,
        price_year,
        discount,
        replications: all.first().and_then(|s| s.rows.first()).map_or(0, |r| r.n),
        psa_draws: input.psa.map(|p| p.intervals.draws),
        policies,
        calibration,
        calibration_note,
        validation,
        validation_note,
        reproducibility,
        sources,
    };
    let mut env = minijinja::Environment::new();
    env.add_template("report.html", include_str!("report.html"))
        .map_err(|e| format!("the report template: {e}"))?;
    env.get_template("report.html")
        .and_then(|t| t.render(minijinja::context! { page => minijinja::Value::from(minijinja::value::Serde(&page)) }))
        .map_err(|e| format!("rendering the report: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_true_minus_signs_separators_and_no_negative_zero() {
        assert_eq!(signed(-1234.56, 1), "\u{2212}1,234.6");
        assert_eq!(signed(1234.56, 1), "+1,234.6");
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(signed(0.96, 0), "+1");
        assert_eq!(millions(-12_345_678.0), "\u{2212}12.3");
        assert_eq!(qalys(-3049.8), "\u{2212}3,050");
        assert_eq!(qalys(12.34), "+12.3");
    }

    #[test]
    fn every_value_is_escaped_and_every_figure_names_its_cell() {
        let csv = "scenario,metric,replications,baseline_mean,scenario_mean,difference_mean,difference_ci_low,difference_ci_high,independent_ci_half_width,crn_interval_ratio\n\
                   <b>x</b>,cost.public_sector,2,10,4,-6000000.25,-7000000,-5000000,1,1\n\
                   <b>x</b>,qalys.total,2,1,2,1.5,-0.5,3.5,1,1\n";
        let rows = crate::output::comparison::from_csv(csv.as_bytes()).unwrap();
        let manifest = serde_json::json!({
            "command": "compare",
            "scenarios": [
                {"name": "base", "resolved": {"simulation": {"horizon_days": {"value": 1826.25}}}},
                {"name": "<b>x</b>", "resolved": {"description": "<script>alert(1)</script>",
                  "not_modelled": ["no <i>effect</i>"]}}
            ]
        });
        let html = html(&Input {
            rows: &rows,
            manifest: &manifest,
            psa: None,
            calibration: Err("none <here>".into()),
            validation: Err("none".into()),
            command: "cjmh report x".into(),
            hashes: Vec::new(),
        })
        .unwrap();
        assert!(!html.contains("<script>alert"), "escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
        assert!(html.contains("no &lt;i&gt;effect&lt;&#x2f;i&gt;"));
        assert!(!html.contains("<b>x</b>"));
        // The figure shows £m and carries the cell as comparison.csv writes it.
        assert!(html.contains("data-metric=\"cost.public_sector\" data-stat=\"difference_mean\" data-value=\"-6000000.25\" data-scale=\"1000000\">\u{2212}6.0<"), "{html}");
        // Cheaper, more QALYs; the QALY interval includes zero, and the words say so.
        assert!(html.contains("dominant"));
        assert!(html.contains("these runs cannot tell a gain from a loss"));
        assert!(html.contains("Over the 5 years measured"));
        // Noise could move it to another quadrant: no ratio is quoted.
        assert!(html.contains("so no cost per QALY is quoted"));
        assert!(!html.contains("per QALY gained ("));
    }

    #[test]
    fn quadrants_are_named_by_the_signs() {
        assert_eq!(quadrant(-1.0, 1.0), "dominant");
        assert_eq!(quadrant(1.0, -1.0), "dominated");
        assert_eq!(quadrant(1.0, 1.0), "trade-off: more cost, more QALYs");
        assert_eq!(quadrant(-1.0, -1.0), "trade-off: less cost, fewer QALYs");
    }
}
