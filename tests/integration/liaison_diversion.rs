//! Liaison and diversion as RAND found it (issue 16 item 2): a referral changes only the short
//! custodial sentences it diverts (and MHTRs); it does not hasten reports or make hospital
//! orders; diverted people keep their own reoffending; eligibility is L5's third.
//!
//! Each test runs the baseline at a reduced size with L&D's parameters set in the resolved
//! pathway, and compares paired runs (the same seed and streams).

use cjmh::model::recorder::NullRecorder;
use cjmh::model::{self, Metrics};
use cjmh::scenario::{self, Pathway, Scenario};

use crate::common::root;

const SEED: u64 = 20_261_122;

/// The baseline at about `people` new people, with `set` applied to its pathway.
fn baseline_with(people: f64, set: impl Fn(&mut Pathway)) -> Scenario {
    let s = scenario::load(&root().join("scenarios/baseline.toml")).expect("the baseline loads");
    let mut s = s.scaled(people / s.expected_people());
    set(s.pathway.as_mut().expect("a pathway scenario"));
    s
}

fn run(s: &Scenario) -> Metrics {
    model::run(s, SEED, 0, NullRecorder).0.metrics
}

fn get(m: &Metrics, name: &str) -> f64 {
    m.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("metric {name} missing"))
        .1
}

/// Everyone with a need eligible and identified where L&D operates.
fn refer_everyone(p: &mut Pathway) {
    p.ld_eligible_share = 1.0;
    p.ld_identification = 1.0;
}

/// A referral that diverts nothing changes nothing but the referral counts and their cost:
/// referred people wait for psychiatric reports like anyone (L2: no effect on court timeliness),
/// hospital orders follow reports only, and every other draw is where it was. This fails if a
/// referral shortens the report wait, counts as a report for a hospital order, or moves any
/// other draw of the case.
#[test]
fn a_referral_that_diverts_nothing_changes_nothing_else() {
    let set = |coverage: f64| {
        move |p: &mut Pathway| {
            refer_everyone(p);
            p.ld_coverage = coverage;
            p.ld_short_custody_diversion_share = 1.0;
            // No sentence is short enough to divert.
            p.ld_divertible_sentence_days = 0.0;
            p.ld_mhtr_share = p.mhtr_share;
        }
    };
    let none = run(&baseline_with(30_000.0, set(0.0)));
    let all = run(&baseline_with(30_000.0, set(1.0)));
    assert_eq!(get(&none, "liaison_diversion_referrals"), 0.0);
    assert!(get(&all, "liaison_diversion_referrals") > 1_000.0);
    assert_eq!(get(&all, "diverted_from_custody"), 0.0);
    assert!(get(&all, "psychiatric_reports") > 0.0 && get(&all, "hospital_orders") > 0.0);
    let differs = |name: &str| {
        name.contains("liaison_diversion") || name.starts_with("cost.") || name.starts_with("ld_")
    };
    for ((n, a), (m, b)) in none.iter().zip(&all) {
        assert_eq!(n, m);
        let both_undefined = a.is_nan() && b.is_nan();
        if !differs(n) && !both_undefined {
            assert_eq!(a, b, "{n} changed with referrals that divert nothing");
        }
    }
}

/// Only custodial sentences shorter than `divertible_sentence_days` are diverted: with every
/// eligible person referred and every divertible sentence diverted, the long sentences passed
/// on referred people are those of the run without L&D, case for case (the same draws), while
/// short ones are all diverted.
#[test]
fn long_sentences_are_never_diverted() {
    let set = |coverage: f64| {
        move |p: &mut Pathway| {
            refer_everyone(p);
            p.ld_coverage = coverage;
            p.ld_short_custody_diversion_share = 1.0;
            p.ld_divertible_sentence_days = 365.0;
        }
    };
    let m = run(&baseline_with(30_000.0, set(0.5)));
    // Referred people's only custodial outcomes left are long sentences and hospital orders
    // (hospital orders come from reports, a few); in the uncovered areas short sentences are
    // more than half of custodial sentences. So the relative risk is far below 1 but not 0.
    let rr = get(&m, "ld_custody_rr");
    assert!(rr > 0.2 && rr < 0.6, "custody RR {rr}");
    // Diverting everything shorter than a century leaves only hospital orders.
    let all = run(&baseline_with(30_000.0, |p: &mut Pathway| {
        set(0.5)(p);
        p.ld_divertible_sentence_days = 36_500.0;
    }));
    let rr_all = get(&all, "ld_custody_rr");
    assert!(
        rr_all < 0.05,
        "custody RR {rr_all} with every sentence divertible"
    );
    assert!(
        get(&all, "diverted_from_custody") > get(&m, "diverted_from_custody") * 1.3,
        "long sentences were diverted at 365 days"
    );
}

/// A diverted person keeps the reoffending of the sentence they would have had (L2: no
/// reduction in reoffending). With community orders and other outcomes never reoffending and
/// every custodial sentence of a referred person diverted, referred people would hardly
/// reoffend at all if diversion moved them to the community-order group; they keep the
/// custody groups' reoffending, and, not being in prison, reoffend at least as often as
/// eligible people in areas without L&D.
#[test]
fn diverted_people_keep_their_reoffending_group() {
    let s = baseline_with(40_000.0, |p: &mut Pathway| {
        refer_everyone(p);
        p.ld_coverage = 0.5;
        p.ld_short_custody_diversion_share = 1.0;
        p.ld_divertible_sentence_days = 36_500.0;
        // Community orders (2) and other outcomes (3) never reoffend.
        for g in [2, 3] {
            p.reoffend_ever[g] = 0.0;
            p.reoffend_1y[g] = 0.0;
        }
    });
    let m = run(&s);
    assert!(get(&m, "diverted_from_custody") > 1_000.0);
    let rr = get(&m, "ld_reoffending_1y_rr");
    assert!(
        rr > 0.9,
        "reoffending RR {rr}: diverted people lost their own reoffending"
    );
}

/// L5: about a third of people at a police contact are L&D-eligible, not Table 2's half or
/// more. With L&D everywhere and everyone eligible identified, referrals are that share of
/// the contacts not ending in s136. The resolved share assumes contacts have the group mix of
/// new people (`female_share`, `remand_share`); reoffending changes the mix a little, so the
/// band is that bias (a few points), not sampling error (about 0.3 points here).
#[test]
fn referrals_are_l5s_share_of_police_contacts() {
    let s = baseline_with(40_000.0, |p: &mut Pathway| {
        p.ld_coverage = 1.0;
        p.ld_identification = 1.0;
    });
    let p = s.pathway.as_ref().unwrap();
    assert!(
        (p.ld_need_at_contact - 0.54).abs() < 0.02,
        "{}",
        p.ld_need_at_contact
    );
    let target = p.ld_police_custody_need_share;
    let m = run(&s);
    let share = get(&m, "liaison_diversion_referrals")
        / (get(&m, "police_contacts") - get(&m, "s136_detentions"));
    assert!(
        (share - target).abs() < 0.03,
        "referrals {share} of contacts, L5 {target}"
    );
}
