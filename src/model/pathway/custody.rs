//! Custody: remand and sentenced custody, from reception to release or death.
//!
//! A reception from outside starts a **spell**: reception screening (which refers people on to
//! prison mental health care, [`super::care`]), the risk of death in custody (suicide or other
//! causes, at constant rates), and, for people with acute psychosis, the onset of a need for a
//! secure bed ([`super::transfer`]). A spell ends with release, death, or admission to hospital;
//! care in prison stops with it. A return from hospital starts a new spell without screening.
//!
//! Release happens at the release date the court set; a person in hospital, or waiting for the
//! hospital a hospital order names, stays there and is released from there
//! ([`super::release`]).

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1};

use super::metrics::set_levels;
use super::people::Place;
use super::tally::{ByGroup, Level, LevelByYear, by_group, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, TICKS_PER_DAY, Tick};
use crate::model::recorder::Recorder;
use crate::scenario::pathway::custody::CUSTODY_DAYS;

/// The person's current spell in prison.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Spell {
    /// Spells so far (numbers this spell's draws).
    pub(super) number: u32,
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum CustodyEvent {
    /// The release date of a sentence or recall (carries the case's token).
    Release { slot: u32, token: u32 },
    /// Death in custody (carries the spell's token).
    Death {
        slot: u32,
        token: u32,
        suicide: bool,
    },
}

tally! {
    /// What custody counts in the measured window, and the prison population.
    pub(super) struct CustodyTally {
        receptions: u64,
        remand_receptions: u64,
        receptions_age_50_plus: u64,
        receptions_learning_disability: u64,
        sentenced_receptions: u64,
        recall_receptions: u64,
        deaths_in_custody: u64,
        suicides_in_custody: u64,
        /// People on remand or in sentenced custody.
        prison: Level,
        /// The same, by year of the window (custody days are priced).
        custody_days: ByGroup<LevelByYear>,
    }
}

