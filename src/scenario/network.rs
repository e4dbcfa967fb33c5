//! The network model's `[stages]` and `[arrivals]`, checked and resolved.

use std::collections::BTreeMap;

use super::check::{Checker, MAX_DAYS};
use super::error::KeyPath;
use super::hash::name_key;
use super::resolved::{Arrival, Destination, Stage};
use super::spec::ScenarioSpec;
use crate::engine::resource::UNLIMITED;
use crate::engine::{Discipline, Distribution, days_to_ticks};

/// Tolerance on branch probabilities adding up to 1: well above rounding in written decimals,
/// well below any difference that matters.
const SUM_TOLERANCE: f64 = 1e-6;

/// Most arrivals a day one stream may bring: far above any national flow, low enough that a run
/// cannot spend forever inside one minute.
const MAX_RATE: f64 = 1e6;

pub(super) fn resolve(
    c: &mut Checker,
    spec: &ScenarioSpec,
    warmup: Option<f64>,
    horizon: Option<f64>,
) -> (Vec<Stage>, Vec<Arrival>) {
    let root = KeyPath::root();
    let names: Vec<&String> = spec.stages.keys().collect();
    if names.is_empty() {
        c.push(
            root.key("stages"),
            "a scenario needs at least one stage ([stages.NAME])",
        );
    }
    if spec.arrivals.is_empty() {
        c.push(
            root.key("arrivals"),
            "a scenario needs at least one arrival stream ([arrivals.NAME])",
        );
    }
    let mut keys_seen = BTreeMap::new();
    for name in spec.stages.keys().chain(spec.arrivals.keys()) {
        if let Some(other) = keys_seen.insert(name_key(name), name)
            && other != name
        {
            c.push(
                root.key("stages").key(name),
                format!(
                    "the names `{name}` and `{other}` collide in the random-stream key; rename one"
                ),
            );
        }
    }
    // `names` is sorted (the keys of a `BTreeMap`): a binary search keeps a network of many
    // stages, each routing to others, linear to check rather than quadratic.
    let stage_index = |name: &str| names.binary_search_by(|n| n.as_str().cmp(name)).ok();

    let mut stages = Vec::new();
    for (name, s) in &spec.stages {
        let key = root.key("stages").key(name);
        if name == "exit" {
            c.push(
                key.clone(),
                "`exit` is reserved for leaving the system; name the stage differently",
            );
        }
        let capacity = match &s.capacity {
            Some(p) => c
                .param(
                    &key.key("capacity"),
                    p,
                    0.0,
                    (UNLIMITED - 1) as f64,
                    "capacity",
                )
                .and_then(|v| c.count(&key.key("capacity"), v, "capacity")),
            None => Some(UNLIMITED),
        };
        let mut schedule = Vec::new();
        let mut last_day = f64::NEG_INFINITY;
        for (i, change) in s.capacity_schedule.iter().enumerate() {
            let k = key.key("capacity_schedule").index(i);
            let warm = warmup.unwrap_or(0.0);
            if !change.day.is_finite()
                || change.day < -warm
                || change.day > horizon.unwrap_or(MAX_DAYS)
            {
                c.push(k.key("day"), format!("day must lie within the run (from {}, the start of the warm-up, to {}, the horizon), got {}", -warm + 0.0, horizon.unwrap_or(MAX_DAYS), change.day));
                continue;
            }
            if change.day < last_day {
                c.push(
                    k.key("day"),
                    "capacity changes must be listed in time order",
                );
            }
            last_day = change.day;
            if s.capacity.is_none() {
                c.push(
                    k.clone(),
                    "a capacity schedule needs a starting `capacity` for the stage",
                );
            }
            if let Some(cap) = c.count(&k.key("capacity"), change.capacity, "capacity") {
                schedule.push((days_to_ticks(change.day + warm), cap));
            }
        }
        let duration = match &s.duration {
            Some(d) => c.distribution(&key.key("duration"), d),
            None => {
                c.push(key.clone(), "a stage needs a `duration` distribution");
                None
            }
        };
        let duration_mean_days = s
            .duration
            .as_ref()
            .and_then(|d| d.mean_value())
            .unwrap_or(f64::NAN);
        let mut routes = Vec::new();
        let mut total = 0.0;
        let mut routes_ok = true;
        for (to, p) in &s.routes {
            let k = key.key("routes").key(to);
            let dest = if to == "exit" {
                Some(Destination::Exit)
            } else if let Some(i) = stage_index(to) {
                Some(Destination::Stage(i))
            } else {
                c.push(
                    k.clone(),
                    format!(
                        "route to unknown stage `{to}` (known: {}, or exit)",
                        join(&names)
                    ),
                );
                routes_ok = false;
                None
            };
            match c.param(&k, p, 0.0, 1.0, "a branch probability") {
                Some(v) => {
                    total += v;
                    if let Some(d) = dest {
                        routes.push((total, d));
                    }
                }
                None => routes_ok = false,
            }
        }
        if s.routes.is_empty() {
            routes.push((1.0, Destination::Exit));
        } else if routes_ok && (total - 1.0).abs() > SUM_TOLERANCE {
            c.push(
                key.key("routes"),
                format!("branch probabilities must add up to 1, they add up to {total}"),
            );
        }
        // Make the last cumulative probability exactly 1 so a draw of 0.99999999 never falls off.
        if let Some(last) = routes.last_mut() {
            last.0 = 1.0;
        }
        if let (Some(capacity), Some(duration)) = (capacity, duration) {
            stages.push(Stage {
                name: name.clone(),
                key: name_key(name),
                capacity,
                capacity_schedule: schedule,
                discipline: s.discipline.unwrap_or(Discipline::Fifo),
                duration,
                duration_mean_days,
                routes,
            });
        }
    }

    let mut arrivals = Vec::new();
    for (name, a) in &spec.arrivals {
        let key = root.key("arrivals").key(name);
        let to = if a.to.is_empty() {
            c.push(
                key.clone(),
                "an arrival stream needs `to`, the stage people enter",
            );
            None
        } else {
            let i = stage_index(&a.to);
            if i.is_none() {
                c.push(
                    key.key("to"),
                    format!("unknown stage `{}` (known: {})", a.to, join(&names)),
                );
            }
            i
        };
        let interarrival = match (&a.rate_per_day, &a.interarrival) {
            (Some(p), None) => c
                .param(&key.key("rate_per_day"), p, 0.0, MAX_RATE, "an arrival rate per day")
                .and_then(|rate| {
                    if rate == 0.0 {
                        c.push(key.key("rate_per_day"), "an arrival rate must be greater than 0 (remove the stream to have none)");
                        None
                    } else {
                        Some(Distribution::exponential(1.0 / rate).sampler().expect("positive mean"))
                    }
                }),
            (None, Some(d)) => {
                let sampler = c.distribution(&key.key("interarrival"), d);
                // A zero mean gap would bring infinitely many people at one instant.
                if sampler.is_some() && d.mean_value().is_some_and(|m| m < 1.0 / MAX_RATE) {
                    c.push(
                        key.key("interarrival"),
                        format!("the mean time between arrivals must be at least {} days (a million a day)", 1.0 / MAX_RATE),
                    );
                    None
                } else {
                    sampler
                }
            }
            (Some(_), Some(_)) => {
                c.push(key.key("interarrival"), "give either `rate_per_day` or `interarrival`, not both");
                None
            }
            (None, None) => {
                c.push(key.clone(), "an arrival stream needs `rate_per_day` or `interarrival`");
                None
            }
        };
        if let (Some(to), Some(interarrival)) = (to, interarrival) {
            arrivals.push(Arrival {
                name: name.clone(),
                key: name_key(name),
                to,
                interarrival,
                priority: a.priority.unwrap_or(5),
            });
        }
    }

    if names.len() > u16::MAX as usize || spec.arrivals.len() > u16::MAX as usize {
        c.push(
            root.clone(),
            "a scenario may have at most 65,535 stages and 65,535 arrival streams",
        );
    }
    if c.problems.is_empty()
        && let Some(cycle) = zero_time_cycle(&stages)
    {
        let path: Vec<&str> = cycle.iter().map(|&i| stages[i].name.as_str()).collect();
        c.push(
                root.key("stages").key(&stages[cycle[0]].name).key("routes"),
                format!(
                    "people could go round {} forever without time passing: every stage on this loop has a mean duration under half a minute",
                    path.join(" -> ")
                ),
            );
    }
    (stages, arrivals)
}

