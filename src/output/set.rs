//! A command's outputs as one set: written in full to a staging directory beside them, then
//! renamed into place together, the manifest last, or not at all.
//!
//! - **Only regular files are replaced.** An existing output that is a symbolic link, a device,
//!   a FIFO, a socket or a directory is refused (checked with `symlink_metadata`, so a link is
//!   never followed), before the work starts and again at the commit, and nothing is written.
//!   The output *directory* may itself be a symbolic link to a directory (clusters often link
//!   scratch space in); the files inside it are held to the rule.
//! - **All or nothing.** Files are written and flushed to disk in `.cjmh-staging-{pid}-{host}/`
//!   inside the output directory. At the commit the previous outputs are moved aside into it,
//!   the previous manifest first, the new files renamed into place, the new manifest last, and
//!   the staging directory (with what was moved aside) removed. Should a rename fail, what was
//!   renamed is undone and the previous outputs are put back, their manifest last. Dropped
//!   without a commit (an error, an early return), the set removes its staging directory.
//! - **Only this run's outputs.** Files that the previous manifest of the same command lists
//!   and this run does not write (`events.csv` from an earlier `run --events`) are removed at
//!   the commit. Files that no manifest lists, directories, and the outputs of another command
//!   are left alone.
//!
//! [`write_file`] is the same for a command whose output is a single file (`--out FILE`).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::temp;

/// Why outputs were not written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    /// An output would replace something that is not a regular file.
    #[error("{0}")]
    Refused(String),
    /// Writing or renaming failed; the message names the path.
    #[error("{0}")]
    Failed(String),
}

/// A failure on `path`.
fn failed(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |e| OutputError::Failed(format!("cannot write {}: {e}", path.display()))
}

/// What a non-regular file is, in words.
fn kind(path: &Path, m: &std::fs::Metadata) -> String {
    let t = m.file_type();
    if t.is_symlink() {
        return match std::fs::read_link(path) {
            Ok(to) => format!("a symbolic link (to {})", to.display()),
            Err(_) => "a symbolic link".into(),
        };
    }
    crate::scenario::file::kind_of_file(&t).into()
}

/// Whether `path` may be written: absent or a regular file. A link is not followed.
pub fn check_target(path: &Path) -> Result<(), OutputError> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(OutputError::Failed(format!(
            "cannot write {}: {e}",
            path.display()
        ))),
        Ok(m) if m.file_type().is_file() => Ok(()),
        Ok(m) => Err(OutputError::Refused(format!(
            "{} is {}; cjmh writes only regular files and does not replace anything else: \
             remove it or choose another path",
            path.display(),
            kind(path, &m)
        ))),
    }
}

/// Whether `name` is a plain file name (no directory, not hidden, not `.` or `..`): a name
/// read from an old manifest is removed only then.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name))
}

/// The `command` and `outputs` of the manifest in `bytes`, if it is one.
fn manifest_outputs(bytes: &[u8]) -> Option<(String, Vec<String>)> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let command = v.get("command")?.as_str()?.to_string();
    let outputs = v
        .get("outputs")?
        .as_array()?
        .iter()
        .filter_map(|o| o.as_str().map(String::from))
        .collect();
    Some((command, outputs))
}

/// Writes `bytes` to a new file at `path` and flushes it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Flushes the renames in `dir` to disk, where a directory can be opened (best effort).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The manifest's name: renamed into place last.
const MANIFEST: &str = "manifest.json";

/// A command's outputs, staged until [`OutputSet::commit`].
#[derive(Debug)]
pub struct OutputSet {
    dir: PathBuf,
    staging: PathBuf,
    command: String,
    staged: Vec<String>,
    stale: Vec<(PathBuf, u32)>,
    committed: bool,
    /// For tests: the commit fails before this many of its renames into place.
    #[cfg(test)]
    fail_at: Option<usize>,
}

