//! Police custody and liaison and diversion (L&D).
//!
//! Every charge starts with a day in police custody. A person with a mental health need may be
//! detained under section 136 instead of charged (taken to a place of safety and back to the
//! community). Otherwise L&D sees the people it is for, as RAND's evaluation found it (L1-L5):
//!
//! - **who**: about a third of people in police custody have a mental health difficulty (L5).
//!   Table 2's prison prevalence gives more than half, so only a share of people with a need
//!   (`ld_eligible_share`, derived at resolve time) are eligible: a trait, one uniform per
//!   person;
//! - **where**: coverage is by area. A person's area is one uniform, compared at every contact
//!   with the coverage in force then ([`PathwayModel::ld_coverage_at`]), so coverage is nested
//!   (areas covered at 50% stay covered at 80%);
//! - **referral**: a present service identifies a share of the eligible (`ld_identification`).
//!
//! A referral lets the court divert a short custodial sentence (the decisions L&D can change;
//! no source breaks L2 down by sentence length) to a community order, counted as
//! `diverted_from_custody`, and makes a mental health treatment requirement more likely
//! (`ld_mhtr_share`). It does not hasten court reports (L2: no effect on court timeliness) and
//! does not change the person's reoffending (L2: no reduction). The court ([`super::court`])
//! plans the case from the same stream; this stage decides who is referred and counts it, and
//! the groups of `ld_custody_rr` and `ld_reoffending_1y_rr`: referred people against eligible
//! people in areas without L&D (coverage is random by area, so the comparison is unconfounded).

use rand::RngExt;

use super::metrics::set_group_years;
use super::people::Place;
use super::tally::{ByGroup, ByYear, by_group, ratio, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Purpose, Stamp, Tick};
use crate::model::recorder::Recorder;
use crate::scenario::pathway::liaison_diversion::LIAISON_DIVERSION_REFERRALS;

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum PoliceEvent {
    /// The day in police custody ends: to remand, bail, or (after s136) the community.
    End { slot: u32, token: u32 },
}

tally! {
    /// What police custody and L&D count in the measured window.
    pub(super) struct PoliceTally {
        police_contacts: u64,
        s136: u64,
        ld_referrals: u64,
        diverted_from_custody: u64,
        /// L&D referrals by year of the window (priced per referral).
        ld_referrals_by_year: ByGroup<ByYear>,
        /// By [`LdGroup`] (referred, eligible uncovered): case outcomes in the window, and
        /// those custodial (custody or hospital order).
        ld_outcomes: [u64; 2],
        ld_custodial: [u64; 2],
        /// By [`LdGroup`]: police contacts in the window whose year ends inside it, and those
        /// followed by another police contact within 365 days.
        ld_cohort: [u64; 2],
        ld_cohort_reoffended: [u64; 2],
    }
}

/// The two groups compared in `ld_custody_rr` and `ld_reoffending_1y_rr`, as stored in a case
/// (0: neither).
pub(super) mod ld_group {
    /// Eligible, covered and referred.
    pub(in super::super) const REFERRED: u8 = 1;
    /// Eligible, in an area without L&D at the contact.
    pub(in super::super) const UNCOVERED: u8 = 2;
}

