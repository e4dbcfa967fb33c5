//! Sweep units that were broken and passed unnoticed (issue 15): an empty unit, one cut at a
//! line boundary, an edited value or a renamed metric, and two shards holding different files
//! for one unit were all accepted by `sweep --resume` and `merge`; sweeping `simulation.seed` or
//! `simulation.replications` ran identical units under different labels; unit read errors said
//! "cannot write" without naming the file; `ceac` took one directory twice.
//!
//! Each sweep here is 2 points x 2 replications of a small pathway scenario (well under a
//! second).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Output;

use sha2::{Digest, Sha256};

use crate::common::{TempDir, cjmh, root, stderr};

/// A small pathway base scenario and a 4-unit grid sweep over it; returns the sweep file.
fn setup(tmp: &TempDir, extra_parameters: &str) -> PathBuf {
    tmp.write(
        "base.toml",
        &format!(
            "extends = {:?}\n[simulation]\nwarmup_days = 365\nhorizon_days = 365\n\
             [people]\nnew_people_per_day = {{ value = 10, source = \"test\" }}\n",
            root().join("scenarios/baseline.toml").display().to_string()
        ),
    );
    tmp.write(
        "sweep.toml",
        &format!(
            "name = \"hostile\"\nbase = \"base.toml\"\ndesign = \"grid\"\nreplications = 2\nseed = 5\n\
             [parameters]\n\"transfer.beds.medium\" = [8, 20]\n{extra_parameters}"
        ),
    )
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<OsString> = vec![
        "sweep".into(),
        file.into(),
        "--out".into(),
        out.into(),
        "-q".into(),
    ];
    args.extend(extra.iter().map(OsString::from));
    cjmh(&args)
}

fn merge(dirs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<OsString> = vec!["merge".into()];
    args.extend(dirs.iter().map(|d| d.as_os_str().to_owned()));
    args.extend(["--out".into(), out.into()]);
    args.extend(extra.iter().map(OsString::from));
    cjmh(&args)
}

