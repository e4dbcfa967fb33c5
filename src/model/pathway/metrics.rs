//! What a replication reports: the stages' tallies together ([`Tally`]), the metrics each
//! stage computes from its own, in the published order of `summary.csv`, and the economic
//! drivers that costs and QALYs are priced on.

use super::tally::{ByYear, Merge, ratio};
use super::{
    PathwayModel, care, community, court, custody, health, iapt, people, police, release, transfer,
};
use crate::economics::{Driver, Drivers};
use crate::engine::{Tick, ticks_to_days};
use crate::model::Metrics;
use crate::model::recorder::Recorder;
use crate::scenario::{Pathway, Scenario};

/// Everything a replication's metrics are computed from, stage by stage, finished at the end of
/// the run. The tallies of independent catchments add up ([`Merge`]), so a run split into
/// catchments is summarised exactly as one run: every metric is computed once, from the sums.
#[derive(Debug, Clone)]
pub(super) struct Tally {
    pub(super) warm: Tick,
    pub(super) end: Tick,
    pub(super) people: people::PeopleTally,
    pub(super) police: police::PoliceTally,
    pub(super) court: court::CourtTally,
    pub(super) custody: custody::CustodyTally,
    pub(super) care: care::CareTally,
    pub(super) transfer: transfer::TransferTally,
    pub(super) secure: transfer::SecureStayTally,
    pub(super) release: release::ReleaseTally,
    pub(super) community: community::CommunityTally,
    pub(super) iapt: iapt::IaptTally,
    pub(super) health: health::HealthTally,
}

impl Tally {
    pub(super) fn new(p: &Pathway, warm: Tick, end: Tick) -> Self {
        Self {
            warm,
            end,
            people: people::PeopleTally::new(warm, end),
            police: police::PoliceTally::new(warm, end),
            court: court::CourtTally::new(warm, end),
            custody: custody::CustodyTally::new(warm, end),
            care: care::CareTally::new(p, warm),
            transfer: transfer::TransferTally::new(p, warm, end),
            secure: transfer::SecureStayTally::new(),
            release: release::ReleaseTally::new(warm, end),
            community: community::CommunityTally::new(warm, end),
            iapt: iapt::IaptTally::new(p, warm, end),
            health: health::HealthTally::new(warm, end),
        }
    }

    /// The tallies of a finished run, with every level brought up to the end.
    pub(super) fn of<R: Recorder>(m: PathwayModel<'_, R>) -> Self {
        let mut t = m.t;
        let mut persons = m.people;
        let (warm, end) = (t.warm, t.end);
        people::close_places(&mut t.people, &persons, warm, end);
        health::close_health(&mut t.health, &mut persons, m.p, end);
        t.people.finish(end);
        t.police.finish(end);
        t.court.finish(end);
        t.custody.finish(end);
        t.care.finish(end);
        t.transfer.finish(end);
        t.secure.finish(end);
        t.release.finish(end);
        t.community.finish(end);
        t.iapt.finish(end);
        t.health.finish(end);
        t
    }

    /// Adds another catchment's tallies (same window).
    pub(super) fn merge(&mut self, o: &Tally) {
        self.people.merge(&o.people);
        self.police.merge(&o.police);
        self.court.merge(&o.court);
        self.custody.merge(&o.custody);
        self.care.merge(&o.care);
        self.transfer.merge(&o.transfer);
        self.secure.merge(&o.secure);
        self.release.merge(&o.release);
        self.community.merge(&o.community);
        self.iapt.merge(&o.iapt);
        self.health.merge(&o.health);
    }
}

/// Metrics as they are computed, in output order.
pub(super) struct Out {
    pub(super) metrics: Metrics,
    /// Years in the measured window, for rates per year.
    pub(super) years: f64,
}

impl Out {
    pub(super) fn push(&mut self, name: impl Into<String>, v: f64) {
        self.metrics.push((name.into(), v));
    }

    pub(super) fn count(&mut self, name: impl Into<String>, n: u64) {
        self.push(name, n as f64);
    }
}

/// `part / whole` of two counts, NaN when `whole` is 0.
pub(super) fn share(part: u64, whole: u64) -> f64 {
    ratio(part as f64, whole as f64)
}

