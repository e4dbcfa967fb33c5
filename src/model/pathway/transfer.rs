//! Transfer to a secure hospital, and the stay there.
//!
//! Some people with psychosis become acutely unwell in prison (`acute_share`, after
//! `onset_days`). They are **referred** and **assessed** (`assessment_days`, sometimes
//! repeated), then **wait** for a bed at the level assessed (high, medium or low secure) in a
//! first-come first-served queue for that level's commissioned beds. When a bed is found it is
//! held through the **final stage**, the warrant and the admission (`warrant_days`,
//! `admission_days`), and then they are **admitted**. A hospital order skips referral and
//! assessment (the court had the reports). Release or death before admission abandons the
//! transfer.
//!
//! **Time limits** (`[transfer_limit]`): under a limit of `days` from referral (or from the end
//! of assessment), a spot-purchased or out-of-area bed is sought when what is left of the limit
//! is just enough to contract one (`spot_lead_days`) and go through the same final stage; one is
//! found with `spot_purchase_share`. A spot bed is another bed, not a faster route.
//!
//! After the stay (`stay_days` by level) people are remitted to prison if their custody has not
//! ended, or else released from hospital. They may die during the stay (`[secure_hospital]`),
//! at rates drawn once at admission; the bed then goes to the next person waiting.

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1};

use super::metrics::set_years;
use super::people::Place;
use super::service::Service;
use super::tally::{ByYear, DayHistogram, Level, LevelByYear, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, TICKS_PER_DAY, Tick};
use crate::model::recorder::{Recorder, Visit};
use crate::scenario::Pathway;
use crate::scenario::pathway::LEVEL_NAMES;
use crate::scenario::pathway::transfer::{SECURE_BED_CAPACITY_DAYS, SPOT_BED_DAYS};

/// Stage number of the transfer pathway in [`super::STAGES`].
pub(super) const TRANSFER_STAGE: u32 = 8;

