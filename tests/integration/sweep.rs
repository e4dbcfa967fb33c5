//! `cjmh sweep` and `cjmh merge`: designs, resuming (also after `kill -9`), shards, and located
//! errors in sweep files.

use std::path::{Path, PathBuf};
use std::process::Command;

use std::process::Output;

use crate::common::{TempDir, cjmh, file_names, root, stderr, stdout};

/// A small pathway base scenario and a grid sweep over it.
fn setup(tmp: &TempDir, people_per_day: u32, extra_sweep: &str) -> PathBuf {
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        "base.toml",
        &format!(
            "extends = {:?}\n[simulation]\nwarmup_days = 730\nhorizon_days = 730\n\
             [people]\nnew_people_per_day = {{ value = {people_per_day}, source = \"test\" }}\n",
            baseline.display().to_string()
        ),
    );
    tmp.write(
        "sweep.toml",
        &format!(
            "name = \"grid\"\nbase = \"base.toml\"\ndesign = \"grid\"\nreplications = 4\nseed = 5\n\
             [parameters]\n\"transfer.beds.medium\" = [8, 20]\n\"liaison_diversion.coverage\" = [0.5, 1.0]\n{extra_sweep}"
        ),
    )
}

fn sweep(file: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<std::ffi::OsString> = vec![
        "sweep".into(),
        file.into(),
        "--out".into(),
        out.into(),
        "-q".into(),
    ];
    args.extend(extra.iter().map(|a| a.into()));
    cjmh(&args)
}