/// The replication's metrics. Each stage computes its own; they are called here in the order
/// of the rows of `summary.csv` as first published, which interleaves some stages.
pub(super) fn metrics(m: &mut Tally, scenario: &Scenario) -> Metrics {
    let end = m.end;
    let mut out = Out {
        metrics: Vec::with_capacity(200),
        years: ticks_to_days(scenario.horizon) / 365.25,
    };
    people::flow_metrics(&m.people, &mut out);
    police::metrics(&m.police, &mut out);
    court::report_metrics(&m.court, &mut out);
    police::diversion_metrics(&m.police, &mut out);
    custody::reception_metrics(&m.custody, &mut out);
    court::outcome_metrics(&m.court, &mut out);
    let remand_mean = m.people.places[people::Place::Remand as usize]
        .level
        .mean(end);
    custody::population_metrics(&mut m.custody, remand_mean, end, &mut out);
    care::metrics(&mut m.care, end, &mut out);
    transfer::metrics(&mut m.transfer, m.warm, end, &mut out);
    release::support_metrics(&m.release, &mut out);
    transfer::limit_metrics(&mut m.transfer, end, &mut out);
    release::metrics(&m.release, &mut out);
    community::reoffending_metrics(&m.community, &mut out);
    custody::death_metrics(&m.custody, &mut out);
    transfer::secure_death_metrics(&m.secure, &mut out);
    community::metrics(&m.community, &mut out);
    iapt::metrics(&m.iapt, &mut out);
    people::prevalence_metrics(&m.people, &mut out);
    people::place_metrics(&mut m.people, end, &mut out);
    // Places are turned into therapists at the scenario's (the policy's) sessions a week.
    let sessions = scenario
        .pathway
        .as_ref()
        .map_or(1, |p| p.iapt.sessions_per_therapist_week);
    iapt::service_metrics(&mut m.iapt, sessions, m.warm, end, &mut out);
    if let Some(e) = &scenario.economics {
        let d = drivers(m, sessions);
        out.metrics.extend(e.metrics(&d));
        iapt::cost_metrics(&m.iapt, e, &d, &mut out);
    }
    out.metrics
}

/// The economic drivers of the run, by year of the window: each stage sets its own.
pub(super) fn drivers(m: &mut Tally, sessions_per_week: u32) -> Drivers {
    let (warm, end) = (m.warm, m.end);
    let mut d = Drivers::new(ByYear::new(warm, end).years().len());
    police::drivers(&m.police, &mut d);
    court::drivers(&m.court, &mut d);
    custody::drivers(&mut m.custody, end, &mut d);
    transfer::drivers(&mut m.transfer, warm, end, &mut d);
    release::drivers(&m.release, &mut d);
    community::drivers(&m.community, &mut d);
    iapt::drivers(&mut m.iapt, sessions_per_week, end, &mut d);
    people::drivers(&m.people, &mut d);
    health::drivers(&m.health, &mut d);
    d
}

/// Sets `driver`'s amount in each year to `amounts` (integer tallies) divided by `per` (ticks
/// per day for day-counts, 1 for event counts).
pub(super) fn set_years(d: &mut Drivers, driver: Driver, amounts: &[u128], per: f64) {
    for (year, x) in amounts.iter().enumerate() {
        d.set(driver, year, *x as f64 / per);
    }
}

/// Sets `driver`'s amount in each year and group of people (sex and age band, the parts of
/// [`crate::economics::PARTS`]) to `amounts` divided by `per`.
pub(super) fn set_group_years(
    d: &mut Drivers,
    driver: Driver,
    amounts: &[ByYear; crate::economics::PEOPLE_GROUPS],
    per: f64,
) {
    for (part, by_year) in amounts.iter().enumerate() {
        for (year, x) in by_year.years().iter().enumerate() {
            d.set_part(driver, part, year, *x as f64 / per);
        }
    }
}

/// The same for levels kept by group (people in prison, spot beds held), brought up to `end`.
pub(super) fn set_levels(
    d: &mut Drivers,
    driver: Driver,
    levels: &mut [super::tally::LevelByYear; crate::economics::PEOPLE_GROUPS],
    end: Tick,
    per: f64,
) {
    for (part, level) in levels.iter_mut().enumerate() {
        for (year, x) in level.finish(end).iter().enumerate() {
            d.set_part(driver, part, year, *x as f64 / per);
        }
    }
}
