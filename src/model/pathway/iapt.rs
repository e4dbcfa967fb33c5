//! Psychological therapy in the community (IAPT): referral, the wait for a therapist, the course
//! and its end.
//!
//! Two services give it ([`SERVICE_NAMES`]): the local IAPT services, and therapists co-located
//! in probation offices (a policy; none in the baseline). People referred by probation go to the
//! co-located service when there is one; people referred on from prison therapy, and everyone
//! when there is none, go to the local services.
//!
//! **Capacity.** A service is whole-time therapists in local teams (`team_therapists` each). A
//! therapist gives `sessions_per_therapist_week` sessions a week and a course has one session a
//! week, so a team carries that many courses per therapist at once: its places. A referral
//! goes to one team, chosen at random in proportion to its places, and enters treatment with the
//! service's `entered_share` (P2: 29% never do). Those who enter wait, first come first served,
//! for a place in their team; nobody starts without one. So waits come from demand against
//! capacity: more referrals, longer waits; more therapists, shorter ones.
//!
//! **The course** is stepped care: step 3 (high intensity) with `high_intensity_share`, else
//! step 2, with the step's sessions if completed (`completed_share`, P2) and
//! `sessions_not_completed` if not (P2: most who do not complete attend one session). A
//! completed course ends in recovery with `recovery_share` (P1, P4), which the health stage
//! values ([`super::health`]). Reoffending is unchanged (P6 has no comparison group).
//!
//! **The community spell.** A course belongs to the community spell it was referred in: when
//! the spell ends (reoffending, recall, death, or leaving the model at the end of follow-up) a
//! person waiting stops waiting and a course under way stops, and its place goes to the next
//! person waiting ([`PathwayModel::end_community_therapy`]).
//!
//! **The money.** The local services are priced per completed course (the pathway's people are
//! a small part of their work), the co-located service by its therapists' time, busy or not, so
//! spare or short capacity shows in the cost.

use std::collections::VecDeque;

use rand::RngExt;

use super::people::Place;
use super::tally::{ByGroup, ByYear, DayHistogram, Level, LevelByYear, by_group, tally};
use super::{Event, Out, PathwayModel, days, purpose, share};
use crate::economics::{Drivers, Economics};
use crate::engine::{Context, Stamp, TICKS_PER_DAY, Tick};
use crate::model::recorder::Recorder;
use crate::scenario::Pathway;
use crate::scenario::pathway::iapt::{
    COMMUNITY, IAPT_COMMUNITY_COURSES_COMPLETED, IAPT_PROBATION_THERAPIST_DAYS, PROBATION,
    SERVICE_NAMES,
};

/// Most teams a service is split into (a team's number is kept in 15 bits of the record, the
/// 16th marking a team that is [`RETIRING`]); more therapists than this make larger teams.
const MAX_TEAMS: u32 = RETIRING as u32 - 1;

/// IAPT's part of a person's record: where they are with a course referred in the current
/// community spell. Kept inside the community spell's part ([`super::community::Spell`]), in
/// three bytes its layout already had spare (so one byte for the state and the service, and the
/// team as bytes, which need no alignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Course {
    pub(super) state: CourseState,
    /// The team waited for or seen by (little-endian).
    team: [u8; 2],
}

impl Course {
    fn new(state: CourseState, team: u16) -> Self {
        Self {
            state,
            team: team.to_le_bytes(),
        }
    }

    fn team(self) -> u16 {
        u16::from_le_bytes(self.team)
    }
}

/// Where a person is with a course, and with which service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub(super) enum CourseState {
    #[default]
    None,
    WaitingCommunity,
    WaitingProbation,
    ActiveCommunity,
    ActiveProbation,
}

impl CourseState {
    fn waiting(s: Service) -> Self {
        match s {
            Service::Community => CourseState::WaitingCommunity,
            Service::Probation => CourseState::WaitingProbation,
        }
    }

    fn active(s: Service) -> Self {
        match s {
            Service::Community => CourseState::ActiveCommunity,
            Service::Probation => CourseState::ActiveProbation,
        }
    }

