//! `extends`: a child writes only what it changes, paths are relative to the child, and problems
//! in inherited keys point at the file that wrote them.

use crate::common::{TempDir, cjmh, cjmh_in, fixture, stderr};

/// Runs `scenario` (relative to `cwd`) for one replication and returns the parsed manifest.
fn manifest_of_run(cwd: &std::path::Path, scenario: &str) -> serde_json::Value {
    let o = cjmh_in(cwd, ["run", scenario, "-r", "1", "--quiet", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(cwd.join("out/manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn child_overrides_one_leaf_and_inherits_the_rest() {
    let s = cjmh::scenario::load(&fixture("extends/child/child.toml")).unwrap();
    assert_eq!(s.name, "child", "overridden");
    let queue = &s.spec.stages["queue"];
    assert_eq!(queue.capacity.as_ref().unwrap().value, 5.0, "overridden");
    assert_eq!(queue.routes["after"].value, 0.25, "inherited");
    assert_eq!(queue.routes["exit"].value, 0.75, "inherited");
    let duration = queue.duration.as_ref().unwrap();
    assert_eq!(
        (duration.dist.as_str(), duration.mean),
        ("exponential", Some(0.5))
    );
    assert_eq!(s.spec.simulation.horizon_days.as_ref().unwrap().value, 50.0);
    assert_eq!(
        s.spec.arrivals["people"]
            .rate_per_day
            .as_ref()
            .unwrap()
            .value,
        3.0
    );
    assert!(
        s.spec.stages.contains_key("after"),
        "a whole inherited stage"
    );
    assert_eq!(s.files.len(), 2, "the child and its parent");
    // Paths are joined, not normalised (so `..` follows symlinks as the OS does): compare where
    // they lead.
    assert_eq!(
        s.files[1].canonicalize().unwrap(),
        fixture("extends/parent.toml").canonicalize().unwrap(),
        "{:?}",
        s.files
    );
    // The resolved scenario the engine runs agrees with the spec.
    let q = s.stages.iter().find(|st| st.name == "queue").unwrap();
    assert_eq!(q.capacity, 5);
}

#[test]
fn the_run_uses_the_inherited_values() {
    let tmp = TempDir::new("extends-run");
    let child = fixture("extends/child/child.toml");
    let m = manifest_of_run(tmp.path(), child.to_str().unwrap());
    let scenario = &m["scenarios"][0];
    assert_eq!(scenario["name"], "child");
    let queue = &scenario["resolved"]["stages"]["queue"];
    assert_eq!(queue["capacity"]["value"], 5.0);
    assert_eq!(queue["routes"]["after"]["value"], 0.25);
    assert_eq!(queue["duration"]["mean"], 0.5);
    assert_eq!(
        scenario["resolved"]["simulation"]["horizon_days"]["value"],
        50.0
    );
    assert_eq!(scenario["files"].as_array().unwrap().len(), 2);
    let summary = std::fs::read_to_string(tmp.path().join("out/summary.csv")).unwrap();
    assert!(
        summary.lines().any(|l| l.starts_with("child,0,after.")),
        "the inherited stage ran"
    );
}

#[test]
fn extends_path_is_relative_to_the_child_not_the_working_directory() {
    // From `tests/fixtures/extends`, `../parent.toml` relative to the working directory would be
    // `tests/fixtures/parent.toml`, which does not exist; relative to the child it is found.
    let o = cjmh_in(&fixture("extends"), ["check", "child/child.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The same from an unrelated working directory with an absolute path.
    let child = fixture("extends/child/child.toml");
    let o = cjmh(["check".as_ref(), child.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_parent_next_to_the_working_directory_is_not_picked_up() {
    // Two files called parent.toml: a decoy in the working directory and the real one next to
    // the child. The child must get the real one.
    let tmp = TempDir::new("extends-decoy");
    let body = |capacity: u32| {
        format!(
            "[arrivals.people]\nto = \"queue\"\nrate_per_day = 2\n\n\
             [stages.queue]\ncapacity = {capacity}\n\
             duration = {{ dist = \"exponential\", mean = 0.3 }}\n"
        )
    };
    tmp.write("parent.toml", &body(99));
    tmp.write("scenarios/parent.toml", &body(3));
    tmp.write(
        "scenarios/child.toml",
        "extends = \"parent.toml\"\nname = \"child\"\n",
    );
    let m = manifest_of_run(tmp.path(), "scenarios/child.toml");
    let resolved = &m["scenarios"][0]["resolved"];
    assert_eq!(resolved["stages"]["queue"]["capacity"]["value"], 3.0);
    assert_eq!(
        m["scenarios"][0]["files"],
        serde_json::json!(["scenarios/child.toml", "scenarios/parent.toml"])
    );
}

#[test]
fn child_and_parent_hash_differently_and_parent_is_unchanged() {
    let child = cjmh::scenario::load(&fixture("extends/child/child.toml")).unwrap();
    let parent = cjmh::scenario::load(&fixture("extends/parent.toml")).unwrap();
    assert_ne!(child.hash, parent.hash);
    assert_eq!(
        parent.spec.stages["queue"].capacity.as_ref().unwrap().value,
        2.0
    );
}

#[test]
fn a_problem_made_by_overriding_is_located_in_the_child() {
    let path = fixture("extends/child/bad-inherited.toml");
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad-inherited.toml:5: `stages.queue.routes`"),
        "{err}"
    );
}

#[test]
fn a_problem_in_an_inherited_key_names_the_parent_file() {
    let tmp = TempDir::new("inherit");
    tmp.write(
        "base/parent.toml",
        "[arrivals.a]\nto = \"s\"\nrate_per_day = 1\n\n\
         [stages.s]\nduration = { dist = \"exponential\", mean = -1 }\n",
    );
    let child = tmp.write(
        "child.toml",
        "extends = \"base/parent.toml\"\nname = \"child\"\n\n[arrivals.a]\nrate_per_day = 2\n",
    );

    // Through the library: the problem's file is the parent, at the line the parent wrote it.
    let err = cjmh::scenario::load(&child).unwrap_err();
    let [p] = &err.problems[..] else {
        panic!("{err}")
    };
    assert_eq!(p.key.to_string(), "stages.s.duration.mean");
    assert!(p.file.ends_with("base/parent.toml"), "{:?}", p.file);
    assert_eq!(p.line, Some(6));

    // Through the command line.
    let o = cjmh(["check".as_ref(), child.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("parent.toml:6: `stages.s.duration.mean`"),
        "{err}"
    );
    assert!(!err.contains("child.toml:"), "{err}");
}

#[test]
fn a_cycle_is_reported_whichever_file_is_loaded_first() {
    for (start, reported) in [
        (
            "malformed/extends-cycle.toml",
            "cycle-partner.toml:2: `extends`",
        ),
        (
            "malformed/parts/cycle-partner.toml",
            "extends-cycle.toml:5: `extends`",
        ),
    ] {
        let o = cjmh(["check".as_ref(), fixture(start).as_os_str()]);
        assert_eq!(o.status.code(), Some(2), "{start}");
        let err = stderr(&o);
        assert!(err.contains(reported), "{start}: {err}");
        assert!(err.contains("forms a cycle"), "{start}: {err}");
    }
}

/// `extends` paths are normalised lexically (`dir/../x` becomes `x`) before the file is read. When
/// the child's folder is reached through a symbolic link, `link/../parent.toml` means the folder
/// above the link's *target* to the operating system, but the lexical form drops `link/..` and
/// looks next to the link instead: the parent is not found (or a different file is read).
#[cfg(unix)]
#[test]
fn extends_through_a_symlinked_folder_finds_the_parent_the_os_would() {
    let tmp = TempDir::new("extends-symlink");
    tmp.write(
        "real/parent.toml",
        "[arrivals.people]\nto = \"queue\"\nrate_per_day = 2\n\n\
         [stages.queue]\nduration = { dist = \"exponential\", mean = 0.3 }\n",
    );
    tmp.write(
        "real/sub/child.toml",
        "extends = \"../parent.toml\"\nname = \"c\"\n",
    );
    std::os::unix::fs::symlink(tmp.path().join("real/sub"), tmp.path().join("link")).unwrap();
    // The operating system's view: link/../parent.toml is real/parent.toml.
    assert!(tmp.path().join("link/../parent.toml").exists());
    let o = cjmh_in(tmp.path(), ["check", "link/child.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
