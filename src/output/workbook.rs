//! The investment case as an Excel workbook (`cjmh report --xlsx`): the same results as the
//! board paper, as tables an analyst can sort, filter and chart. A pure function from results
//! to bytes, like every exporter here: the command reads the files and writes this.
//!
//! Sheets: `Summary` (a tidy long table: one row per scenario, payer and year, in £ million),
//! one per policy (its headline measures and its cost by payer), `Parameters` (what each policy
//! changes and what that rests on) and `About` (what ran, the units, how to read the
//! intervals). Every figure is a number cell holding `comparison.csv`'s value (scaled to £
//! million where the header says so), never text, so sums and charts work on it.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};
use serde_json::Value;

use crate::economics::investment::{WILLINGNESS_TO_PAY, thousands};
use crate::economics::{PAYERS, PUBLIC_PAYERS};
use crate::output::comparison::Row;
use crate::output::investment::{Scenario, scenarios};
use crate::output::report::{
    Input, Settings, evidence, includes_zero, manifest_scenarios, payer_name, quadrant,
};

/// The sheets every workbook has; a policy's sheet may not take their names.
const FIXED_SHEETS: [&str; 3] = ["Summary", "Parameters", "About"];

/// Excel's longest sheet name, in UTF-16 units.
const SHEET_NAME_MAX: usize = 31;

/// Text columns wider than this wrap instead.
const WRAP_WIDTH: usize = 60;

/// The document's creation date. rust_xlsxwriter stamps the time of writing by default, which
/// would make two workbooks from the same results differ; this is the date the zip entries
/// inside carry too (the format's earliest), so nothing in the file depends on when it ran.
const CREATED: (u16, u8, u8) = (1980, 1, 1);

/// How a number cell reads.
#[derive(Clone, Copy)]
enum Style {
    /// £ million, or QALYs: one decimal, thousands separators.
    OneDecimal,
    /// Whole numbers with thousands separators (£ per QALY, counts).
    Whole,
}

enum Cell {
    Text(String),
    /// A number; a missing or non-finite value leaves the cell empty (comparison.csv leaves it
    /// empty too), never a text "NaN".
    Num(f64, Style),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// A sheet being filled, with the width its columns need.
struct Sheet {
    ws: Worksheet,
    widths: Vec<usize>,
    /// Columns that wrap long text (notes, sources, explanations).
    wrap: Vec<bool>,
    /// Whether the cells written count towards their columns' widths; a label's value above a
    /// table does not, and runs on into the empty cells to its right instead.
    track: bool,
}

struct Formats {
    header: Format,
    one: Format,
    whole: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin)
                .set_text_wrap(),
            one: Format::new().set_num_format("#,##0.0"),
            whole: Format::new().set_num_format("#,##0"),
            wrap: Format::new().set_text_wrap(),
        }
    }
}

/// The width a number takes as its format shows it.
fn shown_width(x: f64, style: Style) -> usize {
    let whole = thousands(x.trunc()).trim_start_matches('-').len() + usize::from(x < 0.0);
    match style {
        Style::OneDecimal => whole + 2,
        Style::Whole => thousands(x).len(),
    }
}

fn err(e: rust_xlsxwriter::XlsxError) -> String {
    format!("writing the workbook: {e}")
}

impl Sheet {
    fn new(name: &str) -> Result<Self, String> {
        let mut ws = Worksheet::new();
        ws.set_name(name).map_err(err)?;
        Ok(Self {
            ws,
            widths: Vec::new(),
            wrap: Vec::new(),
            track: true,
        })
    }

    fn width(&mut self, col: usize, w: usize) {
        if !self.track {
            return;
        }
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(w);
    }