    /// The service, and whether the course is under way (not waiting); `None` if no course.
    fn service(self) -> Option<(Service, bool)> {
        match self {
            CourseState::None => None,
            CourseState::WaitingCommunity => Some((Service::Community, false)),
            CourseState::WaitingProbation => Some((Service::Probation, false)),
            CourseState::ActiveCommunity => Some((Service::Community, true)),
            CourseState::ActiveProbation => Some((Service::Probation, true)),
        }
    }
}

/// A service, as its index into [`SERVICE_NAMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Service {
    Community = COMMUNITY as u8,
    Probation = PROBATION as u8,
}

/// This stage's events.
#[derive(Debug, Clone, Copy)]
pub(super) enum IaptEvent {
    /// A course ends, completed or not (decided when it began). Carries the community spell's
    /// token.
    End {
        slot: u32,
        token: u32,
        /// At step 3 (high intensity).
        high: bool,
        completed: bool,
        recovered: bool,
    },
}

impl IaptEvent {
    #[inline]
    pub(super) fn slot(&self) -> u32 {
        let IaptEvent::End { slot, .. } = *self;
        slot
    }
}

/// A local team: its places, those in use, and the people waiting for one.
#[derive(Debug, Clone, Default)]
struct Team {
    places: u32,
    busy: u32,
    /// (slot, community token, referred at) of each person waiting, oldest first; entries of
    /// people whose spell has ended are left in place and skipped at the front.
    queue: VecDeque<(u32, u32, Stamp)>,
}

/// The teams of both services: run state, not statistics.
#[derive(Debug, Clone, Default)]
pub(super) struct Teams {
    teams: [Vec<Team>; 2],
    /// The teams a policy replaced, with the courses and the people waiting they still had.
    retiring: [Vec<Team>; 2],
    /// Running totals of the teams' places, for choosing a team in proportion to them.
    cumulative: [Vec<u32>; 2],
}

/// The bit of a team number that marks one of the teams a policy replaced: they go on until the
/// people referred to them before it have been seen, but take no new referrals.
const RETIRING: u16 = 1 << 15;

impl Teams {
    /// The teams of `p`'s services.
    pub(super) fn new(p: &Pathway) -> Self {
        let mut t = Teams::default();
        for s in 0..2 {
            t.lay_out(s, p);
        }
        t
    }

    /// Service `s`'s teams as `p` has them: its places in teams of up to `team_places`, split in
    /// whole places (the first get one more), none in use.
    fn lay_out(&mut self, s: usize, p: &Pathway) {
        let service = &p.iapt.services[s];
        let n = service
            .places
            .div_ceil(service.team_places.max(1))
            .clamp(1, MAX_TEAMS);
        let mut total = 0;
        self.cumulative[s].clear();
        self.teams[s] = (0..n)
            .map(|i| {
                let places = service.places / n + u32::from(i < service.places % n);
                total += places;
                self.cumulative[s].push(total);
                Team {
                    places,
                    ..Team::default()
                }
            })
            .collect();
    }

    /// Team `id` of service `s` (a retiring one if marked so).
    fn team(&mut self, s: usize, id: u16) -> &mut Team {
        if id & RETIRING != 0 {
            &mut self.retiring[s][(id & !RETIRING) as usize]
        } else {
            &mut self.teams[s][id as usize]
        }
    }

    /// The team a referral with the uniform `u` goes to: in proportion to places.
    fn choose(&self, s: usize, u: f64) -> u16 {
        let cumulative = &self.cumulative[s];
        let total = cumulative.last().copied().unwrap_or(0);
        let target = (u * total as f64) as u32;
        cumulative
            .partition_point(|&c| c <= target)
            .min(cumulative.len().saturating_sub(1)) as u16
    }
}

