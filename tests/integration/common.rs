//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture file under `tests/fixtures`, as an absolute path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A fresh, empty directory under the system temporary directory, removed on drop.
///
/// `tempfile` picks a random name and creates the directory only if nothing has that name, so
/// tests running in parallel (and several `cargo test` processes at once) never share or delete
/// each other's directories. The label starts the name, to tell whose a leftover is.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cjmh-test-{label}-"))
            .tempdir()
            .expect("a temporary directory can be created");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `text` to `rel` inside the directory (creating parent folders); returns the path.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// Runs `cjmh` with `args` in a fresh, empty temporary working directory, so that nothing a
/// command writes by default (such as `out/`) can land in the source tree. Pass absolute paths.
pub fn cjmh<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let cwd = TempDir::new("cwd");
    cjmh_in(cwd.path(), args)
}

/// Runs `cjmh` with `args` from `dir`.
pub fn cjmh_in<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_cjmh"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the cjmh binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The file names in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A small valid scenario body (one queue, one arrival stream) to build test files from.
pub const MINIMAL: &str = "[arrivals.people]\nto = \"queue\"\nrate_per_day = 2\n\n\
[stages.queue]\ncapacity = 1\nduration = { dist = \"exponential\", mean = 0.3 }\n";
