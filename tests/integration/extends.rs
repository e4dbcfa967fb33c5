//! `extends`: a child writes only what it changes, paths are relative to the child, and problems
//! in inherited keys point at the file that wrote them.

use crate::common::{cjmh, fixture, stderr};

#[test]
fn child_overrides_one_leaf_and_inherits_the_rest() {
    let s = cjmh::scenario::load(&fixture("extends/child/child.toml")).unwrap();
    assert_eq!(s.name, "child");
    let queue = &s.spec.stages["queue"];
    assert_eq!(queue.capacity.as_ref().unwrap().value, 5.0, "overridden");
    assert_eq!(
        queue.routes["after"].value, 0.25,
        "inherited from the parent"
    );
    assert_eq!(queue.duration.as_ref().unwrap().mean, Some(0.5));
    assert_eq!(s.spec.simulation.horizon_days.as_ref().unwrap().value, 50.0);
    assert!(s.spec.stages.contains_key("after"));
    assert_eq!(s.files.len(), 2, "the child and its parent");
}

#[test]
fn extends_path_is_relative_to_the_child_not_the_working_directory() {
    // Run from the repository root: "../parent.toml" only resolves relative to the child's folder.
    let o = cjmh([
        "check".as_ref(),
        fixture("extends/child/child.toml").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
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
    let o = cjmh([
        "check".as_ref(),
        fixture("extends/child/bad-inherited.toml").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad-inherited.toml:"), "{err}");
    assert!(err.contains("`stages.queue.routes`"), "{err}");
}

#[test]
fn a_problem_in_an_inherited_key_names_the_parent_file() {
    let err = cjmh::scenario::load(&fixture("malformed/parts/cycle-partner.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cycle"), "{err}");
    // A child of a parent with a bad value: the problem is reported against the parent.
    let tmp = crate::common::TempDir::new("inherit");
    std::fs::write(
        tmp.path().join("parent.toml"),
        "[arrivals.a]\nto = \"s\"\nrate_per_day = 1\n[stages.s]\nduration = { dist = \"exponential\", mean = -1 }\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("child.toml"),
        "extends = \"parent.toml\"\nname = \"child\"\n",
    )
    .unwrap();
    let err = cjmh::scenario::load(&tmp.path().join("child.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("parent.toml:5:"), "{err}");
    assert!(err.contains("`stages.s.duration.mean`"), "{err}");
}
