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
