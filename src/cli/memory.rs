//! Whether a run's people fit in memory: estimated, and the run refused if they do not, before
//! it allocates anything. A cohort of 10^12 once grew memory at 300 MB/s until the machine ran
//! out.
//!
//! **What grows.** A model keeps one slot per person held at once (a slot is reused when its
//! person leaves), and their pending events; everything else it keeps is of fixed size. So a
//! replication needs about (people held at once) x (bytes per person held), and a command needs
//! that for every replication in flight at once.
//!
//! **Bytes per person held**, measured as the slope of peak resident memory (`VmHWM`, which
//! `cjmh bench` reports, and `/usr/bin/time -v`) against the people held at once (the slots the
//! model allocated, `held_peak` in `cjmh bench --json`) between two sizes, on 2026-11-28:
//!
//! - pathway: `cjmh bench --model pathway --threads 1 --cohort N` at N = 250,000 / 1,000,000 /
//!   4,000,000 held 71,297 / 283,989 / 1,137,763 people at a peak of 34.9 / 121.9 / 466.8 MB:
//!   409 and 404 bytes per person held. Of these, 192 are the person's record, 41 their pending
//!   events (1.27 per person held at most, of 32 bytes each) and 4 the free-slot list; the rest
//!   is the doubling growth of those arrays, whose old copies the allocator keeps.
//! - network: a stage with no capacity limit and a fixed 2,000-day stay, and one with one place
//!   and a one-day stay (its queue grows), each fed 500 and 2,000 people a day for 1,000 days
//!   (`cjmh run -r 1 --threads 1` under `/usr/bin/time -v`): 500,000 and 2,000,000 held at
//!   32.6 and 114.7 MB, 56 bytes per person held in both (a 32-byte record and a 24-byte event
//!   or queue place).
//!
//! The constants below round those up.
//!
//! **People held at once** are at most every new person of the replication, which is the first
//! bound tried. Where that bound does not fit, a trial run of the scenario at about 20,000 new
//! people measures the share held at once (64% for the national baseline at 10^6 people,
//! measured 2026-11-29: people stay in the model for five years after release unless they
//! reoffend or die; it was 28% when follow-up ended after a year), and that share plus half
//! again is used. The trial keeps every capacity at five places or more, so that rounding them
//! down to its size does not shorten its queues; where that would take more than 250,000
//! people, the first bound stands.
//!
//! **Memory available** is `MemAvailable` in `/proc/meminfo` (else `MemTotal`), or the control
//! group's `memory.max` less `memory.current` where that is smaller. Where neither can be read
//! (not Linux), the check is skipped.

use super::CliError;
use crate::engine::resource::UNLIMITED;
use crate::limits::MAX_PEOPLE_PER_REPLICATION;
use crate::model;
use crate::model::recorder::NullRecorder;
use crate::scenario::Scenario;

/// Bytes per person held at once in a pathway run: 404-409 measured (see the module docs).
pub const PATHWAY_BYTES_PER_PERSON: f64 = 450.0;
/// Bytes per person held at once in a network run: 56 measured (see the module docs).
pub const NETWORK_BYTES_PER_PERSON: f64 = 64.0;
/// New people in the trial run that measures the share held at once.
const TRIAL_PEOPLE: f64 = 20_000.0;
/// The largest trial run: past this, every new person is assumed held at once.
const TRIAL_MOST_PEOPLE: f64 = 250_000.0;
/// Fewest places any capacity has in the trial run.
const TRIAL_LEAST_PLACES: f64 = 5.0;
/// The trial's share held at once is raised by this factor.
const TRIAL_MARGIN: f64 = 1.5;

/// What a command asks of memory: its largest replication, and how many replications' worth
/// run at once.
pub(super) struct Demand<'a> {
    /// The scenario whose replications hold the most people (scaled as it will run).
    pub scenario: &'a Scenario,
    /// Replications' worth of people in memory at once: the threads, or fewer if there are
    /// fewer replications (catchments in flight count as their share of a replication).
    pub at_once: f64,
    /// What set the size, for the message: `--cohort 1000000000`, or the scenario file.
    pub asked_by: String,
    /// What to do about it, for the message.
    pub advice: &'static str,
}

/// Bytes per person held at once in a run of `s`.
pub(super) fn per_person(s: &Scenario) -> f64 {
    if s.pathway.is_some() {
        PATHWAY_BYTES_PER_PERSON
    } else {
        NETWORK_BYTES_PER_PERSON
    }
}

/// Replications' worth in flight at once: `threads` simulations run at a time, each one
/// catchment (a `catchments`-th of a replication), and there are `units` replications.
pub(super) fn at_once(threads: usize, units: u64, catchments: u32) -> f64 {
    let simulations = units.saturating_mul(u64::from(catchments.max(1)));
    (threads as u64).min(simulations).max(1) as f64 / f64::from(catchments.max(1))
}