fn unit(dir: &Path, point: usize, replication: u64) -> PathBuf {
    dir.join(format!("units/p{point:05}-r{replication:05}.csv"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(path: &Path) -> String {
    String::from_utf8(read(path)).unwrap()
}

/// A whole sweep run straight through into `out`; panics unless it succeeds.
fn run_whole(file: &Path, out: &Path) {
    let o = sweep(file, out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("summary.csv").exists());
}

/// `text` as a unit file whose checksum line is made again for its (edited) lines, as someone
/// covering their tracks, or a tool rewriting the file, would.
fn with_checksum_remade(text: &str) -> String {
    let body_end = text.trim_end_matches('\n').rfind('\n').unwrap() + 1;
    let body = &text[..body_end];
    let digest: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{body}# sha256 {digest}\n")
}

/// Damages one unit of a finished sweep with `damage`, resumes, and checks that the unit was
/// run again, said so on stderr, and that every output is what the straight run wrote.
fn resume_reruns(label: &str, damage: impl Fn(&str) -> String, says: &str) {
    let tmp = TempDir::new(label);
    let file = setup(&tmp, "");
    let out = tmp.path().join("out");
    run_whole(&file, &out);
    let summary = read(&out.join("summary.csv"));
    let damaged = unit(&out, 1, 0);
    let original = text(&damaged);
    std::fs::write(&damaged, damage(&original)).unwrap();
    std::fs::remove_file(out.join("summary.csv")).unwrap();

    let o = sweep(&file, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("warning: {}", damaged.display()))
            && err.contains(says)
            && err.contains("running it again"),
        "expected a note naming {} ({says}), got:\n{err}",
        damaged.display()
    );
    assert_eq!(
        err.lines().count(),
        1,
        "one line for one damaged unit:\n{err}"
    );
    assert_eq!(text(&damaged), original, "the unit was not run again");
    assert_eq!(
        read(&out.join("summary.csv")),
        summary,
        "summary.csv differs from the straight run's"
    );
}

#[test]
fn resume_reruns_an_empty_unit() {
    resume_reruns("empty-unit", |_| String::new(), "is empty");
}

#[test]
fn resume_reruns_a_unit_cut_at_a_line_boundary() {
    // The first half of its lines: every line whole, the metrics after them and the checksum
    // gone.
    resume_reruns(
        "cut-unit",
        |t| {
            let lines: Vec<&str> = t.lines().collect();
            lines[..lines.len() / 2]
                .iter()
                .map(|l| format!("{l}\n"))
                .collect()
        },
        "has no checksum line",
    );
}

#[test]
fn resume_reruns_a_unit_cut_mid_line() {
    resume_reruns(
        "cut-mid-line",
        |t| t[..t.len() - 10].to_string(),
        "has no checksum line",
    );
}

#[test]
fn resume_reruns_a_unit_with_an_edited_value() {
    resume_reruns(
        "edited-unit",
        |t| {
            let edited = t.replacen("\npeople_entered,", "\npeople_entered,1", 1);
            assert_ne!(edited, t);
            edited
        },
        "does not match its checksum",
    );
}

#[test]
fn resume_reruns_a_unit_filed_under_another_units_name() {
    // A well-formed unit with a good checksum, but of point 0: its first line says so.
    let tmp = TempDir::new("misfiled-unit");
    let file = setup(&tmp, "");
    let out = tmp.path().join("out");
    run_whole(&file, &out);
    let summary = read(&out.join("summary.csv"));
    let (target, original) = (unit(&out, 1, 0), read(&unit(&out, 1, 0)));
    std::fs::copy(unit(&out, 0, 0), &target).unwrap();
    let o = sweep(&file, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("cannot read {}: line 1 is", target.display()))
            && stderr(&o).contains("the unit of another point"),
        "{}",
        stderr(&o)
    );
    assert_eq!(read(&target), original);
    assert_eq!(read(&out.join("summary.csv")), summary);
}

#[test]
fn resume_says_how_many_more_damaged_units_it_reruns_after_the_first_few() {
    let tmp = TempDir::new("many-damaged");
    let file = setup(
        &tmp,
        "\"liaison_diversion.coverage\" = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n",
    );
    let out = tmp.path().join("out");
    run_whole(&file, &out);
    let summary = read(&out.join("summary.csv"));
    // 12 points x 2 replications = 24 units, 13 of them emptied.
    for p in 0..7 {
        for r in 0..2 {
            if p * 2 + r < 13 {
                std::fs::write(unit(&out, p, r as u64), "").unwrap();
            }
        }
    }
    let o = sweep(&file, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 11, "{err}");
    assert!(
        err.ends_with("warning: and 3 more damaged units, also run again\n"),
        "{err}"
    );
    assert_eq!(read(&out.join("summary.csv")), summary);
}

/// Two shard directories of one sweep (shards 1/2 and 2/2), each checked to hold some units.
fn two_shards(tmp: &TempDir, file: &Path) -> (PathBuf, PathBuf) {
    let dirs = (tmp.path().join("s1"), tmp.path().join("s2"));
    for (i, d) in [&dirs.0, &dirs.1].into_iter().enumerate() {
        let o = sweep(file, d, &["--shard", &format!("{}/2", i + 1)]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // Shard 1 runs units 0 and 2 (point 0 replication 0, point 1 replication 0), shard 2 the
    // others.
    assert!(unit(&dirs.0, 1, 0).exists() && unit(&dirs.1, 1, 1).exists());
    (dirs.0, dirs.1)
}

#[test]
fn merge_refuses_a_unit_with_a_renamed_metric() {
    let tmp = TempDir::new("renamed-metric");
    let file = setup(&tmp, "");
    let (s1, s2) = two_shards(&tmp, &file);
    let merged = tmp.path().join("merged");
    let target = unit(&s2, 1, 1);
    let original = text(&target);
    let renamed = original.replacen("\npeople_entered,", "\npeople_arrived,", 1);
    assert_ne!(renamed, original);

    // As edited: its checksum no longer matches.
    std::fs::write(&target, &renamed).unwrap();
    let o = merge(&[&s1, &s2], &merged, &["--shards", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "error: {} does not match its checksum",
            target.display()
        )),
        "{err}"
    );
    // The shard to resubmit is the one that ran unit 3: array index 1.
    assert!(err.contains("array indices of --shards 2): 1\n"), "{err}");
    assert!(
        !merged.exists(),
        "a refused merge wrote {}",
        merged.display()
    );

    // With its checksum made again: its metrics are not those of its point's other
    // replication.
    std::fs::write(&target, with_checksum_remade(&renamed)).unwrap();
    let o = merge(&[&s1, &s2], &merged, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("cannot read {}", target.display()))
            && err.contains("`people_entered` there, `people_arrived` here"),
        "{err}"
    );
    assert!(!merged.exists());
}

#[test]
fn merge_refuses_damaged_units_naming_each_file() {
    let tmp = TempDir::new("merge-damaged");
    let file = setup(&tmp, "");
    let (s1, s2) = two_shards(&tmp, &file);
    let empty = unit(&s1, 1, 0);
    std::fs::write(&empty, "").unwrap();
    let cut = unit(&s2, 0, 1);
    let t = text(&cut);
    std::fs::write(
        &cut,
        &t[..t.len() / 2 + 1 + t[t.len() / 2..].find('\n').unwrap()],
    )
    .unwrap();
    let merged = tmp.path().join("merged");
    let o = merge(&[&s1, &s2], &merged, &["--shards", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("error: {} is empty", empty.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!("error: {} has no checksum line", cut.display())),
        "{err}"
    );
    assert!(err.contains("2 damaged unit files"), "{err}");
    assert!(err.contains("array indices of --shards 2): 0,1\n"), "{err}");
    assert!(!merged.exists());
    // Each shard resumed runs its damaged unit again; then the merge is whole.
    for (i, d) in [&s1, &s2].into_iter().enumerate() {
        let o = sweep(&file, d, &["--shard", &format!("{}/2", i + 1), "--resume"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = merge(&[&s1, &s2], &merged, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let whole = tmp.path().join("whole");
    run_whole(&file, &whole);
    assert_eq!(
        read(&merged.join("summary.csv")),
        read(&whole.join("summary.csv"))
    );
}

#[test]
fn merge_refuses_shards_with_different_contents_for_one_unit() {
    let tmp = TempDir::new("merge-conflict");
    let file = setup(&tmp, "");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_whole(&file, &a);
    run_whole(&file, &b);
    // b's unit edited, with its checksum made again: each file checks out on its own.
    let target = unit(&b, 0, 1);
    let edited = text(&target).replacen("\npeople_entered,", "\npeople_entered,1", 1);
    std::fs::write(&target, with_checksum_remade(&edited)).unwrap();
    let merged = tmp.path().join("merged");
    // Whichever is listed first, neither wins.
    for (first, second) in [(&a, &b), (&b, &a)] {
        let o = merge(&[first, second], &merged, &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "{} and {} hold different results for point 0, replication 1",
                unit(first, 0, 1).display(),
                unit(second, 0, 1).display()
            )),
            "{err}"
        );
        assert!(!merged.exists());
    }
}

#[test]
fn merge_accepts_identical_duplicate_units() {
    let tmp = TempDir::new("merge-duplicates");
    let file = setup(&tmp, "");
    let whole = tmp.path().join("whole");
    run_whole(&file, &whole);
    let (s1, s2) = two_shards(&tmp, &file);
    // A complete directory beside both shards: every unit twice, the same bytes.
    let merged = tmp.path().join("merged");
    let o = merge(&[&s1, &whole, &s2], &merged, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "summary.csv",
        "points.csv",
        "sweep.json",
        "units/p00001-r00001.csv",
    ] {
        assert_eq!(read(&merged.join(f)), read(&whole.join(f)), "{f}");
    }
    // A damaged file already in the output directory is replaced by the checked one.
    std::fs::write(unit(&merged, 1, 1), "").unwrap();
    let o = merge(&[&s1, &s2], &merged, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&unit(&merged, 1, 1)), read(&unit(&whole, 1, 1)));
}

#[test]
fn merge_names_the_unreadable_unit_file() {
    let tmp = TempDir::new("merge-unreadable");
    let file = setup(&tmp, "");
    let (s1, s2) = two_shards(&tmp, &file);
    // A row of three fields, checksum made again: a CSV error, not a checksum mismatch.
    let target = unit(&s2, 0, 1);
    let t = text(&target).replacen("\npeople_entered,", "\npeople_entered,1,", 1);
    std::fs::write(&target, with_checksum_remade(&t)).unwrap();
    let merged = tmp.path().join("merged");
    let o = merge(&[&s1, &s2], &merged, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "error: cannot read {}: line 3 has 3 fields, not 2",
            target.display()
        )),
        "{err}"
    );
    assert!(!err.contains("cannot write"), "{err}");
    // Not a file at all.
    std::fs::remove_file(&target).unwrap();
    std::fs::create_dir(&target).unwrap();
    let o = merge(&[&s1, &s2], &merged, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("error: cannot read {}: ", target.display())),
        "{}",
        stderr(&o)
    );
    assert!(!merged.exists());
}

