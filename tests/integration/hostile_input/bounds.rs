//! Counts with no bound, files that are not files, splits that silently changed results, and
//! parsing that was quadratic (issue 15). Each test is named after what broke; every limit is
//! in `cjmh::limits`.
//!
//! None of these tests times anything. Where a broken build would run away (a cohort larger
//! than memory), the command runs under `ulimit -v`, so that it fails fast instead of taking the
//! machine with it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{MINIMAL, TempDir, cjmh, root, stderr, stdout};
use cjmh::limits::{
    MAX_CATCHMENTS, MAX_PROBLEMS_LISTED, MAX_REPLICATIONS, MAX_SCENARIO_FILE_BYTES,
    MAX_SWEEP_POINTS, MAX_SWEEP_UNITS, MAX_WTP_POINTS, THREADS_PER_CORE,
};

fn baseline() -> PathBuf {
    root().join("scenarios/baseline.toml")
}

/// A refusal of bad input: exit 2, an error, and no panic or allocator abort.
fn assert_refused(o: &Output, says: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("memory allocation"), "{err}");
    for s in says {
        assert!(err.contains(s), "expected {s:?} in:\n{err}");
    }
}

/// `cjmh` with `args` in `dir`, its address space limited to `kb` kilobytes (`ulimit -v`), so
/// that a check that broke fails fast instead of filling the machine's memory.
fn cjmh_limited(dir: &Path, kb: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kb} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_cjmh"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("sh runs")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

// --- Replications ---------------------------------------------------------------------------

#[test]
fn run_with_u64_max_replications_is_refused_not_a_panic() {
    let tmp = TempDir::new("bounds-reps");
    let out = tmp.path().join("out");
    let o = cjmh([
        "run",
        p(&baseline()),
        "-r",
        "18446744073709551615",
        "--out",
        p(&out),
    ]);
    assert_refused(&o, &["--replications", &MAX_REPLICATIONS.to_string()]);
    assert!(!out.exists(), "nothing is written on exit 2");
}

#[test]
fn calibrate_with_u64_max_replications_is_refused_not_a_panic() {
    let o = cjmh(["calibrate", p(&baseline()), "-r", "18446744073709551615"]);
    assert_refused(&o, &["--replications"]);
    let o = cjmh([
        "compare",
        p(&baseline()),
        p(&baseline()),
        "-r",
        "4294967296",
    ]);
    assert_refused(&o, &["--replications"]);
}

#[test]
fn run_with_2_pow_32_replications_is_refused_before_allocating() {
    let tmp = TempDir::new("bounds-reps32");
    let out = tmp.path().join("out");
    let o = cjmh_limited(
        tmp.path(),
        2_000_000,
        &["run", p(&baseline()), "-r", "4294967296", "--out", p(&out)],
    );
    assert_refused(&o, &["4294967296", "1..=1000000"]);
    assert!(!out.exists());
    // One more than the limit is refused; the limit itself is a valid argument (checked with a
    // scenario that does not exist, so that nothing runs).
    let over = (MAX_REPLICATIONS + 1).to_string();
    assert_refused(&cjmh(["run", p(&baseline()), "-r", &over]), &[&over]);
    let at = MAX_REPLICATIONS.to_string();
    let o = cjmh(["run", "/no/such/scenario.toml", "-r", &at]);
    assert_refused(&o, &["cannot read the scenario file"]);
}

#[test]
fn a_scenario_asking_for_more_replications_than_the_limit_is_refused_at_its_line() {
    let tmp = TempDir::new("bounds-file-reps");
    let s = tmp.write(
        "many.toml",
        &format!(
            "[simulation]\nreplications = {}\n\n{MINIMAL}",
            MAX_REPLICATIONS + 1
        ),
    );
    let o = cjmh(["check", p(&s)]);
    assert_refused(
        &o,
        &["many.toml:2: `simulation.replications`", "at most 1000000"],
    );
}

// --- Sweeps ---------------------------------------------------------------------------------

