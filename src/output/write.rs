//! Writing files so that a reader never sees half of one: write to a temporary name in the same
//! directory, flush to disk, then rename over the final name.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::temp;

/// A temporary name beside `path` for a file being written: hidden, tagged, and with the
/// process id and host (see [`temp`]), so that concurrent writers never share one and a later
/// run can tell a dead process's.
pub fn temp_path(path: &Path, tag: &str) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    dir.join(temp::file_name(&name, tag))
}

/// Writes `bytes` to `path` atomically. The temporary file is registered while it exists, so
/// that SIGINT or SIGTERM removes it.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(path, "write");
    let result = (|| {
        let mut f = temp::create(&tmp, |p| std::fs::File::create(p))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    temp::forget(&tmp);
    result
}

/// Largest file cjmh reads back from its own outputs (a sweep unit, `sweep.json`, a manifest):
/// far above any it writes (a unit is a few kilobytes; a 100,000-point sweep's `sweep.json` a
/// few megabytes).
pub const MAX_OWN_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a file cjmh wrote earlier, refusing anything but a regular file of at most
/// [`MAX_OWN_FILE_BYTES`]: a FIFO left in its place would block for ever, and a link to
/// `/dev/zero` would grow without end.
pub fn read_own_file(path: &Path) -> std::io::Result<Vec<u8>> {
    // A missing file keeps its error kind: callers tell a missing unit from a damaged one.
    std::fs::metadata(path)?;
    crate::scenario::file::read_regular(path, MAX_OWN_FILE_BYTES, "a file cjmh wrote")
        .map_err(std::io::Error::other)
}
