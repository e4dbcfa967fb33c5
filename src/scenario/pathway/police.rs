//! `[police]`: police custody before the first court appearance, and street triage or s136.

use serde::{Deserialize, Serialize};

use super::common::{nonneg, share};
use crate::engine::{Tick, days_to_ticks};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// `[police]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoliceSpec {
    /// Time in police custody before the first court appearance.
    pub custody_days: Param,
    /// Share of contacts of people with a mental health need resolved by street triage or s136
    /// (taken to a place of safety, not charged).
    pub s136_share: Param,
}

/// `[police]` resolved.
pub(super) struct Police {
    pub police_custody: Tick,
    pub s136_share: f64,
}

pub(super) fn resolve(c: &mut Checker, p: &PoliceSpec) -> Police {
    let k = KeyPath::root().key("police");
    let police_custody = days_to_ticks(nonneg(
        c,
        k.key("custody_days"),
        &p.custody_days,
        30.0,
        "days in police custody",
    ));
    let s136_share = share(c, k.key("s136_share"), &p.s136_share);
    Police {
        police_custody,
        s136_share,
    }
}
