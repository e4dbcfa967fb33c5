//! Transfer to a secure hospital, and the stay there.
//!
//! Some people with psychosis become acutely unwell in prison (`acute_share`, after
//! `onset_days`). They are **referred**; a share are urgent (`urgent_share`). They wait for an
//! **assessor** (a capacity-limited, costed service, `assessors`; urgent referrals first) and are
//! **assessed** (`assessment_work_days`, or `urgent_assessment_days`). After this gateway
//! assessment the receiving unit may decline, and another unit (often out of area) must
//! assess again: **search rounds** (`search_round_days`) follow one another while each refers
//! on (`refer_on_share`, higher for a specialised bed), so their number is geometric. Urgent
//! referrals take the first bed offered and have no rounds. People then **wait** for a bed at
//! their level (high, medium or low secure) in that level's queue of commissioned beds,
//! urgent people first. When a bed is found it is held through the **final stage**, the
//! warrant and the admission (`warrant_days`, `admission_days`), and then they are
//! **admitted**. A hospital order skips referral and assessment (the court had the reports).
//! Release or death before admission abandons the transfer.
//!
//! **Time limit** (`[transfer_limit]`): `days` from referral, for referrals made while the
//! limit is in the model's parameters. Once assessed, a spot-purchased bed is sought when what
//! is left of the limit is just enough to contract one (`spot_lead_days`) and go through the
//! same final stage. It is found if the level's spot supply (`spot_beds`; none at high secure)
//! has room and the search succeeds (`spot_purchase_share`); else it is tried again every
//! `spot_retry_days` while the person waits. Whoever is not admitted when the limit passes is a
//! breach, counted then, whether later admitted, released or dead. A spot bed is another bed,
//! not a faster route.
//!
//! After the stay (`stay_days` by level) people are remitted to prison if their custody has not
//! ended, or else released from hospital. They may die during the stay (`[secure_hospital]`),
//! at rates drawn once at admission; the bed then goes to the next person waiting.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1};

use super::metrics::{set_levels, set_years};
use super::people::{Person, Place};
use super::service::Service;
use super::tally::{ByGroup, ByYear, DayHistogram, Level, LevelByYear, by_group, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, TICKS_PER_DAY, Tick};
use crate::model::recorder::{Recorder, Visit};
use crate::scenario::Pathway;
use crate::scenario::pathway::LEVEL_NAMES;
use crate::scenario::pathway::transfer::{ASSESSOR_HOURS, SECURE_BED_CAPACITY_DAYS, SPOT_BED_DAYS};

/// Stage number of the transfer pathway in [`super::STAGES`].
pub(super) const TRANSFER_STAGE: u32 = 8;

/// Assessor hours are kept in thousandths, as whole numbers, so that catchments add up exactly.
const MILLI: u64 = 1000;

/// Where a person is on the way to a secure bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum TransferState {
    #[default]
    None,
    /// Referred, waiting for an assessor.
    Referred,
    /// With an assessor (the gateway assessment).
    Assessing,
    /// Assessed; a further unit assesses after the last declined (a search round).
    Searching,
    /// Assessed (or ordered), waiting for a bed at their level.
    Waiting,
    /// A bed is held: warrant and admission under way.
    Final,
    Admitted,
}

/// The person's transfer, if any.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Transfer {
    /// Transfers so far (numbers each transfer's draws).
    pub(super) number: u32,
    pub(super) state: TransferState,
    /// Secure level (index into `LEVEL_NAMES`).
    pub(super) level: u8,
    pub(super) referred_at: Stamp,
    /// End of the gateway assessment (for a hospital order, the order).
    pub(super) assessed_at: Stamp,
    /// When the time limit in force at referral passes; never if there was none.
    pub(super) limit_at: Stamp,
    /// Acutely unwell: assessed and given a bed first.
    pub(super) urgent: bool,
    /// Search rounds so far (numbers their draws).
    pub(super) rounds: u8,
    /// Spot-bed searches so far (numbers their draws).
    pub(super) spot_searches: u8,
    pub(super) final_since: Stamp,
    pub(super) final_days: f32,
    pub(super) stay_days: f32,
    /// In (or on the way to) a spot-purchased or out-of-area bed, not a commissioned one.
    pub(super) spot: bool,
    /// Under a hospital order rather than a transfer from prison.
    pub(super) hospital_order: bool,
}

impl Transfer {
    /// Referred and not yet admitted.
    #[inline]
    pub(super) fn in_progress(&self) -> bool {
        matches!(
            self.state,
            TransferState::Referred
                | TransferState::Assessing
                | TransferState::Searching
                | TransferState::Waiting
                | TransferState::Final
        )
    }

