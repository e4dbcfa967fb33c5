//! Costs and QALYs: what a run's activity costs each payer, at one price year, discounted.
//!
//! A run measures **drivers** by year of the measured window (custody days, referrals, courses,
//! reoffences, life-years lost to deaths, ...: [`Driver`]). A scenario's `[costs]` section
//! (resolved into [`Economics`]) prices each driver in **lines**: a unit cost at the price year
//! its source gives, the payer, and whether the line is a service a policy buys or a
//! consequence of what happens to people. [`Economics::metrics`] turns drivers into money:
//!
//! - **Inflation**: each unit cost is multiplied by `index[target year] / index[its price
//!   year]` from the scenario's deflator table (the HM Treasury GDP deflator's basis, ONS
//!   series YBGB).
//! - **Discounting**: the amount in year `y` of the window (0 for the first year) is divided by
//!   `(1 + rate)^y`, the HM Treasury Green Book convention with the first year undiscounted.
//! - **Payers**: every line belongs to one of [`PAYERS`]. The first [`PUBLIC_PAYERS`] are the
//!   public sector; the wider costs of crime (to victims and society) are reported beside them.
//!
//! QALY lines work the same way (a driver times QALYs per unit, discounted). The comparison of
//! two runs (ICER, net monetary benefit, return on investment) is in [`investment`].
//!
//! Everything here is a pure function of its inputs: no I/O, no randomness.

pub mod investment;
pub mod psa;
pub mod qalys;

/// Who pays, in output order. The first [`PUBLIC_PAYERS`] are the public sector.
pub const PAYERS: [&str; 5] = [
    "nhs_england",
    "integrated_care_boards",
    "hmpps",
    "local_authorities",
    "wider_costs_of_crime",
];

/// How many of [`PAYERS`] (from the first) are public bodies.
pub const PUBLIC_PAYERS: usize = 4;

/// What a run measures by year, for pricing: custody days, referrals, courses, reoffences,
/// life-years lost, ... A cost or QALY line names one in its `driver` key.
///
/// Economics prices drivers without knowing them: each is declared beside the mechanism that
/// produces it, in the scenario's pathway sections (`scenario::pathway::DRIVERS`, which a
/// line's name is checked against), and the model's stage that counts it sets its amounts. A
/// new mechanism with a price therefore adds no code here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Driver(pub &'static str);

impl Driver {
    /// The name a scenario file uses.
    pub fn name(self) -> &'static str {
        self.0
    }
}

/// Who a driver's amounts belong to, for the distributional view (HM Treasury's Green Book and
/// NICE ask who gains): men then women, each by the model's age bands. An amount the model
/// cannot attribute to a person (capacity commissioned, such as secure beds and assessors) is
/// in the last part, [`NOT_ATTRIBUTED`]. A driver's parts add up to its total.
pub const PARTS: [&str; 7] = [
    "male_under_50",
    "male_50_59",
    "male_60_plus",
    "female_under_50",
    "female_50_59",
    "female_60_plus",
    "not_attributed",
];
/// The parts that are groups of people (sex by age band): the first six of [`PARTS`].
pub const PEOPLE_GROUPS: usize = 6;
/// The part of amounts not attributable to a group of people.
pub const NOT_ATTRIBUTED: usize = 6;
/// The model's age bands, in the order of [`PARTS`] within each sex.
pub const AGE_BANDS: [&str; 3] = ["under_50", "50_59", "60_plus"];

/// The part of [`PARTS`] for a person of that sex and age band (an index into [`AGE_BANDS`]).
#[inline]
pub fn group(female: bool, age_band: usize) -> usize {
    female as usize * AGE_BANDS.len() + age_band
}

/// Driver amounts by year, in [`PARTS`]. Years count from the start of the measured window;
/// a driver may run on past it (life lost after the window to a death in it). A driver never set
/// is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Drivers {
    years: usize,
    series: Vec<(Driver, [Vec<f64>; 7])>,
}

impl Drivers {
    /// None set, for a window of `years` years (the last may be part of a year).
    pub fn new(years: usize) -> Self {
        Self {
            years,
            series: Vec::new(),
        }
    }

