//! The pathway model's invariants: nobody appears or vanishes, Little's law holds per place,
//! prevalence reproduces Table 2, nobody is in two places, and beds are never over-filled.
//!
//! These run the shipped baseline at a reduced `--cohort` size (arrivals and capacities scaled
//! together), so each takes a fraction of a second; the national run is in `calibration`.

use std::collections::HashMap;

use cjmh::model::pathway::{PLACES, STAGES};
use cjmh::model::recorder::{NullRecorder, VecRecorder};
use cjmh::model::{self, Metrics};
use cjmh::scenario::pathway::{CONDITION_NAMES, GROUP_NAMES, LEVEL_NAMES};
use cjmh::scenario::{self, Scenario};

use crate::common::{TempDir, cjmh, root};

const SEED: u64 = 20_261_122;

fn baseline() -> Scenario {
    scenario::load(&root().join("scenarios/baseline.toml")).expect("the baseline loads")
}

/// The baseline at about `people` new people over warm-up and horizon.
fn at_size(people: f64) -> Scenario {
    let s = baseline();
    let factor = people / s.expected_people();
    s.scaled(factor)
}

fn get(m: &Metrics, name: &str) -> f64 {
    m.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("metric {name} missing"))
        .1
}

#[test]
fn people_entered_equals_exited_plus_the_sum_of_every_place_at_the_end() {
    let s = at_size(40_000.0);
    for rep in 0..3 {
        let m = model::run(&s, SEED, rep, NullRecorder).0.metrics;
        let entered = get(&m, "people_entered");
        let exited = get(&m, "people_exited");
        let in_system = get(&m, "people_in_system_end");
        assert_eq!(entered, exited + in_system, "replication {rep}");
        // people_in_system_end comes from the entry and exit counters; the places' own
        // end-of-run populations are counted independently, one move at a time.
        let by_place: f64 = STAGES[..PLACES]
            .iter()
            .map(|p| get(&m, &format!("{p}.population_end")))
            .sum();
        assert_eq!(by_place, in_system, "replication {rep}");
        assert!(entered > 30_000.0 && exited > 0.0 && in_system > 0.0);
    }
}

#[test]
fn littles_law_holds_over_the_window_for_every_place() {
    // The finite-window form of Little's law, L x T = the total time every visit spent in the
    // window, is exact. L comes from a time-weighted level updated on every move; the right
    // side from each person's own arrival time. A move that forgets to update either breaks it.
    let s = at_size(40_000.0);
    let horizon_days = cjmh::engine::ticks_to_days(s.horizon);
    let m = model::run(&s, SEED, 0, NullRecorder).0.metrics;
    for place in &STAGES[..PLACES] {
        let l = get(&m, &format!("{place}.population_mean"));
        let visit_days = get(&m, &format!("{place}.visit_days"));
        assert!(l > 0.0, "{place}: nobody there");
        let rel = (l * horizon_days - visit_days).abs() / visit_days;
        assert!(
            rel < 1e-9,
            "{place}: L*T {} vs {visit_days}",
            l * horizon_days
        );
    }
    // The steady-state form L = lambda W, for places whose stays are short against the five
    // measured years (edge effects are then a few stays in thousands of days).
    for place in ["police_custody", "bail", "remand"] {
        let l = get(&m, &format!("{place}.population_mean"));
        let lambda = get(&m, &format!("{place}.entries")) / horizon_days;
        let w = get(&m, &format!("{place}.sojourn_days_mean"));
        let rel = (l - lambda * w).abs() / l;
        assert!(rel < 0.03, "{place}: L {l} vs lambda W {}", lambda * w);
    }
}

