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

/// Visits kept before they are formatted and written.
const BUFFER: usize = 1 << 14;

/// Writes one replication's visits to a part file.
pub struct EventWriter<'s> {
    scenario: &'s Scenario,
    replication: u64,
    buffer: Vec<Visit>,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl<'s> EventWriter<'s> {
    /// Creates the part file at `path`.
    pub fn create(path: &Path, scenario: &'s Scenario, replication: u64) -> std::io::Result<Self> {
        Ok(Self {
            scenario,
            replication,
            buffer: Vec::with_capacity(BUFFER),
            out: BufWriter::new(File::create(path)?),
            error: None,
        })
    }

    fn flush_buffer(&mut self) {
        if self.error.is_some() {
            self.buffer.clear();
            return;
        }
        let stages = crate::model::stage_names(self.scenario);
        for v in self.buffer.drain(..) {
            let destination = match v.destination {
                Some(i) => stages[i as usize],
                None => "exit",
            };
            if let Err(e) = writeln!(
                self.out,
                "{},{},{},{},{},{},{},{}",
                self.scenario.name,
                self.replication,
                v.person,
                stages[v.stage as usize],
                ticks_to_days(v.arrival),
                ticks_to_days(v.start),
                ticks_to_days(v.end),
                destination
            ) {
                self.error = Some(e);
                break;
            }
        }
    }

    /// Writes what is left and closes the file; reports the first write error.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.flush_buffer();
        if let Some(e) = self.error {
            return Err(e);
        }
        self.out.flush()
    }
}

impl Recorder for EventWriter<'_> {
    #[inline]
    fn visit(&mut self, visit: &Visit) {
        self.buffer.push(*visit);
        if self.buffer.len() == BUFFER {
            self.flush_buffer();
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
