//! Every malformed scenario under `tests/fixtures/malformed/` is refused with exit code 2, a
//! message naming the offending key, the file and (where the loader can know it) the line, and
//! no output at all.
//!
//! Each fixture has exactly one defect and starts with comment lines the tests read:
//!
//! ```toml
//! # expect: stages.queue.routes   <- the key path the message must name (required, first line)
//! # line: 13                      <- the line it must be located at, or `none` (required)
//! # file: cycle-partner.toml      <- the file the problem is reported in, if not this one
//! # says: forms a cycle           <- a substring the message must contain (optional)
//! ```
//!
//! Files in subfolders (such as `parts/`) are partners of a fixture, not cases of their own.

use std::path::{Path, PathBuf};

use crate::common::{MINIMAL, TempDir, cjmh, fixture, root, stderr};

/// The defects the suite must cover, each with the fixture that covers it.
const REQUIRED: &[(&str, &str)] = &[
    ("probability > 1", "probability-above-one.toml"),
    ("probability < 0", "probability-below-zero.toml"),
    (
        "branch probabilities not adding up to 1",
        "branches-do-not-sum-to-one.toml",
    ),
    ("negative rate", "negative-rate.toml"),
    ("non-finite rate (nan)", "nan-rate.toml"),
    ("non-finite rate (inf)", "infinite-rate.toml"),
    ("negative capacity", "negative-capacity.toml"),
    ("fractional capacity", "fractional-capacity.toml"),
    ("negative duration parameter", "negative-duration-mean.toml"),
    ("lognormal with sd < 0", "lognormal-negative-sd.toml"),
    ("gamma missing `scale`", "gamma-missing-scale.toml"),
    ("unknown distribution family", "unknown-distribution.toml"),
    ("key not applicable to the family", "key-not-in-family.toml"),
    (
        "empirical with a bad quantile table",
        "quantiles-decreasing.toml",
    ),
    (
        "empirical quantiles not from p = 0",
        "quantiles-not-from-zero.toml",
    ),
    (
        "histogram with a negative weight",
        "histogram-negative-weight.toml",
    ),
    ("unknown top-level key", "unknown-top-level-key.toml"),
    ("unknown key inside a stage", "unknown-key-in-stage.toml"),
    (
        "unknown key inside a parameter table",
        "unknown-key-in-parameter.toml",
    ),
    ("route to an unknown stage", "route-to-unknown-stage.toml"),
    (
        "arrival to an unknown stage",
        "arrival-to-unknown-stage.toml",
    ),
    ("missing `extends` target", "missing-extends-target.toml"),
    ("a cycle of `extends`", "extends-cycle.toml"),
    ("wrong type (string for a number)", "wrong-type.toml"),
    ("TOML syntax error", "toml-syntax-error.toml"),
    (
        "`low` above `value` in a parameter table",
        "low-above-value.toml",
    ),
    (
        "capacity_schedule out of time order",
        "schedule-out-of-order.toml",
    ),
    ("stage named `exit`", "stage-named-exit.toml"),
    ("no arrivals", "no-arrivals.toml"),
    ("zero horizon", "zero-horizon.toml"),
    ("pathway: a share above 1", "pathway-share-above-one.toml"),
    (
        "pathway: a prevalence above 1",
        "pathway-prevalence-above-one.toml",
    ),
    ("pathway: an unknown key", "pathway-unknown-key.toml"),
    ("an unknown model", "pathway-unknown-model.toml"),
    (
        "pathway: negative secure beds",
        "pathway-negative-beds.toml",
    ),
    (
        "pathway: a reoffending share the delays cannot reach",
        "pathway-unreachable-reoffending.toml",
    ),
    ("pathway: [stages] tables", "pathway-with-stages.toml"),
    (
        "spot-purchased high secure beds (S2: only the three NHS hospitals)",
        "pathway-limit-high-spot-beds.toml",
    ),
    (
        "pathway: a stay with a negative sd",
        "pathway-stay-negative-sd.toml",
    ),
    (
        "a cost line's price year not in the deflator",
        "costs-unknown-price-year.toml",
    ),
    (
        "a cost line with an unknown payer",
        "costs-unknown-payer.toml",
    ),
    (
        "a cost line with an unknown driver",
        "costs-unknown-driver.toml",
    ),
    ("a negative unit cost", "costs-negative-unit-cost.toml"),
    ("a cost line's saving kind unknown", "costs-bad-saving.toml"),
    ("a cost line without a basis", "costs-missing-basis.toml"),
    (
        "a public payer's consequence line without a saving kind",
        "costs-missing-saving.toml",
    ),
    ("[costs] in a network scenario", "costs-in-a-network.toml"),
];

