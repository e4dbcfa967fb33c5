//! The criminal-justice mental-health pathway (`model = "pathway"`).
//!
//! People are charged (new people arrive in a Poisson stream; people who reoffend come back),
//! spend a day in police custody, may be seen by liaison and diversion, are remanded or bailed,
//! sentenced, held in custody with prison mental health care, may be transferred to a secure
//! hospital, are released onto licence, post-sentence supervision or community orders, and in the
//! community face the risks after release, use community services, reoffend, die, or leave the
//! model after a year without reoffending. `../shared/design/pathway.md` describes the domain.
//!
//! Each stage of the pathway is one file, owning its events, its part of the person's record,
//! its counters and the metrics computed from them:
//!
//! | file | stage |
//! | --- | --- |
//! | [`people`] | people and their conditions; places and moves between them |
//! | [`police`] | police custody and liaison & diversion |
//! | [`court`] | remand or bail, reports, court outcomes |
//! | [`custody`] | remand and sentenced custody: reception, spells, release dates, deaths |
//! | [`care`] | prison mental health care: therapy and in-reach |
//! | [`transfer`] | transfer to a secure hospital, time limits, the stay in hospital |
//! | [`release`] | release into the community, and release support |
//! | [`community`] | probation and the community: reoffending, recall, deaths, IAPT |
//! | [`health`] | each person's health state over time, and the life a death takes away (QALYs) |
//!
//! This file holds what ties them together: the model, its event dispatch, the order of the
//! metrics, and the run functions. [`service`] is the capacity-limited service that therapy,
//! in-reach and secure beds share; [`tally`] the statistics every stage counts with.
//!
//! **Random numbers.** Every draw comes from a stream keyed by (seed, replication, person,
//! purpose, occurrence), where the occurrence is the person's count of that kind of step (their
//! third court case, their second custody spell). The same person therefore meets the same luck in
//! every scenario, and a policy that changes one step leaves the others' draws alone. The
//! purposes are registered in [`crate::model::purpose`].
//!
//! **Events.** Pending events carry a token of the track they belong to (legal case, custody
//! spell, community spell, therapy, transfer); a change of track bumps its token, and an event
//! whose token no longer matches is ignored. Equal-time events run in scheduling order.
//!
//! **Measurement.** Conservation counts cover the whole run; everything else counts what happens
//! in the measured window (after the warm-up).

mod care;
mod community;
mod court;
mod custody;
mod health;
mod iapt;
mod metrics;
mod people;
mod police;
mod release;
mod service;
mod tally;
mod transfer;

use crate::engine::{
    Context, Model, Purpose, SimulationBuilder, Stream, Streams, Tick, days_to_ticks,
};
use std::sync::atomic::AtomicBool;

use crate::scenario::{Pathway, Scenario};

use super::network::Replication;
use super::purpose::pathway as purpose;
use super::recorder::{Buffers, NEVER, NullRecorder, Recorder, VisitBuffer, drive};
use metrics::{Out, Tally, metrics, share};
use people::Person;
pub use people::{PLACES, STAGES};

/// Every event of the pathway, by the stage that owns it.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// The next new person is charged.
    NewPerson,
    /// The policy starts (`[policy] start_day`): its parameters replace the status quo's.
    PolicyStarts,
    Police(police::PoliceEvent),
    Court(court::CourtEvent),
    Custody(custody::CustodyEvent),
    Care(care::CareEvent),
    Transfer(transfer::TransferEvent),
    Community(community::CommunityEvent),
    Iapt(iapt::IaptEvent),
}

impl Event {
    /// The slot of the person the event is for, if it is one person's.
    #[inline]
    fn slot(&self) -> Option<u32> {
        Some(match *self {
            Event::NewPerson | Event::PolicyStarts => return None,
            Event::Police(police::PoliceEvent::End { slot, .. })
            | Event::Court(court::CourtEvent::Outcome { slot, .. })
            | Event::Custody(custody::CustodyEvent::Release { slot, .. })
            | Event::Custody(custody::CustodyEvent::Death { slot, .. })
            | Event::Care(care::CareEvent::TherapyEnd { slot, .. })
            | Event::Community(community::CommunityEvent::Next { slot, .. }) => slot,
            Event::Transfer(e) => e.slot(),
            Event::Iapt(e) => e.slot(),
        })
    }
}

