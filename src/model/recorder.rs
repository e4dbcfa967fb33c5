//! How per-visit records leave a model. Models never format or write: each keeps a bounded
//! [`VisitBuffer`] that its event handlers push to, and the driver ([`drive`]) hands the buffer
//! to a [`Recorder`] between events whenever it fills, and at the end. File I/O therefore never
//! happens inside an event, and memory does not grow with the run.

use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::{Model, Simulation, Tick};

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

/// Receives a model's finished visits, in the order they ended.
pub trait Recorder {
    /// Whether visits are kept at all. A recorder that keeps nothing costs nothing: the model
    /// does not buffer and the driver never pauses.
    const KEEPS: bool = true;

    /// Takes the next batch of finished visits. Called by the driver between events.
    fn record(&mut self, visits: &[Visit]);
}

/// Keeps nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullRecorder;

impl Recorder for NullRecorder {
    const KEEPS: bool = false;
    fn record(&mut self, _: &[Visit]) {}
}

/// Keeps every visit in memory (for tests and small runs).
#[derive(Debug, Default, Clone)]
pub struct VecRecorder(pub Vec<Visit>);

impl Recorder for VecRecorder {
    fn record(&mut self, visits: &[Visit]) {
        self.0.extend_from_slice(visits);
    }
}

/// Visits a batch holds before the driver hands them on.
pub const BUFFER: usize = 1 << 14;
/// Room left for the visits of one event (an event ends a handful of visits at most), so the
/// buffer never grows past [`BUFFER`].
const HEADROOM: usize = 64;

/// The visits a model has finished and not yet handed on, for recorder `R`. When `R` keeps
/// nothing, `push` is empty at compile time, so a model does not even build the record.
#[derive(Debug, Clone)]
pub struct VisitBuffer<R> {
    visits: Vec<Visit>,
    recorder: PhantomData<R>,
}

impl<R: Recorder> VisitBuffer<R> {
    pub fn new() -> Self {
        Self {
            visits: if R::KEEPS {
                Vec::with_capacity(BUFFER)
            } else {
                Vec::new()
            },
            recorder: PhantomData,
        }
    }

    /// Records a finished visit.
    #[inline]
    pub fn push(&mut self, visit: Visit) {
        if R::KEEPS {
            self.visits.push(visit);
        }
    }

    fn full(&self) -> bool {
        self.visits.len() + HEADROOM >= BUFFER
    }

    fn hand_to(&mut self, recorder: &mut R) {
        if !self.visits.is_empty() {
            recorder.record(&self.visits);
            self.visits.clear();
        }
    }
}

impl<R: Recorder> Default for VisitBuffer<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// A model that buffers visits for recorder `R`.
pub trait Buffers<R: Recorder> {
    fn visits(&self) -> &VisitBuffer<R>;
    fn visits_mut(&mut self) -> &mut VisitBuffer<R>;
}

/// Simulated time between two looks at a stop flag: a month, about 20 ms of a national
/// replication, so that a run told to stop does so within a fraction of a second whatever its
/// size. Stepping to a series of deadlines handles the same events in the same order as one
/// step to the end (the calendar orders by time and insertion, not by how it is asked).
const LOOK_EVERY: Tick = 30 * crate::engine::TICKS_PER_DAY;

/// A stop flag that is never set, for runs nothing stops.
pub static NEVER: AtomicBool = AtomicBool::new(false);

/// Runs `sim` up to `end`, handing its buffered visits to `recorder` whenever the buffer fills
/// and once at the end, always between two events. Looks at `stop` every [`LOOK_EVERY`] of
/// simulated time, and returns false, part-way, once it is set; true when `end` is reached.
pub fn drive<M: Model + Buffers<R>, R: Recorder>(
    sim: &mut Simulation<M>,
    end: Tick,
    recorder: &mut R,
    stop: &AtomicBool,
) -> bool {
    let mut to = sim.now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        to = to.saturating_add(LOOK_EVERY).min(end);
        if R::KEEPS {
            while !sim
                .step_until_or(to, |m| m.visits().full())
                .expect("deadlines only move forward")
            {
                sim.model_mut().visits_mut().hand_to(recorder);
            }
        } else {
            sim.step_until(to).expect("deadlines only move forward");
        }
        if to >= end {
            break;
        }
    }
    if R::KEEPS {
        sim.model_mut().visits_mut().hand_to(recorder);
    }
    true
}
