//! Distributions a scenario can name, and fast samplers built from them.
//!
//! All values are in days (durations) unless a scenario key says otherwise. A [`Distribution`]
//! is the scenario's description, checked by [`Distribution::problems`] when a scenario is
//! loaded; a [`Sampler`] is built from a checked description once, before the event loop, so
//! sampling never validates or allocates.
//!
//! | `dist`        | keys                      | meaning                                          |
//! |---------------|---------------------------|--------------------------------------------------|
//! | `exponential` | `mean`                    | memoryless, mean `mean`                          |
//! | `gamma`       | `shape`, `scale`          | mean `shape * scale`                             |
//! | `lognormal`   | `mean`, `sd`              | by the mean and standard deviation of the value  |
//! | `weibull`     | `shape`, `scale`          |                                                  |
//! | `uniform`     | `low`, `high`             |                                                  |
//! | `fixed`       | `value`                   | always `value`                                   |
//! | `empirical`   | `bins` or `quantiles`     | histogram `[[low, high, weight], ...]`, uniform within a bin; or quantile table `[[p, value], ...]` from p = 0 to p = 1, linear between points |

use rand::{Rng, RngExt};
use rand_distr::{Distribution as _, Exp1, Gamma, StandardNormal, Weibull};
use serde::{Deserialize, Serialize};

/// A distribution as a scenario file writes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Distribution {
    /// Which family: exponential, gamma, lognormal, weibull, uniform, fixed, empirical.
    pub dist: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Histogram bins `[low, high, weight]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<Vec<Vec<f64>>>,
    /// Quantile table `[probability, value]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<Vec<Vec<f64>>>,
    /// Where the figures come from (seed file or figure id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Free text: why these figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A problem with a distribution: the key (relative to the distribution) and what is wrong.
