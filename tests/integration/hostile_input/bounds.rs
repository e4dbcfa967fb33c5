//! Placeholder: filled in by the bounds work of issue 15.
