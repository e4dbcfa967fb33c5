//! People and their conditions: who arrives, what mental health conditions they have, where
//! they are, and when they leave the model.
//!
//! **Places.** At any moment a person in the model is in exactly one [`Place`]: police custody,
//! on bail, on remand, in sentenced custody, in a secure hospital, or in the community. Care
//! (therapy, the in-reach caseload, the transfer pathway) happens alongside a place. Every move
//! goes through [`PathwayModel::move_to`], which keeps each place's counts and ends the visit
//! record.
//!
//! **Conditions** are drawn once, at a person's first police contact, from the prevalence of
//! their group (Table 2, seed 001: remand or sentenced, men or women) through a one-factor
//! Gaussian copula.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1, StandardNormal};

use super::metrics::set_group_years;
use super::tally::{ByGroup, ByYear, Level, YEAR_TICKS, by_group, tally};
use super::{
    Event, Out, PathwayModel, care, community, court, custody, health, purpose, release, share,
    transfer,
};
use crate::economics::Drivers;
use crate::engine::{Context, Purpose, Stamp, TICKS_PER_DAY, Tick, days_to_ticks};
use crate::model::recorder::{Recorder, Visit};
use crate::scenario::pathway::people::LIFE_YEARS_LOST;
use crate::scenario::pathway::{
    CONDITION_NAMES, CONDITIONS, DISORDERS, GROUP_NAMES, MH_NEED_CONDITIONS,
};

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
/// The first `PLACES` entries of [`STAGES`] are places: everyone in the model is in exactly one.
pub const PLACES: usize = 6;

/// Where a person is. The numbers are their stage numbers in [`STAGES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub(super) enum Place {
    PoliceCustody = 0,
    Bail = 1,
    Remand = 2,
    SentencedCustody = 3,
    SecureHospital = 4,
    Community = 5,
    /// Not in the model (dead or left, or not yet arrived): the destination of a last visit.
    #[default]
    Gone = u8::MAX,
}

impl Place {
    /// Remand or sentenced custody: counted in the prison population.
    #[inline]
    pub(super) fn in_prison(self) -> bool {
        matches!(self, Place::Remand | Place::SentencedCustody)
    }
}

// Condition bits, in the order of `CONDITION_NAMES`.
pub(super) const PSYCHOSIS: u8 = 1 << 0;
pub(super) const DEPRESSION_ANXIETY: u8 = 1 << 2;
/// A mental health need, for L&D, screening and reports: psychosis, depression or anxiety, or a
/// suicide attempt or self-harm in the last year ([`MH_NEED_CONDITIONS`], which the resolved
/// scenario's `ld_need_at_contact` is computed from). Personality disorder and dependency alone
/// are not counted (they are not what these services screen and refer for).
pub(super) const MH_NEED: u8 = {
    let mut bits = 0u8;
    let mut i = 0;
    while i < MH_NEED_CONDITIONS.len() {
        bits |= 1 << MH_NEED_CONDITIONS[i];
        i += 1;
    }
    bits
};

/// The token of each track of a person's life (see the module docs of [`super`]): a pending
/// event carries its track's token and is ignored once the track has moved on. Each belongs to a
/// stage (the case to the court, the spell to custody, therapy to prison care, the transfer,
/// the community spell), but they are kept together at the front of the record with the place:
/// every event reads its place and one token before anything else, and with all of them in the
/// record's first cache line that check costs one line, not two.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tokens {
    /// Bumped by every change of legal status ([`court::Case`]); court and release events.
    pub(super) case: u32,
    /// Bumped when a spell in prison starts or ends ([`custody::Spell`]); deaths in custody,
    /// transfer onsets and the in-reach queue.
    pub(super) spell: u32,
    /// Bumped when a course of prison therapy is requested or ends ([`care::PrisonCare`]).
    pub(super) therapy: u32,
    /// Bumped at every step of a transfer ([`transfer::Transfer`]).
    pub(super) transfer: u32,
    /// Bumped when a community spell starts ([`community::Spell`]).
    pub(super) community: u32,
}

