//! Court: remand or bail, psychiatric reports, and the outcome of each case.
//!
//! Each case is planned at the police contact from the case's own stream (remand, report,
//! the wait for the outcome, the outcome, the sentence), so that every scenario draws it the
//! same way; the outcome is applied when the case ends ([`CourtEvent::Outcome`]). The outcome
//! is a custodial sentence, a hospital order (for people with psychosis the court has reports
//! on), a community order (with a mental health treatment requirement for some), or another
//! outcome (fine, discharge, acquittal). L&D's effects on the plan are described in
//! [`super::police`]: the plan is drawn the same way for referred people, and only then may a
//! short custodial sentence be diverted, from a uniform drawn last in the case's stream.

use rand::RngExt;

use super::metrics::set_group_years;
use super::people::{PSYCHOSIS, Place};
use super::tally::{ByGroup, ByYear, by_group, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, Stream, Tick, ticks_to_days};
use crate::model::recorder::Recorder;
use crate::scenario::pathway::court::{COMMUNITY_ORDERS_MADE, MHTR_ORDERS_MADE};

// Sentence groups after a case (index into the reoffending shares).
pub(super) const SHORT_CUSTODY: u8 = 0;
pub(super) const LONG_CUSTODY: u8 = 1;
pub(super) const COMMUNITY_ORDER: u8 = 2;
pub(super) const OTHER: u8 = 3;

/// Outcomes decided at court.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Outcome {
    #[default]
    Custody,
    HospitalOrder,
    CommunityOrder,
    Other,
}

/// The person's current case and what follows from it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Case {
    /// Cases so far (numbers this case's draws).
    pub(super) number: u32,
    pub(super) remanded: bool,
    /// The case has ended in a custodial sentence (or a recall).
    pub(super) sentenced: bool,
    /// A community order with a mental health treatment requirement, if the order is made.
    pub(super) mhtr: bool,
    pub(super) order_days: f64,
    pub(super) outcome: Outcome,
    pub(super) sentence_days: f64,
    /// When the case began at court; [`Tick::MAX`] for no court case (s136).
    pub(super) start: Stamp,
    /// Custody release date of the current sentence (or the end of a recall).
    pub(super) release_at: Tick,
    /// Legal custody has ended while the person is in hospital.
    pub(super) custody_over: bool,
    pub(super) supervision_end: Tick,
    /// Sentence group after the case ([`SHORT_CUSTODY`], ...).
    pub(super) group_after: u8,
    /// L&D turned this case's custodial sentence into a community order.
    pub(super) diverted: bool,
    /// The case's group for the L&D comparisons ([`super::police::ld_group`]; 0: neither).
    pub(super) ld: u8,
    /// The group of an open L&D reoffending cohort entry (0: none), and the contact that opened
    /// it.
    pub(super) ld_cohort: u8,
    pub(super) ld_cohort_at: Stamp,
}

impl Case {
    /// Detained under s136 rather than charged: no court case follows.
    pub(super) fn no_charge(&mut self) {
        self.outcome = Outcome::Other;
        self.remanded = false;
        self.start = Stamp::NEVER;
    }

    pub(super) fn charged(&self) -> bool {
        self.start != Stamp::NEVER
    }
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum CourtEvent {
    /// The case ends: its planned outcome is applied.
    Outcome { slot: u32, token: u32 },
}

/// What the police stage needs of a planned case.
pub(super) struct Plan {
    /// From the end of police custody to the outcome.
    pub(super) wait: Tick,
    /// L&D turned a custodial sentence into a community order.
    pub(super) diverted: bool,
}

tally! {
    /// What the courts count in the measured window.
    pub(super) struct CourtTally {
        reports: u64,
        custodial_sentences: u64,
        short_sentences: u64,
        community_orders: u64,
        mhtr: u64,
        hospital_orders: u64,
        other_outcomes: u64,
        /// Community orders made, and those with an MHTR, by year of the window (probation
        /// supervision is priced per order, the treatment per MHTR).
        orders_by_year: ByGroup<ByYear>,
        mhtr_by_year: ByGroup<ByYear>,
    }
}

impl CourtTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            reports: 0,
            custodial_sentences: 0,
            short_sentences: 0,
            community_orders: 0,
            mhtr: 0,
            hospital_orders: 0,
            other_outcomes: 0,
            orders_by_year: by_group(|| ByYear::new(warm, end)),
            mhtr_by_year: by_group(|| ByYear::new(warm, end)),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// Opens a new case: numbers it and draws remand or bail, the first draw of its stream,
    /// which the rest of the plan continues.
    pub(super) fn open_case(&mut self, slot: u32) -> Stream {
        let p = self.p;
        let case = {
            let q = &mut self.people[slot as usize];
            q.case.number += 1;
            q.case.number
        };
        let mut rng = self.stream(slot, purpose::COURT, case);
        self.people[slot as usize].case.remanded = rng.random::<f64>() < p.remand_share;
        rng
    }

