//! Costs and QALYs: each line prices exactly the activity it names, payers add up, and
//! inflation and discounting give the hand-computed amounts.

use std::collections::BTreeMap;

use crate::common::{TempDir, cjmh_in, root, stderr, stdout};

/// A two-year pathway run at a small size, extending the baseline with `extra`.
fn small(tmp: &TempDir, name: &str, extra: &str) -> std::path::PathBuf {
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        &format!("{name}.toml"),
        &format!(
            "extends = {:?}\nname = {name:?}\n\n[simulation]\nwarmup_days = 730\nhorizon_days = 730\n\n\
             [people]\nnew_people_per_day = {{ value = 25, source = \"test\" }}\n{extra}",
            baseline.display().to_string()
        ),
    )
}

/// Runs one replication and returns its metrics by name.
fn run(tmp: &TempDir, scenario: &std::path::Path) -> BTreeMap<String, f64> {
    let out = tmp.path().join("out");
    let o = cjmh_in(
        tmp.path(),
        [
            "run".as_ref(),
            scenario.as_os_str(),
            "-r".as_ref(),
            "1".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2].to_string(), f[3].parse().unwrap_or(f64::NAN))
        })
        .collect()
}

/// The baseline's `[costs.lines]`, read from the file itself.
fn baseline_lines() -> toml::Table {
    let text = std::fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    let v: toml::Table = toml::from_str(&text).unwrap();
    v["costs"]["lines"].as_table().unwrap().clone()
}

