//! `[community]`: reoffending, and leaving the model.

use serde::{Deserialize, Serialize};

use super::common::{DAYS, dist, nonneg, share};
use crate::economics::Driver;
use crate::engine::{Distribution, Sampler, Streams};
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Reoffences. A cost or QALY line's `driver`.
pub const REOFFENCES: Driver = Driver("reoffences");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[REOFFENCES];

/// One-year reoffending groups, in the order of [`ReoffendSpec`]'s fields.
pub const SENTENCE_GROUPS: [&str; 4] =
    ["short_custody", "long_custody", "community_order", "other"];

/// `[community]`: reoffending, leaving the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunitySpec {
    pub reoffend_1y_share: ReoffendSpec,
    /// Time to the next proven offence among those who reoffend.
    pub reoffend_days: Distribution,
    pub psychosis_reoffend_ratio_men: Param,
    /// Days in the community, without reoffending, after which a person leaves the model.
    pub follow_up_days: Param,
}

/// One-year proven reoffending by the sentence just served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReoffendSpec {
    pub short_custody: Param,
    pub long_custody: Param,
    pub community_order: Param,
    pub other: Param,
}

/// Draws used to estimate the share of reoffenders who reoffend within a year under the
/// scenario's time-to-reoffence distribution (a fixed stream: the estimate is deterministic).
const CDF_DRAWS: u32 = 200_000;

/// `[community]` resolved.
pub(super) struct Community {
    pub reoffend_ever: [f64; 4],
    pub reoffend_1y: [f64; 4],
    pub reoffend_days: Sampler,
    pub psychosis_reoffend_ratio_men: f64,
    pub follow_up_days: f64,
}

/// `before` is the number of problems when the pathway's checks began: whether the one-year
/// shares can be reached is asked only if none has been found since, as the answer rests on
/// every value being usable.
pub(super) fn resolve(c: &mut Checker, cm: &CommunitySpec, before: usize) -> Community {
    let k = KeyPath::root().key("community");
    let reoffend_days = dist(c, k.key("reoffend_days"), &cm.reoffend_days);
    let ro = &cm.reoffend_1y_share;
    let reoffend_1y = [
        share(
            c,
            k.key("reoffend_1y_share").key("short_custody"),
            &ro.short_custody,
        ),
        share(
            c,
            k.key("reoffend_1y_share").key("long_custody"),
            &ro.long_custody,
        ),
        share(
            c,
            k.key("reoffend_1y_share").key("community_order"),
            &ro.community_order,
        ),
        share(c, k.key("reoffend_1y_share").key("other"), &ro.other),
    ];
    let psychosis_reoffend_ratio_men = c
        .param(
            &k.key("psychosis_reoffend_ratio_men"),
            &cm.psychosis_reoffend_ratio_men,
            0.0,
            10.0,
            "a ratio",
        )
        .unwrap_or(1.0);
    let follow_up_days = nonneg(c, k.key("follow_up_days"), &cm.follow_up_days, DAYS, "days");
    let mut reoffend_ever = [0.0; 4];
    if c.problems.len() == before {
        let within = within_year(&reoffend_days);
        for (i, one_year) in reoffend_1y.iter().enumerate() {
            let ever = one_year / within;
            // Men with psychosis are more likely still; the highest probability must stay <= 1.
            if ever * psychosis_reoffend_ratio_men.max(1.0) > 1.0 {
                c.push(
                    k.key("reoffend_1y_share").key(SENTENCE_GROUPS[i]),
                    format!(
                        "cannot be reached: under `reoffend_days` only {:.1}% of reoffenders reoffend within a year, so a one-year share of {one_year} (times `psychosis_reoffend_ratio_men`) needs more than everyone to reoffend",
                        within * 100.0
                    ),
                );
            }
            reoffend_ever[i] = ever.min(1.0);
        }
    }
    Community {
        reoffend_ever,
        reoffend_1y,
        reoffend_days,
        psychosis_reoffend_ratio_men,
        follow_up_days,
    }
}

/// Share of draws from `d` at or under 365 days, from a fixed stream.
fn within_year(d: &Sampler) -> f64 {
    let mut rng = Streams::new(0, 0).system(crate::engine::Purpose::new(
        crate::engine::purpose::resolve::WITHIN_YEAR,
        0,
    ));
    let hits = (0..CDF_DRAWS)
        .filter(|_| d.sample(&mut rng) <= 365.0)
        .count();
    (hits as f64 / CDF_DRAWS as f64).max(1.0 / CDF_DRAWS as f64)
}