#[test]
fn prevalence_by_sex_and_legal_status_reproduces_table_2() {
    let s = at_size(150_000.0);
    let p = s.pathway.clone().unwrap();
    let m = model::run(&s, SEED, 0, NullRecorder).0.metrics;
    let mut failures = Vec::new();
    for (g, group) in GROUP_NAMES.iter().enumerate() {
        let n = get(&m, &format!("prevalence.{group}.people"));
        assert!(n > 300.0, "{group}: only {n} people");
        for (i, cond) in CONDITION_NAMES.iter().enumerate() {
            let expected = p.prevalence[g][i];
            let got = get(&m, &format!("prevalence.{group}.{cond}"));
            // 4 binomial standard errors: 28 comparisons at a fixed seed.
            let se = (expected * (1.0 - expected) / n).sqrt();
            if (got - expected).abs() > 4.0 * se {
                failures.push(format!(
                    "{group}.{cond}: {got:.4} vs {expected} (n {n}, se {se:.4})"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn nobody_is_in_two_places_and_people_come_back() {
    let s = at_size(20_000.0);
    let rec = model::run(&s, SEED, 0, VecRecorder(Vec::new())).1;
    // Per person: (arrival, end, place, destination) of every visit to a place.
    type Visits = Vec<(u64, u64, u32, Option<u32>)>;
    let mut by_person: HashMap<u64, Visits> = HashMap::new();
    for v in &rec.0 {
        assert!(v.arrival <= v.start && v.start <= v.end, "{v:?}");
        if (v.stage as usize) < PLACES {
            by_person
                .entry(v.person)
                .or_default()
                .push((v.arrival, v.end, v.stage, v.destination));
        }
    }
    assert!(by_person.len() > 10_000);
    let mut returned = 0;
    for (person, mut visits) in by_person {
        visits.sort();
        for w in visits.windows(2) {
            let ((_, end, stage, dest), (arrival, _, next, _)) = (w[0], w[1]);
            // Each visit ends exactly when the next begins, at the place it said it went to.
            assert_eq!(end, arrival, "person {person}: overlap or gap: {visits:?}");
            assert_eq!(dest, Some(next), "person {person}: {visits:?}");
            assert_ne!(stage, next, "person {person}: a move to the same place");
        }
        let receptions = visits
            .windows(2)
            .filter(|w| {
                w[0].2 == 5 && matches!(STAGES[w[1].2 as usize], "police_custody" | "remand")
            })
            .count();
        returned += usize::from(receptions > 0);
    }
    // Reoffending brings people back from the community with the same identity.
    assert!(returned > 1_000, "only {returned} people came back");
}

#[test]
fn secure_beds_are_never_over_filled_even_when_scarce() {
    let mut s = at_size(60_000.0);
    let mut checked_queue = false;
    for scarce in [false, true] {
        if scarce {
            let p = s.pathway.as_mut().unwrap();
            p.beds = p.beds.map(|b| (b / 3).max(1));
        }
        let p = s.pathway.clone().unwrap();
        let m = model::run(&s, SEED, 0, NullRecorder).0.metrics;
        for (l, level) in LEVEL_NAMES.iter().enumerate() {
            let cap = get(&m, &format!("secure_beds.{level}.capacity"));
            let max = get(&m, &format!("secure_beds.{level}.occupancy_max"));
            assert_eq!(cap, p.beds[l] as f64);
            assert!(max <= cap, "{level}: {max} in {cap} beds");
            if scarce {
                // With a third of the beds a queue must form and the beds must fill.
                assert_eq!(max, cap, "{level}: scarce beds never all full");
                assert!(get(&m, &format!("secure_beds.{level}.queue_mean")) > 0.0);
                checked_queue = true;
            }
        }
        let hospital = get(&m, "secure_hospital.population_end");
        assert!(hospital <= p.beds.iter().sum::<u32>() as f64);
    }
    assert!(checked_queue);
}

#[test]
fn pathway_results_do_not_depend_on_the_thread_count() {
    let tmp = TempDir::new("pathway-threads");
    let run = |threads: &str| {
        let out = tmp.path().join(threads);
        let o = cjmh([
            "run".as_ref(),
            root().join("scenarios/baseline.toml").as_os_str(),
            "--cohort".as_ref(),
            "15000".as_ref(),
            "-r".as_ref(),
            "3".as_ref(),
            "--threads".as_ref(),
            threads.as_ref(),
            "--events".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            std::fs::read(out.join("summary.csv")).unwrap(),
            std::fs::read(out.join("events.csv")).unwrap(),
        )
    };
    let one = run("1");
    let three = run("3");
    assert!(one == three, "outputs differ between 1 and 3 threads");
}

#[test]
fn cohort_scales_arrivals_and_capacities_and_the_manifest_says_so() {
    let tmp = TempDir::new("cohort");
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        root().join("scenarios/baseline.toml").as_os_str(),
        "--cohort".as_ref(),
        "20000".as_ref(),
        "-r".as_ref(),
        "2".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let entered: Vec<f64> = csv
        .lines()
        .filter(|l| l.contains(",people_entered,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(entered.len(), 2);
    for e in entered {
        // New arrivals are Poisson with mean 20,000: 4 standard deviations is 566.
        assert!(
            (e - 20_000.0).abs() < 566.0,
            "{e} people for a cohort of 20000"
        );
    }
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"cohort\": 20000"), "{manifest}");
    let full = baseline().expected_people();
    let scale = format!("\"scale\": {}", 20_000.0 / full);
    assert!(manifest.contains(&scale), "{scale} not in the manifest");
}

#[test]
fn a_pathway_file_without_a_section_names_it() {
    // The baseline with its [probation] section cut out: exactly one problem, naming it.
    let text = std::fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    let start = text.find("\n[probation]").unwrap();
    let end = start + 1 + text[start + 1..].find("\n[").unwrap();
    let cut = format!("{}{}", &text[..start], &text[end..]);
    let tmp = TempDir::new("no-probation");
    let path = tmp.write("no-probation.toml", &cut);
    let Err(e) = scenario::load(&path) else {
        panic!("a pathway file without [probation] loaded");
    };
    assert_eq!(e.problems.len(), 1, "{e}");
    assert_eq!(e.problems[0].key.to_string(), "probation");
    assert!(e.to_string().contains("needs a [probation] section"), "{e}");
}

#[test]
fn every_metric_the_issue_lists_is_in_the_summary() {
    let s = at_size(10_000.0);
    let m = model::run(&s, SEED, 0, NullRecorder).0.metrics;
    for name in [
        "people_entered",
        "people_exited",
        "people_in_system_end",
        "receptions",
        "prison_population_mean",
        "transfer_referrals",
        "transfers_completed",
        "transfer_wait_from_referral_days_mean",
        "transfer_wait_from_referral_days_median",
        "transfer_wait_from_referral_days_p90",
        "transfer_wait_from_referral_days_max",
        "transfer_admitted_within_14d_of_referral_share",
        "transfer_admitted_within_28d_of_referral_share",
        "released_before_transfer",
        "secure_bed_admissions",
        "secure_bed_occupancy_mean",
        "secure_los_days_mean",
        "releases",
        "reoffending_1y_short_sentence_share",
        "post_release_suicide_rate_per_100k_py",
        "post_release_suicides_within_28d_share",
        "post_release_drug_deaths",
        "probation_suicides",
        "iapt_courses_started",
        "iapt_courses_completed",
        "iapt_recovered",
        "community_mh_contact_6m_share",
        "reoffences",
        "custody_days",
    ] {
        let v = get(&m, name);
        assert!(v.is_finite(), "{name} = {v}");
    }
}
