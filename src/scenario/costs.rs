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
use super::pathway::health::{LIFE_YEARS_LOST_AFTER_WINDOW, STATE_YEARS, STATES};
use super::pathway::{AgeBandsSpec, HealthSpec};
use crate::economics::qalys::{Evidence, HealthValuation, PopulationNorm, StateUtility};
use crate::economics::{
    AGE_BANDS, CostLine, Driver, Economics, LineKind, PARTS, PAYERS, PEOPLE_GROUPS, PUBLIC_PAYERS,
    QalyLine, Saving,
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
    /// The population norm by age and sex, and the age each band is valued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_norm: Option<PopulationNormSpec>,
    /// The utility of each health state with a condition (`[health]`'s states).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub states: BTreeMap<String, StateSpec>,
    /// QALYs per unit of a driver, beside the states.
    #[serde(default)]
    pub lines: BTreeMap<String, QalyLineSpec>,
}

/// `[qalys.population_norm]`: EQ-5D = intercept + male x [man] + age x a + age2 x a^2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationNormSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub intercept: Param,
    pub male: Param,
    pub age: Param,
    pub age2: Param,
    /// The age, in years, each of the model's age bands is valued at.
    pub ages: AgeBandsSpec,
}

/// `[qalys.states.NAME]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The state's utility; or, with `over`, its gain over another state's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utility: Option<Param>,
    /// An earlier state of `[health]` whose utility this one is `gain` above (so that a
    /// sensitivity analysis cannot put treatment below no treatment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain: Option<Param>,
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

/// A param with its evidence, for the documentation.
fn evidence(key: String, p: &Param) -> Evidence {
    Evidence {
        key,
        value: p.value,
        source: source(p),
        low: p.low,
        high: p.high,
        note: p.note.clone(),
    }
}

