//! Free text in CSV outputs: a scenario name is written as one quoted field wherever it goes.

use crate::common::{MINIMAL, TempDir, cjmh, stderr};

/// A scenario name with a comma, a quote and a line break comes back intact, in every row, from
/// `summary.csv` and `events.csv` read as standard CSV. Regression for `events.csv`: its rows
/// were written with `writeln!` and split on the comma.
#[test]
fn a_scenario_name_with_comma_quote_and_line_break_survives_summary_and_events_csv() {
    let tmp = TempDir::new("csv-name");
    let name = "a,\"b\"\nc";
    let file = tmp.write(
        "odd.toml",
        &format!("name = \"a,\\\"b\\\"\\nc\"\n\n[simulation]\nhorizon_days = 30\n\n{MINIMAL}"),
    );
    assert_eq!(cjmh::scenario::load(&file).unwrap().name, name);
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        file.as_os_str(),
        "--replications".as_ref(),
        "2".as_ref(),
        "--events".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["scenario", "replication", "metric", "value"]
    );
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 4, "{record:?}");
        assert_eq!(&record[0], name);
        rows += 1;
    }
    assert!(rows > 0);

    let mut reader = csv::Reader::from_path(out.join("events.csv")).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "scenario",
            "replication",
            "person",
            "stage",
            "arrival_day",
            "start_day",
            "end_day",
            "destination"
        ]
    );
    let mut rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 8, "{record:?}");
        assert_eq!(&record[0], name);
        assert!(record[2].parse::<u64>().is_ok(), "{record:?}");
        assert!(record[6].parse::<f64>().is_ok(), "{record:?}");
        rows += 1;
    }
    assert!(rows > 20, "{rows} rows");
}
