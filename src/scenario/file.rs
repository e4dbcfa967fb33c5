//! Reading scenario files: TOML with positions, `extends` chains, and merging.
//!
//! Each file is parsed into a [`Node`] tree that remembers, for every key, the file and line it
//! was written on. A file that says `extends = "other.toml"` is laid over its parent: tables merge
//! key by key, anything else (numbers, strings, arrays) is replaced whole. The merged tree is then
//! handed to serde as a plain `toml::Value`, while the tree itself answers "where was this key
//! written?" for every problem found later.

use std::path::{Path, PathBuf};

use super::error::{KeyPath, Problem, Segment};
use crate::limits::{MAX_EXTENDS_DEPTH, MAX_PROBLEMS_LISTED, MAX_SCENARIO_FILE_BYTES};

/// Where a value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`Document::files`].
    pub file: usize,
    /// 1-based line.
    pub line: usize,
}

/// A TOML value with its origin.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub kind: Kind,
    /// Where it was written.
    pub origin: Origin,
}

/// The shape of a [`Node`].
#[derive(Debug, Clone)]
pub enum Kind {
    /// A table, keys in file order.
    Table(Vec<(String, Node)>),
    /// An array.
    Array(Vec<Node>),
    /// A string, number, boolean or date.
    Scalar(toml::Value),
}

/// A scenario file merged with everything it extends.
#[derive(Debug, Clone)]
pub struct Document {
    /// The files read, the scenario's own file first, then its `extends` chain.
    pub files: Vec<PathBuf>,
    /// The merged tree (without the `extends` key).
    pub root: Node,
}

impl Document {
    fn empty() -> Self {
        Document {
            files: Vec::new(),
            root: Node {
                kind: Kind::Table(Vec::new()),
                origin: Origin { file: 0, line: 1 },
            },
        }
    }

    /// Reads `path` and its `extends` chain. Problems that stop the reading (a missing file, bad
    /// TOML, a missing or circular `extends`) are returned located.
    pub fn load(path: &Path) -> Result<Self, Vec<Problem>> {
        let mut doc = Document::empty();
        doc.root = doc.load_chain(path, None)?;
        Ok(doc)
    }

    /// Reads a scenario given as text (used for the built-in verification models). `label` names
    /// it in messages; `extends` is resolved relative to the label's directory.
    pub fn from_text(label: &Path, text: &str) -> Result<Self, Vec<Problem>> {
        let mut doc = Document::empty();
        doc.root = doc.load_text(label, text, None)?;
        Ok(doc)
    }

    fn load_chain(
        &mut self,
        path: &Path,
        from: Option<(usize, usize, &str)>,
    ) -> Result<Node, Vec<Problem>> {
        let text = match read_text(path) {
            Ok(t) => t,
            Err(e) => {
                let (file, line, key, message) = match from {
                    Some((f, l, written)) => (
                        self.files[f].clone(),
                        Some(l),
                        KeyPath::parse("extends"),
                        // Both what was written and where it led: a relative name is taken from
                        // this file's folder, not from where cjmh was run, which surprises.
                        format!(
                            "cannot read the scenario it extends: `extends = \"{written}\"` is relative to this file's folder, so cjmh tried {}: {e}",
                            std::path::absolute(path)
                                .unwrap_or_else(|_| path.to_path_buf())
                                .display()
                        ),
                    ),
                    None => (
                        path.to_path_buf(),
                        None,
                        KeyPath::root(),
                        format!("cannot read the scenario file: {e}"),
                    ),
                };
                return Err(vec![Problem {
                    file,
                    line,
                    key,
                    message,
                }]);
            }
        };
        self.load_text(path, &text, from.map(|(f, l, _)| (f, l)))
    }

