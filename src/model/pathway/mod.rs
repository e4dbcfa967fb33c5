//! The criminal-justice mental-health pathway (`model = "pathway"`).
//!
//! People are charged (new people arrive in a Poisson stream; people who reoffend come back),
//! spend a day in police custody, may be seen by liaison and diversion, are remanded or bailed,
//! sentenced, held in custody with prison mental health care, may be transferred to a secure
//! hospital, are released onto licence, post-sentence supervision or community orders, and in the
//! community face the risks after release, use community services, reoffend, die, or leave the
//! model after a year without reoffending. `../shared/design/pathway.md` describes the domain;
//! each step below names the parameter section it reads.
//!
//! **Places.** At any moment a person in the model is in exactly one place: police custody, on
//! bail, on remand, in sentenced custody, in a secure hospital, or in the community. Care
//! (therapy, the in-reach caseload, the transfer pathway) happens alongside a place.
//!
//! **Random numbers.** Every draw comes from a stream keyed by (seed, replication, person,
//! purpose, occurrence), where the occurrence is the person's count of that kind of step (their
//! third court case, their second custody spell). The same person therefore meets the same luck in
//! every scenario, and a policy that changes one step leaves the others' draws alone.
//!
//! **Events.** Pending events carry a token of the track they belong to (legal case, custody
//! spell, community spell, therapy, transfer); a change of track bumps its token, and an event
//! whose token no longer matches is ignored. Equal-time events run in scheduling order.
//!
//! **Measurement.** Conservation counts cover the whole run; everything else counts what happens
//! in the measured window (after the warm-up).

mod tally;

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, StandardNormal};

use crate::economics::{Driver, Drivers};
use crate::engine::{
    Context, Model, Purpose, SimulationBuilder, Stream, Streams, TICKS_PER_DAY, Tick,
    days_to_ticks, ticks_to_days,
};
use crate::scenario::pathway::{CONDITION_NAMES, CONDITIONS, DISORDERS, GROUP_NAMES, LEVEL_NAMES};
use crate::scenario::{Pathway, Scenario};

use super::Metrics;
use super::network::Replication;
use super::recorder::{NullRecorder, Recorder, Visit};
use tally::{ByYear, DayHistogram, Level, LevelByYear, YEAR_TICKS, ratio};

/// Places and care stages, as numbered in `events.csv` and in per-stage metrics.
pub const STAGES: [&str; 9] = [
    "police_custody",
    "bail",
    "remand",
    "sentenced_custody",
    "secure_hospital",
    "community",
    "prison_therapy",
    "in_reach",
    "transfer",
];
const POLICE: u8 = 0;
const BAIL: u8 = 1;
const REMAND: u8 = 2;
const SENTENCED: u8 = 3;
const HOSPITAL: u8 = 4;
const COMMUNITY: u8 = 5;
const THERAPY_STAGE: u32 = 6;
const INREACH_STAGE: u32 = 7;
const TRANSFER_STAGE: u32 = 8;
/// The first `PLACES` entries of [`STAGES`] are places: everyone in the model is in exactly one.
pub const PLACES: usize = 6;
/// Not in the model (dead or left): the destination of a last visit.
const GONE: u8 = u8::MAX;

/// Kinds of random draw (see [`Purpose`]). Fixed numbers: changing one changes every result.
mod purpose {
    pub const NEW_PEOPLE: u32 = 100;
    pub const ATTRIBUTES: u32 = 101;
    pub const CONDITIONS: u32 = 102;
    pub const AREA: u32 = 103;
    pub const COURT: u32 = 104;
    pub const RECEPTION: u32 = 105;
    pub const THERAPY: u32 = 106;
    pub const TRANSFER: u32 = 107;
    pub const RELEASE: u32 = 108;
    pub const COMMUNITY: u32 = 109;
    pub const SPOT_BED: u32 = 110;
}

// Condition bits.
const PSYCHOSIS: u8 = 1 << 0;
const DEPRESSION_ANXIETY: u8 = 1 << 2;
const SUICIDE_ATTEMPT: u8 = 1 << 5;
const SELF_HARM: u8 = 1 << 6;
/// A mental health need, for L&D, screening and reports: psychosis, depression or anxiety, or a
/// suicide attempt or self-harm in the last year. Personality disorder and dependency alone are
/// not counted (they are not what these services screen and refer for).
const MH_NEED: u8 = PSYCHOSIS | DEPRESSION_ANXIETY | SUICIDE_ATTEMPT | SELF_HARM;

// Sentence groups (index into reoffending shares).
const SHORT_CUSTODY: u8 = 0;
const LONG_CUSTODY: u8 = 1;
const COMMUNITY_ORDER: u8 = 2;
const OTHER: u8 = 3;

// Outcomes decided at court.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Outcome {
    #[default]
    Custody,
    HospitalOrder,
    CommunityOrder,
    Other,
}

// Transfer states.
const T_NONE: u8 = 0;
const T_ASSESSING: u8 = 1;
const T_WAITING: u8 = 2;
const T_FINAL: u8 = 3;
const T_ADMITTED: u8 = 4;

// Care states (therapy and in-reach).
const C_NONE: u8 = 0;
const C_WAITING: u8 = 1;
const C_ACTIVE: u8 = 2;

// Community event kinds.
const K_REOFFENCE: u8 = 0;
const K_SUICIDE: u8 = 1;
const K_DRUG_DEATH: u8 = 2;
const K_OTHER_DEATH: u8 = 3;
const K_LEAVE: u8 = 4;
const K_RECALL: u8 = 5;

#[derive(Debug, Clone, Copy, Default)]
struct Person {
    id: u64,
    female: bool,
    age_band: u8,
    learning_disability: bool,
    conditions: u8,
    conditions_drawn: bool,
    /// Prevalence group the conditions were drawn from (index into [`GROUP_NAMES`]).
    group: u8,
    /// Lives where liaison and diversion operates.
    covered: bool,

    place: u8,
    place_since: Tick,

    // Counters that number this person's draws.
    cases: u32,
    spells: u32,
    therapies: u32,
    transfers: u32,
    releases: u32,
    community_spells: u32,

    // Tokens (see the module docs).
    legal_token: u32,
    spell_token: u32,
    community_token: u32,
    therapy_token: u32,
    transfer_token: u32,

    // The current case.
    remanded: bool,
    /// The current case has ended in a custodial sentence (or a recall).
    sentenced: bool,
    ld_referred: bool,
    mhtr: bool,
    order_days: f64,
    report: bool,
    outcome: Outcome,
    sentence_days: f64,
    case_start: Tick,
    /// Custody release date of the current sentence (or the end of a recall).
    release_at: Tick,
    /// Legal custody has ended while the person is in hospital.
    custody_over: bool,
    supervision_end: Tick,
    group_after: u8,
    hospital_order: bool,
    /// In (or admitted to) a spot-purchased or out-of-area bed, not a commissioned one.
    spot: bool,
    custody_started: Tick,

    // Prison care.
    therapy: u8,
    therapy_since: Tick,
    therapy_start: Tick,
    inreach: u8,
    inreach_since: Tick,
    inreach_start: Tick,

    // Transfer.
    transfer: u8,
    level: u8,
    referred_at: Tick,
    assessed_at: Tick,
    final_since: Tick,
    final_days: f64,
    stay_days: f64,

    // Release.
    last_release: Tick,
    /// Referred on to community therapy when prison therapy was cut short by release.
    onward_pending: bool,
    /// The current community spell began at a release from custody.
    post_release_spell: bool,
    /// Back in custody on recall (the next release continues the original release's follow-up).
    recalled: bool,
    /// In the short-sentence release cohort whose one-year reoffending is being followed.
    cohort_open: bool,
    cohort_release: Tick,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    NewPerson,
    PoliceEnd {
        slot: u32,
        token: u32,
    },
    CourtOutcome {
        slot: u32,
        token: u32,
    },
    Release {
        slot: u32,
        token: u32,
    },
    CustodyDeath {
        slot: u32,
        token: u32,
        suicide: bool,
    },
    TransferOnset {
        slot: u32,
        token: u32,
    },
    TransferStep {
        slot: u32,
        token: u32,
    },
    /// A transfer time limit draws near: seek a spot-purchased bed if still waiting.
    TransferDeadline {
        slot: u32,
        token: u32,
    },
    Discharge {
        slot: u32,
        token: u32,
    },
    TherapyEnd {
        slot: u32,
        token: u32,
        completed: bool,
        recovered: bool,
    },
    Community {
        slot: u32,
        token: u32,
        kind: u8,
    },
}

/// Places of a capacity-limited service: how many, how many are in use, and how many people
/// wait (the queue itself is in [`Queues`]).
#[derive(Debug, Clone, Default)]
struct Pool {
    capacity: u32,
    busy: Level,
    queued: Level,
}

/// The first-come first-served queues of the capacity-limited services. Entries carry the token
/// of the care they were made for and are skipped when it has gone stale.
#[derive(Debug, Default)]
struct Queues {
    therapists: VecDeque<(u32, u32)>,
    inreach: VecDeque<(u32, u32)>,
    beds: [VecDeque<(u32, u32)>; 3],
}

#[derive(Debug, Default, Clone)]
struct PlaceStats {
    entries: u64,
    exits: u64,
    sojourn_ticks: u128,
    /// Time every visit (finished or not) spent here inside the measured window: with
    /// `level`'s area this is Little's law over a finite window, L x T = sum of time in window.
    window_ticks: u128,
    level: Level,
}

