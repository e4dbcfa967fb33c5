//! Prison mental health care: psychological therapy and the mental health in-reach caseload.
//!
//! Reception screening detects a share of people with a need (`screening_detects`). People
//! with psychosis join the in-reach caseload (and may go on to need a secure bed,
//! [`super::transfer`]); people with depression or anxiety are referred for stepped-care
//! therapy (seed 000). Both are capacity-limited [`Service`]s served first come, first served.
//! A course of therapy is a number of sessions at a fixed interval, each missed with the
//! non-attendance share (and rebooked), with dropout after any attended session; a completed
//! course ends in recovery with `recovery_share`. Care stops when the spell in prison ends; a
//! course cut short by release is referred on to community therapy with
//! `onward_referral_share` ([`super::community`]).

use rand::RngExt;

use super::people::{DEPRESSION_ANXIETY, PSYCHOSIS, Place};
use super::service::Service;
use super::tally::{DayHistogram, tally};
use super::{Event, Out, PathwayModel, days, purpose};
use crate::engine::{Context, Stamp, Tick};
use crate::model::recorder::{Recorder, Visit};
use crate::scenario::Pathway;

/// Stage numbers of therapy and in-reach in [`super::STAGES`].
pub(super) const THERAPY_STAGE: u32 = 6;
pub(super) const INREACH_STAGE: u32 = 7;

/// Where a person is with one kind of care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum CareState {
    #[default]
    None,
    Waiting,
    Active,
}

/// The person's care in prison.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PrisonCare {
    /// Referrals for therapy so far (numbers each course's draws).
    pub(super) therapies: u32,
    pub(super) therapy: CareState,
    /// When referred for the current course.
    pub(super) therapy_since: Stamp,
    /// When the current course began.
    pub(super) therapy_start: Stamp,
    pub(super) inreach: CareState,
    pub(super) inreach_since: Stamp,
    pub(super) inreach_start: Stamp,
    /// Referred on to community therapy when prison therapy was cut short by release.
    pub(super) onward_pending: bool,
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum CareEvent {
    /// A course of therapy ends, completed or dropped out (decided when it began).
    TherapyEnd {
        slot: u32,
        token: u32,
        completed: bool,
        recovered: bool,
    },
}

tally! {
    /// What prison mental health care counts in the measured window, and its services.
    pub(super) struct CareTally {
        therapy_referrals: u64,
        therapy_started: u64,
        therapy_completed: u64,
        therapy_dropped_out: u64,
        therapy_cut_short: u64,
        therapy_recovered: u64,
        onward_referrals: u64,
        inreach_referrals: u64,
        inreach_started: u64,
        /// From referral to the start of a course.
        therapy_wait: DayHistogram,
        therapists: Service,
        inreach: Service,
    }
}

