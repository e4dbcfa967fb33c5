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