struct PathwayModel<'a, R: Recorder> {
    /// The parameters in force: the status quo's until a policy with a start date starts, then
    /// the policy's.
    p: &'a Pathway,
    /// The scenario's own parameters (the policy's).
    policy: &'a Pathway,
    streams: Streams,
    arrivals: Stream,
    arrival_clock: f64,
    people: Vec<Person>,
    /// Slots of people who have left, for reuse.
    free: Vec<u32>,
    next_id: u64,
    /// The teams of psychological therapy in the community, with their queues.
    iapt: iapt::Teams,
    /// Everything the metrics are computed from, accumulated as the run goes.
    t: Tally,
    visits: VisitBuffer<R>,
}

/// A duration in days as ticks, negative durations as none.
#[inline]
fn days(d: f64) -> Tick {
    days_to_ticks(d.max(0.0))
}

impl<R: Recorder> PathwayModel<'_, R> {
    #[inline]
    fn measured(&self, t: Tick) -> bool {
        t >= self.t.warm && t < self.t.end
    }

    /// The person in `slot`'s stream of `kind`, for their `n`-th step of that kind.
    fn stream(&self, slot: u32, kind: u32, n: u32) -> Stream {
        self.stream_at(slot, kind, 0, n)
    }

    /// The same, for the `index`-th draw of a step that draws more than once at different
    /// moments (index 0 is [`Self::stream`]).
    fn stream_at(&self, slot: u32, kind: u32, index: u32, n: u32) -> Stream {
        self.streams.stream_n(
            self.people[slot as usize].id,
            Purpose::new(kind, index),
            n as u64,
        )
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// From now on the policy's parameters hold. Every stage reads its parameters when its
    /// events happen, so the only state to change is the services' places.
    fn start_policy(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        let before = self.p;
        self.p = self.policy;
        self.start_policy_care(now, ctx);
        self.start_policy_transfer(before, now, ctx);
        self.start_policy_iapt(before, now, ctx);
    }
}

impl<R: Recorder> Model for PathwayModel<'_, R> {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        match event {
            Event::NewPerson => self.new_person(now, ctx),
            Event::PolicyStarts => self.start_policy(now, ctx),
            Event::Police(e) => self.police_event(e, now, ctx),
            Event::Court(e) => self.court_event(e, now, ctx),
            Event::Custody(e) => self.custody_event(e, now, ctx),
            Event::Care(e) => self.care_event(e, now, ctx),
            Event::Transfer(e) => self.transfer_event(e, now, ctx),
            Event::Community(e) => self.community_event(e, now, ctx),
            Event::Iapt(e) => self.iapt_event(e, now, ctx),
        }
    }

    /// Nearly every event reads its person's record first, and in a national run the records
    /// fill hundreds of megabytes, so without this almost every event waits on main memory.
    #[inline]
    fn prefetch(&self, event: &Event) {
        if let Some(person) = event.slot().and_then(|s| self.people.get(s as usize)) {
            people::prefetch(person);
        }
    }
}

impl<R: Recorder> Buffers<R> for PathwayModel<'_, R> {
    fn visits(&self) -> &VisitBuffer<R> {
        &self.visits
    }
    fn visits_mut(&mut self) -> &mut VisitBuffer<R> {
        &mut self.visits
    }
}

/// The metrics `cjmh compare` prints in its headline table: each stage names its own.
pub fn headline_metrics() -> Vec<&'static str> {
    [
        custody::HEADLINE,
        transfer::HEADLINE,
        release::HEADLINE,
        community::HEADLINE,
        people::HEADLINE,
    ]
    .concat()
}

