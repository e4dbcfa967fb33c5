//! Probation and the community: supervision, reoffending, recall, deaths, psychological therapy
//! (IAPT), and leaving the model.
//!
//! On entering the community (after release, a court outcome or s136) everything that could
//! happen next is drawn at once from the spell's stream, and only the first is scheduled:
//!
//! - **reoffending**, with the share of the person's sentence group (R-figures; men with
//!   psychosis scaled by `psychosis_reoffend_ratio_men`), after `reoffend_days`: back to a
//!   police contact;
//! - **death**: suicide and drug-related death by the post-release schedules (days since
//!   release) or by the community rates, and other causes;
//! - **recall** to custody, for some people under supervision, at a uniform time within it;
//! - otherwise **leaving the model** after the follow-up period (or the end of supervision).
//!
//! **IAPT**: people referred on from prison therapy, and people with depression or anxiety
//! referred by probation (`probation_therapy_referral_share`), are referred to psychological
//! therapy at the start of the spell ([`super::iapt`]); the course ends with the spell at the
//! latest, and changes nothing else in the person's path (P6 has no comparison group).

use rand::RngExt;
use rand_distr::{Distribution as _, Exp1};

use super::court::SHORT_CUSTODY;
use super::metrics::set_group_years;
use super::people::{DEPRESSION_ANXIETY, PSYCHOSIS, Place};
use super::tally::{ByGroup, ByYear, by_group, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::Drivers;
use crate::engine::{Context, Stamp, TICKS_PER_DAY, Tick, ticks_to_days};
use crate::model::recorder::Recorder;
use crate::scenario::pathway::community::REOFFENCES;
use crate::scenario::pathway::probation::PROBATION_DAYS;

/// The person's current spell in the community.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Spell {
    /// Community spells so far (numbers each spell's draws).
    pub(super) number: u32,
    /// The spell began at a release from custody.
    pub(super) post_release: bool,
    /// Back in custody on recall (the next release continues the original release's follow-up).
    pub(super) recalled: bool,
    /// In the short-sentence release cohort whose one-year reoffending is being followed.
    pub(super) cohort_open: bool,
    /// The next community spell begins at a discharge from secure hospital.
    pub(super) from_secure_next: bool,
    /// This spell began at a discharge from secure hospital.
    pub(super) post_secure: bool,
    pub(super) cohort_release: Stamp,
    /// A course of psychological therapy referred in this spell ([`super::iapt`]).
    pub(super) iapt: super::iapt::Course,
}

/// What happens first in a community spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    Reoffence,
    Suicide,
    DrugDeath,
    OtherDeath,
    Leave,
    Recall,
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum CommunityEvent {
    Next { slot: u32, token: u32, next: Next },
}

tally! {
    /// What probation and the community count in the measured window.
    pub(super) struct CommunityTally {
        /// Person-days in the first year after release, inside the window.
        post_release_days: f64,
        /// Person-days under supervision, inside the window.
        probation_days: f64,
        /// Person-days in weeks 1 and 2 after a release, by week and sex (M3's bands).
        release_week_days: [[f64; 2]; 2],
        /// Deaths of all causes in weeks 1 and 2 after a release, by week and sex.
        release_week_deaths: [[u64; 2]; 2],
        /// Person-days after the first year since a release, and deaths of all causes in them
        /// (the hazards' tail, `[probation]`'s community rates).
        post_release_after_1y_days: f64,
        post_release_after_1y_deaths: u64,
        /// Person-days of community spells that began at a discharge from secure hospital, and
        /// their events (S8's measures; readmission has no route within such a spell).
        post_secure_days: f64,
        post_secure_reoffences: u64,
        post_secure_readmissions: u64,
        post_secure_suicides: u64,
        post_secure_deaths: u64,
        short_cohort: u64,
        short_cohort_reoffended: u64,
        reoffences: u64,
        recalls: u64,
        left_model: u64,
        post_release_suicides: u64,
        post_release_suicides_28d: u64,
        post_release_drug_deaths: u64,
        probation_suicides: u64,
        community_suicides: u64,
        community_drug_deaths: u64,
        community_other_deaths: u64,
        /// Supervision by year of the window (probation days are priced).
        probation_by_year: ByGroup<ByYear>,
        reoffences_by_year: ByGroup<ByYear>,
    }
}

