//! The `[costs]` and `[qalys]` sections, as serde reads them, and their validation into
//! [`Economics`].
//!
//! ```toml
//! [costs]
//! price_year = "2024-25"                       # every cost is expressed in this year's prices
//! discount_rate = { value = 0.035, source = "HM Treasury Green Book" }
//!
//! [costs.deflator]                             # index by price year (any base)
//! source = "ONS series YBGB ..."
//! index = { "2011" = 79.0, "2022-23" = 102.0, "2024-25" = 112.375 }
//!
//! [costs.lines.prison_places_direct]
//! payer = "hmpps"                              # see economics::PAYERS
//! kind = "consequence"                         # or "service" (what a policy invests in)
//! saving = "cash_releasing"                    # or "opportunity"; required on a public
//!                                              # payer's consequence line
//! basis = "marginal: direct resource cost"     # what the unit cost covers
//! driver = "custody_days"                      # see scenario::drivers::all()
//! unit_cost = { value = 93.18, source = "derived: HP1, C1" }
//! price_year = "2022-23"
//!
//! [qalys.lines.deaths]
//! driver = "life_years_lost"
//! qalys_per_unit = { value = -0.75, source = "..." }
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::check::Checker;
use super::error::KeyPath;
use super::param::Param;
use crate::economics::{
    CostLine, Driver, Economics, LineKind, PAYERS, PUBLIC_PAYERS, QalyLine, Saving,
};

/// `[costs]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostsSpec {
    /// The price year every cost is converted to: a key of `deflator.index`.
    pub price_year: String,
    /// Annual discount rate for costs and QALYs.
    pub discount_rate: Param,
    pub deflator: DeflatorSpec,
    /// Priced drivers, by name.
    #[serde(default)]
    pub lines: BTreeMap<String, CostLineSpec>,
}

/// `[costs.deflator]`: a price index by year. Calendar years are written `"2011"`, financial
/// years `"2011-12"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeflatorSpec {
    pub source: String,
    pub index: BTreeMap<String, f64>,
}

/// `[costs.lines.NAME]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLineSpec {
    /// What the line pays for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// One of `economics::PAYERS`.
    pub payer: String,
    /// `"service"` or `"consequence"`.
    pub kind: String,
    /// What the unit cost covers, as its source defines it: "full average cost including
    /// overheads", "marginal: direct resource cost", "per order supervised", ...
    pub basis: String,
    /// `"cash_releasing"` or `"opportunity"` (see [`Saving`]). Required on a public payer's
    /// consequence line, where a business case's savings come from, so that a forgotten key
    /// cannot count overheads as cash; elsewhere it defaults to `"cash_releasing"` (a
    /// commissioned service is cash spent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saving: Option<String>,
    /// One of `scenario::drivers::all()`.
    pub driver: String,
    /// Pounds per unit of the driver, at `price_year`.
    pub unit_cost: Param,
    /// The price year of `unit_cost`: a key of `[costs.deflator] index`.
    pub price_year: String,
}

/// `[qalys]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QalysSpec {
    #[serde(default)]
    pub lines: BTreeMap<String, QalyLineSpec>,
}

/// `[qalys.lines.NAME]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QalyLineSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// One of `scenario::drivers::all()`.
    pub driver: String,
    /// QALYs per unit of the driver (negative for a loss).
    pub qalys_per_unit: Param,
}

fn driver(c: &mut Checker, key: KeyPath, name: &str) -> Option<Driver> {
    let d = super::drivers::by_name(name);
    if d.is_none() {
        let known: Vec<&str> = super::drivers::all().iter().map(|d| d.name()).collect();
        c.push(
            key,
            format!("unknown driver `{name}` (known: {})", known.join(", ")),
        );
    }
    d
}

fn source(p: &Param) -> String {
    p.source.clone().unwrap_or_default()
}

