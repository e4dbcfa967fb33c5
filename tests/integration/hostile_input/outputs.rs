//! Placeholder: filled in by the outputs work of issue 15.