/// Refuses a replication expecting more new people than a model can number, and a command
/// whose people would not fit in the memory available.
pub(super) fn check(d: &Demand) -> Result<(), CliError> {
    let s = d.scenario;
    let people = s.expected_people();
    if people.is_nan() || people > MAX_PEOPLE_PER_REPLICATION {
        return Err(CliError::BadInput(format!(
            "{}: a replication of {} would bring about {} new people, more than the {} a replication may have (people are numbered in 32 bits)",
            d.asked_by,
            s.name,
            count(people),
            count(MAX_PEOPLE_PER_REPLICATION)
        )));
    }
    let Some((available, source)) = available_memory() else {
        return Ok(());
    };
    let per_person = per_person(s);
    if d.at_once * people * per_person <= available {
        return Ok(());
    }
    let (share, how) = match trial_share(s, people) {
        Some((measured, trial)) => {
            let share = (measured * TRIAL_MARGIN).min(1.0);
            (
                share,
                format!(
                    "{:.0}% of them held at once ({:.0}% in a trial run of {} at {} new people, plus half again)",
                    share * 100.0,
                    measured * 100.0,
                    s.name,
                    count(trial)
                ),
            )
        }
        None => (1.0, "all of them held at once (at most)".to_string()),
    };
    let need = d.at_once * people * share * per_person;
    if need <= available {
        return Ok(());
    }
    let model = if s.pathway.is_some() {
        "pathway: a 192-byte record, its pending events and the growth of both"
    } else {
        "network: a 32-byte record and a 24-byte event or queue place"
    };
    Err(CliError::BadInput(format!(
        "{} needs about {} of memory, more than the {} available ({source}). The estimate: {} replication{} at once x {} new people x {how} x {per_person:.0} bytes a person held (measured for the {model}). {}",
        d.asked_by,
        bytes(need),
        bytes(available),
        trim(d.at_once),
        if d.at_once == 1.0 { "" } else { "s" },
        count(people),
        d.advice
    )))
}

/// The share of `s`'s new people held at once in a trial run at a small size, and that size;
/// `None` where a trial small enough would not be like the run (see the module docs).
fn trial_share(s: &Scenario, people: f64) -> Option<(f64, f64)> {
    let least = s
        .capacities()
        .into_iter()
        .map(|(_, c)| c)
        .filter(|&c| c > 0 && c != UNLIMITED)
        .min();
    let trial = match least {
        Some(c) => TRIAL_PEOPLE.max(people * TRIAL_LEAST_PLACES / f64::from(c)),
        None => TRIAL_PEOPLE,
    };
    if trial > TRIAL_MOST_PEOPLE || trial >= people {
        return None;
    }
    let rep = model::run(&s.scaled(trial / people), 1, 0, NullRecorder).0;
    (rep.people > 0).then(|| (rep.held_peak as f64 / rep.people as f64, trial))
}

/// Bytes of memory this process can have, and where that was read; `None` if unknown.
fn available_memory() -> Option<(f64, &'static str)> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let field = |name: &str| -> Option<f64> {
        let line = meminfo.as_deref()?.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024.0)
    };
    let machine = field("MemAvailable:")
        .map(|b| (b, "MemAvailable in /proc/meminfo"))
        .or_else(|| field("MemTotal:").map(|b| (b, "MemTotal in /proc/meminfo")));
    let number =
        |path: &str| -> Option<f64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let group = number("/sys/fs/cgroup/memory.max").map(|max| {
        let used = number("/sys/fs/cgroup/memory.current").unwrap_or(0.0);
        (
            (max - used).max(0.0),
            "memory.max less memory.current of this control group",
        )
    });
    match (machine, group) {
        (Some(m), Some(g)) => Some(if g.0 < m.0 { g } else { m }),
        (m, g) => m.or(g),
    }
}

/// A number of bytes in MB or GB (10^6, 10^9), or TB.
fn bytes(b: f64) -> String {
    if b >= 1e12 {
        format!("{:.1} TB", b / 1e12)
    } else if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else {
        format!("{:.0} MB", b / 1e6)
    }
}

/// A count with thousands separators.
fn count(n: f64) -> String {
    if !n.is_finite() || n >= 1e18 {
        return format!("{n:.3e}");
    }
    crate::economics::investment::thousands(n.max(0.0))
}

/// A replication count that may be fractional, without a trailing `.0`.
fn trim(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replications_at_once_are_the_threads_or_fewer() {
        assert_eq!(at_once(2, 10, 1), 2.0);
        assert_eq!(at_once(8, 3, 1), 3.0);
        // Catchments in flight are their share of a replication.
        assert_eq!(at_once(2, 10, 4), 0.5);
        assert_eq!(at_once(8, 1, 2), 1.0);
        assert_eq!(at_once(0, 0, 0), 1.0);
    }

    #[test]
    fn sizes_and_counts_read_as_people_write_them() {
        assert_eq!(bytes(171e9), "171.0 GB");
        assert_eq!(bytes(25e6), "25 MB");
        assert_eq!(count(1e9), "1,000,000,000");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(f64::INFINITY), "inf");
    }
}