    /// Anywhere on the pathway, admitted included.
    #[inline]
    pub(super) fn started(&self) -> bool {
        self.state != TransferState::None
    }
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum TransferEvent {
    /// Acute illness needing a secure bed (carries the spell's token).
    Onset { slot: u32, token: u32 },
    /// The gateway assessment ends.
    Assessed { slot: u32, token: u32 },
    /// A search round ends.
    RoundEnds { slot: u32, token: u32 },
    /// The final stage ends: admission.
    Step { slot: u32, token: u32 },
    /// A transfer time limit draws near: seek a spot-purchased bed if still without a bed.
    Deadline { slot: u32, token: u32 },
    /// A transfer time limit passes: a breach if not yet admitted.
    LimitPassed { slot: u32, token: u32 },
    /// The stay in hospital ends.
    Discharge { slot: u32, token: u32 },
    /// Death during the stay in hospital.
    Death {
        slot: u32,
        token: u32,
        suicide: bool,
    },
}

impl TransferEvent {
    /// The person the event is for.
    pub(super) fn slot(&self) -> u32 {
        match *self {
            Self::Onset { slot, .. }
            | Self::Assessed { slot, .. }
            | Self::RoundEnds { slot, .. }
            | Self::Step { slot, .. }
            | Self::Deadline { slot, .. }
            | Self::LimitPassed { slot, .. }
            | Self::Discharge { slot, .. }
            | Self::Death { slot, .. } => slot,
        }
    }
}

tally! {
    /// What the transfer pathway and the secure estate count in the measured window.
    pub(super) struct TransferTally {
        transfer_referrals: u64,
        transfers_completed: u64,
        released_before_transfer: u64,
        died_before_transfer: u64,
        secure_admissions: u64,
        secure_discharges: u64,
        spot_purchases: u64,
        /// Spot-bed searches that found none (no room in the supply, or none would take them).
        spot_searches_failed: u64,
        /// Referrals under a limit admitted within it.
        limit_met: u64,
        /// Referrals under a limit not admitted when it passed (counted then).
        limit_breaches: u64,
        /// Breached referrals admitted later, and their days beyond the limit.
        limit_breaches_admitted: u64,
        limit_breach_ticks: u128,
        secure_los_ticks: u128,
        returned_to_prison: u64,
        /// Commissioned beds by level.
        beds: [Service; 3],
        /// Transfer assessors (places: assessments under way at once).
        assessors: Service,
        /// Assessor capacity in thousandths of a consultant hour x ticks, by year: paid whether
        /// used or not.
        assessor_hours: ByYear,
        /// Spot beds held or occupied, by level (against the supply in `[transfer_limit]`).
        spot_held: [Level; 3],
        in_hospital: Level,
        /// Spot-purchased beds held or occupied (no capacity: they are bought when needed).
        spot_beds: Level,
        /// The same, by year of the window (spot bed days are priced).
        spot_bed_days: ByGroup<LevelByYear>,
        /// From referral to admission.
        transfer_wait: DayHistogram,
        /// The same, urgent referrals only.
        transfer_wait_urgent: DayHistogram,
        /// From referral to the end of the gateway assessment.
        transfer_assessed: DayHistogram,
        /// From the end of the gateway assessment to admission.
        transfer_after_assessment: DayHistogram,
        /// From a bed being found to admission.
        transfer_final_stage: DayHistogram,
        /// From referral to release, for those released before admission.
        released_before_transfer_wait: DayHistogram,
    }
}

impl TransferTally {
    pub(super) fn new(p: &Pathway, warm: Tick, end: Tick) -> Self {
        Self {
            transfer_referrals: 0,
            transfers_completed: 0,
            released_before_transfer: 0,
            died_before_transfer: 0,
            secure_admissions: 0,
            secure_discharges: 0,
            spot_purchases: 0,
            spot_searches_failed: 0,
            limit_met: 0,
            limit_breaches: 0,
            limit_breaches_admitted: 0,
            limit_breach_ticks: 0,
            secure_los_ticks: 0,
            returned_to_prison: 0,
            beds: std::array::from_fn(|i| Service::new(p.beds[i], warm)),
            assessors: Service::new(p.assessors, warm),
            assessor_hours: {
                let mut h = ByYear::new(warm, end);
                h.span(warm, end, assessor_milli_hours_per_day(p));
                h
            },
            spot_held: std::array::from_fn(|_| Level::new(warm)),
            in_hospital: Level::new(warm),
            spot_beds: Level::new(warm),
            spot_bed_days: by_group(|| LevelByYear::new(warm, end)),
            transfer_wait: DayHistogram::default(),
            transfer_wait_urgent: DayHistogram::default(),
            transfer_assessed: DayHistogram::default(),
            transfer_after_assessment: DayHistogram::default(),
            transfer_final_stage: DayHistogram::default(),
            released_before_transfer_wait: DayHistogram::default(),
        }
    }

