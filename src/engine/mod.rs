//! The discrete-event engine: integer time, the event calendar, the simulation driver,
//! capacity-limited resources, keyed random streams, distributions and running statistics.
//!
//! Nothing in this module does I/O or formats strings in the event loop; models report what
//! happens through the recorder they are given (see [`crate::model::recorder`]).

pub mod calendar;
pub mod distribution;
pub mod hazard;
pub mod random;
pub mod resource;
pub mod schedule;
pub mod simulation;
pub mod stats;
pub mod time;

pub mod purpose;

pub use calendar::Calendar;
pub use distribution::{Distribution, Sampler};
pub use hazard::PiecewiseHazard;
pub use random::{Purpose, Stream, Streams};
pub use resource::{Discipline, Resource, ResourceSummary};
pub use schedule::Schedule;
pub use simulation::{Context, Model, Simulation, SimulationBuilder, SimulationError};
pub use time::{Stamp, TICKS_PER_DAY, Tick, days_to_ticks, ticks_to_days};
