//! Psychological therapy in the community as a service with therapists (issue 20): waits that
//! come from demand against capacity, no course without a free therapist, and a co-located
//! service paid for by its staff's time.

use cjmh::engine::TICKS_PER_DAY;
use cjmh::model::recorder::NullRecorder;
use cjmh::model::{self, Metrics};
use cjmh::scenario::{self, Scenario};

use crate::common::root;

const SEED: u64 = 20_261_129;

fn load(file: &str) -> Scenario {
    scenario::load(&root().join("scenarios").join(file)).expect("the scenario loads")
}

/// The co-located scenario at the size where about 200,000 new people arrive in the baseline.
fn colocated() -> Scenario {
    let factor = 200_000.0 / load("baseline.toml").expected_people();
    load("probation-colocated-iapt.toml").scaled(factor)
}

fn get(m: &Metrics, name: &str) -> f64 {
    m.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("metric {name} missing"))
        .1
}

/// `s` with its pathway changed by `f`: the policy's, and the status quo's before it starts.
fn with(s: &Scenario, f: impl Fn(&mut cjmh::scenario::Pathway)) -> Scenario {
    let mut s = s.clone();
    let p = s.pathway.as_mut().unwrap();
    f(p);
    if let Some(r) = &mut p.rollout {
        f(&mut r.before);
    }
    s
}

fn run(s: &Scenario, replication: u64) -> Metrics {
    model::run(s, SEED, replication, NullRecorder).0.metrics
}

#[test]
fn waits_grow_when_referrals_exceed_capacity_and_fall_when_therapists_are_added() {
    let shipped = colocated();
    let p = shipped.pathway.as_ref().unwrap();
    let therapists = p.iapt.therapists(p.iapt.services[1].places);
    assert!(therapists >= 10.0, "{therapists} therapists at this size");
    let doubled = with(&shipped, |p| p.probation_therapy_referral_share *= 2.0);
    let more = with(&doubled, |p| p.iapt.services[1].places *= 2);
    for replication in 0..2 {
        let [a, b, c] = [&shipped, &doubled, &more].map(|s| run(s, replication));
        let wait = |m: &Metrics| get(m, "iapt_wait_days_mean.probation");
        let referrals = |m: &Metrics| get(m, "iapt_referrals.probation");
        // The same people, the same luck: only the demand or the capacity differs.
        assert!(
            referrals(&b) > 1.8 * referrals(&a),
            "referrals did not double"
        );
        assert_eq!(referrals(&b), referrals(&c));
        assert!(
            wait(&b) > 3.0 * wait(&a) + 14.0,
            "doubled referrals: {:.1} days against {:.1}",
            wait(&b),
            wait(&a)
        );
        assert!(
            get(&b, "iapt_utilisation.probation") > get(&a, "iapt_utilisation.probation"),
            "doubled referrals left the therapists no busier"
        );
        assert!(
            wait(&c) < wait(&b) / 3.0,
            "twice the therapists: {:.1} days against {:.1}",
            wait(&c),
            wait(&b)
        );
        assert!(
            get(&c, "iapt_courses_started.probation") > get(&b, "iapt_courses_started.probation"),
            "more therapists started no more courses"
        );
    }
}

#[test]
fn no_course_starts_without_a_free_therapist() {
    // Far more referrals than places: first in the co-located service, then, without one, in
    // the local services that probation then refers to.
    for (service, probation) in [("probation", 2), ("community", 0)] {
        let s = with(&colocated(), |p| {
            p.probation_therapy_referral_share = 1.0;
            let per = p.iapt.sessions_per_therapist_week;
            p.iapt.services[0].places = per;
            p.iapt.services[1].places = probation * per;
        });
        for replication in 0..2 {
            let m = run(&s, replication);
            assert_eq!(get(&m, "iapt_started_without_place"), 0.0);
            let busy = get(&m, &format!("iapt_in_course_mean.{service}"));
            let places = get(&m, &format!("iapt_places_mean.{service}"));
            assert!(
                busy <= places,
                "{service}: {busy} in course, {places} places"
            );
            assert!(
                busy > 0.95 * places,
                "{service}: {busy} of {places}: not saturated"
            );
            assert!(get(&m, &format!("iapt_waiting_mean.{service}")) > 10.0 * places);
            assert!(get(&m, &format!("iapt_left_waiting.{service}")) > 0.0);
        }
    }
}