/// A person's record: who they are and where, then each stage's part of their state. Laid out
/// in this order (`repr(C)`) and aligned to a cache line, so that the place and the tokens
/// always share one line (see [`Tokens`]); moments already reached are 32-bit [`Stamp`]s, so
/// the record is three lines (192 bytes), not four. Measured with the criterion `pathway` bench
/// at 10^6 people, alternating with the single 224-byte record before the stage files
/// (06c655a): the stages' parts with their tokens inside them were about 11% slower, this
/// layout with 64-bit times about 5%, unaligned about 18%; with stamps still about 5% (median
/// of 8 pairs), although cachegrind counts 0.6% more instructions and 7% fewer L1 data misses
/// than 06c655a. The rest of the gap is not yet found.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
pub(super) struct Person {
    pub(super) id: u64,
    pub(super) tokens: Tokens,
    pub(super) place: Place,
    pub(super) female: bool,
    /// 0: under 50; 1: 50-59; 2: 60 and over.
    pub(super) age_band: u8,
    pub(super) learning_disability: bool,
    pub(super) conditions: u8,
    pub(super) conditions_drawn: bool,
    /// Prevalence group the conditions were drawn from (index into [`GROUP_NAMES`]).
    pub(super) group: u8,
    /// The health state ([`health`]); with `health_since` below, the health stage's part of
    /// the record, split so that each fits in padding the record already has.
    pub(super) health: health::State,
    pub(super) place_since: Stamp,

    pub(super) case: court::Case,
    pub(super) spell: custody::Spell,
    pub(super) care: care::PrisonCare,
    pub(super) transfer: transfer::Transfer,
    pub(super) release: release::Release,
    pub(super) community: community::Spell,
    /// Since when the person's health state has been counted.
    pub(super) health_since: Stamp,
}

impl Person {
    /// Has a mental health need ([`MH_NEED`]).
    #[inline]
    pub(super) fn has_need(&self) -> bool {
        self.conditions & MH_NEED != 0
    }

    /// The person's sex and age band, as a part of the economic drivers
    /// ([`crate::economics::PARTS`]).
    #[inline]
    pub(super) fn who(&self) -> usize {
        crate::economics::group(self.female, self.age_band as usize)
    }

    #[inline]
    pub(super) fn has(&self, condition: u8) -> bool {
        self.conditions & condition != 0
    }

    /// `self` in a slot last held by `old`: every token starts above the old occupant's, so
    /// none of the old occupant's pending events can match the newcomer (a regression: an old
    /// release date once released a newcomer).
    fn succeeding(self, old: &Person) -> Person {
        let mut p = self;
        p.tokens.case = old.tokens.case + 1;
        p.tokens.spell = old.tokens.spell + 1;
        p.tokens.community = old.tokens.community + 1;
        p.tokens.therapy = old.tokens.therapy + 1;
        p.tokens.transfer = old.tokens.transfer + 1;
        p
    }
}

/// Asks for `person`'s record to be brought into cache: all three of its lines, as an event
/// reads its tokens and place in the first and its stage's part further on.
#[inline]
pub(super) fn prefetch(person: &Person) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = std::ptr::from_ref(person).cast::<i8>();
        for line in 0..std::mem::size_of::<Person>().div_ceil(64) {
            // SAFETY: a prefetch is a hint that never faults or reads into the program, and
            // SSE, which it needs, is part of every x86_64 target.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(64 * line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = person;
}

/// What each place counts.
#[derive(Debug, Default, Clone)]
pub(super) struct PlaceStats {
    pub(super) entries: u64,
    pub(super) exits: u64,
    pub(super) sojourn_ticks: u128,
    /// Time every visit (finished or not) spent here inside the measured window: with
    /// `level`'s area this is Little's law over a finite window, L x T = sum of time in window.
    pub(super) window_ticks: u128,
    pub(super) level: Level,
}