impl OutputSet {
    /// Begins the outputs of `command` in `dir` (created if missing). `names` are the files it
    /// expects to write: each is checked now, so that a target that would be refused is found
    /// before the work. Temporaries left in `dir` by dead processes are removed
    /// ([`OutputSet::stale`] says which).
    pub fn begin(dir: &Path, command: &str, names: &[&str]) -> Result<Self, OutputError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            OutputError::Failed(format!(
                "cannot create the output directory {}: {e}",
                dir.display()
            ))
        })?;
        for n in names {
            check_target(&dir.join(n))?;
        }
        let stale = temp::remove_stale(dir);
        let staging = dir.join(temp::staging_name());
        // One left by a process of this host with this process's id is not anyone's now.
        let _ = temp::remove(&staging);
        temp::create(&staging, |p| std::fs::create_dir(p)).map_err(failed(&staging))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            staging,
            command: command.to_string(),
            staged: Vec::new(),
            stale,
            committed: false,
            #[cfg(test)]
            fail_at: None,
        })
    }

    /// The temporaries of dead processes removed from the directory, each with its process.
    pub fn stale(&self) -> &[(PathBuf, u32)] {
        &self.stale
    }

    /// The staging directory: files written here (see [`OutputSet::adopt`]) and temporary
    /// files of the command's own are removed with it should the set not be committed.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Takes the file `name`, already written and flushed in the staging directory, into the
    /// set.
    pub fn adopt(&mut self, name: &str) {
        debug_assert!(is_plain_name(name) && name != MANIFEST, "{name}");
        if !self.staged.iter().any(|s| s == name) {
            self.staged.push(name.to_string());
        }
    }

    /// Writes the file `name` of the set.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        write_synced(&self.staging.join(name), bytes).map_err(failed(&self.dir.join(name)))?;
        self.adopt(name);
        Ok(())
    }

    /// Puts every staged file in place, then `manifest` as `manifest.json` if given, and
    /// removes what the previous manifest of the same command listed and this one does not.
    pub fn commit(mut self, manifest: Option<&[u8]>) -> Result<(), OutputError> {
        let mut names = self.staged.clone();
        if let Some(m) = manifest {
            write_synced(&self.staging.join(MANIFEST), m)
                .map_err(failed(&self.dir.join(MANIFEST)))?;
            names.push(MANIFEST.to_string());
        }
        // From here to the end a signal waits: it finds the old outputs or the new.
        let mut live = temp::hold();
        for n in &names {
            check_target(&self.dir.join(n))?;
        }
        let listed: Vec<String> = match manifest.and_then(manifest_outputs) {
            Some((_, outputs)) => outputs,
            None => names.clone(),
        };
        // What the previous run of this command wrote that this one does not.
        let old = super::write::read_own_file(&self.dir.join(MANIFEST))
            .ok()
            .and_then(|b| manifest_outputs(&b));
        let leftovers: Vec<String> = match (&old, manifest) {
            (Some((command, outputs)), Some(_)) if *command == self.command => outputs
                .iter()
                .filter(|o| is_plain_name(o) && !listed.contains(o) && !names.contains(o))
                .filter(|o| std::fs::symlink_metadata(self.dir.join(o)).is_ok_and(|m| m.is_file()))
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        // Moved aside: the old manifest first, so that at no moment does it stand beside
        // files of another run.
        let mut aside: Vec<&String> = names.iter().rev().chain(&leftovers).collect();
        aside.retain(|n| std::fs::symlink_metadata(self.dir.join(n)).is_ok());
        let previous = self.staging.join(".previous");
        let result = self.swap(&previous, &aside, &names);
        match result {
            Ok(()) => {
                sync_dir(&self.dir);
                // The staging directory now holds only what was replaced or left over.
                let _ = std::fs::remove_dir_all(&self.staging);
                live.remove(&self.staging);
                self.committed = true;
                Ok(())
            }
            Err(e) if e.1 => {
                // The previous outputs could not all be put back: what remains of them is
                // kept under a name that is not a temporary's, for no signal or later run to
                // remove.
                let kept = self
                    .dir
                    .join(format!("cjmh-previous-outputs-{}", std::process::id()));
                let kept = match std::fs::rename(&previous, &kept) {
                    Ok(()) => kept,
                    Err(_) => {
                        live.remove(&self.staging);
                        self.committed = true;
                        previous
                    }
                };
                Err(OutputError::Failed(format!(
                    "{}; the previous outputs could not all be put back: what remains of them is in {}",
                    e.0,
                    kept.display()
                )))
            }
            Err(e) => Err(OutputError::Failed(e.0)),
        }
    }

    /// Whether the commit is to fail before its `i`th rename into place (only in tests).
    fn fails_at(&self, i: usize) -> bool {
        #[cfg(test)]
        return self.fail_at == Some(i);
        #[cfg(not(test))]
        {
            let _ = i;
            false
        }
    }

    /// Moves `aside` into `previous`, then renames `names` from the staging directory into
    /// place. On failure undoes what it did; the error says whether undoing failed too.
    fn swap(
        &self,
        previous: &Path,
        aside: &[&String],
        names: &[String],
    ) -> Result<(), (String, bool)> {
        let mut moved: Vec<&String> = Vec::new();
        let mut placed: Vec<&String> = Vec::new();
        let mut outcome = std::fs::create_dir(previous)
            .map_err(|e| format!("cannot write {}: {e}", previous.display()));
        if outcome.is_ok() {
            for n in aside {
                match std::fs::rename(self.dir.join(n), previous.join(n)) {
                    Ok(()) => moved.push(n),
                    // Gone since it was seen: nothing to put back.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        outcome = Err(format!(
                            "cannot move {} aside: {e}",
                            self.dir.join(n).display()
                        ));
                        break;
                    }
                }
            }
        }
        if outcome.is_ok() {
            for (i, n) in names.iter().enumerate() {
                let renamed = if self.fails_at(i) {
                    Err(std::io::Error::other("failed for a test"))
                } else {
                    std::fs::rename(self.staging.join(n), self.dir.join(n))
                };
                if let Err(e) = renamed {
                    outcome = Err(format!("cannot write {}: {e}", self.dir.join(n).display()));
                    break;
                }
                placed.push(n);
            }
        }
        let Err(message) = outcome else {
            return Ok(());
        };
        let mut undone = true;
        for n in placed.iter().rev() {
            undone &= std::fs::remove_file(self.dir.join(n)).is_ok();
        }
        // The old manifest was moved first, so it is put back last.
        for n in moved.iter().rev() {
            undone &= std::fs::rename(previous.join(n), self.dir.join(n)).is_ok();
        }
        sync_dir(&self.dir);
        Err((message, !undone))
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let mut live = temp::hold();
            let _ = std::fs::remove_dir_all(&self.staging);
            live.remove(&self.staging);
        }
    }
}

