//! The SimPy peer of the reduced pathway (`benches/peers/pathway_simpy.py`) keeps working: it
//! reads `cjmh show --json`'s output and scales the scenario to a cohort as `cjmh run --cohort`
//! does. A tiny cohort only (under a second): the comparison itself is `benches/peers/run.sh
//! pathway`. Skipped, with a note, where no Python with SimPy is at hand (CI need not have one).

use std::path::PathBuf;
use std::process::Command;

use crate::common::{TempDir, cjmh_in, root, stderr};

const SCENARIO: &str = "scenarios/reduced-pathway.toml";
const COHORT: &str = "5000";

/// A Python that can import SimPy: the peers' venv, made by `benches/peers/run.sh`, else
/// `python3`.
fn python_with_simpy() -> Option<PathBuf> {
    let venv = root().join("benches/peers/.venv/bin/python");
    [venv, PathBuf::from("python3")].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import simpy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// `cjmh show --json` gives the merged scenario: the reduced file's own values and, through
/// `extends`, the baseline's.
#[test]
fn show_json_gives_the_merged_scenario() {
    let o = cjmh_in(&root(), ["show", "--json", SCENARIO]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["name"], "reduced-pathway");
    assert_eq!(v["liaison_diversion"]["coverage"]["value"], 0.0);
    assert_eq!(v["transfer"]["beds"]["medium"]["value"], 1650);
    assert_eq!(v["custody"]["sentence_days"]["dist"], "empirical");
    assert_eq!(v["simulation"]["warmup_days"], 1826);
    assert!(v.get("extends").is_none());
}

#[test]
fn the_simpy_peer_runs_the_reduced_pathway_with_the_capacities_cjmh_scales() {
    let Some(py) = python_with_simpy() else {
        eprintln!("note: no Python with SimPy; the SimPy peer is not tested");
        return;
    };
    let o = Command::new(&py)
        .arg(root().join("benches/peers/pathway_simpy.py"))
        .args([COHORT, "--seed", "3", "--scenario", SCENARIO, "--cjmh"])
        .arg(env!("CARGO_BIN_EXE_cjmh"))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let peer: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let people = peer["people"].as_f64().unwrap();
    // Poisson arrivals with mean 5,000: sd about 71.
    assert!((people - 5000.0).abs() < 400.0, "{people} people");
    assert!(peer["prison_population_mean"].as_f64().unwrap() > 100.0);
    assert!(peer["transfer_referrals"].as_u64().unwrap() > 0);
    assert!(peer["ns_per_person"].as_f64().unwrap() > 0.0);

    // The same cohort in cjmh: the capacities it runs with are the peer's.
    let out = TempDir::new("peer");
    let o = cjmh_in(
        &root(),
        [
            "run",
            SCENARIO,
            "--cohort",
            COHORT,
            "-r",
            "1",
            "--quiet",
            "--out",
            &out.path().display().to_string(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.path().join("summary.csv")).unwrap();
    let metric = |name: &str| -> f64 {
        summary
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[2] == name).then(|| f[3].parse().unwrap())
            })
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        peer["assessors"].as_f64().unwrap(),
        metric("transfer_assessors")
    );
    for (i, level) in ["high", "medium", "low"].iter().enumerate() {
        assert_eq!(
            peer["beds"][i].as_f64().unwrap(),
            metric(&format!("secure_beds.{level}.capacity")),
            "{level} secure beds"
        );
    }
}

/// The peer refuses a scenario in which something it does not model is switched on, rather
/// than simulating a different model from cjmh's (the national baseline has L&D, reports,
/// recall, therapy and deaths in the community).
#[test]
fn the_simpy_peer_refuses_the_full_baseline() {
    let Some(py) = python_with_simpy() else {
        eprintln!("note: no Python with SimPy; the SimPy peer is not tested");
        return;
    };
    let o = Command::new(&py)
        .arg(root().join("benches/peers/pathway_simpy.py"))
        .args(["1000", "--scenario", "scenarios/baseline.toml", "--cjmh"])
        .arg(env!("CARGO_BIN_EXE_cjmh"))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = stderr(&o);
    for key in [
        "liaison_diversion.coverage",
        "court.report_share",
        "custody.recall_share",
        "people.prevalence.remand_male.depression_anxiety",
    ] {
        assert!(err.contains(key), "{key} not named in: {err}");
    }
}

/// The comparison's scripts at least parse (running them takes minutes and a venv).
#[test]
fn the_peer_scripts_parse() {
    for script in ["run.sh", "pathway.sh"] {
        let o = Command::new("bash")
            .arg("-n")
            .arg(root().join("benches/peers").join(script))
            .output()
            .unwrap();
        assert!(o.status.success(), "{script}: {}", stderr(&o));
    }
}
