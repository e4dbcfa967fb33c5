//! `cjmh verify`.

use std::time::Instant;

use super::args::VerifyArgs;
use super::{CliError, thread_count, with_threads};
use crate::output::progress;
use crate::verify;

pub(super) fn verify(args: VerifyArgs) -> Result<(), CliError> {
    let (seed, quiet) = (args.seed, args.quiet.quiet);
    with_threads(thread_count(args.threads.threads), || {
        let started = Instant::now();
        let bar = progress::bar(verify::UNITS, quiet, "verification models");
        let checks = verify::all_with_progress(seed, &|| bar.inc(1));
        bar.finish_and_clear();
        print!("{}", verify::render(&checks));
        let failed = checks.iter().filter(|c| !c.pass).count();
        println!(
            "\n{} passed, {} failed ({:.1} s, seed {seed}, {} replications per check)",
            checks.len() - failed,
            failed,
            started.elapsed().as_secs_f64(),
            verify::REPLICATIONS
        );
        if failed > 0 {
            Err(CliError::ChecksFailed)
        } else {
            Ok(())
        }
    })?
}
