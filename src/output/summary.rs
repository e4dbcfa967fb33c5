//! `summary.csv`: one row per scenario, replication and metric (tidy long form).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::write::temp_path;
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

/// The header row of `summary.csv`.
const HEADER: [&str; 4] = ["scenario", "replication", "metric", "value"];

/// Writes one replication's rows.
fn write_rows<W: std::io::Write>(w: &mut csv::Writer<W>, r: &ReplicationResult) -> csv::Result<()> {
    let rep = r.replication.to_string();
    for (metric, value) in &r.metrics {
        w.write_record([
            r.scenario.as_str(),
            rep.as_str(),
            metric.as_str(),
            format_value(*value).as_str(),
        ])?;
    }
    Ok(())
}

/// The bytes of `summary.csv` for `results`, in the order given.
pub fn to_csv(results: &[ReplicationResult]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("writing to memory");
    for r in results {
        write_rows(&mut w, r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Reads `summary.csv` back (as [`to_csv`] writes it): one result per (scenario, replication),
/// in file order; an empty cell is a value that does not exist (NaN). The error names the line
/// of the first row that cannot be read.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<ReplicationResult>, String> {
    let mut r = csv::Reader::from_reader(bytes);
    let mut out: Vec<ReplicationResult> = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let bad = |what: &str| format!("line {}: {what}", i + 2);
        let rec = rec.map_err(|e| bad(&e.to_string()))?;
        if rec.len() != HEADER.len() {
            return Err(bad("not 4 cells (scenario, replication, metric, value)"));
        }
        let replication: u64 = rec[1]
            .parse()
            .map_err(|_| bad("replication is not a count"))?;
        let value = if rec[3].is_empty() {
            f64::NAN
        } else {
            rec[3].parse().map_err(|_| bad("value is not a number"))?
        };
        match out.last_mut() {
            Some(last) if last.scenario == rec[0] && last.replication == replication => {
                last.metrics.push((rec[2].to_string(), value));
            }
            _ => out.push(ReplicationResult {
                scenario: rec[0].to_string(),
                replication,
                metrics: vec![(rec[2].to_string(), value)],
            }),
        }
    }
    Ok(out)
}

/// Writes `summary.csv` rows as replications finish, under a temporary name, so that memory
/// does not grow with the number of replications and a reader never sees half a file. Dropped
/// without [`SummaryWriter::finish`] (an error, an early return), it removes its file.
pub struct SummaryWriter {
    path: PathBuf,
    w: Option<csv::Writer<BufWriter<File>>>,
}

impl SummaryWriter {
    /// Starts a file at `tmp`, with the header row if `header`.
    pub fn create(tmp: PathBuf, header: bool) -> std::io::Result<Self> {
        let f = File::create(&tmp)?;
        let mut w = csv::Writer::from_writer(BufWriter::new(f));
        if header {
            w.write_record(HEADER)?;
        }
        Ok(Self {
            path: tmp,
            w: Some(w),
        })
    }

    /// Appends one replication's rows.
    pub fn write(&mut self, r: &ReplicationResult) -> std::io::Result<()> {
        Ok(write_rows(
            self.w.as_mut().expect("open until finished"),
            r,
        )?)
    }

    /// Flushes to disk and closes; returns the temporary path, which the caller now owns.
    fn close(mut self) -> std::io::Result<PathBuf> {
        let w = self.w.take().expect("open until finished");
        let f = w.into_inner().map_err(|e| e.into_error())?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(std::mem::take(&mut self.path))
    }

    /// Flushes and renames the file to `path`.
    pub fn finish(self, path: &Path) -> std::io::Result<()> {
        let tmp = self.close()?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }

    /// Writes `parts` one after another (the first with the header, the others without) into
    /// `path`, atomically, and removes the parts.
    pub fn join(parts: Vec<SummaryWriter>, path: &Path) -> std::io::Result<()> {
        let mut files = Vec::new();
        let mut failed = None;
        for p in parts {
            match p.close() {
                Ok(f) => files.push(f),
                Err(e) => failed = Some(e),
            }
        }
        let tmp = temp_path(path, "joined");
        let result = (|| {
            if let Some(e) = failed {
                return Err(e);
            }
            let mut out = BufWriter::new(File::create(&tmp)?);
            for f in &files {
                std::io::copy(&mut File::open(f)?, &mut out)?;
            }
            let out = out.into_inner().map_err(|e| e.into_error())?;
            out.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        for f in &files {
            let _ = std::fs::remove_file(f);
        }
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

impl Drop for SummaryWriter {
    fn drop(&mut self) {
        if self.w.is_some() {
            self.w = None;
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_csv_reads_back_as_written() {
        let results = vec![
            ReplicationResult {
                scenario: "a".into(),
                replication: 0,
                metrics: vec![("x".into(), 1.5), ("y".into(), f64::NAN)],
            },
            ReplicationResult {
                scenario: "a".into(),
                replication: 1,
                metrics: vec![("x".into(), -2.0)],
            },
        ];
        let back = from_csv(&to_csv(&results)).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].metrics[0], ("x".to_string(), 1.5));
        assert!(back[0].metrics[1].1.is_nan());
        assert_eq!(back[1], results[1]);
        assert_eq!(
            from_csv(b"scenario,replication,metric,value\na,x,m,1\n").unwrap_err(),
            "line 2: replication is not a count"
        );
    }

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

    #[test]
    fn streamed_and_joined_summaries_equal_the_one_written_at_once() {
        let dir = std::env::temp_dir().join(format!("cjmh-summary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rep = |s: &str, r: u64, x: f64| ReplicationResult {
            scenario: s.into(),
            replication: r,
            metrics: vec![("x".into(), x), ("y".into(), f64::NAN)],
        };
        let all = [rep("a", 0, 1.0), rep("a", 1, 2.5), rep("b", 0, -3.0)];
        let path = dir.join("summary.csv");
        let mut a = SummaryWriter::create(temp_path(&path, "a"), true).unwrap();
        let mut b = SummaryWriter::create(temp_path(&path, "b"), false).unwrap();
        // Interleaved, as replications of several scenarios finish.
        a.write(&all[0]).unwrap();
        b.write(&all[2]).unwrap();
        a.write(&all[1]).unwrap();
        SummaryWriter::join(vec![a, b], &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), to_csv(&all));
        // Nothing temporary is left behind, finished or dropped.
        let dropped = SummaryWriter::create(temp_path(&path, "c"), true).unwrap();
        drop(dropped);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["summary.csv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
