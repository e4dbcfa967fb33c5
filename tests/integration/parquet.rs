//! `--format parquet`: the same tidy tables as the CSVs, read by every command that reads them.

use std::path::Path;

use cjmh::output::tidy::parquet_to_csv;

use crate::common::{TempDir, cjmh_in, file_names, root, stderr};

fn run_in(dir: &Path, args: &[&str]) {
    let o = cjmh_in(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

/// The Parquet table at `parquet`, as CSV, is byte for byte the CSV table at `csv`.
fn same_table(csv: &Path, parquet: &Path) {
    let want = std::fs::read(csv).unwrap();
    let got = parquet_to_csv(std::fs::read(parquet).unwrap()).unwrap();
    assert!(
        got == want,
        "{} differs from {}",
        parquet.display(),
        csv.display()
    );
}

#[test]
fn run_compare_and_sweep_write_the_csvs_tables_as_parquet() {
    let tmp = TempDir::new("parquet");
    let ci = root().join("notebooks/ci");
    let base = ci.join("small-base.toml");
    let policy = ci.join("small-transfer-14-day.toml");
    let psa = ci.join("small-psa-base.toml");
    for format in ["csv", "parquet"] {
        let out = |what: &str| tmp.path().join(format!("{what}-{format}"));
        let (run, compare, sweep) = (out("run"), out("compare"), out("sweep"));
        let s = |p: &Path| p.to_str().unwrap().to_string();
        run_in(
            tmp.path(),
            &[
                "run",
                &s(&base),
                "-r",
                "2",
                "-q",
                "--format",
                format,
                "--out",
                &s(&run),
            ],
        );
        run_in(
            tmp.path(),
            &[
                "compare",
                "--baseline",
                &s(&base),
                &s(&policy),
                "-r",
                "2",
                "-q",
                "--format",
                format,
                "--out",
                &s(&compare),
            ],
        );
        run_in(
            tmp.path(),
            &[
                "sweep",
                &s(&psa),
                "-q",
                "--format",
                format,
                "--out",
                &s(&sweep),
            ],
        );
    }
    let dir = |d: &str| tmp.path().join(d);
    assert_eq!(
        file_names(&dir("run-parquet")),
        ["manifest.json", "summary.parquet"]
    );
    for (d, table) in [
        ("run", "summary"),
        ("compare", "summary"),
        ("compare", "comparison"),
        ("sweep", "summary"),
        ("sweep", "points"),
    ] {
        same_table(
            &dir(&format!("{d}-csv")).join(format!("{table}.csv")),
            &dir(&format!("{d}-parquet")).join(format!("{table}.parquet")),
        );
    }
    let manifest = std::fs::read_to_string(dir("sweep-parquet").join("manifest.json")).unwrap();
    assert!(manifest.contains("\"summary.parquet\""), "{manifest}");

    // Readers take either: the board paper's figures, and a PSA's acceptability curve.
    for format in ["csv", "parquet"] {
        let compare = dir(&format!("compare-{format}"));
        let report = dir(&format!("report-{format}.html"));
        run_in(
            tmp.path(),
            &[
                "report",
                compare.to_str().unwrap(),
                "--out",
                report.to_str().unwrap(),
            ],
        );
    }
    let figures = |f: &str| {
        std::fs::read_to_string(dir(f))
            .unwrap()
            .lines()
            .filter(|l| l.contains("data-value"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (csv_figures, parquet_figures) =
        (figures("report-csv.html"), figures("report-parquet.html"));
    assert!(!csv_figures.is_empty());
    assert_eq!(csv_figures, parquet_figures);
    let ceac = |format: &str| {
        let o = cjmh_in(
            tmp.path(),
            [
                "ceac",
                dir(&format!("sweep-{format}")).to_str().unwrap(),
                dir("sweep-csv-copy").to_str().unwrap(),
                "--out",
                dir(&format!("ceac-{format}")).to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(dir(&format!("ceac-{format}")).join("ceac.csv")).unwrap()
    };
    // ceac wants two strategies: the CSV sweep copied stands for the second.
    copy_dir(&dir("sweep-csv"), &dir("sweep-csv-copy"));
    assert_eq!(ceac("csv"), ceac("parquet"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn merge_writes_parquet_and_a_second_run_in_another_format_replaces_the_first() {
    let tmp = TempDir::new("parquet-merge");
    let psa = root().join("notebooks/ci/small-psa-base.toml");
    let shard = |i: usize| tmp.path().join(format!("shard{i}"));
    for i in 1..=2 {
        run_in(
            tmp.path(),
            &[
                "sweep",
                psa.to_str().unwrap(),
                "-q",
                "--shard",
                &format!("{i}/2"),
                "--out",
                shard(i).to_str().unwrap(),
            ],
        );
    }
    let merged = tmp.path().join("merged");
    let args = |format: &str| {
        vec![
            "merge".to_string(),
            shard(1).display().to_string(),
            shard(2).display().to_string(),
            "--out".into(),
            merged.display().to_string(),
            "--format".into(),
            format.into(),
        ]
    };
    let o = cjmh_in(tmp.path(), args("csv"));
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read(merged.join("summary.csv")).unwrap();
    let o = cjmh_in(tmp.path(), args("parquet"));
    assert!(o.status.success(), "{}", stderr(&o));
    // The CSV the earlier merge wrote is gone, as it is no longer this directory's output.
    assert!(!merged.join("summary.csv").exists());
    let parquet = std::fs::read(merged.join("summary.parquet")).unwrap();
    assert_eq!(parquet_to_csv(parquet).unwrap(), csv);
}
