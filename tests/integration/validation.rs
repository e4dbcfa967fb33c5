//! `cjmh validate`: docs/validation.md is its output at the pinned settings, and a case that
//! fails today shows FAIL and makes the command exit 1.

use cjmh::validation;

use crate::common::{TempDir, cjmh_in, root, stderr};

#[test]
fn docs_validation_md_is_the_output_of_cjmh_validate_and_failures_exit_1() {
    // The pinned settings: the default replications and the baseline's seed, from the
    // repository root, as `cjmh validate --out docs/validation.md` runs.
    let tmp = TempDir::new("validate");
    let out = tmp.path().join("validation.md");
    let o = cjmh_in(
        &root(),
        [
            "validate".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    // Cases fail today (VF-2, VH-1 ...): the command exits 1 and says nothing on standard
    // error, since the table itself reports the failures.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    let table = std::fs::read_to_string(&out).unwrap();
    let docs = std::fs::read_to_string(root().join("docs/validation.md")).unwrap();
    assert!(
        docs == table,
        "docs/validation.md is out of date: run `cjmh validate --out docs/validation.md`"
    );
    // A case known to fail today (C14's community order against the model's price per order,
    // a unit-cost check that needs no simulation) is shown as a failure, with its reason.
    let vf2 = table
        .lines()
        .find(|l| l.starts_with("| VF-2 |"))
        .expect("the VF-2 row");
    assert!(vf2.ends_with("| **FAIL** |"), "{vf2}");
    assert!(
        table.contains("**VF-2** (C14)") && table.contains("**Fails because** the model prices")
    );
    // Every case has a row; the not-independent figures are listed without a verdict.
    for c in validation::CASES {
        assert!(table.contains(&format!("\n| {} | ", c.id)), "{}", c.id);
    }
    for n in validation::NOT_INDEPENDENT {
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("| {} | ", n.id)))
            .unwrap_or_else(|| panic!("{}", n.id));
        assert!(!row.contains("PASS") && !row.contains("FAIL"), "{row}");
    }
    // The README's validation table is this table.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in table
        .lines()
        .filter(|l| l.starts_with("| V"))
        .take(validation::CASES.len())
    {
        assert!(
            readme.lines().any(|r| r == line),
            "README.md's validation table lacks this row of docs/validation.md:\n{line}"
        );
    }
}

#[test]
fn validate_refuses_a_folder_without_the_shipped_scenarios() {
    let tmp = TempDir::new("validate-missing");
    let o = cjmh_in(tmp.path(), ["validate", "--scenarios", "nowhere", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("baseline.toml"), "{}", stderr(&o));
}