tally! {
    /// What psychological therapy in the community counts in the measured window, by service.
    pub(super) struct IaptTally {
        referrals: [u64; 2],
        /// Referrals that enter treatment (and so wait for a place).
        entered: [u64; 2],
        started: [u64; 2],
        completed: [u64; 2],
        /// Sessions of the completed courses (P1 gives their mean).
        completed_sessions: [u64; 2],
        not_completed: [u64; 2],
        recovered: [u64; 2],
        /// Courses stopped because the community spell ended.
        cut_short: [u64; 2],
        /// People who stopped waiting because the community spell ended.
        left_waiting: [u64; 2],
        /// Courses started when their team had no free place: always 0 (a test checks).
        started_without_place: u64,
        /// From referral to the first session.
        wait: [DayHistogram; 2],
        in_course: [Level; 2],
        waiting: [Level; 2],
        /// Places over time, by year of the window: their mean, and therapist-days once divided
        /// by the sessions a therapist gives a week (the co-located service's cost driver).
        place_days: [LevelByYear; 2],
        /// Completed courses in the local services by group and year (priced per course).
        community_completed_by_year: ByGroup<ByYear>,
    }
}

impl IaptTally {
    pub(super) fn new(p: &Pathway, warm: Tick, end: Tick) -> Self {
        let mut t = Self {
            referrals: [0; 2],
            entered: [0; 2],
            started: [0; 2],
            completed: [0; 2],
            completed_sessions: [0; 2],
            not_completed: [0; 2],
            recovered: [0; 2],
            cut_short: [0; 2],
            left_waiting: [0; 2],
            started_without_place: 0,
            wait: Default::default(),
            in_course: [Level::new(warm), Level::new(warm)],
            waiting: [Level::new(warm), Level::new(warm)],
            place_days: [LevelByYear::new(warm, end), LevelByYear::new(warm, end)],
            community_completed_by_year: by_group(|| ByYear::new(warm, end)),
        };
        for (s, service) in p.iapt.services.iter().enumerate() {
            t.place_days[s].add(0, service.places as i64);
        }
        t
    }
}

