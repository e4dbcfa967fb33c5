//! Recorders receive what a model observes. Models never format or write; a recorder decides
//! what to keep (nothing, counters, or a stream of per-visit rows written elsewhere).

use crate::engine::Tick;

/// One completed visit of a person to a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// Person number (stable across scenarios for common random numbers).
    pub person: u64,
    /// Stage index in the scenario.
    pub stage: u32,
    /// When the person arrived at the stage.
    pub arrival: Tick,
    /// When service began (after any queue).
    pub start: Tick,
    /// When the person left the stage.
    pub end: Tick,
    /// Next stage index, or `None` for leaving the system.
    pub destination: Option<u32>,
}

/// Receives observations from a model.
pub trait Recorder {
    /// A visit has ended.
    fn visit(&mut self, visit: &Visit);
}

/// Keeps nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullRecorder;

impl Recorder for NullRecorder {
    #[inline]
    fn visit(&mut self, _: &Visit) {}
}

/// Keeps every visit in memory (for tests and small runs).
#[derive(Debug, Default, Clone)]
pub struct VecRecorder(pub Vec<Visit>);

impl Recorder for VecRecorder {
    fn visit(&mut self, visit: &Visit) {
        self.0.push(*visit);
    }
}
