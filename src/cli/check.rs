//! `cjmh check`.

use std::path::{Path, PathBuf};

use super::{CliError, all_or_every_problem};
use crate::scenario;

/// A sweep file names a `base` scenario and a `design`; anything else is read as a scenario
/// (which reports a file that is not TOML at all).
fn is_sweep_file(path: &Path) -> bool {
    scenario::file::read_text(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("base") && t.contains_key("design"))
}

pub(super) fn check(paths: &[PathBuf]) -> Result<(), CliError> {
    all_or_every_problem(paths.iter().map(|p| {
        describe(p).map(|(line, warnings)| {
            println!("{line}");
            for w in warnings {
                eprintln!("warning: {w}");
            }
        })
    }))?;
    Ok(())
}

/// A sweep's warnings: each point's, once per key (a PSA's points would repeat one warning with
/// other numbers hundreds of times), showing the first point's message and how many points have
/// it.
fn sweep_warnings(sw: &scenario::sweep::Sweep) -> Vec<String> {
    let mut seen: Vec<(scenario::Problem, usize)> = Vec::new();
    for s in &sw.scenarios {
        for w in &s.warnings {
            match seen
                .iter_mut()
                .find(|(p, _)| (&p.file, p.line, &p.key) == (&w.file, w.line, &w.key))
            {
                Some((_, n)) => *n += 1,
                None => seen.push((w.clone(), 1)),
            }
        }
    }
    let points = sw.scenarios.len();
    seen.into_iter()
        .map(|(w, n)| {
            if points > 1 {
                format!("{w} (at {n} of the sweep's {points} points; the first shown)")
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// The line that says what a valid file holds, and its warnings (see `Scenario::warnings`).
fn describe(path: &Path) -> Result<(String, Vec<String>), scenario::ScenarioError> {
    if is_sweep_file(path) {
        let sw = scenario::sweep::load(path)?;
        super::check_shown(&sw)?;
        let warnings = sweep_warnings(&sw);
        return Ok((
            format!(
                "{}: ok (sweep, {} design, {} points x {} replications)",
                path.display(),
                sw.design.name(),
                sw.points.len(),
                sw.replications
            ),
            warnings,
        ));
    }
    let s = scenario::load(path)?;
    let shape = match &s.pathway {
        Some(p) => {
            let mut shape = format!(
                "pathway model, about {:.0} new people; L&D: {:.3} of police contacts have a mental \
                 health need by Table 2, so {:.3} of them are eligible for L5's {:.2}{}",
                s.expected_people(),
                p.ld_need_at_contact,
                p.ld_eligible_share,
                p.ld_police_custody_need_share,
                if p.ld_eligible_share >= 1.0 {
                    " (capped: Table 2 gives fewer people with a need than L5)"
                } else {
                    ""
                }
            );
            if let Some(r) = &p.rollout {
                shape.push_str(&format!(
                    "; the policy starts on day {} of the measured window, after the status quo ({})",
                    crate::engine::ticks_to_days(r.start - s.warmup),
                    r.status_quo.display()
                ));
            }
            shape
        }
        None => format!(
            "{} stages, {} arrival streams",
            s.stages.len(),
            s.arrivals.len()
        ),
    };
    let warnings = s.warnings.iter().map(|w| w.to_string()).collect();
    Ok((format!("{}: ok ({shape})", s.files[0].display()), warnings))
}