/// Counts over the measured window.
#[derive(Debug, Default, Clone)]
struct Counts {
    police_contacts: u64,
    s136: u64,
    ld_referrals: u64,
    reports: u64,
    receptions: u64,
    remand_receptions: u64,
    receptions_age_50_plus: u64,
    receptions_learning_disability: u64,
    sentenced_receptions: u64,
    recall_receptions: u64,
    custodial_sentences: u64,
    short_sentences: u64,
    community_orders: u64,
    mhtr: u64,
    hospital_orders: u64,
    other_outcomes: u64,
    diverted_from_custody: u64,
    therapy_referrals: u64,
    therapy_started: u64,
    therapy_completed: u64,
    therapy_dropped_out: u64,
    therapy_cut_short: u64,
    therapy_recovered: u64,
    onward_referrals: u64,
    inreach_referrals: u64,
    inreach_started: u64,
    transfer_referrals: u64,
    transfers_completed: u64,
    released_before_transfer: u64,
    died_before_transfer: u64,
    secure_admissions: u64,
    secure_discharges: u64,
    spot_purchases: u64,
    release_support_eligible: u64,
    release_support_participants: u64,
    limit_transfers: u64,
    limit_breaches: u64,
    limit_breach_ticks: u128,
    secure_los_ticks: u128,
    returned_to_prison: u64,
    releases: u64,
    releases_no_fixed_abode: u64,
    releases_no_gp: u64,
    smi_releases: u64,
    smi_cmht_contact: u64,
    short_cohort: u64,
    short_cohort_reoffended: u64,
    reoffences: u64,
    recalls: u64,
    left_model: u64,
    deaths_in_custody: u64,
    suicides_in_custody: u64,
    post_release_suicides: u64,
    post_release_suicides_28d: u64,
    post_release_drug_deaths: u64,
    post_release_days: f64,
    probation_suicides: u64,
    probation_days: f64,
    community_suicides: u64,
    community_drug_deaths: u64,
    community_other_deaths: u64,
    iapt_referrals: u64,
    iapt_started: u64,
    iapt_completed: u64,
    iapt_recovered: u64,
    prevalence_people: [u64; 4],
    prevalence_cases: [[u64; CONDITIONS]; 4],
    disorders_4_plus: u64,
}

impl Counts {
    /// Adds another catchment's counts.
    fn merge(&mut self, o: &Counts) {
        self.police_contacts += o.police_contacts;
        self.s136 += o.s136;
        self.ld_referrals += o.ld_referrals;
        self.reports += o.reports;
        self.receptions += o.receptions;
        self.remand_receptions += o.remand_receptions;
        self.receptions_age_50_plus += o.receptions_age_50_plus;
        self.receptions_learning_disability += o.receptions_learning_disability;
        self.sentenced_receptions += o.sentenced_receptions;
        self.recall_receptions += o.recall_receptions;
        self.custodial_sentences += o.custodial_sentences;
        self.short_sentences += o.short_sentences;
        self.community_orders += o.community_orders;
        self.mhtr += o.mhtr;
        self.hospital_orders += o.hospital_orders;
        self.other_outcomes += o.other_outcomes;
        self.diverted_from_custody += o.diverted_from_custody;
        self.therapy_referrals += o.therapy_referrals;
        self.therapy_started += o.therapy_started;
        self.therapy_completed += o.therapy_completed;
        self.therapy_dropped_out += o.therapy_dropped_out;
        self.therapy_cut_short += o.therapy_cut_short;
        self.therapy_recovered += o.therapy_recovered;
        self.onward_referrals += o.onward_referrals;
        self.inreach_referrals += o.inreach_referrals;
        self.inreach_started += o.inreach_started;
        self.transfer_referrals += o.transfer_referrals;
        self.transfers_completed += o.transfers_completed;
        self.released_before_transfer += o.released_before_transfer;
        self.died_before_transfer += o.died_before_transfer;
        self.secure_admissions += o.secure_admissions;
        self.secure_discharges += o.secure_discharges;
        self.spot_purchases += o.spot_purchases;
        self.release_support_eligible += o.release_support_eligible;
        self.release_support_participants += o.release_support_participants;
        self.limit_transfers += o.limit_transfers;
        self.limit_breaches += o.limit_breaches;
        self.limit_breach_ticks += o.limit_breach_ticks;
        self.secure_los_ticks += o.secure_los_ticks;
        self.returned_to_prison += o.returned_to_prison;
        self.releases += o.releases;
        self.releases_no_fixed_abode += o.releases_no_fixed_abode;
        self.releases_no_gp += o.releases_no_gp;
        self.smi_releases += o.smi_releases;
        self.smi_cmht_contact += o.smi_cmht_contact;
        self.short_cohort += o.short_cohort;
        self.short_cohort_reoffended += o.short_cohort_reoffended;
        self.reoffences += o.reoffences;
        self.recalls += o.recalls;
        self.left_model += o.left_model;
        self.deaths_in_custody += o.deaths_in_custody;
        self.suicides_in_custody += o.suicides_in_custody;
        self.post_release_suicides += o.post_release_suicides;
        self.post_release_suicides_28d += o.post_release_suicides_28d;
        self.post_release_drug_deaths += o.post_release_drug_deaths;
        self.post_release_days += o.post_release_days;
        self.probation_suicides += o.probation_suicides;
        self.probation_days += o.probation_days;
        self.community_suicides += o.community_suicides;
        self.community_drug_deaths += o.community_drug_deaths;
        self.community_other_deaths += o.community_other_deaths;
        self.iapt_referrals += o.iapt_referrals;
        self.iapt_started += o.iapt_started;
        self.iapt_completed += o.iapt_completed;
        self.iapt_recovered += o.iapt_recovered;
        for (a, b) in self.prevalence_people.iter_mut().zip(&o.prevalence_people) {
            *a += b;
        }
        for (ga, gb) in self.prevalence_cases.iter_mut().zip(&o.prevalence_cases) {
            for (a, b) in ga.iter_mut().zip(gb) {
                *a += b;
            }
        }
        self.disorders_4_plus += o.disorders_4_plus;
    }
}

struct PathwayModel<'a, R: Recorder> {
    p: &'a Pathway,
    streams: Streams,
    arrivals: Stream,
    arrival_clock: f64,
    people: Vec<Person>,
    free: Vec<u32>,
    next_id: u64,
    queues: Queues,
    /// Everything the metrics are computed from, accumulated as the run goes.
    t: Tally,
    recorder: R,
}

/// What costs and QALYs are priced on, by year of the measured window (`economics::Driver`).
#[derive(Debug, Clone)]
struct Years {
    custody: LevelByYear,
    spot: LevelByYear,
    ld_referrals: ByYear,
    support: ByYear,
    iapt: ByYear,
    probation: ByYear,
    reoffences: ByYear,
    life_lost: ByYear,
}

/// Everything a replication's metrics are computed from, finished at the end of the run. The
/// tallies of independent catchments add up ([`Tally::merge`]), so a run split into catchments
/// is summarised exactly as one run: every metric is computed once, from the sums.
#[derive(Debug, Clone)]
struct Tally {
    warm: Tick,
    end: Tick,
    entered: u64,
    exited: u64,
    c: Counts,
    places: [PlaceStats; PLACES],
    prison: Level,
    therapists: Pool,
    inreach: Pool,
    beds: [Pool; 3],
    in_hospital: Level,
    /// Spot-purchased beds held or occupied (no capacity: they are bought when needed).
    spot_beds: Level,
    transfer_wait: DayHistogram,
    transfer_after_assessment: DayHistogram,
    transfer_final_stage: DayHistogram,
    therapy_wait: DayHistogram,
    years: Years,
}

impl Tally {
    /// The tallies of a finished run, with every level brought up to the end.
    fn of<R: Recorder>(m: PathwayModel<'_, R>) -> (Self, R) {
        let mut t = m.t;
        let end = t.end;
        for q in &m.people {
            if q.place != GONE {
                t.places[q.place as usize].window_ticks +=
                    end.saturating_sub(q.place_since.max(t.warm)) as u128;
            }
        }
        for p in &mut t.places {
            p.level.finish(end);
        }
        for pool in [&mut t.therapists, &mut t.inreach]
            .into_iter()
            .chain(t.beds.iter_mut())
        {
            pool.busy.finish(end);
            pool.queued.finish(end);
        }
        for level in [&mut t.prison, &mut t.in_hospital, &mut t.spot_beds] {
            level.finish(end);
        }
        t.years.custody.finish(end);
        t.years.spot.finish(end);
        (t, m.recorder)
    }

    /// Adds another catchment's tallies (same window).
    fn merge(&mut self, o: &Tally) {
        self.entered += o.entered;
        self.exited += o.exited;
        self.c.merge(&o.c);
        for (a, b) in self.places.iter_mut().zip(&o.places) {
            a.entries += b.entries;
            a.exits += b.exits;
            a.sojourn_ticks += b.sojourn_ticks;
            a.window_ticks += b.window_ticks;
            a.level.merge(&b.level);
        }
        self.prison.merge(&o.prison);
        let pools = |a: &mut Pool, b: &Pool| {
            a.capacity += b.capacity;
            a.busy.merge(&b.busy);
            a.queued.merge(&b.queued);
        };
        pools(&mut self.therapists, &o.therapists);
        pools(&mut self.inreach, &o.inreach);
        for (a, b) in self.beds.iter_mut().zip(&o.beds) {
            pools(a, b);
        }
        self.in_hospital.merge(&o.in_hospital);
        self.spot_beds.merge(&o.spot_beds);
        self.transfer_wait.merge(&o.transfer_wait);
        self.transfer_after_assessment
            .merge(&o.transfer_after_assessment);
        self.transfer_final_stage.merge(&o.transfer_final_stage);
        self.therapy_wait.merge(&o.therapy_wait);
        let y = &mut self.years;
        y.custody.merge(&o.years.custody);
        y.spot.merge(&o.years.spot);
        y.ld_referrals.merge(&o.years.ld_referrals);
        y.support.merge(&o.years.support);
        y.iapt.merge(&o.years.iapt);
        y.probation.merge(&o.years.probation);
        y.reoffences.merge(&o.years.reoffences);
        y.life_lost.merge(&o.years.life_lost);
    }
}

impl Years {
    fn new(warm: Tick, end: Tick) -> Self {
        Self {
            custody: LevelByYear::new(warm, end),
            spot: LevelByYear::new(warm, end),
            ld_referrals: ByYear::new(warm, end),
            support: ByYear::new(warm, end),
            iapt: ByYear::new(warm, end),
            probation: ByYear::new(warm, end),
            reoffences: ByYear::new(warm, end),
            life_lost: ByYear::new(warm, end),
        }
    }
}

