//! The command line: what `run` writes, exit codes, help, and `bench`.

use crate::common::{TempDir, cjmh, cjmh_in, file_names, fixture, root, stderr, stdout};

#[test]
fn run_writes_exactly_the_summary_and_the_manifest() {
    let tmp = TempDir::new("run");
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        fixture("valid/small.toml").as_os_str(),
        "--replications".as_ref(),
        "3".as_ref(),
        "--seed".as_ref(),
        "11".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = file_names(&out);
    assert!(
        !names.iter().any(|n| n.starts_with('.')),
        "temporary files left: {names:?}"
    );
    assert_eq!(names, ["manifest.json", "summary.csv"]);
    assert!(stdout(&o).contains("small (3 replications)"));

    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("scenario,replication,metric,value"));
    let mut per_rep = std::collections::BTreeMap::<String, [f64; 3]>::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "{line}");
        let slot = match fields[2] {
            "people_entered" => 0,
            "people_exited" => 1,
            "people_in_system_end" => 2,
            _ => continue,
        };
        per_rep.entry(fields[1].to_string()).or_default()[slot] = fields[3].parse().unwrap();
    }
    assert_eq!(per_rep.len(), 3);
    for (rep, [entered, exited, inside]) in per_rep {
        assert!(entered > 0.0 && exited > 0.0 && inside >= 0.0);
        // Counts are whole numbers far below 2^53, so f64 equality is exact here.
        assert_eq!(entered, exited + inside, "conservation, replication {rep}");
    }

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 11);
    assert_eq!(manifest["replications"], 3);
    assert!(manifest["threads"].as_u64().unwrap() >= 1);
    assert_eq!(manifest["versions"]["rand"], "0.10.4");
    assert_eq!(manifest["scenarios"][0]["name"], "small");
    let hash = manifest["scenarios"][0]["hash"].as_str().unwrap();
    assert_eq!(hash.len(), 16);
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    let loaded = cjmh::scenario::load(&fixture("valid/small.toml")).unwrap();
    assert_eq!(
        hash, loaded.hash,
        "the manifest names the scenario that ran"
    );
    assert_eq!(
        manifest["scenarios"][0]["resolved"]["stages"]["queue"]["capacity"]["value"],
        2.0
    );
}

#[test]
fn check_accepts_valid_files_including_the_shipped_scenarios() {
    let o = cjmh(["check".as_ref(), fixture("valid/small.toml").as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("small.toml: ok (2 stages, 1 arrival streams)"));
    assert_eq!(stderr(&o), "");
    // Relative paths from the repository root, as a user would type them.
    let o = cjmh_in(
        &root(),
        [
            "check",
            "tests/fixtures/valid/small.toml",
            "scenarios/baseline.toml",
            "scenarios/more-secure-beds.toml",
            "scenarios/mmc-reference.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn shipped_scenarios_name_a_source_for_every_parameter() {
    // Every number is written as a parameter table (one with `value` or `dist`) that carries
    // `source`; bare numbers are allowed only in the run settings of [simulation] and a
    // policy's start ([policy], the user's choice of date, not evidence). Walks the
    // TOML itself, so it covers network stages and pathway sections alike.
    fn walk(v: &toml::Value, path: &str, bad: &mut Vec<String>, parameters: &mut usize) {
        match v {
            // A data table (the deflator) names its source once for all its numbers.
            toml::Value::Table(t) if t.contains_key("source") && t.contains_key("index") => {
                *parameters += 1;
            }
            toml::Value::Table(t) if t.contains_key("value") || t.contains_key("dist") => {
                *parameters += 1;
                if !t.contains_key("source") {
                    bad.push(format!("{path}: no source"));
                }
            }
            toml::Value::Table(t) => {
                for (k, child) in t {
                    if path.is_empty() && (k == "simulation" || k == "policy") {
                        continue;
                    }
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(child, &p, bad, parameters);
                }
            }
            toml::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), bad, parameters);
                }
            }
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                bad.push(format!("{path}: a bare number"));
            }
            _ => {}
        }
    }
    let mut parameters = 0;
    let mut files: Vec<_> = std::fs::read_dir(crate::common::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for file in &files {
        let file = file.display();
        let text = std::fs::read_to_string(file.to_string()).unwrap();
        let v: toml::Value = toml::from_str(&text).unwrap();
        let mut bad = Vec::new();
        walk(&v, "", &mut bad, &mut parameters);
        assert!(bad.is_empty(), "{file}: {bad:?}");
    }
    assert!(parameters > 100, "only {parameters} parameters found");
}