    fn row(&mut self, f: &Formats, row: u32, cells: &[Cell]) -> Result<(), String> {
        for (c, cell) in cells.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    let wraps = self.wrap.get(c).copied().unwrap_or(false);
                    if wraps {
                        self.ws
                            .write_string_with_format(row, col, s, &f.wrap)
                            .map_err(err)?;
                    } else {
                        self.ws.write_string(row, col, s).map_err(err)?;
                    }
                    let w = s.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                    self.width(c, if wraps { w.min(WRAP_WIDTH) } else { w });
                }
                Cell::Num(x, _) if !x.is_finite() => {}
                Cell::Num(x, style) => {
                    // + 0.0 turns a negative zero into zero, which Excel would show as "-0.0".
                    let x = *x + 0.0;
                    let format = match style {
                        Style::OneDecimal => &f.one,
                        Style::Whole => &f.whole,
                    };
                    self.ws
                        .write_number_with_format(row, col, x, format)
                        .map_err(err)?;
                    self.width(c, shown_width(x, *style));
                }
            }
        }
        Ok(())
    }

    /// A header row. Headers wrap, so a long one asks for a width of 20 (or its longest word),
    /// not its whole length.
    fn header(&mut self, f: &Formats, row: u32, names: &[&str]) -> Result<(), String> {
        for (c, name) in names.iter().enumerate() {
            self.ws
                .write_string_with_format(row, c as u16, *name, &f.header)
                .map_err(err)?;
            let longest_word = name
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            self.width(c, longest_word.max(name.chars().count().min(20)));
        }
        Ok(())
    }

    /// Finishes a table whose header is row 0 and whose last row is `rows - 1`: the header
    /// frozen, a filter over the `columns` when there is a row to filter.
    fn finish_table(mut self, rows: u32, columns: usize) -> Result<Worksheet, String> {
        self.ws.set_freeze_panes(1, 0).map_err(err)?;
        if rows > 1 {
            self.ws
                .autofilter(0, 0, rows - 1, columns as u16 - 1)
                .map_err(err)?;
        }
        self.finish()
    }

    fn finish(mut self) -> Result<Worksheet, String> {
        for (c, w) in self.widths.iter().enumerate() {
            // A little room for the filter button and the cell's padding.
            self.ws
                .set_column_width(c as u16, (*w + 2) as f64)
                .map_err(err)?;
        }
        Ok(self.ws)
    }
}

/// A sheet name Excel accepts for `name`: the characters Excel forbids (`[ ] : * ? / \`)
/// replaced by `-`, no apostrophe at either end, at most 31 UTF-16 units, and not equal
/// (ignoring case, as Excel does) to any name in `taken` or Excel's reserved "History"; a
/// clash gets " (2)", " (3)", ... within the limit.
fn sheet_name(name: &str, taken: &[String]) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if "[]:*?/\\".contains(c) || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
    let base = if cleaned.is_empty() {
        "policy".to_string()
    } else {
        cleaned
    };
    let cut = |s: &str, max: usize| {
        let mut out = String::new();
        for ch in s.chars() {
            if out.encode_utf16().count() + ch.len_utf16() > max {
                break;
            }
            out.push(ch);
        }
        // Cutting may leave an apostrophe or a space at the end.
        out.trim_end().trim_end_matches('\'').to_string()
    };
    let clash = |s: &str| {
        s.eq_ignore_ascii_case("History")
            || taken.iter().any(|t| t.to_lowercase() == s.to_lowercase())
    };
    let first = cut(&base, SHEET_NAME_MAX);
    if !first.is_empty() && !clash(&first) {
        return first;
    }
    (2..)
        .map(|k| {
            let suffix = format!(" ({k})");
            format!("{}{suffix}", cut(&base, SHEET_NAME_MAX - suffix.len()))
        })
        .find(|s| !clash(s))
        .expect("some suffix is free")
}

/// Payers in output order: the public payers, the public sector as a whole, then those outside
/// it; `public_sector` stands for the whole, as in comparison.csv's `cost.public_sector`.
fn payers_in_order() -> Vec<&'static str> {
    let mut out: Vec<&str> = PAYERS[..PUBLIC_PAYERS].to_vec();
    out.push("public_sector");
    out.extend(&PAYERS[PUBLIC_PAYERS..]);
    out
}

/// The metric of a payer's net cost (`cost.payer.X`, or `cost.public_sector`).
fn cost_metric(payer: &str) -> String {
    if payer == "public_sector" {
        "cost.public_sector".into()
    } else {
        format!("cost.payer.{payer}")
    }
}

/// The metric of a payer's cash-releasing net cost.
fn cash_metric(payer: &str) -> String {
    if payer == "public_sector" {
        "cost.public_sector_marginal".into()
    } else {
        format!("cost.payer_marginal.{payer}")
    }
}

