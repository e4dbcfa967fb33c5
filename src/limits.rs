//! The bounds on every count a user or a file can ask for, in one place.
//!
//! Each is far above anything a real study needs, and low enough that an absurd value (a typo,
//! a hostile file) is refused with a message, before anything is allocated, instead of
//! exhausting memory, starting thousands of threads or aborting in the allocator. The README's
//! "Limits" table gives each with its reason; `cjmh --help` and the scenario docs quote them.

/// Most replications of a scenario, from the command line, a scenario's `[simulation]` or a
/// sweep file. Intervals narrow as one over the square root: a million replications give
/// intervals a thousandth of one replication's spread.
pub const MAX_REPLICATIONS: u64 = 1_000_000;

/// Most points in a sweep's design (a grid's product of its lists, a Latin hypercube's or a
/// PSA's `points`). Each point is a resolved scenario held in memory, about 53 KB for the
/// pathway baseline (a 1,000-point PSA of it holds 59 MB in `cjmh sweep --dry-run`) and checked
/// in about 12 ms: 100,000 points are 5 GB and 20 minutes of checking.
pub const MAX_SWEEP_POINTS: u64 = 100_000;

/// Most parameters a sweep varies: written under `[parameters]`, or the base scenario's
/// parameters with a range that a `psa` or `one-way` design draws (58 in the baseline). Each
/// of the latter is probed with a load of the base scenario.
pub const MAX_SWEEP_PARAMETERS: usize = 1_000;

/// Most units (points times replications) in a sweep: each is a run and a file in `units/`.
pub const MAX_SWEEP_UNITS: u64 = 10_000_000;

/// Largest `--cohort` (new people per replication): 750 times the national baseline's
/// 1.34 million. Whether a cohort fits in memory is checked as well, for the machine at hand.
pub const MAX_COHORT: u64 = 1_000_000_000;

/// Most new people a replication may expect, however they are asked for (a scenario's own
/// arrival rate and horizon, or `--cohort`): a person's slot in a model is a 32-bit number, and
/// those held at once must fit in it with room to spare.
pub const MAX_PEOPLE_PER_REPLICATION: f64 = 2e9;

/// Most catchments a replication may be split into (`--catchments`); each capacity must also
/// give every catchment at least one place.
pub const MAX_CATCHMENTS: u32 = 10_000;

/// Worker threads beyond this multiple of the machine's cores are not started: the extra
/// threads only share the same cores (10,000 threads took 215 s for a 0.08 s job).
pub const THREADS_PER_CORE: usize = 4;

/// Most willingness-to-pay values in `cjmh ceac`'s grid (`--wtp-max` / `--wtp-step` + 1).
pub const MAX_WTP_POINTS: u64 = 1_000_000;

/// Largest scenario or sweep file read, and each file it `extends`: the national baseline is
/// 27 KB; a 2 MB file is checked in well under a second.
pub const MAX_SCENARIO_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Longest `extends` chain: a scenario and the files it extends, at most this many.
pub const MAX_EXTENDS_DEPTH: usize = 32;

/// Most problems listed for one scenario file; the rest are counted, not listed, so that a file
/// with a hundred thousand mistakes is reported in linear time and readable length.
pub const MAX_PROBLEMS_LISTED: usize = 100;