impl<R: Recorder> PathwayModel<'_, R> {
    /// A referral to psychological therapy in the community, at the start of community spell
    /// `n`: by probation (`by_probation`) or on from prison therapy.
    pub(super) fn refer_to_iapt(
        &mut self,
        slot: u32,
        now: Tick,
        n: u32,
        by_probation: bool,
        ctx: &mut Context<'_, Event>,
    ) {
        let p = self.p;
        let service = if by_probation && p.iapt.services[PROBATION].places > 0 {
            Service::Probation
        } else {
            Service::Community
        };
        let s = service as usize;
        let mut rng = self.stream(slot, purpose::IAPT, n);
        let team_u: f64 = rng.random();
        let entered_u: f64 = rng.random();
        let measured = self.measured(now);
        if measured {
            self.t.iapt.referrals[s] += 1;
        }
        if entered_u >= p.iapt.services[s].entered_share {
            return;
        }
        if measured {
            self.t.iapt.entered[s] += 1;
        }
        let team = self.iapt.choose(s, team_u);
        let token = {
            let q = &mut self.people[slot as usize];
            q.community.iapt = Course::new(CourseState::waiting(service), team);
            q.tokens.community
        };
        let t = &mut self.iapt.teams[s][team as usize];
        if t.busy < t.places {
            self.start_course(slot, now, service, now, ctx);
        } else {
            t.queue.push_back((slot, token, Stamp::at(now)));
            self.t.iapt.waiting[s].add(now, 1);
        }
    }

    /// A course begins in the person's team, which has a free place: how it ends is decided
    /// now, from the course's stream.
    fn start_course(
        &mut self,
        slot: u32,
        now: Tick,
        service: Service,
        referred: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let pathway = self.p;
        let p = &pathway.iapt;
        let s = service as usize;
        let q = self.people[slot as usize];
        let team = self.iapt.team(s, q.community.iapt.team());
        if team.busy >= team.places {
            self.t.iapt.started_without_place += 1;
        }
        team.busy += 1;
        let mut rng = self.stream_at(slot, purpose::IAPT, 1, q.community.number);
        let high = rng.random::<f64>() < p.high_intensity_share;
        let completed = rng.random::<f64>() < p.completed_share;
        let recovered = completed && rng.random::<f64>() < p.recovery_share;
        let sessions = if completed {
            p.sessions[high as usize]
        } else {
            p.sessions_not_completed
        };
        self.people[slot as usize].community.iapt.state = CourseState::active(service);
        let measured = self.measured(now);
        let t = &mut self.t.iapt;
        t.in_course[s].add(now, 1);
        if measured {
            t.started[s] += 1;
            t.wait[s].record(now - referred);
        }
        ctx.schedule_in(
            days(sessions as f64 * p.session_interval_days),
            Event::Iapt(IaptEvent::End {
                slot,
                token: q.tokens.community,
                high,
                completed,
                recovered,
            }),
        );
    }

    pub(super) fn iapt_event(&mut self, e: IaptEvent, now: Tick, ctx: &mut Context<'_, Event>) {
        let IaptEvent::End {
            slot,
            token,
            high,
            completed,
            recovered,
        } = e;
        let q = self.people[slot as usize];
        let Some((service, true)) = q.community.iapt.state.service() else {
            return;
        };
        if q.place != Place::Community || q.tokens.community != token {
            return;
        }
        let s = service as usize;
        if self.measured(now) {
            let t = &mut self.t.iapt;
            if completed {
                t.completed[s] += 1;
                t.completed_sessions[s] += self.p.iapt.sessions[high as usize] as u64;
                t.recovered[s] += recovered as u64;
                if service == Service::Community {
                    t.community_completed_by_year[q.who()].count(now);
                }
            } else {
                t.not_completed[s] += 1;
            }
        }
        self.free_place(slot, now, service, ctx);
        if recovered {
            self.recovered(slot, now);
        }
    }

    /// The community spell of the person in `slot` ends at `now` (they reoffend, are recalled,
    /// die or leave the model): waiting stops, and a course under way stops and frees its place.
    pub(super) fn end_community_therapy(
        &mut self,
        slot: u32,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let measured = self.measured(now);
        let Some((service, active)) = self.people[slot as usize].community.iapt.state.service()
        else {
            return;
        };
        let s = service as usize;
        if active {
            self.t.iapt.cut_short[s] += measured as u64;
            self.free_place(slot, now, service, ctx);
        } else {
            self.t.iapt.waiting[s].add(now, -1);
            self.t.iapt.left_waiting[s] += measured as u64;
            self.people[slot as usize].community.iapt.state = CourseState::None;
        }
    }

    /// The course of the person in `slot` ends: its place goes to the next person waiting in
    /// the team.
    fn free_place(&mut self, slot: u32, now: Tick, service: Service, ctx: &mut Context<'_, Event>) {
        let s = service as usize;
        let team = {
            let c = &mut self.people[slot as usize].community.iapt;
            c.state = CourseState::None;
            c.team()
        };
        self.t.iapt.in_course[s].add(now, -1);
        self.iapt.team(s, team).busy -= 1;
        self.next_in_team(service, team, now, ctx);
    }

    /// While the team has a free place, the first person still waiting starts.
    fn next_in_team(
        &mut self,
        service: Service,
        team: u16,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let s = service as usize;
        loop {
            let t = self.iapt.team(s, team);
            if t.busy >= t.places {
                return;
            }
            let Some((slot, token, referred)) = t.queue.pop_front() else {
                return;
            };
            let q = &self.people[slot as usize];
            if q.tokens.community != token
                || q.place != Place::Community
                || q.community.iapt.state != CourseState::waiting(service)
            {
                continue;
            }
            self.t.iapt.waiting[s].add(now, -1);
            self.start_course(slot, now, service, referred.tick(), ctx);
        }
    }

    /// A policy starts: a service whose places or teams it changes takes the policy's teams for
    /// every referral from now on. The teams it replaces go on, with their places, until the
    /// courses under way and the people already waiting for them are seen, then are gone: a cut
    /// stops no one's course, and the places it takes away go as they empty. Their places are not
    /// counted in the service's (so use can exceed them for a while after a cut).
    pub(super) fn start_policy_iapt(
        &mut self,
        before: &Pathway,
        now: Tick,
        ctx: &mut Context<'_, Event>,
    ) {
        let p = self.p;
        for s in [Service::Community, Service::Probation] {
            let i = s as usize;
            let (was, is) = (&before.iapt.services[i], &p.iapt.services[i]);
            if (was.places, was.team_places) == (is.places, is.team_places) {
                continue;
            }
            let change = is.places as i64 - was.places as i64;
            self.t.iapt.place_days[i].add(now, change);
            // One policy start a run: the teams before it are the ones retiring.
            self.iapt.retiring[i] = std::mem::take(&mut self.iapt.teams[i]);
            self.iapt.lay_out(i, p);
            for q in &mut self.people {
                if q.place == Place::Community
                    && q.community
                        .iapt
                        .state
                        .service()
                        .is_some_and(|(x, _)| x == s)
                {
                    let team = q.community.iapt.team() | RETIRING;
                    q.community.iapt.team = team.to_le_bytes();
                }
            }
            for team in 0..self.iapt.teams[i].len() {
                self.next_in_team(s, team as u16, now, ctx);
            }
        }
    }
}

