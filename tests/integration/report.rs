//! `cjmh report`: the board paper from a comparison, with and without PSA sweeps.
//!
//! The page itself is tested in a real browser by `tests/browser/` (CI); these tests check what
//! can be read from its text: every figure names the `comparison.csv` cell it shows, nothing is
//! fetched, every chart is there, and bad input is refused before anything is written.

use std::path::{Path, PathBuf};

use crate::common::{TempDir, cjmh_in, root, stderr};

/// A small comparison (the notebooks' small base against small L&D, 2 replications) and the two
/// PSA sweeps that pair with it, in `dir`: (compare dir, [psa base, psa policy]).
fn small_comparison(dir: &Path) -> (PathBuf, [PathBuf; 2]) {
    let ci = root().join("notebooks/ci");
    let compare = dir.join("compare");
    let psa = [dir.join("psa-base"), dir.join("psa-policy")];
    let o = cjmh_in(
        &ci,
        [
            "compare".as_ref(),
            "--baseline".as_ref(),
            "small-base.toml".as_ref(),
            "small-liaison-diversion.toml".as_ref(),
            "-r".as_ref(),
            "2".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            compare.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for (file, out) in ["small-psa-base.toml", "small-psa-policy.toml"]
        .iter()
        .zip(&psa)
    {
        let o = cjmh_in(
            &ci,
            [
                "sweep".as_ref(),
                file.as_ref(),
                "-q".as_ref(),
                "--out".as_ref(),
                out.as_os_str(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    (compare, psa)
}

/// `cjmh report COMPARE --psa A --psa B ...` with `more` arguments after, run in `dir`.
fn report_with(
    dir: &Path,
    compare: &Path,
    psa: &[&Path],
    more: &[&std::ffi::OsStr],
) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["report".as_ref(), compare.as_os_str()];
    for p in psa {
        args.push("--psa".as_ref());
        args.push(p.as_os_str());
    }
    args.extend_from_slice(more);
    cjmh_in(dir, args)
}

/// The `(scenario, metric, column)` cell of `comparison.csv`, as written.
fn cell(csv: &str, scenario: &str, metric: &str, column: &str) -> String {
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c = head.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f[0] == scenario && f[1] == metric)
        .map(|f| f[c].to_string())
        .unwrap_or_else(|| panic!("no {scenario} {metric}"))
}

/// Every `data-value` the page gives for (scenario, metric, stat).
fn shown(html: &str, scenario: &str, metric: &str, stat: &str) -> Vec<String> {
    let key = format!(
        "data-scenario=\"{scenario}\" data-metric=\"{metric}\" data-stat=\"{stat}\" data-value=\""
    );
    html.match_indices(&key)
        .map(|(i, _)| {
            let rest = &html[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn the_paper_shows_comparison_csv_exactly_with_every_chart_and_nothing_fetched() {
    let tmp = TempDir::new("report");
    let (compare, psa) = small_comparison(tmp.path());
    let html_path = tmp.path().join("paper.html");
    let o = report_with(
        tmp.path(),
        &compare,
        &[&psa[0], &psa[1]],
        &["--out".as_ref(), html_path.as_os_str()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&html_path).unwrap();
    let csv = std::fs::read_to_string(compare.join("comparison.csv")).unwrap();
    let policy = "small-liaison-diversion";
    for metric in [
        "cost.public_sector",
        "qalys.total",
        "investment.nmb_20000",
        "investment.nmb_30000",
    ] {
        for stat in ["difference_mean", "difference_ci_low", "difference_ci_high"] {
            let v = shown(&html, policy, metric, stat);
            assert!(!v.is_empty(), "{metric} {stat} is not on the page");
            let want = cell(&csv, policy, metric, stat);
            assert!(
                v.iter().all(|x| *x == want),
                "{metric} {stat}: {v:?} != {want}"
            );
        }
    }
    for id in [
        "cost-by-payer",
        "cost-by-year",
        "ce-plane",
        "ceac",
        "transfer-wait",
    ] {
        let at = html
            .find(&format!("<figure class=\"chart\" id=\"{id}\">"))
            .unwrap_or_else(|| panic!("no chart {id}"));
        let figure = &html[at..at + html[at..].find("</figure>").unwrap()];
        assert!(
            figure.contains(&format!(
                "<svg role=\"img\" aria-labelledby=\"{id}-caption\""
            )),
            "{id}"
        );
        assert!(
            figure.contains(&format!("<figcaption id=\"{id}-caption\">")),
            "{id}"
        );
    }
    assert!(html.contains("<section class=\"policy-summary\""));
    assert!(html.contains("PSA 95%"));
    assert!(
        html.contains("positive in"),
        "the share of PSA draws with a positive NMB"
    );
    // Self-contained: no script, no stylesheet or image from anywhere.
    for bad in ["<script", "<link", "src=\"http", "@import", "url("] {
        assert!(!html.contains(bad), "the page contains {bad}");
    }
    // The changed parameter and its evidence: coverage rests on L2/L3, graded.
    assert!(
        html.contains("<code>liaison_diversion.coverage</code>"),
        "the change is listed"
    );
    assert!(html.contains("grade A"));
    // Reproducibility: the hashes of what was read.
    assert!(html.contains("SHA-256 of"));
}

#[test]
fn without_psa_the_paper_says_its_intervals_are_noise_only() {
    let tmp = TempDir::new("report-nopsa");
    let (compare, _) = small_comparison(tmp.path());
    let o = cjmh_in(tmp.path(), ["report".as_ref(), compare.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(compare.join("report.html")).unwrap();
    assert!(html.contains(
        "No PSA results were given, so no interval here includes parameter uncertainty."
    ));
    assert!(!html.contains("id=\"ce-plane\""));
    // The small base ran at its own size: calibration is shown against national targets only
    // when it ran unscaled, and validation needs the shipped scenarios.
    assert!(html.contains("the validation cases are defined for the shipped national scenarios"));
    assert!(html.contains(
        "Not shown: the calibration targets are national figures, and small-base is not the shipped national baseline"
    ));
}

#[test]
fn psa_sweeps_out_of_the_comparisons_order_are_refused() {
    let tmp = TempDir::new("report-psa-order");
    let (compare, psa) = small_comparison(tmp.path());
    let o = report_with(tmp.path(), &compare, &[&psa[1], &psa[0]], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {} is a PSA sweep of small-liaison-diversion, but the comparison's scenario in that place is small-base: give the PSA sweeps in the comparison's order (small-base, small-liaison-diversion), the baseline's first\n",
            psa[1].display()
        )
    );
    assert!(!compare.join("report.html").exists());
}

#[test]
fn a_comparison_of_nothing_is_refused() {
    let tmp = TempDir::new("report-empty");
    let dir = tmp.path().join("c");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("comparison.csv"),
        "scenario,metric,replications,baseline_mean,scenario_mean,difference_mean,difference_ci_low,difference_ci_high,independent_ci_half_width,crn_interval_ratio\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("summary.csv"),
        "scenario,replication,metric,value\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"command": "compare", "scenarios": [{"name": "base"}]}"#,
    )
    .unwrap();
    let o = cjmh_in(tmp.path(), ["report".as_ref(), dir.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the comparison has no policy, only its baseline base\n",
            dir.join("manifest.json").display()
        )
    );
}

#[test]
fn a_directory_that_is_not_a_comparison_is_refused_and_nothing_written() {
    let tmp = TempDir::new("report-bad");
    let o = cjmh_in(tmp.path(), ["report", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: nowhere/comparison.csv: No such file or directory (os error 2) (is nowhere the output directory of `cjmh compare`?)\n"
    );
    assert!(!tmp.path().join("nowhere").exists());
}

#[test]
fn psa_sweeps_must_match_the_comparison() {
    let tmp = TempDir::new("report-psa");
    let (compare, psa) = small_comparison(tmp.path());
    let o = report_with(tmp.path(), &compare, &[&psa[0]], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --psa gives 1 directories for the comparison's 2 scenarios (small-base, small-liaison-diversion): give the baseline's PSA sweep first, then one per policy in that order\n"
    );
    assert!(!compare.join("report.html").exists());
}

#[test]
fn the_source_register_knows_every_id_a_shipped_scenario_cites() {
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some(at) = line.find("source = \"") else {
                continue;
            };
            let rest = &line[at + 10..];
            let source = &rest[..rest.find('"').unwrap_or(rest.len())];
            for id in cjmh::scenario::sources::cited(source) {
                if cjmh::scenario::sources::get(&id).is_none() {
                    missing.push(format!("{}:{}: {id}", path.display(), i + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "ids not in src/scenario/sources.csv:\n{}",
        missing.join("\n")
    );
}

/// Every sheet's cells of the workbook at `path`, by sheet name in the workbook's order.
fn workbook(path: &Path) -> Vec<(String, Vec<Vec<calamine::Data>>)> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            (name, range.rows().map(<[calamine::Data]>::to_vec).collect())
        })
        .collect()
}

#[test]
fn the_workbook_totals_are_comparison_csv_and_the_same_results_give_the_same_bytes() {
    use calamine::Data;
    let tmp = TempDir::new("report-xlsx");
    let (compare, psa) = small_comparison(tmp.path());
    let books = [tmp.path().join("one.xlsx"), tmp.path().join("two.xlsx")];
    for book in &books {
        let o = report_with(
            tmp.path(),
            &compare,
            &[&psa[0], &psa[1]],
            &["--xlsx".as_ref(), book.as_os_str()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            crate::common::stdout(&o).ends_with(&format!("wrote {}\n", book.display())),
            "{}",
            crate::common::stdout(&o)
        );
    }
    let bytes = books.each_ref().map(|b| std::fs::read(b).unwrap());
    assert!(
        bytes[0] == bytes[1],
        "two workbooks from the same results differ"
    );

    let sheets = workbook(&books[0]);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["Summary", "small-liaison-diversion", "Parameters", "About"]
    );
    let csv = std::fs::read_to_string(compare.join("comparison.csv")).unwrap();
    let policy = "small-liaison-diversion";
    let summary = &sheets[0].1;
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        d => panic!("{d:?} is not text"),
    };
    assert_eq!(
        summary[0].iter().map(text).collect::<Vec<_>>(),
        [
            "scenario",
            "payer",
            "year",
            "difference (£m)",
            "noise 95% low (£m)",
            "noise 95% high (£m)"
        ]
    );
    // Each `all` row is comparison.csv's window total for its payer, in £ million, as a
    // number; every payer with costs has one, and the public sector's.
    let mut payers = Vec::new();
    for r in summary[1..]
        .iter()
        .filter(|r| r[2] == Data::String("all".into()))
    {
        assert_eq!(text(&r[0]), policy);
        let payer = text(&r[1]);
        let metric = if payer == "public_sector" {
            "cost.public_sector".to_string()
        } else {
            format!("cost.payer.{payer}")
        };
        for (c, column) in ["difference_mean", "difference_ci_low", "difference_ci_high"]
            .iter()
            .enumerate()
        {
            let want: f64 = cell(&csv, policy, &metric, column).parse().unwrap();
            assert_eq!(r[3 + c], Data::Float(want / 1e6), "{metric} {column}");
        }
        payers.push(payer);
    }
    let mut want: Vec<String> = csv
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{policy},cost.payer.")))
        .filter_map(|l| l.split(',').next())
        .filter(|m| !m.contains('.'))
        .map(String::from)
        .collect();
    want.insert(
        want.iter()
            .position(|p| p == "wider_costs_of_crime")
            .unwrap_or(want.len()),
        "public_sector".into(),
    );
    assert_eq!(payers, want);
    // The yearly rows are exactly comparison.csv's yearly cost rows, none invented.
    let mut yearly: Vec<(String, f64)> = Vec::new();
    for r in &summary[1..] {
        let Data::Float(k) = r[2] else { continue };
        let payer = text(&r[1]);
        let metric = if payer == "public_sector" {
            format!("cost.public_sector.year{k}")
        } else {
            format!("cost.payer.{payer}.year{k}")
        };
        let want: f64 = cell(&csv, policy, &metric, "difference_mean")
            .parse()
            .unwrap();
        assert_eq!(r[3], Data::Float(want / 1e6), "{metric}");
        yearly.push((metric, want));
    }
    let in_csv = csv
        .lines()
        .filter(|l| l.starts_with(&format!("{policy},cost.")))
        .filter(|l| {
            let metric = l.split(',').nth(1).unwrap();
            let Some((stem, k)) = metric.rsplit_once(".year") else {
                return false;
            };
            k.parse::<u32>().is_ok()
                && (stem == "cost.public_sector"
                    || stem
                        .strip_prefix("cost.payer.")
                        .is_some_and(|p| !p.contains('.')))
        })
        .count();
    assert!(in_csv > 0);
    assert_eq!(yearly.len(), in_csv, "{yearly:?}");

    // The policy's sheet gives PSA intervals beside the noise; the parameters sheet names the
    // changed parameter and its evidence.
    let sheet = &sheets[1].1;
    let head = sheet
        .iter()
        .find(|r| r[0] == Data::String("measure".into()))
        .expect("a headline table");
    assert!(
        head.contains(&Data::String("PSA 95% low".into())),
        "{head:?}"
    );
    let cost = sheet
        .iter()
        .find(|r| r[0] == Data::String("Public-sector net cost".into()))
        .expect("the public-sector cost");
    let want: f64 = cell(&csv, policy, "cost.public_sector", "difference_mean")
        .parse()
        .unwrap();
    assert_eq!(cost[2], Data::Float(want / 1e6));
    let parameters = &sheets[2].1;
    assert!(
        parameters.iter().any(
            |r| r[1] == Data::String("liaison_diversion.coverage".into())
                && r[7].to_string().contains(": A,")
        ),
        "{parameters:?}"
    );
}

#[test]
fn a_workbook_path_that_is_a_directory_is_refused_before_anything_is_written() {
    let tmp = TempDir::new("report-xlsx-dir");
    let (compare, _) = small_comparison(tmp.path());
    let o = cjmh_in(
        tmp.path(),
        [
            "report".as_ref(),
            compare.as_os_str(),
            "--xlsx".as_ref(),
            tmp.path().as_os_str(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!compare.join("report.html").exists());
}