#[inline]
fn days(d: f64) -> Tick {
    days_to_ticks(d.max(0.0))
}

impl<R: Recorder> PathwayModel<'_, R> {
    #[inline]
    fn measured(&self, t: Tick) -> bool {
        t >= self.t.warm && t < self.t.end
    }

    fn stream(&self, slot: u32, kind: u32, n: u32) -> Stream {
        self.streams.stream_n(
            self.people[slot as usize].id,
            Purpose::new(kind, 0),
            n as u64,
        )
    }

    // ----- places -------------------------------------------------------------------------

    /// Moves a person to `to` (or out of the model with [`GONE`]) at `now`, recording the visit
    /// that ends.
    fn move_to(&mut self, slot: u32, to: u8, now: Tick) {
        debug_assert_ne!(
            self.people[slot as usize].place, to,
            "a move to the same place"
        );
        let (from, since, id) = {
            let p = &self.people[slot as usize];
            (p.place, p.place_since, p.id)
        };
        let measured = self.measured(now);
        if from != GONE {
            let st = &mut self.t.places[from as usize];
            st.level.add(now, -1);
            if measured {
                st.exits += 1;
                st.sojourn_ticks += (now - since) as u128;
            }
            let (lo, hi) = (since.max(self.t.warm), now.min(self.t.end));
            if hi > lo {
                st.window_ticks += (hi - lo) as u128;
            }
            if from == REMAND || from == SENTENCED {
                self.t.prison.add(now, -1);
                self.t.years.custody.add(now, -1);
            }
            self.recorder.visit(&Visit {
                person: id,
                stage: from as u32,
                arrival: since,
                start: since,
                end: now,
                destination: (to != GONE).then_some(to as u32),
            });
        }
        if to != GONE {
            let st = &mut self.t.places[to as usize];
            st.level.add(now, 1);
            if measured {
                st.entries += 1;
            }
            if to == REMAND || to == SENTENCED {
                self.t.prison.add(now, 1);
                self.t.years.custody.add(now, 1);
            }
        }
        let p = &mut self.people[slot as usize];
        p.place = to;
        p.place_since = now;
    }

    fn new_slot(&mut self, person: Person) -> u32 {
        match self.free.pop() {
            Some(s) => {
                // Events of the slot's previous occupant may still be pending. Every token
                // starts above the old occupant's, so none of those events can match the new
                // person (a regression: an old release date once released a newcomer).
                let old = self.people[s as usize];
                self.people[s as usize] = Person {
                    legal_token: old.legal_token + 1,
                    spell_token: old.spell_token + 1,
                    community_token: old.community_token + 1,
                    therapy_token: old.therapy_token + 1,
                    transfer_token: old.transfer_token + 1,
                    ..person
                };
                s
            }
            None => {
                self.people.push(person);
                (self.people.len() - 1) as u32
            }
        }
    }

    /// The person leaves the model (death or a year without reoffending).
    fn exit(&mut self, slot: u32, now: Tick) {
        self.move_to(slot, GONE, now);
        self.t.exited += 1;
        self.free.push(slot);
    }

    // ----- arrivals and police ------------------------------------------------------------

    fn new_person(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        let id = self.next_id;
        self.next_id += 1;
        self.t.entered += 1;
        let p = self.p;
        let mut rng = self
            .streams
            .stream(id, Purpose::new(purpose::ATTRIBUTES, 0));
        let female = rng.random::<f64>() < p.female_share;
        let u: f64 = rng.random();
        let age_band = if u < p.age_60_plus_share {
            2
        } else if u < p.age_60_plus_share + p.age_50_59_share {
            1
        } else {
            0
        };
        let learning_disability = rng.random::<f64>() < p.learning_disability_share;
        let covered = self
            .streams
            .stream(id, Purpose::new(purpose::AREA, 0))
            .random::<f64>()
            < p.ld_coverage;
        let slot = self.new_slot(Person {
            id,
            female,
            age_band,
            learning_disability,
            covered,
            place: GONE,
            ..Person::default()
        });
        self.police_contact(slot, now, ctx);

        // The arrival clock runs in days, not ticks, so rounding never adds up over a run.
        let gap: f64 = Exp1.sample(&mut self.arrivals);
        self.arrival_clock += gap / p.new_people_per_day;
        ctx.schedule_at(days_to_ticks(self.arrival_clock), Event::NewPerson);
    }

    /// Draws a person's conditions from their group's prevalence (Table 2, seed 001) through a
    /// one-factor Gaussian copula: every marginal is exact, and the common factor makes
    /// disorders co-occur (seed 000: 12-15% have four or five).
    fn draw_conditions(&mut self, slot: u32, now: Tick) {
        let (id, female, remanded) = {
            let q = &self.people[slot as usize];
            (q.id, q.female, q.remanded)
        };
        let group = (remanded as usize) * 2 + female as usize;
        let mut rng = self
            .streams
            .stream(id, Purpose::new(purpose::CONDITIONS, 0));
        let rho = self.p.comorbidity_correlation;
        let common: f64 = StandardNormal.sample(&mut rng);
        let (a, b) = (rho.sqrt(), (1.0 - rho).sqrt());
        let mut bits = 0u8;
        for i in 0..CONDITIONS {
            let own: f64 = StandardNormal.sample(&mut rng);
            let x = if i < DISORDERS {
                a * common + b * own
            } else {
                own
            };
            if x < self.p.prevalence_thresholds[group][i] {
                bits |= 1 << i;
            }
        }
        let q = &mut self.people[slot as usize];
        q.conditions = bits;
        q.conditions_drawn = true;
        q.group = group as u8;
        if self.measured(now) {
            self.t.c.prevalence_people[group] += 1;
            for i in 0..CONDITIONS {
                if bits & (1 << i) != 0 {
                    self.t.c.prevalence_cases[group][i] += 1;
                }
            }
            if (bits & ((1 << DISORDERS) - 1)).count_ones() >= 4 {
                self.t.c.disorders_4_plus += 1;
            }
        }
    }

    /// Police contact: arrest (or s136), the court's decisions for this case, L&D.
    fn police_contact(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let case = {
            let q = &mut self.people[slot as usize];
            q.cases += 1;
            q.cases
        };
        let mut rng = self.stream(slot, purpose::COURT, case);
        let remanded = rng.random::<f64>() < p.remand_share;
        self.people[slot as usize].remanded = remanded;
        if !self.people[slot as usize].conditions_drawn {
            self.draw_conditions(slot, now);
        }
        if self.measured(now) {
            self.t.c.police_contacts += 1;
        }
        let q = self.people[slot as usize];
        let need = q.conditions & MH_NEED != 0;
        let s136 = need && rng.random::<f64>() < p.s136_share;
        let referred = !s136 && need && q.covered && rng.random::<f64>() < p.ld_identification;
        let report = !s136 && need && rng.random::<f64>() < p.report_share;
        let report_days = if report && !referred {
            p.report_days.sample(&mut rng)
        } else {
            0.0
        };
        let wait = if remanded {
            p.remand_days.sample(&mut rng)
        } else {
            p.bail_days.sample(&mut rng)
        }
        .max(report_days);
        // The outcome, decided now from this case's stream so that every scenario draws it the
        // same way, applied when the case ends.
        let u: f64 = rng.random();
        let (custody, community) = if remanded {
            (
                p.remand_custody_share,
                1.0 - p.remand_custody_share - p.remand_acquittal_share,
            )
        } else {
            (p.bail_custody_share, p.bail_community_order_share)
        };
        let mut diverted = false;
        let mut outcome = if u < custody {
            if referred && u >= custody * p.ld_custody_relative_risk {
                diverted = true;
                Outcome::CommunityOrder
            } else {
                Outcome::Custody
            }
        } else if u < custody + community {
            Outcome::CommunityOrder
        } else {
            Outcome::Other
        };
        let hospital_u: f64 = rng.random();
        if outcome == Outcome::Custody
            && q.conditions & PSYCHOSIS != 0
            && (report || referred)
            && hospital_u < p.hospital_order_share
        {
            outcome = Outcome::HospitalOrder;
        }
        let sentence_days = p.sentence_days.sample(&mut rng);
        let mhtr_u: f64 = rng.random();
        let co_days = p.community_order_days.sample(&mut rng);

        {
            let q = &mut self.people[slot as usize];
            q.ld_referred = referred;
            q.report = report;
            q.outcome = outcome;
            q.sentence_days = sentence_days;
            q.legal_token += 1;
            q.hospital_order = false;
            q.custody_over = false;
            q.sentenced = false;
            q.order_days = co_days;
            q.mhtr = need
                && mhtr_u
                    < if referred {
                        p.ld_mhtr_share
                    } else {
                        p.mhtr_share
                    };
        }
        if referred {
            self.t.years.ld_referrals.count(now);
        }
        if self.measured(now) {
            self.t.c.ld_referrals += referred as u64;
            self.t.c.reports += report as u64;
            self.t.c.s136 += s136 as u64;
            self.t.c.diverted_from_custody += diverted as u64;
        }
        self.move_to(slot, POLICE, now);
        let token = self.people[slot as usize].legal_token;
        if s136 {
            // Taken to a place of safety and not charged: back to the community.
            let q = &mut self.people[slot as usize];
            q.outcome = Outcome::Other;
            q.remanded = false;
            ctx.schedule_in(p.police_custody, Event::PoliceEnd { slot, token });
            // A wait of u64::MAX marks "no court case".
            self.people[slot as usize].case_start = Tick::MAX;
            return;
        }
        self.people[slot as usize].case_start = now + p.police_custody;
        ctx.schedule_in(p.police_custody, Event::PoliceEnd { slot, token });
        ctx.schedule_in(
            p.police_custody + days(wait),
            Event::CourtOutcome { slot, token },
        );
    }

    fn police_end(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.case_start == Tick::MAX {
            self.move_to(slot, COMMUNITY, now);
            self.enter_community(slot, now, OTHER, false, now, ctx);
            return;
        }
        if q.remanded {
            self.reception(slot, REMAND, now, ctx);
        } else {
            self.move_to(slot, BAIL, now);
        }
    }

    // ----- court --------------------------------------------------------------------------

    fn court_outcome(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let q = self.people[slot as usize];
        let measured = self.measured(now);
        match q.outcome {
            Outcome::Custody | Outcome::HospitalOrder => {
                let served = q.sentence_days * p.release_fraction;
                let on_remand = if q.remanded {
                    ticks_to_days(now - q.case_start)
                } else {
                    0.0
                };
                let short = q.sentence_days < p.short_sentence_days;
                let supervision_days = if q.sentence_days < p.supervision_sentence_limit_days {
                    p.supervision_total_days
                } else {
                    q.sentence_days - served
                };
                let release_at = now + days(served - on_remand);
                {
                    let r = &mut self.people[slot as usize];
                    r.release_at = release_at;
                    r.group_after = if short { SHORT_CUSTODY } else { LONG_CUSTODY };
                    r.supervision_end = release_at + days(supervision_days);
                    r.legal_token += 1;
                    r.sentenced = true;
                    r.hospital_order = q.outcome == Outcome::HospitalOrder;
                }
                if measured {
                    self.t.c.custodial_sentences += 1;
                    self.t.c.short_sentences += short as u64;
                    self.t.c.hospital_orders += (q.outcome == Outcome::HospitalOrder) as u64;
                }
                let token = self.people[slot as usize].legal_token;
                match q.place {
                    HOSPITAL => {}
                    REMAND => self.move_to(slot, SENTENCED, now),
                    _ => self.reception(slot, SENTENCED, now, ctx),
                }
                if q.outcome == Outcome::HospitalOrder && q.place != HOSPITAL {
                    self.start_hospital_order(slot, now, ctx);
                }
                if self.people[slot as usize].place != GONE {
                    ctx.schedule_at(release_at, Event::Release { slot, token });
                }
            }
            Outcome::CommunityOrder | Outcome::Other => {
                let order = q.outcome == Outcome::CommunityOrder;
                let mhtr = order && q.mhtr;
                let supervision_end = if order { now + days(q.order_days) } else { now };
                if measured {
                    if order {
                        self.t.c.community_orders += 1;
                        self.t.c.mhtr += mhtr as u64;
                    } else {
                        self.t.c.other_outcomes += 1;
                    }
                }
                {
                    let r = &mut self.people[slot as usize];
                    r.legal_token += 1;
                    r.supervision_end = supervision_end;
                    r.group_after = if order { COMMUNITY_ORDER } else { OTHER };
                }
                match q.place {
                    HOSPITAL => self.people[slot as usize].custody_over = true,
                    REMAND => {
                        self.leave_prison(slot, now, true, ctx);
                        self.move_to(slot, COMMUNITY, now);
                        let group = self.people[slot as usize].group_after;
                        self.enter_community(slot, now, group, false, supervision_end, ctx);
                    }
                    _ => {
                        self.move_to(slot, COMMUNITY, now);
                        let group = self.people[slot as usize].group_after;
                        self.enter_community(slot, now, group, false, supervision_end, ctx);
                    }
                }
            }
        }
    }

    // ----- custody ------------------------------------------------------------------------

    /// Received into prison from outside: reception screening, care referrals, the risk of
    /// death in custody and of needing a secure bed.
    fn reception(&mut self, slot: u32, place: u8, now: Tick, ctx: &mut Context<'_, Event>) {
        self.move_to(slot, place, now);
        if self.measured(now) {
            self.count_reception(slot);
            match place {
                REMAND => self.t.c.remand_receptions += 1,
                _ => self.t.c.sentenced_receptions += 1,
            }
        }
        self.start_spell(slot, now, true, ctx);
    }

    fn count_reception(&mut self, slot: u32) {
        let q = &self.people[slot as usize];
        self.t.c.receptions += 1;
        self.t.c.receptions_age_50_plus += u64::from(q.age_band > 0);
        self.t.c.receptions_learning_disability += u64::from(q.learning_disability);
    }

    /// A new spell in prison (after a reception or a return from hospital).
    fn start_spell(&mut self, slot: u32, now: Tick, screen: bool, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let spell = {
            let q = &mut self.people[slot as usize];
            q.spells += 1;
            q.spell_token += 1;
            q.custody_started = now;
            q.spells
        };
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::RECEPTION, spell);
        let e: f64 = Exp1.sample(&mut rng);
        let rate = p.custody_suicide_rate + p.custody_other_death_rate;
        let suicide = rng.random::<f64>() * rate < p.custody_suicide_rate;
        if rate > 0.0 {
            let at = now.saturating_add(days(e / rate));
            if at < self.t.end {
                ctx.schedule_at(
                    at,
                    Event::CustodyDeath {
                        slot,
                        token: q.spell_token,
                        suicide,
                    },
                );
            }
        }
        let detected = q.conditions & MH_NEED != 0 && rng.random::<f64>() < p.screening_detects;
        let acute = rng.random::<f64>() < p.acute_share;
        let onset = p.onset_days.sample(&mut rng);
        if !detected || !screen {
            return;
        }
        if q.conditions & PSYCHOSIS != 0 {
            self.request_inreach(slot, now);
            if acute && q.transfer == T_NONE {
                ctx.schedule_in(
                    days(onset),
                    Event::TransferOnset {
                        slot,
                        token: q.spell_token,
                    },
                );
            }
        } else if q.conditions & DEPRESSION_ANXIETY != 0 {
            self.request_therapy(slot, now, ctx);
        }
    }

    /// Leaves prison (release, death, admission to hospital): care in prison stops; a transfer
    /// still under way is abandoned if the person is leaving for anywhere but the hospital.
    fn leave_prison(&mut self, slot: u32, now: Tick, released: bool, ctx: &mut Context<'_, Event>) {
        let measured = self.measured(now);
        let q = self.people[slot as usize];
        if q.therapy == C_ACTIVE {
            if measured {
                self.t.c.therapy_cut_short += 1;
            }
            if released {
                // The course stream's first draw is set aside for this (see `start_therapy`);
                // the second chose the intensity and must not decide the referral too.
                let mut rng = self.stream(slot, purpose::THERAPY, q.therapies);
                if rng.random::<f64>() < self.p.onward_referral_share {
                    self.people[slot as usize].onward_pending = true;
                    if measured {
                        self.t.c.onward_referrals += 1;
                    }
                }
            }
            self.recorder.visit(&Visit {
                person: q.id,
                stage: THERAPY_STAGE,
                arrival: q.therapy_since,
                start: q.therapy_start,
                end: now,
                destination: None,
            });
            self.t.therapists.busy.add(now, -1);
            self.next_therapy(now, ctx);
        } else if q.therapy == C_WAITING {
            self.t.therapists.queued.add(now, -1);
        }
        if q.inreach == C_ACTIVE {
            self.recorder.visit(&Visit {
                person: q.id,
                stage: INREACH_STAGE,
                arrival: q.inreach_since,
                start: q.inreach_start,
                end: now,
                destination: None,
            });
            self.t.inreach.busy.add(now, -1);
            self.next_inreach(now);
        } else if q.inreach == C_WAITING {
            self.t.inreach.queued.add(now, -1);
        }
        {
            let r = &mut self.people[slot as usize];
            r.therapy = C_NONE;
            r.therapy_token += 1;
            r.inreach = C_NONE;
            r.spell_token += 1;
        }
        if matches!(q.transfer, T_ASSESSING | T_WAITING | T_FINAL) && released {
            self.abandon_transfer(slot, now, ctx);
            if measured {
                self.t.c.released_before_transfer += 1;
            }
        }
    }

    fn release(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.place == HOSPITAL {
            self.people[slot as usize].custody_over = true;
            return;
        }
        if q.hospital_order && q.transfer != T_NONE {
            // Still waiting for the hospital named in the order: the order, not the sentence,
            // decides when they leave prison.
            self.people[slot as usize].custody_over = true;
            return;
        }
        self.leave_prison(slot, now, true, ctx);
        self.release_to_community(slot, now, ctx);
    }

    fn release_to_community(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let measured = self.measured(now);
        let releases = {
            let q = &mut self.people[slot as usize];
            q.releases += 1;
            q.last_release = now;
            q.releases
        };
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::RELEASE, releases);
        let nfa = rng.random::<f64>() < p.no_fixed_abode_share;
        let (u_gp, u_cmht): (f64, f64) = (rng.random(), rng.random());
        let (mut no_gp_share, mut cmht_share) = (p.no_gp_share, p.cmht_contact_6m_share);
        // Drawn after the release's own draws, so a scenario with support leaves them alone;
        // the same uniforms then decide GP and CMHT, so support only moves people across.
        if let Some(support) = p.release_support
            && q.conditions & MH_NEED != 0
        {
            let supported = rng.random::<f64>() < support.uptake_share;
            if measured {
                self.t.c.release_support_eligible += 1;
                self.t.c.release_support_participants += supported as u64;
            }
            if supported {
                self.t.years.support.count(now);
                no_gp_share = support.no_gp_share;
                cmht_share = support.cmht_contact_6m_share;
            }
        }
        let no_gp = u_gp < no_gp_share;
        let cmht = u_cmht < cmht_share;
        if measured {
            self.t.c.releases += 1;
            self.t.c.releases_no_fixed_abode += nfa as u64;
            self.t.c.releases_no_gp += no_gp as u64;
            if q.conditions & PSYCHOSIS != 0 {
                self.t.c.smi_releases += 1;
                self.t.c.smi_cmht_contact += cmht as u64;
            }
        }
        self.move_to(slot, COMMUNITY, now);
        let group = q.group_after;
        self.enter_community(slot, now, group, true, q.supervision_end.max(now), ctx);
    }

    fn custody_death(&mut self, slot: u32, suicide: bool, now: Tick, ctx: &mut Context<'_, Event>) {
        if self.measured(now) {
            self.t.years.life_lost.span(now, self.t.end, 1);
            self.t.c.deaths_in_custody += 1;
            self.t.c.suicides_in_custody += suicide as u64;
            if matches!(
                self.people[slot as usize].transfer,
                T_ASSESSING | T_WAITING | T_FINAL
            ) {
                self.t.c.died_before_transfer += 1;
            }
        }
        self.leave_prison(slot, now, false, ctx);
        let q = self.people[slot as usize];
        if matches!(q.transfer, T_ASSESSING | T_WAITING | T_FINAL) {
            self.abandon_transfer(slot, now, ctx);
        }
        self.exit(slot, now);
    }

    // ----- prison mental health care -------------------------------------------------------

    fn request_therapy(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let token = {
            let q = &mut self.people[slot as usize];
            q.therapies += 1;
            q.therapy_token += 1;
            q.therapy = C_WAITING;
            q.therapy_since = now;
            q.therapy_token
        };
        if self.measured(now) {
            self.t.c.therapy_referrals += 1;
        }
        if self.t.therapists.busy.n < self.t.therapists.capacity as i64 {
            self.start_therapy(slot, now, ctx);
        } else {
            self.queues.therapists.push_back((slot, token));
            self.t.therapists.queued.add(now, 1);
        }
    }

    /// A course of stepped-care therapy (seed 000): sessions at a fixed interval, each missed
    /// with the non-attendance share (and rebooked), with dropout after any attended session.
    fn start_therapy(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::THERAPY, q.therapies);
        let _: f64 = rng.random(); // the onward-referral draw, used if the course is cut short
        let high = rng.random::<f64>() < p.high_intensity_share;
        let sessions = if high {
            p.sessions_high_intensity
        } else {
            p.sessions_low_intensity
        };
        let mut appointments = 0u32;
        let mut attended = 0u32;
        let mut completed = true;
        while attended < sessions {
            appointments += 1;
            if rng.random::<f64>() < p.missed_appointment_share {
                continue;
            }
            attended += 1;
            if attended < sessions && rng.random::<f64>() < p.dropout_per_session {
                completed = false;
                break;
            }
            if appointments > 10_000 {
                break;
            }
        }
        let recovered = completed && rng.random::<f64>() < p.recovery_share;
        {
            let r = &mut self.people[slot as usize];
            r.therapy = C_ACTIVE;
            r.therapy_start = now;
        }
        self.t.therapists.busy.add(now, 1);
        if self.measured(now) {
            self.t.c.therapy_started += 1;
            self.t.therapy_wait.record(now - q.therapy_since);
        }
        ctx.schedule_in(
            days(appointments as f64 * p.session_interval_days),
            Event::TherapyEnd {
                slot,
                token: q.therapy_token,
                completed,
                recovered,
            },
        );
    }

    fn therapy_end(
        &mut self,
        slot: u32,
        completed: bool,
        recovered: bool,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        if self.measured(now) {
            if completed {
                self.t.c.therapy_completed += 1;
                self.t.c.therapy_recovered += recovered as u64;
            } else {
                self.t.c.therapy_dropped_out += 1;
            }
        }
        let q = self.people[slot as usize];
        self.recorder.visit(&Visit {
            person: q.id,
            stage: THERAPY_STAGE,
            arrival: q.therapy_since,
            start: q.therapy_start,
            end: now,
            destination: None,
        });
        let r = &mut self.people[slot as usize];
        r.therapy = C_NONE;
        r.therapy_token += 1;
        self.t.therapists.busy.add(now, -1);
        self.next_therapy(now, ctx);
    }

    fn next_therapy(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        while self.t.therapists.busy.n < self.t.therapists.capacity as i64 {
            let Some((slot, token)) = self.queues.therapists.pop_front() else {
                return;
            };
            let q = self.people[slot as usize];
            if q.therapy_token == token && q.therapy == C_WAITING && q.place != GONE {
                self.t.therapists.queued.add(now, -1);
                self.start_therapy(slot, now, ctx);
            }
        }
    }

    fn request_inreach(&mut self, slot: u32, now: Tick) {
        {
            let q = &mut self.people[slot as usize];
            q.inreach = C_WAITING;
            q.inreach_since = now;
        }
        if self.measured(now) {
            self.t.c.inreach_referrals += 1;
        }
        if self.t.inreach.busy.n < self.t.inreach.capacity as i64 {
            self.start_inreach(slot, now);
        } else {
            let token = self.people[slot as usize].spell_token;
            self.queues.inreach.push_back((slot, token));
            self.t.inreach.queued.add(now, 1);
        }
    }

    fn start_inreach(&mut self, slot: u32, now: Tick) {
        let q = &mut self.people[slot as usize];
        q.inreach = C_ACTIVE;
        q.inreach_start = now;
        self.t.inreach.busy.add(now, 1);
        if self.measured(now) {
            self.t.c.inreach_started += 1;
        }
    }

    fn next_inreach(&mut self, now: Tick) {
        while self.t.inreach.busy.n < self.t.inreach.capacity as i64 {
            let Some((slot, token)) = self.queues.inreach.pop_front() else {
                return;
            };
            let q = self.people[slot as usize];
            if q.spell_token == token && q.inreach == C_WAITING && q.place != GONE {
                self.t.inreach.queued.add(now, -1);
                self.start_inreach(slot, now);
            }
        }
    }

    // ----- transfer to secure hospital ----------------------------------------------------

    /// Draws the transfer's delays and level from this transfer's stream.
    fn plan_transfer(&mut self, slot: u32, now: Tick) -> f64 {
        let p = self.p;
        let n = {
            let q = &mut self.people[slot as usize];
            q.transfers += 1;
            q.transfer_token += 1;
            q.referred_at = now;
            q.transfers
        };
        let mut rng = self.stream(slot, purpose::TRANSFER, n);
        let mut assessment = p.assessment_days.sample(&mut rng);
        if rng.random::<f64>() < p.repeat_assessment_share {
            assessment += p.repeat_assessment_days.sample(&mut rng);
        }
        let u: f64 = rng.random();
        let level = p.level_cumulative.iter().position(|&c| u < c).unwrap_or(1) as u8;
        let final_days = p.warrant_days.sample(&mut rng) + p.admission_days.sample(&mut rng);
        let stay_days = p.stay_days[level as usize].sample(&mut rng);
        let q = &mut self.people[slot as usize];
        q.level = level;
        q.final_days = final_days;
        q.stay_days = stay_days;
        assessment
    }

    fn transfer_onset(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.transfer != T_NONE || !(q.place == REMAND || q.place == SENTENCED) {
            return;
        }
        let assessment = self.plan_transfer(slot, now);
        if self.measured(now) {
            self.t.c.transfer_referrals += 1;
        }
        let q = &mut self.people[slot as usize];
        q.transfer = T_ASSESSING;
        q.hospital_order = false;
        let token = q.transfer_token;
        ctx.schedule_in(days(assessment), Event::TransferStep { slot, token });
    }

    /// A hospital order: no referral and assessment (the court had the reports); the person
    /// waits in prison for a bed like anyone assessed as needing one.
    fn start_hospital_order(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if matches!(q.transfer, T_ASSESSING | T_WAITING | T_FINAL) {
            self.abandon_transfer(slot, now, ctx);
        }
        self.plan_transfer(slot, now);
        let r = &mut self.people[slot as usize];
        r.hospital_order = true;
        r.assessed_at = now;
        self.request_bed(slot, now, ctx);
    }

    fn transfer_step(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        match self.people[slot as usize].transfer {
            T_ASSESSING => {
                self.people[slot as usize].assessed_at = now;
                self.request_bed(slot, now, ctx);
            }
            T_FINAL => self.admit(slot, now, ctx),
            _ => {}
        }
    }

    fn request_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let (level, token) = {
            let q = &mut self.people[slot as usize];
            q.transfer = T_WAITING;
            (q.level as usize, q.transfer_token)
        };
        let q = self.people[slot as usize];
        if let (Some(limit), false) = (self.p.transfer_limit, q.hospital_order) {
            // Sought when what is left of the limit is just enough to contract a spot bed and
            // then go through the same warrant and admission as for a commissioned bed.
            let seek_at = (self.limit_start(&q) + days(limit.days - limit.spot_lead_days))
                .saturating_sub(days(q.final_days));
            ctx.schedule_at(seek_at.max(now), Event::TransferDeadline { slot, token });
        }
        let pool = &mut self.t.beds[level];
        if pool.busy.n < pool.capacity as i64 {
            self.reserve_bed(slot, now, ctx);
        } else {
            pool.queued.add(now, 1);
            self.queues.beds[level].push_back((slot, token));
        }
    }

    fn limit_start(&self, q: &Person) -> Tick {
        match self.p.transfer_limit {
            Some(l) if l.from_referral => q.referred_at,
            _ => q.assessed_at,
        }
    }

    /// The limit draws near and no commissioned bed has been found: a spot-purchased or
    /// out-of-area bed is sought, and found with `spot_purchase_share`. Contracting it takes
    /// `spot_lead_days`, then the person's warrant and admission take as long as they would for
    /// a commissioned bed (the calibrated final stage): a spot bed is not a faster route, only
    /// another bed. If none is found the person waits on.
    fn seek_spot_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let Some(limit) = self.p.transfer_limit else {
            return;
        };
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::SPOT_BED, q.transfers);
        if rng.random::<f64>() >= limit.spot_purchase_share {
            return;
        }
        // Out of the commissioned queue: its entry goes stale because the state is no longer
        // T_WAITING.
        self.t.beds[q.level as usize].queued.add(now, -1);
        self.t.spot_beds.add(now, 1);
        self.t.years.spot.add(now, 1);
        if self.measured(now) {
            self.t.c.spot_purchases += 1;
        }
        let token = {
            let r = &mut self.people[slot as usize];
            r.transfer = T_FINAL;
            r.spot = true;
            r.final_since = now;
            r.transfer_token
        };
        ctx.schedule_in(
            days(limit.spot_lead_days + q.final_days),
            Event::TransferStep { slot, token },
        );
    }

    /// A bed is found: it is held while the warrant is issued and the admission arranged.
    fn reserve_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let (level, token, final_days) = {
            let q = &mut self.people[slot as usize];
            q.transfer = T_FINAL;
            q.final_since = now;
            (q.level as usize, q.transfer_token, q.final_days)
        };
        self.t.beds[level].busy.add(now, 1);
        ctx.schedule_in(days(final_days), Event::TransferStep { slot, token });
    }

    fn next_bed(&mut self, level: usize, now: Tick, ctx: &mut Context<'_, Event>) {
        while self.t.beds[level].busy.n < self.t.beds[level].capacity as i64 {
            let Some((slot, token)) = self.queues.beds[level].pop_front() else {
                return;
            };
            let q = self.people[slot as usize];
            if q.transfer_token == token && q.transfer == T_WAITING && q.place != GONE {
                self.t.beds[level].queued.add(now, -1);
                self.reserve_bed(slot, now, ctx);
            }
        }
    }

    fn abandon_transfer(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        match q.transfer {
            T_WAITING => self.t.beds[q.level as usize].queued.add(now, -1),
            T_FINAL if q.spot => {
                self.t.spot_beds.add(now, -1);
                self.t.years.spot.add(now, -1);
            }
            T_FINAL => {
                self.t.beds[q.level as usize].busy.add(now, -1);
                self.next_bed(q.level as usize, now, ctx);
            }
            _ => {}
        }
        if q.transfer != T_NONE && q.transfer != T_ADMITTED {
            self.recorder.visit(&Visit {
                person: q.id,
                stage: TRANSFER_STAGE,
                arrival: q.referred_at,
                start: q.referred_at,
                end: now,
                destination: None,
            });
        }
        let r = &mut self.people[slot as usize];
        r.transfer = T_NONE;
        r.transfer_token += 1;
        r.hospital_order = false;
        r.spot = false;
    }

    fn admit(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if self.measured(now) {
            self.t.c.secure_admissions += 1;
            if !q.hospital_order {
                self.t.c.transfers_completed += 1;
                self.t.transfer_wait.record(now - q.referred_at);
                self.t.transfer_after_assessment.record(now - q.assessed_at);
                self.t.transfer_final_stage.record(now - q.final_since);
                if let Some(limit) = self.p.transfer_limit {
                    self.t.c.limit_transfers += 1;
                    let waited = now - self.limit_start(&q);
                    if waited > days(limit.days) {
                        self.t.c.limit_breaches += 1;
                        self.t.c.limit_breach_ticks += (waited - days(limit.days)) as u128;
                    }
                }
            }
        }
        self.recorder.visit(&Visit {
            person: q.id,
            stage: TRANSFER_STAGE,
            arrival: q.referred_at,
            start: q.final_since,
            end: now,
            destination: Some(HOSPITAL as u32),
        });
        self.leave_prison(slot, now, false, ctx);
        self.move_to(slot, HOSPITAL, now);
        self.t.in_hospital.add(now, 1);
        let token = {
            let r = &mut self.people[slot as usize];
            r.transfer = T_ADMITTED;
            r.transfer_token += 1;
            r.transfer_token
        };
        ctx.schedule_in(days(q.stay_days), Event::Discharge { slot, token });
    }

    fn discharge(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if self.measured(now) {
            self.t.c.secure_discharges += 1;
            self.t.c.secure_los_ticks += (now - q.place_since) as u128;
        }
        if q.spot {
            self.t.spot_beds.add(now, -1);
            self.t.years.spot.add(now, -1);
            self.people[slot as usize].spot = false;
        } else {
            self.t.beds[q.level as usize].busy.add(now, -1);
            self.next_bed(q.level as usize, now, ctx);
        }
        self.t.in_hospital.add(now, -1);
        {
            let r = &mut self.people[slot as usize];
            r.transfer = T_NONE;
            r.transfer_token += 1;
        }
        let back_to_prison =
            !q.custody_over && !q.hospital_order && (!q.sentenced || now < q.release_at);
        if back_to_prison {
            // Remitted to prison for the rest of the sentence, or of the case if on remand.
            if self.measured(now) {
                self.t.c.returned_to_prison += 1;
            }
            let place = if q.sentenced { SENTENCED } else { REMAND };
            self.move_to(slot, place, now);
            self.start_spell(slot, now, false, ctx);
        } else {
            self.people[slot as usize].hospital_order = false;
            if q.sentenced {
                // The sentence (or the hospital order) ends with this discharge: its pending
                // release date must not release them a second time from the community.
                self.people[slot as usize].legal_token += 1;
                self.release_to_community(slot, now, ctx);
            } else {
                let (group, end) = (q.group_after, q.supervision_end.max(now));
                self.move_to(slot, COMMUNITY, now);
                self.enter_community(slot, now, group, false, end, ctx);
            }
        }
    }

    // ----- community ----------------------------------------------------------------------

    /// Enters the community after release (`from_custody`), a court outcome or s136. Draws
    /// what happens next and schedules only the first of it: reoffence, death by cause, recall,
    /// or leaving the model after the follow-up period without reoffending.
    fn enter_community(
        &mut self,
        slot: u32,
        now: Tick,
        group: u8,
        from_custody: bool,
        supervision_end: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let p = self.p;
        let (n, token) = {
            let q = &mut self.people[slot as usize];
            q.community_spells += 1;
            q.community_token += 1;
            q.group_after = group;
            q.supervision_end = supervision_end;
            q.custody_over = false;
            q.post_release_spell = from_custody;
            (q.community_spells, q.community_token)
        };
        let q = self.people[slot as usize];
        let onward = q.onward_pending;
        self.people[slot as usize].onward_pending = false;
        let sex = q.female as usize;
        let mut rng = self.stream(slot, purpose::COMMUNITY, n);
        let day = TICKS_PER_DAY as f64;
        let mut ever = p.reoffend_ever[group as usize];
        if !q.female && q.conditions & PSYCHOSIS != 0 {
            ever = (ever * p.psychosis_reoffend_ratio_men).min(1.0);
        }
        let reoffends = rng.random::<f64>() < ever;
        let reoffend_days = p.reoffend_days.sample(&mut rng);
        // Deaths: post-release schedules (by days since release) or the community rates.
        let (e1, e2, e3): (f64, f64, f64) = (
            Exp1.sample(&mut rng),
            Exp1.sample(&mut rng),
            Exp1.sample(&mut rng),
        );
        let (suicide, drug) = if from_custody {
            (
                p.release_suicide[sex].time_to_event(e1),
                p.release_drug_death[sex].time_to_event(e2),
            )
        } else {
            (
                (p.community_suicide_rate[sex] > 0.0).then(|| e1 / p.community_suicide_rate[sex]),
                (p.community_drug_death_rate > 0.0).then(|| e2 / p.community_drug_death_rate),
            )
        };
        let other = (p.community_other_death_rate > 0.0).then(|| e3 / p.community_other_death_rate);
        let supervised_days = ticks_to_days(supervision_end.saturating_sub(now));
        let recall_u: f64 = rng.random();
        let recall_at: f64 = rng.random();
        let recall = (supervised_days > 0.0 && recall_u < p.recall_share)
            .then_some(recall_at * supervised_days);
        let leave = p.follow_up_days.max(supervised_days);
        let iapt_u: f64 = rng.random();
        let iapt_wait = p.iapt_wait_days.sample(&mut rng);
        let iapt_course = p.iapt_course_days.sample(&mut rng);
        let iapt_entered: f64 = rng.random();
        let iapt_completed: f64 = rng.random();
        let iapt_recovered: f64 = rng.random();

        // The first thing to happen.
        let mut next = (f64::INFINITY, K_LEAVE);
        let mut consider = |t: Option<f64>, kind: u8| {
            if let Some(t) = t
                && t < next.0
            {
                next = (t, kind);
            }
        };
        consider(reoffends.then_some(reoffend_days), K_REOFFENCE);
        consider(suicide, K_SUICIDE);
        consider(drug, K_DRUG_DEATH);
        consider(other, K_OTHER_DEATH);
        consider(recall, K_RECALL);
        if !reoffends {
            consider(Some(leave), K_LEAVE);
        }
        let (next_days, kind) = next;
        let at = now.saturating_add(days(next_days.min(1e7)));

        // Person-time at risk, clipped to the measured window: the first year after release, and
        // time under supervision.
        let clip = |from: Tick, to: Tick| -> f64 {
            let (a, b) = (from.max(self.t.warm), to.min(self.t.end));
            if b > a { (b - a) as f64 / day } else { 0.0 }
        };
        if from_custody {
            self.t.c.post_release_days += clip(now, at.min(now + days(365.25)));
            // One-year proven reoffending of the short-sentence release cohort (R1), for
            // releases whose year of follow-up ends inside the window. A release from recall
            // continues the original release's year.
            let q = &mut self.people[slot as usize];
            if q.recalled {
                q.recalled = false;
            } else {
                q.cohort_open = false;
                if group == SHORT_CUSTODY && now >= self.t.warm && now + days(365.0) <= self.t.end {
                    self.t.c.short_cohort += 1;
                    q.cohort_open = true;
                    q.cohort_release = now;
                }
            }
        }
        self.t.c.probation_days += clip(now, at.min(supervision_end));
        self.t.years.probation.span(now, at.min(supervision_end), 1);

        // Psychological therapy in the community (the IAPT pipeline, P1-P4): onward referral
        // from prison therapy, or referral by probation for people with depression or anxiety.
        let referred = onward
            || (supervised_days > 0.0
                && q.conditions & DEPRESSION_ANXIETY != 0
                && iapt_u < p.probation_therapy_referral_share);
        if referred {
            let start = now + days(iapt_wait);
            let finish = start + days(iapt_course);
            if self.measured(now) {
                self.t.c.iapt_referrals += 1;
            }
            // Each count is of what happens in the window: a course started in the warm-up
            // and finished in the window is a completion of the window.
            if iapt_entered < p.iapt_entered_share && start < at {
                if self.measured(start) {
                    self.t.c.iapt_started += 1;
                }
                if iapt_completed < p.iapt_completed_share && finish < at && self.measured(finish) {
                    self.t.c.iapt_completed += 1;
                    self.t.years.iapt.count(finish);
                    self.t.c.iapt_recovered += (iapt_recovered < p.iapt_recovery_share) as u64;
                }
            }
        }
        if at < self.t.end {
            ctx.schedule_at(at, Event::Community { slot, token, kind });
        }
    }

    fn community_event(&mut self, slot: u32, kind: u8, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        let measured = self.measured(now);
        let since_release = now.saturating_sub(q.last_release);
        let post_release = q.post_release_spell && since_release <= days(365.25);
        let on_probation = now < q.supervision_end;
        match kind {
            K_REOFFENCE => {
                if measured {
                    self.t.c.reoffences += 1;
                    self.t.years.reoffences.count(now);
                }
                if q.cohort_open {
                    if now - q.cohort_release <= days(365.0) {
                        self.t.c.short_cohort_reoffended += 1;
                    }
                    self.people[slot as usize].cohort_open = false;
                }
                self.police_contact(slot, now, ctx);
            }
            K_RECALL => {
                if measured {
                    self.t.c.recalls += 1;
                    self.t.c.recall_receptions += 1;
                    self.count_reception(slot);
                }
                let release_at = now + days(self.p.recall_days);
                {
                    let r = &mut self.people[slot as usize];
                    r.legal_token += 1;
                    r.release_at = release_at;
                    r.outcome = Outcome::Custody;
                    r.remanded = false;
                    r.sentenced = true;
                    r.recalled = true;
                }
                self.move_to(slot, SENTENCED, now);
                self.start_spell(slot, now, true, ctx);
                let token = self.people[slot as usize].legal_token;
                ctx.schedule_at(release_at, Event::Release { slot, token });
            }
            K_LEAVE => {
                if measured {
                    self.t.c.left_model += 1;
                }
                self.exit(slot, now);
            }
            _ => {
                if measured {
                    self.t.years.life_lost.span(now, self.t.end, 1);
                    match kind {
                        K_SUICIDE => {
                            self.t.c.community_suicides += 1;
                            if post_release {
                                self.t.c.post_release_suicides += 1;
                                if since_release <= days(28.0) {
                                    self.t.c.post_release_suicides_28d += 1;
                                }
                            }
                            if on_probation {
                                self.t.c.probation_suicides += 1;
                            }
                        }
                        K_DRUG_DEATH => {
                            self.t.c.community_drug_deaths += 1;
                            if post_release {
                                self.t.c.post_release_drug_deaths += 1;
                            }
                        }
                        _ => self.t.c.community_other_deaths += 1,
                    }
                }
                self.exit(slot, now);
            }
        }
    }
}