    /// Years in the window.
    pub fn years(&self) -> usize {
        self.years
    }

    /// Sets the amount of `driver` in year `year` (from 0) not attributed to a group.
    pub fn set(&mut self, driver: Driver, year: usize, amount: f64) {
        self.set_part(driver, NOT_ATTRIBUTED, year, amount);
    }

    /// Sets the amount of `driver` in year `year` (from 0) in part `part` of [`PARTS`].
    pub fn set_part(&mut self, driver: Driver, part: usize, year: usize, amount: f64) {
        let i = match self.series.iter().position(|(d, _)| *d == driver) {
            Some(i) => i,
            None => {
                self.series.push((driver, Default::default()));
                self.series.len() - 1
            }
        };
        let v = &mut self.series[i].1[part];
        if v.len() <= year {
            v.resize(year + 1, 0.0);
        }
        v[year] = amount;
    }

    /// The amount of `driver` in year `year` (from 0), all parts.
    pub fn get(&self, driver: Driver, year: usize) -> f64 {
        (0..PARTS.len())
            .map(|part| self.get_part(driver, part, year))
            .sum()
    }

    /// The amount of `driver` in year `year` (from 0) in part `part`.
    pub fn get_part(&self, driver: Driver, part: usize, year: usize) -> f64 {
        self.series
            .iter()
            .find(|(d, _)| *d == driver)
            .and_then(|(_, v)| v[part].get(year).copied())
            .unwrap_or(0.0)
    }

    /// Years with amounts of `driver`, at least the window's.
    pub fn span(&self, driver: Driver) -> usize {
        self.series
            .iter()
            .find(|(d, _)| *d == driver)
            .map_or(0, |(_, v)| v.iter().map(Vec::len).max().unwrap_or(0))
            .max(self.years)
    }

    /// The amount of `driver` over the whole window.
    pub fn total(&self, driver: Driver) -> f64 {
        (0..self.years).map(|y| self.get(driver, y)).sum()
    }
}

/// Whether a cost line is a service a policy buys (its investment) or a consequence of what
/// happens to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A service commissioned (secure beds, spot beds, L&D, support, therapy): what a policy
    /// invests in.
    Service,
    /// What follows from people's paths (prison places, probation, crime).
    Consequence,
}

/// Whether a change in a line's amount moves cash, as public-sector business cases split
/// savings (HM Treasury Green Book convention): a **cash-releasing** saving comes out of a
/// budget (the direct cost of a prisoner: food, health care, staff time that scales with the
/// population); an **opportunity** saving frees capacity whose cost stays until the capacity
/// itself is closed (a prison's overheads, buildings and headquarters: C1 less its direct part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saving {
    CashReleasing,
    Opportunity,
}

impl Saving {
    /// The name a scenario file uses.
    pub fn name(self) -> &'static str {
        match self {
            Saving::CashReleasing => "cash_releasing",
            Saving::Opportunity => "opportunity",
        }
    }
}

/// One priced driver.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// Name in the scenario (`[costs.lines.NAME]`).
    pub name: String,
    /// Index into [`PAYERS`].
    pub payer: usize,
    pub kind: LineKind,
    /// Whether a change in the line releases cash or only capacity.
    pub saving: Saving,
    /// What the unit cost covers, as its source defines it ("full average cost including
    /// overheads", "marginal: direct resource cost", "per order supervised", ...).
    pub basis: String,
    pub driver: Driver,
    /// Unit cost as the source gives it, at `price_year`.
    pub unit_cost: f64,
    /// Price year of `unit_cost` (a key of the deflator table).
    pub price_year: String,
    /// `index[target] / index[price_year]`.
    pub inflation: f64,
    /// Where the unit cost comes from.
    pub source: String,
    /// The range the sources give, at `price_year`.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// What the line pays for, and why the value.
    pub description: Option<String>,
    pub note: Option<String>,
}

impl CostLine {
    /// The unit cost at the target price year.
    pub fn unit_cost_at_target(&self) -> f64 {
        self.unit_cost * self.inflation
    }
}

