//! `[transfer]`: prison to secure hospital (s47/s48), and `[transfer_limit]`, a time limit on
//! it.

use serde::{Deserialize, Serialize};

use super::common::{DAYS, count, dist, nonneg, share, shares_leave_a_rest};
use crate::economics::Driver;
use crate::engine::{Distribution, Sampler};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Days of spot-purchased secure beds held or occupied (under `[transfer_limit]`). A cost or QALY line's `driver`.
pub const SPOT_BED_DAYS: Driver = Driver("spot_bed_days");
/// Commissioned secure beds x days, by level (high, medium, low), occupied or not:
/// commissioners pay for beds, not for patients. A cost line's `driver`.
pub const SECURE_BED_CAPACITY_DAYS: [Driver; 3] = [
    Driver("secure_bed_capacity_days.high"),
    Driver("secure_bed_capacity_days.medium"),
    Driver("secure_bed_capacity_days.low"),
];
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[
    SPOT_BED_DAYS,
    SECURE_BED_CAPACITY_DAYS[0],
    SECURE_BED_CAPACITY_DAYS[1],
    SECURE_BED_CAPACITY_DAYS[2],
];

/// Security levels, in the order used by every per-level array.
pub const LEVEL_NAMES: [&str; 3] = ["high", "medium", "low"];

/// `[transfer]`: prison to secure hospital (s47/s48).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferSpec {
    /// Share of custody spells of people with psychosis in which they become unwell enough to
    /// need a secure bed (if still in prison when it happens).
    pub acute_share: Param,
    pub onset_days: Distribution,
    pub assessment_days: Distribution,
    pub repeat_assessment_share: Param,
    pub repeat_assessment_days: Distribution,
    pub warrant_days: Distribution,
    pub admission_days: Distribution,
    pub high_share: Param,
    pub low_share: Param,
    pub beds: LevelsSpec<Param>,
    pub stay_days: LevelsSpec<Distribution>,
}

/// One value per security level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelsSpec<T> {
    pub high: T,
    pub medium: T,
    pub low: T,
}

/// `[transfer_limit]` (optional): a time limit on transfer, and how it is met. When the limit
/// draws near and no commissioned bed has been found, a spot-purchased or out-of-area bed is
/// sought; if none is found the person waits on and the breach is counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferLimitSpec {
    /// The limit, days.
    pub days: Param,
    /// When the clock starts: `"referral"` or `"assessment"` (the assessment that finds need).
    pub starts_at: String,
    /// Chance that a spot-purchased or out-of-area bed is found when one is sought.
    pub spot_purchase_share: Param,
    /// Days to find and contract a spot bed. It is sought when what is left of the limit is
    /// this plus the person's own warrant and admission time, which a spot bed takes as a
    /// commissioned one does.
    pub spot_lead_days: Param,
}

/// A resolved `[transfer_limit]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferLimit {
    /// The limit, days.
    pub days: f64,
    /// Whether the clock starts at referral (else at the assessment that finds need).
    pub from_referral: bool,
    pub spot_purchase_share: f64,
    pub spot_lead_days: f64,
}

/// `[transfer]` and `[transfer_limit]` resolved.
pub(super) struct Transfer {
    pub acute_share: f64,
    pub transfer_limit: Option<TransferLimit>,
    pub onset_days: Sampler,
    pub assessment_days: Sampler,
    pub repeat_assessment_share: f64,
    pub repeat_assessment_days: Sampler,
    pub warrant_days: Sampler,
    pub admission_days: Sampler,
    pub level_cumulative: [f64; 3],
    pub beds: [u32; 3],
    pub stay_days: [Sampler; 3],
}

pub(super) fn resolve(
    c: &mut Checker,
    t: &TransferSpec,
    limit: Option<&TransferLimitSpec>,
) -> Transfer {
    let k = KeyPath::root().key("transfer");
    let acute_share = share(c, k.key("acute_share"), &t.acute_share);
    let onset_days = dist(c, k.key("onset_days"), &t.onset_days);
    let assessment_days = dist(c, k.key("assessment_days"), &t.assessment_days);
    let repeat_assessment_share = share(
        c,
        k.key("repeat_assessment_share"),
        &t.repeat_assessment_share,
    );
    let repeat_assessment_days = dist(
        c,
        k.key("repeat_assessment_days"),
        &t.repeat_assessment_days,
    );
    let transfer_limit = limit.map(|l| {
        let k = KeyPath::root().key("transfer_limit");
        let days = nonneg(c, k.key("days"), &l.days, DAYS, "a number of days");
        let lead = nonneg(c, k.key("spot_lead_days"), &l.spot_lead_days, DAYS, "a number of days");
        if lead > days {
            c.push(
                k.key("spot_lead_days"),
                format!("a spot bed sought {lead} days before a limit of {days} days would be sought before the clock starts"),
            );
        }
        let from_referral = match l.starts_at.as_str() {
            "referral" => true,
            "assessment" => false,
            other => {
                c.push(
                    k.key("starts_at"),
                    format!("unknown start `{other}` (known: referral, assessment)"),
                );
                false
            }
        };
        TransferLimit {
            days,
            from_referral,
            spot_purchase_share: share(c, k.key("spot_purchase_share"), &l.spot_purchase_share),
            spot_lead_days: lead,
        }
    });
    let warrant_days = dist(c, k.key("warrant_days"), &t.warrant_days);
    let admission_days = dist(c, k.key("admission_days"), &t.admission_days);
    let high_share = share(c, k.key("high_share"), &t.high_share);
    let low_share = share(c, k.key("low_share"), &t.low_share);
    shares_leave_a_rest(
        c,
        k.key("low_share"),
        high_share,
        low_share,
        "`high_share` and `low_share` add up to more than 1 (medium secure takes the rest)",
    );
    let level_cumulative = [high_share, 1.0 - low_share, 1.0];
    let beds = [
        count(
            c,
            k.key("beds").key("high"),
            &t.beds.high,
            "a number of beds",
        ),
        count(
            c,
            k.key("beds").key("medium"),
            &t.beds.medium,
            "a number of beds",
        ),
        count(c, k.key("beds").key("low"), &t.beds.low, "a number of beds"),
    ];
    let stay_days = [
        dist(c, k.key("stay_days").key("high"), &t.stay_days.high),
        dist(c, k.key("stay_days").key("medium"), &t.stay_days.medium),
        dist(c, k.key("stay_days").key("low"), &t.stay_days.low),
    ];
    Transfer {
        acute_share,
        transfer_limit,
        onset_days,
        assessment_days,
        repeat_assessment_share,
        repeat_assessment_days,
        warrant_days,
        admission_days,
        level_cumulative,
        beds,
        stay_days,
    }
}