impl PoliceTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            police_contacts: 0,
            s136: 0,
            ld_referrals: 0,
            diverted_from_custody: 0,
            ld_referrals_by_year: by_group(|| ByYear::new(warm, end)),
            ld_outcomes: [0; 2],
            ld_custodial: [0; 2],
            ld_cohort: [0; 2],
            ld_cohort_reoffended: [0; 2],
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// Whether the person's area has L&D at `now`: their area's uniform (one per person, from
    /// its own stream) against the coverage then, so the covered areas are nested.
    fn ld_covered(&self, id: u64, now: Tick) -> bool {
        let u: f64 = self
            .streams
            .stream(id, Purpose::new(purpose::AREA, 0))
            .random();
        u < self.p.ld_coverage_at(now)
    }

    /// Whether a person with a mental health need is one L&D is for (L5), a trait: their own
    /// uniform against the eligible share of the parameters in force.
    fn ld_eligible(&self, id: u64) -> bool {
        let u: f64 = self
            .streams
            .stream(id, Purpose::new(purpose::LD_ELIGIBILITY, 0))
            .random();
        u < self.p.ld_eligible_share
    }

    /// Police contact: arrest (or s136), L&D, and the court's plan for the case.
    pub(super) fn police_contact(&mut self, slot: u32, now: Tick, ctx: &mut Context<'_, Event>) {
        let p = self.p;
        let mut rng = self.open_case(slot);
        if !self.people[slot as usize].conditions_drawn {
            self.draw_conditions(slot, now);
        }
        let measured = self.measured(now);
        if measured {
            self.t.police.police_contacts += 1;
        }
        self.close_ld_cohort(slot, now);
        let q = &self.people[slot as usize];
        let (need, id) = (q.has_need(), q.id);
        let s136 = need && rng.random::<f64>() < p.s136_share;
        // Drawn for everyone with a need, covered or not, so that a change of coverage or
        // eligibility leaves the rest of the case's draws in place (common random numbers).
        let identified = !s136 && need && rng.random::<f64>() < p.ld_identification;
        let eligible = !s136 && need && self.ld_eligible(id);
        let covered = eligible && self.ld_covered(id, now);
        let referred = covered && identified;
        let group = if referred {
            ld_group::REFERRED
        } else if eligible && !covered {
            ld_group::UNCOVERED
        } else {
            0
        };
        let plan = self.plan_case(slot, &mut rng, need, s136, referred, now);
        self.people[slot as usize].case.ld = group;
        if referred {
            let who = self.people[slot as usize].who();
            self.t.police.ld_referrals_by_year[who].count(now);
        }
        if measured {
            let t = &mut self.t.police;
            t.ld_referrals += referred as u64;
            t.s136 += s136 as u64;
            t.diverted_from_custody += plan.diverted as u64;
            if group != 0 && now + days(365.0) <= self.t.end {
                t.ld_cohort[group as usize - 1] += 1;
                let c = &mut self.people[slot as usize].case;
                c.ld_cohort = group;
                c.ld_cohort_at = Stamp::at(now);
            }
        }
        self.move_to(slot, Place::PoliceCustody, now);
        let token = self.people[slot as usize].tokens.case;
        ctx.schedule_in(
            p.police_custody,
            Event::Police(PoliceEvent::End { slot, token }),
        );
        if s136 {
            // Taken to a place of safety and not charged: back to the community.
            self.people[slot as usize].case.no_charge();
            return;
        }
        self.people[slot as usize].case.start = Stamp::at(now + p.police_custody);
        self.schedule_court(slot, token, p.police_custody + plan.wait, ctx);
    }

    /// A new police contact closes the person's open L&D reoffending cohort entry: a
    /// reoffence if within 365 days of the contact that opened it.
    fn close_ld_cohort(&mut self, slot: u32, now: Tick) {
        let c = &mut self.people[slot as usize].case;
        if c.ld_cohort != 0 {
            if now - c.ld_cohort_at.tick() <= days(365.0) {
                self.t.police.ld_cohort_reoffended[c.ld_cohort as usize - 1] += 1;
            }
            c.ld_cohort = 0;
        }
    }

    /// Counts a case's outcome for `ld_custody_rr`, if the case is in one of its groups.
    pub(super) fn count_ld_outcome(&mut self, group: u8, custodial: bool, now: Tick) {
        if group != 0 && self.measured(now) {
            let t = &mut self.t.police;
            t.ld_outcomes[group as usize - 1] += 1;
            t.ld_custodial[group as usize - 1] += custodial as u64;
        }
    }

    pub(super) fn police_event(&mut self, e: PoliceEvent, now: Tick, ctx: &mut Context<'_, Event>) {
        let PoliceEvent::End { slot, token } = e;
        let q = &self.people[slot as usize];
        if q.place == Place::Gone || q.tokens.case != token {
            return;
        }
        let (charged, remanded) = (q.case.charged(), q.case.remanded);
        if !charged {
            self.move_to(slot, Place::Community, now);
            self.enter_community(slot, now, super::court::OTHER, false, now, ctx);
        } else if remanded {
            self.reception(slot, Place::Remand, now, ctx);
        } else {
            self.move_to(slot, Place::Bail, now);
        }
    }
}

pub(super) fn metrics(t: &PoliceTally, out: &mut Out) {
    out.count("police_contacts", t.police_contacts);
    out.count("s136_detentions", t.s136);
    out.count("liaison_diversion_referrals", t.ld_referrals);
}

/// Reported after the court's reports, as first published.
pub(super) fn diversion_metrics(t: &PoliceTally, out: &mut Out) {
    out.count("diverted_from_custody", t.diverted_from_custody);
    let (r, u) = (
        ld_group::REFERRED as usize - 1,
        ld_group::UNCOVERED as usize - 1,
    );
    let ratio_of_shares = |a, b, c, d| ratio(share(a, b), share(c, d));
    out.push(
        "ld_custody_rr",
        ratio_of_shares(
            t.ld_custodial[r],
            t.ld_outcomes[r],
            t.ld_custodial[u],
            t.ld_outcomes[u],
        ),
    );
    out.push(
        "ld_reoffending_1y_rr",
        ratio_of_shares(
            t.ld_cohort_reoffended[r],
            t.ld_cohort[r],
            t.ld_cohort_reoffended[u],
            t.ld_cohort[u],
        ),
    );
}

pub(super) fn drivers(t: &PoliceTally, d: &mut Drivers) {
    set_group_years(d, LIAISON_DIVERSION_REFERRALS, &t.ld_referrals_by_year, 1.0);
}