impl<R: Recorder> Model for PathwayModel<'_, R> {
    type Event = Event;

    fn handle(&mut self, event: Event, ctx: &mut Context<'_, Event>) {
        let now = ctx.now();
        let alive = |m: &Self, slot: u32| m.people[slot as usize].place != GONE;
        match event {
            Event::NewPerson => self.new_person(now, ctx),
            Event::PoliceEnd { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].legal_token == token {
                    self.police_end(slot, now, ctx);
                }
            }
            Event::CourtOutcome { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].legal_token == token {
                    self.court_outcome(slot, now, ctx);
                }
            }
            Event::Release { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].legal_token == token {
                    self.release(slot, now, ctx);
                }
            }
            Event::CustodyDeath {
                slot,
                token,
                suicide,
            } => {
                let q = self.people[slot as usize];
                if q.spell_token == token && (q.place == REMAND || q.place == SENTENCED) {
                    self.custody_death(slot, suicide, now, ctx);
                }
            }
            Event::TransferOnset { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].spell_token == token {
                    self.transfer_onset(slot, now, ctx);
                }
            }
            Event::TransferStep { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].transfer_token == token {
                    self.transfer_step(slot, now, ctx);
                }
            }
            Event::TransferDeadline { slot, token } => {
                let q = self.people[slot as usize];
                if alive(self, slot) && q.transfer_token == token && q.transfer == T_WAITING {
                    self.seek_spot_bed(slot, now, ctx);
                }
            }
            Event::Discharge { slot, token } => {
                if alive(self, slot) && self.people[slot as usize].transfer_token == token {
                    self.discharge(slot, now, ctx);
                }
            }
            Event::TherapyEnd {
                slot,
                token,
                completed,
                recovered,
            } => {
                if alive(self, slot) && self.people[slot as usize].therapy_token == token {
                    self.therapy_end(slot, completed, recovered, now, ctx);
                }
            }
            Event::Community { slot, token, kind } => {
                let q = self.people[slot as usize];
                if q.place == COMMUNITY && q.community_token == token {
                    self.community_event(slot, kind, now, ctx);
                }
            }
        }
    }
}

