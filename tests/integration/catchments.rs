//! `--catchments`: one replication split into independent catchments that run in parallel.

use std::collections::BTreeMap;

use crate::common::{TempDir, cjmh, fixture, root, stderr};

fn small(tmp: &TempDir) -> std::path::PathBuf {
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        "small.toml",
        &format!(
            "extends = {:?}\nname = \"small\"\n[simulation]\nwarmup_days = 730\nhorizon_days = 730\n\
             [people]\nnew_people_per_day = {{ value = 40, source = \"test\" }}\n",
            baseline.display().to_string()
        ),
    )
}

fn run(tmp: &TempDir, scenario: &std::path::Path, tag: &str, extra: &[&str]) -> Vec<u8> {
    let out = tmp.path().join(tag);
    let mut args: Vec<std::ffi::OsString> = vec![
        "run".into(),
        scenario.into(),
        "-r".into(),
        "2".into(),
        "-q".into(),
        "--out".into(),
        out.clone().into(),
    ];
    args.extend(extra.iter().map(|a| a.into()));
    let o = cjmh(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out.join("summary.csv")).unwrap()
}

fn metrics(csv: &[u8], replication: &str) -> BTreeMap<String, f64> {
    String::from_utf8_lossy(csv)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1] == replication).then(|| (f[2].to_string(), f[3].parse().unwrap_or(f64::NAN)))
        })
        .collect()
}

#[test]
fn a_split_run_is_byte_identical_on_one_two_and_seven_threads() {
    let tmp = TempDir::new("catchments-threads");
    let s = small(&tmp);
    let one = run(&tmp, &s, "t1", &["--catchments", "3", "--threads", "1"]);
    assert_eq!(
        one,
        run(&tmp, &s, "t2", &["--catchments", "3", "--threads", "2"])
    );
    assert_eq!(
        one,
        run(&tmp, &s, "t7", &["--catchments", "3", "--threads", "7"])
    );
    // One catchment is the unsplit run.
    assert_eq!(
        run(&tmp, &s, "whole", &[]),
        run(&tmp, &s, "one", &["--catchments", "1"])
    );
}

#[test]
fn catchments_add_up_to_the_whole_system() {
    let tmp = TempDir::new("catchments-sums");
    let s = small(&tmp);
    let whole = metrics(&run(&tmp, &s, "whole", &[]), "0");
    let split = metrics(&run(&tmp, &s, "split", &["--catchments", "3"]), "0");
    // Capacities are shared out in whole places and add up exactly.
    for level in ["high", "medium", "low"] {
        let k = format!("secure_beds.{level}.capacity");
        assert_eq!(split[&k], whole[&k], "{k}");
    }
    // The identities hold on the merged tallies, as in one run.
    use cjmh::model::pathway::{PLACES, STAGES};
    let places = &STAGES[..PLACES];
    let in_places: f64 = places
        .iter()
        .map(|p| split[&format!("{p}.population_end")])
        .sum();
    assert_eq!(split["people_in_system_end"], in_places);
    for p in places {
        let (l, w) = (
            split[&format!("{p}.population_mean")] * 730.0,
            split[&format!("{p}.visit_days")],
        );
        assert!((l - w).abs() <= 1e-6 * w.max(1.0), "{p}: {l} vs {w}");
    }
    // Same system, other streams: the national figures agree within sampling error. New people
    // are Poisson, so their count has sd sqrt(n); allow 5 sd.
    let (a, b) = (whole["people_entered"], split["people_entered"]);
    assert!((a - b).abs() < 5.0 * a.sqrt(), "{a} vs {b}");
    assert_ne!(a, b, "a split run must use its own streams");
}

#[test]
fn catchments_are_refused_where_they_cannot_apply() {
    let tmp = TempDir::new("catchments-bad");
    let s = small(&tmp);
    let out = tmp.path().join("out");
    for args in [
        vec![
            "run".into(),
            s.clone().into_os_string(),
            "--catchments".into(),
            "0".into(),
        ],
        vec![
            "run".into(),
            s.clone().into_os_string(),
            "--catchments".into(),
            "2".into(),
            "--events".into(),
        ],
        vec![
            "run".into(),
            fixture("valid/small.toml").into_os_string(),
            "--catchments".into(),
            "2".into(),
        ],
    ] {
        let mut args: Vec<std::ffi::OsString> = args;
        args.extend(["--out".into(), out.clone().into_os_string()]);
        let o = cjmh(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--catchments"), "{}", stderr(&o));
        assert!(!out.join("summary.csv").exists());
    }
}
