//! cjmh: a discrete-event simulator of the criminal-justice mental-health pathway in England and
//! Wales.
//!
//! The crate is laid out as its user guide reads:
//! - [`engine`]: time, the event calendar, resources, random streams, distributions;
//! - [`model`]: what is simulated (the stage network, the reference queueing models);
//! - [`scenario`]: scenario files, `extends`, validation;
//! - [`economics`]: unit costs, payers, inflation, discounting, QALYs and the investment case;
//! - [`output`]: the summary table, the manifest, atomic writing, progress;
//! - [`verify`]: the engine's verification models against closed-form results;
//! - [`cli`]: the `cjmh` command;
//! - [`api`]: the same runs for programs (the Python package), results in memory;
//! - [`limits`]: the bound on every count a user or a file can ask for;
//! - [`alloc`]: the memory allocator, with huge pages for large tables.

pub mod alloc;
pub mod api;
pub mod calibration;
pub mod cli;
pub mod economics;
pub mod engine;
pub mod limits;
pub mod model;
pub mod output;
pub mod scenario;
pub mod validation;
pub mod verify;