    /// A spot bed of `level` is taken (+1) or given up (-1) by a person of group `who`.
    fn spot(&mut self, level: usize, who: usize, now: Tick, delta: i64) {
        self.spot_held[level].add(now, delta);
        self.spot_beds.add(now, delta);
        self.spot_bed_days[who].add(now, delta);
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// The onset of acute illness `delay` from now, if the spell (`token`) lasts.
    pub(super) fn schedule_transfer_onset(
        &mut self,
        slot: u32,
        token: u32,
        delay: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        ctx.schedule_in(delay, Event::Transfer(TransferEvent::Onset { slot, token }));
    }

    pub(super) fn transfer_event(
        &mut self,
        e: TransferEvent,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        match e {
            TransferEvent::Onset { slot, token } => {
                let q = &self.people[slot as usize];
                if q.place != Place::Gone && q.tokens.spell == token {
                    self.transfer_onset(slot, now, ctx);
                }
            }
            TransferEvent::Assessed { slot, token } => {
                if self.in_state(slot, token, TransferState::Assessing) {
                    self.assessed(slot, now, ctx);
                }
            }
            TransferEvent::RoundEnds { slot, token } => {
                if self.in_state(slot, token, TransferState::Searching) {
                    self.search(slot, now, ctx);
                }
            }
            TransferEvent::Step { slot, token } => {
                if self.in_state(slot, token, TransferState::Final) {
                    self.admit(slot, now, ctx);
                }
            }
            TransferEvent::Deadline { slot, token } => {
                if self.in_state(slot, token, TransferState::Waiting)
                    || self.in_state(slot, token, TransferState::Searching)
                {
                    self.seek_spot_bed(slot, now, ctx);
                }
            }
            TransferEvent::LimitPassed { slot, token } => {
                if self.on_transfer(slot, token)
                    && self.people[slot as usize].transfer.in_progress()
                    && self.measured(now)
                {
                    self.t.transfer.limit_breaches += 1;
                }
            }
            TransferEvent::Discharge { slot, token } => {
                if self.on_transfer(slot, token) {
                    self.discharge(slot, now, ctx);
                }
            }
            TransferEvent::Death {
                slot,
                token,
                suicide,
            } => {
                if self.on_transfer(slot, token) {
                    self.secure_death(slot, suicide, now, ctx);
                }
            }
        }
    }

    fn on_transfer(&self, slot: u32, token: u32) -> bool {
        let q = &self.people[slot as usize];
        q.place != Place::Gone && q.tokens.transfer == token
    }

    fn in_state(&self, slot: u32, token: u32, state: TransferState) -> bool {
        self.on_transfer(slot, token) && self.people[slot as usize].transfer.state == state
    }

    /// Draws the transfer's level, final stage and stay from this transfer's stream.
    fn plan_transfer(&mut self, slot: u32, now: Tick) {
        let p = self.p;
        let n = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.number += 1;
            pq.tokens.transfer += 1;
            t.referred_at = Stamp::at(now);
            t.limit_at = Stamp::NEVER;
            t.urgent = false;
            t.rounds = 0;
            t.spot_searches = 0;
            t.number
        };
        let mut rng = self.stream(slot, purpose::TRANSFER, n);
        let u: f64 = rng.random();
        let level = p.level_cumulative.iter().position(|&c| u < c).unwrap_or(1) as u8;
        let final_days = p.warrant_days.sample(&mut rng) + p.admission_days.sample(&mut rng);
        let stay_days = p.stay_days[level as usize].sample(&mut rng);
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.level = level;
        t.final_days = final_days as f32;
        t.stay_days = stay_days as f32;
    }

    fn transfer_onset(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.transfer.started() || !q.place.in_prison() {
            return;
        }
        self.plan_transfer(slot, now);
        self.psychosis_untreated(slot, now);
        if self.measured(now) {
            self.t.transfer.transfer_referrals += 1;
        }
        let n = self.people[slot as usize].transfer.number;
        let urgent = self
            .stream(slot, purpose::TRANSFER_ROUTE, n)
            .random::<f64>()
            < self.p.urgent_share;
        let limit = self.p.transfer_limit;
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.state = TransferState::Referred;
        t.hospital_order = false;
        t.urgent = urgent;
        let token = pq.tokens.transfer;
        if let Some(l) = limit {
            // The limit in force at referral fixes this referral's date; how a spot bed is
            // sought for it (share, supply, lead time) is what is in force at the search. Only
            // a referral made under a limit ever seeks one (`limit_at` is set).
            let at = now + days(l.days);
            t.limit_at = Stamp::at(at);
            ctx.schedule_at(
                at,
                Event::Transfer(TransferEvent::LimitPassed { slot, token }),
            );
        }
        let assessors = &mut self.t.transfer.assessors;
        if assessors.has_room() {
            self.start_assessment(slot, now, ctx);
        } else {
            assessors.join_queue(now, slot, token, urgent);
        }
    }

