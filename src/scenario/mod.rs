//! Scenario files: reading, `extends`, validation, and the resolved scenario a model runs.
//!
//! Loading is layered as parse, then validate: [`file`] reads TOML with positions and applies
//! `extends`; serde turns the merged tree into a [`spec::ScenarioSpec`] (collecting every unknown
//! key, not just the first); `validate` checks meaning and builds a [`Scenario`] whose numbers
//! are ready for the engine. Every problem found is reported at once, located by file, key path
//! and line.
//!
//! The modules form layers, each importing only those below it (`tests/integration/
//! architecture.rs` holds them to it), so that a section can be read, or changed, without the
//! rest of the loader in view:
//! 1. leaves: `error`, `param` ([`Param`]), `hash`; [`file`] (on `error`);
//! 2. checks: `check` (the `Checker` every section reports through);
//! 3. sections, each its spec and its resolution: [`pathway`] (a file per section), [`costs`],
//!    `network`;
//! 4. the whole: [`spec`] (the file as serde reads it), `resolved` ([`Scenario`]), `validate`,
//!    `load` (which runs `warnings` over what it resolved), then [`sweep`] on top.

mod check;
pub mod costs;
pub mod drivers;
pub mod error;
pub mod file;
mod hash;
mod load;
mod network;
mod param;
pub mod pathway;
mod resolved;
pub mod sources;
pub mod spec;
pub mod sweep;
mod validate;
mod warnings;

pub use error::{KeyPath, Problem, ScenarioError, Segment};
pub use hash::{fnv1a64, name_key};
pub use load::{load, load_str, load_with};
pub use param::Param;
pub use pathway::Pathway;
pub use resolved::{Arrival, Destination, Scenario, Stage};
pub use spec::ScenarioSpec;