impl CareTally {
    pub(super) fn new(p: &Pathway, warm: Tick) -> Self {
        Self {
            therapy_referrals: 0,
            therapy_started: 0,
            therapy_completed: 0,
            therapy_dropped_out: 0,
            therapy_cut_short: 0,
            therapy_recovered: 0,
            onward_referrals: 0,
            inreach_referrals: 0,
            inreach_started: 0,
            therapy_wait: DayHistogram::default(),
            therapists: Service::new(p.therapists, warm),
            inreach: Service::new(p.inreach_caseload, warm),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// After reception screening has detected a need: in-reach (and perhaps, later, a transfer)
    /// for psychosis, therapy for depression or anxiety.
    pub(super) fn refer_from_screening(
        &mut self,
        slot: u32,
        now: Tick,
        acute: bool,
        onset_days: f64,
        ctx: &mut Context<'_, Event>,
    ) {
        let q = self.people[slot as usize];
        if q.has(PSYCHOSIS) {
            self.request_inreach(slot, now);
            if acute && !q.transfer.started() {
                self.schedule_transfer_onset(slot, q.tokens.spell, days(onset_days), ctx);
            }
        } else if q.has(DEPRESSION_ANXIETY) {
            self.request_therapy(slot, now, ctx);
        }
    }

    fn request_therapy(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let token = {
            let pq = &mut self.people[slot as usize];
            let c = &mut pq.care;
            c.therapies += 1;
            pq.tokens.therapy += 1;
            c.therapy = CareState::Waiting;
            c.therapy_since = Stamp::at(now);
            pq.tokens.therapy
        };
        if self.measured(now) {
            self.t.care.therapy_referrals += 1;
        }
        if self.t.care.therapists.has_room() {
            self.start_therapy(slot, now, ctx);
        } else {
            self.t.care.therapists.join_queue(now, slot, token, false);
        }
    }

    /// A course of stepped-care therapy: how it ends is decided now, from the course's stream.
    fn start_therapy(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::THERAPY, q.care.therapies);
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
            let pq = &mut self.people[slot as usize];
            let c = &mut pq.care;
            c.therapy = CareState::Active;
            c.therapy_start = Stamp::at(now);
        }
        self.t.care.therapists.start(now);
        if self.measured(now) {
            self.t.care.therapy_started += 1;
            self.t
                .care
                .therapy_wait
                .record(now - q.care.therapy_since.tick());
        }
        ctx.schedule_in(
            days(appointments as f64 * p.session_interval_days),
            Event::Care(CareEvent::TherapyEnd {
                slot,
                token: q.tokens.therapy,
                completed,
                recovered,
            }),
        );
    }

    pub(super) fn care_event(&mut self, e: CareEvent, now: Tick, ctx: &mut Context<'_, Event>) {
        let CareEvent::TherapyEnd {
            slot,
            token,
            completed,
            recovered,
        } = e;
        let q = &self.people[slot as usize];
        if q.place == Place::Gone || q.tokens.therapy != token {
            return;
        }
        if self.measured(now) {
            let t = &mut self.t.care;
            if completed {
                t.therapy_completed += 1;
                t.therapy_recovered += recovered as u64;
            } else {
                t.therapy_dropped_out += 1;
            }
        }
        self.end_therapy(slot, now);
        if recovered {
            self.recovered(slot, now);
        }
        let pq = &mut self.people[slot as usize];
        let c = &mut pq.care;
        c.therapy = CareState::None;
        pq.tokens.therapy += 1;
        self.t.care.therapists.end(now);
        self.next_therapy(now, ctx);
    }

    /// The visit record of a course that ends now.
    fn end_therapy(&mut self, slot: u32, now: Tick) {
        let q = &self.people[slot as usize];
        self.visits.push(Visit {
            person: q.id,
            stage: THERAPY_STAGE,
            arrival: q.care.therapy_since.tick(),
            start: q.care.therapy_start.tick(),
            end: now,
            destination: None,
        });
    }

    /// A policy starts: therapists and in-reach places become the policy's, and new places go
    /// to the people waiting.
    pub(super) fn start_policy_care(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        self.t.care.therapists.set_capacity(now, self.p.therapists);
        self.t
            .care
            .inreach
            .set_capacity(now, self.p.inreach_caseload);
        self.next_therapy(now, ctx);
        self.next_inreach(now);
    }

    fn next_therapy(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        loop {
            let people = &self.people;
            let Some(slot) = self.t.care.therapists.next(now, |slot, token| {
                let c = &people[slot as usize];
                c.tokens.therapy == token
                    && c.care.therapy == CareState::Waiting
                    && c.place != Place::Gone
            }) else {
                return;
            };
            self.start_therapy(slot, now, ctx);
        }
    }

    fn request_inreach(&mut self, slot: u32, now: Tick) {
        {
            let pq = &mut self.people[slot as usize];
            let c = &mut pq.care;
            c.inreach = CareState::Waiting;
            c.inreach_since = Stamp::at(now);
        }
        if self.measured(now) {
            self.t.care.inreach_referrals += 1;
        }
        if self.t.care.inreach.has_room() {
            self.start_inreach(slot, now);
        } else {
            // In-reach lasts the spell, so its queue entries carry the spell's token.
            let token = self.people[slot as usize].tokens.spell;
            self.t.care.inreach.join_queue(now, slot, token, false);
        }
    }