    /// An assessor takes the referral: the gateway assessment.
    fn start_assessment(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        self.t.transfer.assessors.start(now);
        let (n, urgent) = {
            let t = &self.people[slot as usize].transfer;
            (t.number, t.urgent)
        };
        let mut rng = self.stream(slot, purpose::TRANSFER_ROUTE, n);
        let _urgency: f64 = rng.random();
        let work = if urgent {
            self.p.urgent_assessment_days.sample(&mut rng)
        } else {
            self.p.assessment_work_days.sample(&mut rng)
        };
        let pq = &mut self.people[slot as usize];
        pq.transfer.state = TransferState::Assessing;
        let token = pq.tokens.transfer;
        ctx.schedule_in(
            days(work),
            Event::Transfer(TransferEvent::Assessed { slot, token }),
        );
    }

    /// An assessor is free: the next referral waiting (urgent first) is assessed.
    fn next_assessment(&mut self, now: Tick, ctx: &mut Context<'_, Event>) {
        loop {
            let people = &self.people;
            let Some(slot) = self.t.transfer.assessors.next(now, |slot, token| {
                let q = &people[slot as usize];
                q.tokens.transfer == token
                    && q.transfer.state == TransferState::Referred
                    && q.place != Place::Gone
            }) else {
                return;
            };
            self.start_assessment(slot, now, ctx);
        }
    }

    /// The gateway assessment finds need: the assessor moves on, and the search for a bed
    /// begins. Under a limit, a spot bed is sought when the limit draws near.
    fn assessed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        self.t.transfer.assessors.end(now);
        self.next_assessment(now, ctx);
        let (t, token) = {
            let pq = &mut self.people[slot as usize];
            pq.transfer.assessed_at = Stamp::at(now);
            (pq.transfer, pq.tokens.transfer)
        };
        if self.measured(now) {
            self.t
                .transfer
                .transfer_assessed
                .record(now - t.referred_at.tick());
        }
        if let (Some(l), false) = (self.p.transfer_limit, t.limit_at == Stamp::NEVER) {
            // Sought when what is left of the limit is just enough to contract a spot bed and
            // then go through the same warrant and admission as for a commissioned bed.
            let seek_at = t
                .limit_at
                .tick()
                .saturating_sub(days(l.spot_lead_days + f64::from(t.final_days)));
            ctx.schedule_at(
                seek_at.max(now),
                Event::Transfer(TransferEvent::Deadline { slot, token }),
            );
        }
        self.search(slot, now, ctx);
    }

    /// After an assessment: the unit declines and another must assess (a further round), or the
    /// person waits for a bed at their level. Urgent referrals take the first bed offered.
    fn search(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        let t = q.transfer;
        if !t.urgent {
            let mut rng =
                self.stream_at(slot, purpose::TRANSFER_ROUTE, 1 + t.rounds as u32, t.number);
            let refer_on = self.p.refer_on_share[usize::from(q.learning_disability)];
            if rng.random::<f64>() < refer_on {
                let round = self.p.search_round_days.sample(&mut rng);
                let pq = &mut self.people[slot as usize];
                pq.transfer.state = TransferState::Searching;
                pq.transfer.rounds = pq.transfer.rounds.saturating_add(1);
                let token = pq.tokens.transfer;
                ctx.schedule_in(
                    days(round),
                    Event::Transfer(TransferEvent::RoundEnds { slot, token }),
                );
                return;
            }
        }
        self.request_bed(slot, now, ctx);
    }

    /// A hospital order: no referral and assessment (the court had the reports); the person
    /// waits in prison for a bed like anyone assessed as needing one.
    pub(super) fn start_hospital_order(
        &mut self,
        slot: u32,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        if self.people[slot as usize].transfer.in_progress() {
            self.abandon_transfer(slot, now, ctx);
        }
        self.plan_transfer(slot, now);
        self.psychosis_untreated(slot, now);
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.hospital_order = true;
        t.assessed_at = Stamp::at(now);
        self.request_bed(slot, now, ctx);
    }