/// A loop of routes through stages whose durations are all zero, if there is one: people on it
/// would circulate forever at one instant.
fn zero_time_cycle(stages: &[Stage]) -> Option<Vec<usize>> {
    // A stage whose mean duration rounds to zero minutes keeps people at the same instant.
    let zero: Vec<bool> = stages
        .iter()
        .map(|s| days_to_ticks(s.duration_mean_days) == 0)
        .collect();
    // Depth-first search over zero-duration stages; state 1 = on the stack, 2 = done. The stack
    // is a vector, not recursion: a chain of 60,000 stages overflowed the thread's stack. Each
    // frame is a stage, the next of its routes to follow and the cumulative probability before
    // that route.
    let mut state = vec![0u8; stages.len()];
    let mut frames: Vec<(usize, usize, f64)> = Vec::new();
    for start in 0..stages.len() {
        if !zero[start] || state[start] != 0 {
            continue;
        }
        state[start] = 1;
        frames.push((start, 0, 0.0));
        while let Some(top) = frames.last_mut() {
            let i = top.0;
            let Some(&(cumulative, dest)) = stages[i].routes.get(top.1) else {
                state[i] = 2;
                frames.pop();
                continue;
            };
            let probability = cumulative - top.2;
            top.1 += 1;
            top.2 = cumulative;
            let Destination::Stage(j) = dest else {
                continue;
            };
            if probability <= 0.0 || !zero[j] {
                continue;
            }
            match state[j] {
                1 => {
                    let from = frames.iter().position(|f| f.0 == j).unwrap_or(0);
                    let mut cycle: Vec<usize> = frames[from..].iter().map(|f| f.0).collect();
                    cycle.push(j);
                    return Some(cycle);
                }
                0 => {
                    state[j] = 1;
                    frames.push((j, 0, 0.0));
                }
                _ => {}
            }
        }
    }
    None
}

/// The stage names for a message: all of them while they are few, else the first few and how
/// many more (a message per unknown route naming all of thousands of stages would make the
/// report quadratic in the file's size).
fn join(names: &[&String]) -> String {
    const SHOWN: usize = 20;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}