/// The totals over both services, where the pathway reported IAPT before it had services.
pub(super) fn metrics(t: &IaptTally, out: &mut Out) {
    let sum = |x: &[u64; 2]| x[0] + x[1];
    out.count("iapt_referrals", sum(&t.referrals));
    out.count("iapt_courses_started", sum(&t.started));
    out.count("iapt_courses_completed", sum(&t.completed));
    out.count("iapt_recovered", sum(&t.recovered));
    out.push(
        "iapt_recovery_rate",
        share(sum(&t.recovered), sum(&t.completed)),
    );
}

/// Each service: its flow, its waits, its capacity and how much of it was used.
pub(super) fn service_metrics(
    t: &mut IaptTally,
    sessions_per_week: u32,
    warm: Tick,
    end: Tick,
    out: &mut Out,
) {
    for (s, name) in SERVICE_NAMES.iter().enumerate() {
        out.count(format!("iapt_referrals.{name}"), t.referrals[s]);
        out.count(format!("iapt_entered.{name}"), t.entered[s]);
        out.count(format!("iapt_courses_started.{name}"), t.started[s]);
        out.count(format!("iapt_courses_completed.{name}"), t.completed[s]);
        out.push(
            format!("iapt_completed_course_sessions_mean.{name}"),
            share(t.completed_sessions[s], t.completed[s]),
        );
        out.count(
            format!("iapt_courses_not_completed.{name}"),
            t.not_completed[s],
        );
        out.count(format!("iapt_courses_cut_short.{name}"), t.cut_short[s]);
        out.count(format!("iapt_left_waiting.{name}"), t.left_waiting[s]);
        out.count(format!("iapt_recovered.{name}"), t.recovered[s]);
        out.push(format!("iapt_wait_days_mean.{name}"), t.wait[s].mean_days());
        out.push(
            format!("iapt_wait_days_p90.{name}"),
            t.wait[s].quantile_days(0.9),
        );
        // P1's measure: the share of those starting treatment who waited under six weeks.
        out.push(
            format!("iapt_started_within_6_weeks_share.{name}"),
            t.wait[s].share_before_day(42),
        );
        let place_ticks = t.place_days[s].finish(end).iter().sum::<u128>() as f64;
        let places = super::tally::ratio(place_ticks, end.saturating_sub(warm) as f64);
        let busy = t.in_course[s].mean(end);
        out.push(
            format!("iapt_therapists_mean.{name}"),
            places / sessions_per_week as f64,
        );
        out.push(format!("iapt_places_mean.{name}"), places);
        out.push(format!("iapt_in_course_mean.{name}"), busy);
        out.push(
            format!("iapt_utilisation.{name}"),
            super::tally::ratio(busy, places),
        );
        out.push(format!("iapt_waiting_mean.{name}"), t.waiting[s].mean(end));
    }
    out.count("iapt_started_without_place", t.started_without_place);
}

