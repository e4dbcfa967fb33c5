//! `events.csv`: one row per completed visit of a person to a stage, for researchers who want
//! the raw flow. Each replication streams its rows to its own part file through a bounded
//! buffer (memory does not grow with the run); the parts are joined in scenario and replication
//! order at the end, so the file is identical whatever the thread count.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::engine::ticks_to_days;
use crate::model::recorder::{Recorder, Visit};
use crate::scenario::Scenario;

/// The header of `events.csv`.
pub const HEADER: &str =
    "scenario,replication,person,stage,arrival_day,start_day,end_day,destination\n";

/// Writes one replication's visits to a part file, as CSV rows quoted where a field needs it
/// (a scenario named `a,b` stays one field). The driver hands it batches between events.
pub struct EventWriter<'s> {
    scenario: &'s Scenario,
    stages: Vec<&'s str>,
    replication: String,
    out: csv::Writer<File>,
    error: Option<csv::Error>,
    /// Reused for every number, so writing a row allocates nothing.
    field: String,
}

impl<'s> EventWriter<'s> {
    /// Creates the part file at `path`.
    pub fn create(path: &Path, scenario: &'s Scenario, replication: u64) -> std::io::Result<Self> {
        Ok(Self {
            scenario,
            stages: crate::model::stage_names(scenario),
            replication: replication.to_string(),
            out: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(File::create(path)?),
            error: None,
            field: String::new(),
        })
    }

    fn write(&mut self, v: &Visit) -> csv::Result<()> {
        use std::fmt::Write as _;
        let out = &mut self.out;
        let field = &mut self.field;
        let mut number = |out: &mut csv::Writer<File>, x: &dyn std::fmt::Display| {
            field.clear();
            let _ = write!(field, "{x}");
            out.write_field(field.as_bytes())
        };
        out.write_field(self.scenario.name.as_bytes())?;
        out.write_field(self.replication.as_bytes())?;
        number(out, &v.person)?;
        out.write_field(self.stages[v.stage as usize].as_bytes())?;
        number(out, &ticks_to_days(v.arrival))?;
        number(out, &ticks_to_days(v.start))?;
        number(out, &ticks_to_days(v.end))?;
        let destination = match v.destination {
            Some(i) => self.stages[i as usize],
            None => "exit",
        };
        out.write_field(destination.as_bytes())?;
        out.write_record(None::<&[u8]>)
    }

    /// Flushes and closes the file; reports the first write error.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(e.into());
        }
        self.out.flush()
    }
}

impl Recorder for EventWriter<'_> {
    fn record(&mut self, visits: &[Visit]) {
        if self.error.is_some() {
            return;
        }
        for v in visits {
            if let Err(e) = self.write(v) {
                self.error = Some(e);
                return;
            }
        }
    }
}

/// The part file for scenario `s` (by position) and replication `r` in `dir`.
pub fn part_path(dir: &Path, s: usize, r: u64) -> PathBuf {
    dir.join(format!(".events-{s}-{r}.part"))
}

/// Joins the parts, in the order given, into `dir/events.csv` (written under a temporary name
/// and renamed), then removes them.
pub fn join_parts(dir: &Path, parts: &[PathBuf]) -> std::io::Result<()> {
    let tmp = dir.join(format!(".events.csv.tmp-{}", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp)?);
        out.write_all(HEADER.as_bytes())?;
        for p in parts {
            std::io::copy(&mut File::open(p)?, &mut out)?;
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, dir.join("events.csv"))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    for p in parts {
        let _ = std::fs::remove_file(p);
    }
    result
}