fn sweep_file(tmp: &TempDir, name: &str, body: &str) -> PathBuf {
    tmp.write(
        name,
        &format!("base = {:?}\n{body}", baseline().display().to_string()),
    )
}

#[test]
fn a_sweep_with_i64_max_replications_is_refused_at_its_line() {
    let tmp = TempDir::new("bounds-sweep-reps");
    let s = sweep_file(
        &tmp,
        "reps.toml",
        "design = \"zip\"\nreplications = 9223372036854775807\n\
         [parameters]\n\"transfer.beds.medium\" = [1500]\n",
    );
    for args in [vec!["sweep", p(&s), "--dry-run"], vec!["check", p(&s)]] {
        let o = cjmh(&args);
        assert_refused(&o, &["reps.toml:3: `replications`", "from 1 to 1000000"]);
    }
}

#[test]
fn sweep_with_a_trillion_points_is_refused() {
    let tmp = TempDir::new("bounds-sweep-points");
    let lhs = sweep_file(
        &tmp,
        "lhs.toml",
        "design = \"latin-hypercube\"\npoints = 1000000000000\n\
         [parameters]\n\"transfer.beds.medium\" = { low = 1500, high = 2000 }\n",
    );
    let psa = sweep_file(
        &tmp,
        "psa.toml",
        "design = \"psa\"\npoints = 1000000000000\n",
    );
    let limit = MAX_SWEEP_POINTS.to_string();
    for (s, name) in [(&lhs, "lhs.toml"), (&psa, "psa.toml")] {
        let o = cjmh_limited(tmp.path(), 2_000_000, &["sweep", p(s), "--dry-run"]);
        assert_refused(&o, &[&format!("{name}:3: `points`"), &limit]);
        // Refused for itself, not also reported as missing.
        assert!(!stderr(&o).contains("needs `points`"), "{}", stderr(&o));
    }
}

#[test]
fn a_grid_of_eight_billion_points_is_refused_in_a_dry_run() {
    let tmp = TempDir::new("bounds-grid");
    let values: Vec<String> = (0..2000).map(|i| (1500 + i).to_string()).collect();
    let list = values.join(", ");
    let s = sweep_file(
        &tmp,
        "grid.toml",
        &format!(
            "design = \"grid\"\nreplications = 1\n[parameters]\n\
             \"transfer.beds.medium\" = [{list}]\n\"transfer.beds.low\" = [{list}]\n\
             \"transfer.beds.high\" = [{list}]\n"
        ),
    );
    let o = cjmh_limited(tmp.path(), 2_000_000, &["sweep", p(&s), "--dry-run"]);
    assert_refused(
        &o,
        &[
            "grid.toml:4: `parameters`",
            "8000000000 points (2000 x 2000 x 2000)",
        ],
    );
    // A product past 2^64 is counted without overflowing.
    let short: Vec<String> = (0..2)
        .map(|i| format!("\"p{i}.x\" = [1, 2, 3, 4, 5, 6]"))
        .collect();
    let many: Vec<String> = (0..30)
        .map(|i| format!("\"transfer.x{i}\" = [{list}]"))
        .chain(short)
        .collect();
    let s = sweep_file(
        &tmp,
        "huge.toml",
        &format!("design = \"grid\"\n[parameters]\n{}\n", many.join("\n")),
    );
    let o = cjmh(["sweep", p(&s), "--dry-run"]);
    assert_refused(&o, &["more than 2^64 points"]);
}

#[test]
fn a_sweep_with_more_units_than_the_limit_is_refused() {
    let tmp = TempDir::new("bounds-units");
    let s = sweep_file(
        &tmp,
        "units.toml",
        "design = \"psa\"\npoints = 100\nreplications = 1000000\n",
    );
    let o = cjmh(["sweep", p(&s), "--dry-run"]);
    assert_refused(
        &o,
        &[
            "units.toml:4: `replications`",
            "100000000 units",
            &MAX_SWEEP_UNITS.to_string(),
        ],
    );
}

