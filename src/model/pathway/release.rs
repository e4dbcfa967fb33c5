//! Release from custody (or from hospital at the end of a sentence) into the community.
//!
//! At each release the person may have no fixed abode, no GP, and (with psychosis) contact
//! with a community mental health team within six months, with the shares of seed 001.
//!
//! **Release support** (`[release_support]`, policy scenarios; seed 001 recommendation 6):
//! release treated as a time of crisis, with engagement before release, being met at the gate,
//! and time-limited support after, as the Engager trial delivered it (E2). Who is eligible is
//! the trial's population unless the scenario says it extrapolates
//! ([`SupportPopulation`]); each eligible person joins once, with `participation_share`, and
//! every one who joins is counted and priced, reached or not, because C16's cost and E3's QALYs
//! are per randomised participant (intention to treat). Engager moved nothing the model carries
//! (E2: no difference in distress; no result on GP registration, contact, deaths or
//! reoffending), so by default support changes nothing else; a scenario may set supported GP and
//! CMHT shares as a labelled extrapolation. Its draws come after the release's own, and the same
//! uniforms decide GP and CMHT, so such an extrapolation moves people across those thresholds
//! and changes nothing else.

use rand::RngExt;

use super::court::Case;
use super::metrics::set_group_years;
use super::people::{DEPRESSION_ANXIETY, PSYCHOSIS, Person, Place};
use super::tally::{ByGroup, ByYear, by_group, tally};
use super::{Event, Out, PathwayModel, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, Tick};
use crate::model::recorder::Recorder;
use crate::scenario::pathway::release::{RELEASE_SUPPORT_PARTICIPANTS, RELEASES_ON_LICENCE};
use crate::scenario::pathway::{ReleaseSupport, SupportPopulation};

/// The person's releases.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Release {
    /// Releases so far (numbers each release's draws).
    pub(super) number: u32,
    /// When last released (follow-up of deaths after release counts from here).
    pub(super) last: Stamp,
    /// Has joined release support (a person joins once, as in a trial).
    pub(super) supported: bool,
}

/// How a person leaves custody, for release support's eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Leaving {
    /// At the end of a sentence.
    SentenceEnd,
    /// At the end of a recall.
    RecallEnd,
    /// Discharged from secure hospital at the end of a sentence or order.
    Hospital,
}

/// Whether release support may be offered to `q` leaving custody this way: Engager's population
/// (E2: men serving sentences of up to two years with common mental health problems, recruited
/// 4-20 weeks before release) or, when the scenario extrapolates, everyone with a need. Read
/// from the policy's current parameters at the release, so a policy that starts later applies
/// from then on.
pub(super) fn support_eligible(
    s: &ReleaseSupport,
    q: &Person,
    leaving: Leaving,
    release_fraction: f64,
) -> bool {
    if q.release.supported {
        return false;
    }
    match s.population {
        SupportPopulation::MentalHealthNeed => q.has_need(),
        SupportPopulation::Trial => {
            // Depression or anxiety stands for "common mental health problems"; psychosis is
            // severe mental illness, the population of CrISP (E4) and in-reach, not Engager's.
            // The time served before release is the custodial part of the sentence (remand
            // counts towards it).
            !q.female
                && leaving == Leaving::SentenceEnd
                && q.has(DEPRESSION_ANXIETY)
                && !q.has(PSYCHOSIS)
                && q.case.sentence_days <= s.max_sentence_days
                && q.case.sentence_days * release_fraction >= s.min_days_in_custody
        }
    }
}

tally! {
    /// What releases count in the measured window.
    pub(super) struct ReleaseTally {
        releases: u64,
        releases_no_fixed_abode: u64,
        releases_no_gp: u64,
        smi_releases: u64,
        smi_cmht_contact: u64,
        release_support_eligible: u64,
        release_support_participants: u64,
        /// Participants in release support by year of the window (priced per participant).
        support_by_year: ByGroup<ByYear>,
        /// Releases onto licence (see [`RELEASES_ON_LICENCE`]), and by year of the window
        /// (probation supervision is priced per licence).
        releases_on_licence: u64,
        licences_by_year: ByGroup<ByYear>,
    }
}