    fn load_text(
        &mut self,
        path: &Path,
        text: &str,
        from: Option<(usize, usize)>,
    ) -> Result<Node, Vec<Problem>> {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        for (i, f) in self.files.iter().enumerate() {
            let other = f.canonicalize().unwrap_or_else(|_| f.clone());
            if other == canonical {
                let (ff, l) = from.unwrap_or((i, 1));
                let chain: Vec<String> = self
                    .files
                    .iter()
                    .chain(std::iter::once(&path.to_path_buf()))
                    .map(|p| p.display().to_string())
                    .collect();
                return Err(vec![Problem {
                    file: self.files[ff].clone(),
                    line: Some(l),
                    key: KeyPath::parse("extends"),
                    message: format!("`extends` forms a cycle: {}", chain.join(" -> ")),
                }]);
            }
        }
        if self.files.len() >= MAX_EXTENDS_DEPTH
            && let Some((f, l)) = from
        {
            return Err(vec![Problem {
                file: self.files[f].clone(),
                line: Some(l),
                key: KeyPath::parse("extends"),
                message: format!(
                    "`extends` goes more than {MAX_EXTENDS_DEPTH} files deep (the most a scenario may extend through)"
                ),
            }]);
        }
        let index = self.files.len();
        self.files.push(path.to_path_buf());
        let mut node = parse(text, index).map_err(|(line, message)| {
            vec![Problem {
                file: path.to_path_buf(),
                line: Some(line),
                key: KeyPath::root(),
                message,
            }]
        })?;
        let Kind::Table(entries) = &mut node.kind else {
            unreachable!("a TOML document is a table")
        };
        let Some(pos) = entries.iter().position(|(k, _)| k == "extends") else {
            return Ok(node);
        };
        let (_, ext) = entries.remove(pos);
        let Kind::Scalar(toml::Value::String(target)) = &ext.kind else {
            return Err(vec![Problem {
                file: path.to_path_buf(),
                line: Some(ext.origin.line),
                key: KeyPath::parse("extends"),
                message: "`extends` must be a file name in quotes, relative to this file".into(),
            }]);
        };
        // Joined, not normalised: `..` must go through symlinked folders as the OS resolves it.
        let parent_path = path.parent().unwrap_or(Path::new(".")).join(target);
        let parent = self.load_chain(
            &parent_path,
            Some((index, ext.origin.line, target.as_str())),
        )?;
        Ok(merge(parent, node))
    }

    /// Where the value at `key` (or its nearest written ancestor) was written.
    pub fn locate(&self, key: &KeyPath) -> (PathBuf, Option<usize>) {
        let mut node = &self.root;
        let mut found: Option<Origin> = None;
        for seg in &key.0 {
            let next = match (&node.kind, seg) {
                (Kind::Table(entries), Segment::Key(k)) => {
                    entries.iter().find(|(name, _)| name == k).map(|(_, n)| n)
                }
                (Kind::Array(items), Segment::Index(i)) => items.get(*i),
                _ => None,
            };
            match next {
                Some(n) => {
                    node = n;
                    found = Some(n.origin);
                }
                None => break,
            }
        }
        let origin = found.unwrap_or(self.root.origin);
        (self.files[origin.file].clone(), found.map(|o| o.line))
    }

