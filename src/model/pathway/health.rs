//! Health: each person's health state over time, and the life a death takes away, for QALYs.
//!
//! A person is always in one state ([`State`], `[health]`'s `STATES`): their **usual** state
//! follows from their conditions (psychosis, else depression or anxiety, else the population
//! norm), and the stages move them out of it and back:
//!
//! - an acute episode of psychosis in prison (the onset of a transfer, or a hospital order) is
//!   **untreated** until admission to a secure hospital, **treated in hospital** for
//!   `treated_in_hospital_days` (or the stay, if shorter), and **stable** after that, whether
//!   still in hospital (secure stays last for risk as much as for illness) or discharged.
//!   Released before a bed was found, the person stays untreated for
//!   `untreated_after_release_days` more;
//! - a course of therapy (in prison, or IAPT in the community) that ends in recovery makes
//!   depression or anxiety **recovered** for `recovery_lasts_days`.
//!
//! Time is counted by state, sex and age band, by year of the window, as whole ticks (so
//! catchments add up exactly). A state that ends by itself ends lazily: its end follows from
//! when it began, and the time is split there the next time the person's time is counted, so
//! no event is needed for it. A person who leaves the model alive (in the warm-up or the window)
//! is counted in their state, and then their usual state, until the window ends: their health
//! goes on, and a policy that only changes how long people stay in the model changes nobody's
//! QALYs. So the QALYs are those lived in the window by everyone who entered the pathway before
//! it ended and did not die before it began. A death in the window
//! counts the life it takes away after the window: from the window's end (or the death, if
//! later) to the death plus the remaining life expectancy of the person's age band.

use super::metrics::set_group_years;
use super::people::{DEPRESSION_ANXIETY, PSYCHOSIS, Person, Place};
use super::tally::{ByYear, YEAR_TICKS, tally};
use super::{PathwayModel, days};
use crate::economics::{Drivers, PEOPLE_GROUPS};
use crate::engine::{Stamp, Tick};
use crate::model::recorder::Recorder;
use crate::scenario::Pathway;
use crate::scenario::pathway::health::{LIFE_YEARS_LOST_AFTER_WINDOW, STATE_YEARS, STATES};

/// A health state. The first six are `[health]`'s `STATES`, numbered as there; the last is
/// counted as untreated psychosis, but ends by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub(super) enum State {
    #[default]
    PopulationNorm = 0,
    PsychosisStable = 1,
    /// An acute episode in prison, until admission (or release).
    PsychosisUntreated = 2,
    /// Ends `treated_in_hospital_days` after admission: stable, though still in hospital.
    PsychosisInHospital = 3,
    Depression = 4,
    /// Ends `recovery_lasts_days` after it began.
    DepressionRecovered = 5,
    /// Released before a bed was found: ends `untreated_after_release_days` after release.
    PsychosisUntreatedAfterRelease = 6,
}

impl State {
    /// Its place in `STATES` (and the drivers).
    #[inline]
    fn counted_as(self) -> usize {
        match self {
            State::PsychosisUntreatedAfterRelease => State::PsychosisUntreated as usize,
            s => s as usize,
        }
    }

    /// When a state that began at `since` gives way to the usual one, by itself;
    /// [`Tick::MAX`] if it does not.
    #[inline]
    fn ends(self, since: Tick, p: &Pathway) -> Tick {
        let after = |d: f64| since.saturating_add(days(d));
        match self {
            State::DepressionRecovered => after(p.recovery_lasts_days),
            State::PsychosisInHospital => after(p.treated_in_hospital_days),
            State::PsychosisUntreatedAfterRelease => after(p.untreated_after_release_days),
            _ => Tick::MAX,
        }
    }
}

tally! {
    /// Person-time by health state and by group (sex and age band), and life lost after the
    /// window, by year.
    pub(super) struct HealthTally {
        state_ticks: [[ByYear; PEOPLE_GROUPS]; STATES.len()],
        after_window_ticks: [ByYear; PEOPLE_GROUPS],
    }
}

/// Years after the window a death's lost life can reach (remaining life is at most 120 years).
const AFTER_WINDOW_YEARS: Tick = 121;

