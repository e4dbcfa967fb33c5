//! Police custody and liaison and diversion (L&D).
//!
//! Every charge starts with a day in police custody. A person with a mental health need may be
//! detained under section 136 instead of charged (taken to a place of safety and back to the
//! community). Otherwise, where L&D operates (`ld_coverage`), it identifies a share of people
//! with a need (`ld_identification`) and refers them. A referral (seed 001, L1-L5):
//!
//! - lets the court divert some people who would have had a custodial sentence to a community
//!   order (`ld_custody_relative_risk`), counted as `diverted_from_custody`;
//! - makes a mental health treatment requirement more likely (`ld_mhtr_share`);
//! - stands in for a psychiatric report, so the case does not wait for one.
//!
//! Those effects are applied by the court ([`super::court`]), which plans the case from the
//! same stream; this stage decides who is referred and counts it.

use rand::RngExt;

use super::metrics::set_years;
use super::people::Place;
use super::tally::{ByYear, tally};
use super::{Event, Out, PathwayModel};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, Tick};
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
        ld_referrals_by_year: ByYear,
    }
}

impl PoliceTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            police_contacts: 0,
            s136: 0,
            ld_referrals: 0,
            diverted_from_custody: 0,
            ld_referrals_by_year: ByYear::new(warm, end),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
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
        let q = &self.people[slot as usize];
        let (need, covered) = (q.has_need(), q.covered);
        let s136 = need && rng.random::<f64>() < p.s136_share;
        let referred = !s136 && need && covered && rng.random::<f64>() < p.ld_identification;
        let plan = self.plan_case(slot, &mut rng, need, s136, referred, now);
        if referred {
            self.t.police.ld_referrals_by_year.count(now);
        }
        if measured {
            let t = &mut self.t.police;
            t.ld_referrals += referred as u64;
            t.s136 += s136 as u64;
            t.diverted_from_custody += plan.diverted as u64;
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
}

pub(super) fn drivers(t: &PoliceTally, d: &mut Drivers) {
    set_years(
        d,
        LIAISON_DIVERSION_REFERRALS,
        t.ld_referrals_by_year.years(),
        1.0,
    );
}
