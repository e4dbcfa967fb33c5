//! Outputs: a run writes only regular files, replaces its previous outputs whole or not at all,
//! leaves only its own outputs, and leaves no temporaries, even when stopped by a signal or
//! killed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{TempDir, cjmh, cjmh_in, file_names, fixture, root, stderr};

fn baseline() -> PathBuf {
    root().join("scenarios/baseline.toml")
}

/// `cjmh run` of the small fixture into `out`, one replication, quietly.
fn run_small(out: &Path, extra: &[&str]) -> Output {
    let small = fixture("valid/small.toml");
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        small.as_os_str(),
        "-r".as_ref(),
        "1".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| OsStr::new(*a)));
    cjmh(args)
}

/// `cjmh compare` of the small fixture with a copy of itself named `other`, into `out`.
fn compare_small(tmp: &TempDir, out: &Path) -> Output {
    let small = fixture("valid/small.toml");
    let text = std::fs::read_to_string(&small).unwrap();
    let other = tmp.write(
        "other.toml",
        &text.replace("name = \"small\"", "name = \"other\""),
    );
    cjmh([
        "compare".as_ref(),
        "--baseline".as_ref(),
        small.as_os_str(),
        other.as_os_str(),
        "-r".as_ref(),
        "2".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

/// The names in `dir` that start with a dot: temporaries.
fn hidden(dir: &Path) -> Vec<String> {
    file_names(dir)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Makes `path` with the command `tool args...` (mknod, mkfifo); false if it could not.
fn make(tool: &str, path: &Path, args: &[&str]) -> bool {
    Command::new(tool)
        .arg(path)
        .args(args)
        .status()
        .is_ok_and(|s| s.success())
}

/// Asserts that `o` refused with exit 2, naming `path` and what it is.
fn assert_refused(o: &Output, path: &Path, what: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(&path.display().to_string()), "{e}");
    assert!(e.contains(what), "{e}");
}

#[cfg(unix)]
#[test]
fn costs_out_refuses_to_replace_a_symlink() {
    let tmp = TempDir::new("costs-symlink");
    let target = tmp.write("precious.md", "keep me\n");
    let link = tmp.path().join("costs.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = cjmh([
        "costs".as_ref(),
        baseline().as_os_str(),
        "--out".as_ref(),
        link.as_os_str(),
    ]);
    assert_refused(&o, &link, "symbolic link");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert_eq!(file_names(tmp.path()), ["costs.md", "precious.md"]);
    // A regular file is replaced, as before.
    std::fs::remove_file(&link).unwrap();
    std::fs::write(&link, "old").unwrap();
    let o = cjmh([
        "costs".as_ref(),
        baseline().as_os_str(),
        "--out".as_ref(),
        link.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(&link)
            .unwrap()
            .contains("baseline.toml")
    );
    assert!(hidden(tmp.path()).is_empty(), "{:?}", hidden(tmp.path()));
}

#[cfg(unix)]
#[test]
fn costs_out_refuses_a_device_node() {
    if !is_root() {
        eprintln!("skipped: making a device node needs root");
        return;
    }
    let tmp = TempDir::new("costs-device");
    // /dev/full's numbers, made inside the temporary directory: /dev is never touched.
    let node = tmp.path().join("full");
    if !make("mknod", &node, &["c", "1", "7"]) {
        eprintln!("skipped: mknod failed (a container without the capability?)");
        return;
    }
    let o = cjmh([
        "costs".as_ref(),
        baseline().as_os_str(),
        "--out".as_ref(),
        node.as_os_str(),
    ]);
    assert_refused(&o, &node, "character device");
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::symlink_metadata(&node).unwrap().file_type();
    assert!(t.is_char_device(), "the node was replaced: {t:?}");
    assert_eq!(file_names(tmp.path()), ["full"]);
}

#[cfg(unix)]
#[test]
fn calibrate_out_refuses_a_fifo() {
    let tmp = TempDir::new("calibrate-fifo");
    let fifo = tmp.path().join("calibration.md");
    assert!(make("mkfifo", &fifo, &[]), "mkfifo");
    let started = Instant::now();
    let o = cjmh([
        "calibrate".as_ref(),
        baseline().as_os_str(),
        "-q".as_ref(),
        "--out".as_ref(),
        fifo.as_os_str(),
    ]);
    assert_refused(&o, &fifo, "FIFO");
    // Refused before the replications run, not after.
    assert!(started.elapsed() < Duration::from_secs(20));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(file_names(tmp.path()), ["calibration.md"]);
}

#[cfg(unix)]
#[test]
fn run_refuses_a_symlinked_output_file_but_writes_into_a_symlinked_directory() {
    let tmp = TempDir::new("run-links");
    let real = tmp.path().join("scratch");
    std::fs::create_dir(&real).unwrap();
    let out = tmp.path().join("out");
    std::os::unix::fs::symlink(&real, &out).unwrap();
    let elsewhere = tmp.write("elsewhere.csv", "keep me\n");
    std::os::unix::fs::symlink(&elsewhere, real.join("summary.csv")).unwrap();
    let o = run_small(&out, &[]);
    assert_refused(&o, &out.join("summary.csv"), "symbolic link");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me\n");
    assert_eq!(file_names(&real), ["summary.csv"]);
    // A directory where events.csv would go is refused too, before anything runs.
    std::fs::remove_file(real.join("summary.csv")).unwrap();
    std::fs::create_dir(real.join("events.csv")).unwrap();
    let o = run_small(&out, &["--events"]);
    assert_refused(&o, &out.join("events.csv"), "a directory");
    assert_eq!(file_names(&real), ["events.csv"]);
    std::fs::remove_dir(real.join("events.csv")).unwrap();
    // The output directory itself may be a link: the files are written inside its target.
    let o = run_small(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&out).unwrap().is_symlink());
    assert_eq!(file_names(&real), ["manifest.json", "summary.csv"]);
}

#[test]
fn a_failed_manifest_write_leaves_the_previous_run_whole() {
    let tmp = TempDir::new("manifest-fails");
    let out = tmp.path().join("out");
    let o = run_small(&out, &["--events", "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    let events = std::fs::read(out.join("events.csv")).unwrap();
    // A manifest.json that cannot be replaced: a directory (root can write anywhere, so a
    // read-only directory would not do).
    std::fs::remove_file(out.join("manifest.json")).unwrap();
    std::fs::create_dir(out.join("manifest.json")).unwrap();
    std::fs::write(out.join("manifest.json/inside"), "x").unwrap();
    let o = run_small(&out, &["--seed", "2"]);
    assert_refused(&o, &out.join("manifest.json"), "a directory");
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), summary);
    assert_eq!(std::fs::read(out.join("events.csv")).unwrap(), events);
    assert_eq!(
        file_names(&out),
        ["events.csv", "manifest.json", "summary.csv"]
    );
    // The same for compare, which has three files to put in place.
    let o = compare_small(&tmp, &out);
    assert_refused(&o, &out.join("manifest.json"), "a directory");
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), summary);
    assert_eq!(
        file_names(&out),
        ["events.csv", "manifest.json", "summary.csv"]
    );
}

