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
    path: PathBuf,
    scenario: &'s Scenario,
    stages: Vec<&'s str>,
    replication: String,
    out: csv::Writer<File>,
    error: Option<csv::Error>,
    /// Reused for every number, so writing a row allocates nothing.
    field: String,
}

impl<'s> EventWriter<'s> {
    /// Creates the part file at `path`. Errors name the file.
    pub fn create(path: &Path, scenario: &'s Scenario, replication: u64) -> std::io::Result<Self> {
        let file = File::create(path).map_err(naming(path))?;
        Ok(Self {
            path: path.to_path_buf(),
            scenario,
            stages: crate::model::stage_names(scenario),
            replication: replication.to_string(),
            out: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(file),
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

    /// Flushes and closes the file; reports the first write error, naming the file.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(e) = self.error {
            return Err(naming(&self.path)(e.into()));
        }
        self.out.flush().map_err(naming(&self.path))
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

/// The same error, with the file it concerns named first.
fn naming(path: &Path) -> impl FnOnce(std::io::Error) -> std::io::Error + '_ {
    move |e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// The part file for scenario `s` (by position) and replication `r` in `dir` (a command's
/// staging directory), with this process's id.
pub fn part_path(dir: &Path, s: usize, r: u64) -> PathBuf {
    dir.join(format!(".events-{s}-{r}.{}.part", std::process::id()))
}

/// Joins the parts, in the order given, into `dir/events.csv` (written under a temporary name,
/// flushed to disk and renamed), then removes them. Errors name the file concerned.
pub fn join_parts(dir: &Path, parts: &[PathBuf]) -> std::io::Result<()> {
    let tmp = super::write::temp_path(&dir.join("events.csv"), "join");
    let result = (|| {
        let mut out = BufWriter::new(File::create(&tmp).map_err(naming(&tmp))?);
        out.write_all(HEADER.as_bytes()).map_err(naming(&tmp))?;
        for p in parts {
            let mut part = File::open(p).map_err(naming(p))?;
            std::io::copy(&mut part, &mut out).map_err(naming(&tmp))?;
        }
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(naming(&tmp))?;
        let to = dir.join("events.csv");
        std::fs::rename(&tmp, &to).map_err(naming(&to))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    for p in parts {
        let _ = std::fs::remove_file(p);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_join_names_the_file() {
        let dir = std::env::temp_dir().join(format!("cjmh-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = part_path(&dir, 0, 7);
        let e = join_parts(&dir, std::slice::from_ref(&missing)).unwrap_err();
        assert!(
            e.to_string().contains(&missing.display().to_string()),
            "{e}"
        );
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
        // Nothing is left: no events.csv, no temporary.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