struct Case {
    path: PathBuf,
    /// The fixture's file name.
    name: String,
    key: String,
    /// `None` when the loader cannot know a line (say, a missing table).
    line: Option<usize>,
    /// The file name the problem is reported in.
    file: String,
    says: Option<String>,
}

fn header(text: &str, tag: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix(&format!("# {tag}: ")))
        .map(|s| s.trim().to_string())
}

fn case(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text.starts_with("# expect: "),
        "{name}: the first line must be `# expect: KEY`"
    );
    let key = header(&text, "expect").unwrap();
    let line = match header(&text, "line")
        .unwrap_or_else(|| panic!("{name}: needs `# line: N` or `# line: none`"))
        .as_str()
    {
        "none" => None,
        n => Some(n.parse().unwrap_or_else(|_| panic!("{name}: bad line {n}"))),
    };
    let file = header(&text, "file").unwrap_or_else(|| name.clone());
    let says = header(&text, "says");
    Case {
        path: path.to_path_buf(),
        name,
        key,
        line,
        file,
        says,
    }
}

/// Every `*.toml` directly in `tests/fixtures/malformed/`, in name order.
fn cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture("malformed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths.iter().map(|p| case(p)).collect()
}

/// `FILE:LINE: ` or, with no line, `FILE: `, as the message prints the location.
fn location(file: &str, line: Option<usize>) -> String {
    match line {
        Some(n) => format!("{file}:{n}: "),
        None => format!("{file}: "),
    }
}

#[test]
fn there_are_at_least_twenty_four_malformed_fixtures() {
    let n = cases().len();
    assert!(n >= 24, "only {n} malformed fixtures");
}

#[test]
fn every_required_defect_has_a_fixture() {
    let names: Vec<String> = cases().into_iter().map(|c| c.name).collect();
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|(_, file)| !names.iter().any(|n| n == file))
        .map(|(what, file)| format!("{what}: {file}"))
        .collect();
    assert!(
        missing.is_empty(),
        "missing fixtures:\n{}",
        missing.join("\n")
    );
}

