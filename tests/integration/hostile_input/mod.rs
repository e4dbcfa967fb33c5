//! What a hostile-input probe broke (issue 15), each reproduction a regression test named after
//! what broke: outputs that replaced what they should not or were left half-written, sweep units
//! that were corrupt and passed unnoticed, counts with no bound, and parsing that was slow.
//!
//! Tests that need root (device nodes made with `mknod`) make their own nodes and links in a
//! temporary directory, never touching `/dev`; they say so and return early when not root.
//!
//! `arbitrary_input` is the property test (arbitrary scenario text and argument values, no
//! panic); `csv_quoting` the unquoted `events.csv`; `outputs`, `sweeps` and `bounds` the rest.

mod arbitrary_input;
mod bounds;
mod csv_quoting;
mod outputs;
mod sweeps;