#[test]
fn events_csv_from_an_earlier_run_is_removed() {
    let tmp = TempDir::new("stale-events");
    let out = tmp.path().join("out");
    let o = run_small(&out, &["--events"]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::write(out.join("notes.txt"), "mine, not cjmh's").unwrap();
    assert_eq!(
        file_names(&out),
        ["events.csv", "manifest.json", "notes.txt", "summary.csv"]
    );
    let o = run_small(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        file_names(&out),
        ["manifest.json", "notes.txt", "summary.csv"]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["outputs"], serde_json::json!(["summary.csv"]));
}

/// Starts `cjmh run` big enough to take a while, with `--events`, into `out`; waits until its
/// staging directory holds an event part (replications are running), sends `signal` and
/// returns the finished process's output.
#[cfg(unix)]
fn stop_a_run(out: &Path, signal: &str) -> Output {
    let cwd = TempDir::new("signal-cwd");
    let child = Command::new(env!("CARGO_BIN_EXE_cjmh"))
        .args([
            "run".as_ref(),
            baseline().as_os_str(),
            "--cohort".as_ref(),
            "2000000".as_ref(),
            "-r".as_ref(),
            "4".as_ref(),
            "--events".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .current_dir(cwd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let begun = || {
        std::fs::read_dir(out).ok().into_iter().flatten().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".cjmh-staging-")
                && std::fs::read_dir(e.path()).is_ok_and(|d| {
                    d.flatten()
                        .any(|p| p.file_name().to_string_lossy().starts_with(".events-"))
                })
        })
    };
    while !begun() && started.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(begun(), "the run never began writing");
    let status = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn sigterm_removes_temporary_files() {
    let tmp = TempDir::new("sigterm");
    let out = tmp.path().join("out");
    let o = run_small(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read(out.join("summary.csv")).unwrap();
    let o = stop_a_run(&out, "TERM");
    assert_eq!(o.status.code(), Some(143), "{}", stderr(&o));
    assert!(stderr(&o).contains("SIGTERM"), "{}", stderr(&o));
    assert!(hidden(&out).is_empty(), "left behind: {:?}", hidden(&out));
    assert_eq!(file_names(&out), ["manifest.json", "summary.csv"]);
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), summary);
}

#[cfg(unix)]
#[test]
fn sigint_removes_temporary_files() {
    let tmp = TempDir::new("sigint");
    let out = tmp.path().join("out");
    let o = stop_a_run(&out, "INT");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("SIGINT"), "{}", stderr(&o));
    assert_eq!(file_names(&out), Vec::<String>::new());
}

