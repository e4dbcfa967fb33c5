//! The engine's verification models (`cjmh verify`) as tests: every check must pass with the
//! fixed seed, and the checks must cover the agreed grid.

use std::sync::OnceLock;

use cjmh::verify::Check;

/// The checks with `cjmh verify`'s default seed, computed once (they are the slowest part of the
/// suite) and shared by the tests below.
fn checks() -> &'static [Check] {
    static CHECKS: OnceLock<Vec<Check>> = OnceLock::new();
    CHECKS.get_or_init(|| cjmh::verify::all(20_261_122))
}

#[test]
fn every_verification_check_passes() {
    let checks = checks();
    assert!(
        checks.len() >= 22,
        "expected 18 Erlang C checks and 4 network checks"
    );
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(
        failed.is_empty(),
        "failed checks:\n{}",
        cjmh::verify::render(checks)
    );
}

#[test]
fn erlang_c_settings_cover_the_issue_grid() {
    let checks = checks();
    for servers in [1, 5, 20] {
        for rho in ["0.50", "0.80", "0.95"] {
            let model = format!("M/M/{servers} rho={rho}");
            for quantity in ["P(wait)", "mean wait (days)"] {
                assert!(
                    checks
                        .iter()
                        .any(|c| c.model == model && c.quantity == quantity),
                    "missing {model} {quantity}"
                );
            }
        }
    }
}