/// Runs one replication of a pathway scenario.
pub fn run<R: Recorder>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    recorder: R,
) -> (Replication, R) {
    let p = scenario
        .pathway
        .as_ref()
        .expect("pathway::run is only called for pathway scenarios");
    let (mut tally, events, recorder) =
        simulate(p, scenario, Streams::new(seed, replication), recorder);
    let people = tally.entered;
    (
        Replication {
            metrics: metrics(&mut tally, scenario),
            events,
            people,
        },
        recorder,
    )
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
    use rayon::prelude::*;
    if catchments <= 1 {
        return run(scenario, seed, replication, NullRecorder).0;
    }
    let p = scenario
        .pathway
        .as_ref()
        .expect("pathway::run_catchments is only called for pathway scenarios");
    let streams = Streams::new(seed, replication);
    let parts: Vec<(Tally, u64)> = (0..catchments)
        .into_par_iter()
        .map(|c| {
            let share = p.catchment(catchments, c);
            let (tally, events, _) =
                simulate(&share, scenario, streams.catchment(c as u64), NullRecorder);
            (tally, events)
        })
        .collect();
    let mut parts = parts.into_iter();
    let (mut tally, mut events) = parts.next().expect("at least two catchments");
    for (t, e) in parts {
        tally.merge(&t);
        events += e;
    }
    let people = tally.entered;
    Replication {
        metrics: metrics(&mut tally, scenario),
        events,
        people,
    }
}