pub type Problem = (&'static str, String);

const FAMILIES: &[&str] = &[
    "exponential",
    "gamma",
    "lognormal",
    "weibull",
    "uniform",
    "fixed",
    "empirical",
];

impl Distribution {
    /// An exponential distribution with the given mean.
    pub fn exponential(mean: f64) -> Self {
        Self {
            dist: "exponential".into(),
            mean: Some(mean),
            ..Self::default()
        }
    }

    /// A lognormal distribution by mean and standard deviation.
    pub fn lognormal(mean: f64, sd: f64) -> Self {
        Self {
            dist: "lognormal".into(),
            mean: Some(mean),
            sd: Some(sd),
            ..Self::default()
        }
    }

    /// A fixed value.
    pub fn fixed(value: f64) -> Self {
        Self {
            dist: "fixed".into(),
            value: Some(value),
            ..Self::default()
        }
    }

    fn given(&self) -> [(&'static str, bool); 9] {
        [
            ("mean", self.mean.is_some()),
            ("sd", self.sd.is_some()),
            ("shape", self.shape.is_some()),
            ("scale", self.scale.is_some()),
            ("low", self.low.is_some()),
            ("high", self.high.is_some()),
            ("value", self.value.is_some()),
            ("bins", self.bins.is_some()),
            ("quantiles", self.quantiles.is_some()),
        ]
    }

    /// Every problem with this description, empty if it can be sampled. Values must be finite
    /// and non-negative (they are durations), and each family takes exactly its own keys.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let wanted: &[&str] = match self.dist.as_str() {
            "exponential" => &["mean"],
            "gamma" | "weibull" => &["shape", "scale"],
            "lognormal" => &["mean", "sd"],
            "uniform" => &["low", "high"],
            "fixed" => &["value"],
            "empirical" => &[],
            other => {
                out.push((
                    "dist",
                    format!(
                        "unknown distribution `{other}`; expected one of {}",
                        FAMILIES.join(", ")
                    ),
                ));
                return out;
            }
        };
        for (key, present) in self.given() {
            let is_empirical_key = key == "bins" || key == "quantiles";
            if self.dist == "empirical" && is_empirical_key {
                continue;
            }
            if present && !wanted.contains(&key) {
                out.push((
                    key,
                    format!(
                        "`{key}` does not apply to {} {} distribution",
                        article(&self.dist),
                        self.dist
                    ),
                ));
            }
        }
        for key in wanted {
            if !self.given().iter().any(|(k, p)| k == key && *p) {
                out.push((
                    key,
                    format!(
                        "{} {} distribution needs `{key}`",
                        capitalise(article(&self.dist)),
                        self.dist
                    ),
                ));
            }
        }
        let mut check = |key: &'static str, v: Option<f64>, positive: bool| {
            if let Some(v) = v {
                if !v.is_finite() {
                    out.push((key, format!("`{key}` must be finite, got {v}")));
                } else if positive && v <= 0.0 {
                    out.push((key, format!("`{key}` must be greater than 0, got {v}")));
                } else if v < 0.0 {
                    out.push((key, format!("`{key}` must not be negative, got {v}")));
                }
            }
        };
        check("mean", self.mean, true);
        check("sd", self.sd, false);
        check("shape", self.shape, true);
        check("scale", self.scale, true);
        check("low", self.low, false);
        check("high", self.high, false);
        check("value", self.value, false);
        if let (Some(l), Some(h)) = (self.low, self.high)
            && l > h
        {
            out.push(("high", format!("`high` ({h}) is below `low` ({l})")));
        }
        if self.dist == "empirical" {
            match (&self.bins, &self.quantiles) {
                (Some(_), Some(_)) => out.push((
                    "quantiles",
                    "give either `bins` or `quantiles`, not both".to_string(),
                )),
                (None, None) => out.push((
                    "bins",
                    "an empirical distribution needs `bins` or `quantiles`".to_string(),
                )),
                (Some(bins), None) => histogram_problems(bins, &mut out),
                (None, Some(q)) => quantile_problems(q, &mut out),
            }
        }
        out
    }

    /// The distribution's mean, for checks and reports. `None` if the description is invalid.
    pub fn mean_value(&self) -> Option<f64> {
        if !self.problems().is_empty() {
            return None;
        }
        Some(match self.dist.as_str() {
            "exponential" | "lognormal" => self.mean?,
            "gamma" => self.shape? * self.scale?,
            "weibull" => self.scale? * gamma_fn(1.0 + 1.0 / self.shape?),
            "uniform" => (self.low? + self.high?) / 2.0,
            "fixed" => self.value?,
            _ => match (&self.bins, &self.quantiles) {
                (Some(b), _) => {
                    let w: f64 = b.iter().map(|r| r[2]).sum();
                    b.iter().map(|r| r[2] / w * (r[0] + r[1]) / 2.0).sum()
                }
                (_, Some(q)) => q
                    .windows(2)
                    .map(|w| (w[1][0] - w[0][0]) * (w[0][1] + w[1][1]) / 2.0)
                    .sum(),
                _ => return None,
            },
        })
    }

    /// Builds the sampler. Fails with the problems if the description is invalid.
    pub fn sampler(&self) -> Result<Sampler, Vec<Problem>> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(problems);
        }
        let u = |v: Option<f64>| v.unwrap_or_default();
        Ok(match self.dist.as_str() {
            "exponential" => Sampler::Exponential { mean: u(self.mean) },
            "gamma" => {
                Sampler::Gamma(Gamma::new(u(self.shape), u(self.scale)).expect("checked above"))
            }
            "lognormal" => {
                let (m, s) = (u(self.mean), u(self.sd));
                if s == 0.0 {
                    Sampler::Fixed(m)
                } else {
                    let sigma2 = (1.0 + (s / m).powi(2)).ln();
                    Sampler::LogNormal {
                        mu: m.ln() - sigma2 / 2.0,
                        sigma: sigma2.sqrt(),
                    }
                }
            }
            "weibull" => {
                Sampler::Weibull(Weibull::new(u(self.scale), u(self.shape)).expect("checked above"))
            }
            "uniform" => Sampler::Uniform {
                low: u(self.low),
                width: u(self.high) - u(self.low),
            },
            "fixed" => Sampler::Fixed(u(self.value)),
            _ => {
                if let Some(bins) = &self.bins {
                    let total: f64 = bins.iter().map(|b| b[2]).sum();
                    let mut acc = 0.0;
                    let mut cum = Vec::with_capacity(bins.len());
                    for b in bins {
                        acc += b[2] / total;
                        cum.push((acc, b[0], b[1]));
                    }
                    Sampler::Histogram(cum)
                } else {
                    let q = self.quantiles.as_ref().expect("checked above");
                    Sampler::Quantiles(q.iter().map(|p| (p[0], p[1])).collect())
                }
            }
        })
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn capitalise(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn histogram_problems(bins: &[Vec<f64>], out: &mut Vec<Problem>) {
    if bins.is_empty() {
        out.push(("bins", "`bins` is empty".into()));
        return;
    }
    let mut total = 0.0;
    for (i, b) in bins.iter().enumerate() {
        if b.len() != 3 {
            out.push((
                "bins",
                format!(
                    "bin {i} has {} numbers; expected [low, high, weight]",
                    b.len()
                ),
            ));
            continue;
        }
        if b.iter().any(|v| !v.is_finite() || *v < 0.0) {
            out.push((
                "bins",
                format!("bin {i} has a negative or non-finite number"),
            ));
        } else if b[1] < b[0] {
            out.push((
                "bins",
                format!("bin {i}: high {} is below low {}", b[1], b[0]),
            ));
        }
        total += b[2];
    }
    if total.is_nan() || total <= 0.0 {
        out.push(("bins", "bin weights must add up to more than 0".into()));
    }
}

fn quantile_problems(q: &[Vec<f64>], out: &mut Vec<Problem>) {
    if q.len() < 2 {
        out.push((
            "quantiles",
            "a quantile table needs at least two points, at p = 0 and p = 1".into(),
        ));
        return;
    }
    for (i, p) in q.iter().enumerate() {
        if p.len() != 2 {
            out.push((
                "quantiles",
                format!("point {i} has {} numbers; expected [p, value]", p.len()),
            ));
            return;
        }
        if p.iter().any(|v| !v.is_finite() || *v < 0.0) {
            out.push((
                "quantiles",
                format!("point {i} has a negative or non-finite number"),
            ));
            return;
        }
    }
    if q[0][0] != 0.0 || q[q.len() - 1][0] != 1.0 {
        out.push((
            "quantiles",
            "the table must start at p = 0 and end at p = 1".into(),
        ));
    }
    for w in q.windows(2) {
        if w[1][0] <= w[0][0] || w[1][1] < w[0][1] {
            out.push((
                "quantiles",
                "probabilities must increase and values must not decrease".into(),
            ));
            break;
        }
    }
}

/// Lanczos approximation of the gamma function, for the Weibull mean.
fn gamma_fn(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let t = x + 7.5;
        let mut a = G[0];
        for (i, g) in G.iter().enumerate().skip(1) {
            a += g / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

/// A ready-to-draw distribution.
#[derive(Debug, Clone)]
pub enum Sampler {
    /// Exponential with this mean.
    Exponential { mean: f64 },
    /// Gamma.
    Gamma(Gamma<f64>),
    /// exp(mu + sigma Z).
    LogNormal { mu: f64, sigma: f64 },
    /// Weibull.
    Weibull(Weibull<f64>),
    /// low + width U.
    Uniform { low: f64, width: f64 },
    /// Always this value.
    Fixed(f64),
    /// Cumulative probability, low, high per bin.
    Histogram(Vec<(f64, f64, f64)>),
    /// (p, value) points of the inverse distribution function.
    Quantiles(Vec<(f64, f64)>),
    /// Another sampler's draws multiplied by a factor.
    Scaled(Box<Sampler>, f64),
}

impl Sampler {
    /// The same distribution with every draw multiplied by `factor`.
    pub fn scaled(&self, factor: f64) -> Sampler {
        match self {
            Sampler::Exponential { mean } => Sampler::Exponential {
                mean: mean * factor,
            },
            Sampler::Fixed(v) => Sampler::Fixed(v * factor),
            Sampler::Scaled(inner, f) => Sampler::Scaled(inner.clone(), f * factor),
            other => Sampler::Scaled(Box::new(other.clone()), factor),
        }
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The exponential is by far the commonest family in queueing models: keep it inline and
        // the rest out of line.
        if let Sampler::Exponential { mean } = self {
            let e: f64 = Exp1.sample(rng);
            return mean * e;
        }
        self.sample_other(rng)
    }

    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Sampler::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Sampler::Gamma(g) => g.sample(rng),
            Sampler::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Sampler::Weibull(w) => w.sample(rng),
            Sampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            Sampler::Fixed(v) => *v,
            Sampler::Histogram(cum) => {
                let u: f64 = rng.random();
                let i = cum.partition_point(|c| c.0 <= u).min(cum.len() - 1);
                let (_, lo, hi) = cum[i];
                lo + (hi - lo) * rng.random::<f64>()
            }
            Sampler::Quantiles(points) => {
                let u: f64 = rng.random();
                let i = points
                    .partition_point(|p| p.0 <= u)
                    .clamp(1, points.len() - 1);
                let (p0, x0) = points[i - 1];
                let (p1, x1) = points[i];
                x0 + (x1 - x0) * (u - p0) / (p1 - p0)
            }
            Sampler::Scaled(inner, factor) => inner.sample(rng) * factor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-9);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn problems_name_the_key() {
        let d = Distribution {
            dist: "gamma".into(),
            shape: Some(-1.0),
            mean: Some(3.0),
            ..Default::default()
        };
        let keys: Vec<_> = d.problems().into_iter().map(|p| p.0).collect();
        assert_eq!(keys, vec!["mean", "scale", "shape"]);
        let bad = Distribution {
            dist: "normal".into(),
            ..Default::default()
        };
        assert_eq!(bad.problems()[0].0, "dist");
    }
}