#[cfg(target_os = "linux")]
#[test]
fn a_killed_runs_temporaries_are_removed_by_the_next_run() {
    let tmp = TempDir::new("stale");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Processes that are not running: one that has finished, and one above Linux's largest
    // process id (2^22).
    let mut child = Command::new("true").spawn().unwrap();
    let finished = child.id();
    child.wait().unwrap();
    let host = cjmh::output::temp::host_tag();
    let other_host = if host == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let me = std::process::id();
    let staging = format!(".cjmh-staging-{finished}-{host}");
    std::fs::create_dir(out.join(&staging)).unwrap();
    std::fs::write(out.join(&staging).join(".events-0-0.part"), "x").unwrap();
    let dead = [
        staging.clone(),
        format!(".summary.csv.run.tmp-4194305-{host}"),
        format!(".manifest.json.write.tmp-{finished}-{host}"),
    ];
    // Another host's (its process may be running there), a running process's (this test's),
    // and names cjmh did not make: left alone.
    let kept = [
        format!(".cjmh-staging-{finished}-{other_host}"),
        format!(".summary.csv.write.tmp-{me}-{host}"),
        ".events-0-0.part".to_string(),
        "notes.tmp-1-2".to_string(),
    ];
    for name in dead.iter().skip(1).chain(&kept) {
        std::fs::write(out.join(name), "x").unwrap();
    }
    let o = run_small(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    for name in &dead {
        assert!(!out.join(name).exists(), "{name} left");
        assert!(e.contains(name.as_str()), "not reported: {name}\n{e}");
    }
    let mut expected: Vec<String> = kept.to_vec();
    expected.extend(["manifest.json".into(), "summary.csv".into()]);
    expected.sort();
    assert_eq!(file_names(&out), expected);
    for name in &kept {
        assert!(!e.contains(name.as_str()), "{e}");
    }
    // A single-file output clears its own directory the same way.
    let stale = format!(".costs.md.write.tmp-{finished}-{host}");
    std::fs::write(out.join(&stale), "x").unwrap();
    let o = cjmh_in(
        &out,
        [
            "costs".as_ref(),
            baseline().as_os_str(),
            "--out".as_ref(),
            "costs.md".as_ref(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join(&stale).exists());
    assert!(stderr(&o).contains(&stale), "{}", stderr(&o));
}

#[test]
fn every_command_leaves_only_its_outputs() {
    let tmp = TempDir::new("no-temporaries");
    let out = tmp.path().join("compare");
    let o = compare_small(&tmp, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        file_names(&out),
        ["comparison.csv", "manifest.json", "summary.csv"]
    );
    let table = tmp.path().join("costs.md");
    let o = cjmh([
        "costs".as_ref(),
        baseline().as_os_str(),
        "--out".as_ref(),
        table.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        file_names(tmp.path()),
        ["compare", "costs.md", "other.toml"]
    );
}
