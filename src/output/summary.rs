//! `summary.csv`: one row per scenario, replication and metric (tidy long form).

use crate::model::Metrics;

/// The results of one replication of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationResult {
    /// Scenario name.
    pub scenario: String,
    /// Replication number, from 0.
    pub replication: u64,
    /// Metric values.
    pub metrics: Metrics,
}

/// Formats a value the same way on every machine: Rust's shortest round-trip decimal, and an
/// empty cell for a value that does not exist (for example a mean wait when nobody waited).
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// The bytes of `summary.csv` for `results`, in the order given.
pub fn to_csv(results: &[ReplicationResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["scenario", "replication", "metric", "value"])
        .expect("writing to memory");
    for r in results {
        let rep = r.replication.to_string();
        for (metric, value) in &r.metrics {
            w.write_record([
                r.scenario.as_str(),
                rep.as_str(),
                metric.as_str(),
                format_value(*value).as_str(),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_tidy_and_missing_values_are_empty() {
        let r = ReplicationResult {
            scenario: "a,b".into(),
            replication: 3,
            metrics: vec![("x".into(), 0.1 + 0.2), ("y".into(), f64::NAN)],
        };
        let text = String::from_utf8(to_csv(&[r])).unwrap();
        assert_eq!(
            text,
            "scenario,replication,metric,value\n\"a,b\",3,x,0.30000000000000004\n\"a,b\",3,y,\n"
        );
    }
}
