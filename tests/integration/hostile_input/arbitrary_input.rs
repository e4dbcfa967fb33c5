//! Property tests: arbitrary scenario text and arbitrary argument values never make cjmh panic.
//!
//! The loader gets three kinds of text: any string at all; a shipped scenario with random edits
//! (bytes cut out, TOML punctuation and extreme values put in); and a shipped scenario with one of
//! its numbers replaced by an extreme value. A mutated scenario that still loads is run for a
//! small cohort, so a value that passes the checks but breaks the model shows up too. The
//! command-line parser gets arbitrary argument vectors built from its own flags and hostile
//! values.
//!
//! The cases are drawn from a fixed seed, so a failure reproduces; proptest shrinks it to a
//! minimal input and prints it. Set `PROPTEST_CASES` for a longer search (CI uses the counts
//! below; they take a few seconds).

use std::path::{Path, PathBuf};

use clap::Parser;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use crate::common::root;

/// A fixed seed for the case generator: the same cases on every run (see the module docs).
const SEED: u64 = 20261128;

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        rng_seed: RngSeed::Fixed(SEED),
        // No regression files written into the source tree; the minimal case is printed.
        failure_persistence: None,
        ..Config::default()
    }
}

/// The shipped pathway scenarios, with the paths they are loaded as (so `extends` resolves).
fn shipped() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    v.sort();
    v
}

/// Pieces of TOML syntax and values that have broken parsers and checks elsewhere.
const FRAGMENTS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "\n",
    "\r\n",
    "#",
    ",",
    ".",
    "\\",
    "\\u",
    "\0",
    "é",
    "\u{202e}",
    "=\n",
    "[x]\n",
    "[people]\n",
    "[[stages]]\n",
    "a.b.c = 1\n",
    "x = {",
    "value",
    "low",
    "high",
    "source",
    "0",
    "-0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775808",
    "-9223372036854775809",
    "4294967296",
    "0.0",
    "1.0",
    "2",
    "0x10",
    "1_000",
    "true",
    "false",
    "1979-05-27T07:32:00Z",
    "[]",
    "[1, \"a\"]",
    "{ value = -5 }",
    "{ value = 1e300 }",
    "{ value = 0.5, low = 0.9, high = 0.1 }",
    "extends = \"missing.toml\"\n",
    "extends = \"baseline.toml\"\n",
    "extends = \"\"\n",
    "extends = \".\"\n",
    "model = \"network\"\n",
    "model = \"pathway\"\n",
    "model = \"?\"\n",
    "replications = 0\n",
    "seed = -1\n",
];

/// Extreme values put in place of one of a scenario's numbers.
const EXTREMES: &[&str] = &[
    "0",
    "-0",
    "-1",
    "0.5",
    "1",
    "1.5",
    "2",
    "1e9",
    "1e300",
    "-1e300",
    "1e-300",
    "4294967296",
    "18446744073709551615",
    "nan",
    "inf",
    "-inf",
    "\"1\"",
    "true",
    "[]",
    "{}",
];

#[derive(Debug, Clone)]
enum Edit {
    /// Cut `len` bytes at a position (as a share of the text's length).
    Cut(f64, usize),
    /// Put a fragment in at a position.
    Insert(f64, &'static str),
}

/// The byte index at `share` of `text`'s length, moved back to a character boundary.
fn at(text: &str, share: f64) -> usize {
    let mut i = ((text.len() as f64) * share) as usize;
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        match *e {
            Edit::Cut(share, len) => {
                let a = at(&t, share);
                let b = at(&t, ((a + len) as f64 / t.len().max(1) as f64).min(1.0)).max(a);
                t.replace_range(a..b, "");
            }
            Edit::Insert(share, frag) => {
                let a = at(&t, share);
                t.insert_str(a, frag);
            }
        }
    }
    t
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0.0..1.0f64, 1usize..64).prop_map(|(s, n)| Edit::Cut(s, n)),
        (0.0..1.0f64, prop::sample::select(FRAGMENTS)).prop_map(|(s, f)| Edit::Insert(s, f)),
    ]
}

/// The byte ranges of the numbers written as values (after `= ` or `value = `) in `text`.
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (b[i].is_ascii_digit() || b[i] == b'-')
            && i >= 2
            && b[i - 1] == b' '
            && b[i - 2] == b'=';
        if starts {
            let mut j = i + 1;
            while j < b.len()
                && (b[j].is_ascii_digit()
                    || matches!(b[j], b'.' | b'e' | b'E' | b'-' | b'+' | b'_'))
            {
                j += 1;
            }
            spans.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    spans
}

/// Loads `text` as if it were the file at `path`; if it loads as a scenario with arrivals, runs
/// it for about 300 people. Any panic fails the property.
fn load_and_maybe_run(path: &Path, text: &str) {
    let Ok(s) = cjmh::scenario::load_str(path, text) else {
        return;
    };
    let expected = s.expected_people();
    if !(expected.is_finite() && expected > 0.0) {
        return;
    }
    let s = s.scaled(300.0 / expected);
    let _ = cjmh::model::run(&s, 1, 0, cjmh::model::recorder::NullRecorder);
}

