//! From probabilistic sensitivity analysis to decisions: cost-effectiveness acceptability
//! curves and the expected value of perfect information.
//!
//! Input: for each strategy (the baseline and each policy) and each PSA draw, the public-sector
//! cost and the QALYs (means over the draw's replications). Draw i of every strategy must use
//! the same parameter values (PSA sweeps with one seed draw shared parameters alike).
//!
//! - **CEAC** at willingness to pay λ: for each strategy, the share of draws in which its net
//!   monetary benefit λQ − C is the highest of all strategies (ties go to the first listed).
//! - **EVPI** at λ: the mean over draws of the best strategy's NMB, minus the NMB of the
//!   strategy best on average: what knowing the parameters for certain would be worth, for the
//!   population and horizon modelled.

/// One strategy's PSA results: cost and QALYs for each draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    pub name: String,
    pub cost: Vec<f64>,
    pub qalys: Vec<f64>,
}

fn nmb(s: &Strategy, wtp: f64, draw: usize) -> f64 {
    wtp * s.qalys[draw] - s.cost[draw]
}

/// For each strategy, the share of draws in which it has the highest NMB at `wtp`.
pub fn acceptability(strategies: &[Strategy], wtp: f64) -> Vec<f64> {
    let draws = strategies.iter().map(|s| s.cost.len()).min().unwrap_or(0);
    let mut wins = vec![0usize; strategies.len()];
    for d in 0..draws {
        let mut best = 0;
        for i in 1..strategies.len() {
            if nmb(&strategies[i], wtp, d) > nmb(&strategies[best], wtp, d) {
                best = i;
            }
        }
        wins[best] += 1;
    }
    wins.iter()
        .map(|&w| {
            if draws == 0 {
                f64::NAN
            } else {
                w as f64 / draws as f64
            }
        })
        .collect()
}

/// Expected value of perfect information at `wtp`, in £.
pub fn evpi(strategies: &[Strategy], wtp: f64) -> f64 {
    let draws = strategies.iter().map(|s| s.cost.len()).min().unwrap_or(0);
    if draws == 0 || strategies.is_empty() {
        return f64::NAN;
    }
    let mean_of_max = (0..draws)
        .map(|d| {
            strategies
                .iter()
                .map(|s| nmb(s, wtp, d))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum::<f64>()
        / draws as f64;
    let max_of_mean = strategies
        .iter()
        .map(|s| (0..draws).map(|d| nmb(s, wtp, d)).sum::<f64>() / draws as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    (mean_of_max - max_of_mean).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acceptability_and_evpi_match_a_hand_worked_example() {
        // Two draws. Baseline: cost 0, QALYs 0. Policy: draw 0 costs £10,000 for 1 QALY,
        // draw 1 costs £10,000 for 0 QALYs.
        let base = Strategy {
            name: "base".into(),
            cost: vec![0.0, 0.0],
            qalys: vec![0.0, 0.0],
        };
        let policy = Strategy {
            name: "policy".into(),
            cost: vec![10_000.0, 10_000.0],
            qalys: vec![1.0, 0.0],
        };
        let s = [base, policy];
        // At £5,000/QALY the policy never wins; at £20,000 it wins draw 0 only.
        assert_eq!(acceptability(&s, 5_000.0), [1.0, 0.0]);
        assert_eq!(acceptability(&s, 20_000.0), [0.5, 0.5]);
        // At £20,000: NMB of the policy is +10,000 and -10,000; the baseline's 0 and 0.
        // Mean of the best per draw: (10,000 + 0) / 2 = 5,000. Best on average: baseline, 0.
        assert_eq!(evpi(&s, 20_000.0), 5_000.0);
        // At £30,000: policy +20,000 and -10,000, mean +5,000 (best on average);
        // mean of best per draw (20,000 + 0) / 2 = 10,000; EVPI 5,000.
        assert_eq!(evpi(&s, 30_000.0), 5_000.0);
        // No uncertainty, no value of information.
        assert_eq!(evpi(&s[..1], 30_000.0), 0.0);
    }
}