/// Where a person is on the way to a secure bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum TransferState {
    #[default]
    None,
    Assessing,
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
    pub(super) assessed_at: Stamp,
    pub(super) final_since: Stamp,
    pub(super) final_days: f64,
    pub(super) stay_days: f64,
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
            TransferState::Assessing | TransferState::Waiting | TransferState::Final
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
    /// Assessment ends, or the final stage does.
    Step { slot: u32, token: u32 },
    /// A transfer time limit draws near: seek a spot-purchased bed if still waiting.
    Deadline { slot: u32, token: u32 },
    /// The stay in hospital ends.
    Discharge { slot: u32, token: u32 },
    /// Death during the stay in hospital.
    Death {
        slot: u32,
        token: u32,
        suicide: bool,
    },
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
        limit_transfers: u64,
        limit_breaches: u64,
        limit_breach_ticks: u128,
        secure_los_ticks: u128,
        returned_to_prison: u64,
        /// Commissioned beds by level.
        beds: [Service; 3],
        in_hospital: Level,
        /// Spot-purchased beds held or occupied (no capacity: they are bought when needed).
        spot_beds: Level,
        /// The same, by year of the window (spot bed days are priced).
        spot_bed_days: LevelByYear,
        /// From referral to admission.
        transfer_wait: DayHistogram,
        /// From the end of assessment to admission.
        transfer_after_assessment: DayHistogram,
        /// From a bed being found to admission.
        transfer_final_stage: DayHistogram,
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
            limit_transfers: 0,
            limit_breaches: 0,
            limit_breach_ticks: 0,
            secure_los_ticks: 0,
            returned_to_prison: 0,
            beds: std::array::from_fn(|i| Service::new(p.beds[i], warm)),
            in_hospital: Level::new(warm),
            spot_beds: Level::new(warm),
            spot_bed_days: LevelByYear::new(warm, end),
            transfer_wait: DayHistogram::default(),
            transfer_after_assessment: DayHistogram::default(),
            transfer_final_stage: DayHistogram::default(),
        }
    }

    /// A spot bed is taken (+1) or given up (-1).
    fn spot(&mut self, now: Tick, delta: i64) {
        self.spot_beds.add(now, delta);
        self.spot_bed_days.add(now, delta);
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
            TransferEvent::Step { slot, token } => {
                if self.on_transfer(slot, token) {
                    self.transfer_step(slot, now, ctx);
                }
            }
            TransferEvent::Deadline { slot, token } => {
                if self.on_transfer(slot, token)
                    && self.people[slot as usize].transfer.state == TransferState::Waiting
                {
                    self.seek_spot_bed(slot, now, ctx);
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

    /// Draws the transfer's delays and level from this transfer's stream; returns the
    /// assessment's length in days.
    fn plan_transfer(&mut self, slot: u32, now: Tick) -> f64 {
        let p = self.p;
        let n = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.number += 1;
            pq.tokens.transfer += 1;
            t.referred_at = Stamp::at(now);
            t.number
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
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.level = level;
        t.final_days = final_days;
        t.stay_days = stay_days;
        assessment
    }

    fn transfer_onset(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if q.transfer.started() || !q.place.in_prison() {
            return;
        }
        let assessment = self.plan_transfer(slot, now);
        if self.measured(now) {
            self.t.transfer.transfer_referrals += 1;
        }
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.state = TransferState::Assessing;
        t.hospital_order = false;
        let token = pq.tokens.transfer;
        ctx.schedule_in(
            days(assessment),
            Event::Transfer(TransferEvent::Step { slot, token }),
        );
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
        let pq = &mut self.people[slot as usize];
        let t = &mut pq.transfer;
        t.hospital_order = true;
        t.assessed_at = Stamp::at(now);
        self.request_bed(slot, now, ctx);
    }

    fn transfer_step(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        match self.people[slot as usize].transfer.state {
            TransferState::Assessing => {
                self.people[slot as usize].transfer.assessed_at = Stamp::at(now);
                self.request_bed(slot, now, ctx);
            }
            TransferState::Final => self.admit(slot, now, ctx),
            _ => {}
        }
    }

    fn request_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let (level, token) = {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.state = TransferState::Waiting;
            (t.level as usize, pq.tokens.transfer)
        };
        let t = self.people[slot as usize].transfer;
        if let (Some(limit), false) = (self.p.transfer_limit, t.hospital_order) {
            // Sought when what is left of the limit is just enough to contract a spot bed and
            // then go through the same warrant and admission as for a commissioned bed.
            let seek_at = (self.limit_start(&t) + days(limit.days - limit.spot_lead_days))
                .saturating_sub(days(t.final_days));
            ctx.schedule_at(
                seek_at.max(now),
                Event::Transfer(TransferEvent::Deadline { slot, token }),
            );
        }
        let beds = &mut self.t.transfer.beds[level];
        if beds.has_room() {
            self.reserve_bed(slot, now, ctx);
        } else {
            beds.join_queue(now, slot, token);
        }
    }

    /// When the limit's clock started for this transfer.
    fn limit_start(&self, t: &Transfer) -> Tick {
        match self.p.transfer_limit {
            Some(l) if l.from_referral => t.referred_at.tick(),
            _ => t.assessed_at.tick(),
        }
    }

    /// The limit draws near and no commissioned bed has been found: a spot-purchased or
    /// out-of-area bed is sought, and found with `spot_purchase_share`. Contracting it takes
    /// `spot_lead_days`, then the person's warrant and admission take as long as they would for
    /// a commissioned bed (the calibrated final stage). If none is found the person waits on.
    fn seek_spot_bed(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let Some(limit) = self.p.transfer_limit else {
            return;
        };
        let t = self.people[slot as usize].transfer;
        let mut rng = self.stream(slot, purpose::SPOT_BED, t.number);
        if rng.random::<f64>() >= limit.spot_purchase_share {
            return;
        }
        // Out of the commissioned queue: its entry goes stale because the state is no longer
        // `Waiting`.
        self.t.transfer.beds[t.level as usize].leave_queue(now);
        self.t.transfer.spot(now, 1);
        if self.measured(now) {
            self.t.transfer.spot_purchases += 1;
        }
        let token = {
            let pq = &mut self.people[slot as usize];
            let r = &mut pq.transfer;
            r.state = TransferState::Final;
            r.spot = true;
            r.final_since = Stamp::at(now);
            pq.tokens.transfer
        };
        ctx.schedule_in(
            days(limit.spot_lead_days + t.final_days),
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
            (t.level as usize, pq.tokens.transfer, t.final_days)
        };
        self.t.transfer.beds[level].start(now);
        ctx.schedule_in(
            days(final_days),
            Event::Transfer(TransferEvent::Step { slot, token }),
        );
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
    fn give_up_bed(&mut self, t: &Transfer, now: Tick, ctx: &mut Context<'_, Event>) {
        if t.spot {
            self.t.transfer.spot(now, -1);
        } else {
            self.t.transfer.beds[t.level as usize].end(now);
            self.next_bed(t.level as usize, now, ctx);
        }
    }

    /// The transfer ends before admission (release, death, a new hospital order).
    pub(super) fn abandon_transfer(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        match q.transfer.state {
            TransferState::Waiting => {
                self.t.transfer.beds[q.transfer.level as usize].leave_queue(now)
            }
            TransferState::Final => self.give_up_bed(&q.transfer, now, ctx),
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
            let limit_start = self.limit_start(&tr);
            let limit = self.p.transfer_limit;
            let t = &mut self.t.transfer;
            t.secure_admissions += 1;
            if !tr.hospital_order {
                t.transfers_completed += 1;
                t.transfer_wait.record(now - tr.referred_at.tick());
                t.transfer_after_assessment
                    .record(now - tr.assessed_at.tick());
                t.transfer_final_stage.record(now - tr.final_since.tick());
                if let Some(limit) = limit {
                    t.limit_transfers += 1;
                    let waited = now - limit_start;
                    if waited > days(limit.days) {
                        t.limit_breaches += 1;
                        t.limit_breach_ticks += (waited - days(limit.days)) as u128;
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
        let event = if rate > 0.0 && e / rate < tr.stay_days {
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
        ctx.schedule_in(days(tr.stay_days), Event::Transfer(event));
    }

    /// Death during a stay in secure hospital: the bed goes to the next person waiting.
    fn secure_death(&mut self, slot: u32, suicide: bool, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        if self.measured(now) {
            self.count_death(now);
            let t = &mut self.t.secure;
            t.deaths_in_secure_hospital += 1;
            t.suicides_in_secure_hospital += suicide as u64;
        }
        self.give_up_bed(&q.transfer, now, ctx);
        self.t.transfer.in_hospital.add(now, -1);
        {
            let pq = &mut self.people[slot as usize];
            let t = &mut pq.transfer;
            t.spot = false;
            t.state = TransferState::None;
            t.hospital_order = false;
            pq.tokens.transfer += 1;
        }
        self.exit(slot, now);
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
        self.give_up_bed(&q.transfer, now, ctx);
        self.t.transfer.in_hospital.add(now, -1);
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
    "transfer_wait_days_mean",
    "transfer_within_14d_share",
    "transfer_within_28d_share",
    "released_before_transfer",
    "transfer_limit_breaches",
    "spot_bed_days",
    "secure_bed_days",
    "secure_bed_queue_mean",
];

/// Referrals, waits and the secure estate.
pub(super) fn metrics(t: &mut TransferTally, end: Tick, out: &mut Out) {
    out.count("transfer_referrals", t.transfer_referrals);
    out.count("transfers_completed", t.transfers_completed);
    out.push(
        "transfers_per_year",
        t.transfers_completed as f64 / out.years,
    );
    let w = &t.transfer_wait;
    out.push("transfer_wait_days_mean", w.mean_days());
    out.push("transfer_wait_days_median", w.quantile_days(0.5));
    out.push("transfer_wait_days_p90", w.quantile_days(0.9));
    out.push("transfer_wait_days_max", w.max_days());
    let a = &t.transfer_after_assessment;
    out.push("transfer_within_14d_share", a.within_share(0));
    out.push("transfer_within_28d_share", a.within_share(1));
    out.push("transfer_after_assessment_days_mean", a.mean_days());
    let f = &t.transfer_final_stage;
    out.push("transfer_final_stage_days_mean", f.mean_days());
    out.push(
        "transfer_final_stage_over_14d_share",
        1.0 - f.within_share(0),
    );
    out.push("transfer_final_stage_over_30d_share", f.share_from_day(30));
    out.count("released_before_transfer", t.released_before_transfer);
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
        capacity += beds.capacity as f64;
        waiting += beds.queued.mean(end);
        out.push(
            format!("secure_beds.{level}.capacity"),
            beds.capacity as f64,
        );
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
}

/// Spot beds, time limits and stays; reported after release support, as first published.
pub(super) fn limit_metrics(t: &mut TransferTally, end: Tick, out: &mut Out) {
    let day = TICKS_PER_DAY as f64;
    out.push("spot_bed_occupancy_mean", t.spot_beds.mean(end));
    out.push("spot_bed_days", t.spot_beds.person_days(end));
    out.count("transfer_limit_breaches", t.limit_breaches);
    out.push(
        "transfer_limit_breach_share",
        share(t.limit_breaches, t.limit_transfers),
    );
    out.push(
        "transfer_limit_breach_days_mean",
        super::tally::ratio(t.limit_breach_ticks as f64 / day, t.limit_breaches as f64),
    );
    out.push(
        "secure_los_days_mean",
        super::tally::ratio(t.secure_los_ticks as f64 / day, t.secure_discharges as f64),
    );
    out.count("returned_to_prison", t.returned_to_prison);
}

pub(super) fn drivers(t: &mut TransferTally, warm: Tick, end: Tick, d: &mut Drivers) {
    let day = TICKS_PER_DAY as f64;
    set_years(d, SPOT_BED_DAYS, t.spot_bed_days.finish(end), day);
    for (level, driver) in SECURE_BED_CAPACITY_DAYS.into_iter().enumerate() {
        // Commissioned beds are paid for every day of the window, occupied or not.
        let mut beds = ByYear::new(warm, end);
        beds.span(warm, end, t.beds[level].capacity as u64);
        set_years(d, driver, beds.years(), day);
    }
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