/// Runs one replication of a pathway scenario.
pub fn run<R: Recorder>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    mut recorder: R,
) -> (Replication, R) {
    let p = scenario
        .pathway
        .as_ref()
        .expect("pathway::run is only called for pathway scenarios");
    let (tally, events, held_peak) = simulate(
        p,
        scenario,
        Streams::new(seed, replication),
        &mut recorder,
        &NEVER,
    )
    .expect("a run nothing stops finishes");
    (results_of(scenario, tally, events, held_peak), recorder)
}

/// A replication's results from its tallies (summed over catchments), events handled and
/// people held at most.
fn results_of(scenario: &Scenario, mut tally: Tally, events: u64, held_peak: u64) -> Replication {
    Replication {
        people: tally.people.entered,
        metrics: metrics(&mut tally, scenario),
        events,
        held_peak,
    }
}

/// Runs one replication split into `catchments` independent catchments, in parallel on the
/// current rayon pool: each has its share of new people and of every capacity (whole beds and
/// places, spread so that the shares add up to the scenario's), and its own random streams.
/// Their tallies are added in catchment order and the metrics computed once from the sums, so
/// the result does not depend on the thread count. With one catchment this is [`run`].
pub fn run_catchments(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    catchments: u32,
) -> Replication {
    run_catchments_unless(scenario, seed, replication, catchments, &NEVER)
        .expect("a run nothing stops finishes")
}

/// [`run_catchments`], unless `stop` is set while it runs: then `None`, within a month of
/// simulated time of each catchment (see [`super::recorder::drive`]).
pub fn run_catchments_unless(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    catchments: u32,
    stop: &AtomicBool,
) -> Option<Replication> {
    use rayon::prelude::*;
    let p = scenario
        .pathway
        .as_ref()
        .expect("pathway::run_catchments is only called for pathway scenarios");
    let streams = Streams::new(seed, replication);
    if catchments <= 1 {
        let (tally, events, held_peak) = simulate(p, scenario, streams, &mut NullRecorder, stop)?;
        return Some(results_of(scenario, tally, events, held_peak));
    }
    let parts: Option<Vec<(Tally, u64, u64)>> = (0..catchments)
        .into_par_iter()
        .map(|c| {
            let share = p.catchment(catchments, c);
            simulate(
                &share,
                scenario,
                streams.catchment(c as u64),
                &mut NullRecorder,
                stop,
            )
        })
        .collect();
    let mut parts = parts?.into_iter();
    let (mut tally, mut events, mut held_peak) = parts.next().expect("at least two catchments");
    for (t, e, h) in parts {
        tally.merge(&t);
        events += e;
        // Each catchment's own peak: their sum bounds what was held at once.
        held_peak += h;
    }
    Some(results_of(scenario, tally, events, held_peak))
}

