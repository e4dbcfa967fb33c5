//! Help for someone writing a scenario or running the tools: the exact messages they see.

use std::process::Command;

use crate::common::{TempDir, cjmh_in, root, stderr};

fn cjmh_bin_script(
    repo: &std::path::Path,
    target_dir: Option<&std::path::Path>,
) -> std::process::Output {
    let mut c = Command::new("bash");
    c.arg(root().join("notebooks/ci/cjmh-bin.sh")).arg(repo);
    match target_dir {
        Some(t) => c.env("CARGO_TARGET_DIR", t),
        None => c.env_remove("CARGO_TARGET_DIR"),
    };
    c.output().unwrap()
}

#[test]
fn the_notebooks_find_cjmh_under_cargo_target_dir() {
    let tmp = TempDir::new("cjmh-bin");
    let repo = tmp.path().join("repo");
    let elsewhere = tmp.path().join("elsewhere");
    for dir in [&repo, &elsewhere] {
        std::fs::create_dir_all(dir.join("target/release")).unwrap();
    }
    let bin = elsewhere.join("target/release/cjmh");
    std::fs::write(&bin, "").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let o = cjmh_bin_script(&repo, Some(&elsewhere.join("target")));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("{}\n", bin.display())
    );

    // Without CARGO_TARGET_DIR it looks in the repository's own target/, and says what it tried.
    let o = cjmh_bin_script(&repo, None);
    assert!(!o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: no cjmh binary at {}/target/release/cjmh (CARGO_TARGET_DIR is not set); build it with `cargo build --release` or name one with CJMH_BIN\n",
            repo.display()
        )
    );
}

#[test]
fn compare_away_from_the_default_baseline_suggests_the_option() {
    let tmp = TempDir::new("no-baseline");
    let o = cjmh_in(tmp.path(), ["compare", "policy.toml", "-r", "2"]);
    assert_eq!(o.status.code(), Some(2));
    let cwd = tmp.path().canonicalize().unwrap();
    let tried = std::path::absolute(tmp.path().join("scenarios/baseline.toml")).unwrap();
    // The temporary folder may be reached through a symlink; the message names it as cjmh sees it.
    let message = stderr(&o);
    let expected = |base: &std::path::Path| {
        format!(
            "error: no baseline given and the default, scenarios/baseline.toml, is not here (tried {}): name one with `--baseline FILE`, or run from the folder that holds scenarios/\n",
            base.display()
        )
    };
    assert!(
        message == expected(&tried) || message == expected(&cwd.join("scenarios/baseline.toml")),
        "{message}"
    );
}

#[test]
fn a_missing_extends_target_shows_what_was_written_and_the_path_tried() {
    let tmp = TempDir::new("extends-missing");
    tmp.write(
        "sub/policy.toml",
        "# a policy\nextends = \"../baselin.toml\"\n",
    );
    let o = cjmh_in(tmp.path(), ["check", "sub/policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let message = stderr(&o);
    let dir = tmp.path().canonicalize().unwrap();
    let expected = |base: &std::path::Path| {
        format!(
            "error: 1 problem in scenario:\n  sub/policy.toml:2: `extends`: cannot read the scenario it extends: `extends = \"../baselin.toml\"` is relative to this file's folder, so cjmh tried {}/sub/../baselin.toml: No such file or directory (os error 2)\n",
            base.display()
        )
    };
    assert!(
        message == expected(tmp.path()) || message == expected(&dir),
        "{message}"
    );
}

#[test]
fn every_missing_field_at_once_and_did_you_mean_for_a_misspelled_key() {
    let tmp = TempDir::new("missing-fields");
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        "policy.toml",
        &format!(
            r#"extends = "{}"
[costs.lines.housing]
payer = "local_authorities"
driver = "probation_days"
unit_cost = {{ value = 5, source = "test" }}
price_year = "2024-25"
[costs.lines.rent]
payer = "local_authorities"
kind = "service"
basis = "full"
drvier = "probation_days"
unit_cost = {{ value = 5, source = "test" }}
price_year = "2024-25"
[transfer]
warrant_dyas = 3
"#,
            baseline.display()
        ),
    );
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: 5 problems in scenario:
  policy.toml:2: `costs.lines.housing`: wrong type or value: missing field `kind`
  policy.toml:2: `costs.lines.housing`: wrong type or value: missing field `basis`
  policy.toml:7: `costs.lines.rent`: wrong type or value: missing field `driver`
  policy.toml:11: `costs.lines.rent.drvier`: unknown key `drvier`; did you mean `driver`?
  policy.toml:15: `transfer.warrant_dyas`: unknown key `warrant_dyas`; did you mean `warrant_days`?
"
    );
}