    /// Plans the case from its stream, after the police and L&D draws: report, wait, outcome,
    /// sentence and order.
    #[inline(always)]
    pub(super) fn plan_case(
        &mut self,
        slot: u32,
        rng: &mut Stream,
        need: bool,
        s136: bool,
        referred: bool,
        now: Tick,
    ) -> Plan {
        let p = self.p;
        let q = &self.people[slot as usize];
        let (remanded, psychosis) = (q.case.remanded, q.has(PSYCHOSIS));
        let report = !s136 && need && rng.random::<f64>() < p.report_share;
        // A referral does not hasten the report (L2: no effect on court timeliness).
        let report_days = if report {
            p.report_days.sample(rng)
        } else {
            0.0
        };
        let wait = if remanded {
            p.remand_days.sample(rng)
        } else {
            p.bail_days.sample(rng)
        }
        .max(report_days);
        let u: f64 = rng.random();
        let (custody, community) = if remanded {
            (
                p.remand_custody_share,
                1.0 - p.remand_custody_share - p.remand_acquittal_share,
            )
        } else {
            (p.bail_custody_share, p.bail_community_order_share)
        };
        let mut outcome = if u < custody {
            Outcome::Custody
        } else if u < custody + community {
            Outcome::CommunityOrder
        } else {
            Outcome::Other
        };
        let hospital_u: f64 = rng.random();
        // Only a psychiatric report leads to a hospital order; no source links L&D to them.
        if outcome == Outcome::Custody && psychosis && report && hospital_u < p.hospital_order_share
        {
            outcome = Outcome::HospitalOrder;
        }
        let sentence_days = p.sentence_days.sample(rng);
        let mhtr_u: f64 = rng.random();
        let order_days = p.community_order_days.sample(rng);
        let mhtr_share = if referred {
            p.ld_mhtr_share
        } else {
            p.mhtr_share
        };
        let diverted = referred
            && outcome == Outcome::Custody
            && diverts(
                sentence_days,
                p.ld_divertible_sentence_days,
                p.ld_short_custody_diversion_share,
                rng,
            );
        if diverted {
            outcome = Outcome::CommunityOrder;
        }
        {
            let r = &mut self.people[slot as usize];
            r.case.outcome = outcome;
            r.case.sentence_days = sentence_days;
            r.tokens.case += 1;
            r.case.custody_over = false;
            r.case.sentenced = false;
            r.case.order_days = order_days;
            r.case.mhtr = need && mhtr_u < mhtr_share;
            r.case.diverted = diverted;
            r.transfer.hospital_order = false;
        }
        if self.measured(now) {
            self.t.court.reports += report as u64;
        }
        Plan {
            wait: days(wait),
            diverted,
        }
    }

    /// The group a case's custodial sentence puts the person in for reoffending.
    pub(super) fn custody_group(&self, sentence_days: f64) -> u8 {
        if sentence_days < self.p.short_sentence_days {
            SHORT_CUSTODY
        } else {
            LONG_CUSTODY
        }
    }

    /// The case's outcome, `delay` from now.
    pub(super) fn schedule_court(
        &mut self,
        slot: u32,
        token: u32,
        delay: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        ctx.schedule_in(delay, Event::Court(CourtEvent::Outcome { slot, token }));
    }

    pub(super) fn court_event(&mut self, e: CourtEvent, now: Tick, ctx: &mut Context<'_, Event>) {
        let CourtEvent::Outcome { slot, token } = e;
        let q = &self.people[slot as usize];
        if q.place == Place::Gone || q.tokens.case != token {
            return;
        }
        let (outcome, group) = (q.case.outcome, q.case.ld);
        let custodial = matches!(outcome, Outcome::Custody | Outcome::HospitalOrder);
        self.count_ld_outcome(group, custodial, now);
        match outcome {
            Outcome::Custody | Outcome::HospitalOrder => self.sentence(slot, now, ctx),
            Outcome::CommunityOrder | Outcome::Other => self.community_outcome(slot, now, ctx),
        }
    }