impl ReleaseTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            releases: 0,
            releases_no_fixed_abode: 0,
            releases_no_gp: 0,
            smi_releases: 0,
            smi_cmht_contact: 0,
            release_support_eligible: 0,
            release_support_participants: 0,
            support_by_year: by_group(|| ByYear::new(warm, end)),
            releases_on_licence: 0,
            licences_by_year: by_group(|| ByYear::new(warm, end)),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    pub(super) fn release_to_community(
        &mut self,
        slot: u32,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let p = self.p;
        let leaving = {
            let q = &self.people[slot as usize];
            if q.place == Place::SecureHospital {
                Leaving::Hospital
            } else if q.community.recalled {
                Leaving::RecallEnd
            } else {
                Leaving::SentenceEnd
            }
        };
        let measured = self.measured(now);
        let releases = {
            let r = &mut self.people[slot as usize].release;
            r.number += 1;
            r.last = Stamp::at(now);
            r.number
        };
        let q = self.people[slot as usize];
        let mut rng = self.stream(slot, purpose::RELEASE, releases);
        let nfa = rng.random::<f64>() < p.no_fixed_abode_share;
        let (u_gp, u_cmht): (f64, f64) = (rng.random(), rng.random());
        let (mut no_gp_share, mut cmht_share) = (p.no_gp_share, p.cmht_contact_6m_share);
        if let Some(support) = p.release_support
            && support_eligible(&support, &q, leaving, p.release_fraction)
        {
            let joins = rng.random::<f64>() < support.participation_share;
            if measured {
                self.t.release.release_support_eligible += 1;
                self.t.release.release_support_participants += joins as u64;
            }
            if joins {
                self.people[slot as usize].release.supported = true;
                let who = self.people[slot as usize].who();
                self.t.release.support_by_year[who].count(now);
                no_gp_share = support.no_gp_share.unwrap_or(no_gp_share);
                cmht_share = support.cmht_contact_6m_share.unwrap_or(cmht_share);
            }
        }
        let no_gp = u_gp < no_gp_share;
        let cmht = u_cmht < cmht_share;
        if on_licence(leaving, q.case.supervision_end, now) {
            self.t.release.licences_by_year[q.who()].count(now);
            self.t.release.releases_on_licence += measured as u64;
        }
        if measured {
            let t = &mut self.t.release;
            t.releases += 1;
            t.releases_no_fixed_abode += nfa as u64;
            t.releases_no_gp += no_gp as u64;
            if q.has(PSYCHOSIS) {
                t.smi_releases += 1;
                t.smi_cmht_contact += cmht as u64;
            }
        }
        self.move_to(slot, Place::Community, now);
        let Case {
            group_after,
            supervision_end,
            ..
        } = q.case;
        self.enter_community(slot, now, group_after, true, supervision_end.max(now), ctx);
    }
}

/// Whether a release starts a licence: at the end of a sentence (or a discharge from hospital
/// at its end) with supervision still to run. The end of a recall resumes the licence it
/// interrupted, which was counted when it began.
pub(super) fn on_licence(leaving: Leaving, supervision_end: Tick, now: Tick) -> bool {
    leaving != Leaving::RecallEnd && supervision_end > now
}

/// This stage's metrics in the headline table of `cjmh compare`.
pub(super) const HEADLINE: &[&str] = &["release_support_participants", "release_no_gp_share"];

/// Reported after the spot purchases, as first published.
pub(super) fn support_metrics(t: &ReleaseTally, out: &mut Out) {
    out.count("release_support_eligible", t.release_support_eligible);
    out.count(
        "release_support_participants",
        t.release_support_participants,
    );
}

pub(super) fn metrics(t: &ReleaseTally, out: &mut Out) {
    out.count("releases", t.releases);
    out.push("releases_per_year", t.releases as f64 / out.years);
    out.count("releases_on_licence", t.releases_on_licence);
    out.push(
        "release_no_fixed_abode_share",
        share(t.releases_no_fixed_abode, t.releases),
    );
    out.push("release_no_gp_share", share(t.releases_no_gp, t.releases));
    out.push(
        "community_mh_contact_6m_share",
        share(t.smi_cmht_contact, t.smi_releases),
    );
}

