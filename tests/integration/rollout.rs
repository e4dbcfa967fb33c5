//! Roll-out: a policy that starts at a date (`[policy] start_day`) runs the status quo until
//! then, exactly, and its own parameters (phased in where it says so) from then on.

use crate::common::{TempDir, cjmh, root, stderr};

/// The events of `scenario` in `events.csv` that ended before `day`, sorted, without the
/// scenario's name.
fn events_before(csv: &str, scenario: &str, day: f64) -> Vec<String> {
    let mut rows: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|line| {
            let (name, rest) = line.split_once(',')?;
            let end: f64 = rest.split(',').nth(5)?.parse().ok()?;
            (name == scenario && end < day).then(|| rest.to_string())
        })
        .collect();
    rows.sort();
    rows
}

/// Before its start, a policy's run is the status quo's to the event: common random numbers
/// make this a sharp test (a policy that leaked into the warm-up or the first year, or a draw
/// moved by the roll-out itself, would change some row).
#[test]
fn before_its_start_a_policy_runs_exactly_the_status_quo() {
    let dir = TempDir::new("rollout");
    let baseline = root().join("scenarios/baseline.toml");
    let policy = dir.write(
        "late.toml",
        &format!(
            "extends = {:?}\nname = \"late\"\n[policy]\nstart_day = 365\n[liaison_diversion]\ncoverage = 1.0\n[transfer.beds]\nmedium = {{ value = 3300 }}\n",
            baseline.display().to_string()
        ),
    );
    let out = dir.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        baseline.as_os_str(),
        policy.as_os_str(),
        "--cohort".as_ref(),
        "60000".as_ref(),
        "-r".as_ref(),
        "1".as_ref(),
        "--events".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("events.csv")).unwrap();
    let s = cjmh::scenario::load(&baseline).unwrap();
    let start = cjmh::engine::ticks_to_days(s.warmup) + 365.0;
    let (a, b) = (
        events_before(&csv, "baseline", start),
        events_before(&csv, "late", start),
    );
    assert!(a.len() > 10_000, "{} events before the start", a.len());
    assert_eq!(
        a, b,
        "the status quo and the policy differ before its start"
    );
    // And the policy does something after it.
    let end = start + 365.0;
    assert_ne!(
        events_before(&csv, "baseline", end),
        events_before(&csv, "late", end)
    );
}

/// The status quo is what the file writing `start_day` extends, with a sweep's settings on the
/// keys that file does not write; the policy's own keys keep the policy's values.
#[test]
fn the_status_quo_is_the_scenario_the_policy_extends() {
    let dir = TempDir::new("rollout-quo");
    let baseline = root().join("scenarios/baseline.toml");
    let policy = dir.write(
        "p.toml",
        &format!(
            "extends = {:?}\n[policy]\nstart_day = 100\n[liaison_diversion]\ncoverage = {{ value = 1.0, phase_in = [[0, 0.5], [1000, 1.0]] }}\n",
            baseline.display().to_string()
        ),
    );
    let key = |k: &str| cjmh::scenario::KeyPath::parse(k);
    let s = cjmh::scenario::load_with(
        &policy,
        &[
            (key("liaison_diversion.coverage"), 0.9),
            (key("liaison_diversion.identification_share"), 0.3),
        ],
    )
    .unwrap();
    let p = s.pathway.as_ref().unwrap();
    let r = p.rollout.as_ref().expect("a roll-out");
    assert_eq!(r.start, s.warmup + cjmh::engine::days_to_ticks(100.0));
    assert_eq!(p.ld_coverage, 0.9, "the sweep sets the policy's own key");
    assert_eq!(
        r.before.ld_coverage, 0.5,
        "the status quo keeps its coverage"
    );
    assert_eq!(
        (p.ld_identification, r.before.ld_identification),
        (0.3, 0.3),
        "a key the policy does not write is set on both sides"
    );
    // The phase-in runs from the start, and rises to the swept value: halfway through it,
    // halfway between 0.5 and 0.9.
    let mid = r.start + cjmh::engine::days_to_ticks(500.0);
    assert!((p.ld_coverage_at(mid) - 0.7).abs() < 1e-9);
    assert_eq!(p.ld_coverage_at(r.start), 0.5);
    assert_eq!(p.ld_coverage_at(r.start * 2), 0.9);
}

/// Roll-outs that cannot mean anything are refused with the key and why.
#[test]
fn a_roll_out_without_a_status_quo_or_out_of_the_window_is_refused() {
    let dir = TempDir::new("rollout-bad");
    let baseline = root().join("scenarios/baseline.toml");
    let text = std::fs::read_to_string(&baseline).unwrap();
    let alone = dir.write("alone.toml", &format!("{text}\n[policy]\nstart_day = 0\n"));
    let e = cjmh::scenario::load(&alone).unwrap_err().to_string();
    assert!(
        e.contains("policy.start_day") && e.contains("extends"),
        "{e}"
    );

    let late = dir.write(
        "late.toml",
        &format!(
            "extends = {:?}\n[policy]\nstart_day = 99999\n",
            baseline.display().to_string()
        ),
    );
    let e = cjmh::scenario::load(&late).unwrap_err().to_string();
    assert!(e.contains("before the end of the measured window"), "{e}");

    let phased = dir.write(
        "phased.toml",
        &format!(
            "extends = {:?}\n[liaison_diversion]\ncoverage = {{ value = 1.0, phase_in = [[0, 0.5], [10, 1.0]] }}\n",
            baseline.display().to_string()
        ),
    );
    let e = cjmh::scenario::load(&phased).unwrap_err().to_string();
    assert!(e.contains("phase_in") && e.contains("start_day"), "{e}");

    let wrong = dir.write(
        "wrong.toml",
        &format!(
            "extends = {:?}\n[policy]\nstart_day = 0\n[liaison_diversion]\ncoverage = {{ value = 1.0, phase_in = [[10, 0.5], [5, 0.8], [20, 0.9]] }}\n[court]\nremand_share = {{ value = 0.2, phase_in = [[0, 0.1]] }}\n",
            baseline.display().to_string()
        ),
    );
    let e = cjmh::scenario::load(&wrong).unwrap_err().to_string();
    assert!(e.contains("phase-in days must increase"), "{e}");
    assert!(e.contains("the last phase-in point (0.9)"), "{e}");
    assert!(e.contains("court.remand_share.phase_in"), "{e}");
}