// --- ceac -----------------------------------------------------------------------------------

#[test]
fn ceac_with_a_huge_wtp_grid_is_refused() {
    // Refused before the directories are read: they need not exist.
    let tmp = TempDir::new("bounds-ceac");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let o = cjmh_limited(
        tmp.path(),
        2_000_000,
        &[
            "ceac",
            p(&a),
            p(&b),
            "--wtp-max",
            "100000000000000",
            "--wtp-step",
            "1",
        ],
    );
    assert_refused(
        &o,
        &[
            "100000000000001 willingness-to-pay values",
            &MAX_WTP_POINTS.to_string(),
            "--wtp-step 100000001",
        ],
    );
    let o = cjmh([
        "ceac",
        p(&a),
        p(&b),
        "--wtp-max",
        "18446744073709551615",
        "--wtp-step",
        "1",
    ]);
    assert_refused(&o, &["willingness-to-pay values"]);
}

// --- Threads --------------------------------------------------------------------------------

#[test]
fn threads_beyond_the_cap_are_capped_with_a_warning() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = cores * THREADS_PER_CORE;
    let tmp = TempDir::new("bounds-threads");
    let s = tmp.write("small.toml", &format!("name = \"small\"\n{MINIMAL}"));
    let out = tmp.path().join("out");
    let o = cjmh([
        "run",
        p(&s),
        "-r",
        "2",
        "-q",
        "--threads",
        "1000",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "warning: --threads 1000 is more than {THREADS_PER_CORE} per core"
        )) && err.contains(&format!("using {cap}")),
        "{err}"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains(&format!("\"threads\": {cap},")),
        "{manifest}"
    );
    // Within the cap: no warning.
    let o = cjmh([
        "run",
        p(&s),
        "-r",
        "2",
        "-q",
        "--threads",
        &cap.to_string(),
        "--out",
        p(&out),
    ]);
    assert!(
        o.status.success() && !stderr(&o).contains("warning"),
        "{}",
        stderr(&o)
    );
    // None at all is a usage error, as for every other count.
    assert_refused(&cjmh(["run", p(&s), "--threads", "0"]), &["--threads"]);
}

/// A thread pool the system will not start was a panic inside rayon's global pool (exit 101);
/// it is an error that says so (exit 1). The system is made to refuse the threads by limiting
/// the address space (`ulimit -v`) to about what the program needs without them.
#[test]
fn a_thread_pool_that_cannot_start_is_an_error_not_a_panic() {
    let tmp = TempDir::new("bounds-pool");
    let s = tmp.write("small.toml", &format!("name = \"small\"\n{MINIMAL}"));
    let out = tmp.path().join("out");
    let mut refused = 0;
    for kb in (8_000..=40_000).step_by(4_000) {
        let o = cjmh_limited(
            tmp.path(),
            kb,
            &[
                "run",
                p(&s),
                "-r",
                "2",
                "-q",
                "--threads",
                "8",
                "--out",
                p(&out),
            ],
        );
        let err = stderr(&o);
        // Under the same limit a worker thread can start and then fail to map the alternative
        // signal stack that the standard library gives every new thread: a panic inside std's
        // thread start, before any cjmh code runs on that thread, and outside cjmh's reach. It
        // depends on timing (seen in about one full-suite run in three), so it is skipped, named.
        if err.contains("src/sys/pal/unix/stack_overflow.rs") {
            eprintln!("note: ulimit -v {kb}: std could not map a new thread's signal stack");
            continue;
        }
        assert!(!err.contains("panicked"), "ulimit -v {kb}: {err}");
        if err.contains("cannot start 8 worker threads") {
            assert_eq!(o.status.code(), Some(1), "{err}");
            refused += 1;
        }
    }
    if refused == 0 {
        eprintln!("note: no address-space limit tried made the system refuse the threads here");
    }
}

// --- Cohorts and memory ---------------------------------------------------------------------

