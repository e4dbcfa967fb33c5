//! `cjmh costs`.

use super::args::CostsArgs;
use super::{CliError, write_output};
use crate::scenario;

pub(super) fn costs(args: CostsArgs) -> Result<(), CliError> {
    let s = scenario::load(&args.scenario)?;
    let Some(e) = &s.economics else {
        return Err(CliError::BadInput(format!(
            "{}: the scenario has no [costs] section (write one, or `extends` a scenario \
             that has it, such as scenarios/baseline.toml)",
            args.scenario.display()
        )));
    };
    // Paths in the table are relative, so the generated file does not depend on where the
    // repository lives.
    let mut table = e.to_markdown(&args.scenario.display().to_string());
    if let Some(h) = &e.health {
        table.push('\n');
        table.push_str(&h.to_markdown());
    }
    if let Some(out) = &args.out {
        write_output(out, table.as_bytes())?;
    }
    print!("{table}");
    Ok(())
}
