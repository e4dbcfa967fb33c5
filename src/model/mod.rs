//! What is simulated.
//!
//! - [`network`]: a network of stages read from a scenario file: arrival streams, stages with
//!   capacity and queues, durations, and branching routes.
//! - [`mmc`]: the M/M/c reference queue used by `cjmh verify` and `cjmh bench`.
//! - [`recorder`]: how models report per-visit records without doing I/O themselves.

pub mod mmc;
pub mod network;
pub mod recorder;

/// A replication's results: metric names and values, in a fixed order.
pub type Metrics = Vec<(String, f64)>;

/// Kinds of random draw, used as [`crate::engine::Purpose`] kinds. Fixed numbers: changing one
/// changes every result.
pub mod purpose {
    /// Times between arrivals of a stream (index: the stream's key).
    pub const ARRIVALS: u32 = 1;
    /// Time spent in a stage (index: the stage's key).
    pub const DURATION: u32 = 2;
    /// Choice of the next stage (index: the stage's key).
    pub const ROUTING: u32 = 3;
}
