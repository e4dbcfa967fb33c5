//! `[prison_care]`: reception screening, psychological therapy and in-reach teams in prison.

use serde::{Deserialize, Serialize};

use super::common::{count, nonneg, share};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// `[prison_care]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrisonCareSpec {
    /// Share of mental health needs found at reception screening.
    pub screening_detects: Param,
    /// Courses of psychological therapy that can run at once (national).
    pub therapists: Param,
    /// People the in-reach teams can hold on their caseload at once (national).
    pub inreach_caseload: Param,
    pub high_intensity_share: Param,
    pub sessions_low_intensity: Param,
    pub sessions_high_intensity: Param,
    pub session_interval_days: Param,
    pub missed_appointment_share: Param,
    pub dropout_per_session: Param,
    pub recovery_share: Param,
    /// Share of people whose therapy is cut short by release who are referred on to community
    /// psychological therapy.
    pub onward_referral_share: Param,
}

/// `[prison_care]` resolved: capacities as counts.
pub(super) struct PrisonCare {
    pub screening_detects: f64,
    pub therapists: u32,
    pub inreach_caseload: u32,
    pub high_intensity_share: f64,
    pub sessions_low_intensity: u32,
    pub sessions_high_intensity: u32,
    pub session_interval_days: f64,
    pub missed_appointment_share: f64,
    pub dropout_per_session: f64,
    pub recovery_share: f64,
    pub onward_referral_share: f64,
}

/// `before` is the number of problems when the pathway's checks began: a course of no sessions
/// is reported only if none has been found since, as a count that failed its own check reads
/// as 0.
pub(super) fn resolve(c: &mut Checker, pc: &PrisonCareSpec, before: usize) -> PrisonCare {
    let k = KeyPath::root().key("prison_care");
    let screening_detects = share(c, k.key("screening_detects"), &pc.screening_detects);
    let therapists = count(
        c,
        k.key("therapists"),
        &pc.therapists,
        "a number of therapy places",
    );
    let inreach_caseload = count(
        c,
        k.key("inreach_caseload"),
        &pc.inreach_caseload,
        "a caseload",
    );
    let high_intensity_share = share(c, k.key("high_intensity_share"), &pc.high_intensity_share);
    let sessions_low_intensity = count(
        c,
        k.key("sessions_low_intensity"),
        &pc.sessions_low_intensity,
        "a number of sessions",
    );
    let sessions_high_intensity = count(
        c,
        k.key("sessions_high_intensity"),
        &pc.sessions_high_intensity,
        "a number of sessions",
    );
    for (name, v) in [
        ("sessions_low_intensity", sessions_low_intensity),
        ("sessions_high_intensity", sessions_high_intensity),
    ] {
        if v == 0 && c.problems.len() == before {
            c.push(k.key(name), "a course needs at least one session");
        }
    }
    let session_interval_days = nonneg(
        c,
        k.key("session_interval_days"),
        &pc.session_interval_days,
        365.0,
        "days",
    );
    let missed_appointment_share = c
        .param(
            &k.key("missed_appointment_share"),
            &pc.missed_appointment_share,
            0.0,
            0.95,
            "a share of appointments missed",
        )
        .unwrap_or(0.0);
    let dropout_per_session = share(c, k.key("dropout_per_session"), &pc.dropout_per_session);
    let recovery_share = share(c, k.key("recovery_share"), &pc.recovery_share);
    let onward_referral_share = share(c, k.key("onward_referral_share"), &pc.onward_referral_share);
    PrisonCare {
        screening_detects,
        therapists,
        inreach_caseload,
        high_intensity_share,
        sessions_low_intensity,
        sessions_high_intensity,
        session_interval_days,
        missed_appointment_share,
        dropout_per_session,
        recovery_share,
        onward_referral_share,
    }
}
