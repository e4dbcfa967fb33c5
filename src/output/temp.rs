//! Temporary files and directories: named after the process that made them, registered while
//! they live so that SIGINT or SIGTERM removes them, and removed by a later run in the same
//! directory when their process died without the chance to (`kill -9`, a power cut).
//!
//! Every temporary name this program makes ends in `-{pid}-{host}`: `host` is eight hex digits
//! hashed from the host name and the process-id namespace, where the process id means
//! something. On storage shared by several machines (a cluster's scratch space) or containers,
//! a run never takes another machine's or container's live process for a dead one of its own.
//!
//! ```text
//! .cjmh-staging-{pid}-{host}/          a command's outputs before they are renamed into place
//! .{name}.{tag}.tmp-{pid}-{host}       one file written under a temporary name
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// `{pid}-{host}`: whose a temporary name is.
fn owner() -> &'static str {
    static OWNER: OnceLock<String> = OnceLock::new();
    OWNER.get_or_init(|| format!("{}-{}", std::process::id(), host_tag()))
}

/// Eight hex digits of the FNV-1a hash of this machine's host name and, on Linux, of the
/// process-id namespace this process is in: the same digits for every process that sees the
/// same process ids (where neither is known, for every such process).
pub fn host_tag() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let namespace = std::fs::read_link("/proc/self/ns/pid")
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let mut h: u32 = 0x811c_9dc5;
    for b in name.trim().bytes().chain([0]).chain(namespace.bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("{h:08x}")
}

/// The name of this process's staging directory.
pub fn staging_name() -> String {
    format!(".cjmh-staging-{}", owner())
}

/// A temporary name for a file to be renamed to `name`, tagged with what is writing it.
pub fn file_name(name: &str, tag: &str) -> String {
    format!(".{name}.{tag}.tmp-{}", owner())
}

/// The process id and host tag that a temporary name made by this program carries.
fn owner_of(name: &str) -> Option<(u32, &str)> {
    let rest = match name.strip_prefix(".cjmh-staging-") {
        Some(rest) => rest,
        None => name.strip_prefix('.')?.rsplit_once(".tmp-")?.1,
    };
    let (pid, host) = rest.split_once('-')?;
    let hex = host.len() == 8 && host.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (hex && digits).then_some((pid.parse().ok()?, host))
}

/// Whether process `pid` of this host may still be running. Only Linux can tell (from
/// `/proc`); elsewhere, or without `/proc`, every process may be.
fn may_be_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// The temporary paths that exist now, each removed if the process is stopped by a signal.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// The registry of live temporary paths, held: while held, a signal waits to remove them.
pub(super) fn hold() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates the temporary `path` with `make` and registers it, both while holding the registry,
/// so that a signal finds it either not yet made or made and registered.
pub fn create<T>(
    path: &Path,
    make: impl FnOnce(&Path) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let mut live = hold();
    let made = make(path)?;
    live.insert(path.to_path_buf());
    Ok(made)
}

/// Forgets `path`: renamed into place or removed, it is no longer this program's to remove.
pub fn forget(path: &Path) {
    hold().remove(path);
}

/// Removes `path`, a file or a directory with everything in it. A directory that another
/// thread is still writing into may refuse once or twice.
pub(super) fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(m) if m.is_dir() => {
            let mut result = std::fs::remove_dir_all(path);
            for _ in 0..3 {
                if result.is_ok() || !path.exists() {
                    return Ok(());
                }
                result = std::fs::remove_dir_all(path);
            }
            result
        }
        Ok(_) => std::fs::remove_file(path),
    }
}

/// Removes the temporaries in `dir` (not below it) that a process of this host (and process-id
/// namespace) left when it died: those whose process is not running. Returns what was removed,
/// each with the process that made it. Names this program did not make, other hosts'
/// temporaries and those of processes that may be running are left alone.
pub fn remove_stale(dir: &Path) -> Vec<(PathBuf, u32)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let host = host_tag();
    let me = std::process::id();
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((pid, h)) = name.to_str().and_then(owner_of) else {
            continue;
        };
        if h != host || pid == me || may_be_running(pid) {
            continue;
        }
        let path = entry.path();
        if remove(&path).is_ok() {
            removed.push((path, pid));
        }
    }
    removed.sort();
    removed
}

/// Starts a thread that, on SIGINT or SIGTERM, removes every registered temporary, prints one
/// line to standard error and exits with 128 plus the signal's number (130 for SIGINT, 143 for
/// SIGTERM). A signal during a commit of outputs waits for the commit to finish, so the
/// outputs are wholly the old ones or wholly the new.
pub fn remove_on_signal() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        // A small stack; and where even that cannot start (under a tight `ulimit -v`), the run
        // goes on without the handler: the next run removes what it leaves (a panic here would
        // stop a run that could otherwise complete).
        let _ = std::thread::Builder::new()
            .name("cjmh-signals".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until the process exits: nothing new is registered or committed.
                    let live = hold();
                    let removed = live.iter().filter(|p| p.exists()).count();
                    for p in live.iter() {
                        let _ = remove(p);
                    }
                    let name = if signal == SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    let newline = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                        "\n"
                    } else {
                        ""
                    };
                    eprintln!(
                        "{newline}cjmh: stopped by {name}; removed {removed} temporary path{}; \
                     outputs not yet in place were discarded",
                        if removed == 1 { "" } else { "s" }
                    );
                    std::process::exit(128 + signal);
                }
            });
    }
}

/// Waits, if a signal is being handled, for the handler to exit the process: a command that
/// failed because the signal removed its temporaries then does not report that failure.
pub fn settle() {
    drop(hold());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_carry_their_process_and_host() {
        let me = std::process::id();
        let host = host_tag();
        assert_eq!(owner_of(&staging_name()), Some((me, host.as_str())));
        assert_eq!(
            owner_of(&file_name("summary.csv", "write")),
            Some((me, host.as_str()))
        );
        assert_eq!(
            owner_of(".a.b.tmp-c.tmp-12-0123abcd"),
            Some((12, "0123abcd"))
        );
        // Names this program did not make, or made before names carried the host.
        for other in [
            "summary.csv",
            ".summary.csv.run.tmp-123",
            ".events-0-1.part",
            ".cjmh-staging-12",
            ".cjmh-staging-12-xyz",
            ".x.tmp--0123abcd",
            ".x.tmp-+1-0123abcd",
            "x.tmp-12-0123abcd",
        ] {
            assert_eq!(owner_of(other), None, "{other}");
        }
    }
}