#[test]
fn a_key_near_nothing_known_gets_no_guess() {
    let tmp = TempDir::new("no-guess");
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        "policy.toml",
        &format!(
            "extends = \"{}\"\n[transfer]\nbananas = 3\n",
            baseline.display()
        ),
    );
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(
        stderr(&o),
        "error: 1 problem in scenario:\n  policy.toml:3: `transfer.bananas`: unknown key `bananas`\n"
    );
}

#[test]
fn show_lists_every_parameter_with_its_source_and_flags_those_without() {
    let tmp = TempDir::new("show");
    tmp.write(
        "s.toml",
        r#"[simulation]
horizon_days = 100

[arrivals.people]
to = "queue"
rate_per_day = { value = 2, source = "T1", low = 1, high = 3 }

[stages.queue]
capacity = 1
duration = { dist = "exponential", mean = 0.3, source = "assumption; a guess" }
routes = { exit = 1.0 }
"#,
    );
    let o = cjmh_in(tmp.path(), ["show", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        crate::common::stdout(&o),
        "| key | value | low–high | source | written in |
|---|---|---|---|---|
| arrivals.people.rate_per_day | 2 | 1–3 | T1 | s.toml:6 |
| stages.queue.capacity | 1 |  | **NO SOURCE** | s.toml:9 |
| stages.queue.duration | exponential (mean = 0.3) |  | assumption; a guess | s.toml:10 |
| stages.queue.routes.exit | 1 |  | **NO SOURCE** | s.toml:11 |

4 parameters, 2 without a source (marked NO SOURCE: give each a `source`, or `source = \"assumption; ...\"` with a wide range)
"
    );
}

/// A policy extending the shipped baseline with `body` after its `extends` line.
fn over_baseline(tmp: &TempDir, name: &str, body: &str) {
    let baseline = root().join("scenarios/baseline.toml");
    tmp.write(
        name,
        &format!("extends = \"{}\"\n{body}", baseline.display()),
    );
}

/// `[transfer_limit]` with `days` on the policy file's line 5.
fn limit(days: u32) -> String {
    format!(
        "[policy]\nstart_day = 0\n[transfer_limit]\ndays = {days}\nspot_purchase_share = 0.8\nspot_lead_days = 3\nspot_retry_days = 7\nspot_beds = {{ medium = 60, low = 60 }}\n"
    )
}

/// The baseline's assessment (0.2 x 4 days urgent + 0.8 x 14 routine), warrant and admission
/// take 24.6 days on average: a 20-day limit from referral is met by no mean, and check says so,
/// but it is a warning, not a problem: the exit code is still 0.
#[test]
fn check_warns_when_a_transfer_limit_is_shorter_than_the_delays_before_admission() {
    let tmp = TempDir::new("limit-warning");
    over_baseline(&tmp, "policy.toml", &limit(20));
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(crate::common::stdout(&o).starts_with("policy.toml: ok (pathway model"));
    assert_eq!(
        stderr(&o),
        "warning: policy.toml:5: `transfer_limit.days`: a limit of 20 days from referral is shorter than the 24.6 days that the assessment (12.0 on average, urgent and routine referrals together), the warrant (0.6) and the admission (12.0) alone take on average: however many beds there are, the mean time from referral to admission will be over the limit\n"
    );

    // 28 days is longer than those delays: nothing to warn about from the parameters alone
    // (how long the bed queue makes the wait is the run's to find out).
    over_baseline(&tmp, "policy28.toml", &limit(28));
    let o = cjmh_in(tmp.path(), ["check", "policy28.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

/// run and compare print a scenario's warnings on stderr once, before running; --quiet hides
/// them.
#[test]
fn run_and_compare_print_the_warnings_once_unless_quiet() {
    let tmp = TempDir::new("limit-warning-run");
    over_baseline(
        &tmp,
        "policy.toml",
        &format!("name = \"policy\"\n{}", limit(20)),
    );
    let baseline = root().join("scenarios/baseline.toml");
    let baseline = baseline.to_str().unwrap();
    let warning = "warning: policy.toml:6: `transfer_limit.days`: a limit of 20 days";
    let small = ["policy.toml", "-r", "2", "--cohort", "20000", "--out"];
    for (command, out) in [
        ("run", "run"),
        ("run", "run-quiet"),
        ("compare", "cmp"),
        ("compare", "cmp-quiet"),
    ] {
        let mut args = vec![command];
        if command == "compare" {
            args.extend(["--baseline", baseline]);
        }
        args.extend(small);
        args.push(out);
        let quiet = out.ends_with("quiet");
        if quiet {
            args.push("--quiet");
        }
        let o = cjmh_in(tmp.path(), &args);
        let err = stderr(&o);
        assert!(o.status.success(), "{args:?}: {err}");
        assert_eq!(
            err.matches(warning).count(),
            usize::from(!quiet),
            "{args:?}: {err}"
        );
        if quiet {
            assert!(!err.contains("warning:"), "{args:?}: {err}");
        }
    }
}

/// A service people are sent to with no places is a queue nobody leaves but by leaving prison.
#[test]
fn check_warns_about_prison_care_without_places() {
    let tmp = TempDir::new("no-therapists");
    over_baseline(
        &tmp,
        "policy.toml",
        "[prison_care]\ntherapists = 0\ninreach_caseload = 0\n",
    );
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "warning: policy.toml:3: `prison_care.therapists`: no places: everyone referred to prison therapy waits in its queue until they leave prison, and none is treated (to model no prison therapy, set `prison_care.screening_detects` to 0)
warning: policy.toml:4: `prison_care.inreach_caseload`: no places: everyone referred to in-reach waits in its queue until they leave prison, and none is seen (to model no in-reach, set `prison_care.screening_detects` to 0)
"
    );
}

#[test]
fn check_warns_about_transfer_assessment_without_places() {
    let tmp = TempDir::new("no-assessors");
    over_baseline(&tmp, "policy.toml", "[transfer]\nassessors = 0\n");
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "warning: policy.toml:3: `transfer.assessors`: no places: every referral for transfer waits for an assessor until the person leaves prison, so no one is transferred from prison (to model no transfers, set `transfer.acute_share` to 0)\n"
    );
}

/// No high secure beds while 10% need one; medium and low have a spot supply under the limit,
/// so a policy without their commissioned beds is not warned about.
#[test]
fn check_warns_about_a_secure_level_without_beds() {
    let tmp = TempDir::new("no-beds");
    over_baseline(&tmp, "policy.toml", "[transfer.beds]\nhigh = 0\nlow = 0\n");
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "warning: policy.toml:3: `transfer.beds.high`: no high secure beds, though 10% of transfers and hospital orders need one: they wait until they leave prison, and none is admitted (to send no one to this level, set `transfer.high_share` to 0)
warning: policy.toml:4: `transfer.beds.low`: no low secure beds, though 25% of transfers and hospital orders need one: they wait until they leave prison, and none is admitted (to send no one to this level, set `transfer.low_share` to 0)
"
    );
    over_baseline(
        &tmp,
        "limit.toml",
        &format!("{}[transfer.beds]\nlow = 0\n", limit(28)),
    );
    let o = cjmh_in(tmp.path(), ["check", "limit.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

/// The shipped scenarios' only warning is the 14-day limit's, and it is true: the final stage
/// alone (warrant and admission, T5-T7) takes about 12.6 days, so most of those referrals breach
/// it (89% in the README's comparison). Every other shipped file checks clean.
#[test]
fn the_shipped_scenarios_warn_only_of_the_14_day_limit() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("scenarios/{n}"))
        .collect();
    files.sort();
    files.push("scenarios/sweeps/beds-by-limit.toml".into());
    let mut args = vec!["check".to_string()];
    args.extend(files);
    let o = cjmh_in(&root(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let limit = "`transfer_limit.days`: a limit of 14 days from referral is shorter than the 17.4 days that the assessment (4.8 on average, urgent and routine referrals together), the warrant (0.6) and the admission (12.0) alone take on average: however many beds there are, the mean time from referral to admission will be over the limit";
    assert_eq!(
        stderr(&o),
        format!(
            "warning: scenarios/combined.toml:33: {limit}
warning: scenarios/transfer-14-day.toml:38: {limit}
warning: scenarios/sweeps/../transfer-14-day.toml:38: {limit} (at 3 of the sweep's 6 points; the first shown)
"
        )
    );
}

/// "Did you mean" knows keys that neither the file nor the shipped baseline writes: optional
/// sections and keys, here and in sections the file inherits through `extends`.
#[test]
fn did_you_mean_covers_optional_keys_the_file_does_not_write() {
    let tmp = TempDir::new("optional-keys");
    over_baseline(
        &tmp,
        "policy.toml",
        "[polcy]\nstart_day = 0\n[transfer_limt]\ndays = 28\n[simulation]\nreplicatons = 3\n",
    );
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: 3 problems in scenario:
  policy.toml:2: `polcy`: unknown key `polcy`; did you mean `policy`?
  policy.toml:4: `transfer_limt`: unknown key `transfer_limt`; did you mean `transfer_limit`?
  policy.toml:7: `simulation.replicatons`: unknown key `replicatons`; did you mean `replications`?
"
    );

    // An optional key of a section written only in the file extended.
    let support = root().join("scenarios/release-crisis-support.toml");
    tmp.write(
        "support.toml",
        &format!(
            "extends = \"{}\"\n[release_support]\nno_gp_shar = 0.3\n",
            support.display()
        ),
    );
    let o = cjmh_in(tmp.path(), ["check", "support.toml"]);
    assert_eq!(
        stderr(&o),
        "error: 1 problem in scenario:\n  support.toml:3: `release_support.no_gp_shar`: unknown key `no_gp_shar`; did you mean `no_gp_share`?\n"
    );

    // A network stage's optional capacity, which the stage leaves out.
    tmp.write(
        "net.toml",
        "[arrivals.people]\nto = \"queue\"\nrate_per_day = 1\n[stages.queue]\ncapasity = 2\nduration = { dist = \"fixed\", value = 1 }\n",
    );
    let o = cjmh_in(tmp.path(), ["check", "net.toml"]);
    assert_eq!(
        stderr(&o),
        "error: 1 problem in scenario:\n  net.toml:5: `stages.queue.capasity`: unknown key `capasity`; did you mean `capacity`?\n"
    );
}

/// A missing field is given a stand-in so that checking goes on; what the checks say of the
/// keys beside it would be about the stand-in (here "a limit of 1 days"), so it is not said.
#[test]
fn a_missing_field_does_not_make_its_neighbours_wrong() {
    let tmp = TempDir::new("stand-in-neighbours");
    let body = limit(28).replace("days = 28\n", "dayz = 28\n");
    over_baseline(&tmp, "policy.toml", &body);
    let o = cjmh_in(tmp.path(), ["check", "policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: 2 problems in scenario:
  policy.toml:4: `transfer_limit`: wrong type or value: missing field `days`
  policy.toml:5: `transfer_limit.dayz`: unknown key `dayz`; did you mean `days`?
"
    );
}
