//! The baseline's calibration targets: published figures the national baseline should
//! reproduce, each with the band a simulated mean must fall in and why the band is that wide.
//!
//! `cjmh calibrate` runs a scenario (by default `scenarios/baseline.toml`) and renders the table;
//! the integration tests assert every row from the same function, so the table in `docs/` and
//! the tests cannot disagree about what "calibrated" means.

use std::path::Path;

use crate::engine::stats::Estimate;
use crate::output::summary::ReplicationResult;
use crate::scenario::Scenario;

/// How a target is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Band {
    /// The simulated mean must lie in `[low, high]`.
    Within { low: f64, high: f64 },
    /// The sources disagree: the simulated mean must lie between the two sources' values,
    /// `low` (the first source named) and `high` (the second).
    Between { low: f64, high: f64 },
}

impl Band {
    fn bounds(self) -> (f64, f64) {
        match self {
            Band::Within { low, high } | Band::Between { low, high } => (low, high),
        }
    }
}

/// One published figure the baseline is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// What is compared, in commissioners' words.
    pub what: &'static str,
    /// The metric in `summary.csv`.
    pub metric: &'static str,
    /// Seed file or figure id in `shared/sources/`.
    pub source: &'static str,
    /// The figure as published.
    pub published: &'static str,
    /// The accepted band.
    pub band: Band,
    /// Why the band is that wide: the source's precision.
    pub why: &'static str,
    /// The parameter fitted to this target, or the input it echoes: a target reproduced by a
    /// parameter set for that purpose, or by the figure itself as an input, shows the
    /// plumbing works; it is not validation (that is `cjmh validate`).
    pub basis: &'static str,
}

