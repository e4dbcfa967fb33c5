//! Progress bars: shown on a terminal for work that takes more than a moment, never when
//! `--quiet` is given or standard error is not a terminal, and cleared before results print.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar over `total` units of work (replications), or a hidden one.
pub fn bar(total: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} (eta {eta})",
        )
        .expect("a valid template"),
    );
    pb.set_message(what.to_string());
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// A bar over replications that also shows people simulated per second.
pub struct Progress {
    bar: ProgressBar,
    what: String,
    people: AtomicU64,
    started: Instant,
}

impl Progress {
    /// A bar over `total` replications (hidden with `quiet` or off a terminal).
    pub fn new(total: u64, quiet: bool, what: &str) -> Self {
        Self {
            bar: bar(total, quiet, what),
            what: what.to_string(),
            people: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// One replication done, which simulated `people` people.
    pub fn done(&self, people: u64) {
        let total = self.people.fetch_add(people, Ordering::Relaxed) + people;
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        if !self.bar.is_hidden() {
            self.bar.set_message(format!(
                "{}, {:.0} people/s",
                self.what,
                total as f64 / secs
            ));
        }
        self.bar.inc(1);
    }

    /// Clears the bar, before results are printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