fn payer_label(payer: &str) -> &str {
    if payer == "public_sector" {
        "Public sector, total"
    } else {
        payer_name(payer)
    }
}

/// The years of the window a scenario reports `metric` for (`metric.year1`, ...), in order.
fn years_of(s: &Scenario, metric: &str) -> Vec<u32> {
    let prefix = format!("{metric}.year");
    let mut years: Vec<u32> = s
        .rows
        .iter()
        .filter_map(|r| r.metric.strip_prefix(&prefix)?.parse().ok())
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// £ million.
fn m(x: f64) -> Cell {
    Cell::Num(x / 1e6, Style::OneDecimal)
}

const SUMMARY_HEAD: [&str; 6] = [
    "scenario",
    "payer",
    "year",
    "difference (£m)",
    "noise 95% low (£m)",
    "noise 95% high (£m)",
];

/// `Summary`: one row per (scenario, payer, year), year `1`, `2`, ... of the measured window
/// and `all` for the window's total, in £ million. Only the rows comparison.csv has.
fn summary(f: &Formats, all: &[Scenario]) -> Result<Worksheet, String> {
    let mut sheet = Sheet::new("Summary")?;
    sheet.header(f, 0, &SUMMARY_HEAD)?;
    let mut row = 1;
    for s in all {
        for payer in payers_in_order() {
            let metric = cost_metric(payer);
            let mut lines: Vec<(Cell, &Row)> = years_of(s, &metric)
                .into_iter()
                .filter_map(|k| {
                    Some((
                        Cell::Num(k as f64, Style::Whole),
                        s.get(&format!("{metric}.year{k}"))?,
                    ))
                })
                .collect();
            if let Some(r) = s.get(&metric) {
                lines.push((text("all"), r));
            }
            for (year, r) in lines {
                let d = &r.difference;
                sheet.row(
                    f,
                    row,
                    &[
                        text(s.name),
                        text(payer),
                        year,
                        m(d.mean),
                        m(d.low),
                        m(d.high),
                    ],
                )?;
                row += 1;
            }
        }
    }
    sheet.finish_table(row, SUMMARY_HEAD.len())
}

/// What the manifest says about the run, read leniently: a missing entry shows as "-".
fn manifest_text(m: &Value, pointer: &str) -> String {
    match m.pointer(pointer) {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// The run's settings the sheets explain themselves with.
struct Context {
    baseline: String,
    settings: Settings,
    psa_draws: Option<usize>,
}

/// One policy's sheet.
fn policy_sheet(
    f: &Formats,
    name: &str,
    s: &Scenario,
    spec: &Value,
    input: &Input,
    cx: &Context,
) -> Result<Worksheet, String> {
    let mut sheet = Sheet::new(name)?;
    let psa = input.psa;
    let mut row = 0;
    let description = spec
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let replications = s.rows.first().map_or(0, |r| r.n);
    let cost = s.get("cost.public_sector");
    let qalys = s.get("qalys.total");
    let quad = match (cost, qalys) {
        (Some(c), Some(q)) => quadrant(c.difference.mean, q.difference.mean),
        _ => "not known",
    };
    let uncertain = cost.is_some_and(|c| includes_zero(&c.difference))
        || qalys.is_some_and(|q| includes_zero(&q.difference));
    sheet.track = false;
    for (k, v) in [
        ("policy", text(s.name)),
        ("description", text(description)),
        ("against", text(cx.baseline.clone())),
        (
            "paired replications",
            Cell::Num(replications as f64, Style::Whole),
        ),
        (
            "quadrant",
            text(if uncertain && quad != "not known" {
                format!("{quad} (simulation noise alone could move it to another quadrant)")
            } else {
                quad.to_string()
            }),
        ),
    ] {
        sheet.row(f, row, &[text(k), v])?;
        row += 1;
    }
    sheet.track = true;
    row += 1;

    // Headline measures.
    let window = format!("£m, {}-year total", cx.settings.years);
    let mut head = vec![
        "measure",
        "unit",
        "mean difference",
        "noise 95% low",
        "noise 95% high",
    ];
    if psa.is_some() {
        head.extend(["PSA 95% low", "PSA 95% high"]);
    }
    head.push("note");
    let note_col = head.len() - 1;
    sheet.header(f, row, &head)?;
    row += 1;
    // (label, metric, unit, scale): £ in £ million, QALYs as they are.
    let mut measures: Vec<(String, String, String, f64)> = vec![
        (
            "Public-sector net cost".into(),
            "cost.public_sector".into(),
            window.clone(),
            1e6,
        ),
        (
            "of which the policy's own services".into(),
            "cost.service".into(),
            window,
            1e6,
        ),
        (
            "QALYs gained".into(),
            "qalys.total".into(),
            "QALYs".into(),
            1.0,
        ),
    ];
    for w in WILLINGNESS_TO_PAY {
        measures.push((
            format!("Net monetary benefit at £{} per QALY", thousands(w)),
            format!("investment.nmb_{w:.0}"),
            "£m".into(),
            1e6,
        ));
    }
    sheet.wrap = vec![false; note_col + 1];
    sheet.wrap[note_col] = true;
    for (label, metric, unit, scale) in &measures {
        let Some(r) = s.get(metric) else { continue };
        let d = &r.difference;
        let num = |x: f64| Cell::Num(x / scale, Style::OneDecimal);
        let mut cells = vec![
            text(label.clone()),
            text(unit.clone()),
            num(d.mean),
            num(d.low),
            num(d.high),
        ];
        if let Some(p) = psa {
            match p.intervals.get(s.name, metric) {
                Some((l, h)) => cells.extend([num(l), num(h)]),
                None => cells.extend([text(""), text("")]),
            }
        }
        cells.push(text(if includes_zero(d) {
            "the noise interval includes zero: these runs cannot tell the sign"
        } else {
            ""
        }));
        sheet.row(f, row, &cells)?;
        row += 1;
    }
    // The cost per QALY only where it means something: in a trade-off quadrant.
    let icer = s
        .get("investment.icer_public_sector")
        .map(|r| r.difference.mean);
    let mut cells = vec![text("Cost per QALY gained (ICER)"), text("£ per QALY")];
    match (quad, icer) {
        ("trade-off: more cost, more QALYs" | "trade-off: less cost, fewer QALYs", Some(x)) => {
            cells.push(Cell::Num(x, Style::Whole));
            cells.extend((3..note_col).map(|_| text("")));
            cells.push(text(format!(
                "{quad}{}{}",
                if quad.contains("less cost") { " (the ratio is £ saved per QALY lost)" } else { "" },
                if uncertain { "; simulation noise alone could move it to another quadrant, so the ratio is not a finding" } else { "" }
            )));
        }
        _ => {
            cells.push(text(format!("none: {quad}")));
            cells.extend((3..note_col).map(|_| text("")));
            cells.push(text(match quad {
                "dominant" => "it costs no more and gains QALYs: no ratio is needed",
                "dominated" => "it costs no less and loses QALYs: no ratio is needed",
                _ => "",
            }));
        }
    }
    sheet.row(f, row, &cells)?;
    row += 2;

    // Cost by payer.
    let head = [
        "payer",
        "net cost (£m)",
        "noise 95% low (£m)",
        "noise 95% high (£m)",
        "of which cash-releasing (£m)",
        "cash-releasing noise 95% low (£m)",
        "cash-releasing noise 95% high (£m)",
    ];
    sheet.wrap = Vec::new();
    sheet.header(f, row, &head)?;
    row += 1;
    for payer in payers_in_order() {
        let Some(r) = s.get(&cost_metric(payer)) else {
            continue;
        };
        let d = &r.difference;
        let mut cells = vec![text(payer_label(payer)), m(d.mean), m(d.low), m(d.high)];
        if let Some(c) = s.get(&cash_metric(payer)) {
            cells.extend([
                m(c.difference.mean),
                m(c.difference.low),
                m(c.difference.high),
            ]);
        }
        sheet.row(f, row, &cells)?;
        row += 1;
    }
    sheet.finish()
}

const PARAMETER_HEAD: [&str; 10] = [
    "policy",
    "key",
    "baseline value",
    "policy value",
    "range",
    "basis",
    "rests on a trial or evaluation",
    "cited (id: grade, kind)",
    "source",
    "note",
];

/// `Parameters`: every parameter in which a policy differs from the baseline, with what it
/// rests on.
fn parameters(
    f: &Formats,
    policies: &[(&Scenario, &Value)],
    base_spec: &Value,
) -> Result<Worksheet, String> {
    let mut sheet = Sheet::new("Parameters")?;
    sheet.wrap = PARAMETER_HEAD
        .iter()
        .map(|h| {
            matches!(
                *h,
                "cited (id: grade, kind)" | "source" | "note" | "policy value" | "baseline value"
            )
        })
        .collect();
    sheet.header(f, 0, &PARAMETER_HEAD)?;
    let mut row = 1;
    for (s, spec) in policies {
        let changes = evidence::changes(base_spec, spec);
        if changes.is_empty() {
            sheet.row(
                f,
                row,
                &[
                    text(s.name),
                    text("(none: no parameter differs from the baseline)"),
                ],
            )?;
            row += 1;
        }
        for c in changes {
            let cited: Vec<String> = c
                .cited
                .iter()
                .map(|x| match (x.grade.as_str(), x.kind.as_str()) {
                    ("", kind) => format!("{}: {kind}", x.id),
                    (grade, kind) => format!("{}: {grade}, {kind}", x.id),
                })
                .collect();
            sheet.row(
                f,
                row,
                &[
                    text(s.name),
                    text(c.key),
                    text(c.baseline),
                    text(c.value),
                    text(c.range),
                    text(c.basis),
                    text(if c.trial { "yes" } else { "no" }),
                    text(cited.join("; ")),
                    text(c.source),
                    text(c.note),
                ],
            )?;
            row += 1;
        }
    }
    sheet.finish_table(row, PARAMETER_HEAD.len())
}

/// `About`: what ran and how to read the numbers.
fn about(
    f: &Formats,
    input: &Input,
    cx: &Context,
    sheets: &[(String, String)],
) -> Result<Worksheet, String> {
    let mg = input.manifest;
    let mut sheet = Sheet::new("About")?;
    sheet.wrap = vec![false, true];
    sheet.header(f, 0, &["item", "what it is"])?;
    let arguments = mg
        .get("arguments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let mut lines: Vec<(String, String)> = vec![
        ("what this is".into(), format!(
            "The investment case of a `cjmh compare` run: each policy against {}, the baseline, over the measured window of {}.",
            cx.baseline, cx.settings.window()
        )),
        ("difference".into(), "Policy minus baseline, mean over paired replications (the same random numbers in both arms). A positive cost is more spending; a negative one a saving.".into()),
        ("units".into(), format!(
            "£ million (£m) at {} prices, discounted at {} a year, unless a header says otherwise. QALYs are quality-adjusted life years over a lifetime view of the deaths in the window. Cells hold the full value; the format shows one decimal.",
            cx.settings.price_year, cx.settings.discount
        )),
        ("year".into(), format!(
            "In Summary: 1, 2, ... is the year of the measured window (after the warm-up), where comparison.csv has that year's row (cost.payer.PAYER.yearK); all is the whole window's total ({}), comparison.csv's cost.payer.PAYER or cost.public_sector.",
            cx.settings.window()
        )),
        ("payer".into(), format!(
            "In Summary, the payer's key as in comparison.csv: {}. public_sector is the sum of the public payers; the wider costs of crime fall on victims and society, outside it.",
            payers_in_order().iter().map(|p| format!("{p} = {}", payer_label(p))).collect::<Vec<_>>().join("; ")
        )),
        ("noise 95%".into(), "The 95% confidence interval of the mean difference over the paired replications: simulation noise only, from running a finite number of replications. It says how precisely the runs pin down the model's answer, not how uncertain the answer is; few replications give wide or unreliable intervals.".into()),
        ("PSA 95%".into(), match cx.psa_draws {
            Some(n) => format!("Parameter uncertainty: the 2.5th to 97.5th percentile of the paired difference over {n} probabilistic sensitivity analysis draws (every parameter drawn from its range). Given for the public-sector cost, QALYs and net monetary benefit."),
            None => "Not given: run `cjmh report` with --psa (the PSA sweeps' output directories) to add parameter uncertainty.".into(),
        }),
        ("cash-releasing".into(), "The part of a net cost that changes what a budget spends; the rest is opportunity cost (capacity freed or used whose cost stays until it is closed or bought).".into()),
        ("net monetary benefit".into(), "The value of the QALYs gained at £20,000 or £30,000 per QALY, minus the public-sector net cost. Positive means worth funding at that value of a QALY.".into()),
        ("quadrant".into(), "Of the cost-effectiveness plane, from the signs of the mean public-sector cost and QALY differences: dominant (no more cost, more QALYs), dominated (no less cost, fewer QALYs), or a trade-off. The cost per QALY (ICER) is shown only for a trade-off.".into()),
        ("baseline".into(), cx.baseline.clone()),
        ("cjmh version".into(), manifest_text(mg, "/versions/cjmh")),
        ("git revision".into(), manifest_text(mg, "/versions/git_revision")),
        ("comparison command".into(), format!("cjmh {arguments}")),
        ("seed".into(), manifest_text(mg, "/seed")),
        ("paired replications".into(), manifest_text(mg, "/replications")),
        ("cohort (--cohort)".into(), manifest_text(mg, "/cohort")),
        ("catchments".into(), manifest_text(mg, "/catchments")),
    ];
    for (file, hash) in &input.hashes {
        lines.push((format!("SHA-256 of {file}"), hash.clone()));
    }
    for (sheet_name, policy) in sheets {
        lines.push((
            format!("sheet {sheet_name}"),
            format!("the policy {policy}"),
        ));
    }
    for (row, (k, v)) in lines.into_iter().enumerate() {
        sheet.row(f, row as u32 + 1, &[text(k), text(v)])?;
    }
    sheet.ws.set_freeze_panes(1, 0).map_err(err)?;
    sheet.finish()
}

/// The workbook's bytes (an .xlsx file).
pub fn workbook(input: &Input) -> Result<Vec<u8>, String> {
    let entries = manifest_scenarios(input.manifest);
    let (baseline, base_spec) = entries
        .first()
        .map(|(n, v)| (n.clone(), *v))
        .ok_or("manifest.json lists no scenarios")?;
    let cx = Context {
        baseline,
        settings: Settings::of(base_spec),
        psa_draws: input.psa.map(|p| p.intervals.draws),
    };
    let all = scenarios(input.rows);
    let f = Formats::new();
    let mut book = Workbook::new();
    let (y, mo, d) = CREATED;
    let created = ExcelDateTime::from_ymd(y, mo, d).map_err(err)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_title(format!("Investment case against {}", cx.baseline)),
    );
    book.push_worksheet(summary(&f, &all)?);
    let mut taken: Vec<String> = FIXED_SHEETS.iter().map(|s| s.to_string()).collect();
    let mut names = Vec::new();
    let mut policies = Vec::new();
    for s in &all {
        let spec = entries
            .iter()
            .find(|(n, _)| n == s.name)
            .map_or(&Value::Null, |(_, v)| *v);
        let name = sheet_name(s.name, &taken);
        taken.push(name.clone());
        book.push_worksheet(policy_sheet(&f, &name, s, spec, input, &cx)?);
        names.push((name, s.name.to_string()));
        policies.push((s, spec));
    }
    book.push_worksheet(parameters(&f, &policies, base_spec)?);
    book.push_worksheet(about(&f, input, &cx, &names)?);
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::engine::stats::Estimate;

    fn row(scenario: &str, metric: &str, mean: f64, low: f64, high: f64) -> Row {
        Row {
            scenario: scenario.into(),
            metric: metric.into(),
            n: 3,
            baseline_mean: 0.0,
            scenario_mean: mean,
            difference: Estimate {
                n: 3,
                mean,
                sd: 1.0,
                low,
                high,
            },
            independent_half_width: 1.0,
        }
    }

    fn manifest(names: &[&str]) -> Value {
        let scenario = |name: &str, coverage: f64| {
            serde_json::json!({
                "name": name,
                "resolved": {
                    "simulation": {"horizon_days": {"value": 730.5}},
                    "costs": {"price_year": "2024-25", "discount_rate": {"value": 0.035}},
                    "liaison_diversion": {"coverage": {"value": coverage, "source": "L3", "low": 0.8, "high": 1.0}},
                }
            })
        };
        serde_json::json!({
            "command": "compare",
            "arguments": ["compare", "x.toml"],
            "seed": 7,
            "replications": 3,
            "scenarios": names.iter().enumerate().map(|(i, n)| scenario(n, if i == 0 { 0.5 } else { 1.0 })).collect::<Vec<_>>(),
        })
    }

    fn input<'a>(rows: &'a [Row], manifest: &'a Value) -> Input<'a> {
        Input {
            rows,
            manifest,
            psa: None,
            calibration: Err(String::new()),
            validation: Err(String::new()),
            command: "cjmh report".into(),
            hashes: Vec::new(),
        }
    }

    /// Every sheet's cells, by sheet name in the workbook's order.
    fn read(bytes: &[u8]) -> Vec<(String, Vec<Vec<Data>>)> {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let range = book.worksheet_range(&name).unwrap();
                (name, range.rows().map(<[Data]>::to_vec).collect())
            })
            .collect()
    }

    #[test]
    fn sheet_names_are_what_excel_accepts_and_unique() {
        let fixed: Vec<String> = FIXED_SHEETS.iter().map(|s| s.to_string()).collect();
        let long = "transfer-limit-of-fourteen-days-with-spot-purchase";
        let cases = [
            ("a/b:c*d?[e]\\f", "a-b-c-d--e--f"),
            ("'quoted'", "quoted"),
            ("", "policy"),
            ("Summary", "Summary (2)"),
            ("about", "about (2)"),
            ("HISTORY", "HISTORY (2)"),
            (long, "transfer-limit-of-fourteen-days"),
        ];
        for (name, want) in cases {
            let got = sheet_name(name, &fixed);
            assert_eq!(got, want, "{name}");
            rust_xlsxwriter::utility::check_sheet_name(&got).unwrap();
        }
        // Two names alike in their first 31 characters get distinct sheets within the limit;
        // so do two that differ only in case, as Excel ignores it.
        let mut taken = fixed.clone();
        for name in [
            long,
            &format!("{long}-and-more"),
            "Transfer-Limit-Of-Fourteen-Days",
        ] {
            let got = sheet_name(name, &taken);
            rust_xlsxwriter::utility::check_sheet_name(&got).unwrap();
            assert!(got.encode_utf16().count() <= SHEET_NAME_MAX, "{got}");
            taken.push(got);
        }
        assert_eq!(
            &taken[3..],
            [
                "transfer-limit-of-fourteen-days",
                "transfer-limit-of-fourteen- (2)",
                "Transfer-Limit-Of-Fourteen- (3)"
            ]
        );
        // Names beyond the Basic Multilingual Plane count twice towards Excel's limit.
        let emoji = "\u{1F600}".repeat(20);
        assert_eq!(sheet_name(&emoji, &fixed).encode_utf16().count(), 30);
    }

    #[test]
    fn a_policy_sheet_per_scenario_even_when_their_names_clash() {
        let a = "a-policy-whose-name-is-far-too-long-for-excel";
        let b = "a-policy-whose-name-is-far-too-long-for-excel-too";
        let rows = [
            row(a, "cost.public_sector", 1e6, 0.0, 2e6),
            row(b, "cost.public_sector", 2e6, 1e6, 3e6),
        ];
        let m = manifest(&["base", a, b]);
        let sheets: Vec<String> = read(&workbook(&input(&rows, &m)).unwrap())
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            sheets,
            [
                "Summary",
                "a-policy-whose-name-is-far-too-",
                "a-policy-whose-name-is-far- (2)",
                "Parameters",
                "About"
            ]
        );
    }

    #[test]
    fn the_summary_is_a_tidy_table_whose_all_rows_are_the_comparison_rows() {
        let p = "policy";
        let rows = [
            row(p, "people_entered", 5.0, 4.0, 6.0),
            row(p, "cost.payer.nhs_england", 3e6, 2e6, 4e6),
            row(p, "cost.payer.hmpps", -7.25e6, -9.5e6, -5e6),
            row(
                p,
                "cost.payer.wider_costs_of_crime",
                1.5e6,
                f64::NAN,
                f64::NAN,
            ),
            row(p, "cost.public_sector", -4.25e6, -6e6, -2.5e6),
            row(p, "cost.payer.nhs_england.year1", 1e6, 0.5e6, 1.5e6),
            row(p, "cost.payer.nhs_england.year2", 2e6, 1.5e6, 2.5e6),
            row(p, "cost.public_sector.year2", -2e6, -3e6, -1e6),
            row(p, "cost.public_sector.year1", -2.25e6, -3e6, -1e6),
        ];
        let m = manifest(&["base", p]);
        let book = read(&workbook(&input(&rows, &m)).unwrap());
        let (name, cells) = &book[0];
        assert_eq!(name, "Summary");
        let s = |x: &str| Data::String(x.into());
        let n = Data::Float;
        assert_eq!(cells[0], SUMMARY_HEAD.map(s).to_vec());
        let body: Vec<Vec<Data>> = cells[1..].to_vec();
        let want = |payer: &str, year: Data, mean: f64, low: Data, high: Data| {
            vec![s(p), s(payer), year, n(mean / 1e6), low, high]
        };
        let m6 = |x: f64| n(x / 1e6);
        assert_eq!(
            body,
            vec![
                want("nhs_england", n(1.0), 1e6, m6(0.5e6), m6(1.5e6)),
                want("nhs_england", n(2.0), 2e6, m6(1.5e6), m6(2.5e6)),
                want("nhs_england", s("all"), 3e6, m6(2e6), m6(4e6)),
                want("hmpps", s("all"), -7.25e6, m6(-9.5e6), m6(-5e6)),
                want("public_sector", n(1.0), -2.25e6, m6(-3e6), m6(-1e6)),
                want("public_sector", n(2.0), -2e6, m6(-3e6), m6(-1e6)),
                want("public_sector", s("all"), -4.25e6, m6(-6e6), m6(-2.5e6)),
                // An interval comparison.csv leaves empty stays empty.
                want(
                    "wider_costs_of_crime",
                    s("all"),
                    1.5e6,
                    Data::Empty,
                    Data::Empty
                ),
            ]
        );
        // Every `all` row is the comparison's window total, to the last bit.
        for r in body.iter().filter(|r| r[2] == s("all")) {
            let (Data::String(payer), Data::Float(mean)) = (&r[1], &r[3]) else {
                panic!("{r:?}")
            };
            let metric = cost_metric(payer);
            let source = rows.iter().find(|x| x.metric == metric).unwrap();
            assert_eq!(*mean, source.difference.mean / 1e6, "{metric}");
        }
    }

    #[test]
    fn the_same_results_give_the_same_bytes_whenever_they_are_written() {
        let rows = [row("policy", "cost.public_sector", 1e6, 0.0, 2e6)];
        let m = manifest(&["base", "policy"]);
        let bytes = workbook(&input(&rows, &m)).unwrap();
        assert_eq!(bytes, workbook(&input(&rows, &m)).unwrap());
        // The creation date is fixed, not the time of writing (which would differ between two
        // runs a second apart, and so would the bytes).
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut core = String::new();
        zip.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut core)
            .unwrap();
        assert!(
            core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>"),
            "{core}"
        );
    }

    #[test]
    fn the_parameters_sheet_lists_each_change_with_its_evidence() {
        let rows = [row("policy", "cost.public_sector", 1e6, 0.0, 2e6)];
        let m = manifest(&["base", "policy"]);
        let book = read(&workbook(&input(&rows, &m)).unwrap());
        let (_, cells) = book.iter().find(|(n, _)| n == "Parameters").unwrap();
        assert_eq!(
            cells[0],
            PARAMETER_HEAD.map(|h| Data::String(h.into())).to_vec()
        );
        let line: Vec<String> = cells[1].iter().map(|d| d.to_string()).collect();
        assert_eq!(
            line,
            [
                "policy",
                "liaison_diversion.coverage",
                "0.5",
                "1",
                "0.8 to 1",
                "published figure",
                "no",
                "L3: A, figure",
                "L3",
                ""
            ]
        );
    }
}