impl super::tally::Merge for PlaceStats {
    fn merge(&mut self, o: &Self) {
        self.entries += o.entries;
        self.exits += o.exits;
        self.sojourn_ticks += o.sojourn_ticks;
        self.window_ticks += o.window_ticks;
        self.level.merge(&o.level);
    }
    fn finish(&mut self, end: Tick) {
        self.level.finish(end);
    }
    fn total(&self) -> f64 {
        (self.entries + self.exits) as f64
            + (self.sojourn_ticks + self.window_ticks) as f64
            + super::tally::Merge::total(&self.level)
    }
}

tally! {
    /// People in and out, places, prevalence, and life-years lost to deaths.
    pub(super) struct PeopleTally {
        /// People who entered (whole run; with `exited`, the conservation count).
        entered: u64,
        exited: u64,
        places: [PlaceStats; PLACES],
        prevalence_people: [u64; 4],
        prevalence_cases: [[u64; CONDITIONS]; 4],
        disorders_4_plus: u64,
        /// Life-years lost inside the window to deaths in the window (custody or community).
        life_lost: ByGroup<ByYear>,
    }
}

impl PeopleTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            entered: 0,
            exited: 0,
            places: std::array::from_fn(|_| PlaceStats {
                level: Level::new(warm),
                ..PlaceStats::default()
            }),
            prevalence_people: [0; 4],
            prevalence_cases: [[0; CONDITIONS]; 4],
            disorders_4_plus: 0,
            life_lost: by_group(|| ByYear::new(warm, end)),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// A new person is charged: their attributes, then their first police contact; and the
    /// next arrival is scheduled.
    pub(super) fn new_person(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        let id = self.next_id;
        self.next_id += 1;
        self.t.people.entered += 1;
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
        let slot = self.new_slot(Person {
            id,
            female,
            age_band,
            learning_disability,
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
    pub(super) fn draw_conditions(&mut self, slot: u32, now: Tick) {
        let (id, female, remanded) = {
            let q = &self.people[slot as usize];
            (q.id, q.female, q.case.remanded)
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
        self.health_begins(slot, now);
        if self.measured(now) {
            let t = &mut self.t.people;
            t.prevalence_people[group] += 1;
            for i in 0..CONDITIONS {
                if bits & (1 << i) != 0 {
                    t.prevalence_cases[group][i] += 1;
                }
            }
            if (bits & ((1 << DISORDERS) - 1)).count_ones() >= 4 {
                t.disorders_4_plus += 1;
            }
        }
    }

    /// Moves a person to `to` (or out of the model with [`Place::Gone`]) at `now`, recording
    /// the visit that ends.
    pub(super) fn move_to(&mut self, slot: u32, to: Place, now: Tick) {
        debug_assert_ne!(
            self.people[slot as usize].place, to,
            "a move to the same place"
        );
        let (from, since, id, who) = {
            let p = &self.people[slot as usize];
            (p.place, p.place_since.tick(), p.id, p.who())
        };
        let measured = self.measured(now);
        let (warm, end) = (self.t.warm, self.t.end);
        if from != Place::Gone {
            let st = &mut self.t.people.places[from as usize];
            st.level.add(now, -1);
            if measured {
                st.exits += 1;
                st.sojourn_ticks += (now - since) as u128;
            }
            let (lo, hi) = (since.max(warm), now.min(end));
            if hi > lo {
                st.window_ticks += (hi - lo) as u128;
            }
            if from.in_prison() {
                self.t.custody.prison.add(now, -1);
                self.t.custody.custody_days[who].add(now, -1);
            }
            self.visits.push(Visit {
                person: id,
                stage: from as u32,
                arrival: since,
                start: since,
                end: now,
                destination: (to != Place::Gone).then_some(to as u32),
            });
        }
        if to != Place::Gone {
            let st = &mut self.t.people.places[to as usize];
            st.level.add(now, 1);
            if measured {
                st.entries += 1;
            }
            if to.in_prison() {
                self.t.custody.prison.add(now, 1);
                self.t.custody.custody_days[who].add(now, 1);
            }
        }
        let p = &mut self.people[slot as usize];
        p.place = to;
        p.place_since = Stamp::at(now);
    }

    fn new_slot(&mut self, person: Person) -> u32 {
        match self.free.pop() {
            Some(s) => {
                // Events of the slot's previous occupant may still be pending.
                let old = self.people[s as usize];
                self.people[s as usize] = person.succeeding(&old);
                s
            }
            None => {
                self.people.push(person);
                (self.people.len() - 1) as u32
            }
        }
    }

    /// The person leaves the model: dead (`died`), or alive at the end of follow-up.
    pub(super) fn exit(&mut self, slot: u32, now: Tick, died: bool) {
        self.health_ends(slot, now, died);
        self.move_to(slot, Place::Gone, now);
        self.t.people.exited += 1;
        self.free.push(slot);
    }

    /// A death of the person in `slot` at `now`: the life-years it loses inside the window (the
    /// economic driver).
    pub(super) fn count_death(&mut self, slot: u32, now: Tick) {
        let end = self.t.end;
        let who = self.people[slot as usize].who();
        self.t.people.life_lost[who].span(now, end, 1);
    }
}

/// Brings every place's time up to the end for people still in the model.
pub(super) fn close_places(t: &mut PeopleTally, people: &[Person], warm: Tick, end: Tick) {
    for q in people {
        if q.place != Place::Gone {
            t.places[q.place as usize].window_ticks +=
                end.saturating_sub(q.place_since.tick().max(warm)) as u128;
        }
    }
}

/// This stage's metrics in the headline table of `cjmh compare`.
pub(super) const HEADLINE: &[&str] = &["people_exited"];

/// People in and out of the model.
pub(super) fn flow_metrics(t: &PeopleTally, out: &mut Out) {
    out.count("people_entered", t.entered);
    out.count("people_exited", t.exited);
    out.count("people_in_system_end", t.entered - t.exited);
}

/// How common each condition is in each group, and co-occurrence.
pub(super) fn prevalence_metrics(t: &PeopleTally, out: &mut Out) {
    out.push(
        "comorbidity_4_plus_share",
        share(t.disorders_4_plus, t.prevalence_people.iter().sum()),
    );
    for (g, group) in GROUP_NAMES.iter().enumerate() {
        out.count(format!("prevalence.{group}.people"), t.prevalence_people[g]);
        for (i, cond) in CONDITION_NAMES.iter().enumerate() {
            out.push(
                format!("prevalence.{group}.{cond}"),
                share(t.prevalence_cases[g][i], t.prevalence_people[g]),
            );
        }
    }
}

/// Each place's entries, exits, population and time spent.
pub(super) fn place_metrics(t: &mut PeopleTally, end: Tick, out: &mut Out) {
    let day = TICKS_PER_DAY as f64;
    for (i, stage) in STAGES.iter().take(PLACES).enumerate() {
        let st = &mut t.places[i];
        out.count(format!("{stage}.entries"), st.entries);
        out.count(format!("{stage}.exits"), st.exits);
        out.push(format!("{stage}.population_mean"), st.level.mean(end));
        out.push(
            format!("{stage}.sojourn_days_mean"),
            super::tally::ratio(st.sojourn_ticks as f64 / day, st.exits as f64),
        );
        out.push(format!("{stage}.population_end"), st.level.n as f64);
        out.push(format!("{stage}.visit_days"), st.window_ticks as f64 / day);
    }
}

pub(super) fn drivers(t: &PeopleTally, d: &mut Drivers) {
    set_group_years(d, LIFE_YEARS_LOST, &t.life_lost, YEAR_TICKS as f64);
}