#[test]
fn resume_names_a_unit_it_cannot_assemble() {
    // A unit of another shard's, in this shard's directory, damaged with its checksum made
    // again: not this run's to redo, so the run names it instead of writing a summary.
    let tmp = TempDir::new("resume-unreadable");
    let file = setup(&tmp, "");
    let out = tmp.path().join("out");
    run_whole(&file, &out);
    let target = unit(&out, 1, 1);
    let t = text(&target).replacen("\npeople_entered,", "\npeople_entered,x", 1);
    std::fs::write(&target, with_checksum_remade(&t)).unwrap();
    std::fs::remove_file(out.join("summary.csv")).unwrap();
    let o = sweep(&file, &out, &["--shard", "1/2", "--resume"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "cannot read {}: line 3: `people_entered` has the value",
            target.display()
        )),
        "{err}"
    );
    assert!(!err.contains("cannot write"), "{err}");
    assert!(!out.join("summary.csv").exists());
    // Resumed whole, the unit is this run's own and is run again.
    let o = sweep(&file, &out, &["--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("summary.csv").exists());
}

/// Runs a sweep whose [parameters] add `extra`; checks it is refused at the sweep file's line
/// for that key, by `sweep` and by `check`, and writes nothing.
fn refused_parameter(label: &str, extra: &str, says: &str) {
    let tmp = TempDir::new(label);
    let file = setup(&tmp, extra);
    let out = tmp.path().join("out");
    let line = text(&file).lines().count(); // the added key is the last line
    for o in [
        sweep(&file, &out, &[]),
        cjmh(["check".as_ref(), file.as_os_str()]),
    ] {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("{}:{line}: `parameters.", file.display())),
            "{err}"
        );
        assert!(err.contains(says), "{err}");
        assert!(
            err.contains("replications = 2, seed = 5"),
            "the message gives the sweep's own settings: {err}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn sweeping_simulation_seed_is_refused() {
    refused_parameter(
        "sweep-seed",
        "\"simulation.seed\" = [1, 2]\n",
        "varying `simulation.seed` would give every point the same results under different labels",
    );
}

#[test]
fn sweeping_simulation_replications_is_refused() {
    refused_parameter(
        "sweep-replications",
        "\"simulation.replications\" = [1, 3]\n",
        "varying `simulation.replications` would give every point the same results",
    );
}

#[test]
fn ceac_refuses_the_same_directory_twice() {
    let tmp = TempDir::new("ceac-twice");
    setup(&tmp, "");
    let psa = tmp.write(
        "psa.toml",
        "base = \"base.toml\"\ndesign = \"psa\"\npoints = 2\nreplications = 1\nseed = 4\n",
    );
    let dir = tmp.path().join("psa");
    run_whole(&psa, &dir);
    let out = tmp.path().join("ceac");
    // Spelled the same, and spelled another way.
    let other_spelling = tmp.path().join("psa/../psa/.");
    for second in [&dir, &other_spelling] {
        let o = cjmh([
            "ceac".as_ref(),
            dir.as_os_str(),
            second.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!(
                "{} and {} are the same directory",
                dir.display(),
                second.display()
            )),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
}

/// A FIFO where a unit file should be: `merge` used to open it and wait for a writer for ever.
#[test]
fn merge_refuses_a_fifo_in_place_of_a_unit_without_blocking() {
    let tmp = TempDir::new("merge-fifo");
    let file = setup(&tmp, "");
    let (s1, s2) = two_shards(&tmp, &file);
    let target = unit(&s2, 0, 1);
    std::fs::remove_file(&target).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&target).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    let merged = tmp.path().join("merged");
    let o = merge(&[&s1, &s2], &merged, &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&target.display().to_string()), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!merged.join("summary.csv").exists());
}