impl HealthTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            state_ticks: std::array::from_fn(|_| std::array::from_fn(|_| ByYear::new(warm, end))),
            after_window_ticks: std::array::from_fn(|_| {
                ByYear::new(warm, end + AFTER_WINDOW_YEARS * YEAR_TICKS)
            }),
        }
    }
}

/// The state a person is in when nothing is happening to their health.
#[inline]
pub(super) fn usual(q: &Person) -> State {
    if q.has(PSYCHOSIS) {
        State::PsychosisStable
    } else if q.has(DEPRESSION_ANXIETY) {
        State::Depression
    } else {
        State::PopulationNorm
    }
}

/// Counts a person's time from their last count up to `to` into `t`, ending a state that ends
/// by itself if its date has come.
fn account(t: &mut HealthTally, q: &mut Person, p: &Pathway, to: Tick) {
    let g = q.who();
    let since = q.health_since.tick();
    let ends = q.health.ends(since, p);
    let from = if ends <= to {
        t.state_ticks[q.health.counted_as()][g].span(since, ends, 1);
        q.health = usual(q);
        ends
    } else {
        since
    };
    t.state_ticks[q.health.counted_as()][g].span(from, to, 1);
    q.health_since = Stamp::at(to);
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// The person's conditions are known: from now they are in their usual state.
    pub(super) fn health_begins(&mut self, slot: u32, now: Tick) {
        let q = &mut self.people[slot as usize];
        q.health = usual(q);
        q.health_since = Stamp::at(now);
    }

    /// Moves the person to `state` at `now`.
    fn set_health(&mut self, slot: u32, now: Tick, state: State) {
        let q = &mut self.people[slot as usize];
        account(&mut self.t.health, q, self.p, now);
        q.health = state;
    }

    /// An acute episode of psychosis that needs a secure bed begins (a transfer's onset, or a
    /// hospital order): untreated until admitted.
    pub(super) fn psychosis_untreated(&mut self, slot: u32, now: Tick) {
        if self.people[slot as usize].has(PSYCHOSIS) {
            self.set_health(slot, now, State::PsychosisUntreated);
        }
    }

    /// Admitted to a secure hospital: treated there for the stay.
    pub(super) fn psychosis_in_hospital(&mut self, slot: u32, now: Tick) {
        if self.people[slot as usize].has(PSYCHOSIS) {
            self.set_health(slot, now, State::PsychosisInHospital);
        }
    }

    /// Discharged from a secure hospital: stable again.
    pub(super) fn psychosis_discharged(&mut self, slot: u32, now: Tick) {
        if self.people[slot as usize].has(PSYCHOSIS) {
            self.set_health(slot, now, State::PsychosisStable);
        }
    }

    /// Released before a bed was found: the episode goes on untreated for a while.
    pub(super) fn psychosis_released_untreated(&mut self, slot: u32, now: Tick) {
        if self.people[slot as usize].health == State::PsychosisUntreated {
            self.set_health(slot, now, State::PsychosisUntreatedAfterRelease);
        }
    }

    /// A course of therapy ends in recovery: depression or anxiety is in remission for a while
    /// (a person with psychosis stays in their psychosis state).
    pub(super) fn recovered(&mut self, slot: u32, now: Tick) {
        if usual(&self.people[slot as usize]) == State::Depression {
            self.set_health(slot, now, State::DepressionRecovered);
        }
    }

    /// The person leaves the model at `now`: dead, or alive at the end of follow-up. A death
    /// in the window takes away the rest of the person's life after the window. Someone alive
    /// goes on in their state (and then their usual state) until the window ends, whenever
    /// they left: counted in one step, so that a state that ends by itself ends when it would
    /// have (counting up to `now` first would restart its clock there).
    pub(super) fn health_ends(&mut self, slot: u32, now: Tick, died: bool) {
        let (warm, end) = (self.t.warm, self.t.end);
        let q = &mut self.people[slot as usize];
        if !died {
            account(&mut self.t.health, q, self.p, end.max(now));
            return;
        }
        account(&mut self.t.health, q, self.p, now);
        if now >= warm && now < end {
            let life = days(self.p.remaining_life_years[q.age_band as usize] * 365.25);
            self.t.health.after_window_ticks[q.who()].span(
                end.max(now),
                now.saturating_add(life),
                1,
            );
        }
    }
}