/// One driver valued in QALYs.
#[derive(Debug, Clone, PartialEq)]
pub struct QalyLine {
    /// Name in the scenario (`[qalys.lines.NAME]`).
    pub name: String,
    pub driver: Driver,
    /// QALYs per unit of the driver (negative for a loss).
    pub qalys_per_unit: f64,
    pub source: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub description: Option<String>,
    pub note: Option<String>,
}

/// A scenario's `[costs]` and `[qalys]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Economics {
    /// The price year every cost is expressed in.
    pub price_year: String,
    /// Annual discount rate for costs and QALYs.
    pub discount_rate: f64,
    pub cost_lines: Vec<CostLine>,
    /// QALYs per unit of a driver, beside the health states (a trial's measured difference,
    /// such as E3's per participant in release support).
    pub qaly_lines: Vec<QalyLine>,
    /// QALYs from time in health states, and life lost after the window
    /// (`[qalys.population_norm]`, `[qalys.states]`); `None` if the scenario values none.
    pub health: Option<qalys::HealthValuation>,
    /// The price index by price year (`[costs.deflator] index`), to take amounts to other
    /// price years (see [`Economics::at_price_year`]).
    pub deflator: std::collections::BTreeMap<String, f64>,
}

/// The factor applied to an amount in year `year` (0 for the first year) at `rate` a year.
pub fn discount_factor(rate: f64, year: usize) -> f64 {
    (1.0 + rate).powi(-(year as i32))
}

/// Amounts by part of [`PARTS`].
pub type ByPart = [f64; 7];

/// The sum of an amount's parts, in [`PARTS`] order (so that the parts add up to the total
/// exactly as reported).
pub fn sum_parts(v: &ByPart) -> f64 {
    v.iter().sum()
}

impl Economics {
    /// `amount`, in pounds at the target price year, taken to the price year `year` (a key of
    /// the deflator index); `None` if the index lacks either year.
    pub fn at_price_year(&self, amount: f64, year: &str) -> Option<f64> {
        let to = self.deflator.get(year)?;
        let from = self.deflator.get(&self.price_year)?;
        Some(amount * to / from)
    }

    /// The cost line named `name`, if the scenario has it.
    pub fn line(&self, name: &str) -> Option<&CostLine> {
        self.cost_lines.iter().find(|l| l.name == name)
    }

    /// `driver`'s amounts in `part`, each discounted to the first year, over the years in
    /// `years`.
    fn discounted(
        &self,
        drivers: &Drivers,
        driver: Driver,
        part: usize,
        years: std::ops::Range<usize>,
    ) -> f64 {
        years
            .map(|y| drivers.get_part(driver, part, y) * discount_factor(self.discount_rate, y))
            .sum()
    }

    /// `per_unit(part)` x `driver`, discounted, by part, over every year the driver has (those
    /// after the window too).
    fn by_part(
        &self,
        drivers: &Drivers,
        driver: Driver,
        per_unit: impl Fn(usize) -> f64,
    ) -> ByPart {
        let years = 0..drivers.span(driver);
        std::array::from_fn(|part| {
            per_unit(part) * self.discounted(drivers, driver, part, years.clone())
        })
    }

    /// The same in year `year` only, all parts.
    fn in_year(
        &self,
        drivers: &Drivers,
        driver: Driver,
        year: usize,
        per_unit: impl Fn(usize) -> f64,
    ) -> f64 {
        (0..PARTS.len())
            .map(|part| per_unit(part) * self.discounted(drivers, driver, part, year..year + 1))
            .sum()
    }