/// Writes `bytes` to `path`, a single-file output: refused unless `path` is absent or a
/// regular file; written under a temporary name beside it, flushed and renamed, or not at all.
/// Temporaries left beside it by dead processes are removed first; returned, each with its
/// process.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<Vec<(PathBuf, u32)>, OutputError> {
    check_target(path)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stale = temp::remove_stale(dir);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = dir.join(temp::file_name(&name, "write"));
    let result = (|| {
        let mut f = temp::create(&tmp, |p| File::create(p))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        // Held, so that a signal does not remove the temporary between the check and the
        // rename, and the check is as late as can be.
        let live = temp::hold();
        check_target(path).map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::rename(&tmp, path)?;
        drop(live);
        Ok::<(), std::io::Error>(())
    })();
    if let Err(e) = result {
        let refused = check_target(path).err();
        let _ = std::fs::remove_file(&tmp);
        temp::forget(&tmp);
        return Err(refused.unwrap_or_else(|| failed(path)(e)));
    }
    temp::forget(&tmp);
    sync_dir(dir);
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(label: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cjmh-set-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn manifest(command: &str, outputs: &[&str], tag: &str) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "command": command, "outputs": outputs, "tag": tag,
        }))
        .unwrap()
    }

    #[test]
    fn a_commit_replaces_the_outputs_and_removes_those_of_the_previous_run_only() {
        let d = dir("commit");
        std::fs::write(d.join("mine.txt"), "not cjmh's").unwrap();
        let mut s = OutputSet::begin(&d, "run", &["a.csv", "b.csv"]).unwrap();
        s.write("a.csv", b"a1").unwrap();
        s.write("b.csv", b"b1").unwrap();
        s.commit(Some(&manifest("run", &["a.csv", "b.csv"], "1")))
            .unwrap();
        assert_eq!(names(&d), ["a.csv", "b.csv", "manifest.json", "mine.txt"]);
        // Another command's outputs are left; this command's own that it no longer writes go.
        let mut s = OutputSet::begin(&d, "run", &["a.csv"]).unwrap();
        s.write("a.csv", b"a2").unwrap();
        s.commit(Some(&manifest("run", &["a.csv"], "2"))).unwrap();
        assert_eq!(names(&d), ["a.csv", "manifest.json", "mine.txt"]);
        assert_eq!(std::fs::read(d.join("a.csv")).unwrap(), b"a2");
        std::fs::write(d.join("c.csv"), "c").unwrap();
        let mut s = OutputSet::begin(&d, "other", &[]).unwrap();
        s.write("b.csv", b"b3").unwrap();
        s.commit(Some(&manifest("other", &["b.csv"], "3"))).unwrap();
        assert_eq!(
            names(&d),
            ["a.csv", "b.csv", "c.csv", "manifest.json", "mine.txt"]
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_manifest_cannot_remove_what_is_outside_its_directory() {
        let d = dir("escape");
        let out = d.join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(d.join("precious"), "keep").unwrap();
        std::fs::write(out.join(".hidden"), "keep").unwrap();
        std::fs::create_dir(out.join("units")).unwrap();
        let evil = manifest(
            "run",
            &["../precious", ".hidden", "units", "units/", ""],
            "0",
        );
        std::fs::write(out.join(MANIFEST), evil).unwrap();
        let mut s = OutputSet::begin(&out, "run", &[]).unwrap();
        s.write("a.csv", b"a").unwrap();
        s.commit(Some(&manifest("run", &["a.csv"], "1"))).unwrap();
        assert_eq!(names(&d), ["out", "precious"]);
        assert_eq!(names(&out), [".hidden", "a.csv", "manifest.json", "units"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_commit_that_fails_at_any_rename_leaves_the_previous_outputs_whole() {
        let d = dir("rollback");
        let mut s = OutputSet::begin(&d, "run", &[]).unwrap();
        s.write("a.csv", b"old a").unwrap();
        s.write("events.csv", b"old events").unwrap();
        let old_manifest = manifest("run", &["a.csv", "events.csv"], "old");
        s.commit(Some(&old_manifest)).unwrap();
        let before: Vec<(String, Vec<u8>)> = names(&d)
            .into_iter()
            .map(|n| (n.clone(), std::fs::read(d.join(&n)).unwrap()))
            .collect();
        // a.csv, b.csv, manifest.json: fail before each rename, the manifest's included.
        for fail_at in 0..3 {
            let mut s = OutputSet::begin(&d, "run", &[]).unwrap();
            s.write("a.csv", b"new a").unwrap();
            s.write("b.csv", b"new b").unwrap();
            s.fail_at = Some(fail_at);
            let e = s
                .commit(Some(&manifest("run", &["a.csv", "b.csv"], "new")))
                .unwrap_err();
            assert!(matches!(e, OutputError::Failed(_)), "{e:?}");
            let after: Vec<(String, Vec<u8>)> = names(&d)
                .into_iter()
                .map(|n| (n.clone(), std::fs::read(d.join(&n)).unwrap()))
                .collect();
            assert_eq!(after, before, "failed before rename {fail_at}");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_set_dropped_without_a_commit_leaves_nothing() {
        let d = dir("drop");
        let mut s = OutputSet::begin(&d, "run", &[]).unwrap();
        s.write("a.csv", b"a").unwrap();
        assert!(s.staging().exists());
        drop(s);
        assert!(names(&d).is_empty(), "{:?}", names(&d));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_is_refused_and_a_symlinked_directory_is_used() {
        let d = dir("links");
        let real = d.join("real");
        std::fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink(&real, d.join("linked")).unwrap();
        std::os::unix::fs::symlink(d.join("elsewhere"), real.join("b.csv")).unwrap();
        let e = OutputSet::begin(&d.join("linked"), "run", &["b.csv"]).unwrap_err();
        assert!(
            matches!(&e, OutputError::Refused(m) if m.contains("symbolic link")),
            "{e:?}"
        );
        let mut s = OutputSet::begin(&d.join("linked"), "run", &["a.csv"]).unwrap();
        s.write("b.csv", b"b").unwrap();
        let e = s.commit(None).unwrap_err();
        assert!(matches!(e, OutputError::Refused(_)), "{e:?}");
        assert!(!d.join("elsewhere").exists());
        assert_eq!(names(&real), ["b.csv"]);
        std::fs::remove_file(real.join("b.csv")).unwrap();
        let mut s = OutputSet::begin(&d.join("linked"), "run", &["a.csv"]).unwrap();
        s.write("a.csv", b"a").unwrap();
        s.commit(None).unwrap();
        assert_eq!(names(&real), ["a.csv"]);
        assert!(
            std::fs::symlink_metadata(d.join("linked"))
                .unwrap()
                .is_symlink()
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
