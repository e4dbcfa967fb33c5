//! The investment case: a scenario against the baseline in money and QALYs.
//!
//! All measures use the **public-sector** perspective (NHS England, integrated care boards,
//! HMPPS / MoJ, local authorities); the wider costs of crime are reported beside them, not
//! inside them, as the Green Book and NICE keep them apart.
//!
//! - **ICER**: incremental public-sector cost / incremental QALYs (the ratio of the mean paired
//!   differences). Undefined when the QALY difference is 0.
//! - **Net monetary benefit** at a willingness to pay λ per QALY: λ x ΔQALYs − Δcost. Positive
//!   means worth funding at that λ. Computed per replication, so it has a paired interval.
//! - **Return on investment** for a payer: what that payer saves on its consequence lines
//!   (prison places, probation, ...; minus the change) per £1 of extra service spending
//!   (`cost.service`: the policy's own cost, whoever pays it). Undefined unless the scenario
//!   spends more on services than the baseline.

/// Willingness to pay per QALY at which net monetary benefit is reported (NICE's range).
pub const WILLINGNESS_TO_PAY: [f64; 2] = [20_000.0, 30_000.0];

/// Incremental cost-effectiveness ratio: `d_cost / d_qalys` (NaN if `d_qalys` is 0).
pub fn icer(d_cost: f64, d_qalys: f64) -> f64 {
    if d_qalys == 0.0 {
        f64::NAN
    } else {
        d_cost / d_qalys
    }
}

/// Net monetary benefit at `wtp` per QALY.
pub fn net_monetary_benefit(wtp: f64, d_cost: f64, d_qalys: f64) -> f64 {
    wtp * d_qalys - d_cost
}

/// Savings per £1 invested (NaN unless `investment` is above 0).
pub fn return_on_investment(savings: f64, investment: f64) -> f64 {
    if investment > 0.0 {
        savings / investment
    } else {
        f64::NAN
    }
}

/// How to read an ICER with the signs of its parts, for the printed table.
pub fn describe_icer(d_cost: f64, d_qalys: f64) -> String {
    if !(d_cost.is_finite() && d_qalys.is_finite()) {
        return "-".into();
    }
    let ratio = || thousands((d_cost / d_qalys).abs());
    if d_qalys == 0.0 {
        "no QALY change".into()
    } else if d_qalys > 0.0 && d_cost <= 0.0 {
        "dominant (costs no more, more QALYs)".into()
    } else if d_qalys < 0.0 && d_cost >= 0.0 {
        "dominated (costs no less, fewer QALYs)".into()
    } else if d_qalys > 0.0 {
        format!("£{} per QALY gained", ratio())
    } else {
        format!("£{} saved per QALY lost", ratio())
    }
}

/// A whole number with thousands separators: 1234567.8 -> "1,234,568".
pub fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 && digits != "0" {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_follow_their_definitions() {
        assert_eq!(icer(30_000.0, 2.0), 15_000.0);
        assert!(icer(1.0, 0.0).is_nan());
        // 2 QALYs at £20,000 = £40,000 of benefit against £30,000 of cost.
        assert_eq!(net_monetary_benefit(20_000.0, 30_000.0, 2.0), 10_000.0);
        assert_eq!(net_monetary_benefit(30_000.0, 30_000.0, 2.0), 30_000.0);
        assert_eq!(return_on_investment(50.0, 200.0), 0.25);
        assert!(return_on_investment(50.0, 0.0).is_nan());
        assert!(return_on_investment(50.0, -10.0).is_nan());
    }

    #[test]
    fn icer_descriptions_name_the_quadrant() {
        assert_eq!(
            describe_icer(100.0, -1.0),
            "dominated (costs no less, fewer QALYs)"
        );
        assert_eq!(
            describe_icer(-100.0, 1.0),
            "dominant (costs no more, more QALYs)"
        );
        assert_eq!(describe_icer(30_000.0, 2.0), "£15,000 per QALY gained");
        assert_eq!(describe_icer(-3e6, -2.0), "£1,500,000 saved per QALY lost");
        assert_eq!(describe_icer(0.0, 0.0), "no QALY change");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(-1234567.8), "-1,234,568");
    }
}