/// Brings the time of everyone still in the model up to the end of the window.
pub(super) fn close_health(t: &mut HealthTally, people: &mut [Person], p: &Pathway, end: Tick) {
    for q in people {
        if q.place != Place::Gone && q.conditions_drawn {
            account(t, q, p, end);
        }
    }
}

/// Person-years by state and group, and life-years lost after the window by group.
pub(super) fn drivers(t: &HealthTally, d: &mut Drivers) {
    let year = YEAR_TICKS as f64;
    for (driver, by_group) in STATE_YEARS.iter().zip(&t.state_ticks) {
        set_group_years(d, *driver, by_group, year);
    }
    set_group_years(d, LIFE_YEARS_LOST_AFTER_WINDOW, &t.after_window_ticks, year);
}

#[cfg(test)]
mod tests {
    use super::super::metrics::Tally;
    use super::super::{PathwayModel, Person, purpose};
    use super::*;
    use crate::engine::{Purpose, Streams, TICKS_PER_DAY};
    use crate::model::recorder::{NullRecorder, VisitBuffer};

    const DAY: Tick = TICKS_PER_DAY;

    /// One man under 50 with psychosis, followed by hand through the states the model values,
    /// in a window of two years that starts at tick 0: on remand from day 0; acutely unwell
    /// from day 100 (untreated); admitted to a secure hospital on day 130 (treated for 90 days,
    /// then stable in hospital); discharged to the community on day 400; dead on day 500. And
    /// one woman over 60 with depression: in prison from day 0, recovered after therapy on
    /// day 10, released on day 50, out of the model alive on day 100 (recovered until day 375,
    /// then not). Their QALYs are computed here from the baseline's utilities as a health
    /// economist would, and must equal the model's to 1e-9; their costs, to the penny.
    #[test]
    fn a_hand_worked_path_through_waiting_hospital_release_and_death() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let s = crate::scenario::load(&path).unwrap();
        let p = s.pathway.as_ref().unwrap();
        let e = s.economics.as_ref().unwrap();
        assert_eq!(
            (
                p.treated_in_hospital_days,
                p.remaining_life_years[0],
                p.recovery_lasts_days
            ),
            (90.0, 35.0, 365.0),
            "the hand computation below uses the baseline's 90 days, 35 years and 365 days"
        );
        let end = 2 * YEAR_TICKS;
        let streams = Streams::new(1, 0);
        let mut m = PathwayModel {
            p,
            policy: p,
            streams,
            arrivals: streams.system(Purpose::new(purpose::NEW_PEOPLE, 0)),
            arrival_clock: 0.0,
            people: vec![
                Person {
                    conditions: PSYCHOSIS,
                    conditions_drawn: true,
                    ..Person::default()
                },
                Person {
                    id: 1,
                    female: true,
                    age_band: 2,
                    conditions: DEPRESSION_ANXIETY,
                    conditions_drawn: true,
                    ..Person::default()
                },
            ],
            free: Vec::new(),
            next_id: 2,
            iapt: super::super::iapt::Teams::new(p),
            t: Tally::new(p, 0, end),
            visits: VisitBuffer::<NullRecorder>::new(),
        };
        m.health_begins(0, 0);
        m.move_to(0, Place::Remand, 0);
        m.psychosis_untreated(0, 100 * DAY);
        m.move_to(0, Place::SecureHospital, 130 * DAY);
        m.psychosis_in_hospital(0, 130 * DAY);
        m.psychosis_discharged(0, 400 * DAY);
        m.move_to(0, Place::Community, 400 * DAY);
        m.exit(0, 500 * DAY, true);
        m.health_begins(1, 0);
        m.move_to(1, Place::SentencedCustody, 0);
        m.recovered(1, 10 * DAY);
        m.move_to(1, Place::Community, 50 * DAY);
        m.exit(1, 100 * DAY, false);
        let mut t = Tally::of(m);
        let d = super::super::metrics::drivers(&mut t, p.iapt.sessions_per_therapist_week);
        let metrics = e.metrics(&d);
        let get = |name: &str| metrics.iter().find(|(n, _)| n == name).unwrap().1;