    fn request_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let (level, token, urgent) = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.state = TransferState::Waiting;
            (t.level as usize, pq.tokens.transfer, t.urgent)
        };
        let beds = &mut self.t.transfer.beds[level];
        if beds.has_room() {
            self.reserve_bed(slot, now, ctx);
        } else {
            beds.join_queue(now, slot, token, urgent);
        }
    }

    /// The limit draws near and no commissioned bed has been found: a spot-purchased bed is
    /// sought. It is found if the level's supply has room and one will take the person
    /// (`spot_purchase_share`); else the search is tried again `spot_retry_days` later.
    /// Contracting it takes `spot_lead_days`, then the person's warrant and admission take as
    /// long as they would for a commissioned bed (the calibrated final stage). A search ends a
    /// search round under way: the spot bed is taken instead.
    fn seek_spot_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let Some(limit) = self.p.transfer_limit else {
            return;
        };
        let (t, token) = {
            let pq = &mut self.people[slot as usize];
            let search = pq.transfer.spot_searches;
            pq.transfer.spot_searches = search.saturating_add(1);
            (pq.transfer, pq.tokens.transfer)
        };
        let level = t.level as usize;
        let mut rng = self.stream_at(
            slot,
            purpose::SPOT_BED,
            u32::from(t.spot_searches),
            t.number,
        );
        let takes = rng.random::<f64>() < limit.spot_purchase_share;
        let room = self.t.transfer.spot_held[level].n < i64::from(limit.spot_beds[level]);
        if !(takes && room) {
            if self.measured(now) {
                self.t.transfer.spot_searches_failed += 1;
            }
            ctx.schedule_in(
                days(limit.spot_retry_days),
                Event::Transfer(TransferEvent::Deadline { slot, token }),
            );
            return;
        }
        if t.state == TransferState::Waiting {
            // Out of the commissioned queue: its entry goes stale because the state is no
            // longer `Waiting`.
            self.t.transfer.beds[level].leave_queue(now);
        }
        let who = self.people[slot as usize].who();
        self.t.transfer.spot(level, who, now, 1);
        if self.measured(now) {
            self.t.transfer.spot_purchases += 1;
        }
        let r = &mut self.people[slot as usize].transfer;
        r.state = TransferState::Final;
        r.spot = true;
        r.final_since = Stamp::at(now);
        ctx.schedule_in(
            days(limit.spot_lead_days + f64::from(t.final_days)),
            Event::Transfer(TransferEvent::Step { slot, token }),
        );
    }

    /// A bed is found: it is held while the warrant is issued and the admission arranged.
    fn reserve_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let (level, token, final_days) = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.state = TransferState::Final;
            t.final_since = Stamp::at(now);
            (
                t.level as usize,
                pq.tokens.transfer,
                f64::from(t.final_days),
            )
        };
        self.t.transfer.beds[level].start(now);
        ctx.schedule_in(
            days(final_days),
            Event::Transfer(TransferEvent::Step { slot, token }),
        );
    }

    /// A policy starts: commissioned beds become the policy's, and new beds go to the people
    /// waiting. (A time limit applies to referrals from now on, since it is read at referral.)
    pub(super) fn start_policy_transfer(
        &mut self,
        before: &Pathway,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        for level in 0..self.p.beds.len() {
            self.t.transfer.beds[level].set_capacity(now, self.p.beds[level]);
            self.next_bed(level, now, ctx);
        }
        // Assessors are paid by the hour they are employed: the status quo's until now, the
        // policy's from now.
        let (warm, end) = (self.t.warm, self.t.end);
        let mut hours = ByYear::new(warm, end);
        hours.span(warm, now.max(warm), assessor_milli_hours_per_day(before));
        hours.span(now.max(warm), end, assessor_milli_hours_per_day(self.p));
        self.t.transfer.assessor_hours = hours;
        self.t
            .transfer
            .assessors
            .set_capacity(now, self.p.assessors);
        self.next_assessment(now, ctx);
    }

    /// A commissioned bed of `level` is free: it goes to the next person waiting for one.
    fn next_bed(&mut self, level: usize, now: Tick, ctx: &mut Context<'_, Event>) {
        loop {
            let people = &self.people;
            let Some(slot) = self.t.transfer.beds[level].next(now, |slot, token| {
                let q = &people[slot as usize];
                q.tokens.transfer == token
                    && q.transfer.state == TransferState::Waiting
                    && q.place != Place::Gone
            }) else {
                return;
            };
            self.reserve_bed(slot, now, ctx);
        }
    }

    /// Gives up a bed held or in use: a spot bed ends its contract, a commissioned one goes to
    /// the next person waiting.
    fn give_up_bed(&mut self, q: &Person, now: Tick, ctx: &mut Context<'_, Event>) {
        let t = &q.transfer;
        if t.spot {
            self.t.transfer.spot(t.level as usize, q.who(), now, -1);
        } else {
            self.t.transfer.beds[t.level as usize].end(now);
            self.next_bed(t.level as usize, now, ctx);
        }
    }

    /// The transfer ends before admission (release, death, a new hospital order).
    pub(super) fn abandon_transfer(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        match q.transfer.state {
            TransferState::Referred => self.t.transfer.assessors.leave_queue(now),
            TransferState::Assessing => {
                self.t.transfer.assessors.end(now);
                self.next_assessment(now, ctx);
            }
            TransferState::Waiting => {
                self.t.transfer.beds[q.transfer.level as usize].leave_queue(now)
            }
            TransferState::Final => self.give_up_bed(&q, now, ctx),
            _ => {}
        }
        if q.transfer.in_progress() {
            self.visits.push(Visit {
                person: q.id,
                stage: TRANSFER_STAGE,
                arrival: q.transfer.referred_at.tick(),
                start: q.transfer.referred_at.tick(),
                end: now,
                destination: None,
            });
        }
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.state = TransferState::None;
        pq.tokens.transfer += 1;
        t.hospital_order = false;
        t.spot = false;
    }

    fn admit(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        let tr = q.transfer;
        if self.measured(now) {
            let t = &mut self.t.transfer;
            t.secure_admissions += 1;
            if !tr.hospital_order {
                t.transfers_completed += 1;
                let waited = now - tr.referred_at.tick();
                t.transfer_wait.record(waited);
                if tr.urgent {
                    t.transfer_wait_urgent.record(waited);
                }
                t.transfer_after_assessment
                    .record(now - tr.assessed_at.tick());
                t.transfer_final_stage.record(now - tr.final_since.tick());
                if tr.limit_at != Stamp::NEVER {
                    let limit_at = tr.limit_at.tick();
                    if now <= limit_at {
                        t.limit_met += 1;
                    } else {
                        t.limit_breaches_admitted += 1;
                        t.limit_breach_ticks += (now - limit_at) as u128;
                    }
                }
            }
        }
        self.visits.push(Visit {
            person: q.id,
            stage: TRANSFER_STAGE,
            arrival: tr.referred_at.tick(),
            start: tr.final_since.tick(),
            end: now,
            destination: Some(Place::SecureHospital as u32),
        });
        self.leave_prison(slot, now, false, ctx);
        self.move_to(slot, Place::SecureHospital, now);
        self.psychosis_in_hospital(slot, now);
        self.t.transfer.in_hospital.add(now, 1);
        let token = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.state = TransferState::Admitted;
            pq.tokens.transfer += 1;
            pq.tokens.transfer
        };
        // Death during the stay, from its own stream (numbered by the transfer), so that the
        // stay's other draws stay as they were. The first of death and discharge is scheduled.
        let p = self.p;
        let rate = p.secure_suicide_rate + p.secure_other_death_rate;
        let mut rng = self.stream(slot, purpose::SECURE_STAY, tr.number);
        let e: f64 = Exp1.sample(&mut rng);
        let suicide = rng.random::<f64>() * rate < p.secure_suicide_rate;
        let event = if rate > 0.0 && e / rate < f64::from(tr.stay_days) {
            ctx.schedule_in(
                days(e / rate),
                Event::Transfer(TransferEvent::Death {
                    slot,
                    token,
                    suicide,
                }),
            );
            return;
        } else {
            TransferEvent::Discharge { slot, token }
        };
        ctx.schedule_in(days(f64::from(tr.stay_days)), Event::Transfer(event));
    }

    /// Death during a stay in secure hospital: the bed goes to the next person waiting.
    fn secure_death(&mut self, slot: u32, suicide: bool, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if self.measured(now) {
            self.count_death(slot, now);
            let t = &mut self.t.secure;
            t.deaths_in_secure_hospital += 1;
            t.suicides_in_secure_hospital += suicide as u64;
        }
        self.give_up_bed(&q, now, ctx);
        self.t.transfer.in_hospital.add(now, -1);
        {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.spot = false;
            t.state = TransferState::None;
            t.hospital_order = false;
            pq.tokens.transfer += 1;
        }
        self.exit(slot, now, true);
    }

    /// The stay ends: back to prison if custody has not ended, else released from hospital.
    fn discharge(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if self.measured(now) {
            let los = (now - q.place_since.tick()) as u128;
            self.t.transfer.secure_discharges += 1;
            self.t.transfer.secure_los_ticks += los;
            let level = q.transfer.level as usize;
            self.t.secure.discharges_by_level[level] += 1;
            self.t.secure.los_ticks_by_level[level] += los;
        }
        self.give_up_bed(&q, now, ctx);
        self.t.transfer.in_hospital.add(now, -1);
        self.psychosis_discharged(slot, now);
        {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.spot = false;
            t.state = TransferState::None;
            pq.tokens.transfer += 1;
        }
        let case = q.case;
        let back_to_prison = !case.custody_over
            && !q.transfer.hospital_order
            && (!case.sentenced || now < case.release_at);
        if back_to_prison {
            // Remitted to prison for the rest of the sentence, or of the case if on remand.
            if self.measured(now) {
                self.t.transfer.returned_to_prison += 1;
            }
            let place = if case.sentenced {
                Place::SentencedCustody
            } else {
                Place::Remand
            };
            self.move_to(slot, place, now);
            self.start_spell(slot, now, false, ctx);
        } else {
            self.people[slot as usize].transfer.hospital_order = false;
            // The community spell that follows is followed up as a discharge from secure care
            // (S8's measures, validation cases VH).
            self.people[slot as usize].community.from_secure_next = true;
            if case.sentenced {
                // The sentence (or the hospital order) ends with this discharge: its pending
                // release date must not release them a second time from the community.
                self.people[slot as usize].tokens.case += 1;
                self.release_to_community(slot, now, ctx);
            } else {
                let (group, end) = (case.group_after, case.supervision_end.max(now));
                self.move_to(slot, Place::Community, now);
                self.enter_community(slot, now, group, false, end, ctx);
            }
        }
    }
}