/// Simulates the pathway `p` over `scenario`'s warm-up and horizon with `streams`, handing
/// visits to `recorder`, and returns its tallies, the events handled and the most people held
/// at once (the person slots allocated: a slot is reused once its person leaves); `None` if
/// `stop` was set before the end.
fn simulate<R: Recorder>(
    p: &Pathway,
    scenario: &Scenario,
    streams: Streams,
    recorder: &mut R,
    stop: &AtomicBool,
) -> Option<(Tally, u64, u64)> {
    let warm = scenario.warmup;
    let end = scenario.warmup + scenario.horizon;
    let policy = p;
    let p = p.rollout.as_ref().map_or(p, |r| &*r.before);
    let model = PathwayModel {
        p,
        policy,
        streams,
        arrivals: streams.system(Purpose::new(purpose::NEW_PEOPLE, 0)),
        arrival_clock: 0.0,
        people: Vec::new(),
        free: Vec::new(),
        next_id: 0,
        iapt: iapt::Teams::new(p),
        t: Tally::new(p, warm, end),
        visits: VisitBuffer::new(),
    };
    let mut b = SimulationBuilder::new(model);
    // Scheduled first, so it comes before anything else at its tick.
    if let Some(r) = &policy.rollout {
        b.add_event(r.start, Event::PolicyStarts);
    }
    b.add_event(0, Event::NewPerson);
    let mut sim = b.build();
    if !drive(&mut sim, end, recorder, stop) {
        return None;
    }
    let events = sim.events_handled();
    let held_peak = sim.model().people.len() as u64;
    Some((Tally::of(sim.into_model()), events, held_peak))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each stage's tally, field by field: (stage, field, total).
    fn fields(t: &Tally) -> Vec<(&'static str, &'static str, f64)> {
        let stages: [(&str, Vec<(&'static str, f64)>); 11] = [
            ("people", t.people.totals()),
            ("police", t.police.totals()),
            ("court", t.court.totals()),
            ("custody", t.custody.totals()),
            ("care", t.care.totals()),
            ("transfer", t.transfer.totals()),
            ("secure", t.secure.totals()),
            ("release", t.release.totals()),
            ("community", t.community.totals()),
            ("iapt", t.iapt.totals()),
            ("health", t.health.totals()),
        ];
        stages
            .into_iter()
            .flat_map(|(s, f)| f.into_iter().map(move |(n, v)| (s, n, v)))
            .collect()
    }

    fn small_run(file: &str) -> Tally {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let s = crate::scenario::load(&path).unwrap();
        let s = s.scaled(5_000.0 / s.expected_people());
        let p = s.pathway.as_ref().unwrap();
        simulate(p, &s, Streams::new(7, 0), &mut NullRecorder, &NEVER)
            .expect("nothing stops it")
            .0
    }

    /// A catchment's tally merged with a copy of itself doubles every field of every stage: no
    /// counter is left out of the merge (one once was, and undercounted only in `--catchments`
    /// runs). The run is the 14-day limit, where spot beds and limits count too.
    #[test]
    fn merging_a_tally_with_itself_doubles_every_field() {
        let t = small_run("scenarios/transfer-14-day.toml");
        let mut twice = t.clone();
        twice.merge(&t);
        let (once, twice) = (fields(&t), fields(&twice));
        assert!(once.len() > 80, "{} fields", once.len());
        let mut counted = 0;
        for (a, b) in once.iter().zip(&twice) {
            assert_eq!((a.0, a.1), (b.0, b.1));
            assert_eq!(b.2, 2.0 * a.2, "{}.{} does not merge", a.0, a.1);
            counted += (a.2 != 0.0) as usize;
        }
        // Most fields are non-zero in this run, so the doubling is a real check for them.
        assert!(
            counted * 10 > once.len() * 7,
            "{counted} of {} non-zero",
            once.len()
        );
    }

    /// The record stays three cache lines (see [`people::Person`]); the L&D fields of the case
    /// fit in its padding.
    #[test]
    fn a_person_record_is_three_cache_lines() {
        assert_eq!(std::mem::size_of::<Person>(), 192);
    }

    /// The need L&D's eligible share is computed from is the need the model draws.
    #[test]
    fn the_need_mask_names_the_conditions_it_should() {
        use crate::scenario::pathway::{CONDITION_NAMES, MH_NEED_CONDITIONS};
        let names: Vec<&str> = MH_NEED_CONDITIONS
            .iter()
            .map(|&i| CONDITION_NAMES[i])
            .collect();
        assert_eq!(
            names,
            [
                "psychosis",
                "depression_anxiety",
                "suicide_attempt",
                "self_harm"
            ]
        );
        assert_eq!(
            people::MH_NEED,
            people::PSYCHOSIS | people::DEPRESSION_ANXIETY | 1 << 5 | 1 << 6
        );
    }

    /// L&D's phase-in is honoured year by year: against the same policy switched on in one
    /// step, each year's referrals fall short by the coverage the schedule has reached (L3's
    /// 50% -> 82% -> 100% over six years). Areas are nested and the streams common, so the
    /// phased referrals are very nearly a subset of the stepped ones and the ratio is a binomial
    /// share.
    #[test]
    fn the_phase_in_of_liaison_and_diversion_is_honoured_year_by_year() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/liaison-diversion-full.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let phase = "phase_in = [[0, 0.50], [1096, 0.82], [2191, 1.0]], ";
        assert!(text.contains(phase), "the shipped phase-in has changed");
        let runs: Vec<Vec<u128>> = [text.clone(), text.replace(phase, "")]
            .iter()
            .map(|t| {
                let s = crate::scenario::load_str(&path, t).unwrap();
                let s = s.scaled(200_000.0 / s.expected_people());
                let p = s.pathway.as_ref().unwrap();
                let t = simulate(p, &s, Streams::new(11, 0), &mut NullRecorder, &NEVER)
                    .expect("nothing stops it")
                    .0;
                (0..5)
                    .map(|y| {
                        t.police
                            .ld_referrals_by_year
                            .iter()
                            .map(|g| g.years()[y])
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let (phased, stepped) = (&runs[0], &runs[1]);
        assert_eq!(phased.len(), 5);
        // The schedule's mean over each measured year (days from the start, linear between
        // the points), by the trapezium rule on whole days.
        let coverage = |d: f64| {
            if d < 1096.0 {
                0.5 + 0.32 * d / 1096.0
            } else if d < 2191.0 {
                0.82 + 0.18 * (d - 1096.0) / 1095.0
            } else {
                1.0
            }
        };
        for year in 0..5 {
            let from = year as f64 * 365.25;
            let expected: f64 = (0..365)
                .map(|d| coverage(from + d as f64 + 0.5))
                .sum::<f64>()
                / 365.0;
            let n = stepped[year] as f64;
            let ratio = phased[year] as f64 / n;
            let se = (expected * (1.0 - expected) / n).sqrt();
            assert!(n > 2_000.0, "year {year}: {n} referrals");
            assert!(
                (ratio - expected).abs() < 4.0 * se + 0.01,
                "year {}: referrals {} phased / {} stepped = {ratio:.3}, schedule {expected:.3} (se {se:.4})",
                year + 1,
                phased[year],
                stepped[year]
            );
        }
    }

    /// A small run of the baseline with `overrides` (whole TOML tables, merged key by key).
    fn run_with(overrides: &str, people: f64, seed: u64) -> Tally {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/test.toml");
        let text = format!("extends = \"baseline.toml\"\nname = \"t\"\n{overrides}");
        let s = crate::scenario::load_str(&path, &text).unwrap();
        let s = s.scaled(people / s.expected_people());
        let p = s.pathway.as_ref().unwrap();
        simulate(p, &s, Streams::new(seed, 0), &mut NullRecorder, &NEVER)
            .expect("nothing stops it")
            .0
    }

    fn total(b: &tally::ByGroup<tally::ByYear>) -> u128 {
        b.iter().flat_map(|g| g.years()).sum()
    }

    /// The priced court drivers count what they say. With L&D everywhere, referring everyone
    /// eligible, diverting every divertible sentence and giving every referred order an MHTR,
    /// and no other route to a community order (no MHTR otherwise), every community order is a
    /// diverted short sentence with a treatment requirement: the orders, the MHTRs and the
    /// diverted cases must then be the same people, each counted once.
    #[test]
    fn every_diverted_sentence_with_a_treatment_requirement_is_priced_once() {
        let t = run_with(
            "[liaison_diversion]\n\
             coverage = { value = 1.0, source = \"test\" }\n\
             identification_share = { value = 1.0, source = \"test\" }\n\
             short_custody_diversion_share = { value = 1.0, source = \"test\" }\n\
             mhtr_share = { value = 1.0, source = \"test\" }\n\
             [court]\n\
             mhtr_share = { value = 0.0, source = \"test\" }\n\
             bail_community_order_share = { value = 0.0, source = \"test\" }\n\
             remand_acquittal_share = { value = 0.28, source = \"test\" }\n",
            20_000.0,
            5,
        );
        let (orders, mhtr) = (total(&t.court.orders_by_year), total(&t.court.mhtr_by_year));
        assert!(orders > 500, "{orders} orders");
        assert_eq!(mhtr, orders, "every order is a diverted one with an MHTR");
        assert_eq!(orders, t.court.community_orders as u128);
        assert_eq!(mhtr, t.court.mhtr as u128);
        // Diversions are counted at the police contact, orders at the outcome (a wait of weeks
        // later), so the window's edges differ by the cases in flight: a few per cent, where
        // counting each twice would give twice as many.
        let diverted = t.police.diverted_from_custody as f64;
        let ratio = orders as f64 / diverted;
        assert!(
            (0.95..1.05).contains(&ratio),
            "{orders} orders for {diverted} diversions"
        );
    }

    /// Licences are releases with supervision to run: without recalls every release at the
    /// end of a sentence starts one (but for the rare person whose remand outlasted custody
    /// and supervision both); with recalls, the release at the end of each recall resumes a
    /// licence and is not counted again.
    #[test]
    fn licences_count_releases_onto_supervision_once() {
        let no_recall = run_with(
            "[custody]\nrecall_share = { value = 0.0, source = \"test\" }\n",
            5_000.0,
            7,
        );
        let r = &no_recall.release;
        assert_eq!(total(&r.licences_by_year), r.releases_on_licence as u128);
        assert!(r.releases > 1_000, "{} releases", r.releases);
        assert!(r.releases_on_licence <= r.releases);
        assert!(
            r.releases_on_licence as f64 >= 0.98 * r.releases as f64,
            "{} licences for {} releases",
            r.releases_on_licence,
            r.releases
        );
        let t = run_with(
            "[custody]\nrecall_share = { value = 1.0, source = \"test\" }\n",
            5_000.0,
            7,
        );
        let (releases, licences, recalls) = (
            t.release.releases as f64,
            t.release.releases_on_licence as f64,
            t.community.recalls as f64,
        );
        assert!(recalls > 500.0, "{recalls} recalls");
        // Releases not on a new licence are the ends of recalls (14 days after each, so the
        // window's edges move a few), give or take the few with no supervision left.
        let resumed = releases - licences;
        assert!(
            (resumed - recalls).abs() < 0.05 * recalls + 20.0,
            "{resumed} releases without a new licence for {recalls} recalls"
        );
    }

    /// Every headline metric is one the pathway reports (a renamed metric would otherwise drop
    /// out of `cjmh compare`'s table without a word).
    #[test]
    fn every_headline_metric_is_reported() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let s = crate::scenario::load(&path).unwrap();
        let s = s.scaled(2_000.0 / s.expected_people());
        let rep = run(&s, 1, 0, NullRecorder).0;
        let headline = headline_metrics();
        assert!(headline.len() >= 19);
        for name in headline {
            assert!(rep.metrics.iter().any(|(n, _)| n == name), "{name}");
        }
    }

    /// The stage numbers the care stages record visits under are their names' places in
    /// [`STAGES`].
    #[test]
    fn care_stage_numbers_name_their_stages() {
        assert_eq!(STAGES[care::THERAPY_STAGE as usize], "prison_therapy");
        assert_eq!(STAGES[care::INREACH_STAGE as usize], "in_reach");
        assert_eq!(STAGES[transfer::TRANSFER_STAGE as usize], "transfer");
        for (i, place) in [
            people::Place::PoliceCustody,
            people::Place::Bail,
            people::Place::Remand,
            people::Place::SentencedCustody,
            people::Place::SecureHospital,
            people::Place::Community,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(place as usize, i);
        }
        assert_eq!(
            &STAGES[..PLACES],
            &[
                "police_custody",
                "bail",
                "remand",
                "sentenced_custody",
                "secure_hospital",
                "community"
            ]
        );
    }
}