/// Checks `[qalys.population_norm]` and `[qalys.states]` and resolves them, with `[health]`
/// (its remaining life expectancy by age band sets the age life lost after the window is
/// valued at; `[health]` itself is checked with the pathway). Every condition state of
/// `[health]` must be valued, and nothing else.
fn health_valuation(
    c: &mut Checker,
    q: &QalysSpec,
    health: Option<&HealthSpec>,
) -> Option<HealthValuation> {
    let k = KeyPath::root().key("qalys");
    let Some(n) = &q.population_norm else {
        if !q.states.is_empty() {
            c.push(
                k.key("states"),
                "health states need [qalys.population_norm]: a state is never valued above the norm of the person's age and sex",
            );
        }
        return None;
    };
    let nk = k.key("population_norm");
    let coefficient = |c: &mut Checker, key: &str, p: &Param| {
        c.param(&nk.key(key), p, -10.0, 10.0, "a coefficient")
    };
    let intercept = coefficient(c, "intercept", &n.intercept);
    let male = coefficient(c, "male", &n.male);
    let age = coefficient(c, "age", &n.age);
    let age2 = coefficient(c, "age2", &n.age2);
    let params = n.ages.params();
    let ages: [Option<f64>; AGE_BANDS.len()] = std::array::from_fn(|b| {
        c.param(
            &nk.key("ages").key(AGE_BANDS[b]),
            params[b],
            0.0,
            120.0,
            "an age in years",
        )
    });
    for name in q.states.keys() {
        if !STATES[1..].contains(&name.as_str()) {
            c.push(
                k.key("states").key(name),
                format!(
                    "unknown health state `{name}` (known: {}; the population norm is valued by [qalys.population_norm])",
                    STATES[1..].join(", ")
                ),
            );
        }
    }
    let mut states = vec![StateUtility {
        name: STATES[0].into(),
        driver: STATE_YEARS[0],
        utility: None,
        gain_over: None,
        source: n.intercept.source.clone().unwrap_or_default(),
        low: None,
        high: None,
        description: Some("no condition the model values: the population norm".into()),
        note: None,
    }];
    for (i, name) in STATES.iter().enumerate().skip(1) {
        let Some(st) = q.states.get(*name) else {
            c.push(
                k.key("states").key(name),
                format!("the health state `{name}` has no utility: every state of [health] must be valued"),
            );
            continue;
        };
        let sk = k.key("states").key(name);
        let what = "a utility (1 is full health, 0 is as bad as dead)";
        let (param, u, gain_over) = match (&st.utility, &st.over, &st.gain) {
            (Some(p), None, None) => (p, c.param(&sk.key("utility"), p, -1.0, 1.0, what), None),
            (None, Some(over), Some(g)) => {
                let base = states
                    .iter()
                    .find(|s| s.name == *over)
                    .and_then(|s| s.utility);
                if base.is_none() {
                    c.push(
                        sk.key("over"),
                        format!(
                            "`{over}` is not a valued state listed before `{name}` (in the order of [health]'s states: {})",
                            STATES[1..].join(", ")
                        ),
                    );
                }
                let gain = c.param(&sk.key("gain"), g, -1.0, 1.0, "a gain in utility");
                let u = base.zip(gain).map(|(b, g)| b + g);
                if let Some(u) = u
                    && !(-1.0..=1.0).contains(&u)
                {
                    c.push(
                        sk.key("gain"),
                        format!("{over}'s utility plus this gain is {u}, outside -1 to 1"),
                    );
                }
                (g, u, Some(over.clone()))
            }
            _ => {
                c.push(
                    sk.clone(),
                    "a health state needs `utility`, or `over` (an earlier state) and `gain`, and not both",
                );
                continue;
            }
        };
        if let Some(u) = u {
            states.push(StateUtility {
                name: name.to_string(),
                driver: STATE_YEARS[i],
                utility: Some(u),
                gain_over,
                source: source(param),
                low: param.low,
                high: param.high,
                description: st.description.clone(),
                note: param.note.clone(),
            });
        }
    }
    let (Some(intercept), Some(male), Some(age), Some(age2)) = (intercept, male, age, age2) else {
        return None;
    };
    let ages: [f64; AGE_BANDS.len()] = std::array::from_fn(|b| ages[b].unwrap_or(0.0));
    let remaining: [f64; AGE_BANDS.len()] = match health {
        Some(h) => h.remaining_life_years.params().map(|p| p.value),
        None => [0.0; AGE_BANDS.len()],
    };
    let mut documented = vec![
        evidence("qalys.population_norm.intercept".into(), &n.intercept),
        evidence("qalys.population_norm.male".into(), &n.male),
        evidence("qalys.population_norm.age".into(), &n.age),
        evidence("qalys.population_norm.age2".into(), &n.age2),
    ];
    for (band, p) in AGE_BANDS.iter().zip(params) {
        documented.push(evidence(format!("qalys.population_norm.ages.{band}"), p));
    }
    if let Some(h) = health {
        documented.push(evidence(
            "health.recovery_lasts_days".into(),
            &h.recovery_lasts_days,
        ));
        documented.push(evidence(
            "health.untreated_after_release_days".into(),
            &h.untreated_after_release_days,
        ));
        documented.push(evidence(
            "health.treated_in_hospital_days".into(),
            &h.treated_in_hospital_days,
        ));
        for (band, p) in AGE_BANDS.iter().zip(h.remaining_life_years.params()) {
            documented.push(evidence(format!("health.remaining_life_years.{band}"), p));
        }
    }
    let valuation = HealthValuation {
        norm: PopulationNorm {
            intercept,
            male,
            age,
            age2,
            source: source(&n.intercept),
        },
        ages,
        after_window_ages: std::array::from_fn(|b| ages[b] + remaining[b] / 2.0),
        states,
        after_window: LIFE_YEARS_LOST_AFTER_WINDOW,
        evidence: documented,
    };
    // The equation's coefficients are only checked one by one above: together they must give
    // a utility for every group, at the age each is valued at and at the age life after the
    // window is (EQ-5D-3L's UK tariff runs from -0.594 to 1).
    for (part, group) in PARTS.iter().enumerate().take(PEOPLE_GROUPS) {
        for (u, at) in [
            (valuation.norm(part), "the band's age"),
            (
                valuation.after_window_utility(part),
                "the age life lost after the window is valued at",
            ),
        ] {
            if !(-0.594..=1.0).contains(&u) {
                c.push(
                    nk.clone(),
                    format!(
                        "the population norm for {group} at {at} is {u:.4}, outside EQ-5D's -0.594 to 1: check the coefficients and ages"
                    ),
                );
                return None;
            }
        }
    }
    Some(valuation)
}

/// Checks `[costs]` and `[qalys]` and resolves them. `[qalys]` without `[costs]` is an error:
/// QALYs are only reported beside costs. `health` is the pathway's `[health]`, if it has one.
pub(super) fn resolve(
    c: &mut Checker,
    costs: Option<&CostsSpec>,
    qalys: Option<&QalysSpec>,
    health: Option<&HealthSpec>,
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
    let health = qalys.and_then(|q| health_valuation(c, q, health));
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
        health,
        deflator: index.clone(),
    })
}
