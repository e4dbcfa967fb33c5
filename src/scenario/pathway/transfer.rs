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
/// Consultant hours of transfer-assessment capacity, paid whether used or not: assessors x
/// days x `assessment_hours` / the mean of `assessment_work_days` (a place kept busy does one
/// assessment per mean work time). A cost line's `driver`.
pub const ASSESSOR_HOURS: Driver = Driver("transfer_assessor_hours");
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
    ASSESSOR_HOURS,
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
    /// Share of referrals acutely unwell enough to be assessed and given a bed first.
    pub urgent_share: Param,
    /// An urgent assessment, once an assessor is allocated, days.
    pub urgent_assessment_days: Distribution,
    /// A routine (gateway) assessment, from allocation to the report, days.
    pub assessment_work_days: Distribution,
    /// Assessments under way at once, nationally: the capacity of the assessment service.
    pub assessors: Param,
    /// Consultant hours per assessment (prices the assessors).
    pub assessment_hours: Param,
    /// Chance that, after an assessment, the receiving unit declines and another unit (often
    /// out of area) must assess: a further search round.
    pub refer_on_share: Param,
    /// The same for people with a learning disability, who need a specialised bed.
    pub specialised_refer_on_share: Param,
    /// A further search round: another unit's referral and assessment, days.
    pub search_round_days: Distribution,
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

/// `[transfer_limit]` (optional): a time limit from referral to admission, and how it is met.
/// When the limit draws near and no commissioned bed has been found, a spot-purchased bed is
/// sought from a finite supply; a search that fails is retried while the person waits.
/// Whoever is not admitted when the limit passes is a breach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferLimitSpec {
    /// The limit, days from referral (the one clock of every transfer metric named
    /// `..._of_referral`).
    pub days: Param,
    /// Chance that a search finds a spot bed that will take the person, when the supply has one.
    pub spot_purchase_share: Param,
    /// Days to find and contract a spot bed. It is sought when what is left of the limit is
    /// this plus the person's own warrant and admission time, which a spot bed takes as a
    /// commissioned one does.
    pub spot_lead_days: Param,
    /// Days between searches after one fails.
    pub spot_retry_days: Param,
    /// Spot beds that can be held at once for this pathway, by level. There is no high secure
    /// supply: high secure care is only in the three NHS hospitals (S2).
    pub spot_beds: SpotBedsSpec,
}

/// Spot-purchasable beds by level (medium and low secure only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotBedsSpec {
    pub medium: Param,
    pub low: Param,
}

/// A resolved `[transfer_limit]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransferLimit {
    /// The limit, days from referral.
    pub days: f64,
    pub spot_purchase_share: f64,
    pub spot_lead_days: f64,
    pub spot_retry_days: f64,
    /// Spot beds by level (high, medium, low); high is always 0.
    pub spot_beds: [u32; 3],
}

/// `[transfer]` and `[transfer_limit]` resolved.
pub(super) struct Transfer {
    pub acute_share: f64,
    pub transfer_limit: Option<TransferLimit>,
    pub onset_days: Sampler,
    pub urgent_share: f64,
    pub urgent_assessment_days: Sampler,
    pub assessment_work_days: Sampler,
    pub assessors: u32,
    pub assessor_hours_per_day: f64,
    pub refer_on_share: [f64; 2],
    pub search_round_days: Sampler,
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
    let urgent_share = share(c, k.key("urgent_share"), &t.urgent_share);
    let urgent_assessment_days = dist(
        c,
        k.key("urgent_assessment_days"),
        &t.urgent_assessment_days,
    );
    let assessment_work_days = dist(c, k.key("assessment_work_days"), &t.assessment_work_days);
    let assessors = count(c, k.key("assessors"), &t.assessors, "a number of assessors");
    let hours = nonneg(
        c,
        k.key("assessment_hours"),
        &t.assessment_hours,
        1e3,
        "a number of hours",
    );
    let work_mean = t.assessment_work_days.mean_value().unwrap_or(0.0);
    if work_mean <= 0.0 && t.assessment_work_days.problems().is_empty() {
        c.push(
            k.key("assessment_work_days"),
            "an assessment must take some time: its mean is the time an assessor's place is busy",
        );
    }
    let refer_on_share = [
        share(c, k.key("refer_on_share"), &t.refer_on_share),
        share(
            c,
            k.key("specialised_refer_on_share"),
            &t.specialised_refer_on_share,
        ),
    ];
    for (key, s) in [
        ("refer_on_share", refer_on_share[0]),
        ("specialised_refer_on_share", refer_on_share[1]),
    ] {
        if s >= 1.0 {
            c.push(
                k.key(key),
                "every search round referring on would never end: the share must be below 1",
            );
        }
    }
    let search_round_days = dist(c, k.key("search_round_days"), &t.search_round_days);
    let transfer_limit = limit.map(|l| {
        let k = KeyPath::root().key("transfer_limit");
        let days = nonneg(c, k.key("days"), &l.days, DAYS, "a number of days");
        let lead = nonneg(c, k.key("spot_lead_days"), &l.spot_lead_days, DAYS, "a number of days");
        if lead > days {
            c.push(
                k.key("spot_lead_days"),
                format!("a spot bed sought {lead} days before a limit of {days} days would be sought before referral"),
            );
        }
        let retry = nonneg(c, k.key("spot_retry_days"), &l.spot_retry_days, DAYS, "a number of days");
        if crate::engine::days_to_ticks(retry) == 0 && retry == l.spot_retry_days.value {
            c.push(
                k.key("spot_retry_days"),
                "searches must be at least a minute (1/1440 day) apart: less rounds to no time, and would search again at the same moment for ever",
            );
        }
        let sk = k.key("spot_beds");
        TransferLimit {
            days,
            spot_purchase_share: share(c, k.key("spot_purchase_share"), &l.spot_purchase_share),
            spot_lead_days: lead,
            spot_retry_days: retry,
            spot_beds: [
                0,
                count(c, sk.key("medium"), &l.spot_beds.medium, "a number of beds"),
                count(c, sk.key("low"), &l.spot_beds.low, "a number of beds"),
            ],
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
        urgent_share,
        urgent_assessment_days,
        assessment_work_days,
        assessors,
        assessor_hours_per_day: if work_mean > 0.0 {
            hours / work_mean
        } else {
            0.0
        },
        refer_on_share,
        search_round_days,
        warrant_days,
        admission_days,
        level_cumulative,
        beds,
        stay_days,
    }
}
