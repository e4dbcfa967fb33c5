//! Same scenario, seed and version give byte-identical outputs whatever the thread count.

use crate::common::{TempDir, cjmh, fixture};

fn summary(threads: &str, seed: &str, tmp: &TempDir, tag: &str) -> Vec<u8> {
    let out = tmp.path().join(tag);
    let o = cjmh([
        "run".as_ref(),
        fixture("valid/small.toml").as_os_str(),
        "--seed".as_ref(),
        seed.as_ref(),
        "--replications".as_ref(),
        "20".as_ref(),
        "--threads".as_ref(),
        threads.as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(out.join("summary.csv")).unwrap()
}

#[test]
fn summary_is_byte_identical_for_one_two_and_seven_threads() {
    // 20 replications: more than one batch of work on every thread count.
    let tmp = TempDir::new("threads");
    let one = summary("1", "7", &tmp, "t1");
    let two = summary("2", "7", &tmp, "t2");
    let seven = summary("7", "7", &tmp, "t7");
    assert_eq!(one, two);
    assert_eq!(one, seven);
}

#[test]
fn compare_outputs_are_byte_identical_for_one_two_and_seven_threads() {
    // Three small pathway scenarios x 6 replications = 18 units: several batches on one thread,
    // and results arriving out of order on seven.
    let tmp = TempDir::new("compare-threads");
    let baseline = crate::common::root().join("scenarios/baseline.toml");
    let scenario = |name: &str, extra: &str| {
        tmp.write(
            &format!("{name}.toml"),
            &format!(
                "extends = {:?}\nname = {name:?}\n[simulation]\nwarmup_days = 365\nhorizon_days = 365\n\
                 [people]\nnew_people_per_day = {{ value = 15, source = \"test\" }}\n{extra}",
                baseline.display().to_string()
            ),
        )
    };
    let base = scenario("base", "");
    let ld = scenario(
        "ld",
        "[liaison_diversion]\ncoverage = { value = 1.0, source = \"test\" }\n",
    );
    let support = scenario(
        "support",
        "[release_support]\npopulation = \"trial\"\nparticipation_share = { value = 1.0, source = \"test\" }\nmax_sentence_days = { value = 730, source = \"test\" }\nmin_days_in_custody = { value = 28, source = \"test\" }\n\
         no_gp_share = { value = 0.35, source = \"test\" }\n\
         cmht_contact_6m_share = { value = 0.075, source = \"test\" }\n",
    );
    let run = |threads: &str| {
        let out = tmp.path().join(format!("out{threads}"));
        let o = cjmh([
            "compare".as_ref(),
            "--baseline".as_ref(),
            base.as_os_str(),
            ld.as_os_str(),
            support.as_os_str(),
            "-r".as_ref(),
            "6".as_ref(),
            "--threads".as_ref(),
            threads.as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (
            std::fs::read(out.join("comparison.csv")).unwrap(),
            std::fs::read(out.join("summary.csv")).unwrap(),
        )
    };
    let one = run("1");
    assert!(one.0.len() > 10_000 && one.1.len() > 10_000);
    assert!(
        one == run("2"),
        "compare outputs differ between 1 and 2 threads"
    );
    assert!(
        one == run("7"),
        "compare outputs differ between 1 and 7 threads"
    );
}

#[test]
fn the_same_run_twice_gives_the_same_bytes_and_another_seed_differs() {
    let tmp = TempDir::new("repeat");
    let a = summary("2", "7", &tmp, "a");
    let b = summary("2", "7", &tmp, "b");
    let c = summary("2", "8", &tmp, "c");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn a_replication_gives_the_same_result_alone_or_among_others() {
    // Replication 2 of a four-replication run equals replication 2 computed directly.
    let s = cjmh::scenario::load(&fixture("valid/small.toml")).unwrap();
    let (alone, _) = cjmh::model::run(&s, 7, 2, cjmh::model::recorder::NullRecorder);
    let tmp = TempDir::new("alone");
    let csv = String::from_utf8(summary("2", "7", &tmp, "x")).unwrap();
    for (metric, value) in &alone.metrics {
        let row = format!(
            "small,2,{metric},{}",
            cjmh::output::summary::format_value(*value)
        );
        assert!(csv.lines().any(|l| l == row), "missing row {row}");
    }
}

#[test]
fn regression_high_arrival_rates_are_not_inflated_by_rounding() {
    // Rounding each gap to whole minutes made a 5,000-a-day stream (gaps of 0.29 minutes) bring
    // about 58% too many people. Over 20 days one replication sees ~100,000 arrivals, so its rate
    // has a Poisson sd of about 16 a day; the mean of 3 has sd ~9. Tolerance: 4 sd.
    let s = cjmh::scenario::load_str(
        std::path::Path::new("high-rate.toml"),
        "[simulation]\nhorizon_days = 20\n[arrivals.people]\nto = \"s\"\nrate_per_day = 5000\n\
         [stages.s]\nduration = { dist = \"exponential\", mean = 1 }\n",
    )
    .unwrap();
    let rates: Vec<f64> = (0..3)
        .map(|r| {
            let (rep, _) = cjmh::model::run(&s, 9, r, cjmh::model::recorder::NullRecorder);
            rep.metrics
                .iter()
                .find(|(k, _)| k == "s.arrival_rate_per_day")
                .unwrap()
                .1
        })
        .collect();
    let mean = rates.iter().sum::<f64>() / 3.0;
    assert!((mean - 5000.0).abs() < 4.0 * 9.2, "mean rate {mean}");
}
