//! `cjmh compare`: paired differences under common random numbers.

use crate::common::{TempDir, cjmh_in, root, stderr};

fn tiny(tmp: &TempDir, file: &str, name: &str, extra: &str) -> std::path::PathBuf {
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        file,
        &format!(
            "extends = {:?}\nname = {name:?}\n\n[simulation]\nwarmup_days = 730\nhorizon_days = 730\n\n\
             [people]\nnew_people_per_day = {{ value = 25, source = \"test\" }}\n{extra}",
            baseline.display().to_string()
        ),
    )
}

fn rows(csv: &str, scenario: &str) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[0] == scenario)
        .collect()
}

#[test]
fn an_identical_copy_differs_by_exactly_zero_and_more_beds_shorten_the_queue() {
    let tmp = TempDir::new("compare");
    // Scarce beds (a fifteenth of what this size needs), so that a bed queue forms.
    let scarce = "\n[transfer.beds]\nhigh = { value = 2, source = \"test\" }\n\
                  medium = { value = 8, source = \"test\" }\nlow = { value = 3, source = \"test\" }\n";
    let base = tiny(&tmp, "base.toml", "base", scarce);
    let copy = tiny(&tmp, "copy.toml", "copy", scarce);
    let more = scarce.replace("value = 8,", "value = 40,");
    let beds = tiny(&tmp, "beds.toml", "beds", &more);
    let out = tmp.path().join("out");
    let o = cjmh_in(
        tmp.path(),
        [
            "compare".as_ref(),
            "--baseline".as_ref(),
            base.as_os_str(),
            copy.as_os_str(),
            beds.as_os_str(),
            "-r".as_ref(),
            "4".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (diff, low, high) = (
        col("difference_mean"),
        col("difference_ci_low"),
        col("difference_ci_high"),
    );
    let copy_rows = rows(&csv, "copy");
    assert!(copy_rows.len() > 100);
    // The investment case is there too, and an identical copy neither costs nor gains anything.
    for metric in [
        "cost.public_sector",
        "qalys.total",
        "investment.nmb_20000",
        "investment.nmb_30000",
        "investment.icer_public_sector",
        "investment.roi.hmpps",
    ] {
        assert!(
            copy_rows.iter().any(|r| r[1] == metric),
            "{metric} missing from comparison.csv"
        );
    }
    for r in &copy_rows {
        for c in [diff, low, high] {
            assert!(
                r[c].is_empty() || r[c] == "0",
                "copy differs on {}: {:?}",
                r[1],
                r
            );
        }
    }
    let queue = rows(&csv, "beds")
        .into_iter()
        .find(|r| r[1] == "secure_beds.medium.queue_mean")
        .unwrap();
    let d: f64 = queue[diff].parse().unwrap();
    let upper: f64 = queue[high].parse().unwrap();
    assert!(
        d < 0.0 && upper < 0.0,
        "more medium beds did not shorten the queue: {queue:?}"
    );
    for f in ["summary.csv", "manifest.json"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn a_transfer_time_limit_raises_timely_transfers_and_buys_spot_beds() {
    // Both scenarios at the same reduced size, replication by replication (common random
    // numbers), through the library.
    let load = |f: &str| cjmh::scenario::load(&root().join("scenarios").join(f)).unwrap();
    let base = load("baseline.toml");
    let factor = 150_000.0 / base.expected_people();
    let (base, limit) = (
        base.scaled(factor),
        load("transfer-14-day.toml").scaled(factor),
    );
    let get = |m: &cjmh::model::Metrics, k: &str| m.iter().find(|(n, _)| n == k).unwrap().1;
    for rep in 0..2 {
        let run = |s: &cjmh::scenario::Scenario| {
            cjmh::model::run(s, 7, rep, cjmh::model::recorder::NullRecorder)
                .0
                .metrics
        };
        let (b, l) = (run(&base), run(&limit));
        assert_eq!(get(&b, "spot_purchases"), 0.0);
        assert!(get(&b, "transfer_limit_breach_share").is_nan());
        assert!(get(&l, "spot_purchases") > 0.0);
        // Assessed sooner (the gateway assessment is faster), admitted sooner on average.
        assert!(
            get(&l, "transfer_assessed_from_referral_days_mean")
                < get(&b, "transfer_assessed_from_referral_days_mean"),
            "replication {rep}"
        );
        assert!(
            get(&l, "transfer_wait_from_referral_days_mean")
                < get(&b, "transfer_wait_from_referral_days_mean"),
            "replication {rep}"
        );
        assert!(get(&l, "secure_bed_days") > get(&b, "secure_bed_days"));
        // Spot beds are bought at their price, and the faster assessment at its own, both paid
        // by NHS England.
        assert_eq!(get(&b, "cost.line.spot_beds"), 0.0);
        assert!(get(&l, "cost.line.spot_beds") > 0.0);
        assert!(
            get(&l, "cost.line.transfer_assessment") > get(&b, "cost.line.transfer_assessment")
        );
        assert!(get(&l, "cost.payer.nhs_england") > get(&b, "cost.payer.nhs_england"));
        let breach = get(&l, "transfer_limit_breach_share");
        assert!(breach > 0.0 && breach < 1.0, "{breach}");
        // Spot beds never count against commissioned capacity, and never exceed their own
        // supply.
        for level in ["high", "medium", "low"] {
            let cap = get(&l, &format!("secure_beds.{level}.capacity"));
            assert!(get(&l, &format!("secure_beds.{level}.occupancy_max")) <= cap);
        }
        let supply = limit
            .pathway
            .as_ref()
            .unwrap()
            .transfer_limit
            .unwrap()
            .spot_beds;
        for (i, level) in ["medium", "low"].into_iter().enumerate() {
            let held = get(&l, &format!("spot_beds.{level}.occupancy_max"));
            assert!(held <= f64::from(supply[i + 1]), "{level}: {held}");
        }
    }
}

#[test]
fn combined_uses_each_policy_exactly_as_its_own_file_does() {
    let load = |f: &str| {
        cjmh::scenario::load(&root().join("scenarios").join(f))
            .unwrap()
            .spec
    };
    let all = load("combined.toml");
    let ld = load("liaison-diversion-full.toml");
    let limit = load("transfer-14-day.toml");
    let support = load("release-crisis-support.toml");
    let iapt = load("probation-colocated-iapt.toml");
    assert_eq!(all.liaison_diversion, ld.liaison_diversion);
    assert_eq!(all.transfer, limit.transfer);
    assert_eq!(all.transfer_limit, limit.transfer_limit);
    assert_eq!(all.release_support, support.release_support);
    assert_eq!(all.probation, iapt.probation);
    assert_eq!(all.community, iapt.community);
    assert!(all.transfer_limit.is_some() && all.release_support.is_some());
}

#[test]
fn release_support_moves_nothing_the_trials_did_not_find() {
    let load = |f: &str| cjmh::scenario::load(&root().join("scenarios").join(f)).unwrap();
    let base = load("baseline.toml");
    let factor = 60_000.0 / base.expected_people();
    let (base, support) = (
        base.scaled(factor),
        load("release-crisis-support.toml").scaled(factor),
    );
    let get = |m: &cjmh::model::Metrics, k: &str| m.iter().find(|(n, _)| n == k).unwrap().1;
    let run = |s: &cjmh::scenario::Scenario| {
        cjmh::model::run(s, 11, 0, cjmh::model::recorder::NullRecorder)
            .0
            .metrics
    };
    let (b, s) = (run(&base), run(&support));
    assert_eq!(get(&b, "release_support_participants"), 0.0);
    let (eligible, took) = (
        get(&s, "release_support_eligible"),
        get(&s, "release_support_participants"),
    );
    // Everyone eligible is allocated (participation_share 1) and counted, reached or not: C16 and
    // E3 are per randomised participant.
    assert!(eligible > 0.0);
    assert_eq!(took, eligible);
    // Common random numbers: everything the support does not touch is identical, draw for draw,
    // GP registration included (Engager reports no such effect; E5's pilot gives no figure).
    for k in [
        "release_no_gp_share",
        "reoffences",
        "post_release_suicides",
        "post_release_drug_deaths",
        "community_mh_contact_6m_share",
        "receptions",
        "transfers_completed",
    ] {
        assert_eq!(get(&s, k), get(&b, k), "{k}");
    }
    // So in money and QALYs only the support's own lines move: its cost, and E3's QALY
    // difference (a small loss at the point estimate).
    for (k, v) in &b {
        // A total moves, and so does each of its years and groups.
        let total = k.split(".year").next().unwrap_or(k);
        let total = total.split(".by_group").next().unwrap_or(total);
        let changes = total == "cost.line.release_support"
            || total == "qalys.line.release_support"
            || total == "qalys.total"
            || total == "cost.service"
            || total == "cost.public_sector"
            || total == "cost.societal"
            || total == "cost.payer.nhs_england"
            || total == "cost.payer_undiscounted.nhs_england"
            || total == "cost.payer_marginal.nhs_england"
            || total == "cost.public_sector_marginal";
        if (k.starts_with("cost.") || k.starts_with("qalys.")) && !changes {
            assert_eq!(get(&s, k), *v, "{k}");
        }
    }
    let cost = get(&s, "cost.line.release_support");
    assert!(cost > 0.0);
    assert!(get(&s, "qalys.line.release_support") < 0.0);
    let d = get(&s, "cost.public_sector") - get(&b, "cost.public_sector");
    // Equal up to the rounding of sums of about 1e10.
    assert!(
        (d - cost).abs() < 1e-9 * get(&b, "cost.public_sector"),
        "{d} vs {cost}"
    );
}

#[test]
fn each_remaining_policy_moves_its_own_mechanism_and_its_own_cost_line() {
    // One replication each at a reduced size, under common random numbers with the baseline.
    let load = |f: &str| cjmh::scenario::load(&root().join("scenarios").join(f)).unwrap();
    let base = load("baseline.toml");
    let factor = 100_000.0 / base.expected_people();
    let get = |m: &cjmh::model::Metrics, k: &str| m.iter().find(|(n, _)| n == k).unwrap().1;
    let run = |s: &cjmh::scenario::Scenario| {
        cjmh::model::run(&s.scaled(factor), 5, 0, cjmh::model::recorder::NullRecorder)
            .0
            .metrics
    };
    let b = run(&base);

    // Full L&D: more people seen, more diverted, fewer custodial sentences; it costs NHS England
    // more for L&D and HMPPS less for prison places (direct cost and overheads alike), more for
    // supervising the diverted people's community orders; and ICBs more for the treatment
    // their extra treatment requirements order.
    let ld = run(&load("liaison-diversion-full.toml"));
    assert!(get(&ld, "liaison_diversion_referrals") > get(&b, "liaison_diversion_referrals"));
    assert!(get(&ld, "diverted_from_custody") > get(&b, "diverted_from_custody"));
    assert!(get(&ld, "custodial_sentences") < get(&b, "custodial_sentences"));
    assert!(get(&ld, "cost.line.liaison_diversion") > get(&b, "cost.line.liaison_diversion"));
    for line in ["prison_places_direct", "prison_places_overheads"] {
        let k = format!("cost.line.{line}");
        assert!(get(&ld, &k) < get(&b, &k), "{k}");
    }
    for line in ["probation_orders", "mhtr_treatment"] {
        let k = format!("cost.line.{line}");
        assert!(get(&ld, &k) > get(&b, &k), "{k}");
    }
    assert!(get(&ld, "community_orders") > get(&b, "community_orders"));

    // IAPT in probation: more referrals and courses, paid by the integrated care boards; the
    // model links IAPT to nothing else, so reoffending is identical draw for draw.
    let iapt = run(&load("probation-colocated-iapt.toml"));
    assert!(get(&iapt, "iapt_referrals") > get(&b, "iapt_referrals"));
    assert!(get(&iapt, "iapt_courses_started") > get(&b, "iapt_courses_started"));
    assert!(
        get(&iapt, "cost.payer.integrated_care_boards")
            > get(&b, "cost.payer.integrated_care_boards")
    );
    assert_eq!(get(&iapt, "reoffences"), get(&b, "reoffences"));

    // 28-day limit from referral: shorter waits end to end, more transfers, spot beds bought.
    let limit = run(&load("transfer-28-day.toml"));
    assert!(
        get(&limit, "transfer_wait_from_referral_days_mean")
            < get(&b, "transfer_wait_from_referral_days_mean")
    );
    assert!(get(&limit, "transfers_completed") > get(&b, "transfers_completed"));
    assert!(get(&limit, "spot_purchases") > 0.0);
    assert!(get(&limit, "cost.line.spot_beds") > 0.0);
}

#[test]
fn regression_spot_beds_are_not_a_faster_route_than_commissioned_ones() {
    // A spot bed used to be admitted `spot_lead_days` (3 days) after purchase while a
    // commissioned bed went through the calibrated warrant and admission (about 12 days), so
    // under a limit the final stage got shorter the more spot beds were bought, breaches were
    // understated, and fewer commissioned beds could mean fewer breaches. Both routes now share
    // the final stage, a spot bed taking its contracting time on top. The same limit with and
    // without spot purchases: with them, the final stage can only be as long or longer.
    let limit = cjmh::scenario::load(&root().join("scenarios/transfer-14-day.toml")).unwrap();
    let factor = 100_000.0 / limit.expected_people();
    let with_spot = limit.scaled(factor);
    let mut without = with_spot.clone();
    if let Some(p) = &mut without.pathway {
        let mut l = p.transfer_limit.expect("the scenario has a limit");
        l.spot_purchase_share = 0.0;
        p.transfer_limit = Some(l);
    }
    let get = |m: &cjmh::model::Metrics, k: &str| m.iter().find(|(n, _)| n == k).unwrap().1;
    for rep in 0..2 {
        let run = |s: &cjmh::scenario::Scenario| {
            cjmh::model::run(s, 3, rep, cjmh::model::recorder::NullRecorder)
                .0
                .metrics
        };
        let (w, wo) = (run(&with_spot), run(&without));
        assert!(get(&w, "spot_purchases") > 0.0 && get(&wo, "spot_purchases") == 0.0);
        let (fw, fwo) = (
            get(&w, "transfer_wait_from_bed_offer_days_mean"),
            get(&wo, "transfer_wait_from_bed_offer_days_mean"),
        );
        assert!(
            fw >= fwo,
            "replication {rep}: final stage {fw} days with spot beds vs {fwo} without"
        );
    }
}

#[test]
fn a_shorter_transfer_limit_never_needs_fewer_spot_beds_and_never_costs_less() {
    // The issue's property, everything else equal: the 14-day policy at a small size with its
    // limit set to 7, 14, 28 and 56 days from referral, the same seed and replications (common
    // random numbers). Per sample path it need not hold (one person's earlier spot bed can let
    // another reach a commissioned bed first, and their stays differ), so replication means are
    // compared: each shorter limit against the next longer one, with a one-sided margin of two
    // standard errors of the paired difference. Under the shipped spot supply, which a short
    // limit soon fills, and under an ample one, where the limit alone decides how many are
    // bought: there the shortest limit must buy clearly more than the longest.
    const LIMITS: [f64; 4] = [7.0, 14.0, 28.0, 56.0];
    const REPS: u64 = 4;
    let policy = cjmh::scenario::load(&root().join("scenarios/transfer-14-day.toml")).unwrap();
    let policy = policy.scaled(100_000.0 / policy.expected_people());
    let get = |m: &cjmh::model::Metrics, k: &str| m.iter().find(|(n, _)| n == k).unwrap().1;
    let with = |days: f64, ample: bool| {
        let mut s = policy.clone();
        let p = s.pathway.as_mut().unwrap();
        let mut l = p.transfer_limit.unwrap();
        l.days = days;
        if ample {
            l.spot_beds = [0, 100_000, 100_000];
        }
        p.transfer_limit = Some(l);
        s
    };
    let mean_se = |d: &[f64]| {
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    };
    for ample in [false, true] {
        // [limit][replication] -> (spot bed-days, service cost)
        let runs: Vec<Vec<(f64, f64)>> = LIMITS
            .iter()
            .map(|&days| {
                let s = with(days, ample);
                (0..REPS)
                    .map(|rep| {
                        let m = cjmh::model::run(&s, 11, rep, cjmh::model::recorder::NullRecorder)
                            .0
                            .metrics;
                        (get(&m, "spot_bed_days"), get(&m, "cost.service"))
                    })
                    .collect()
            })
            .collect();
        for i in 0..LIMITS.len() - 1 {
            for (what, pick) in [
                (
                    "spot bed-days",
                    (|x: &(f64, f64)| x.0) as fn(&(f64, f64)) -> f64,
                ),
                ("service cost", |x: &(f64, f64)| x.1),
            ] {
                let d: Vec<f64> = (0..REPS as usize)
                    .map(|r| pick(&runs[i][r]) - pick(&runs[i + 1][r]))
                    .collect();
                let (mean, se) = mean_se(&d);
                assert!(
                    mean >= -2.0 * se,
                    "ample supply {ample}: {what} at {} days is below {} days by {mean} (se {se})",
                    LIMITS[i],
                    LIMITS[i + 1]
                );
            }
        }
        if ample {
            let d: Vec<f64> = (0..REPS as usize)
                .map(|r| runs[0][r].0 - runs[LIMITS.len() - 1][r].0)
                .collect();
            let (mean, se) = mean_se(&d);
            assert!(
                mean > 2.0 * se && mean > 0.0,
                "a 7-day limit buys no more spot bed-days than a 56-day one: {mean} (se {se})"
            );
        }
    }
}

/// The README's investment case is generated, not pasted: `docs/investment.md` is what the main
/// job (the README's first command, run from the repository root) writes to `investment.md`
/// today, byte for byte, and the README carries every row of its tables.
#[test]
fn docs_investment_md_is_the_main_jobs_output_and_the_readme_carries_it() {
    let tmp = TempDir::new("investment-md");
    let out = tmp.path().join("out");
    let mut args: Vec<std::ffi::OsString> = vec!["compare".into()];
    for s in [
        "transfer-14-day",
        "transfer-28-day",
        "release-crisis-support",
        "probation-colocated-iapt",
        "liaison-diversion-full",
        "combined",
        "more-secure-beds",
    ] {
        args.push(format!("scenarios/{s}.toml").into());
    }
    for a in ["--replications", "4", "-q", "--out"] {
        args.push(a.into());
    }
    args.push(out.clone().into());
    let o = cjmh_in(&root(), &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let fresh = std::fs::read_to_string(out.join("investment.md")).unwrap();
    let docs = std::fs::read_to_string(root().join("docs/investment.md")).unwrap();
    assert!(
        fresh == docs,
        "docs/investment.md is stale: run the main job and copy out/investment.md to docs/investment.md"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in docs.lines().filter(|l| l.starts_with('|')) {
        assert!(
            readme.lines().any(|r| r == line),
            "README.md's investment case lacks this row of docs/investment.md:\n{line}"
        );
    }
    // The main job's second half: the board paper from the same directory. The national run
    // carries the shipped scenarios at full scale, so the paper holds the calibration and
    // validation tables from its own replications, and every policy's page.
    let o = cjmh_in(&root(), ["report".as_ref(), out.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<caption>Calibration targets</caption>"));
    assert!(html.contains("<caption>Validation cases</caption>"));
    assert_eq!(html.matches("<section class=\"policy-summary\"").count(), 7);
    assert!(
        readme.contains("cargo run --release -- report out"),
        "the README's main job writes the report"
    );
}