    fn start_inreach(&mut self, slot: u32, now: Tick) {
        let pq = &mut self.people[slot as usize];
        let c = &mut pq.care;
        c.inreach = CareState::Active;
        c.inreach_start = Stamp::at(now);
        self.t.care.inreach.start(now);
        if self.measured(now) {
            self.t.care.inreach_started += 1;
        }
    }

    fn next_inreach(&mut self, now: Tick) {
        loop {
            let people = &self.people;
            let Some(slot) = self.t.care.inreach.next(now, |slot, token| {
                let c = &people[slot as usize];
                c.tokens.spell == token
                    && c.care.inreach == CareState::Waiting
                    && c.place != Place::Gone
            }) else {
                return;
            };
            self.start_inreach(slot, now);
        }
    }

    /// The spell in prison ends: therapy and in-reach stop, and their places go to the next
    /// people waiting. A course cut short by release may be referred on to the community.
    pub(super) fn end_prison_care(
        &mut self,
        slot: u32,
        now: Tick,
        released: bool,
        ctx: &mut Context<'_, Event>,
    ) {
        let measured = self.measured(now);
        let q = self.people[slot as usize];
        match q.care.therapy {
            CareState::Active => {
                if measured {
                    self.t.care.therapy_cut_short += 1;
                }
                if released {
                    // The course stream's first draw is set aside for this (see
                    // `start_therapy`); the second chose the intensity and must not decide the
                    // referral too.
                    let mut rng = self.stream(slot, purpose::THERAPY, q.care.therapies);
                    if rng.random::<f64>() < self.p.onward_referral_share {
                        self.people[slot as usize].care.onward_pending = true;
                        if measured {
                            self.t.care.onward_referrals += 1;
                        }
                    }
                }
                self.end_therapy(slot, now);
                self.t.care.therapists.end(now);
                self.next_therapy(now, ctx);
            }
            CareState::Waiting => self.t.care.therapists.leave_queue(now),
            CareState::None => {}
        }
        match q.care.inreach {
            CareState::Active => {
                self.visits.push(Visit {
                    person: q.id,
                    stage: INREACH_STAGE,
                    arrival: q.care.inreach_since.tick(),
                    start: q.care.inreach_start.tick(),
                    end: now,
                    destination: None,
                });
                self.t.care.inreach.end(now);
                self.next_inreach(now);
            }
            CareState::Waiting => self.t.care.inreach.leave_queue(now),
            CareState::None => {}
        }
        let pq = &mut self.people[slot as usize];
        let c = &mut pq.care;
        c.therapy = CareState::None;
        pq.tokens.therapy += 1;
        c.inreach = CareState::None;
    }
}

pub(super) fn metrics(t: &mut CareTally, end: Tick, out: &mut Out) {
    out.count("prison_therapy_referrals", t.therapy_referrals);
    out.count("prison_therapy_started", t.therapy_started);
    out.count("prison_therapy_completed", t.therapy_completed);
    out.count("prison_therapy_dropped_out", t.therapy_dropped_out);
    out.count("prison_therapy_cut_short", t.therapy_cut_short);
    out.count("prison_therapy_recovered", t.therapy_recovered);
    out.push("prison_therapy_wait_days_mean", t.therapy_wait.mean_days());
    out.push("prison_therapy_in_course_mean", t.therapists.busy.mean(end));
    out.push("prison_therapy_queue_mean", t.therapists.queued.mean(end));
    out.count("onward_referrals", t.onward_referrals);
    out.count("inreach_referrals", t.inreach_referrals);
    out.push("inreach_caseload_mean", t.inreach.busy.mean(end));
    out.push("inreach_queue_mean", t.inreach.queued.mean(end));
}