#[test]
fn a_cohort_beyond_the_limit_is_refused() {
    let o = cjmh(["run", p(&baseline()), "--cohort", "1000000000000"]);
    assert_refused(&o, &["--cohort", "1..=1000000000"]);
    let o = cjmh(["bench", "--cohort", "1000000000001"]);
    assert_refused(&o, &["--cohort"]);
}

/// What `/proc/meminfo` says is available, in bytes; `None` off Linux.
fn memory_available() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? * 1024.0)
}

#[test]
fn a_cohort_larger_than_memory_is_refused_with_the_estimate() {
    // Two replications of 10^9 people at once need about 385 GB (measured 28% held at once,
    // plus half again, at 450 bytes each).
    match memory_available() {
        Some(b) if b < 300e9 => {}
        other => {
            eprintln!("note: skipped, memory available {other:?} is unknown or too large");
            return;
        }
    }
    let tmp = TempDir::new("bounds-memory");
    let out = tmp.path().join("out");
    let o = cjmh_limited(
        tmp.path(),
        4_000_000,
        &[
            "run",
            p(&baseline()),
            "--cohort",
            "1000000000",
            "-r",
            "2",
            "--threads",
            "2",
            "-q",
            "--out",
            p(&out),
        ],
    );
    assert_refused(
        &o,
        &[
            "--cohort 1000000000 needs about",
            " GB of memory, more than the ",
            "MemAvailable in /proc/meminfo",
            "2 replications at once x 1,000,000,000 new people",
            "held at once",
            "in a trial run of baseline",
            "450 bytes a person held",
        ],
    );
    assert!(!out.exists(), "nothing is written on exit 2");
}

#[test]
fn a_replication_expecting_more_people_than_a_model_can_number_is_refused() {
    let tmp = TempDir::new("bounds-people");
    let s = tmp.write(
        "flood.toml",
        "name = \"flood\"\n[simulation]\nhorizon_days = 365000\n\
         [arrivals.people]\nto = \"queue\"\nrate_per_day = 1000000\n\
         [stages.queue]\nduration = { dist = \"fixed\", value = 0.001 }\n",
    );
    let o = cjmh_limited(tmp.path(), 2_000_000, &["run", p(&s), "-r", "1", "-q"]);
    assert_refused(&o, &["365,000,000,000 new people", "32 bits"]);
}

