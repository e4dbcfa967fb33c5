//! `[iapt]`: psychological therapy in the community (IAPT). A course of stepped care, and the
//! two services that give it: the local IAPT services (`[iapt.community]`) and therapists
//! co-located in probation offices (`[iapt.probation]`, none in the baseline). Each service is
//! whole-time therapists, in local teams, each therapist with a number of sessions a week; waits
//! come from demand against them.

use serde::{Deserialize, Serialize};

use super::common::{count, nonneg, share, whole};
use crate::economics::Driver;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Completed courses in the local IAPT services (the community service, priced per course: the
/// pathway's people are a small part of what those services do). A cost line's `driver`.
pub const IAPT_COMMUNITY_COURSES_COMPLETED: Driver = Driver("iapt_community_courses_completed");
/// Whole-time therapists x days of the co-located service, busy or not: a commissioner pays for
/// the staff, not for the courses. A cost line's `driver`.
pub const IAPT_PROBATION_THERAPIST_DAYS: Driver = Driver("iapt_probation_therapist_days");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[
    IAPT_COMMUNITY_COURSES_COMPLETED,
    IAPT_PROBATION_THERAPIST_DAYS,
];

/// The services, in the order of every per-service array and of the metrics' suffixes.
pub const SERVICE_NAMES: [&str; 2] = ["community", "probation"];
/// Index of the local IAPT services in [`SERVICE_NAMES`].
pub const COMMUNITY: usize = 0;
/// Index of the service co-located in probation offices.
pub const PROBATION: usize = 1;

/// Most whole-time therapists one service may have (a national service has hundreds).
const MAX_THERAPISTS: f64 = 1e6;

/// Most sessions a therapist may give in a week.
const MAX_SESSIONS_A_WEEK: f64 = 100.0;

/// `[iapt]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IaptSpec {
    /// Share of courses at step 3 (high intensity) rather than step 2 (low intensity).
    pub high_intensity_share: Param,
    /// Sessions in a completed course at step 2 and at step 3.
    pub sessions_low_intensity: Param,
    pub sessions_high_intensity: Param,
    /// Sessions attended by someone who starts a course and does not complete it.
    pub sessions_not_completed: Param,
    pub session_interval_days: Param,
    /// Share of those starting a course who complete it.
    pub completed_share: Param,
    /// Share of completed courses that end in recovery (P4's definition).
    pub recovery_share: Param,
    /// Sessions a whole-time therapist gives in a week, averaged over the year: the courses
    /// they can carry at once, as each course has one session a week.
    pub sessions_per_therapist_week: Param,
    pub community: IaptServiceSpec,
    pub probation: IaptServiceSpec,
}

/// `[iapt.community]` or `[iapt.probation]`: one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IaptServiceSpec {
    /// Whole-time therapists (national, before `--cohort`); 0 for no service.
    pub therapists: Param,
    /// Therapists in each local team. People are referred to one team, whose therapists they
    /// wait for: small teams wait more at the same load than one national pool would.
    pub team_therapists: Param,
    /// Share of referrals who enter treatment.
    pub entered_share: Param,
}

/// `[iapt]` resolved.
#[derive(Debug, Clone)]
pub struct Iapt {
    pub high_intensity_share: f64,
    /// Sessions of a completed course: step 2, step 3.
    pub sessions: [u32; 2],
    pub sessions_not_completed: u32,
    pub session_interval_days: f64,
    pub completed_share: f64,
    pub recovery_share: f64,
    pub sessions_per_therapist_week: u32,
    /// By [`SERVICE_NAMES`].
    pub services: [IaptService; 2],
}

/// One service resolved. Its capacity is kept in places (courses at once: therapists x
/// sessions a week), so that `--cohort` and `--catchments` scale and split it finely; a service
/// scaled down can have a fraction of a therapist.
#[derive(Debug, Clone)]
pub struct IaptService {
    pub places: u32,
    /// Places in each local team (`team_therapists` x sessions a week).
    pub team_places: u32,
    pub entered_share: f64,
}

impl Iapt {
    /// The whole-time therapists that give `places` places.
    pub fn therapists(&self, places: u32) -> f64 {
        places as f64 / self.sessions_per_therapist_week as f64
    }
}

/// `before` is the number of problems when the pathway's checks began: the course's sessions
/// are compared only if none has been found since.
pub(super) fn resolve(c: &mut Checker, s: &IaptSpec, before: usize) -> Iapt {
    let k = KeyPath::root().key("iapt");
    let high_intensity_share = share(c, k.key("high_intensity_share"), &s.high_intensity_share);
    let sessions =
        |c: &mut Checker, name: &str, p: &Param| count(c, k.key(name), p, "a number of sessions");
    let low = sessions(c, "sessions_low_intensity", &s.sessions_low_intensity);
    let high = sessions(c, "sessions_high_intensity", &s.sessions_high_intensity);
    let not_completed = sessions(c, "sessions_not_completed", &s.sessions_not_completed);
    if c.problems.len() == before {
        for (name, v) in [
            ("sessions_low_intensity", low),
            ("sessions_high_intensity", high),
            ("sessions_not_completed", not_completed),
        ] {
            if v == 0 {
                c.push(k.key(name), "a course has at least one session");
            }
        }
        if not_completed >= low.min(high) && not_completed > 0 {
            c.push(
                k.key("sessions_not_completed"),
                format!(
                    "must be fewer than the sessions of a completed course ({} at step 2, {} at \
                     step 3): a course not completed stops short of them",
                    low, high
                ),
            );
        }
    }
    let session_interval_days = nonneg(
        c,
        k.key("session_interval_days"),
        &s.session_interval_days,
        365.0,
        "days",
    );
    let completed_share = share(c, k.key("completed_share"), &s.completed_share);
    let recovery_share = share(c, k.key("recovery_share"), &s.recovery_share);
    let per_week = whole(
        c,
        k.key("sessions_per_therapist_week"),
        &s.sessions_per_therapist_week,
        1.0,
        MAX_SESSIONS_A_WEEK,
        "a number of sessions a week",
    )
    .unwrap_or(1);
    let service = |c: &mut Checker, name: &str, sp: &IaptServiceSpec| {
        let k = k.key(name);
        let therapists = whole(
            c,
            k.key("therapists"),
            &sp.therapists,
            0.0,
            MAX_THERAPISTS,
            "a number of therapists",
        )
        .unwrap_or(0);
        let team_therapists = whole(
            c,
            k.key("team_therapists"),
            &sp.team_therapists,
            1.0,
            MAX_THERAPISTS,
            "a number of therapists in a team",
        )
        .unwrap_or(1);
        (
            therapists,
            team_therapists,
            share(c, k.key("entered_share"), &sp.entered_share),
        )
    };
    let services = [
        service(c, "community", &s.community),
        service(c, "probation", &s.probation),
    ]
    .map(|(therapists, team, entered_share)| IaptService {
        places: therapists.saturating_mul(per_week),
        team_places: team.saturating_mul(per_week),
        entered_share,
    });
    Iapt {
        high_intensity_share,
        sessions: [low, high],
        sessions_not_completed: not_completed,
        session_interval_days,
        completed_share,
        recovery_share,
        sessions_per_therapist_week: per_week,
        services,
    }
}