/// Checks `[costs]` and `[qalys]` and resolves them. `[qalys]` without `[costs]` is an error:
/// QALYs are only reported beside costs.
pub(super) fn resolve(
    c: &mut Checker,
    costs: Option<&CostsSpec>,
    qalys: Option<&QalysSpec>,
) -> Option<Economics> {
    let root = KeyPath::root();
    let Some(s) = costs else {
        if qalys.is_some() {
            c.push(
                root.key("qalys"),
                "[qalys] needs a [costs] section (its price year and discount rate)",
            );
        }
        return None;
    };
    let before = c.problems.len();
    let k = root.key("costs");
    let discount_rate = c
        .param(
            &k.key("discount_rate"),
            &s.discount_rate,
            0.0,
            1.0,
            "a discount rate",
        )
        .unwrap_or(0.0);
    let index = &s.deflator.index;
    for (year, v) in index {
        if !(v.is_finite() && *v > 0.0) {
            c.push(
                k.key("deflator").key("index").key(year),
                format!("a price index must be a number above 0, got {v}"),
            );
        }
    }
    let target = index.get(&s.price_year).copied();
    if target.is_none() {
        c.push(
            k.key("price_year"),
            format!(
                "the price year `{}` is not in [costs.deflator] index",
                s.price_year
            ),
        );
    }
    let mut cost_lines = Vec::new();
    for (name, l) in &s.lines {
        let lk = k.key("lines").key(name);
        let payer = PAYERS.iter().position(|p| *p == l.payer);
        if payer.is_none() {
            c.push(
                lk.key("payer"),
                format!("unknown payer `{}` (known: {})", l.payer, PAYERS.join(", ")),
            );
        }
        let kind = match l.kind.as_str() {
            "service" => Some(LineKind::Service),
            "consequence" => Some(LineKind::Consequence),
            other => {
                c.push(
                    lk.key("kind"),
                    format!("unknown kind `{other}` (known: service, consequence)"),
                );
                None
            }
        };
        let saving = match l.saving.as_deref() {
            Some("cash_releasing") => Some(Saving::CashReleasing),
            Some("opportunity") => Some(Saving::Opportunity),
            Some(other) => {
                c.push(
                    lk.key("saving"),
                    format!("unknown saving `{other}` (known: cash_releasing, opportunity)"),
                );
                None
            }
            None if kind == Some(LineKind::Consequence)
                && payer.is_some_and(|p| p < PUBLIC_PAYERS) =>
            {
                c.push(
                    lk.key("saving"),
                    "a public payer's consequence line needs `saving = \"cash_releasing\"` or \
                     `\"opportunity\"`: whether a change in it releases cash or only capacity",
                );
                None
            }
            None => Some(Saving::CashReleasing),
        };
        if l.basis.trim().is_empty() {
            c.push(
                lk.key("basis"),
                "a cost line's basis must say what the unit cost covers (for example \
                 \"full average cost including overheads\")",
            );
        }
        let d = driver(c, lk.key("driver"), &l.driver);
        let unit_cost = c.param(&lk.key("unit_cost"), &l.unit_cost, 0.0, 1e9, "a unit cost");
        let from = index.get(&l.price_year).copied();
        if from.is_none() {
            c.push(
                lk.key("price_year"),
                format!(
                    "the price year `{}` is not in [costs.deflator] index",
                    l.price_year
                ),
            );
        }
        if let (
            Some(payer),
            Some(kind),
            Some(saving),
            Some(driver),
            Some(unit_cost),
            Some(from),
            Some(to),
        ) = (payer, kind, saving, d, unit_cost, from, target)
        {
            cost_lines.push(CostLine {
                name: name.clone(),
                payer,
                kind,
                saving,
                basis: l.basis.clone(),
                driver,
                unit_cost,
                price_year: l.price_year.clone(),
                inflation: to / from,
                source: source(&l.unit_cost),
                low: l.unit_cost.low,
                high: l.unit_cost.high,
                description: l.description.clone(),
                note: l.unit_cost.note.clone(),
            });
        }
    }
    let mut qaly_lines = Vec::new();
    for (name, l) in qalys.map(|q| &q.lines).into_iter().flatten() {
        let lk = root.key("qalys").key("lines").key(name);
        let d = driver(c, lk.key("driver"), &l.driver);
        let per = c.param(
            &lk.key("qalys_per_unit"),
            &l.qalys_per_unit,
            -100.0,
            100.0,
            "QALYs per unit",
        );
        if let (Some(driver), Some(qalys_per_unit)) = (d, per) {
            qaly_lines.push(QalyLine {
                name: name.clone(),
                driver,
                qalys_per_unit,
                source: source(&l.qalys_per_unit),
                low: l.qalys_per_unit.low,
                high: l.qalys_per_unit.high,
                description: l.description.clone(),
                note: l.qalys_per_unit.note.clone(),
            });
        }
    }
    (c.problems.len() == before).then(|| Economics {
        price_year: s.price_year.clone(),
        discount_rate,
        cost_lines,
        qaly_lines,
        deflator: index.clone(),
    })
}