    /// The same totals year by year of the window (`year1` is the first; each discounted as
    /// in the totals, so the years add up to them): `cost.payer.{payer}.year{k}`,
    /// `cost.service.year{k}`, `cost.public_sector.year{k}`, `qalys.total.year{k}`. A policy
    /// with a start date is measured from its start, so these are its first years in turn.
    /// QALYs by year are those lived in the year (and per-unit lines); life lost after the
    /// window is not in any year (`qalys.after_window`).
    fn yearly_metrics(&self, drivers: &Drivers, out: &mut Vec<(String, f64)>) {
        let payers = self.payers();
        for y in 0..drivers.years() {
            let k = y + 1;
            let line =
                |l: &CostLine| self.in_year(drivers, l.driver, y, |_| l.unit_cost_at_target());
            let sum = |keep: &dyn Fn(&CostLine) -> bool| -> f64 {
                self.cost_lines.iter().filter(|l| keep(l)).map(line).sum()
            };
            for &p in &payers {
                out.push((
                    format!("cost.payer.{}.year{k}", PAYERS[p]),
                    sum(&|l| l.payer == p),
                ));
            }
            out.push((
                format!("cost.service.year{k}"),
                sum(&|l| l.kind == LineKind::Service),
            ));
            out.push((
                format!("cost.public_sector.year{k}"),
                sum(&|l| l.payer < PUBLIC_PAYERS),
            ));
            let mut qalys: f64 = self
                .qaly_lines
                .iter()
                .map(|l| self.in_year(drivers, l.driver, y, |_| l.qalys_per_unit))
                .sum();
            if let Some(h) = &self.health {
                for st in &h.states {
                    qalys += self.in_year(drivers, st.driver, y, |part| h.utility(st, part));
                }
            }
            out.push((format!("qalys.total.year{k}"), qalys));
        }
    }

    /// The same, undiscounted.
    /// The undiscounted cost over the window of every line priced on `driver`, in pounds at the
    /// target price year (a cost per outcome is a ratio within the window, so not discounted).
    pub fn undiscounted_cost_of(&self, drivers: &Drivers, driver: Driver) -> f64 {
        self.cost_lines
            .iter()
            .filter(|l| l.driver == driver)
            .map(|l| self.undiscounted(drivers, driver, l.unit_cost_at_target()))
            .sum()
    }

    fn undiscounted(&self, drivers: &Drivers, driver: Driver, per_unit: f64) -> f64 {
        (0..drivers.years())
            .map(|y| drivers.get(driver, y) * per_unit)
            .sum()
    }

    /// Payers that have at least one line, in [`PAYERS`] order.
    pub fn payers(&self) -> Vec<usize> {
        (0..PAYERS.len())
            .filter(|&p| self.cost_lines.iter().any(|l| l.payer == p))
            .collect()
    }

