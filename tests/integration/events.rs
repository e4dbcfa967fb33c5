//! `events.csv`: one row per completed visit, written through a CSV writer.

use crate::common::{MINIMAL, TempDir, cjmh, stderr};

/// Regression: rows were written with `writeln!` and fields were not quoted, so a scenario
/// named `a,b` split every row into one field too many.
#[test]
fn a_scenario_name_with_a_comma_quote_and_newline_stays_one_field_in_events_csv() {
    let tmp = TempDir::new("events-quoting");
    let name = "a,\"b\"\nc";
    let file = tmp.write(
        "odd.toml",
        &format!("name = \"a,\\\"b\\\"\\nc\"\n\n[simulation]\nhorizon_days = 30\n\n{MINIMAL}"),
    );
    let out = tmp.path().join("out");
    let o = cjmh([
        "run".as_ref(),
        file.as_os_str(),
        "-r".as_ref(),
        "2".as_ref(),
        "--events".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
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