        // Utilities (baseline [qalys]): stable 0.87, untreated 0.48, in hospital 0.553, all
        // below the norm of a man valued at 33 (0.9196). Life lost after the window is valued
        // at the norm at 33 + 35/2 = 50.5 years (HU2).
        let (stable, untreated, hospital) = (0.87, 0.48, 0.553);
        let after = 0.9545565 + 0.025311 - 0.0010594 * 50.5 - 0.0000232 * 50.5 * 50.5;
        let year = 365.25;
        let df = |k: i32| 1.035f64.powi(-k);
        // Year 1 (days 0-365.25): stable 0-100 and 220-365.25 (treated 130-220 in hospital),
        // untreated 100-130. Year 2: stable 365.25-500, then dead.
        let year1 =
            (100.0 + 145.25) / year * stable + 30.0 / year * untreated + 90.0 / year * hospital;
        let year2 = (500.0 - 365.25) / year * stable * df(1);
        // After the window (ends at 2 years): from 2 years to 500 days + 35 years = 36.368925...
        // years: whole years 2 to 35, and 0.368925 of year 36, each discounted by its year.
        let tail = (500.0 + 35.0 * year) / year - 36.0;
        let lost = after * ((2..36).map(df).sum::<f64>() + tail * df(36));
        assert!((tail - 194_040.0 / 525_960.0).abs() < 1e-12);
        let expected = year1 + year2 - lost;
        let his = get("qalys.total.by_group.male_under_50");
        assert!(
            (his - expected).abs() < 1e-9,
            "model {his} vs hand {expected}"
        );
        // Her: depression 0.57, remission 0.70, both below the norm of a woman valued at 65
        // (0.7877). Recovered from day 10 to day 375 (365 days), though she left on day 100:
        // her health goes on to the window's end. Year 1: 10 days not recovered, 355.25
        // recovered; year 2: 9.75 recovered, 355.5 not.
        let (depressed, recovered) = (0.57, 0.70);
        let hers_expected = (10.0 * depressed + 355.25 * recovered) / year
            + (9.75 * recovered + 355.5 * depressed) / year * df(1);
        let hers = get("qalys.total.by_group.female_60_plus");
        assert!(
            (hers - hers_expected).abs() < 1e-9,
            "model {hers} vs hand {hers_expected}"
        );
        assert!((get("qalys.total") - expected - hers_expected).abs() < 1e-9);
        assert!((get("qalys.state.psychosis_untreated") - 30.0 / year * untreated).abs() < 1e-9);
        assert!((get("qalys.state.psychosis_in_hospital") - 90.0 / year * hospital).abs() < 1e-9);
        assert!((get("qalys.after_window") + lost).abs() < 1e-9);
        let recovered_days: f64 = (0..2).map(|y| d.get(STATE_YEARS[5], y)).sum::<f64>() * year;
        assert!((recovered_days - 365.0).abs() < 1e-9, "{recovered_days}");
        assert_eq!(get("qalys.total.by_group.female_under_50"), 0.0);
        // He was in prison from day 0 to day 130, she from day 0 to day 50: 180 custody days,
        // all in year 1.
        assert!((d.get(crate::scenario::pathway::custody::CUSTODY_DAYS, 0) - 180.0).abs() < 1e-12);
        // His costs: those 130 days of prison (C1's £141.61 a day in 2022-23, as the direct
        // cost £93.18 plus overheads £48.43) and of prison health care (£13.69 a day in
        // 2016-17), at 2024-25 prices by the deflator (112.375 / 102.0 and 112.375 / 85.65),
        // undiscounted in year 1: 130 x (156.0140 + 17.9616) = £22,616.83. His secure bed is
        // commissioned capacity, paid for whoever is in it, so it is in no one's costs.
        let hand: f64 = 130.0 * ((93.18 + 48.43) * 112.375 / 102.0 + 13.69 * 112.375 / 85.65);
        assert!((hand - 22_616.83).abs() < 0.005, "{hand}");
        let his = get("cost.public_sector.by_group.male_under_50");
        assert!(
            (his - hand).abs() < 0.005,
            "model £{his:.2} vs hand £{hand:.2}"
        );
        // Hers: 50 days of the same.
        let hers = get("cost.public_sector.by_group.female_60_plus");
        assert!(
            (hers - hand * 50.0 / 130.0).abs() < 0.005,
            "model £{hers:.2}"
        );
        assert_eq!(get("cost.public_sector.by_group.female_under_50"), 0.0);
    }
}