    /// Cost and QALY metrics of one run, in pounds at the target price year, discounted:
    ///
    /// - `cost.line.{line}`: each line;
    /// - `cost.payer.{payer}`: each payer that has lines (the sum of its lines);
    /// - `cost.payer_consequences.{payer}`: the same without its service lines;
    /// - `cost.payer_undiscounted.{payer}`: each payer's lines, undiscounted (for comparisons
    ///   with published totals whose horizon is not stated, such as C22's CJS savings);
    /// - `cost.service`: all service lines (what policies invest in);
    /// - `cost.public_sector`: the public payers; `cost.societal`: every payer;
    /// - `cost.payer_marginal.{payer}`, `cost.public_sector_marginal`: the same with only the
    ///   cash-releasing lines ([`Saving`]): the marginal view of a business case;
    /// - `cost.public_sector_consequences.{cash_releasing, opportunity}`: the public payers'
    ///   consequence lines by saving kind (their sum is the public consequences);
    /// - `cost.public_sector.by_group.{part}`: the public sector's cost by sex and age band
    ///   ([`PARTS`], with `not_attributed` for capacity), which adds up to `cost.public_sector`;
    /// - `qalys.state.{state}`: QALYs lived in each health state in the window;
    ///   `qalys.after_window`: QALYs lost after the window to deaths in it (negative);
    ///   `qalys.line.{line}`: each per-unit line; `qalys.total`, and
    ///   `qalys.total.by_group.{part}`, which adds up to it.
    pub fn metrics(&self, drivers: &Drivers) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        let line_parts: Vec<ByPart> = self
            .cost_lines
            .iter()
            .map(|l| self.by_part(drivers, l.driver, |_| l.unit_cost_at_target()))
            .collect();
        let line_costs: Vec<f64> = line_parts.iter().map(sum_parts).collect();
        for (l, v) in self.cost_lines.iter().zip(&line_costs) {
            out.push((format!("cost.line.{}", l.name), *v));
        }
        let sum = |keep: &dyn Fn(&CostLine) -> bool| -> f64 {
            self.cost_lines
                .iter()
                .zip(&line_costs)
                .filter(|(l, _)| keep(l))
                .map(|(_, v)| *v)
                .sum()
        };
        let payers = self.payers();
        for &p in &payers {
            out.push((format!("cost.payer.{}", PAYERS[p]), sum(&|l| l.payer == p)));
        }
        for &p in &payers {
            out.push((
                format!("cost.payer_consequences.{}", PAYERS[p]),
                sum(&|l| l.payer == p && l.kind == LineKind::Consequence),
            ));
        }
        for &p in &payers {
            let v = self
                .cost_lines
                .iter()
                .filter(|l| l.payer == p)
                .map(|l| self.undiscounted(drivers, l.driver, l.unit_cost_at_target()))
                .sum();
            out.push((format!("cost.payer_undiscounted.{}", PAYERS[p]), v));
        }
        out.push(("cost.service".into(), sum(&|l| l.kind == LineKind::Service)));
        let mut public: ByPart = [0.0; 7];
        for (l, v) in self.cost_lines.iter().zip(&line_parts) {
            if l.payer < PUBLIC_PAYERS {
                for (a, b) in public.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
        out.push(("cost.public_sector".into(), sum_parts(&public)));
        out.push(("cost.societal".into(), sum(&|_| true)));
        for (name, v) in PARTS.iter().zip(public) {
            out.push((format!("cost.public_sector.by_group.{name}"), v));
        }
        // The business-case (marginal) view: only what moves cash. Each payer's, then the
        // public sector's; and the public sector's consequences split by saving kind, which
        // add up to its consequence lines.
        let cash = |l: &CostLine| l.saving == Saving::CashReleasing;
        for &p in &payers {
            out.push((
                format!("cost.payer_marginal.{}", PAYERS[p]),
                sum(&|l| l.payer == p && cash(l)),
            ));
        }
        out.push((
            "cost.public_sector_marginal".into(),
            sum(&|l| l.payer < PUBLIC_PAYERS && cash(l)),
        ));
        for saving in [Saving::CashReleasing, Saving::Opportunity] {
            out.push((
                format!("cost.public_sector_consequences.{}", saving.name()),
                sum(&|l| {
                    l.payer < PUBLIC_PAYERS && l.kind == LineKind::Consequence && l.saving == saving
                }),
            ));
        }
        let mut qalys: ByPart = [0.0; 7];
        let mut add = |out: &mut Vec<(String, f64)>, name: String, v: ByPart| {
            for (a, b) in qalys.iter_mut().zip(&v) {
                *a += b;
            }
            out.push((name, sum_parts(&v)));
        };
        if let Some(h) = &self.health {
            for st in &h.states {
                let v = self.by_part(drivers, st.driver, |part| h.utility(st, part));
                add(&mut out, format!("qalys.state.{}", st.name), v);
            }
            let v = self.by_part(drivers, h.after_window, |part| {
                -h.after_window_utility(part)
            });
            add(&mut out, "qalys.after_window".into(), v);
        }
        for l in &self.qaly_lines {
            let v = self.by_part(drivers, l.driver, |_| l.qalys_per_unit);
            add(&mut out, format!("qalys.line.{}", l.name), v);
        }
        out.push(("qalys.total".into(), sum_parts(&qalys)));
        for (name, v) in PARTS.iter().zip(qalys) {
            out.push((format!("qalys.total.by_group.{name}"), v));
        }
        self.yearly_metrics(drivers, &mut out);
        // An empty sum or a zero times a negative is -0, which would print as "-0".
        for (_, v) in &mut out {
            *v += 0.0;
        }
        out
    }
}

impl Economics {
    /// The unit-cost table as Markdown: every line with its payer, kind, saving kind, driver,
    /// basis, unit cost and range as the source gives them, the inflation factor, the unit cost at the target price year,
    /// and the source; then the QALY lines. `cjmh costs` prints it; docs/economics.md is its output
    /// for the baseline.
    pub fn to_markdown(&self, scenario: &str) -> String {
        let money = |x: f64| {
            if x >= 1000.0 {
                format!("£{}", investment::thousands(x))
            } else {
                format!("£{x:.2}")
            }
        };
        let range =
            |low: Option<f64>, high: Option<f64>, f: &dyn Fn(f64) -> String| match (low, high) {
                (None, None) => "-".to_string(),
                (l, h) => format!(
                    "{} to {}",
                    l.map(f).unwrap_or_else(|| "-".into()),
                    h.map(f).unwrap_or_else(|| "-".into())
                ),
            };
        let cell = |s: &str| s.replace('|', "\\|");
        let mut s = format!(
            "# Unit costs and QALYs\n\n\
             Generated by `cjmh costs` from `{scenario}`; do not edit by hand. Costs are converted to \
             **{} prices** with the scenario's deflator (factor = index at {} / index at the line's \
             price year) and discounted at **{:.1}%** a year, the first year undiscounted. \
             docs/metrics.md defines the drivers and the cost metrics.\n\n\
             **Basis** is what the unit cost covers as its source defines it (a full average cost \
             including overheads, a marginal direct cost, per case or per day). **Saving** is how \
             a public-sector business case counts a change in the line: *cash-releasing* (a budget \
             spends less, or more) or *opportunity* (capacity is freed, but its cost stays until \
             the capacity itself is closed, as a prison's overheads). The marginal results \
             (`cost.public_sector_marginal`, `investment.nmb_*_marginal`) count cash-releasing \
             lines only; the full-cost results count every line.\n\n\
             | line | payer | kind | saving | driver | basis | unit cost | range | price year | factor | at {} | source | note |\n\
             |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
            self.price_year,
            self.price_year,
            self.discount_rate * 100.0,
            self.price_year
        );
        for l in &self.cost_lines {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | `{}` | {} | {} | {} | {} | {:.4} | {} | {} | {} |\n",
                l.name,
                PAYERS[l.payer],
                match l.kind {
                    LineKind::Service => "service",
                    LineKind::Consequence => "consequence",
                },
                l.saving.name().replace('_', "-"),
                l.driver.name(),
                cell(&l.basis),
                money(l.unit_cost),
                range(l.low, l.high, &money),
                l.price_year,
                l.inflation,
                money(l.unit_cost_at_target()),
                cell(&l.source),
                cell(l.note.as_deref().or(l.description.as_deref()).unwrap_or("")),
            ));
        }
        s.push_str(
            "\n| QALY line | driver | QALYs per unit | range | source | note |\n|---|---|---|---|---|---|\n",
        );
        for l in &self.qaly_lines {
            s.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} | {} |\n",
                l.name,
                l.driver.name(),
                l.qalys_per_unit,
                range(l.low, l.high, &|x| format!("{x}")),
                cell(&l.source),
                cell(l.note.as_deref().or(l.description.as_deref()).unwrap_or("")),
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, payer: usize, kind: LineKind, driver: Driver, cost: f64) -> CostLine {
        CostLine {
            name: name.into(),
            payer,
            kind,
            saving: Saving::CashReleasing,
            basis: "test".into(),
            driver,
            unit_cost: cost,
            price_year: "2011".into(),
            inflation: 112.375 / 79.0,
            source: "test".into(),
            low: None,
            high: None,
            description: None,
            note: None,
        }
    }

    fn get(m: &[(String, f64)], name: &str) -> f64 {
        m.iter().find(|(n, _)| n == name).unwrap().1
    }

    #[test]
    fn discounting_and_inflation_match_hand_computed_values() {
        // 1,000 custody days in each of 5 years at £100 a day in 2011 prices, to 2024-25 prices
        // (index 112.375 / 79.0), at 3.5%:
        // 100 x 112.375 / 79 = 142.2468354; x 1000 x (1 + 1/1.035 + 1/1.035^2 + 1/1.035^3
        // + 1/1.035^4) = 142,246.8354 x 4.6730792 = 664,730.73.
        let e = Economics {
            price_year: "2024-25".into(),
            discount_rate: 0.035,
            cost_lines: vec![line(
                "prison",
                2,
                LineKind::Consequence,
                Driver("custody_days"),
                100.0,
            )],
            qaly_lines: vec![],
            health: None,
            deflator: Default::default(),
        };
        let mut d = Drivers::new(5);
        for y in 0..5 {
            d.set(Driver("custody_days"), y, 1000.0);
        }
        let m = e.metrics(&d);
        assert!((get(&m, "cost.line.prison") - 664_730.73).abs() < 0.01);
        assert!((discount_factor(0.035, 4) - 0.871_442_3).abs() < 1e-7);
        // Undiscounted: 142.2468354 x 5,000.
        assert!((get(&m, "cost.payer_undiscounted.hmpps") - 711_234.18).abs() < 0.01);
    }

    #[test]
    fn payer_totals_are_the_sums_of_their_lines() {
        let e = Economics {
            price_year: "2011".into(),
            discount_rate: 0.0,
            cost_lines: vec![
                CostLine {
                    inflation: 1.0,
                    ..line("beds", 0, LineKind::Service, Driver("spot_bed_days"), 400.0)
                },
                CostLine {
                    inflation: 1.0,
                    ..line(
                        "healthcare",
                        0,
                        LineKind::Consequence,
                        Driver("custody_days"),
                        10.0,
                    )
                },
                CostLine {
                    inflation: 1.0,
                    ..line(
                        "prison",
                        2,
                        LineKind::Consequence,
                        Driver("custody_days"),
                        100.0,
                    )
                },
                CostLine {
                    inflation: 1.0,
                    ..line(
                        "crime",
                        4,
                        LineKind::Consequence,
                        Driver("reoffences"),
                        5000.0,
                    )
                },
            ],
            qaly_lines: vec![QalyLine {
                name: "deaths".into(),
                driver: Driver("life_years_lost"),
                qalys_per_unit: -0.5,
                source: "test".into(),
                low: None,
                high: None,
                description: None,
                note: None,
            }],
            health: None,
            deflator: Default::default(),
        };
        let mut d = Drivers::new(2);
        d.set(Driver("spot_bed_days"), 0, 3.0);
        d.set(Driver("custody_days"), 1, 7.0);
        d.set(Driver("reoffences"), 0, 2.0);
        d.set(Driver("life_years_lost"), 1, 4.0);
        let m = e.metrics(&d);
        assert_eq!(get(&m, "cost.payer.nhs_england"), 1200.0 + 70.0);
        assert_eq!(get(&m, "cost.payer_consequences.nhs_england"), 70.0);
        assert_eq!(get(&m, "cost.payer.hmpps"), 700.0);
        assert_eq!(get(&m, "cost.service"), 1200.0);
        assert_eq!(get(&m, "cost.public_sector"), 1970.0);
        assert_eq!(get(&m, "cost.societal"), 11_970.0);
        assert_eq!(get(&m, "qalys.total"), -2.0);
        // Payers without lines are left out rather than reported as costing nothing.
        assert!(!m.iter().any(|(n, _)| n == "cost.payer.local_authorities"));
    }

    /// C1's day (£141.61, 2022-23) split as the baseline splits it: the direct resource cost
    /// (HP1: £2,751,481,717 of £4,181,725,178) and the overheads, the rest.
    fn prison_split() -> Economics {
        let direct = (141.61 * 2_751_481_717.0 / 4_181_725_178.0 * 100.0_f64).round() / 100.0;
        let at = |name: &str, cost: f64, saving: Saving| CostLine {
            inflation: 1.0,
            saving,
            ..line(name, 2, LineKind::Consequence, Driver("custody_days"), cost)
        };
        Economics {
            price_year: "2022-23".into(),
            discount_rate: 0.035,
            cost_lines: vec![
                at("prison_places_direct", direct, Saving::CashReleasing),
                at(
                    "prison_places_overheads",
                    141.61 - direct,
                    Saving::Opportunity,
                ),
                CostLine {
                    inflation: 1.0,
                    ..line("therapy", 1, LineKind::Service, Driver("courses"), 877.0)
                },
                CostLine {
                    inflation: 1.0,
                    saving: Saving::Opportunity,
                    ..line(
                        "crime",
                        4,
                        LineKind::Consequence,
                        Driver("reoffences"),
                        5000.0,
                    )
                },
            ],
            qaly_lines: vec![],
            health: None,
            deflator: Default::default(),
        }
    }

    #[test]
    fn the_marginal_and_full_cost_views_split_prison_time_exactly() {
        let e = prison_split();
        let (direct, overheads) = (&e.cost_lines[0], &e.cost_lines[1]);
        assert_eq!(direct.unit_cost, 93.18, "HP2: about £93 a day direct");
        assert!((direct.unit_cost + overheads.unit_cost - 141.61).abs() < 1e-12);
        let mut d = Drivers::new(3);
        for y in 0..3 {
            d.set(Driver("custody_days"), y, 1000.0 * (y + 1) as f64);
            d.set(Driver("courses"), y, 7.0);
            d.set(Driver("reoffences"), y, 2.0);
        }
        let m = e.metrics(&d);
        // Full cost: C1 a day on every custody day, discounted.
        let days: f64 = (0..3)
            .map(|y| 1000.0 * (y + 1) as f64 * discount_factor(0.035, y))
            .sum();
        let courses: f64 = (0..3)
            .map(|y| 7.0 * 877.0 * discount_factor(0.035, y))
            .sum();
        let full = get(&m, "cost.line.prison_places_direct")
            + get(&m, "cost.line.prison_places_overheads");
        assert!((full - 141.61 * days).abs() < 1e-6);
        assert!((get(&m, "cost.public_sector") - (full + courses)).abs() < 1e-6);
        // Marginal: the overheads (an opportunity line) and the wider costs of crime are left
        // out; the service line, which is cash, stays.
        assert!(
            (get(&m, "cost.public_sector_marginal") - (93.18 * days + courses)).abs() < 1e-6,
            "{}",
            get(&m, "cost.public_sector_marginal")
        );
        assert!((get(&m, "cost.payer_marginal.hmpps") - 93.18 * days).abs() < 1e-6);
        assert_eq!(get(&m, "cost.payer_marginal.wider_costs_of_crime"), 0.0);
        // Full minus marginal is exactly the opportunity lines of the public sector.
        assert!(
            (get(&m, "cost.public_sector")
                - get(&m, "cost.public_sector_marginal")
                - get(&m, "cost.line.prison_places_overheads"))
            .abs()
                < 1e-6
        );
        // The consequences by saving kind add up to the public consequences.
        let cash = get(&m, "cost.public_sector_consequences.cash_releasing");
        let opportunity = get(&m, "cost.public_sector_consequences.opportunity");
        let consequences: f64 = ["nhs_england", "integrated_care_boards", "hmpps"]
            .iter()
            .filter_map(|p| {
                m.iter()
                    .find(|(n, _)| *n == format!("cost.payer_consequences.{p}"))
                    .map(|x| x.1)
            })
            .sum();
        assert!((cash + opportunity - consequences).abs() < 1e-6);
        assert!((opportunity - get(&m, "cost.line.prison_places_overheads")).abs() < 1e-9);
    }

    #[test]
    fn costs_shows_every_lines_basis_price_year_and_saving_kind() {
        let mut e = prison_split();
        e.cost_lines[1].basis = "full average cost less the direct | part".into();
        let md = e.to_markdown("test.toml");
        let row = md
            .lines()
            .find(|l| l.starts_with("| `prison_places_overheads`"))
            .unwrap();
        assert!(row.contains("| opportunity |"), "{row}");
        assert!(
            row.contains("full average cost less the direct \\| part"),
            "{row}"
        );
        assert!(row.contains("| 2011 |"), "{row}");
        let row = md
            .lines()
            .find(|l| l.starts_with("| `prison_places_direct`"))
            .unwrap();
        assert!(row.contains("| cash-releasing |"), "{row}");
    }

    #[test]
    fn a_driver_never_set_is_zero_and_each_keeps_its_own_years() {
        let mut d = Drivers::new(3);
        d.set(Driver("a"), 2, 5.0);
        d.set(Driver("b"), 0, 1.0);
        d.set(Driver("a"), 0, 2.0);
        assert_eq!(
            (0..3).map(|y| d.get(Driver("a"), y)).collect::<Vec<_>>(),
            [2.0, 0.0, 5.0]
        );
        assert_eq!(d.total(Driver("b")), 1.0);
        assert_eq!(d.total(Driver("never")), 0.0);
    }
}