/// This stage's metrics in the headline table of `cjmh compare`.
pub(super) const HEADLINE: &[&str] = &[
    "transfers_per_year",
    "transfer_wait_from_referral_days_mean",
    "transfer_admitted_within_14d_of_referral_share",
    "transfer_admitted_within_28d_of_referral_share",
    "released_before_transfer",
    "transfer_limit_breaches",
    "spot_bed_days",
    "secure_bed_days",
    "secure_bed_queue_mean",
];

/// Thousandths of an assessor-hour paid each day: every assessor, whether assessing or not.
fn assessor_milli_hours_per_day(p: &Pathway) -> u64 {
    let per_place = (p.assessor_hours_per_day * MILLI as f64).round() as u64;
    u64::from(p.assessors) * per_place
}

/// Referrals, waits and the secure estate. Every wait is named by where its clock starts:
/// referral, the end of the gateway assessment, or a bed being found (offered).
pub(super) fn metrics(t: &mut TransferTally, warm: Tick, end: Tick, out: &mut Out) {
    out.count("transfer_referrals", t.transfer_referrals);
    out.count("transfers_completed", t.transfers_completed);
    out.push(
        "transfers_per_year",
        t.transfers_completed as f64 / out.years,
    );
    let w = &t.transfer_wait;
    out.push("transfer_wait_from_referral_days_mean", w.mean_days());
    for (name, q) in [
        ("transfer_wait_from_referral_days_p10", 0.1),
        ("transfer_wait_from_referral_days_p25", 0.25),
        ("transfer_wait_from_referral_days_median", 0.5),
        ("transfer_wait_from_referral_days_p75", 0.75),
        ("transfer_wait_from_referral_days_p90", 0.9),
        ("transfer_wait_from_referral_days_p95", 0.95),
    ] {
        out.push(name, w.quantile_days(q));
    }
    out.push("transfer_wait_from_referral_days_max", w.max_days());
    out.push(
        "transfer_admitted_within_7d_of_referral_share",
        w.share_before_day(7),
    );
    out.push(
        "transfer_admitted_within_14d_of_referral_share",
        w.within_share(0),
    );
    out.push(
        "transfer_admitted_within_28d_of_referral_share",
        w.within_share(1),
    );
    out.push(
        "transfer_admitted_within_90d_of_referral_share",
        w.share_before_day(90),
    );
    out.push(
        "transfer_wait_from_referral_over_365d_share",
        w.share_from_day(365),
    );
    out.push(
        "transfer_wait_from_referral_urgent_days_mean",
        t.transfer_wait_urgent.mean_days(),
    );
    let s = &t.transfer_assessed;
    out.push("transfer_assessed_from_referral_days_mean", s.mean_days());
    out.push(
        "transfer_assessed_within_7d_of_referral_share",
        s.share_before_day(7),
    );
    out.push(
        "transfer_assessed_within_14d_of_referral_share",
        s.within_share(0),
    );
    let a = &t.transfer_after_assessment;
    out.push(
        "transfer_admitted_within_14d_of_assessment_share",
        a.within_share(0),
    );
    out.push(
        "transfer_admitted_within_28d_of_assessment_share",
        a.within_share(1),
    );
    out.push("transfer_wait_from_assessment_days_mean", a.mean_days());
    let f = &t.transfer_final_stage;
    out.push("transfer_wait_from_bed_offer_days_mean", f.mean_days());
    out.push(
        "transfer_wait_from_bed_offer_over_14d_share",
        1.0 - f.within_share(0),
    );
    out.push(
        "transfer_wait_from_bed_offer_over_30d_share",
        f.share_from_day(30),
    );
    out.count("released_before_transfer", t.released_before_transfer);
    out.push(
        "released_before_transfer_wait_from_referral_days_mean",
        t.released_before_transfer_wait.mean_days(),
    );
    out.count("died_before_transfer", t.died_before_transfer);
    out.count("secure_bed_admissions", t.secure_admissions);
    out.count("secure_bed_discharges", t.secure_discharges);
    let mut occupied = 0.0;
    let mut capacity = 0.0;
    let mut waiting = 0.0;
    for (i, level) in LEVEL_NAMES.iter().enumerate() {
        let beds = &mut t.beds[i];
        let mean = beds.busy.mean(end);
        occupied += mean;
        // Beds change only when a policy starts during the window; their mean over it is what
        // the occupancy is a share of.
        let places = beds.capacity_mean(warm, end);
        capacity += places;
        waiting += beds.queued.mean(end);
        out.push(format!("secure_beds.{level}.capacity"), places);
        out.push(format!("secure_beds.{level}.occupancy_mean"), mean);
        out.push(
            format!("secure_beds.{level}.occupancy_max"),
            beds.busy.max as f64,
        );
        out.push(
            format!("secure_beds.{level}.queue_mean"),
            beds.queued.mean(end),
        );
    }
    out.push("secure_bed_capacity", capacity);
    out.push("secure_bed_occupancy_mean", occupied);
    out.push(
        "secure_bed_utilisation",
        super::tally::ratio(occupied, capacity),
    );
    out.push("secure_bed_queue_mean", waiting);
    out.push("secure_bed_days", t.in_hospital.person_days(end));
    out.count("spot_purchases", t.spot_purchases);
    let assessors = &mut t.assessors;
    // A policy may change the assessors when it starts: their mean over the window.
    let assessor_places = assessors.capacity_mean(warm, end);
    out.push("transfer_assessors", assessor_places);
    let hours: u128 = t.assessor_hours.years().iter().sum();
    out.push(
        "transfer_assessor_hours",
        hours as f64 / (TICKS_PER_DAY * MILLI) as f64,
    );
    out.push(
        "transfer_assessor_utilisation",
        super::tally::ratio(assessors.busy.mean(end), assessor_places),
    );
    out.push("transfer_assessment_queue_mean", assessors.queued.mean(end));
}