    /// Where the value at `key` itself was written, if the document has it.
    pub fn origin(&self, key: &KeyPath) -> Option<Origin> {
        let mut node = &self.root;
        for seg in &key.0 {
            node = match (&node.kind, seg) {
                (Kind::Table(entries), Segment::Key(k)) => {
                    entries.iter().find(|(name, _)| name == k).map(|(_, n)| n)?
                }
                (Kind::Array(items), Segment::Index(i)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(node.origin)
    }

    /// A problem at `key`, located.
    pub fn problem(&self, key: KeyPath, message: impl Into<String>) -> Problem {
        let (file, line) = self.locate(&key);
        Problem {
            file,
            line,
            key,
            message: message.into(),
        }
    }

    /// Adds a problem at `key` to `problems`, located while fewer than
    /// [`MAX_PROBLEMS_LISTED`] are there; past that it is only counted (locating walks the
    /// tables on its path, so locating every one of a hundred thousand problems in one table is
    /// quadratic), and [`super::error::listed`] reports how many more there were.
    pub fn report(&self, problems: &mut Vec<Problem>, key: KeyPath, message: impl Into<String>) {
        if problems.len() < MAX_PROBLEMS_LISTED {
            problems.push(self.problem(key, message));
        } else {
            problems.push(Problem {
                file: self.files.first().cloned().unwrap_or_default(),
                line: None,
                key,
                message: message.into(),
            });
        }
    }

    /// Sets the number at `key`: the `value` of a parameter table (whose `low`/`high` range no
    /// longer applies once a sweep sets it, so it is dropped; a `phase_in` keeps its days and
    /// now rises to the value set, each point capped at it), or a bare number. Fails, saying
    /// why, if the document writes no number there.
    pub fn set_number(&mut self, key: &KeyPath, value: f64) -> Result<(), String> {
        let mut node = &mut self.root;
        for seg in &key.0 {
            let next = match (&mut node.kind, seg) {
                (Kind::Table(entries), Segment::Key(k)) => entries
                    .iter_mut()
                    .find(|(name, _)| name == k)
                    .map(|(_, n)| n),
                _ => None,
            };
            node = next.ok_or_else(|| {
                format!("the scenario has no `{key}` (check the spelling; every section and key is in scenarios/baseline.toml)")
            })?;
        }
        let number = |old: &toml::Value| match old {
            toml::Value::Integer(_) if value.fract() == 0.0 && value.abs() < 9e15 => {
                toml::Value::Integer(value as i64)
            }
            _ => toml::Value::Float(value),
        };
        match &mut node.kind {
            Kind::Scalar(v @ (toml::Value::Integer(_) | toml::Value::Float(_))) => {
                *v = number(v);
                Ok(())
            }
            Kind::Table(entries) if entries.iter().any(|(k, _)| k == "value") => {
                entries.retain(|(k, _)| k != "low" && k != "high");
                // A phase-in keeps its dates and rises to the value set, no higher: each point
                // is capped at it, and the last point is it.
                if let Some((_, n)) = entries.iter_mut().find(|(k, _)| k == "phase_in")
                    && let Kind::Array(points) = &mut n.kind
                {
                    let count = points.len();
                    for (i, point) in points.iter_mut().enumerate() {
                        if let Kind::Array(pair) = &mut point.kind
                            && let Some(Node {
                                kind: Kind::Scalar(v),
                                ..
                            }) = pair.get_mut(1)
                        {
                            let old = match v {
                                toml::Value::Integer(i) => *i as f64,
                                toml::Value::Float(f) => *f,
                                _ => continue,
                            };
                            let new = if i + 1 == count {
                                value
                            } else {
                                old.min(value)
                            };
                            *v = toml::Value::Float(new);
                        }
                    }
                }
                for (k, n) in entries.iter_mut() {
                    if k == "value"
                        && let Kind::Scalar(v) = &mut n.kind
                    {
                        *v = number(v);
                    }
                }
                Ok(())
            }
            Kind::Table(entries) if entries.iter().any(|(k, _)| k == "dist") => Err(format!(
                "`{key}` is a distribution, not a number: vary one of its keys (for example `{key}.mean`)"
            )),
            _ => Err(format!("`{key}` is not a number")),
        }
    }

    /// The merged tree as a plain TOML value, for serde.
    pub fn to_value(&self) -> toml::Value {
        to_value(&self.root)
    }
}

fn to_value(node: &Node) -> toml::Value {
    match &node.kind {
        Kind::Scalar(v) => v.clone(),
        Kind::Array(items) => toml::Value::Array(items.iter().map(to_value).collect()),
        Kind::Table(entries) => toml::Value::Table(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect(),
        ),
    }
}

/// Reads a scenario or sweep file (or a file one `extends`) as text: only a regular file
/// (following symbolic links), and at most [`MAX_SCENARIO_FILE_BYTES`]. A FIFO would block the
/// read for ever and `/dev/zero` would fill memory, so neither is opened; the size is checked
/// before reading and again while reading, so a file that grows under us cannot pass it. The
/// error is a sentence to follow "cannot read ...: ".
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_regular(path, MAX_SCENARIO_FILE_BYTES, "a scenario file")?;
    String::from_utf8(bytes).map_err(|_| "stream did not contain valid UTF-8".to_string())
}

/// Reads `path` if it is a regular file (following symbolic links) of at most `limit` bytes,
/// checked before reading, on the opened file, and while reading; `what` names the kind of
/// file in the message ("a scenario file"). Shared with the outputs cjmh reads back. The error
/// is a sentence to follow "cannot read ...: ".
pub fn read_regular(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let too_big = |size: &str| {
        format!(
            "{size}, more than the {} MiB {what} may have",
            limit / (1024 * 1024)
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!(
            "it is {}, not a regular file",
            kind_of_file(&meta.file_type())
        ));
    }
    if meta.len() > limit {
        return Err(too_big(&format!("it has {} bytes", meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    // The path may have been replaced between the two looks: check what was opened.
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(m) => {
            return Err(format!(
                "it is {}, not a regular file",
                kind_of_file(&m.file_type())
            ));
        }
        Err(e) => return Err(e.to_string()),
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(too_big("it grew while being read"));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for a message.
pub fn kind_of_file(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Lays `over` on top of `base`: tables merge key by key, everything else is replaced.
fn merge(base: Node, over: Node) -> Node {
    match (base.kind, over.kind) {
        // A parameter (a table with `value` or `dist`) is replaced whole: a child that sets a
        // new value with its own `source` must not inherit the parent's `low`/`high` range,
        // nor a lognormal's `sd` when it switches the family.
        (Kind::Table(mut entries), Kind::Table(over_entries)) if !is_parameter(&over_entries) => {
            for (k, v) in over_entries {
                match entries.iter().position(|(name, _)| *name == k) {
                    Some(i) => {
                        let old = entries.remove(i).1;
                        entries.insert(i, (k, merge(old, v)));
                    }
                    None => entries.push((k, v)),
                }
            }
            // A table both files write is credited to the later file: a problem in the merged
            // table (say, routes that no longer add up) was made by the override.
            Node {
                kind: Kind::Table(entries),
                origin: over.origin,
            }
        }
        (_, kind) => Node {
            kind,
            origin: over.origin,
        },
    }
}

fn is_parameter(entries: &[(String, Node)]) -> bool {
    entries.iter().any(|(k, _)| k == "value" || k == "dist")
}

/// Where each line of a text starts, to turn a byte offset into its line.
///
/// Built in one pass over the text; each lookup is a binary search. Every key and array item of
/// a file is located, so a lookup that counted newlines from the start of the text, as one once
/// did, made parsing quadratic: 9.5 s for a 490 KB quantile table and over two minutes for 2 MB.
#[derive(Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// Work done so far: bytes scanned to build the index plus steps of every lookup's binary
    /// search. Counted so that a test can hold parsing to linear work without timing it.
    work: std::cell::Cell<u64>,
}

impl LineIndex {
    /// The index of `text`'s lines.
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(newlines(text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex {
            starts,
            work: std::cell::Cell::new(text.len() as u64),
        }
    }

    /// The 1-based line that the byte at `offset` is on (the newline that ends a line is on
    /// that line; an offset past the end is on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        let steps = usize::BITS - self.starts.len().leading_zeros();
        self.work.set(self.work.get() + u64::from(steps));
        self.starts.partition_point(|&s| s <= offset)
    }

    /// Bytes scanned to build the index plus binary-search steps of every lookup so far: linear
    /// in the text's length for a parse (a lookup costs about log2 of the number of lines).
    pub fn work(&self) -> u64 {
        self.work.get()
    }
}

/// Offsets of every `\n` in `bytes`.
fn newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
}

/// Parses TOML into a located tree; on failure, the line and message.
fn parse(text: &str, file: usize) -> Result<Node, (usize, String)> {
    parse_with(text, file, &LineIndex::new(text))
}

/// The work of locating every key and item of `text` while parsing it as a scenario file: the
/// [`LineIndex::work`] after the parse, valid TOML or not. Linear in the text's length; the
/// hostile-input tests hold it to that without timing anything.
pub fn parse_work(text: &str) -> u64 {
    let lines = LineIndex::new(text);
    let _ = parse_with(text, 0, &lines);
    lines.work()
}

/// [`parse`] with the text's line index.
fn parse_with(text: &str, file: usize, lines: &LineIndex) -> Result<Node, (usize, String)> {
    let doc = toml_edit::Document::parse(text.to_string()).map_err(|e| {
        let line = e.span().map(|s| lines.line_of(s.start)).unwrap_or(1);
        (line, format!("not valid TOML: {}", e.message().trim()))
    })?;
    let at = |span: Option<std::ops::Range<usize>>| Origin {
        file,
        line: span.map(|s| lines.line_of(s.start)).unwrap_or(1),
    };
    fn value(
        v: &toml_edit::Value,
        origin: Origin,
        at: &dyn Fn(Option<std::ops::Range<usize>>) -> Origin,
    ) -> Node {
        let kind = match v {
            toml_edit::Value::String(s) => Kind::Scalar(toml::Value::String(s.value().clone())),
            toml_edit::Value::Integer(i) => Kind::Scalar(toml::Value::Integer(*i.value())),
            toml_edit::Value::Float(f) => Kind::Scalar(toml::Value::Float(*f.value())),
            toml_edit::Value::Boolean(b) => Kind::Scalar(toml::Value::Boolean(*b.value())),
            toml_edit::Value::Datetime(d) => {
                Kind::Scalar(toml::Value::String(d.value().to_string()))
            }
            toml_edit::Value::Array(a) => Kind::Array(
                a.iter()
                    .map(|item| {
                        let o = at(item.span());
                        value(item, if item.span().is_some() { o } else { origin }, at)
                    })
                    .collect(),
            ),
            toml_edit::Value::InlineTable(t) => Kind::Table(
                t.iter()
                    .map(|(k, item)| {
                        let key_span = t.key(k).and_then(|key| key.span());
                        let o = if key_span.is_some() {
                            at(key_span)
                        } else {
                            origin
                        };
                        (k.to_string(), value(item, o, at))
                    })
                    .collect(),
            ),
        };
        Node { kind, origin }
    }
    fn item(
        it: &toml_edit::Item,
        origin: Origin,
        at: &dyn Fn(Option<std::ops::Range<usize>>) -> Origin,
    ) -> Node {
        match it {
            toml_edit::Item::Value(v) => value(v, origin, at),
            toml_edit::Item::Table(t) => table(t, origin, at),
            toml_edit::Item::ArrayOfTables(a) => Node {
                kind: Kind::Array(
                    a.iter()
                        .map(|t| {
                            let o = if t.span().is_some() {
                                at(t.span())
                            } else {
                                origin
                            };
                            table(t, o, at)
                        })
                        .collect(),
                ),
                origin,
            },
            toml_edit::Item::None => Node {
                kind: Kind::Table(Vec::new()),
                origin,
            },
        }
    }
    fn table(
        t: &toml_edit::Table,
        origin: Origin,
        at: &dyn Fn(Option<std::ops::Range<usize>>) -> Origin,
    ) -> Node {
        Node {
            kind: Kind::Table(
                t.iter()
                    .map(|(k, it)| {
                        let key_span = t.key(k).and_then(|key| key.span());
                        let o = if key_span.is_some() {
                            at(key_span)
                        } else if it.span().is_some() {
                            at(it.span())
                        } else {
                            origin
                        };
                        (k.to_string(), item(it, o, at))
                    })
                    .collect(),
            ),
            origin,
        }
    }
    Ok(table(doc.as_table(), Origin { file, line: 1 }, &at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index gives every offset the line that counting newlines before it gives.
    #[test]
    fn the_line_index_agrees_with_counting_newlines() {
        for text in [
            "",
            "a",
            "\n",
            "a\nb",
            "a\n\nb\n",
            "\n\nx = 1\ny = [1,\n2]\n",
        ] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let counted = text.as_bytes()[..offset.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                assert_eq!(index.line_of(offset), counted, "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn merge_overrides_leaves_and_keeps_siblings() {
        let base = parse("[a]\nx = 1\ny = 2\n[b]\nz = [1, 2]\n", 0).unwrap();
        let over = parse("[a]\ny = 5\n[b]\nz = [9]\n", 1).unwrap();
        let merged = to_value(&merge(base, over));
        let expected: toml::Value = toml::from_str("[a]\nx = 1\ny = 5\n[b]\nz = [9]\n").unwrap();
        assert_eq!(merged, expected);
    }

    #[test]
    fn a_parameter_is_replaced_whole_not_merged() {
        let base = parse(
            "[a]\nx = { value = 0.2, low = 0.1, high = 0.3, source = \"s\" }\n",
            0,
        )
        .unwrap();
        let over = parse("[a]\nx = { value = 0.9, source = \"t\" }\n", 1).unwrap();
        let merged = to_value(&merge(base, over));
        let expected: toml::Value =
            toml::from_str("[a]\nx = { value = 0.9, source = \"t\" }\n").unwrap();
        assert_eq!(merged, expected);
    }
}