/// Every calibration target, in the order of the pathway.
pub const TARGETS: &[Target] = &[
    Target {
        what: "Custodial outcome after an L&D referral, relative to eligible people in areas \
               without L&D",
        metric: "ld_custody_rr",
        source: "L2",
        published: "custodial sentence \"almost half\" as likely (RR about 0.5; 2017 cohort)",
        band: Band::Within {
            low: 0.35,
            high: 0.7,
        },
        why: "L2 gives a rounded point (\"almost half\") and no interval, from a matched \
              comparison whose design uncertainty dominates the sampling error of ~8,700 \
              referrals (about ±0.1 on the log scale); validation.md's band",
        basis: "fitted with `liaison_diversion.short_custody_diversion_share` (no other source \
                gives it)",
    },
    Target {
        what: "Prison receptions a year",
        metric: "receptions_per_year",
        source: "seed 004",
        published: "~135,000",
        band: Band::Within {
            low: 128_250.0,
            high: 141_750.0,
        },
        why: "±5%: the source gives one rounded figure with no year or interval",
        basis: "fitted with `people.new_people_per_day` and `court.bail_custody_share`",
    },
    Target {
        what: "Prison population (mean)",
        metric: "prison_population_mean",
        source: "seed 000, seed 004",
        published: "nearly 84,000 (end 2012); ~80,000",
        band: Band::Within {
            low: 80_000.0,
            high: 86_000.0,
        },
        why: "the two seed figures, widened by 2,000 for the 2013-2016 population",
        basis: "fitted with the upper bins of `custody.sentence_days`",
    },
    Target {
        what: "Remand share of the prison population",
        metric: "remand_population_share",
        source: "R8, R9",
        published: "12,780 (2021, ~16%); 20% (2024)",
        band: Band::Within {
            low: 0.15,
            high: 0.20,
        },
        why: "the published shares; remand grew after 2019 (R9), so the c. 2015 baseline sits low",
        basis: "fitted with `court.remand_share`",
    },
    Target {
        what: "Transfers to secure hospital a year",
        metric: "transfers_per_year",
        source: "T1-T3",
        published: "1,061 / 1,010 / 980 / 936 (2014-2017)",
        band: Band::Within {
            low: 900.0,
            high: 1_100.0,
        },
        why: "the published years, widened by the ±6% (2 SE) Poisson error of ~1,000 a year",
        basis: "fitted with `transfer.acute_share`",
    },
    Target {
        what: "Hospital orders a year",
        metric: "hospital_orders_per_year",
        source: "T16",
        published: "253 restricted hospital-order admissions (1999)",
        band: Band::Within {
            low: 203.0,
            high: 303.0,
        },
        why: "±50: twice the ±32 (2 SE) Poisson error of ~250 a year, because the one figure is \
              from 1999",
        basis: "fitted with `court.hospital_order_share`",
    },
    Target {
        what: "Final stage (reports to admission), mean days",
        metric: "transfer_wait_from_bed_offer_days_mean",
        source: "T6",
        published: "1.6-2.0 weeks (2014-2018)",
        band: Band::Within {
            low: 11.2,
            high: 14.0,
        },
        why: "the range of the five published annual means",
        basis: "echoes inputs `transfer.admission_days` (mean, T5, T6) and `transfer.warrant_days` (T7), set from T6's mean",
    },
    Target {
        what: "Final stage over 14 days, share",
        metric: "transfer_wait_from_bed_offer_over_14d_share",
        source: "T5",
        published: "25.8% / 24.0% / 24.2% (2015-2017)",
        band: Band::Within {
            low: 0.21,
            high: 0.29,
        },
        why: "published range ± 2 binomial SE of a share of ~1,000 transfers (1.4 points)",
        basis: "fitted with the sd of `transfer.admission_days`",
    },
    Target {
        what: "Final stage over 30 days, share",
        metric: "transfer_wait_from_bed_offer_over_30d_share",
        source: "T5",
        published: "9.7% / 7.0% / 6.5% (2015-2017)",
        band: Band::Within {
            low: 0.048,
            high: 0.114,
        },
        why: "published range ± 2 binomial SE of a share of ~1,000 transfers (0.85 points)",
        basis: "fitted with the sd of `transfer.admission_days`",
    },
    Target {
        what: "Referral to admission, mean days",
        metric: "transfer_wait_from_referral_days_mean",
        source: "T12, seed 001",
        published: "93-102 days (89 derived), two London prisons",
        band: Band::Within {
            low: 73.0,
            high: 118.0,
        },
        why: "one study of 149 transfers: SE of its mean ~8 days (sd ~ mean); range ± 2 SE",
        basis: "fitted with `transfer.beds.{high,medium,low}` (the bed queue); the assessment, search rounds and urgent route are assumptions, not fitted",
    },
    Target {
        what: "1-year reoffending after custody under 12 months",
        metric: "reoffending_1y_short_sentence_share",
        source: "R1, R2",
        published: "61.0% (2018); almost 60% (2013)",
        band: Band::Within {
            low: 0.58,
            high: 0.64,
        },
        why: "the two published years ± 2 points (cohorts of tens of thousands; year-to-year drift)",
        basis: "echoes input `community.reoffend_1y_share.short_custody` (R1)",
    },
    Target {
        what: "Suicide in the year after release, per 100,000 person-years",
        metric: "post_release_suicide_rate_per_100k_py",
        source: "M1",
        published: "156 (382 suicides, 244,988 released)",
        band: Band::Within {
            low: 141.0,
            high: 172.0,
        },
        why: "the exact Poisson 95% interval of 382 suicides",
        basis: "echoes input `release.suicide_per_100k_py` (M1)",
    },
    Target {
        what: "Post-release suicides within 28 days, share",
        metric: "post_release_suicides_within_28d_share",
        source: "M7, seed 004",
        published: "1/4 of community deaths within 4 weeks",
        band: Band::Within {
            low: 0.20,
            high: 0.33,
        },
        why: "a historic, rounded figure for all deaths (quality B): a quarter ± a third",
        basis: "fitted with `release.suicide_first_28d_ratio`",
    },
    Target {
        what: "Suicide on probation, per 100,000 person-years",
        metric: "probation_suicide_rate_per_100k_py",
        source: "seed 001 vs M1",
        published: "men ~70, women ~30 (seed 001); 156 in the year after release (M1)",
        band: Band::Between {
            low: 68.0,
            high: 156.0,
        },
        why: "the sources conflict: licence time is both probation (seed 001, 95% men: 68) and \
              the year after release (M1: 156); the model holds both rates, so the mix lies between",
        basis: "echoes two inputs, `probation.suicide_per_100k_py` (seed 001) and `release.suicide_per_100k_py` (M1): any mix lies between them, so it cannot fail",
    },
    Target {
        what: "IAPT recovery rate",
        metric: "iapt_recovery_rate",
        source: "P1-P3",
        published: "51.1% (2019-20); 52.1% (2018-19); 46.3% (2015-16)",
        band: Band::Within {
            low: 0.46,
            high: 0.53,
        },
        why: "the published national years (counts in the millions: sampling error negligible)",
        basis: "echoes input `iapt.recovery_share` (P1, P4)",
    },
    Target {
        what: "IAPT courses started within 6 weeks of referral, share (local services)",
        metric: "iapt_started_within_6_weeks_share.community",
        source: "P1",
        published: "87.4% (2019-20)",
        band: Band::Within {
            low: 0.80,
            high: 0.94,
        },
        why: "a national count (sampling error negligible), widened to the step of one whole-time \
              therapist either side of the fit: therapists are whole, and 47 or 49 give 0.80 and \
              0.94 (six replications each)",
        basis: "fitted with `iapt.community.therapists`",
    },
    Target {
        what: "Four or five co-existing disorders, share",
        metric: "comorbidity_4_plus_share",
        source: "seed 000",
        published: "12-15% of prisoners",
        band: Band::Within {
            low: 0.12,
            high: 0.15,
        },
        why: "the published range",
        basis: "fitted with `people.comorbidity_correlation`",
    },
];

/// A target with the simulated estimate.
#[derive(Debug, Clone)]
pub struct Row {
    /// The target.
    pub target: Target,
    /// Mean over replications with its 95% interval; `None` if the metric is missing.
    pub estimate: Option<Estimate>,
}