fn units(out: &Path) -> usize {
    std::fs::read_dir(out.join("units"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".csv"))
            })
            .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_grid_has_one_column_per_parameter_and_every_point_and_replication() {
    let tmp = TempDir::new("sweep-grid");
    let file = setup(&tmp, 15, "");
    let out = tmp.path().join("out");
    let o = sweep(&file, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    assert_eq!(
        lines.next().unwrap(),
        "point,transfer.beds.medium,liaison_diversion.coverage,replication,metric,value"
    );
    // 4 points x 4 replications, the last parameter varying fastest.
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(
        points,
        "point,transfer.beds.medium,liaison_diversion.coverage\n0,8,0.5\n1,8,1\n2,20,0.5\n3,20,1\n"
    );
    let keys: std::collections::BTreeSet<(String, String)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect();
    assert_eq!(keys.len(), 16);
    // Each point is what its parameters say, and replications pair across points (common
    // random numbers): more beds at the same coverage leave the number of new people alone.
    let value = |point: &str, metric: &str| -> f64 {
        summary
            .lines()
            .find(|l| l.starts_with(&format!("{point},")) && l.contains(&format!(",0,{metric},")))
            .and_then(|l| l.rsplit(',').next())
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(value("0", "secure_beds.medium.capacity"), 8.0);
    assert_eq!(value("2", "secure_beds.medium.capacity"), 20.0);
    assert_eq!(value("0", "people_entered"), value("2", "people_entered"));
    assert!(value("1", "liaison_diversion_referrals") > value("0", "liaison_diversion_referrals"));
}

#[test]
fn a_sweep_killed_part_way_and_resumed_gives_the_same_bytes_as_one_straight_run() {
    let tmp = TempDir::new("sweep-kill");
    let file = setup(&tmp, 80, "");
    let straight = tmp.path().join("straight");
    assert!(
        sweep(&file, &straight, &["--threads", "2"])
            .status
            .success()
    );
    let expected = std::fs::read(straight.join("summary.csv")).unwrap();

    let out = tmp.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cjmh"))
        .args([
            "sweep".as_ref(),
            file.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .args(["-q", "--threads", "1"])
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while units(&out) < 3 && started.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no chance to tidy up
    child.wait().unwrap();
    let saved = units(&out);
    assert!(
        (3..16).contains(&saved),
        "{saved} units saved before the kill"
    );
    assert!(!out.join("summary.csv").exists());
    // Without --resume the directory is refused rather than mixed.
    let again = sweep(&file, &out, &[]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("--resume"));
    let resumed = sweep(&file, &out, &["--resume", "--threads", "2"]);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(std::fs::read(out.join("summary.csv")).unwrap(), expected);
    // Nothing temporary is left behind.
    for e in std::fs::read_dir(out.join("units")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.ends_with(".csv") && !name.starts_with('.'), "{name}");
    }
}

#[test]
fn shards_merged_give_exactly_what_one_unsharded_run_writes() {
    let tmp = TempDir::new("sweep-shards");
    let file = setup(&tmp, 15, "");
    let whole = tmp.path().join("whole");
    assert!(sweep(&file, &whole, &[]).status.success());
    let shards: Vec<PathBuf> = (1..=3).map(|i| tmp.path().join(format!("s{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        let o = sweep(&file, dir, &["--shard", &format!("{}/3", i + 1)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            !dir.join("summary.csv").exists(),
            "a shard alone is incomplete"
        );
    }
    assert_eq!(
        units(&shards[0]) + units(&shards[1]) + units(&shards[2]),
        16
    );
    let merged = tmp.path().join("merged");
    // With a shard missing, merge says what is missing and writes no summary.
    let mut args: Vec<std::ffi::OsString> = vec!["merge".into()];
    args.extend(shards[..2].iter().map(|d| d.clone().into_os_string()));
    args.extend(["--out".into(), merged.clone().into_os_string()]);
    let o = cjmh(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("have not been run"), "{}", stderr(&o));
    assert!(!merged.join("summary.csv").exists());
    let mut args: Vec<std::ffi::OsString> = vec!["merge".into()];
    args.extend(shards.iter().map(|d| d.clone().into_os_string()));
    args.extend(["--out".into(), merged.clone().into_os_string()]);
    let o = cjmh(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["summary.csv", "points.csv", "sweep.json"] {
        assert_eq!(
            std::fs::read(merged.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}"
        );
    }
    // Shards of another sweep are refused.
    let other = setup(&tmp, 16, "");
    let other_out = tmp.path().join("other");
    assert!(
        sweep(&other, &other_out, &["--shard", "1/3"])
            .status
            .success()
    );
    let o = cjmh([
        "merge".as_ref(),
        shards[0].as_os_str(),
        other_out.as_os_str(),
        "--out".as_ref(),
        tmp.path().join("bad").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_latin_hypercube_is_reproducible_and_stays_within_its_ranges() {
    let tmp = TempDir::new("sweep-lhs");
    setup(&tmp, 10, "");
    let file = tmp.write(
        "lhs.toml",
        "base = \"base.toml\"\ndesign = \"latin-hypercube\"\npoints = 6\nreplications = 1\nseed = 3\n\
         [parameters]\n\"transfer.beds.medium\" = { low = 5, high = 40, integer = true }\n\
         \"liaison_diversion.coverage\" = { low = 0.4, high = 1.0 }\n",
    );
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(sweep(&file, &a, &[]).status.success());
    assert!(sweep(&file, &b, &[]).status.success());
    let points = std::fs::read_to_string(a.join("points.csv")).unwrap();
    assert_eq!(
        points,
        std::fs::read_to_string(b.join("points.csv")).unwrap()
    );
    let rows: Vec<Vec<f64>> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(|x| x.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert!((5.0..=40.0).contains(&r[0]) && r[0].fract() == 0.0, "{r:?}");
        assert!((0.4..=1.0).contains(&r[1]), "{r:?}");
    }
    // One point in each sixth of the coverage range.
    let mut strata: Vec<usize> = rows
        .iter()
        .map(|r| (((r[1] - 0.4) / 0.6 * 6.0) as usize).min(5))
        .collect();
    strata.sort();
    assert_eq!(strata, [0, 1, 2, 3, 4, 5]);
}

#[test]
fn bad_sweep_files_are_refused_with_the_file_key_and_line() {
    let tmp = TempDir::new("sweep-bad");
    setup(&tmp, 10, "");
    let cases = [
        (
            "unknown.toml",
            "base = \"base.toml\"\ndesign = \"grid\"\n[parameters]\n\"transfer.beds.meduim\" = [1, 2]\n",
            "unknown.toml:4",
            "has no `transfer.beds.meduim`",
        ),
        (
            "range.toml",
            "base = \"base.toml\"\ndesign = \"grid\"\n[parameters]\n\"liaison_diversion.coverage\" = [0.5, 1.5]\n",
            "range.toml:4",
            "point 1 (liaison_diversion.coverage = 1.5): a share must be between 0 and 1",
        ),
        (
            "type.toml",
            "base = \"base.toml\"\ndesign = \"zip\"\n[parameters]\n\"transfer.beds.medium\" = [8, \"many\"]\n",
            "type.toml:4",
            "values must be numbers",
        ),
        (
            "empty.toml",
            "base = \"base.toml\"\ndesign = \"grid\"\n[parameters]\n",
            "empty.toml:3",
            "an empty design",
        ),
        (
            "psa-params.toml",
            "base = \"base.toml\"\ndesign = \"psa\"\npoints = 2\n[parameters]\n\"transfer.beds.medium\" = [8]\n",
            "psa-params.toml:4",
            "leave out [parameters]",
        ),
        (
            "design.toml",
            "base = \"base.toml\"\ndesign = \"random\"\n[parameters]\n\"transfer.beds.medium\" = [8]\n",
            "design.toml:2",
            "unknown design `random`",
        ),
    ];
    for (name, text, at, says) in cases {
        let file = tmp.write(name, text);
        let out = tmp.path().join(format!("out-{name}"));
        let o = sweep(&file, &out, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(at), "{name}: expected {at} in {err}");
        assert!(err.contains(says), "{name}: expected {says:?} in {err}");
        assert!(!out.exists(), "{name}: wrote outputs");
        // `cjmh check` reads a sweep file as a sweep and finds the same problem.
        let o = cjmh(["check".as_ref(), file.as_os_str()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "check {name}: {err}");
        assert!(
            err.contains(at) && err.contains(says),
            "check {name}: {err}"
        );
    }
    let good = tmp.path().join("sweep.toml");
    let o = cjmh(["check".as_ref(), good.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with("sweep.toml: ok (sweep, grid design, 4 points x 4 replications)\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_shipped_sweep_loads_with_every_point_valid() {
    let s = cjmh::scenario::sweep::load(&root().join("scenarios/sweeps/beds-by-limit.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.points.len(), 6);
    assert_eq!(
        s.parameters,
        ["transfer.beds.medium", "transfer_limit.days"]
    );
    assert!(s.scenarios.iter().all(|p| p.economics.is_some()));
}

#[test]
fn psa_draws_follow_the_triangular_distributions_the_scenario_declares() {
    use cjmh::scenario::sweep::{psa_draws, uncertain_parameters};
    let doc =
        cjmh::scenario::file::Document::load(&root().join("scenarios/baseline.toml")).unwrap();
    let uncertain = uncertain_parameters(&doc);
    assert!(uncertain.len() > 40, "{}", uncertain.len());
    let names: Vec<String> = uncertain.iter().map(|u| u.key.to_string()).collect();
    let ranges: Vec<(f64, f64, f64, bool)> = uncertain
        .iter()
        .map(|u| (u.low, u.value, u.high, false))
        .collect();
    let n = 4000;
    let draws = psa_draws(&names, &ranges, n, 11);
    for (j, u) in uncertain.iter().enumerate() {
        let (a, c, b) = (u.low, u.value, u.high);
        let xs: Vec<f64> = draws.iter().map(|d| d[j]).collect();
        assert!(xs.iter().all(|x| *x >= a && *x <= b), "{}", names[j]);
        if b == a {
            continue;
        }
        // Triangular(a, c, b): mean (a + b + c) / 3, variance (a² + b² + c² − ab − ac − bc) / 18,
        // and P(X < c) = (c − a) / (b − a). Each within 4 standard errors of n draws.
        let mean = (a + b + c) / 3.0;
        let var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
        let m = xs.iter().sum::<f64>() / n as f64;
        assert!(
            (m - mean).abs() < 4.0 * (var / n as f64).sqrt(),
            "{}: mean {m} vs {mean}",
            names[j]
        );
        let p = (c - a) / (b - a);
        let below = xs.iter().filter(|x| **x < c).count() as f64 / n as f64;
        assert!(
            (below - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt() + 1e-12,
            "{}: {below} below the mode vs {p}",
            names[j]
        );
    }
    // Keyed by name: the same parameter gets the same draws in another scenario's PSA.
    let one = psa_draws(&names[3..4], &ranges[3..4], 5, 11);
    let all = psa_draws(&names, &ranges, 5, 11);
    for i in 0..5 {
        assert_eq!(one[i][0], all[i][3]);
    }
}

#[test]
fn a_psa_sweep_draws_every_uncertain_parameter_and_keeps_whole_numbers_whole() {
    let tmp = TempDir::new("sweep-psa");
    setup(&tmp, 10, "");
    let file = tmp.write(
        "psa.toml",
        "base = \"base.toml\"\ndesign = \"psa\"\npoints = 4\nreplications = 1\nseed = 2\n",
    );
    let out = tmp.path().join("out");
    let o = sweep(&file, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let header: Vec<&str> = points.lines().next().unwrap().split(',').collect();
    assert!(header.contains(&"transfer.beds.medium"));
    assert!(header.contains(&"costs.lines.prison_places_direct.unit_cost"));
    assert!(header.contains(&"qalys.lines.release_support.qalys_per_unit"));
    let col = header
        .iter()
        .position(|h| *h == "transfer.beds.medium")
        .unwrap();
    for line in points.lines().skip(1) {
        let v: f64 = line.split(',').nth(col).unwrap().parse().unwrap();
        assert_eq!(v.fract(), 0.0, "{v}");
    }
    assert!(out.join("summary.csv").exists());
}

#[test]
fn a_one_way_design_moves_one_parameter_at_a_time_to_each_bound() {
    let tmp = TempDir::new("sweep-one-way");
    setup(&tmp, 10, "");
    let file = tmp.write(
        "ow.toml",
        "base = \"base.toml\"\ndesign = \"one-way\"\nreplications = 1\n",
    );
    let out = tmp.path().join("out");
    let o = sweep(&file, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = cjmh::scenario::file::Document::load(&tmp.path().join("base.toml")).unwrap();
    let uncertain = cjmh::scenario::sweep::uncertain_parameters(&doc);
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let rows: Vec<Vec<f64>> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').skip(1).map(|x| x.parse().unwrap()).collect())
        .collect();
    let base: Vec<f64> = uncertain.iter().map(|u| u.value).collect();
    assert_eq!(rows[0], base);
    let bounds: usize = uncertain
        .iter()
        .map(|u| usize::from(u.low != u.value) + usize::from(u.high != u.value))
        .sum();
    assert_eq!(rows.len(), 1 + bounds);
    for row in &rows[1..] {
        let moved: Vec<usize> = (0..base.len()).filter(|&j| row[j] != base[j]).collect();
        assert_eq!(moved.len(), 1, "{row:?}");
        let u = &uncertain[moved[0]];
        assert!(row[moved[0]] == u.low || row[moved[0]] == u.high);
    }
}

#[test]
fn ceac_and_evpi_come_from_paired_psa_sweeps() {
    let tmp = TempDir::new("sweep-ceac");
    setup(&tmp, 10, "");
    tmp.write(
        "support.toml",
        "extends = \"base.toml\"\nname = \"support\"\n[release_support]\npopulation = \"trial\"\nparticipation_share = { value = 1.0, source = \"test\" }\nmax_sentence_days = { value = 730, source = \"test\" }\nmin_days_in_custody = { value = 28, source = \"test\" }\n\
         no_gp_share = { value = 0.35, source = \"test\" }\n\
         cmht_contact_6m_share = { value = 0.075, source = \"test\" }\n",
    );
    let mut dirs = Vec::new();
    for base in ["base", "support"] {
        let file = tmp.write(
            &format!("psa-{base}.toml"),
            &format!("name = \"{base}\"\nbase = \"{base}.toml\"\ndesign = \"psa\"\npoints = 6\nreplications = 1\nseed = 4\n"),
        );
        let out = tmp.path().join(format!("out-{base}"));
        let o = sweep(&file, &out, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        dirs.push(out);
    }
    let out = tmp.path().join("ceac");
    let o = cjmh([
        "ceac".as_ref(),
        dirs[0].as_os_str(),
        dirs[1].as_os_str(),
        "--wtp-max".as_ref(),
        "50000".as_ref(),
        "--wtp-step".as_ref(),
        "10000".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ceac = std::fs::read_to_string(out.join("ceac.csv")).unwrap();
    let rows: Vec<Vec<&str>> = ceac
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 6 * 2);
    // At each willingness to pay the probabilities add up to 1. Support only adds cost here
    // (the trial's QALY effect is a loss at the mode), so at £0 the baseline always wins.
    for pair in rows.chunks(2) {
        let sum: f64 = pair.iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-12, "{pair:?}");
    }
    assert_eq!(rows[0], ["0", "base", "1"]);
    let evpi = std::fs::read_to_string(out.join("evpi.csv")).unwrap();
    assert_eq!(evpi.lines().count(), 1 + 6);
    for l in evpi.lines().skip(1) {
        let v: f64 = l.split(',').nth(1).unwrap().parse().unwrap();
        assert!(v >= 0.0, "{l}");
    }
    // The same PSA sweeps give `cjmh compare --psa` its parameter-uncertainty intervals: the
    // 2.5th and 97.5th percentiles of the paired differences over the draws, beside the noise.
    let cmp = tmp.path().join("cmp");
    let base_file = tmp.path().join("base.toml");
    let support_file = tmp.path().join("support.toml");
    // `compare` of the support scenario against the base, with these PSA directories, into `out`.
    let compare_with_psa = |psa: &[&std::path::Path], out: &std::path::Path| {
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "compare".as_ref(),
            "--baseline".as_ref(),
            base_file.as_os_str(),
            support_file.as_os_str(),
            "-r".as_ref(),
            "2".as_ref(),
        ];
        for d in psa {
            args.push("--psa".as_ref());
            args.push(d.as_os_str());
        }
        args.push("--out".as_ref());
        args.push(out.as_os_str());
        cjmh(args)
    };
    let o = compare_with_psa(&[&dirs[0], &dirs[1]], &cmp);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        printed.contains("PSA 95%:   the 2.5th to 97.5th percentile over 6 PSA draws"),
        "{printed}"
    );
    // Per draw, each sweep's mean over its replications (one here) of cost and QALYs.
    let per_draw = |dir: &Path, metric: &str| -> Vec<f64> {
        let text = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
        let mut v = vec![f64::NAN; 6];
        for l in text.lines().skip(1) {
            let f: Vec<&str> = l.split(',').collect();
            if f[f.len() - 2] == metric {
                v[f[0].parse::<usize>().unwrap()] = f[f.len() - 1].parse().unwrap();
            }
        }
        v
    };
    let percentiles = |mut d: Vec<f64>| -> (f64, f64) {
        d.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let x = q * 5.0;
            let i = x.floor() as usize;
            d[i] + (x - i as f64) * (d[(i + 1).min(5)] - d[i])
        };
        (at(0.025), at(0.975))
    };
    let diff = |metric: &str| -> Vec<f64> {
        let (b, s) = (per_draw(&dirs[0], metric), per_draw(&dirs[1], metric));
        b.iter().zip(&s).map(|(b, s)| s - b).collect()
    };
    let (low, high) = percentiles(diff("qalys.total"));
    let cell = format!("{:+.1} to {:+.1}", low + 0.0, high + 0.0);
    let table = std::fs::read_to_string(cmp.join("investment.md")).unwrap();
    let row = table
        .lines()
        .find(|l| l.starts_with("| support |"))
        .unwrap();
    let cells: Vec<&str> = row.split(" | ").collect();
    assert!(table.contains("QALYs gained (PSA 95%)"), "{table}");
    // Columns: ..., net public cost (PSA), QALYs gained (PSA), NMB at £20,000 (PSA).
    assert_eq!(cells[cells.len() - 2], cell, "{row}");
    let (low, high) = percentiles(diff("cost.public_sector"));
    assert_eq!(
        cells[cells.len() - 3],
        format!("{:+.1} to {:+.1}", low / 1e6 + 0.0, high / 1e6 + 0.0),
        "{row}"
    );
    // One PSA directory per scenario and the baseline's, or nothing runs.
    let o = compare_with_psa(&[&dirs[1], &dirs[1], &dirs[0]], &tmp.path().join("cmp-bad"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--psa gives 3 directories for 2 scenarios"),
        "{}",
        stderr(&o)
    );
    // A sweep given twice is no comparison: its differences would all be zero.
    let o = compare_with_psa(&[&dirs[1], &dirs[1]], &tmp.path().join("cmp-twice"));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("are the same directory"),
        "{}",
        stderr(&o)
    );

    // Sweeps with different draws do not pair.
    let file = tmp.write(
        "psa-other.toml",
        "base = \"support.toml\"\ndesign = \"psa\"\npoints = 6\nreplications = 1\nseed = 5\n",
    );
    let other = tmp.path().join("out-other");
    assert!(sweep(&file, &other, &[]).status.success());
    let o = cjmh(["ceac".as_ref(), dirs[0].as_os_str(), other.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn inside_a_slurm_array_the_shard_comes_from_the_task_id() {
    let tmp = TempDir::new("sweep-slurm");
    let file = setup(&tmp, 10, "");
    let explicit = tmp.path().join("explicit");
    assert!(
        sweep(&file, &explicit, &["--shard", "2/3"])
            .status
            .success()
    );
    let from_env = tmp.path().join("env");
    let task = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    let o = sweep_in_array(&file, &from_env, &[], &task);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(unit_names(&from_env), unit_names(&explicit));
    assert!(!unit_names(&explicit).is_empty() && unit_names(&explicit).len() < 16);
}

/// `cjmh sweep FILE --out OUT -q` with `vars` set (and every scheduler variable cleared first, so
/// the test does not depend on where it runs).
fn sweep_in_array(file: &Path, out: &Path, extra: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cjmh"));
    c.args([
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .arg("-q")
    .args(extra);
    for v in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "SLURM_ARRAY_TASK_COUNT",
        "JOB_COMPLETION_INDEX",
    ] {
        c.env_remove(v);
    }
    c.envs(vars.iter().copied()).output().unwrap()
}

fn unit_names(dir: &Path) -> Vec<String> {
    file_names(&dir.join("units"))
}

#[test]
fn with_shards_a_task_resubmitted_alone_runs_its_own_shard() {
    let tmp = TempDir::new("sweep-shards-n");
    let file = setup(&tmp, 10, "");
    let explicit = tmp.path().join("explicit");
    assert!(
        sweep(&file, &explicit, &["--shard", "3/4"])
            .status
            .success()
    );
    // `sbatch --array=2` (a resubmitted task) is an array of one task numbered 2.
    let slurm = tmp.path().join("slurm");
    let alone = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "2"),
        ("SLURM_ARRAY_TASK_COUNT", "1"),
    ];
    let o = sweep_in_array(&file, &slurm, &["--shards", "4"], &alone);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(unit_names(&slurm), unit_names(&explicit));
    assert_eq!(unit_names(&slurm).len(), 4, "16 units in 4 shards");
    // A Kubernetes indexed Job's pod 2 runs the same shard.
    let k8s = tmp.path().join("k8s");
    let o = sweep_in_array(
        &file,
        &k8s,
        &["--shards", "4"],
        &[("JOB_COMPLETION_INDEX", "2")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(unit_names(&k8s), unit_names(&explicit));
    // Kubernetes does not tell a pod the Job's size, so --shards is required there; and an index
    // beyond --shards is refused. Neither writes anything.
    for (extra, vars, says) in [
        (&[][..], &[("JOB_COMPLETION_INDEX", "2")][..], "--shards N"),
        (
            &["--shards", "4"][..],
            &[("JOB_COMPLETION_INDEX", "4")][..],
            "0 to 3",
        ),
        (&["--shards", "4"][..], &[][..], "--shard I/4"),
    ] {
        let out = tmp.path().join("refused");
        let o = sweep_in_array(&file, &out, extra, vars);
        assert_eq!(o.status.code(), Some(2), "{extra:?} {vars:?}");
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
        assert!(!out.exists(), "{extra:?} {vars:?} wrote {}", out.display());
    }
    // --shard and --shards together are a usage error.
    let o = sweep(
        &file,
        &tmp.path().join("both"),
        &["--shard", "1/4", "--shards", "4"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn merge_names_the_shards_to_resubmit_and_writes_a_manifest_of_what_ran() {
    let tmp = TempDir::new("sweep-merge-manifest");
    let file = setup(&tmp, 10, "");
    let whole = tmp.path().join("whole");
    assert!(sweep(&file, &whole, &[]).status.success());
    let shard = |i: usize| tmp.path().join(format!("shards/{i}"));
    for i in [0, 2] {
        let o = sweep(&file, &shard(i), &["--shard", &format!("{}/4", i + 1)]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let merged = tmp.path().join("merged");
    let merge = |dirs: &[PathBuf]| {
        let mut args: Vec<std::ffi::OsString> = vec!["merge".into()];
        args.extend(dirs.iter().map(|d| d.clone().into_os_string()));
        args.extend([
            "--out".into(),
            merged.clone().into_os_string(),
            "--shards".into(),
            "4".into(),
        ]);
        cjmh(&args)
    };
    let o = merge(&[shard(0), shard(2)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("array indices of --shards 4): 1,3\n"),
        "{}",
        stderr(&o)
    );
    assert!(
        !merged.exists(),
        "an incomplete merge wrote {}",
        merged.display()
    );
    for i in [1, 3] {
        let o = sweep(&file, &shard(i), &["--shard", &format!("{}/4", i + 1)]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let all: Vec<PathBuf> = (0..4).map(shard).collect();
    let o = merge(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["summary.csv", "points.csv", "sweep.json"] {
        assert_eq!(
            std::fs::read(merged.join(f)).unwrap(),
            std::fs::read(whole.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["command"], "merge");
    assert_eq!(manifest["merged_from"].as_array().unwrap().len(), 4);
    let shard_manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shard(0).join("manifest.json")).unwrap()).unwrap();
    // The shard's keys in the shard's order, then the merge's own.
    let keys = |m: &serde_json::Value| m.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let mut expected = keys(&shard_manifest);
    expected.push("merged_from".into());
    assert_eq!(keys(&manifest), expected);
    assert_eq!(manifest["versions"], shard_manifest["versions"]);
    assert_eq!(manifest["scenarios"], shard_manifest["scenarios"]);
    let events: u64 = (0..4)
        .map(|i| {
            let m: serde_json::Value =
                serde_json::from_slice(&std::fs::read(shard(i).join("manifest.json")).unwrap())
                    .unwrap();
            m["events"].as_u64().unwrap()
        })
        .sum();
    assert_eq!(manifest["events"].as_u64(), Some(events));
}

#[test]
fn regression_merge_refuses_shards_run_by_different_builds() {
    let tmp = TempDir::new("sweep-merge-builds");
    let file = setup(&tmp, 10, "");
    let dirs: Vec<PathBuf> = (1..=2).map(|i| tmp.path().join(format!("s{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        assert!(
            sweep(&file, d, &["--shard", &format!("{}/2", i + 1)])
                .status
                .success()
        );
    }
    let path = dirs[1].join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["versions"]["rand_distr"] = "0.0.1".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let merged = tmp.path().join("merged");
    let o = cjmh([
        "merge".as_ref(),
        dirs[0].as_os_str(),
        dirs[1].as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("different builds"), "{}", stderr(&o));
    assert!(!merged.exists());
}

#[test]
fn a_dry_run_checks_the_sweep_and_writes_nothing() {
    let tmp = TempDir::new("sweep-dry-run");
    let file = setup(&tmp, 10, "");
    let out = tmp.path().join("out");
    let o = sweep(&file, &out, &["--dry-run", "--shards", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "grid: valid; 4 points x 4 replications = 16 units (grid design, seed 5); --shards 3 gives each task 5 to 6 units"
        )
    );
    assert!(!out.exists());
    // The hash it prints is the one a run records in sweep.json.
    assert!(sweep(&file, &out, &[]).status.success());
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        lines.next(),
        Some(format!("sweep hash: {}", info["hash"].as_str().unwrap()).as_str())
    );
    std::fs::remove_dir_all(&out).unwrap();
    let bad = setup(&tmp, 10, "\"transfer.beds.medium\" = [8, -1]\n");
    let o = sweep(&bad, &out, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(!out.exists());
}

#[test]
fn a_sweep_manifest_gives_the_base_scenario_once_and_each_point_by_its_hash() {
    let tmp = TempDir::new("sweep-manifest");
    let file = setup(&tmp, 10, "");
    let out = tmp.path().join("out");
    assert!(sweep(&file, &out, &[]).status.success());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let scenarios = m["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 1, "only the base scenario");
    assert!(
        scenarios[0]["files"][0]
            .as_str()
            .unwrap()
            .ends_with("base.toml"),
        "{}",
        scenarios[0]["files"]
    );
    let points = m["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    let mut hashes: Vec<&str> = points.iter().map(|p| p["hash"].as_str().unwrap()).collect();
    assert!(points.iter().enumerate().all(|(i, p)| p["point"] == i));
    hashes.sort_unstable();
    hashes.dedup();
    assert_eq!(hashes.len(), 4, "each point is a different scenario");
    // A run's manifest has no points.
    let run_out = tmp.path().join("run");
    let o = cjmh([
        "run".as_ref(),
        tmp.path().join("base.toml").as_os_str(),
        "--replications".as_ref(),
        "1".as_ref(),
        "--cohort".as_ref(),
        "100".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        run_out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_out.join("manifest.json")).unwrap()).unwrap();
    assert!(r.get("points").is_none());
}

/// `show` tabulates metrics by point: `table.md` (also printed) holds each point's mean of its
/// replications in `summary.csv`; shards merged write the same table; and a name no point
/// writes is refused at the line of `show`, before anything runs.
#[test]
fn show_tabulates_the_named_metrics_by_point_as_the_summary_gives_them() {
    let tmp = TempDir::new("sweep-show");
    let file = setup(&tmp, 15, "");
    let with_show = |names: &str| {
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            text.replace("[parameters]", &format!("show = [{names}]\n[parameters]")),
        )
        .unwrap();
    };
    with_show("\"prison_population_mean\", \"iapt_recovered\"");
    let whole = tmp.path().join("whole");
    let o = cjmh([
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        whole.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = std::fs::read_to_string(whole.join("table.md")).unwrap();
    assert!(stdout(&o).contains(&table), "the table is printed");
    // The means, from summary.csv: point, parameters, replication, metric, value.
    let summary = std::fs::read_to_string(whole.join("summary.csv")).unwrap();
    let mean = |point: usize, metric: &str| {
        let xs: Vec<f64> = summary
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[0] == point.to_string() && f[4] == metric)
            .map(|f| f[5].parse::<f64>().unwrap())
            .collect();
        assert_eq!(xs.len(), 4);
        xs.iter().sum::<f64>() / 4.0
    };
    let rows: Vec<Vec<String>> = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| point"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 4, "{table}");
    for (p, row) in rows.iter().enumerate() {
        assert_eq!(row[0], p.to_string());
        for (column, metric) in [(3, "prison_population_mean"), (4, "iapt_recovered")] {
            let shown: f64 = row[column].replace(',', "").parse().unwrap();
            let m = mean(p, metric);
            assert!(m > 0.0, "{metric} is 0 at point {p}: no check");
            assert!(
                (shown - m).abs() <= 0.005 * m,
                "{metric} at {p}: {shown} against {m}"
            );
        }
    }
    let shards: Vec<PathBuf> = (1..=2).map(|i| tmp.path().join(format!("s{i}"))).collect();
    for (i, dir) in shards.iter().enumerate() {
        let o = sweep(&file, dir, &["--shard", &format!("{}/2", i + 1)]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!dir.join("table.md").exists(), "a shard alone has no table");
    }
    let merged = tmp.path().join("merged");
    let o = cjmh([
        "merge".as_ref(),
        shards[0].as_os_str(),
        shards[1].as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(merged.join("table.md")).unwrap(),
        table
    );

    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"iapt_recovered\"", "\"iapt_recovred\"");
    std::fs::write(&file, text).unwrap();
    let line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("show"))
        .unwrap()
        + 1;
    let bad = tmp.path().join("bad");
    let o = sweep(&file, &bad, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "sweep.toml:{line}: `show`: no metric `iapt_recovred` in this sweep's results"
        )),
        "{}",
        stderr(&o)
    );
    assert!(!bad.join("units").exists(), "nothing ran");
}
