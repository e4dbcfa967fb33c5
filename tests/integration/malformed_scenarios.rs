//! Every malformed scenario under `tests/fixtures/malformed/` is refused with exit code 2, a
//! message naming the offending key (and its line where the first lines say so), and no output.
//!
//! Each fixture starts with `# expect: KEY` and, where the line is known, `# line: N`.

use crate::common::{TempDir, cjmh, fixture, stderr};

struct Case {
    path: std::path::PathBuf,
    key: String,
    line: Option<usize>,
}

fn cases() -> Vec<Case> {
    let dir = fixture("malformed");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        let key = lines
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks '# expect: KEY'", path.display()))
            .to_string();
        let line = lines
            .next()
            .and_then(|l| l.strip_prefix("# line: "))
            .map(|n| n.parse().unwrap());
        out.push(Case { path, key, line });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

#[test]
fn there_are_at_least_twenty_malformed_fixtures() {
    assert!(cases().len() >= 20, "only {} fixtures", cases().len());
}

#[test]
fn check_refuses_each_malformed_file_naming_the_key_and_line() {
    let mut failures = Vec::new();
    for case in cases() {
        let o = cjmh(["check".as_ref(), case.path.as_os_str()]);
        let err = stderr(&o);
        let name = case
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if o.status.code() != Some(2) {
            failures.push(format!("{name}: exit {:?}, stderr: {err}", o.status.code()));
            continue;
        }
        if !err.contains(&format!("`{}`", case.key)) {
            failures.push(format!("{name}: key `{}` not named in: {err}", case.key));
        }
        if let Some(line) = case.line {
            let located = format!("{name}:{line}:");
            if !err.contains(&located) {
                failures.push(format!("{name}: expected `{located}` in: {err}"));
            }
        }
        if err.contains("panicked") {
            failures.push(format!("{name}: panicked: {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn run_writes_nothing_for_a_malformed_file() {
    for case in cases() {
        let tmp = TempDir::new("malformed");
        let out = tmp.path().join("out");
        let o = cjmh([
            "run".as_ref(),
            case.path.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--replications".as_ref(),
            "1".as_ref(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", case.path.display());
        assert!(
            !out.exists(),
            "{}: output directory was created",
            case.path.display()
        );
    }
}

#[test]
fn one_valid_file_among_bad_ones_still_writes_nothing() {
    let tmp = TempDir::new("mixed");
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        fixture("valid/small.toml").as_os_str(),
        fixture("malformed/negative-rate.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let tmp = TempDir::new("two-defects");
    let path = tmp.path().join("two.toml");
    std::fs::write(
        &path,
        "[arrivals.people]\nto = \"queue\"\nrate_per_day = -1\n\n\
         [stages.queue]\ncapacity = 1.5\nduration = { dist = \"exponential\", mean = 1 }\n\
         routes = { exit = 0.5 }\nbogus = 1\n",
    )
    .unwrap();
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for key in [
        "`arrivals.people.rate_per_day`",
        "`stages.queue.capacity`",
        "`stages.queue.routes`",
        "`stages.queue.bogus`",
    ] {
        assert!(err.contains(key), "{key} missing from: {err}");
    }
    assert!(err.contains("4 problems"), "{err}");
}