pub(super) fn drivers(t: &mut IaptTally, sessions_per_week: u32, end: Tick, d: &mut Drivers) {
    let day = TICKS_PER_DAY as f64 * sessions_per_week as f64;
    super::metrics::set_group_years(
        d,
        IAPT_COMMUNITY_COURSES_COMPLETED,
        &t.community_completed_by_year,
        1.0,
    );
    let years = t.place_days[PROBATION].finish(end).to_vec();
    super::metrics::set_years(d, IAPT_PROBATION_THERAPIST_DAYS, &years, day);
}

/// What each service cost over the window (undiscounted, at the scenario's price year) and
/// that cost per recovery, beside C10's published cost per recovered patient.
pub(super) fn cost_metrics(t: &IaptTally, e: &Economics, d: &Drivers, out: &mut Out) {
    let drivers = [
        IAPT_COMMUNITY_COURSES_COMPLETED,
        IAPT_PROBATION_THERAPIST_DAYS,
    ];
    for (s, name) in SERVICE_NAMES.iter().enumerate() {
        let cost = e.undiscounted_cost_of(d, drivers[s]);
        out.push(format!("iapt_cost_undiscounted.{name}"), cost + 0.0);
        out.push(
            format!("iapt_cost_per_recovery.{name}"),
            super::tally::ratio(cost, t.recovered[s] as f64),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The baseline with `therapists` and `team` therapists a team in each service.
    fn pathway(therapists: [u32; 2], team: [u32; 2]) -> Pathway {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let mut p = crate::scenario::load(&path).unwrap().pathway.unwrap();
        let per = p.iapt.sessions_per_therapist_week;
        for s in 0..2 {
            p.iapt.services[s].places = therapists[s] * per;
            p.iapt.services[s].team_places = team[s] * per;
        }
        p
    }

    /// A service's places are split over its teams in whole places and add up to the
    /// service's; a referral goes to a team in proportion to its places.
    #[test]
    fn teams_share_the_places_and_referrals_follow_them() {
        let p = pathway([7, 5], [3, 2]);
        assert_eq!(
            p.iapt.sessions_per_therapist_week, 20,
            "the numbers below use 20"
        );
        let t = Teams::new(&p);
        let places = |s: usize| t.teams[s].iter().map(|x| x.places).collect::<Vec<_>>();
        // 140 places in teams of up to 60: three teams; 100 in teams of up to 40: three.
        assert_eq!(places(0), vec![47, 47, 46]);
        assert_eq!(places(1), vec![34, 33, 33]);
        let n = 70_000;
        let mut counts = [0u32; 3];
        for i in 0..n {
            counts[t.choose(0, (i as f64 + 0.5) / n as f64) as usize] += 1;
        }
        assert_eq!(counts, [23_500, 23_500, 23_000]);
        assert_eq!(t.choose(0, 0.0), 0);
        assert_eq!(t.choose(0, 1.0 - f64::EPSILON), 2);
    }

    /// A service with no therapists (the baseline's co-located one) has one team of no places;
    /// when a policy gives it therapists, the teams are laid out again as the policy has them.
    #[test]
    fn a_policy_lays_out_its_own_teams() {
        let before = pathway([4, 0], [1, 2]);
        let policy = pathway([4, 6], [1, 2]);
        let mut t = Teams::new(&before);
        assert_eq!(t.teams[1].len(), 1);
        assert_eq!(t.teams[1][0].places, 0);
        t.lay_out(1, &policy);
        assert_eq!(t.teams[1].len(), 3);
        assert!(t.teams[1].iter().all(|x| x.places == 40));
        assert_eq!(t.cumulative[1], vec![40, 80, 120]);
    }
}