#[test]
fn the_staff_cost_is_therapists_times_the_cost_per_therapist_over_the_window() {
    let s = colocated();
    let e = s.economics.as_ref().unwrap();
    let line = e
        .cost_lines
        .iter()
        .find(|l| l.driver.name() == "iapt_probation_therapist_days")
        .expect("a line prices the co-located therapists");
    let iapt = &s.pathway.as_ref().unwrap().iapt;
    let therapists = iapt.therapists(iapt.services[1].places);
    assert!(
        therapists.fract() != 0.0,
        "scaled, the service has part of a therapist"
    );
    let day = line.unit_cost_at_target();
    let window_days = s.horizon as f64 / TICKS_PER_DAY as f64;
    // Half the referrals: the same staff, so the same cost, and fewer recoveries to share it.
    let fewer = with(&s, |p| p.probation_therapy_referral_share /= 2.0);
    let [a, b] = [&s, &fewer].map(|s| run(s, 0));
    for m in [&a, &b] {
        let cost = get(m, "iapt_cost_undiscounted.probation");
        let expected = therapists * day * window_days;
        assert!(
            (cost - expected).abs() <= 1e-9 * expected,
            "staff cost £{cost:.2}, therapists x cost a day x days £{expected:.2}"
        );
        assert_eq!(
            get(m, "iapt_cost_per_recovery.probation"),
            cost / get(m, "iapt_recovered.probation")
        );
        // Discounted, year by year: whole years of 365.25 days from the policy's start.
        let mut discounted = 0.0;
        let mut left = window_days;
        let mut year = 0;
        while left > 0.0 {
            let days = left.min(365.25);
            discounted +=
                therapists * day * days * cjmh::economics::discount_factor(e.discount_rate, year);
            left -= days;
            year += 1;
        }
        let line_cost = get(m, &format!("cost.line.{}", line.name));
        assert!(
            (line_cost - discounted).abs() <= 1e-9 * discounted,
            "discounted £{line_cost:.2} against £{discounted:.2}"
        );
    }
    assert!(get(&b, "iapt_recovered.probation") < get(&a, "iapt_recovered.probation"));
    assert!(
        get(&b, "iapt_cost_per_recovery.probation") > get(&a, "iapt_cost_per_recovery.probation")
    );
}

#[test]
fn recoveries_in_the_colocated_service_are_valued_and_leave_reoffending_alone() {
    let base = {
        let factor = 200_000.0 / load("baseline.toml").expected_people();
        load("baseline.toml").scaled(factor)
    };
    let s = colocated();
    let (a, b) = (run(&base, 0), run(&s, 0));
    assert!(get(&b, "iapt_recovered") > 1.5 * get(&a, "iapt_recovered"));
    assert!(
        get(&b, "qalys.state.depression_anxiety_recovered")
            > get(&a, "qalys.state.depression_anxiety_recovered")
    );
    // P6 has no comparison group: no effect on reoffending, so the same people reoffend.
    assert_eq!(get(&a, "reoffences"), get(&b, "reoffences"));
}

#[test]
fn the_shipped_therapist_sweep_loads_with_every_point_valid_and_its_table_named() {
    let s = cjmh::scenario::sweep::load(&root().join("scenarios/sweeps/iapt-therapists.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.parameters,
        [
            "iapt.probation.therapists",
            "probation.therapy_referral_share"
        ]
    );
    assert_eq!(s.points.len(), 24);
    for (values, scenario) in s.points.iter().zip(&s.scenarios) {
        let iapt = &scenario.pathway.as_ref().unwrap().iapt;
        assert_eq!(iapt.therapists(iapt.services[1].places), values[0]);
    }
    for metric in [
        "iapt_wait_days_mean.probation",
        "iapt_cost_per_recovery.probation",
    ] {
        assert!(s.show.iter().any(|m| m == metric), "{metric} not shown");
    }
}

/// A regression: the co-located scenario cuts the local services' places when it starts (the
/// pathway's share shrinks as probation's referrals leave). Courses under way then must finish
/// on the places they began on; once they counted against the new places, nobody new started
/// for weeks and the first weeks' referrals waited three months.
#[test]
fn a_cut_in_places_when_a_policy_starts_lets_courses_under_way_finish_on_the_old_ones() {
    // The first four months after the start, where the courses under way are still running.
    let mut s = colocated();
    s.horizon = 120 * TICKS_PER_DAY;
    let p = s.pathway.as_ref().unwrap();
    let before = &p.rollout.as_ref().unwrap().before;
    assert!(p.iapt.services[0].places * 4 < before.iapt.services[0].places);
    for replication in 0..2 {
        let m = run(&s, replication);
        assert_eq!(get(&m, "iapt_started_without_place"), 0.0);
        let wait = get(&m, "iapt_wait_days_mean.community");
        // Counted against the new places, it was 100 days (70 with only the courses retiring).
        assert!(wait < 42.0, "local services' mean wait {wait:.1} days");
        assert!(get(&m, "iapt_courses_started.community") > 20.0);
    }
}

/// Bad `[iapt]` values are refused at their lines, each one: a course not completed that is
/// no shorter than a completed one, a team of no therapists, a fraction of a therapist, a week
/// of no sessions.
#[test]
fn bad_iapt_values_are_refused_at_their_lines() {
    use crate::common::{TempDir, cjmh, stderr};
    let tmp = TempDir::new("iapt-bad");
    let baseline = root().join("scenarios/baseline.toml");
    let file = tmp.write(
        "bad.toml",
        &format!(
            "extends = {:?}\n[iapt]\nsessions_not_completed = 5\nsessions_per_therapist_week = 0\n\
             [iapt.probation]\ntherapists = 2.5\nteam_therapists = 0\n",
            baseline.display().to_string()
        ),
    );
    let o = cjmh(["check".as_ref(), file.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    for located in [
        "bad.toml:3: `iapt.sessions_not_completed`: must be fewer than the sessions of a completed course",
        "bad.toml:4: `iapt.sessions_per_therapist_week`",
        "bad.toml:6: `iapt.probation.therapists`",
        "bad.toml:7: `iapt.probation.team_therapists`",
    ] {
        assert!(err.contains(located), "{located} not in: {err}");
    }
}