impl Row {
    /// Whether the simulated mean lies in the target's band.
    pub fn pass(&self) -> bool {
        let (low, high) = self.target.band.bounds();
        self.estimate
            .is_some_and(|e| e.mean.is_finite() && low <= e.mean && e.mean <= high)
    }
}

/// Compares the replications of one scenario with every target.
pub fn evaluate(results: &[ReplicationResult]) -> Vec<Row> {
    TARGETS
        .iter()
        .map(|t| {
            let values: Vec<f64> = results
                .iter()
                .filter_map(|r| {
                    r.metrics
                        .iter()
                        .find(|(name, _)| name == t.metric)
                        .map(|(_, v)| *v)
                })
                .collect();
            Row {
                target: *t,
                estimate: (!values.is_empty()).then(|| Estimate::of(&values, 0.95)),
            }
        })
        .collect()
}

fn number(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 1.0 {
        1
    } else {
        3
    };
    let s = format!("{x:.digits$}");
    if x.abs() >= 1_000.0 {
        // Thousands separators, as the sources write large counts.
        let (sign, body) = s.strip_prefix('-').map_or(("", s.as_str()), |b| ("-", b));
        let mut out = String::new();
        for (i, ch) in body.chars().enumerate() {
            if i > 0 && (body.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        format!("{sign}{out}")
    } else {
        s
    }
}

/// The line above the table: what ran, and how to regenerate it.
pub fn heading(s: &Scenario, path: &Path, replications: u64, seed: u64) -> String {
    format!(
        "Calibration of `{}` ({}): {replications} replications, seed {seed}, cjmh {}. \
         Regenerate with `cjmh calibrate {} --out <file>`.",
        s.name,
        path.display(),
        env!("CARGO_PKG_VERSION"),
        path.display(),
    )
}

/// One calibration row as text, for the Markdown table and the board paper alike.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    pub what: &'static str,
    pub metric: &'static str,
    pub source: &'static str,
    pub published: &'static str,
    /// The accepted band.
    pub band: String,
    /// The simulated mean, or "missing".
    pub mean: String,
    /// Its 95% interval over replications (simulation noise).
    pub interval: String,
    pub in_band: bool,
    /// The parameter fitted to the target, or the input it echoes.
    pub basis: &'static str,
}

/// The text of one row.
pub fn cells(r: &Row) -> Cells {
    let t = &r.target;
    let (low, high) = t.band.bounds();
    let band = match t.band {
        Band::Within { .. } => format!("{} to {}", number(low), number(high)),
        Band::Between { .. } => format!("between {} and {}", number(low), number(high)),
    };
    let (mean, interval) = match &r.estimate {
        Some(e) => (
            number(e.mean),
            format!("{} to {}", number(e.low), number(e.high)),
        ),
        None => ("missing".into(), "-".into()),
    };
    Cells {
        what: t.what,
        metric: t.metric,
        source: t.source,
        published: t.published,
        band,
        mean,
        interval,
        in_band: r.pass(),
        basis: t.basis,
    }
}

/// The calibration table as Markdown: one row per target. `heading` describes the run.
pub fn to_markdown(rows: &[Row], heading: &str) -> String {
    let mut s = String::new();
    s.push_str(heading);
    s.push_str(
        "\n\n| Target | Source | Published | Accepted band | Simulated mean | 95% CI | In band | \
         Fitted with, or echo |\n",
    );
    s.push_str("|---|---|---|---|---:|---|---|---|\n");
    for r in rows {
        let c = cells(r);
        s.push_str(&format!(
            "| {} (`{}`) | {} | {} | {} | {} | {} | {} | {} |\n",
            c.what,
            c.metric,
            c.source,
            c.published,
            c.band,
            c.mean,
            c.interval,
            if c.in_band { "yes" } else { "**no**" },
            c.basis
        ));
    }
    s.push_str("\nWhy each band is that wide:\n\n");
    for t in TARGETS {
        s.push_str(&format!("- `{}` ({}): {}.\n", t.metric, t.source, t.why));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_the_sources_write_them() {
        assert_eq!(number(134_870.66), "134,871");
        assert_eq!(number(1_030.9), "1,031");
        assert_eq!(number(92.65), "92.7");
        assert_eq!(number(156.44), "156");
        assert_eq!(number(0.6122), "0.612");
        assert_eq!(number(f64::NAN), "-");
    }

    #[test]
    fn a_missing_metric_or_a_mean_outside_the_band_fails() {
        let r = |v: f64| ReplicationResult {
            scenario: "s".into(),
            replication: 0,
            metrics: vec![("transfers_per_year".into(), v)],
        };
        let rows = evaluate(&[r(1000.0), r(1010.0)]);
        let transfers = rows
            .iter()
            .find(|r| r.target.metric == "transfers_per_year");
        assert!(transfers.is_some_and(Row::pass));
        assert!(
            !rows
                .iter()
                .find(|r| r.target.metric == "iapt_recovery_rate")
                .unwrap()
                .pass()
        );
        let rows = evaluate(&[r(1200.0), r(1190.0)]);
        assert!(
            !rows
                .iter()
                .find(|r| r.target.metric == "transfers_per_year")
                .unwrap()
                .pass()
        );
    }
}
