//! `[liaison_diversion]`: liaison and diversion services at police stations and courts.

use serde::{Deserialize, Serialize};

use super::common::{DAYS, nonneg, share};
use crate::economics::Driver;
use crate::scenario::check::Checker;
use crate::scenario::error::KeyPath;
use crate::scenario::param::Param;

/// Referrals to liaison and diversion. A cost or QALY line's `driver`.
pub const LIAISON_DIVERSION_REFERRALS: Driver = Driver("liaison_diversion_referrals");
/// What this section's mechanisms measure for pricing (see [`super::super::drivers`]).
pub const DRIVERS: &[Driver] = &[LIAISON_DIVERSION_REFERRALS];

/// `[liaison_diversion]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiaisonDiversionSpec {
    /// Share of the population living where L&D operates. May be phased in (`phase_in`, L3's
    /// roll-out): areas covered early stay covered.
    pub coverage: Param,
    /// Share of people in police custody with a mental health difficulty (L5): who L&D is for.
    pub police_custody_need_share: Param,
    /// Share of eligible people whom a present L&D service identifies and refers.
    pub identification_share: Param,
    /// Custodial sentences shorter than this (days) are the decisions a referral can change.
    pub divertible_sentence_days: Param,
    /// Share of referred people's divertible custodial sentences that become community orders.
    pub short_custody_diversion_share: Param,
    /// Share of people L&D refers whose community order carries an MHTR.
    pub mhtr_share: Param,
}

/// `[liaison_diversion]` resolved.
pub(super) struct LiaisonDiversion {
    pub ld_coverage: f64,
    pub ld_coverage_phase_in: Vec<(f64, f64)>,
    pub ld_police_custody_need_share: f64,
    pub ld_identification: f64,
    pub ld_divertible_sentence_days: f64,
    pub ld_short_custody_diversion_share: f64,
    pub ld_mhtr_share: f64,
}

pub(super) fn resolve(c: &mut Checker, l: &LiaisonDiversionSpec) -> LiaisonDiversion {
    let k = KeyPath::root().key("liaison_diversion");
    let (ld_coverage, ld_coverage_phase_in) = c
        .phased(&k.key("coverage"), &l.coverage, 0.0, 1.0, "a share")
        .unwrap_or_default();
    LiaisonDiversion {
        ld_coverage,
        ld_coverage_phase_in,
        ld_police_custody_need_share: share(
            c,
            k.key("police_custody_need_share"),
            &l.police_custody_need_share,
        ),
        ld_identification: share(c, k.key("identification_share"), &l.identification_share),
        ld_divertible_sentence_days: nonneg(
            c,
            k.key("divertible_sentence_days"),
            &l.divertible_sentence_days,
            DAYS,
            "a sentence length in days",
        ),
        ld_short_custody_diversion_share: share(
            c,
            k.key("short_custody_diversion_share"),
            &l.short_custody_diversion_share,
        ),
        ld_mhtr_share: share(c, k.key("mhtr_share"), &l.mhtr_share),
    }
}

/// Probability that a person at a police contact has a mental health need as the model draws
/// it: Table 2's prevalence for their group, weighted by sex (`female_share`) and legal status
/// (`remand_share`, decided before conditions are drawn), through the same one-factor copula as
/// the draw. `need` lists the conditions that make a need; the first `disorders` conditions share
/// the common factor with loading `sqrt(rho)`, the rest are independent.
pub(super) fn need_share_at_contact<const N: usize>(
    thresholds: &[[f64; N]; 4],
    rho: f64,
    female_share: f64,
    remand_share: f64,
    need: &[usize],
    disorders: usize,
) -> f64 {
    let weights = [
        (1.0 - remand_share) * (1.0 - female_share),
        (1.0 - remand_share) * female_share,
        remand_share * (1.0 - female_share),
        remand_share * female_share,
    ];
    weights
        .iter()
        .zip(thresholds)
        .map(|(w, t)| w * (1.0 - no_need_share(t, rho, need, disorders)))
        .sum()
}

/// P(none of `need`) for one group: independent conditions multiply; conditions on the common
/// factor are independent given it, so their joint share is an integral over the factor
/// (Simpson's rule on ±10 sd, far beyond any double-precision difference).
fn no_need_share(t: &[f64], rho: f64, need: &[usize], disorders: usize) -> f64 {
    use crate::engine::stats::normal_cdf;
    let independent: f64 = need
        .iter()
        .filter(|&&i| i >= disorders)
        .map(|&i| 1.0 - normal_cdf(t[i]))
        .product();
    let linked: Vec<f64> = need
        .iter()
        .filter(|&&i| i < disorders)
        .map(|&i| t[i])
        .collect();
    if linked.is_empty() {
        return independent;
    }
    let (a, b) = (rho.sqrt(), (1.0 - rho).sqrt());
    let f = |z: f64| {
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        density
            * linked
                .iter()
                .map(|&ti| 1.0 - normal_cdf((ti - a * z) / b))
                .product::<f64>()
    };
    let (lo, hi, n) = (-10.0, 10.0, 4000);
    let h = (hi - lo) / n as f64;
    let mut sum = f(lo) + f(hi);
    for i in 1..n {
        sum += f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    independent * sum * h / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stats::normal_quantile_or_inf;

    /// The analytic share matches a Monte Carlo draw with the model's copula (the same
    /// construction as `people.rs::draw_conditions`).
    #[test]
    fn the_need_share_matches_the_copula_draw() {
        use rand::SeedableRng;
        use rand_distr::{Distribution as _, StandardNormal};
        let prevalence = [0.1, 0.6, 0.4, 0.3, 0.2, 0.07, 0.1];
        let t = prevalence.map(normal_quantile_or_inf);
        let thresholds = [t; 4];
        let (rho, need, disorders) = (0.45, [0, 2, 5, 6], 5);
        let exact = need_share_at_contact(&thresholds, rho, 0.3, 0.2, &need, disorders);
        let mut rng = crate::engine::Stream::seed_from_u64(7);
        let (a, b) = (rho.sqrt(), (1.0 - rho).sqrt());
        let n = 200_000;
        let mut hits = 0;
        for _ in 0..n {
            let common: f64 = StandardNormal.sample(&mut rng);
            let mut any = false;
            for (i, &ti) in t.iter().enumerate() {
                let own: f64 = StandardNormal.sample(&mut rng);
                let x = if i < disorders {
                    a * common + b * own
                } else {
                    own
                };
                any |= need.contains(&i) && x < ti;
            }
            hits += any as u32;
        }
        let mc = hits as f64 / n as f64;
        // Binomial SE at n = 200,000 is about 0.0011; 4 SE.
        assert!(
            (mc - exact).abs() < 0.0045,
            "analytic {exact}, Monte Carlo {mc}"
        );
        // Without correlation the conditions are independent.
        let indep = need_share_at_contact(&thresholds, 0.0, 0.0, 0.0, &need, disorders);
        let product: f64 = need.iter().map(|&i| 1.0 - prevalence[i]).product();
        assert!((indep - (1.0 - product)).abs() < 1e-6);
    }
}
