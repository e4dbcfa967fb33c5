//! The register of sources a parameter can cite: each id of `published-figures.md` and
//! `health-economics.md` (T12, L2, HU4, ...) with its grade and whether it reports a trial or an
//! evaluation, and the five seed documents. It is generated from those files by
//! `scripts/source-register.py` and committed as `sources.csv`, so that the board paper can say
//! what each changed parameter rests on without the sources folder at hand.
//!
//! Grades are the sources' own: **A** official statistics, statute or a peer-reviewed primary
//! result; **B** such a number found second-hand; **C** grey literature, a single site, or a
//! number derived from others.

use std::sync::LazyLock;

/// One source id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The id as the source files write it (`L2`, `seed 001`).
    pub id: String,
    /// `A`, `B` or `C`; empty for a seed document (the seeds are not graded).
    pub grade: String,
    /// `trial or evaluation`, `figure` or `seed document`.
    pub kind: String,
    /// What it measures, in the source table's words.
    pub what: String,
}

impl Source {
    /// Whether the source reports the result of a trial or an evaluation.
    pub fn is_trial(&self) -> bool {
        self.kind == "trial or evaluation"
    }
}

static REGISTER: LazyLock<Vec<Source>> = LazyLock::new(|| {
    let mut r = csv::Reader::from_reader(include_str!("sources.csv").as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.expect("sources.csv is committed and tested");
            Source {
                id: rec[0].to_string(),
                grade: rec[1].to_string(),
                kind: rec[2].to_string(),
                what: rec[3].to_string(),
            }
        })
        .collect()
});

/// Every source in the register.
pub fn all() -> &'static [Source] {
    &REGISTER
}

/// The source with this id, if the register has it.
pub fn get(id: &str) -> Option<&'static Source> {
    REGISTER.iter().find(|s| s.id == id)
}

/// What a parameter's value rests on, read from its `source` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// A value the sources do not give (`assumption; ...`).
    Assumption,
    /// Fitted to a published figure (`calibrated: ...`).
    Calibrated,
    /// Arithmetic on published figures (`derived: ...`).
    Derived,
    /// Taken from the cited sources.
    Sources,
    /// No source given.
    None,
}

impl Basis {
    /// Reads the basis from the start of a `source` text.
    pub fn of(source: Option<&str>) -> Self {
        let Some(s) = source.map(str::trim).filter(|s| !s.is_empty()) else {
            return Basis::None;
        };
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("assumption") {
            Basis::Assumption
        } else if lower.starts_with("calibrated") {
            Basis::Calibrated
        } else if lower.starts_with("derived") {
            Basis::Derived
        } else {
            Basis::Sources
        }
    }

    /// The word the board paper prints.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Assumption => "assumption",
            Basis::Calibrated => "calibrated",
            Basis::Derived => "derived",
            Basis::Sources => "published figure",
            Basis::None => "no source",
        }
    }
}

/// The ids a `source` text cites, in order, each once: tokens shaped like a register id (one to
/// three capitals then digits, as `HU4` or `T12`) and `seed 00N`. Ids the register lacks are
/// returned too, so that a caller can say so.
pub fn cited(source: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: String| {
        if !out.contains(&id) {
            out.push(id);
        }
    };
    // Seed documents: "seed 001", "seeds 001, 004", "seed 001 and 004"; a number that follows
    // in other words ("seed 004 (~135,000 ...") is not a seed.
    let lower = source.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("seed") {
        let mut tail = rest[at + 4..].trim_start_matches('s');
        loop {
            let t = tail.trim_start_matches(' ');
            let digits = t.bytes().take_while(u8::is_ascii_digit).count();
            if digits != 3
                || t[3..].starts_with(|c: char| {
                    c.is_ascii_digit()
                        || c == ',' && t[4..].starts_with(|d: char| d.is_ascii_digit())
                })
            {
                break;
            }
            push(format!("seed {}", &t[..3]));
            tail = &t[3..];
            match [", ", " and ", "/", ","]
                .iter()
                .find(|sep| tail.starts_with(**sep))
            {
                Some(sep) => tail = &tail[sep.len()..],
                None => break,
            }
        }
        rest = &rest[at + 4..];
    }
    // Register ids: one to three capitals, one to three digits, perhaps a lower-case letter.
    for w in source
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let caps = w.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = w[caps..].bytes().take_while(u8::is_ascii_digit).count();
        let tail = &w[caps + digits..];
        if (1..=3).contains(&caps)
            && (1..=3).contains(&digits)
            && (tail.is_empty()
                || (tail.len() == 1 && tail.bytes().all(|b| b.is_ascii_lowercase())))
        {
            push(w.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_register_reads_and_has_grades() {
        assert!(all().len() > 100);
        let l2 = get("L2").expect("L2 is in the register");
        assert_eq!(l2.grade, "A");
        assert!(l2.is_trial());
        assert!(!get("T12").unwrap().is_trial());
        assert_eq!(get("seed 001").unwrap().kind, "seed document");
    }

    #[test]
    fn cited_ids_are_read_from_source_texts() {
        assert_eq!(cited("L2, L3"), ["L2", "L3"]);
        assert_eq!(
            cited("calibrated: seed 004 (~135,000 receptions a year)"),
            ["seed 004"]
        );
        assert_eq!(cited("seed 001, seed 004"), ["seed 001", "seed 004"]);
        assert_eq!(cited("derived: HS4 and C4"), ["HS4", "C4"]);
        assert_eq!(cited("assumption; no source"), Vec::<String>::new());
        assert_eq!(cited("seed 001 Table 2"), ["seed 001"]);
        assert_eq!(
            cited("seeds 001, 004 and T12"),
            ["seed 001", "seed 004", "T12"]
        );
    }

    #[test]
    fn the_basis_is_read_from_the_start_of_the_source() {
        assert_eq!(Basis::of(Some("assumption; a guess")), Basis::Assumption);
        assert_eq!(Basis::of(Some("calibrated: T1")), Basis::Calibrated);
        assert_eq!(Basis::of(Some("derived: HS4")), Basis::Derived);
        assert_eq!(Basis::of(Some("L2")), Basis::Sources);
        assert_eq!(Basis::of(None), Basis::None);
        assert_eq!(Basis::of(Some(" ")), Basis::None);
    }
}