/// Spot beds, time limits and stays; reported after release support, as first published.
pub(super) fn limit_metrics(t: &mut TransferTally, end: Tick, out: &mut Out) {
    let day = TICKS_PER_DAY as f64;
    out.push("spot_bed_occupancy_mean", t.spot_beds.mean(end));
    out.push("spot_bed_days", t.spot_beds.person_days(end));
    for (level, held) in LEVEL_NAMES.iter().zip(&t.spot_held).skip(1) {
        out.push(format!("spot_beds.{level}.occupancy_max"), held.max as f64);
    }
    out.count("spot_searches_failed", t.spot_searches_failed);
    out.count("transfer_limit_breaches", t.limit_breaches);
    out.push(
        "transfer_limit_breach_share",
        share(t.limit_breaches, t.limit_breaches + t.limit_met),
    );
    out.push(
        "transfer_limit_breach_days_mean",
        super::tally::ratio(
            t.limit_breach_ticks as f64 / day,
            t.limit_breaches_admitted as f64,
        ),
    );
    out.push(
        "secure_los_days_mean",
        super::tally::ratio(t.secure_los_ticks as f64 / day, t.secure_discharges as f64),
    );
    out.count("returned_to_prison", t.returned_to_prison);
}

pub(super) fn drivers(t: &mut TransferTally, warm: Tick, end: Tick, d: &mut Drivers) {
    let day = TICKS_PER_DAY as f64;
    set_levels(d, SPOT_BED_DAYS, &mut t.spot_bed_days, end, day);
    for (level, driver) in SECURE_BED_CAPACITY_DAYS.into_iter().enumerate() {
        // Commissioned beds are paid for every day of the window, occupied or not.
        let mut beds = ByYear::new(warm, end);
        for (from, to, places) in t.beds[level].capacity_spans(warm, end) {
            beds.span(from, to, places as u64);
        }
        set_years(d, driver, beds.years(), day);
    }
    set_years(
        d,
        ASSESSOR_HOURS,
        t.assessor_hours.years(),
        day * MILLI as f64,
    );
}