/// Simulates the pathway `p` over `scenario`'s warm-up and horizon with `streams`, and returns
/// its tallies, the events handled and the recorder.
fn simulate<R: Recorder>(
    p: &Pathway,
    scenario: &Scenario,
    streams: Streams,
    recorder: R,
) -> (Tally, u64, R) {
    let warm = scenario.warmup;
    let end = scenario.warmup + scenario.horizon;
    let pool = |capacity: u32| Pool {
        capacity,
        busy: Level::new(warm),
        queued: Level::new(warm),
    };
    let model = PathwayModel {
        p,
        streams,
        arrivals: streams.system(Purpose::new(purpose::NEW_PEOPLE, 0)),
        arrival_clock: 0.0,
        people: Vec::new(),
        free: Vec::new(),
        next_id: 0,
        queues: Queues::default(),
        t: Tally {
            warm,
            end,
            entered: 0,
            exited: 0,
            c: Counts::default(),
            places: std::array::from_fn(|_| PlaceStats {
                level: Level::new(warm),
                ..PlaceStats::default()
            }),
            prison: Level::new(warm),
            therapists: pool(p.therapists),
            inreach: pool(p.inreach_caseload),
            beds: std::array::from_fn(|i| pool(p.beds[i])),
            in_hospital: Level::new(warm),
            spot_beds: Level::new(warm),
            transfer_wait: DayHistogram::default(),
            transfer_after_assessment: DayHistogram::default(),
            transfer_final_stage: DayHistogram::default(),
            therapy_wait: DayHistogram::default(),
            years: Years::new(warm, end),
        },
        recorder,
    };
    let mut b = SimulationBuilder::new(model);
    b.add_event(0, Event::NewPerson);
    let mut sim = b.build();
    sim.step_until(end).expect("the end is after time zero");
    let events = sim.events_handled();
    let (tally, recorder) = Tally::of(sim.into_model());
    (tally, events, recorder)
}