/// Each baseline cost line's payer and kind.
fn lines() -> Vec<(String, String, String)> {
    baseline_lines()
        .iter()
        .map(|(name, l)| {
            (
                name.clone(),
                l["payer"].as_str().unwrap().to_string(),
                l["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Each baseline cost line's saving kind (absent: cash-releasing).
fn savings() -> BTreeMap<String, String> {
    baseline_lines()
        .iter()
        .map(|(name, l)| {
            let s = l.get("saving").and_then(|s| s.as_str());
            (name.clone(), s.unwrap_or("cash_releasing").to_string())
        })
        .collect()
}

#[test]
fn prison_time_at_its_direct_cost_and_overheads_adds_up_to_c1() {
    let text = std::fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let lines = &v["costs"]["lines"];
    let value = |name: &str| lines[name]["unit_cost"]["value"].as_float().unwrap();
    let (direct, overheads) = (
        value("prison_places_direct"),
        value("prison_places_overheads"),
    );
    // C1: £51,724 a prisoner-year (2022-23) / 365.25 = £141.61 a day, to the penny.
    let c1 = (51_724.0_f64 / 365.25 * 100.0).round() / 100.0;
    assert!(
        (direct + overheads - c1).abs() < 1e-9,
        "{direct} + {overheads}"
    );
    // HP1: direct £2,751,481,717 of overall £4,181,725,178.
    let share = 2_751_481_717.0 / 4_181_725_178.0;
    assert!((direct - c1 * share).abs() < 0.005, "{direct}");
    for (name, saving) in [
        ("prison_places_direct", "cash_releasing"),
        ("prison_places_overheads", "opportunity"),
    ] {
        assert_eq!(lines[name]["saving"].as_str(), Some(saving), "{name}");
        assert_eq!(lines[name]["driver"].as_str(), Some("custody_days"));
        assert_eq!(lines[name]["price_year"].as_str(), Some("2022-23"));
    }
    // Every shipped line says what its unit cost covers.
    for (name, l) in lines.as_table().unwrap() {
        let basis = l.get("basis").and_then(|b| b.as_str()).unwrap_or("");
        assert!(!basis.trim().is_empty(), "{name} has no basis");
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn each_line_prices_exactly_the_activity_it_names() {
    // Every unit cost 1 at the target price year, no discounting, and every utility 1: then
    // each line must equal its driver as the activity metrics report it, and each death loses
    // its remaining life after the window in QALYs.
    let tmp = TempDir::new("costs-unit");
    let mut extra = String::from("\n[costs]\ndiscount_rate = { value = 0, source = \"test\" }\n");
    for (name, _, _) in lines() {
        extra.push_str(&format!(
            "\n[costs.lines.{name}]\nunit_cost = {{ value = 1, source = \"test\" }}\nprice_year = \"2024-25\"\n"
        ));
    }
    extra.push_str(
        "\n[qalys.population_norm]\nintercept = 1\nmale = 0\nage = 0\nage2 = 0\n\
         [qalys.states]\npsychosis_stable.utility = 1\npsychosis_untreated.utility = 1\n\
         psychosis_in_hospital.gain = 0\ndepression_anxiety.utility = 1\n\
         depression_anxiety_recovered.utility = 1\n\
         [health]\ntreated_in_hospital_days = { value = 36525, source = \"test\" }\n\
         [health.remaining_life_years]\nunder_50 = 30\n50_59 = 30\n60_plus = 30\n\
         [release_support]\npopulation = \"trial\"\nparticipation_share = { value = 1.0, source = \"test\" }\nmax_sentence_days = { value = 730, source = \"test\" }\nmin_days_in_custody = { value = 28, source = \"test\" }\n\
         no_gp_share = { value = 0.35, source = \"test\" }\n\
         cmht_contact_6m_share = { value = 0.075, source = \"test\" }\n\
         [transfer.beds]\nhigh = { value = 2, source = \"test\" }\n\
         medium = { value = 8, source = \"test\" }\nlow = { value = 3, source = \"test\" }\n\
         [transfer_limit]\ndays = { value = 14, source = \"test\" }\n\
         spot_purchase_share = { value = 0.8, source = \"test\" }\n\
         spot_lead_days = { value = 3, source = \"test\" }\n\
         spot_retry_days = { value = 7, source = \"test\" }\n\
         [transfer_limit.spot_beds]\nmedium = { value = 3, source = \"test\" }\n\
         low = { value = 3, source = \"test\" }\n",
    );
    let m = run(&tmp, &small(&tmp, "unit", &extra));
    let pairs = [
        ("prison_places_direct", m["custody_days"]),
        ("prison_places_overheads", m["custody_days"]),
        ("prison_healthcare", m["custody_days"]),
        ("probation_orders", m["community_orders"]),
        ("probation_licences", m["releases_on_licence"]),
        ("mhtr_treatment", m["mhtr_orders"]),
        ("crime", m["reoffences"]),
        ("iapt", m["iapt_courses_completed"]),
        ("liaison_diversion", m["liaison_diversion_referrals"]),
        ("release_support", m["release_support_participants"]),
        ("spot_beds", m["spot_bed_days"]),
        ("transfer_assessment", m["transfer_assessor_hours"]),
        (
            "secure_beds_medium",
            m["secure_beds.medium.capacity"] * 730.0,
        ),
        ("secure_beds_high", m["secure_beds.high.capacity"] * 730.0),
        ("secure_beds_low", m["secure_beds.low.capacity"] * 730.0),
    ];
    for (line, activity) in pairs {
        let cost = m[&format!("cost.line.{line}")];
        assert!(activity > 0.0, "{line}: no activity to price");
        assert!(close(cost, activity), "{line}: {cost} vs {activity}");
    }
    // Life-years lost after the window: each death in the (two-year) window loses from the
    // window's end to 30 years after it, so between 28 and 30 years.
    let deaths = m["deaths_in_custody"]
        + m["deaths_in_secure_hospital"]
        + m["community_suicides"]
        + m["community_drug_deaths"]
        + m["community_other_deaths"];
    // Everyone in a secure hospital has psychosis (transfers and hospital orders are for
    // psychosis only), and treatment here never ends before discharge: so the person-years in
    // the treated state are exactly the secure hospital's days in the window, as the places
    // count them. This ties the admission, discharge and death hooks to the moves they follow.
    let in_hospital = m["qalys.state.psychosis_in_hospital"] * 365.25;
    assert!(in_hospital > 0.0);
    assert!(
        close(in_hospital, m["secure_hospital.visit_days"]),
        "{in_hospital} vs {}",
        m["secure_hospital.visit_days"]
    );
    // The onset of an acute episode and therapy that ends in recovery move people too.
    assert!(m["qalys.state.psychosis_untreated"] > 0.0);
    assert!(m["qalys.state.depression_anxiety_recovered"] > 0.0);
    let lost = -m["qalys.after_window"];
    assert!(deaths > 0.0);
    assert!(
        lost >= deaths * (30.0 - 730.0 / 365.25) - 1e-9 && lost <= deaths * 30.0 + 1e-9,
        "{lost} for {deaths} deaths"
    );
}

#[test]
fn costs_and_qalys_by_sex_and_age_band_add_up_exactly_to_the_totals() {
    let tmp = TempDir::new("costs-groups");
    let m = run(&tmp, &small(&tmp, "groups", ""));
    for total in ["cost.public_sector", "qalys.total"] {
        let v: Vec<f64> = cjmh::economics::PARTS
            .iter()
            .map(|p| m[&format!("{total}.by_group.{p}")])
            .collect();
        // Added in this order, the parts are the total to the last bit (the CSV keeps every
        // digit of a value).
        assert_eq!(v.iter().sum::<f64>(), m[total], "{total}: {v:?}");
        // Every group is there: men and women of each age band are in the model.
        assert!(v[..6].iter().all(|x| *x != 0.0), "{total}: {v:?}");
    }
    // Capacity commissioned (secure beds, assessors) belongs to no group; no QALY does.
    assert!(m["cost.public_sector.by_group.not_attributed"] > 0.0);
    assert_eq!(m["qalys.total.by_group.not_attributed"], 0.0);
}

#[test]
fn payers_add_up_and_inflation_and_discounting_match_hand_computed_values() {
    let tmp = TempDir::new("costs-payers");
    let m = run(&tmp, &small(&tmp, "payers", ""));
    let lines = lines();
    let line = |name: &str| m[&format!("cost.line.{name}")];
    let mut public = 0.0;
    for payer in [
        "nhs_england",
        "integrated_care_boards",
        "hmpps",
        "wider_costs_of_crime",
    ] {
        let sum: f64 = lines
            .iter()
            .filter(|l| l.1 == payer)
            .map(|l| line(&l.0))
            .sum();
        let consequences: f64 = lines
            .iter()
            .filter(|l| l.1 == payer && l.2 == "consequence")
            .map(|l| line(&l.0))
            .sum();
        assert!(close(m[&format!("cost.payer.{payer}")], sum), "{payer}");
        assert!(
            close(m[&format!("cost.payer_consequences.{payer}")], consequences),
            "{payer}"
        );
        if payer != "wider_costs_of_crime" {
            public += sum;
        }
    }
    assert!(close(m["cost.public_sector"], public));
    assert!(close(
        m["cost.societal"],
        public + m["cost.payer.wider_costs_of_crime"]
    ));
    let service: f64 = lines
        .iter()
        .filter(|l| l.2 == "service")
        .map(|l| line(&l.0))
        .sum();
    assert!(close(m["cost.service"], service));
    // The marginal view: the public payers' cash-releasing lines only; full minus marginal is
    // their opportunity lines (the prison overheads).
    let saving = savings();
    let public_line = |l: &&(String, String, String)| l.1 != "wider_costs_of_crime";
    let marginal: f64 = lines
        .iter()
        .filter(public_line)
        .filter(|l| saving[&l.0] == "cash_releasing")
        .map(|l| line(&l.0))
        .sum();
    assert!(close(m["cost.public_sector_marginal"], marginal));
    assert!(close(
        m["cost.public_sector"] - m["cost.public_sector_marginal"],
        line("prison_places_overheads")
    ));
    assert!(line("prison_places_overheads") > 0.0);
    let split = m["cost.public_sector_consequences.cash_releasing"]
        + m["cost.public_sector_consequences.opportunity"];
    let consequences: f64 = lines
        .iter()
        .filter(public_line)
        .filter(|l| l.2 == "consequence")
        .map(|l| line(&l.0))
        .sum();
    assert!(close(split, consequences));
    // No local authority line is shipped, so none is reported (rather than a false zero).
    assert!(!m.contains_key("cost.payer.local_authorities"));

    // Commissioned medium beds: capacity x days, known exactly by year. The window is 730 days:
    // 365.25 in the first year (undiscounted), 364.75 in the second (/ 1.035). Unit cost
    // £165,000 / 365.25 = £451.75 a day in 2013 prices, x 112.375 / 81.9 (ONS YBGB 2024-25 over
    // 2013):
    // 451.75 x 1.372100122 x (365.25 + 364.75 / 1.035) = 619.84623 x 717.66546 = 444,842.23
    // a bed.
    let beds = m["secure_beds.medium.capacity"];
    let expected = beds * 444_842.23;
    assert!(
        (line("secure_beds_medium") - expected).abs() < beds * 0.1,
        "{} vs {expected}",
        line("secure_beds_medium")
    );
}

#[test]
fn docs_economics_md_is_the_output_of_cjmh_costs() {
    let o = cjmh_in(&root(), ["costs", "scenarios/baseline.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = std::fs::read_to_string(root().join("docs/economics.md")).unwrap();
    assert_eq!(
        stdout(&o),
        doc,
        "docs/economics.md is stale: run `cjmh costs --out docs/economics.md`"
    );
    // Every shipped line is in it, with its source.
    for (name, _, _) in lines() {
        assert!(doc.contains(&format!("| `{name}` |")), "{name}");
    }
}

#[test]
fn the_deflator_is_the_ons_series_averaged_by_financial_year() {
    // ONS YBGB quarterly values (release of 30 June 2025) for the financial years the shipped
    // lines use; each financial year is the mean of its four quarters (April to March).
    let quarters: &[(&str, [f64; 4])] = &[
        ("2009-10", [76.1, 76.4, 75.9, 77.0]),
        ("2016-17", [84.6, 85.5, 86.1, 86.4]),
        ("2018-19", [88.1, 88.6, 89.3, 89.3]),
        ("2022-23", [99.1, 100.7, 103.2, 105.0]),
        ("2024-25", [110.1, 112.1, 113.2, 114.1]),
        ("2015-16", [83.2, 83.5, 83.9, 84.4]),
    ];
    let text = std::fs::read_to_string(root().join("scenarios/baseline.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    let index = &v["costs"]["deflator"]["index"];
    for (year, q) in quarters {
        let mean = q.iter().sum::<f64>() / 4.0;
        let shipped = index[*year].as_float().unwrap();
        assert!((shipped - mean).abs() < 1e-9, "{year}: {shipped} vs {mean}");
    }
}
