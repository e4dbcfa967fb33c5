//! The national baseline against every published calibration target, and `cjmh calibrate`.

use std::path::Path;

use cjmh::calibration;

use crate::common::{TempDir, cjmh_in, root};

#[test]
fn the_national_baseline_meets_every_calibration_target_and_docs_show_this_run() {
    // The full national scenario with its own seed and replications: the same run as
    // `cjmh calibrate scenarios/baseline.toml`, which wrote docs/calibration.md.
    let rel = Path::new("scenarios/baseline.toml");
    let s = cjmh::scenario::load(&root().join(rel)).unwrap();
    let seed = s.seed.unwrap();
    let reps = u64::from(s.replications.unwrap());
    let results = cjmh::cli::replications(&s, seed, reps, None, true).unwrap();
    let rows = calibration::evaluate(&results);
    let failing: Vec<String> = rows
        .iter()
        .filter(|r| !r.pass())
        .map(|r| {
            format!(
                "{}: {:?} outside {:?}",
                r.target.metric, r.estimate, r.target.band
            )
        })
        .collect();
    assert!(failing.is_empty(), "{}", failing.join("\n"));
    let table = calibration::to_markdown(&rows, &calibration::heading(&s, rel, reps, seed));
    let docs = std::fs::read_to_string(root().join("docs/calibration.md")).unwrap();
    assert!(
        docs == table,
        "docs/calibration.md is out of date: run `cjmh calibrate --out docs/calibration.md`"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in table.lines().filter(|l| l.starts_with('|')) {
        assert!(
            readme.lines().any(|r| r == line),
            "README.md's calibration table lacks this row of docs/calibration.md:\n{line}"
        );
    }
}

#[test]
fn calibrate_exits_1_and_still_writes_the_table_when_targets_are_missed() {
    // A tiny system (20 new people a day, two years) cannot reach national totals.
    let tmp = TempDir::new("calibrate");
    let baseline = root().join("scenarios/baseline.toml");
    let small = tmp.write(
        "tiny.toml",
        &format!(
            "extends = {:?}\nname = \"tiny\"\n\n[simulation]\nwarmup_days = 365\nhorizon_days = 365\n\n\
             [people]\nnew_people_per_day = {{ value = 20, source = \"test\" }}\n",
            baseline.display().to_string()
        ),
    );
    let out = tmp.path().join("table.md");
    let o = cjmh_in(
        tmp.path(),
        [
            "calibrate".as_ref(),
            small.as_os_str(),
            "-r".as_ref(),
            "2".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let table = std::fs::read_to_string(&out).unwrap();
    assert!(table.contains("| Prison receptions a year (`receptions_per_year`)"));
    assert!(table.contains("**no**"));
    assert_eq!(
        table.matches("\n| ").count(),
        calibration::TARGETS.len() + 1
    );
}

#[test]
fn calibrate_refuses_a_network_scenario() {
    let tmp = TempDir::new("calibrate-network");
    let o = cjmh_in(
        tmp.path(),
        [
            "calibrate".as_ref(),
            root().join("scenarios/mmc-reference.toml").as_os_str(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pathway"));
}
