//! Checks a scenario's meaning and resolves it for the engine.

use super::error::{KeyPath, Problem};
use super::file::Document;
use super::spec::{Param, ScenarioSpec};
use super::{Arrival, Destination, Scenario, Stage, fnv1a64, name_key};
use crate::engine::resource::UNLIMITED;
use crate::engine::{Discipline, Distribution, Sampler, days_to_ticks};

/// Tolerance on branch probabilities adding up to 1: well above rounding in written decimals,
/// well below any difference that matters.
const SUM_TOLERANCE: f64 = 1e-6;

/// Most arrivals a day one stream may bring: far above any national flow, low enough that a run
/// cannot spend forever inside one minute.
const MAX_RATE: f64 = 1e6;

/// Longest run accepted, days (a thousand years): guards tick arithmetic, not realism.
const MAX_DAYS: f64 = 365_000.0;

pub(super) struct Checker<'a> {
    pub(super) doc: &'a Document,
    pub(super) problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    pub(super) fn push(&mut self, key: KeyPath, message: impl Into<String>) {
        self.problems.push(self.doc.problem(key, message));
    }

    /// Checks a parameter's value and range; returns the value if it is usable.
    pub(super) fn param(
        &mut self,
        key: &KeyPath,
        p: &Param,
        min: f64,
        max: f64,
        what: &str,
    ) -> Option<f64> {
        let mut ok = true;
        if !p.value.is_finite() {
            self.push(
                key.clone(),
                format!("{what} must be a finite number, got {}", p.value),
            );
            return None;
        }
        if p.value < min || p.value > max {
            self.push(
                key.clone(),
                format!("{what} must be between {min} and {max}, got {}", p.value),
            );
            ok = false;
        }
        for (name, bound) in [("low", p.low), ("high", p.high)] {
            if let Some(b) = bound
                && (!b.is_finite() || b < min || b > max)
            {
                self.push(
                    key.key(name),
                    format!("`{name}` must be between {min} and {max}, got {b}"),
                );
                ok = false;
            }
        }
        if let Some(l) = p.low
            && l > p.value
        {
            self.push(
                key.key("low"),
                format!("`low` ({l}) is above the value ({})", p.value),
            );
            ok = false;
        }
        if let Some(h) = p.high
            && h < p.value
        {
            self.push(
                key.key("high"),
                format!("`high` ({h}) is below the value ({})", p.value),
            );
            ok = false;
        }
        ok.then_some(p.value)
    }

    pub(super) fn distribution(&mut self, key: &KeyPath, d: &Distribution) -> Option<Sampler> {
        match d.sampler() {
            Ok(s) => Some(s),
            Err(problems) => {
                for (k, message) in problems {
                    self.push(key.key(k), message);
                }
                None
            }
        }
    }

    pub(super) fn count(&mut self, key: &KeyPath, v: f64, what: &str) -> Option<u32> {
        if !v.is_finite() || v < 0.0 || v.fract() != 0.0 || v > (UNLIMITED - 1) as f64 {
            self.push(
                key.clone(),
                format!("{what} must be a whole number of at least 0, got {v}"),
            );
            None
        } else {
            Some(v as u32)
        }
    }
}