pub(super) fn drivers(t: &ReleaseTally, d: &mut Drivers) {
    set_group_years(d, RELEASE_SUPPORT_PARTICIPANTS, &t.support_by_year, 1.0);
    set_group_years(d, RELEASES_ON_LICENCE, &t.licences_by_year, 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_licence_starts_at_a_sentences_end_with_supervision_to_run_not_at_a_recalls_end() {
        assert!(on_licence(Leaving::SentenceEnd, 100, 99));
        assert!(on_licence(Leaving::Hospital, 100, 99));
        assert!(!on_licence(Leaving::RecallEnd, 100, 99));
        assert!(!on_licence(Leaving::SentenceEnd, 99, 99));
    }

    fn trial() -> ReleaseSupport {
        ReleaseSupport {
            population: SupportPopulation::Trial,
            participation_share: 1.0,
            max_sentence_days: 730.0,
            min_days_in_custody: 28.0,
            no_gp_share: None,
            cmht_contact_6m_share: None,
        }
    }

    /// A man with depression or anxiety at the end of a one-year sentence: Engager's population.
    fn engager_man() -> Person {
        let mut q = Person {
            conditions: DEPRESSION_ANXIETY,
            ..Person::default()
        };
        q.case.sentence_days = 365.0;
        q
    }

    #[test]
    fn the_trial_population_is_men_with_common_problems_leaving_short_sentences() {
        let s = trial();
        let half = 0.5;
        assert!(support_eligible(
            &s,
            &engager_man(),
            Leaving::SentenceEnd,
            half
        ));
        let mut woman = engager_man();
        woman.female = true;
        assert!(!support_eligible(&s, &woman, Leaving::SentenceEnd, half));
        let mut long = engager_man();
        long.case.sentence_days = 731.0;
        assert!(!support_eligible(&s, &long, Leaving::SentenceEnd, half));
        let mut two_years = engager_man();
        two_years.case.sentence_days = 730.0;
        assert!(support_eligible(&s, &two_years, Leaving::SentenceEnd, half));
        let mut smi = engager_man();
        smi.conditions |= PSYCHOSIS;
        assert!(!support_eligible(&s, &smi, Leaving::SentenceEnd, half));
        let mut harm_without_depression = engager_man();
        harm_without_depression.conditions =
            super::super::people::MH_NEED & !(DEPRESSION_ANXIETY | PSYCHOSIS);
        assert!(!support_eligible(
            &s,
            &harm_without_depression,
            Leaving::SentenceEnd,
            half
        ));
        // Recruited at least four weeks before release: 50 days' sentence, 25 served.
        let mut too_short = engager_man();
        too_short.case.sentence_days = 50.0;
        assert!(!support_eligible(
            &s,
            &too_short,
            Leaving::SentenceEnd,
            half
        ));
        for leaving in [Leaving::RecallEnd, Leaving::Hospital] {
            assert!(!support_eligible(&s, &engager_man(), leaving, half));
        }
        let mut joined = engager_man();
        joined.release.supported = true;
        assert!(!support_eligible(&s, &joined, Leaving::SentenceEnd, half));
    }

    #[test]
    fn the_extrapolated_population_is_everyone_with_a_need_once() {
        let s = ReleaseSupport {
            population: SupportPopulation::MentalHealthNeed,
            ..trial()
        };
        let mut woman = engager_man();
        woman.female = true;
        woman.case.sentence_days = 3000.0;
        assert!(support_eligible(&s, &woman, Leaving::Hospital, 0.5));
        woman.release.supported = true;
        assert!(!support_eligible(&s, &woman, Leaving::SentenceEnd, 0.5));
        let nobody = Person::default();
        assert!(!support_eligible(&s, &nobody, Leaving::SentenceEnd, 0.5));
    }
}