#[test]
fn a_capacity_scaled_past_u32_is_refused_not_left_blank() {
    // A capacity change of 200 million places, scaled 30 times by --cohort, passed the largest
    // capacity and became "no limit": capacity and utilisation came out blank.
    let tmp = TempDir::new("bounds-capacity");
    let s = tmp.write(
        "big.toml",
        "name = \"big\"\n[simulation]\nhorizon_days = 100\n\
         [arrivals.people]\nto = \"s\"\nrate_per_day = 10\n\
         [stages.s]\ncapacity = 100000000\nduration = { dist = \"exponential\", mean = 1 }\n\
         capacity_schedule = [{ day = 50, capacity = 200000000 }]\n",
    );
    let out = tmp.path().join("out");
    let o = cjmh([
        "run",
        p(&s),
        "-r",
        "1",
        "-q",
        "--cohort",
        "30000",
        "--out",
        p(&out),
    ]);
    assert_refused(
        &o,
        &[
            "stages.s.capacity_schedule[0].capacity from 200000000 to 6000000000",
            "4294967294",
        ],
    );
    assert!(
        !stderr(&o).contains("stages.s.capacity from"),
        "{}",
        stderr(&o)
    );
    // Scaled within the limit, capacity and utilisation are numbers.
    let o = cjmh([
        "run",
        p(&s),
        "-r",
        "1",
        "-q",
        "--cohort",
        "3000",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for metric in ["s.capacity_mean", "s.utilisation"] {
        let row = summary.lines().find(|l| l.contains(metric)).unwrap();
        assert!(
            row.rsplit(',').next().unwrap().parse::<f64>().is_ok(),
            "{row}"
        );
    }
}

// --- Catchments -----------------------------------------------------------------------------

#[test]
fn catchments_beyond_a_capacity_are_refused_naming_it() {
    // At --cohort 20000 the baseline has 4 high-secure beds: 10 catchments left six of them
    // with none, and transfers completed fell from 70 to 41 without a word.
    let tmp = TempDir::new("bounds-catchments");
    let out = tmp.path().join("out");
    let (base, policy) = (baseline(), root().join("scenarios/transfer-14-day.toml"));
    for command in ["run", "compare"] {
        let mut args = vec![command, p(&base)];
        if command == "compare" {
            args = vec![command, "--baseline", p(&base), p(&policy)];
        }
        args.extend([
            "--cohort",
            "20000",
            "--catchments",
            "10",
            "-r",
            "2",
            "-q",
            "--out",
            p(&out),
        ]);
        let o = cjmh(&args);
        assert_refused(
            &o,
            &[
                "--catchments 10",
                "at --cohort 20000, transfer.beds.high of baseline has 4 places for 10 catchments",
                "transfer.assessors of baseline has 1 place for 10 catchments",
                "With --catchments 1 or fewer",
            ],
        );
        // Only the capacities that are short are named.
        assert!(
            !stderr(&o).contains("transfer.beds.medium"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists());
    }
    // A split that every capacity allows works: at four times the cohort the 70 national
    // transfer assessors, the smallest capacity, scale to 4 places, enough for 4 catchments.
    let o = cjmh([
        "run",
        p(&baseline()),
        "--cohort",
        "80000",
        "--catchments",
        "4",
        "-r",
        "1",
        "-q",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // bench splits its cohort into one catchment per thread.
    let o = cjmh([
        "bench",
        "--model",
        "pathway",
        "--cohort",
        "2000",
        "--threads",
        "2",
    ]);
    assert_refused(
        &o,
        &["transfer.beds.high of baseline has 1 place for 2 catchments"],
    );
}

#[test]
fn catchments_beyond_the_limit_are_refused() {
    let over = (MAX_CATCHMENTS + 1).to_string();
    let o = cjmh(["run", p(&baseline()), "--catchments", &over]);
    assert_refused(&o, &["--catchments", &over]);
}

// --- Files that are not files ---------------------------------------------------------------

#[test]
fn extends_dev_zero_is_refused() {
    // /dev/zero is only ever read (and here not even opened).
    let tmp = TempDir::new("bounds-dev-zero");
    let s = tmp.write("zero.toml", "extends = \"/dev/zero\"\nname = \"zero\"\n");
    let o = cjmh_limited(tmp.path(), 2_000_000, &["check", p(&s)]);
    assert_refused(
        &o,
        &[
            "zero.toml:1: `extends`",
            "/dev/zero: it is a character device, not a regular file",
        ],
    );
    let o = cjmh_limited(tmp.path(), 2_000_000, &["check", "/dev/zero"]);
    assert_refused(&o, &["it is a character device, not a regular file"]);
}

/// Makes a FIFO at `path` with `mkfifo`; false where that cannot be done.
fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cjmh` with `args` while a writer stands ready at `fifo` with a valid scenario, so
/// that a `cjmh` that opens the FIFO gets one and finishes (and the test fails on what it
/// says), rather than waiting for ever for a writer. The writer opens the FIFO without
/// blocking, which succeeds only once a reader has it open, and stops trying when `cjmh` ends.
#[cfg(target_os = "linux")]
fn with_a_writer_at(fifo: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::OpenOptionsExt;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    const O_NONBLOCK: i32 = 0o4000; // Linux
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (fifo, done) = (fifo.to_path_buf(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let opened = std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(O_NONBLOCK)
                    .open(&fifo);
                if let Ok(mut f) = opened {
                    let _ = f.write_all(format!("name = \"fifo\"\n{MINIMAL}").as_bytes());
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        })
    };
    let o = cjmh(args);
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    o
}

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_scenario_is_refused_without_blocking() {
    let tmp = TempDir::new("bounds-fifo");
    let fifo = tmp.path().join("scenario.toml");
    if !mkfifo(&fifo) {
        eprintln!("note: skipped, mkfifo is not available");
        return;
    }
    let o = with_a_writer_at(&fifo, &["check", p(&fifo)]);
    assert_refused(&o, &["it is a FIFO (named pipe), not a regular file"]);
    let o = with_a_writer_at(&fifo, &["run", p(&fifo), "-r", "1", "-q"]);
    assert_refused(&o, &["it is a FIFO (named pipe), not a regular file"]);
    let child = tmp.write("child.toml", "extends = \"scenario.toml\"\n");
    let o = with_a_writer_at(&fifo, &["check", p(&child)]);
    assert_refused(
        &o,
        &[
            "child.toml:1: `extends`",
            "it is a FIFO (named pipe), not a regular file",
        ],
    );
}

#[test]
fn an_oversized_scenario_file_is_refused() {
    let tmp = TempDir::new("bounds-oversized");
    // Sparse: its length is past the limit without writing 16 MiB.
    let big = tmp.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_SCENARIO_FILE_BYTES + 1).unwrap();
    let o = cjmh(["check", p(&big)]);
    assert_refused(
        &o,
        &[&format!(
            "it has {} bytes, more than the 16 MiB a scenario file may have",
            MAX_SCENARIO_FILE_BYTES + 1
        )],
    );
    let child = tmp.write("child.toml", "extends = \"big.toml\"\n");
    let o = cjmh(["run", p(&child)]);
    assert_refused(&o, &["child.toml:1: `extends`", "16 MiB"]);
    let sweep = tmp.write(
        "sweep.toml",
        "base = \"big.toml\"\ndesign = \"psa\"\npoints = 2\n",
    );
    let o = cjmh(["sweep", p(&sweep), "--dry-run"]);
    assert_refused(&o, &["16 MiB"]);
    // A file at the limit is read (and here found not to be TOML).
    f.set_len(MAX_SCENARIO_FILE_BYTES).unwrap();
    let o = cjmh(["check", p(&big)]);
    assert_refused(&o, &["big.toml:1"]);
    assert!(!stderr(&o).contains("MiB"), "{}", stderr(&o));
    // A directory is not a scenario either.
    let o = cjmh(["check", p(tmp.path())]);
    assert_refused(&o, &["it is a directory, not a regular file"]);
}

#[test]
fn an_extends_chain_deeper_than_the_limit_is_refused() {
    let tmp = TempDir::new("bounds-depth");
    tmp.write("f0.toml", &format!("name = \"deep\"\n{MINIMAL}"));
    for i in 1..40 {
        tmp.write(
            &format!("f{i}.toml"),
            &format!("extends = \"f{}.toml\"\n", i - 1),
        );
    }
    let o = cjmh(["check", p(&tmp.path().join("f39.toml"))]);
    assert_refused(&o, &["`extends` goes more than 32 files deep"]);
    let o = cjmh(["check", p(&tmp.path().join("f20.toml"))]);
    assert!(o.status.success(), "{}", stderr(&o));
}

// --- Parsing --------------------------------------------------------------------------------

/// A network scenario whose one stage's duration is a quantile table of `n` points, one a line.
fn quantile_scenario(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            format!(
                "  [{:.9}, {:.6}],",
                i as f64 / (n - 1) as f64,
                1.0 + i as f64 * 1e-3
            )
        })
        .collect();
    format!(
        "name = \"q\"\n[arrivals.people]\nto = \"queue\"\nrate_per_day = 1\n[stages.queue]\n\
         capacity = 10\nduration = {{ dist = \"empirical\", quantiles = [\n{}\n] }}\n",
        rows.join("\n")
    )
}

/// Locating every key and array item of a file once counted the newlines from the start of the
/// file for each: 9.5 s for a 490 KB quantile table, over two minutes for 2 MB. The work of
/// locating them is counted, not timed: linear in the file's length (a binary search of a line
/// index per item), so four times the file is about four times the work, not sixteen.
#[test]
fn a_2mb_scenario_is_parsed_in_linear_time() {
    use cjmh::scenario::file::parse_work;
    let small = quantile_scenario(20_000);
    let large = quantile_scenario(80_000);
    assert!(large.len() > 2_000_000, "{} bytes", large.len());
    let (ws, wl) = (parse_work(&small), parse_work(&large));
    // Building the index reads each byte once; each item's lookup is log2(lines) steps.
    for (text, work) in [(&small, ws), (&large, wl)] {
        assert!(
            work <= 4 * text.len() as u64,
            "{work} steps for {} bytes",
            text.len()
        );
    }
    let ratio = wl as f64 / ws as f64;
    assert!(
        ratio < 4.0 * 1.25,
        "4 times the text took {ratio:.1} times the work"
    );
    // And the file is a valid scenario that `cjmh check` reads whole.
    let tmp = TempDir::new("bounds-parse");
    let s = tmp.write("large.toml", &large);
    let o = cjmh(["check", p(&s)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("large.toml: ok"), "{}", stdout(&o));
}

/// A hundred thousand unknown keys were each located by a walk along their table: 30 s, and a
/// report of 100,000 lines. The first problems are listed, the rest counted.
#[test]
fn a_file_of_a_hundred_thousand_mistakes_lists_the_first_and_counts_the_rest() {
    let tmp = TempDir::new("bounds-mistakes");
    let keys: Vec<String> = (0..100_000).map(|i| format!("zz{i} = 1")).collect();
    let s = tmp.write("mistakes.toml", &format!("{}\n{MINIMAL}", keys.join("\n")));
    let o = cjmh(["check", p(&s)]);
    let more = 100_000 - MAX_PROBLEMS_LISTED;
    assert_refused(
        &o,
        &[
            "mistakes.toml:1: `zz0`: unknown key `zz0`",
            &format!("{more} more problems found and not listed"),
        ],
    );
    let listed = stderr(&o)
        .lines()
        .filter(|l| l.contains("unknown key"))
        .count();
    assert_eq!(listed, MAX_PROBLEMS_LISTED);
}

/// Zero-time loops were looked for by recursion, one level per stage: a chain of 60,000
/// instant stages overflowed the stack and aborted.
#[test]
fn a_long_chain_of_instant_stages_does_not_overflow_the_stack() {
    // 65,000 stage names whose random-stream keys differ (two of `s0` ... `s64999` collide).
    let mut keys = std::collections::HashSet::new();
    let names: Vec<String> = (0..)
        .map(|i| format!("s{i}"))
        .filter(|n| keys.insert(cjmh::scenario::name_key(n)))
        .take(65_000)
        .collect();
    let mut text = format!(
        "name = \"chain\"\n[simulation]\nhorizon_days = 1\n[arrivals.people]\nto = \"{}\"\nrate_per_day = 1\n",
        names[0]
    );
    for (i, name) in names.iter().enumerate() {
        let next = names.get(i + 1).map_or("exit", String::as_str);
        text.push_str(&format!(
            "[stages.{name}]\nduration = {{ dist = \"fixed\", value = 0 }}\nroutes = {{ {next} = 1 }}\n"
        ));
    }
    let tmp = TempDir::new("bounds-chain");
    let s = tmp.write("chain.toml", &text);
    let o = cjmh(["check", p(&s)]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Closed into a loop, the chain is found, and named from its start.
    let looped = text.replace(
        "routes = { exit = 1 }",
        &format!("routes = {{ {} = 1 }}", names[0]),
    );
    let s = tmp.write("loop.toml", &looped);
    let o = cjmh(["check", p(&s)]);
    assert_refused(&o, &["people could go round s0 -> s1 -> s2 -> s3 -> "]);
}
