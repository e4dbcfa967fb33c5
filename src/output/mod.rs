//! Results leave the program here: the tidy summary table, the manifest, the printed table,
//! output sets committed whole, atomic file writing, temporaries (removed on SIGINT/SIGTERM)
//! and progress bars. Exporters are pure functions from results to bytes.

pub mod comparison;
pub mod events;
pub mod investment;
pub mod manifest;
pub mod progress;
pub mod report;
pub mod set;
pub mod summary;
pub mod sweep;
pub mod table;
pub mod temp;
pub mod tidy;
pub mod workbook;
pub mod write;