pub(super) fn validate(
    doc: &Document,
    spec: ScenarioSpec,
    problems: &mut Vec<Problem>,
) -> Option<Scenario> {
    let mut c = Checker { doc, problems };
    let root = KeyPath::root();
    let sim = root.key("simulation");

    let horizon = match &spec.simulation.horizon_days {
        Some(p) => c.param(
            &sim.key("horizon_days"),
            p,
            0.0,
            MAX_DAYS,
            "the horizon in days",
        ),
        None => Some(1825.0),
    };
    if horizon.is_some_and(|h| days_to_ticks(h) == 0) {
        c.push(
            sim.key("horizon_days"),
            "the horizon must be at least one minute (time is counted in whole minutes)",
        );
    }
    let warmup = match &spec.simulation.warmup_days {
        Some(p) => c.param(
            &sim.key("warmup_days"),
            p,
            0.0,
            MAX_DAYS,
            "the warm-up in days",
        ),
        None => Some(0.0),
    };
    if spec.simulation.replications == Some(0) {
        c.push(sim.key("replications"), "replications must be at least 1");
    }

    let model = spec.model.as_deref().unwrap_or("network");
    let mut stages = Vec::new();
    let mut arrivals = Vec::new();
    let mut pathway = None;
    match model {
        "pathway" => {
            for (name, present) in [
                ("stages", !spec.stages.is_empty()),
                ("arrivals", !spec.arrivals.is_empty()),
            ] {
                if present {
                    c.push(root.key(name), format!("a pathway scenario has no [{name}] tables: its stages are fixed by the model and set by the sections [people], [court], ..."));
                }
            }
            match spec.pathway() {
                Ok(p) => pathway = super::pathway::resolve(&mut c, &p),
                Err(missing) => {
                    for m in missing {
                        c.push(root.key(m), format!("a pathway scenario needs a [{m}] section (write it, or `extends` a scenario that has it)"));
                    }
                }
            }
        }
        "network" => {
            if spec.has_pathway_sections() {
                c.push(root.key("model"), "sections such as [people] and [court] belong to the pathway model: add `model = \"pathway\"`");
            }
            (stages, arrivals) = network(&mut c, &spec, warmup, horizon);
        }
        other => c.push(
            root.key("model"),
            format!("unknown model `{other}` (known: network, pathway)"),
        ),
    }
    let economics = if model == "pathway" {
        super::costs::resolve(&mut c, spec.costs.as_ref(), spec.qalys.as_ref())
    } else if model != "network" {
        None
    } else {
        for (name, present) in [
            ("costs", spec.costs.is_some()),
            ("qalys", spec.qalys.is_some()),
        ] {
            if present {
                c.push(root.key(name), format!("[{name}] prices the pathway model's activity: it needs `model = \"pathway\"`"));
            }
        }
        None
    };
    if !c.problems.is_empty() {
        return None;
    }
    let canonical = serde_json::to_vec(&spec).expect("a spec always serialises");
    let name = spec.name.clone().unwrap_or_else(|| {
        doc.files[0]
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    });
    Some(Scenario {
        name,
        files: doc.files.clone(),
        hash: format!("{:016x}", fnv1a64(&canonical)),
        warmup: days_to_ticks(warmup?),
        horizon: days_to_ticks(horizon?),
        seed: spec.simulation.seed,
        replications: spec.simulation.replications,
        arrivals,
        stages,
        pathway,
        spec,
        scale: 1.0,
        economics,
    })
}

fn network(
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
    let mut keys_seen = std::collections::BTreeMap::new();
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
    let stage_index = |name: &str| names.iter().position(|n| n.as_str() == name);

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
    // Depth-first search over zero-duration stages; state 1 = on the stack, 2 = done.
    let mut state = vec![0u8; stages.len()];
    let mut stack = Vec::new();
    fn visit(
        i: usize,
        stages: &[Stage],
        zero: &[bool],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[i] = 1;
        stack.push(i);
        let mut previous = 0.0;
        for &(cumulative, dest) in &stages[i].routes {
            let probability = cumulative - previous;
            previous = cumulative;
            let Destination::Stage(j) = dest else {
                continue;
            };
            if probability <= 0.0 || !zero[j] {
                continue;
            }
            if state[j] == 1 {
                let from = stack.iter().position(|&k| k == j).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(j);
                return Some(cycle);
            }
            if state[j] == 0
                && let Some(c) = visit(j, stages, zero, state, stack)
            {
                return Some(c);
            }
        }
        stack.pop();
        state[i] = 2;
        None
    }
    for i in 0..stages.len() {
        if zero[i]
            && state[i] == 0
            && let Some(c) = visit(i, stages, &zero, &mut state, &mut stack)
        {
            return Some(c);
        }
    }
    None
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