    /// A custodial sentence or hospital order: the release date counts time on remand.
    fn sentence(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let q = self.people[slot as usize];
        let case = q.case;
        let hospital_order = case.outcome == Outcome::HospitalOrder;
        let served = case.sentence_days * p.release_fraction;
        let on_remand = if case.remanded {
            ticks_to_days(now - case.start.tick())
        } else {
            0.0
        };
        let group = self.custody_group(case.sentence_days);
        let short = group == SHORT_CUSTODY;
        let supervision_days = if case.sentence_days < p.supervision_sentence_limit_days {
            p.supervision_total_days
        } else {
            case.sentence_days - served
        };
        let release_at = now + days(served - on_remand);
        {
            let r = &mut self.people[slot as usize];
            r.case.release_at = release_at;
            r.case.group_after = group;
            r.case.supervision_end = release_at + days(supervision_days);
            r.tokens.case += 1;
            r.case.sentenced = true;
            r.transfer.hospital_order = hospital_order;
        }
        if self.measured(now) {
            let t = &mut self.t.court;
            t.custodial_sentences += 1;
            t.short_sentences += short as u64;
            t.hospital_orders += hospital_order as u64;
        }
        let token = self.people[slot as usize].tokens.case;
        match q.place {
            Place::SecureHospital => {}
            Place::Remand => self.move_to(slot, Place::SentencedCustody, now),
            _ => self.reception(slot, Place::SentencedCustody, now, ctx),
        }
        if hospital_order && q.place != Place::SecureHospital {
            self.start_hospital_order(slot, now, ctx);
        }
        if self.people[slot as usize].place != Place::Gone {
            self.schedule_release(slot, token, release_at, ctx);
        }
    }

    /// A community order or another outcome: to the community (from remand, out of prison).
    fn community_outcome(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let q = self.people[slot as usize];
        let order = q.case.outcome == Outcome::CommunityOrder;
        let mhtr = order && q.case.mhtr;
        let supervision_end = if order {
            now + days(q.case.order_days)
        } else {
            now
        };
        if self.measured(now) {
            let t = &mut self.t.court;
            if order {
                t.community_orders += 1;
                t.mhtr += mhtr as u64;
            } else {
                t.other_outcomes += 1;
            }
        }
        if order {
            let who = self.people[slot as usize].who();
            let t = &mut self.t.court;
            t.orders_by_year[who].count(now);
            if mhtr {
                t.mhtr_by_year[who].count(now);
            }
        }
        // A diverted person keeps the reoffending of the sentence they would have had (L2: no
        // reduction in reoffending); their supervision is the order's.
        let group = if !order {
            OTHER
        } else if q.case.diverted {
            self.custody_group(q.case.sentence_days)
        } else {
            COMMUNITY_ORDER
        };
        {
            let r = &mut self.people[slot as usize];
            r.tokens.case += 1;
            r.case.supervision_end = supervision_end;
            r.case.group_after = group;
        }
        match q.place {
            Place::SecureHospital => self.people[slot as usize].case.custody_over = true,
            place => {
                if place == Place::Remand {
                    self.leave_prison(slot, now, true, ctx);
                }
                self.move_to(slot, Place::Community, now);
                self.enter_community(slot, now, group, false, supervision_end, ctx);
            }
        }
    }
}

/// Whether a referred case's custodial sentence becomes a community order: only a sentence
/// shorter than `divertible_days` (a decision L&D can change), with probability `share`. The
/// uniform is the last draw of the case's stream, drawn only here, so no other draw moves.
fn diverts(sentence_days: f64, divertible_days: f64, share: f64, rng: &mut Stream) -> bool {
    sentence_days < divertible_days && rng.random::<f64>() < share
}

/// Reported after the L&D referrals, as first published.
pub(super) fn report_metrics(t: &CourtTally, out: &mut Out) {
    out.count("psychiatric_reports", t.reports);
}

pub(super) fn outcome_metrics(t: &CourtTally, out: &mut Out) {
    out.count("custodial_sentences", t.custodial_sentences);
    out.push(
        "short_sentence_share",
        share(t.short_sentences, t.custodial_sentences),
    );
    out.count("community_orders", t.community_orders);
    out.count("mhtr_orders", t.mhtr);
    out.count("hospital_orders", t.hospital_orders);
    out.count("other_court_outcomes", t.other_outcomes);
    out.push(
        "community_orders_per_year",
        t.community_orders as f64 / out.years,
    );
    out.push(
        "hospital_orders_per_year",
        t.hospital_orders as f64 / out.years,
    );
}

pub(super) fn drivers(t: &CourtTally, d: &mut Drivers) {
    set_group_years(d, COMMUNITY_ORDERS_MADE, &t.orders_by_year, 1.0);
    set_group_years(d, MHTR_ORDERS_MADE, &t.mhtr_by_year, 1.0);
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn only_sentences_shorter_than_the_limit_are_diverted() {
        let mut rng = Stream::seed_from_u64(3);
        for _ in 0..1000 {
            assert!(!diverts(365.0, 365.0, 1.0, &mut rng));
            assert!(!diverts(2_000.0, 365.0, 1.0, &mut rng));
            assert!(diverts(364.9, 365.0, 1.0, &mut rng));
            assert!(!diverts(30.0, 365.0, 0.0, &mut rng));
        }
        let n = 100_000;
        let hits = (0..n)
            .filter(|_| diverts(90.0, 365.0, 0.88, &mut rng))
            .count();
        // Binomial SE at n = 100,000 is about 0.001; 4 SE.
        assert!((hits as f64 / n as f64 - 0.88).abs() < 0.004);
    }
}