impl CommunityTally {
    pub(super) fn new(warm: Tick, end: Tick) -> Self {
        Self {
            post_release_days: 0.0,
            probation_days: 0.0,
            release_week_days: [[0.0; 2]; 2],
            release_week_deaths: [[0; 2]; 2],
            post_release_after_1y_days: 0.0,
            post_release_after_1y_deaths: 0,
            post_secure_days: 0.0,
            post_secure_reoffences: 0,
            post_secure_readmissions: 0,
            post_secure_suicides: 0,
            post_secure_deaths: 0,
            short_cohort: 0,
            short_cohort_reoffended: 0,
            reoffences: 0,
            recalls: 0,
            left_model: 0,
            post_release_suicides: 0,
            post_release_suicides_28d: 0,
            post_release_drug_deaths: 0,
            probation_suicides: 0,
            community_suicides: 0,
            community_drug_deaths: 0,
            community_other_deaths: 0,
            probation_by_year: by_group(|| ByYear::new(warm, end)),
            reoffences_by_year: by_group(|| ByYear::new(warm, end)),
        }
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// Enters the community after release (`from_custody`), a court outcome or s136. Draws
    /// what happens next and schedules only the first of it.
    pub(super) fn enter_community(
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
            q.community.number += 1;
            q.tokens.community += 1;
            q.case.group_after = group;
            q.case.supervision_end = supervision_end;
            q.case.custody_over = false;
            q.community.post_release = from_custody;
            q.community.post_secure = q.community.from_secure_next;
            q.community.from_secure_next = false;
            (q.community.number, q.tokens.community)
        };
        let q = self.people[slot as usize];
        let onward = q.care.onward_pending;
        self.people[slot as usize].care.onward_pending = false;
        let sex = q.female as usize;
        let mut rng = self.stream(slot, purpose::COMMUNITY, n);
        let mut ever = p.reoffend_ever[group as usize];
        if !q.female && q.has(PSYCHOSIS) {
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

        // The first thing to happen; on equal times the earlier in this list.
        let mut first = (f64::INFINITY, Next::Leave);
        let mut consider = |t: Option<f64>, next: Next| {
            if let Some(t) = t
                && t < first.0
            {
                first = (t, next);
            }
        };
        consider(reoffends.then_some(reoffend_days), Next::Reoffence);
        consider(suicide, Next::Suicide);
        consider(drug, Next::DrugDeath);
        consider(other, Next::OtherDeath);
        consider(recall, Next::Recall);
        if !reoffends {
            consider(Some(leave), Next::Leave);
        }
        let (next_days, next) = first;
        let at = now.saturating_add(days(next_days.min(1e7)));

        // Person-time at risk, clipped to the measured window: the first year after release, and
        // time under supervision.
        let (warm, end) = (self.t.warm, self.t.end);
        let clip = |from: Tick, to: Tick| -> f64 {
            let (a, b) = (from.max(warm), to.min(end));
            if b > a {
                (b - a) as f64 / TICKS_PER_DAY as f64
            } else {
                0.0
            }
        };
        let t = &mut self.t.community;
        if from_custody {
            t.post_release_days += clip(now, at.min(now + days(365.25)));
            for (week, d) in t.release_week_days.iter_mut().enumerate() {
                let start = now + days(7.0 * week as f64);
                d[sex] += clip(start, at.min(start + days(7.0)));
            }
            t.post_release_after_1y_days += clip(now + days(365.25), at);
            // One-year proven reoffending of the short-sentence release cohort (R1), for
            // releases whose year of follow-up ends inside the window. A release from recall
            // continues the original release's year.
            let c = &mut self.people[slot as usize].community;
            if c.recalled {
                c.recalled = false;
            } else {
                c.cohort_open = false;
                if group == SHORT_CUSTODY && now >= warm && now + days(365.0) <= end {
                    t.short_cohort += 1;
                    c.cohort_open = true;
                    c.cohort_release = Stamp::at(now);
                }
            }
        }
        if q.community.post_secure {
            t.post_secure_days += clip(now, at);
        }
        t.probation_days += clip(now, at.min(supervision_end));
        t.probation_by_year[q.who()].span(now, at.min(supervision_end), 1);

        // Psychological therapy in the community: onward referral from prison therapy, or
        // referral by probation for people with depression or anxiety.
        let by_probation = supervised_days > 0.0
            && q.has(DEPRESSION_ANXIETY)
            && iapt_u < p.probation_therapy_referral_share;
        if onward || by_probation {
            self.refer_to_iapt(slot, now, n, by_probation, ctx);
        }
        if at < end {
            ctx.schedule_at(
                at,
                Event::Community(CommunityEvent::Next { slot, token, next }),
            );
        }
    }

    pub(super) fn community_event(
        &mut self,
        e: CommunityEvent,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let CommunityEvent::Next { slot, token, next } = e;
        let q = self.people[slot as usize];
        if q.place != Place::Community || q.tokens.community != token {
            return;
        }
        // Whatever comes first ends the spell, and with it any therapy referred in it.
        self.end_community_therapy(slot, now, ctx);
        let measured = self.measured(now);
        let since_release = now.saturating_sub(q.release.last.tick());
        let post_release = q.community.post_release && since_release <= days(365.25);
        let on_probation = now < q.case.supervision_end;
        let t = &mut self.t.community;
        match next {
            Next::Reoffence => {
                if measured {
                    t.post_secure_reoffences += q.community.post_secure as u64;
                    t.reoffences += 1;
                    t.reoffences_by_year[q.who()].count(now);
                }
                if q.community.cohort_open {
                    if now - q.community.cohort_release.tick() <= days(365.0) {
                        t.short_cohort_reoffended += 1;
                    }
                    self.people[slot as usize].community.cohort_open = false;
                }
                self.police_contact(slot, now, ctx);
            }
            Next::Recall => {
                if measured {
                    t.recalls += 1;
                }
                self.recall_to_custody(slot, now, ctx);
            }
            Next::Leave => {
                if measured {
                    t.left_model += 1;
                }
                self.exit(slot, now, false);
            }
            Next::Suicide | Next::DrugDeath | Next::OtherDeath => {
                if measured && q.community.post_secure {
                    t.post_secure_deaths += 1;
                    t.post_secure_suicides += (next == Next::Suicide) as u64;
                }
                if measured && q.community.post_release {
                    let week = (since_release / days(7.0)) as usize;
                    if week < 2 {
                        t.release_week_deaths[week][q.female as usize] += 1;
                    } else if since_release >= days(365.25) {
                        t.post_release_after_1y_deaths += 1;
                    }
                }
                if measured {
                    match next {
                        Next::Suicide => {
                            t.community_suicides += 1;
                            if post_release {
                                t.post_release_suicides += 1;
                                if since_release <= days(28.0) {
                                    t.post_release_suicides_28d += 1;
                                }
                            }
                            if on_probation {
                                t.probation_suicides += 1;
                            }
                        }
                        Next::DrugDeath => {
                            t.community_drug_deaths += 1;
                            if post_release {
                                t.post_release_drug_deaths += 1;
                            }
                        }
                        _ => t.community_other_deaths += 1,
                    }
                    self.count_death(slot, now);
                }
                self.exit(slot, now, true);
            }
        }
    }
}

/// This stage's metrics in the headline table of `cjmh compare`.
pub(super) const HEADLINE: &[&str] = &[
    "reoffending_1y_short_sentence_share",
    "post_release_suicides",
    "post_release_drug_deaths",
    "iapt_recovered",
];

/// Reoffending and recall; reported after releases, as first published.
pub(super) fn reoffending_metrics(t: &CommunityTally, out: &mut Out) {
    out.push(
        "reoffending_1y_short_sentence_share",
        share(t.short_cohort_reoffended, t.short_cohort),
    );
    out.count("reoffences", t.reoffences);
    out.count("recalls", t.recalls);
    out.count("left_model", t.left_model);
}

/// Deaths after release and under supervision.
pub(super) fn metrics(t: &CommunityTally, out: &mut Out) {
    let rate =
        |deaths: u64, per: f64, days: f64| super::tally::ratio(deaths as f64 * per, days / 365.25);
    out.count("post_release_suicides", t.post_release_suicides);
    out.push(
        "post_release_suicide_rate_per_100k_py",
        rate(t.post_release_suicides, 1e5, t.post_release_days),
    );
    out.push(
        "post_release_suicides_within_28d_share",
        share(t.post_release_suicides_28d, t.post_release_suicides),
    );
    out.count("post_release_drug_deaths", t.post_release_drug_deaths);
    out.push(
        "post_release_drug_death_rate_per_1000_py",
        rate(t.post_release_drug_deaths, 1e3, t.post_release_days),
    );
    for (week, name) in ["week1", "week2"].iter().enumerate() {
        for (sex, sex_name) in ["male", "female"].iter().enumerate() {
            out.push(
                format!("post_release_death_rate_{name}_per_1000_py.{sex_name}"),
                rate(
                    t.release_week_deaths[week][sex],
                    1e3,
                    t.release_week_days[week][sex],
                ),
            );
        }
    }
    out.count(
        "post_release_deaths_after_1y",
        t.post_release_after_1y_deaths,
    );
    out.push(
        "post_release_death_rate_after_1y_per_1000_py",
        rate(
            t.post_release_after_1y_deaths,
            1e3,
            t.post_release_after_1y_days,
        ),
    );
    let py = t.post_secure_days / 365.25;
    out.push("post_secure_discharge_person_years", py);
    for (name, n) in [
        ("reoffending", t.post_secure_reoffences),
        ("readmission", t.post_secure_readmissions),
        ("suicide", t.post_secure_suicides),
        ("deaths", t.post_secure_deaths),
    ] {
        out.push(
            format!("post_secure_discharge_{name}_per_100k_py"),
            super::tally::ratio(n as f64 * 1e5, py),
        );
    }
    out.count("probation_suicides", t.probation_suicides);
    out.push(
        "probation_suicide_rate_per_100k_py",
        rate(t.probation_suicides, 1e5, t.probation_days),
    );
    out.push("probation_person_years", t.probation_days / 365.25);
    out.count("community_suicides", t.community_suicides);
    out.count("community_drug_deaths", t.community_drug_deaths);
    out.count("community_other_deaths", t.community_other_deaths);
}

pub(super) fn drivers(t: &CommunityTally, d: &mut Drivers) {
    let day = TICKS_PER_DAY as f64;
    set_group_years(d, PROBATION_DAYS, &t.probation_by_year, day);
    set_group_years(d, REOFFENCES, &t.reoffences_by_year, 1.0);
}
