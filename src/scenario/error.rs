//! Problems found in scenario files, each located by file, key path and line.

use std::fmt;
use std::path::PathBuf;

use crate::limits::MAX_PROBLEMS_LISTED;

/// A key path into a scenario, such as `stages.court.routes.remand` or `…bins[2]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyPath(pub Vec<Segment>);

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl KeyPath {
    /// The empty path (the whole file).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path with `key` appended.
    pub fn key(&self, key: &str) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Key(key.to_string()));
        Self(v)
    }

    /// This path with `index` appended.
    pub fn index(&self, index: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Segment::Index(index));
        Self(v)
    }

    /// Parses a dotted path such as `stages.court.capacity` (no indices).
    pub fn parse(dotted: &str) -> Self {
        Self(
            dotted
                .split('.')
                .filter(|s| !s.is_empty())
                .map(|s| Segment::Key(s.to_string()))
                .collect(),
        )
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file the offending key was written in.
    pub file: PathBuf,
    /// Its line, where known (1-based).
    pub line: Option<usize>,
    /// The key path.
    pub key: KeyPath,
    /// What is wrong, as a sentence.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": `{}`: {}", self.key, self.message)
    }
}

/// A file's problems as reported: the first [`MAX_PROBLEMS_LISTED`] found (the only ones
/// located, see [`super::file::Document::report`]), in file and line order without repeats,
/// then, if there were more, one line that says how many.
pub fn listed(mut problems: Vec<Problem>) -> Vec<Problem> {
    let more = problems.len().saturating_sub(MAX_PROBLEMS_LISTED);
    let file = problems.first().map(|p| p.file.clone());
    problems.truncate(MAX_PROBLEMS_LISTED);
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    problems.dedup();
    if let (true, Some(file)) = (more > 0, file) {
        problems.push(Problem {
            file,
            line: None,
            key: KeyPath::root(),
            message: format!(
                "{more} more problem{} found and not listed (at most {MAX_PROBLEMS_LISTED} are): fix these and check again",
                if more == 1 { "" } else { "s" }
            ),
        });
    }
    problems
}

/// Every problem found in a scenario. Fatal for that scenario: nothing is run or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The problems, in file and line order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{n} problem{} in scenario:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