#[test]
fn check_refuses_each_malformed_file_naming_the_key_file_and_line() {
    let mut failures = Vec::new();
    for case in cases() {
        let o = cjmh(["check".as_ref(), case.path.as_os_str()]);
        let err = stderr(&o);
        let name = &case.name;
        if err.contains("panicked") {
            failures.push(format!("{name}: panicked: {err}"));
            continue;
        }
        if o.status.code() != Some(2) {
            failures.push(format!("{name}: exit {:?}, stderr: {err}", o.status.code()));
            continue;
        }
        // One defect, one problem: a cascade of follow-on messages would bury the real one.
        if !err.contains("1 problem in scenario") {
            failures.push(format!("{name}: expected exactly one problem: {err}"));
        }
        let key = format!("`{}`", case.key);
        if !err.contains(&key) {
            failures.push(format!("{name}: key {key} not named in: {err}"));
        }
        // The location comes right before the key: `…/file.toml:12: `key`: message`.
        let located = format!("{}{key}", location(&case.file, case.line));
        if !err.contains(&located) {
            failures.push(format!("{name}: expected `{located}` in: {err}"));
        }
        if let Some(says) = &case.says
            && !err.contains(says.as_str())
        {
            failures.push(format!("{name}: expected `{says}` in: {err}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_library_reports_the_same_key_file_and_line() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = &case.name;
        let problems = match cjmh::scenario::load(&case.path) {
            Ok(_) => {
                failures.push(format!("{name}: loaded without error"));
                continue;
            }
            Err(e) => e.problems,
        };
        let [p] = &problems[..] else {
            failures.push(format!("{name}: {} problems: {problems:?}", problems.len()));
            continue;
        };
        let file = p.file.file_name().unwrap().to_string_lossy();
        if p.key.to_string() != case.key || p.line != case.line || file != case.file {
            failures.push(format!(
                "{name}: got {file}:{:?} `{}`, expected {}:{:?} `{}`",
                p.line, p.key, case.file, case.line, case.key
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn run_writes_nothing_for_a_malformed_file() {
    let mut failures = Vec::new();
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
            "--quiet".as_ref(),
        ]);
        if o.status.code() != Some(2) {
            failures.push(format!("{}: exit {:?}", case.name, o.status.code()));
        }
        if !stderr(&o).contains(&format!("`{}`", case.key)) {
            failures.push(format!("{}: key not named: {}", case.name, stderr(&o)));
        }
        if out.exists() {
            failures.push(format!("{}: the output directory was created", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
fn two_defects_in_one_file_are_both_reported_in_one_run() {
    let tmp = TempDir::new("two-defects");
    let path = tmp.write(
        "two.toml",
        "[arrivals.people]\n\
         to = \"queue\"\n\
         rate_per_day = -1\n\
         \n\
         [stages.queue]\n\
         capacity = 1\n\
         duration = { dist = \"lognormal\", mean = 2, sd = -1 }\n",
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("2 problems in scenario"), "{err}");
    assert!(
        err.contains("two.toml:3: `arrivals.people.rate_per_day`"),
        "{err}"
    );
    assert!(
        err.contains("two.toml:7: `stages.queue.duration.sd`"),
        "{err}"
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let tmp = TempDir::new("four-defects");
    let path = tmp.write(
        "four.toml",
        "[arrivals.people]\nto = \"queue\"\nrate_per_day = -1\n\n\
         [stages.queue]\ncapacity = 1.5\nduration = { dist = \"exponential\", mean = 1 }\n\
         routes = { exit = 0.5 }\nbogus = 1\n",
    );
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

#[test]
fn check_reports_the_problems_of_every_file_given() {
    let a = fixture("malformed/negative-rate.toml");
    let b = fixture("malformed/route-to-unknown-stage.toml");
    let o = cjmh(["check".as_ref(), a.as_os_str(), b.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("negative-rate.toml:8: `arrivals.people.rate_per_day`"),
        "{err}"
    );
    assert!(
        err.contains("route-to-unknown-stage.toml:13: `stages.queue.routes.court`"),
        "{err}"
    );
}

// Gaps found while writing this suite, each fixed and kept as a regression test.

/// Serde stops at the first value of the wrong type; the loader used to report only that one,
/// hiding the second and every problem the validator would find until the first was fixed.
#[test]
fn regression_wrong_types_do_not_hide_other_problems() {
    let tmp = TempDir::new("types");
    let path = tmp.write(
        "types.toml",
        "[arrivals.people]\n\
         to = \"queue\"\n\
         rate_per_day = \"two\"\n\
         \n\
         [stages.queue]\n\
         capacity = \"one\"\n\
         duration = { dist = \"exponential\", mean = -1 }\n",
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for key in [
        "types.toml:3: `arrivals.people.rate_per_day`",
        "types.toml:6: `stages.queue.capacity`",
        "types.toml:7: `stages.queue.duration.mean`",
    ] {
        assert!(err.contains(key), "{key} missing from: {err}");
    }
}

/// `horizon_days = 1e-12` passes (only exactly 0 is refused) but rounds to 0 minutes; `run` then
/// reports `arrival_rate_per_day = inf` and empty means.
#[test]
fn a_horizon_shorter_than_one_minute_is_refused() {
    let tmp = TempDir::new("tiny-horizon");
    let path = tmp.write(
        "tiny.toml",
        &format!("[simulation]\nhorizon_days = 1e-12\n\n{MINIMAL}"),
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("tiny.toml:2: `simulation.horizon_days`"));
}

/// A mean gap of 0 is refused ("infinitely many people at one instant"), but a gap that rounds
/// to 0 minutes is not: `check` accepts the file and `run` never finishes. Only `check` is run
/// here, so the test cannot hang.
#[test]
fn an_interarrival_gap_below_one_minute_is_refused() {
    let tmp = TempDir::new("tiny-gap");
    let path = tmp.write(
        "gap.toml",
        "[arrivals.people]\n\
         to = \"queue\"\n\
         interarrival = { dist = \"fixed\", value = 1e-9 }\n\
         \n\
         [stages.queue]\n\
         duration = { dist = \"exponential\", mean = 0.3 }\n",
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("gap.toml:3: `arrivals.people.interarrival`"));
}

/// The zero-time-loop check compares mean durations with exactly 0; a loop of durations that
/// round to 0 minutes is accepted by `check` and `run` never finishes. Only `check` is run here.
#[test]
fn a_loop_of_sub_minute_durations_is_refused() {
    let tmp = TempDir::new("tiny-loop");
    let path = tmp.write(
        "loop.toml",
        "[arrivals.people]\n\
         to = \"queue\"\n\
         rate_per_day = 1\n\
         \n\
         [stages.queue]\n\
         duration = { dist = \"fixed\", value = 1e-9 }\n\
         routes = { queue = 1.0 }\n",
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("loop.toml:7: `stages.queue.routes`"));
}

/// A stand-in for a wrong-typed value must not make the validator complain about the stand-in,
/// and a pathway file with several wrong types reports each at its line.
#[test]
fn every_wrong_type_in_a_pathway_file_is_reported_once_at_its_line() {
    let tmp = TempDir::new("pathway-types");
    let baseline = root().join("scenarios/baseline.toml");
    let path = tmp.write(
        "types.toml",
        &format!(
            "extends = {:?}\n\
             [transfer.beds]\n\
             medium = \"many\"\n\
             low = true\n\
             [liaison_diversion]\n\
             coverage = {{ value = \"all\", source = \"L2\" }}\n",
            baseline.display().to_string()
        ),
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for key in [
        "types.toml:3: `transfer.beds.medium`",
        "types.toml:4: `transfer.beds.low`",
        "types.toml:6: `liaison_diversion.coverage",
    ] {
        assert_eq!(err.matches(key).count(), 1, "{key} not once in: {err}");
    }
    assert!(err.starts_with("error: 3 problems"), "{err}");
}

/// A pathway scenario without its sections is told each one it lacks, in the order of the file
/// format; a pathway section in a network scenario is refused.
#[test]
fn missing_pathway_sections_are_named_and_stray_ones_refused() {
    let e = cjmh::scenario::load_str(Path::new("p.toml"), "model = \"pathway\"\n").unwrap_err();
    let named: Vec<String> = e.problems.iter().map(|p| p.key.to_string()).collect();
    assert_eq!(
        named,
        [
            "people",
            "police",
            "liaison_diversion",
            "court",
            "custody",
            "prison_care",
            "transfer",
            "release",
            "probation",
            "community",
            "iapt",
            "secure_hospital",
            "health"
        ]
    );
    assert!(
        e.problems[0]
            .message
            .starts_with("a pathway scenario needs a [people] section"),
        "{e}"
    );

    let text = format!(
        "{MINIMAL}\n[release_support]\npopulation = \"trial\"\nparticipation_share = 0.5\nmax_sentence_days = 730\nmin_days_in_custody = 28\nno_gp_share = 0.1\ncmht_contact_6m_share = 0.5\n"
    );
    let e = cjmh::scenario::load_str(Path::new("n.toml"), &text).unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].key.to_string(), "model");
    assert!(
        e.problems[0]
            .message
            .contains("belong to the pathway model"),
        "{e}"
    );
}

/// A spot-bed search retried after less than a minute rounds to no time: with the supply full,
/// the failed search was retried at the same moment for ever (only exactly 0 was refused). Only
/// `check` is run, so the test cannot hang.
#[test]
fn a_spot_search_retried_within_a_minute_is_refused() {
    let tmp = TempDir::new("tiny-retry");
    let policy = crate::common::root().join("scenarios/transfer-14-day.toml");
    let path = tmp.write(
        "retry.toml",
        &format!(
            "extends = {:?}\n[transfer_limit]\nspot_retry_days = {{ value = 0.0001, source = \"test\" }}\n",
            policy.display().to_string()
        ),
    );
    let o = cjmh(["check".as_ref(), path.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("retry.toml:3: `transfer_limit.spot_retry_days`")
            && stderr(&o).contains("at least a minute"),
        "{}",
        stderr(&o)
    );
}
