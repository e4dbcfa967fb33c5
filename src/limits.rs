//! The bounds on every count a user or a file can ask for, in one place.
//!
//! Each is far above anything a real study needs, and low enough that an absurd value (a typo,
//! a hostile file) is refused with a message, before anything is allocated, instead of
//! exhausting memory, starting thousands of threads or aborting in the allocator. The README's
//! "Limits" table gives each with its reason; `cjmh --help` and the scenario docs quote them.

/// Largest scenario or sweep file read, and each file it `extends`: the national baseline is
/// 27 KB; a 2 MB file is checked in well under a second.
pub const MAX_SCENARIO_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Longest `extends` chain: a scenario and the files it extends, at most this many.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Most problems listed for one scenario file; the rest are counted, not listed, so that a file
/// with a hundred thousand mistakes is reported in linear time and readable length.
pub const MAX_PROBLEMS_LISTED: usize = 100;