tally! {
    /// Deaths during stays in secure hospital, in the measured window.
    pub(super) struct SecureStayTally {
        deaths_in_secure_hospital: u64,
        suicides_in_secure_hospital: u64,
        /// Discharges (not deaths) by level, and their lengths of stay.
        discharges_by_level: [u64; 3],
        los_ticks_by_level: [u128; 3],
    }
}

impl SecureStayTally {
    pub(super) fn new() -> Self {
        Self {
            deaths_in_secure_hospital: 0,
            suicides_in_secure_hospital: 0,
            discharges_by_level: [0; 3],
            los_ticks_by_level: [0; 3],
        }
    }
}

/// Deaths in secure hospital and stays by level; reported after deaths in custody.
pub(super) fn secure_death_metrics(t: &SecureStayTally, out: &mut Out) {
    out.count("deaths_in_secure_hospital", t.deaths_in_secure_hospital);
    out.count("suicides_in_secure_hospital", t.suicides_in_secure_hospital);
    let day = TICKS_PER_DAY as f64;
    for (i, level) in LEVEL_NAMES.iter().enumerate() {
        out.push(
            format!("secure_los_days_mean.{level}"),
            super::tally::ratio(
                t.los_ticks_by_level[i] as f64 / day,
                t.discharges_by_level[i] as f64,
            ),
        );
    }
}