fn metrics(m: &mut Tally, scenario: &Scenario) -> Metrics {
    let end = m.end;
    let years = ticks_to_days(scenario.horizon) / 365.25;
    let c = m.c.clone();
    let mut out: Metrics = Vec::with_capacity(200);
    let mut push = |name: &str, v: f64| out.push((name.to_string(), v));
    let n = |v: u64| v as f64;

    push("people_entered", n(m.entered));
    push("people_exited", n(m.exited));
    push("people_in_system_end", n(m.entered - m.exited));
    push("police_contacts", n(c.police_contacts));
    push("s136_detentions", n(c.s136));
    push("liaison_diversion_referrals", n(c.ld_referrals));
    push("psychiatric_reports", n(c.reports));
    push("diverted_from_custody", n(c.diverted_from_custody));
    push("receptions", n(c.receptions));
    push("receptions_per_year", n(c.receptions) / years);
    push("remand_receptions", n(c.remand_receptions));
    push(
        "remand_reception_share",
        ratio(n(c.remand_receptions), n(c.receptions)),
    );
    push("recall_receptions", n(c.recall_receptions));
    push(
        "reception_age_50_plus_share",
        ratio(n(c.receptions_age_50_plus), n(c.receptions)),
    );
    push(
        "reception_learning_disability_share",
        ratio(n(c.receptions_learning_disability), n(c.receptions)),
    );
    push("custodial_sentences", n(c.custodial_sentences));
    push(
        "short_sentence_share",
        ratio(n(c.short_sentences), n(c.custodial_sentences)),
    );
    push("community_orders", n(c.community_orders));
    push("mhtr_orders", n(c.mhtr));
    push("hospital_orders", n(c.hospital_orders));
    push("other_court_outcomes", n(c.other_outcomes));
    let prison_mean = m.prison.mean(end);
    push("prison_population_mean", prison_mean);
    let remand_mean = m.places[REMAND as usize].level.mean(end);
    push("remand_population_mean", remand_mean);
    push("remand_population_share", ratio(remand_mean, prison_mean));
    push("custody_days", m.prison.person_days(end));
    push("prison_therapy_referrals", n(c.therapy_referrals));
    push("prison_therapy_started", n(c.therapy_started));
    push("prison_therapy_completed", n(c.therapy_completed));
    push("prison_therapy_dropped_out", n(c.therapy_dropped_out));
    push("prison_therapy_cut_short", n(c.therapy_cut_short));
    push("prison_therapy_recovered", n(c.therapy_recovered));
    push("prison_therapy_wait_days_mean", m.therapy_wait.mean_days());
    push("prison_therapy_in_course_mean", m.therapists.busy.mean(end));
    push("prison_therapy_queue_mean", m.therapists.queued.mean(end));
    push("onward_referrals", n(c.onward_referrals));
    push("inreach_referrals", n(c.inreach_referrals));
    push("inreach_caseload_mean", m.inreach.busy.mean(end));
    push("inreach_queue_mean", m.inreach.queued.mean(end));
    push("transfer_referrals", n(c.transfer_referrals));
    push("transfers_completed", n(c.transfers_completed));
    push("transfers_per_year", n(c.transfers_completed) / years);
    let w = &m.transfer_wait;
    push("transfer_wait_days_mean", w.mean_days());
    push("transfer_wait_days_median", w.quantile_days(0.5));
    push("transfer_wait_days_p90", w.quantile_days(0.9));
    push("transfer_wait_days_max", w.max_days());
    let a = &m.transfer_after_assessment;
    push("transfer_within_14d_share", a.within_share(0));
    push("transfer_within_28d_share", a.within_share(1));
    push("transfer_after_assessment_days_mean", a.mean_days());
    let f = &m.transfer_final_stage;
    push("transfer_final_stage_days_mean", f.mean_days());
    push(
        "transfer_final_stage_over_14d_share",
        1.0 - f.within_share(0),
    );
    push("transfer_final_stage_over_30d_share", f.share_from_day(30));
    push("released_before_transfer", n(c.released_before_transfer));
    push("died_before_transfer", n(c.died_before_transfer));
    push("secure_bed_admissions", n(c.secure_admissions));
    push("secure_bed_discharges", n(c.secure_discharges));
    let mut occupied = 0.0;
    let mut capacity = 0.0;
    let mut waiting = 0.0;
    for (i, level) in LEVEL_NAMES.iter().enumerate() {
        let pool = &mut m.beds[i];
        let mean = pool.busy.mean(end);
        occupied += mean;
        capacity += pool.capacity as f64;
        waiting += pool.queued.mean(end);
        out.push((
            format!("secure_beds.{level}.capacity"),
            pool.capacity as f64,
        ));
        out.push((format!("secure_beds.{level}.occupancy_mean"), mean));
        out.push((
            format!("secure_beds.{level}.occupancy_max"),
            pool.busy.max as f64,
        ));
        out.push((
            format!("secure_beds.{level}.queue_mean"),
            pool.queued.mean(end),
        ));
    }
    let mut push = |name: &str, v: f64| out.push((name.to_string(), v));
    push("secure_bed_capacity", capacity);
    push("secure_bed_occupancy_mean", occupied);
    push("secure_bed_utilisation", ratio(occupied, capacity));
    push("secure_bed_queue_mean", waiting);
    push("secure_bed_days", m.in_hospital.person_days(end));
    push("spot_purchases", n(c.spot_purchases));
    push("release_support_eligible", n(c.release_support_eligible));
    push(
        "release_support_participants",
        n(c.release_support_participants),
    );
    push("spot_bed_occupancy_mean", m.spot_beds.mean(end));
    push("spot_bed_days", m.spot_beds.person_days(end));
    push("transfer_limit_breaches", n(c.limit_breaches));
    push(
        "transfer_limit_breach_share",
        ratio(n(c.limit_breaches), n(c.limit_transfers)),
    );
    push(
        "transfer_limit_breach_days_mean",
        ratio(
            c.limit_breach_ticks as f64 / TICKS_PER_DAY as f64,
            n(c.limit_breaches),
        ),
    );
    push(
        "secure_los_days_mean",
        ratio(
            c.secure_los_ticks as f64 / TICKS_PER_DAY as f64,
            n(c.secure_discharges),
        ),
    );
    push("returned_to_prison", n(c.returned_to_prison));
    push("releases", n(c.releases));
    push("releases_per_year", n(c.releases) / years);
    push(
        "release_no_fixed_abode_share",
        ratio(n(c.releases_no_fixed_abode), n(c.releases)),
    );
    push(
        "release_no_gp_share",
        ratio(n(c.releases_no_gp), n(c.releases)),
    );
    push(
        "community_mh_contact_6m_share",
        ratio(n(c.smi_cmht_contact), n(c.smi_releases)),
    );
    push(
        "reoffending_1y_short_sentence_share",
        ratio(n(c.short_cohort_reoffended), n(c.short_cohort)),
    );
    push("reoffences", n(c.reoffences));
    push("recalls", n(c.recalls));
    push("left_model", n(c.left_model));
    push("deaths_in_custody", n(c.deaths_in_custody));
    push("suicides_in_custody", n(c.suicides_in_custody));
    push("post_release_suicides", n(c.post_release_suicides));
    push(
        "post_release_suicide_rate_per_100k_py",
        ratio(
            n(c.post_release_suicides) * 1e5,
            c.post_release_days / 365.25,
        ),
    );
    push(
        "post_release_suicides_within_28d_share",
        ratio(n(c.post_release_suicides_28d), n(c.post_release_suicides)),
    );
    push("post_release_drug_deaths", n(c.post_release_drug_deaths));
    push(
        "post_release_drug_death_rate_per_1000_py",
        ratio(
            n(c.post_release_drug_deaths) * 1e3,
            c.post_release_days / 365.25,
        ),
    );
    push("probation_suicides", n(c.probation_suicides));
    push(
        "probation_suicide_rate_per_100k_py",
        ratio(n(c.probation_suicides) * 1e5, c.probation_days / 365.25),
    );
    push("probation_person_years", c.probation_days / 365.25);
    push("community_suicides", n(c.community_suicides));
    push("community_drug_deaths", n(c.community_drug_deaths));
    push("community_other_deaths", n(c.community_other_deaths));
    push("iapt_referrals", n(c.iapt_referrals));
    push("iapt_courses_started", n(c.iapt_started));
    push("iapt_courses_completed", n(c.iapt_completed));
    push("iapt_recovered", n(c.iapt_recovered));
    push(
        "iapt_recovery_rate",
        ratio(n(c.iapt_recovered), n(c.iapt_completed)),
    );
    push(
        "comorbidity_4_plus_share",
        ratio(n(c.disorders_4_plus), n(c.prevalence_people.iter().sum())),
    );
    for (g, group) in GROUP_NAMES.iter().enumerate() {
        out.push((
            format!("prevalence.{group}.people"),
            n(c.prevalence_people[g]),
        ));
        for (i, cond) in CONDITION_NAMES.iter().enumerate() {
            out.push((
                format!("prevalence.{group}.{cond}"),
                ratio(n(c.prevalence_cases[g][i]), n(c.prevalence_people[g])),
            ));
        }
    }
    for (i, stage) in STAGES.iter().take(PLACES).enumerate() {
        let st = &mut m.places[i];
        out.push((format!("{stage}.entries"), n(st.entries)));
        out.push((format!("{stage}.exits"), n(st.exits)));
        out.push((format!("{stage}.population_mean"), st.level.mean(end)));
        out.push((
            format!("{stage}.sojourn_days_mean"),
            ratio(st.sojourn_ticks as f64 / TICKS_PER_DAY as f64, n(st.exits)),
        ));
        out.push((format!("{stage}.population_end"), st.level.n as f64));
        out.push((
            format!("{stage}.visit_days"),
            st.window_ticks as f64 / TICKS_PER_DAY as f64,
        ));
    }
    if let Some(e) = &scenario.economics {
        out.extend(e.metrics(&drivers(m)));
    }
    out
}

