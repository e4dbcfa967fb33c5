//! Statistics across replications: means with Student-t confidence intervals.

/// Mean, standard deviation and a two-sided confidence interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Number of values.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 denominator); `NaN` for fewer than two values.
    pub sd: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Estimate {
    /// Estimates the mean of `values` with a two-sided interval at `level` (e.g. 0.95). Values
    /// are summed in the order given, so the result does not depend on scheduling.
    pub fn of(values: &[f64], level: f64) -> Self {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Self {
                n,
                mean,
                sd: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = student_t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
        Self {
            n,
            mean,
            sd,
            low: mean - half,
            high: mean + half,
        }
    }

    /// Whether `x` lies inside the interval.
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

/// A mean, standard deviation and interval accumulated one value at a time (Welford's
/// method), so statistics over replications need memory for one value, not all of them. Values
/// must be added in a fixed order for results not to depend on scheduling.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Running {
    n: usize,
    mean: f64,
    m2: f64,
}

impl Running {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Values added.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The mean so far (NaN before any value).
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample standard deviation (NaN for fewer than two values).
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            (self.m2.max(0.0) / (self.n - 1) as f64).sqrt()
        }
    }

    /// As [`Estimate::of`] would give for the same values (up to rounding).
    pub fn estimate(&self, level: f64) -> Estimate {
        let (n, mean, sd) = (self.n, self.mean(), self.sd());
        if n < 2 {
            return Estimate {
                n,
                mean,
                sd,
                low: f64::NAN,
                high: f64::NAN,
            };
        }
        let half = student_t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
        Estimate {
            n,
            mean,
            sd,
            low: mean - half,
            high: mean + half,
        }
    }
}

/// The standard normal distribution function, from the complementary error function
/// (Numerical Recipes' Chebyshev fit, fractional error under 1.2e-7); 0 and 1 at the infinities.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let z = -x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * z.abs());
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    let erfc = if z >= 0.0 { r } else { 2.0 - r };
    0.5 * erfc
}

/// [`normal_quantile`] extended to the closed interval: minus infinity at 0, infinity at 1 (a
/// share of 0 or 1 as a threshold that no draw, or every draw, falls below).
pub fn normal_quantile_or_inf(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        normal_quantile(p)
    }
}

/// The standard normal quantile function (Acklam's rational approximation, relative error
/// under 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let pl = 0.02425;
    if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

/// Student-t quantile with `df` degrees of freedom: exact for 1 and 2, otherwise the
/// Cornish-Fisher expansion to fourth order (error below 1e-3 for df >= 3 at the levels used).
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    if df == 1.0 {
        return (std::f64::consts::PI * (p - 0.5)).tan();
    }
    if df == 2.0 {
        let a = 4.0 * p * (1.0 - p);
        return 2.0 * (p - 0.5) * (2.0 / a).sqrt();
    }
    let z = normal_quantile(p);
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + g1 / df + g2 / df.powi(2) + g3 / df.powi(3) + g4 / df.powi(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_estimates_match_the_two_pass_ones() {
        let values = [3.0, 1e6 + 1.5, -2.25, 7.0, 7.0, 0.125];
        let mut r = Running::default();
        assert!(r.mean().is_nan());
        for v in values {
            r.push(v);
        }
        let (a, b) = (r.estimate(0.95), Estimate::of(&values, 0.95));
        assert_eq!(a.n, b.n);
        for (x, y) in [
            (a.mean, b.mean),
            (a.sd, b.sd),
            (a.low, b.low),
            (a.high, b.high),
        ] {
            assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} vs {y}");
        }
        let mut one = Running::default();
        one.push(4.0);
        assert_eq!(one.estimate(0.95).mean, 4.0);
        assert!(one.estimate(0.95).low.is_nan());
    }

    #[test]
    fn the_normal_cdf_inverts_the_quantile() {
        for p in [1e-6, 0.01, 0.2, 0.5, 0.7, 0.975, 0.999_9] {
            let x = normal_quantile(p);
            assert!((normal_cdf(x) - p).abs() < 2e-7 * p.max(1e-3), "{p}");
        }
        assert_eq!(normal_cdf(f64::NEG_INFINITY), 0.0);
        assert_eq!(normal_cdf(f64::INFINITY), 1.0);
    }

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.995) - 2.575_829).abs() < 1e-6);
        // Student t, two-sided 95%: df 1, 2, 4, 9, 19, 29 from standard tables.
        for (df, t) in [
            (1.0, 12.706),
            (2.0, 4.303),
            (4.0, 2.776),
            (9.0, 2.262),
            (19.0, 2.093),
            (29.0, 2.045),
        ] {
            let got = student_t_quantile(0.975, df);
            assert!((got - t).abs() < 2e-3, "df {df}: {got} vs {t}");
        }
        assert!((student_t_quantile(0.995, 9.0) - 3.250).abs() < 3e-3);
    }

    #[test]
    fn estimate_of_a_known_sample() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert_eq!(e.mean, 3.0);
        assert!((e.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776 * e.sd / 5f64.sqrt();
        assert!((e.high - 3.0 - half).abs() < 5e-3);
    }
}
