//! Checks a scenario's meaning and resolves it for the engine: the simulation settings, then
//! the model's own sections (network or pathway), then the economics.

use super::check::{Checker, MAX_DAYS};
use super::error::{KeyPath, Problem};
use super::file::Document;
use super::hash::fnv1a64;
use super::resolved::Scenario;
use super::spec::ScenarioSpec;
use super::{costs, network, pathway};
use crate::engine::days_to_ticks;
use crate::limits::MAX_REPLICATIONS;

pub(super) fn validate(
    doc: &Document,
    spec: ScenarioSpec,
    problems: &mut Vec<Problem>,
) -> Option<Scenario> {
    let mut c = Checker {
        doc,
        problems,
        phasing: false,
    };
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
    match spec.simulation.replications {
        Some(0) => c.push(sim.key("replications"), "replications must be at least 1"),
        Some(r) if u64::from(r) > MAX_REPLICATIONS => c.push(
            sim.key("replications"),
            format!("replications must be at most {MAX_REPLICATIONS}, got {r}"),
        ),
        _ => {}
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
                Ok(p) => pathway = pathway::resolve(&mut c, &p),
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
            (stages, arrivals) = network::resolve(&mut c, &spec, warmup, horizon);
        }
        other => c.push(
            root.key("model"),
            format!("unknown model `{other}` (known: network, pathway)"),
        ),
    }
    let economics = if model == "pathway" {
        costs::resolve(
            &mut c,
            spec.costs.as_ref(),
            spec.qalys.as_ref(),
            spec.health.as_ref(),
        )
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
        warnings: Vec::new(),
    })
}