/// The economic drivers of the run, by year of the window.
fn drivers(m: &mut Tally) -> Drivers {
    let (warm, end) = (m.warm, m.end);
    let y = &mut m.years;
    let mut d = Drivers::new(y.ld_referrals.years().len());
    let day = TICKS_PER_DAY as f64;
    let set = |d: &mut Drivers, driver: Driver, v: &[u128], per: f64| {
        for (i, x) in v.iter().enumerate() {
            d.set(driver, i, *x as f64 / per);
        }
    };
    set(&mut d, Driver::CustodyDays, y.custody.finish(end), day);
    set(&mut d, Driver::SpotBedDays, y.spot.finish(end), day);
    set(
        &mut d,
        Driver::LiaisonDiversionReferrals,
        y.ld_referrals.years(),
        1.0,
    );
    set(
        &mut d,
        Driver::ReleaseSupportParticipants,
        y.support.years(),
        1.0,
    );
    set(&mut d, Driver::IaptCoursesCompleted, y.iapt.years(), 1.0);
    set(&mut d, Driver::ProbationDays, y.probation.years(), day);
    set(&mut d, Driver::Reoffences, y.reoffences.years(), 1.0);
    set(
        &mut d,
        Driver::LifeYearsLost,
        y.life_lost.years(),
        YEAR_TICKS as f64,
    );
    for level in 0..3 {
        // Commissioned beds are paid for every day of the window, occupied or not.
        let mut beds = ByYear::new(warm, end);
        beds.span(warm, end, m.beds[level].capacity as u64);
        set(
            &mut d,
            Driver::SecureBedCapacityDays(level),
            beds.years(),
            day,
        );
    }
    d
}