proptest! {
    #![proptest_config(config(256))]

    /// Any text at all: an error or a scenario, never a panic.
    #[test]
    fn any_text_is_loaded_or_refused_without_a_panic(text in any::<String>()) {
        let _ = cjmh::scenario::load_str(Path::new("arbitrary.toml"), &text);
    }
}

proptest! {
    #![proptest_config(config(192))]

    /// A shipped scenario with random edits: loaded or refused, and run if it loads.
    #[test]
    fn an_edited_shipped_scenario_never_panics(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let files = shipped();
        let (path, text) = &files[pick.index(files.len())];
        load_and_maybe_run(path, &apply(text, &edits));
    }

    /// A shipped scenario with one number replaced by an extreme value: the checks refuse it,
    /// or the model runs it without a panic.
    #[test]
    fn an_extreme_value_in_any_parameter_never_panics(
        pick in any::<prop::sample::Index>(),
        which in any::<prop::sample::Index>(),
        value in prop::sample::select(EXTREMES),
    ) {
        let files = shipped();
        let (path, text) = &files[pick.index(files.len())];
        let spans = number_spans(text);
        prop_assume!(!spans.is_empty());
        let (a, b) = spans[which.index(spans.len())];
        let mut t = text.clone();
        t.replace_range(a..b, value);
        load_and_maybe_run(path, &t);
    }
}

/// Subcommands, flags and values for the argument vectors.
const COMMANDS: &[&str] = &[
    "run",
    "check",
    "verify",
    "bench",
    "calibrate",
    "costs",
    "sweep",
    "merge",
    "ceac",
    "compare",
    "help",
    "nonsense",
    "",
];
const FLAGS: &[&str] = &[
    "-r",
    "--replications",
    "--threads",
    "-j",
    "--cohort",
    "--catchments",
    "--seed",
    "--out",
    "-o",
    "--events",
    "--quiet",
    "-q",
    "--resume",
    "--dry-run",
    "--shard",
    "--shards",
    "--wtp-max",
    "--wtp-step",
    "--model",
    "--baseline",
    "--json",
    "--scenario",
    "--help",
    "--version",
    "--",
    "-",
    "--=",
    "--replications=",
    "--threads=0",
    "--cohort=-1",
];
const VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "-1",
    "-0",
    "1.5",
    "1e3",
    "nan",
    "inf",
    "",
    " ",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "4294967296",
    "4294967295",
    "1/0",
    "0/0",
    "2/1",
    "1/1",
    "3/2",
    "1/18446744073709551615",
    "a/b",
    "/",
    "100000000000000",
    "é",
    "\u{202e}",
    "scenarios/baseline.toml",
    "/dev/null",
    "/nonexistent/x.toml",
    ".",
    "..",
    "pathway",
    "mmc",
    "network",
];

fn argv() -> impl Strategy<Value = Vec<String>> {
    (
        prop::sample::select(COMMANDS),
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(FLAGS).prop_map(str::to_string),
                prop::sample::select(VALUES).prop_map(str::to_string),
                any::<String>(),
            ],
            0..8,
        ),
    )
        .prop_map(|(cmd, rest)| {
            let mut v = vec!["cjmh".to_string(), cmd.to_string()];
            v.extend(rest);
            v
        })
}

proptest! {
    #![proptest_config(config(2048))]

    /// Any argument vector: parsed or refused with clap's message, never a panic.
    #[test]
    fn any_arguments_are_parsed_or_refused_without_a_panic(args in argv()) {
        let _ = cjmh::cli::Cli::try_parse_from(&args);
    }
}

/// The generators reach both outcomes: some edited scenarios still load (so the model-run half
/// of the property is exercised), and some argument vectors parse. A property whose inputs were
/// all refused at the first check would test nothing.
#[test]
fn the_generators_reach_valid_inputs() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::new(config(1));
    let files = shipped();
    let baseline = files
        .iter()
        .find(|(p, _)| p.ends_with("baseline.toml"))
        .unwrap();
    let spans = number_spans(&baseline.1);
    assert!(
        spans.len() > 100,
        "numbers found in the baseline: {}",
        spans.len()
    );
    let mut loaded = 0;
    for _ in 0..40 {
        let edits = prop::collection::vec(edit(), 1..2)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        if cjmh::scenario::load_str(&baseline.0, &apply(&baseline.1, &edits)).is_ok() {
            loaded += 1;
        }
    }
    assert!(loaded > 0, "no edited baseline loaded in 40 tries");
    let extremes_loaded = spans
        .iter()
        .take(40)
        .filter(|&&(a, b)| {
            let mut t = baseline.1.clone();
            t.replace_range(a..b, "1");
            cjmh::scenario::load_str(&baseline.0, &t).is_ok()
        })
        .count();
    assert!(
        extremes_loaded > 0,
        "no baseline with a number set to 1 loaded"
    );
    let mut parsed = 0;
    for _ in 0..400 {
        let args = argv().new_tree(&mut runner).unwrap().current();
        if cjmh::cli::Cli::try_parse_from(&args).is_ok() {
            parsed += 1;
        }
    }
    assert!(parsed > 0, "no argument vector parsed in 400 tries");
}