impl CustodyTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            receptions: 0,
            remand_receptions: 0,
            receptions_age_50_plus: 0,
            receptions_learning_disability: 0,
            sentenced_receptions: 0,
            recall_receptions: 0,
            deaths_in_custody: 0,
            suicides_in_custody: 0,
            prison: Level::new(warm),
            custody_days: by_group(|| LevelByYear::new(warm, end)),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// Received into prison from outside: reception screening, care referrals, the risk of
    /// death in custody and of needing a secure bed.
    pub(super) fn reception(
        &mut self,
        slot: u32,
        place: Place,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        self.move_to(slot, place, now);
        if self.measured(now) {
            self.count_reception(slot);
            match place {
                Place::Remand => self.t.custody.remand_receptions += 1,
                _ => self.t.custody.sentenced_receptions += 1,
            }
        }
        self.start_spell(slot, now, true, ctx);
    }

    fn count_reception(&mut self, slot: u32) {
        let q = &self.people[slot as usize];
        let t = &mut self.t.custody;
        t.receptions += 1;
        t.receptions_age_50_plus += u64::from(q.age_band > 0);
        t.receptions_learning_disability += u64::from(q.learning_disability);
    }

    /// A new spell in prison (after a reception or a return from hospital, which is not
    /// screened again).
    pub(super) fn start_spell(
        &mut self,
        slot: u32,
        now: Tick,
        screen: bool,
        ctx: &mut Context<'_, Event>,
    ) {
        let p = self.p;
        let spell = {
            let q = &mut self.people[slot as usize];
            q.spell.number += 1;
            q.tokens.spell += 1;
            q.spell.number
        };
        let token = self.people[slot as usize].tokens.spell;
        let mut rng = self.stream(slot, purpose::RECEPTION, spell);
        let e: f64 = Exp1.sample(&mut rng);
        let rate = p.custody_suicide_rate + p.custody_other_death_rate;
        let suicide = rng.random::<f64>() * rate < p.custody_suicide_rate;
        if rate > 0.0 {
            let at = now.saturating_add(days(e / rate));
            if at < self.t.end {
                ctx.schedule_at(
                    at,
                    Event::Custody(CustodyEvent::Death {
                        slot,
                        token,
                        suicide,
                    }),
                );
            }
        }
        let detected =
            self.people[slot as usize].has_need() && rng.random::<f64>() < p.screening_detects;
        let acute = rng.random::<f64>() < p.acute_share;
        let onset = p.onset_days.sample(&mut rng);
        if detected && screen {
            self.refer_from_screening(slot, now, acute, onset, ctx);
        }
    }

    /// Leaves prison (release, death, admission to hospital): care in prison stops; a transfer
    /// still under way is abandoned if the person is released.
    pub(super) fn leave_prison(
        &mut self,
        slot: u32,
        now: Tick,
        released: bool,
        ctx: &mut Context<'_, Event>,
    ) {
        self.end_prison_care(slot, now, released, ctx);
        self.people[slot as usize].tokens.spell += 1;
        if released && self.people[slot as usize].transfer.in_progress() {
            let referred = self.people[slot as usize].transfer.referred_at.tick();
            self.abandon_transfer(slot, now, ctx);
            self.psychosis_released_untreated(slot, now);
            if self.measured(now) {
                self.t.transfer.released_before_transfer += 1;
                self.t
                    .transfer
                    .released_before_transfer_wait
                    .record(now - referred);
            }
        }
    }

    /// The release date (of a sentence or a recall), `at`.
    pub(super) fn schedule_release(
        &mut self,
        slot: u32,
        token: u32,
        at: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        ctx.schedule_at(at, Event::Custody(CustodyEvent::Release { slot, token }));
    }

    /// Back to custody on recall, until the recall's end; screened as at any reception.
    pub(super) fn recall_to_custody(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        if self.measured(now) {
            self.t.custody.recall_receptions += 1;
            self.count_reception(slot);
        }
        let release_at = now + days(self.p.recall_days);
        {
            let r = &mut self.people[slot as usize];
            r.tokens.case += 1;
            r.case.release_at = release_at;
            r.case.outcome = super::court::Outcome::Custody;
            r.case.remanded = false;
            r.case.sentenced = true;
            r.community.recalled = true;
        }
        self.move_to(slot, Place::SentencedCustody, now);
        self.start_spell(slot, now, true, ctx);
        let token = self.people[slot as usize].tokens.case;
        self.schedule_release(slot, token, release_at, ctx);
    }

    pub(super) fn custody_event(
        &mut self,
        e: CustodyEvent,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        match e {
            CustodyEvent::Release { slot, token } => {
                let q = &self.people[slot as usize];
                if q.place != Place::Gone && q.tokens.case == token {
                    self.release(slot, now, ctx);
                }
            }
            CustodyEvent::Death {
                slot,
                token,
                suicide,
            } => {
                let q = &self.people[slot as usize];
                if q.tokens.spell == token && q.place.in_prison() {
                    self.custody_death(slot, suicide, now, ctx);
                }
            }
        }
    }

    fn release(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.place == Place::SecureHospital {
            self.people[slot as usize].case.custody_over = true;
            return;
        }
        if q.transfer.hospital_order && q.transfer.started() {
            // Still waiting for the hospital named in the order: the order, not the sentence,
            // decides when they leave prison.
            self.people[slot as usize].case.custody_over = true;
            return;
        }
        self.leave_prison(slot, now, true, ctx);
        self.release_to_community(slot, now, ctx);
    }

    fn custody_death(&mut self, slot: u32, suicide: bool, now: Tick, ctx: &mut Context<'_, Event>) {
        if self.measured(now) {
            self.count_death(slot, now);
            let t = &mut self.t.custody;
            t.deaths_in_custody += 1;
            t.suicides_in_custody += suicide as u64;
            if self.people[slot as usize].transfer.in_progress() {
                self.t.transfer.died_before_transfer += 1;
            }
        }
        self.leave_prison(slot, now, false, ctx);
        if self.people[slot as usize].transfer.in_progress() {
            self.abandon_transfer(slot, now, ctx);
        }
        self.exit(slot, now, true);
    }
}

/// This stage's metrics in the headline table of `cjmh compare`.
pub(super) const HEADLINE: &[&str] = &[
    "receptions_per_year",
    "prison_population_mean",
    "custody_days",
];

pub(super) fn reception_metrics(t: &CustodyTally, out: &mut Out) {
    out.count("receptions", t.receptions);
    out.push("receptions_per_year", t.receptions as f64 / out.years);
    out.count("remand_receptions", t.remand_receptions);
    out.push(
        "remand_reception_share",
        share(t.remand_receptions, t.receptions),
    );
    out.count("recall_receptions", t.recall_receptions);
    out.push(
        "reception_age_50_plus_share",
        share(t.receptions_age_50_plus, t.receptions),
    );
    out.push(
        "reception_learning_disability_share",
        share(t.receptions_learning_disability, t.receptions),
    );
}

/// The prison population; `remand_mean` is the remand place's mean population.
pub(super) fn population_metrics(t: &mut CustodyTally, remand_mean: f64, end: Tick, out: &mut Out) {
    let prison_mean = t.prison.mean(end);
    out.push("prison_population_mean", prison_mean);
    out.push("remand_population_mean", remand_mean);
    out.push(
        "remand_population_share",
        super::tally::ratio(remand_mean, prison_mean),
    );
    out.push("custody_days", t.prison.person_days(end));
}

pub(super) fn death_metrics(t: &CustodyTally, out: &mut Out) {
    out.count("deaths_in_custody", t.deaths_in_custody);
    out.count("suicides_in_custody", t.suicides_in_custody);
}

pub(super) fn drivers(t: &mut CustodyTally, end: Tick, d: &mut Drivers) {
    set_levels(
        d,
        CUSTODY_DAYS,
        &mut t.custody_days,
        end,
        TICKS_PER_DAY as f64,
    );
}
