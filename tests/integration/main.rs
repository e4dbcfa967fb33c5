//! cjmh's integration tests: one binary, a module per behaviour.

mod architecture;
mod authoring;
mod calibration;
mod catchments;
mod cli;
mod common;
mod compare;
mod costs;
mod determinism;
mod extends;
mod hostile_input;
mod iapt;
mod liaison_diversion;
mod malformed_scenarios;
mod parquet;
mod pathway;
mod peers;
mod release_and_secure;
mod report;
mod rollout;
mod snapshots;
mod sweep;
mod validation;
mod value_stability;
mod verification;