#[test]
fn help_and_version_exit_zero_and_bad_usage_exits_two() {
    for args in [
        &["--help"][..],
        &["run", "--help"],
        &["--version"],
        &["bench", "--help"],
    ] {
        let o = cjmh(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
    }
    assert!(stdout(&cjmh(["run", "--help"])).contains("Replications per scenario"));
    let o = cjmh(["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("frobnicate"), "{}", stderr(&o));
    assert_eq!(
        cjmh::<[&str; 0], &str>([]).status.code(),
        Some(2),
        "no subcommand"
    );
    assert_eq!(
        cjmh(["run"]).status.code(),
        Some(2),
        "a scenario is required"
    );
    let small = fixture("valid/small.toml");
    let o = cjmh([
        "run".as_ref(),
        small.as_os_str(),
        "--replications".as_ref(),
        "lots".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = cjmh([
        "run".as_ref(),
        small.as_os_str(),
        "--replications".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2), "zero replications");
}

#[test]
fn a_missing_scenario_file_exits_two_naming_it() {
    let o = cjmh(["check", "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/file.toml"));
}

#[test]
fn bench_prints_one_json_object() {
    let o = cjmh(["bench", "--model", "mmc", "--cohort", "20000", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one line: {out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v.is_object(), "{v}");
    assert_eq!(v["model"], "mmc");
    assert_eq!(v["cohort"], 20000);
    assert!(v["people_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        v["events"].as_u64().unwrap() >= 40000,
        "an arrival and a departure each"
    );
}

#[test]
fn bench_runs_the_built_in_pathway_baseline_from_any_directory() {
    // `cjmh` runs in an empty temporary directory: the baseline is built into the binary.
    let o = cjmh([
        "bench",
        "--model",
        "pathway",
        "--cohort",
        "40000",
        "--threads",
        "2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["model"], "pathway");
    assert_eq!(v["threads"], 2);
    // New people are Poisson with mean 40,000 (two catchments of 20,000): 4 sd is 800. (At
    // 20,000 the 70 national transfer assessors scale to one place, too few for two catchments.)
    let people = v["cohort"].as_f64().unwrap();
    assert!((people - 40_000.0).abs() < 800.0, "{people}");
    // Every person has at least a police contact, its end and a court outcome.
    assert!(v["events"].as_f64().unwrap() > 3.0 * people, "{v}");
}

#[test]
fn bench_with_threads_splits_the_cohort() {
    let o = cjmh(["bench", "--cohort", "10001", "--threads", "2", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["cohort"], 10001);
    assert_eq!(v["threads"], 2);
}

#[test]
fn events_file_has_a_row_per_visit_and_does_not_depend_on_threads() {
    let tmp = TempDir::new("events");
    let run = |threads: &str, tag: &str| {
        let out = tmp.path().join(tag);
        let o = cjmh([
            "run".as_ref(),
            fixture("valid/small.toml").as_os_str(),
            "--replications".as_ref(),
            "3".as_ref(),
            "--seed".as_ref(),
            "5".as_ref(),
            "--threads".as_ref(),
            threads.as_ref(),
            "--events".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let one = run("1", "one");
    let two = run("2", "two");
    let events = std::fs::read_to_string(one.join("events.csv")).unwrap();
    assert_eq!(
        events,
        std::fs::read_to_string(two.join("events.csv")).unwrap()
    );
    assert_eq!(
        file_names(&one),
        ["events.csv", "manifest.json", "summary.csv"],
        "parts removed"
    );

    let mut lines = events.lines();
    assert_eq!(
        lines.next(),
        Some("scenario,replication,person,stage,arrival_day,start_day,end_day,destination")
    );
    // Rows ending in `exit` are the people who left: they must match people_exited exactly.
    let mut exits = [0u64; 3];
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 8, "{line}");
        let (arrival, start, end): (f64, f64, f64) = (
            f[4].parse().unwrap(),
            f[5].parse().unwrap(),
            f[6].parse().unwrap(),
        );
        assert!(arrival <= start && start <= end, "{line}");
        if f[7] == "exit" {
            exits[f[1].parse::<usize>().unwrap()] += 1;
        }
    }
    let summary = std::fs::read_to_string(one.join("summary.csv")).unwrap();
    for (rep, n) in exits.iter().enumerate() {
        let row = format!("small,{rep},people_exited,{n}");
        assert!(summary.lines().any(|l| l == row), "missing {row}");
    }
}

#[test]
fn no_events_file_unless_asked() {
    let tmp = TempDir::new("no-events");
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        fixture("valid/small.toml").as_os_str(),
        "-r".as_ref(),
        "1".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success());
    assert!(!out.join("events.csv").exists());
}

#[test]
fn run_without_out_writes_to_out_in_the_working_directory() {
    let cwd = TempDir::new("default-out");
    let small = fixture("valid/small.toml");
    let o = cjmh_in(
        cwd.path(),
        [
            "run".as_ref(),
            small.as_os_str(),
            "-r".as_ref(),
            "1".as_ref(),
            "-q".as_ref(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "--quiet prints nothing");
    assert_eq!(file_names(cwd.path()), ["out"]);
    assert_eq!(
        file_names(&cwd.path().join("out")),
        ["manifest.json", "summary.csv"]
    );
}

#[test]
fn an_output_path_that_cannot_be_a_directory_exits_one() {
    let tmp = TempDir::new("bad-out");
    let blocker = tmp.write("file", "not a directory");
    let o = cjmh([
        "run".as_ref(),
        fixture("valid/small.toml").as_os_str(),
        "-r".as_ref(),
        "1".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        blocker.join("out").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("output directory"), "{}", stderr(&o));
}
