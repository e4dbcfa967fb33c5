//! Placeholder: filled in by the sweeps work of issue 15.
