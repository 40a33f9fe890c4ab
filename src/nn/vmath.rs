//! The recurrent gates' `exp`, `tanh` and logistic function in `f32` without branches or
//! library calls, so that a loop of them compiles to vector instructions inside the
//! dispatched step (the C library's `expm1f` and `expf` were over half of an LSTM's
//! training time).
//!
//! Cephes's single-precision formulas (Moshier's `expf` and `tanhf`): a Cody-Waite
//! reduction and a degree-7 polynomial for `exp`, an odd polynomial for `tanh` below
//! 0.625 and `1 - 2 / (e^2|x| + 1)` above. Their relative errors, measured over every
//! `f32` against `f64` once, are at most 0.68 (exp), 1.24 (logistic) and 1.19 (tanh)
//! times `2^-23`; the tests below sample every 97th float. Only additions, multiplications, divisions,
//! comparisons and bit moves are used, none fused, so every instruction set gives the
//! same bits. NaN stays NaN.

/// `1.5 * 2^23`: added to a value below `2^22` in magnitude, it rounds it to an integer
/// held in the low bits of the sum.
const ROUND: f32 = 12_582_912.0;
/// Above this `e^x` is `inf` (the largest power of two reachable is `2^127`, so the last
/// 0.35 before `f32`'s true limit, 88.72, is given up: `e^88.37` is `2.4e38`).
const EXP_HIGH: f32 = 88.37;
/// Below this `e^x` is 0 (a subnormal, `1.2e-38` or less, in truth).
const EXP_LOW: f32 = -87.33;

/// `e^x`: within an ulp of the exact value between [`EXP_LOW`] and [`EXP_HIGH`],
/// `inf` above, 0 below.
#[inline(always)]
#[allow(clippy::cast_possible_wrap, clippy::cast_sign_loss, reason = "bit patterns of small integers")]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts, the first with few enough bits that `n * LN2_HIGH` is exact.
    const LN2_HIGH: f32 = 0.693_359_4;
    const LN2_LOW: f32 = -2.121_944_4e-4;
    // NaN stays NaN.
    let clamped = x.clamp(EXP_LOW, EXP_HIGH);
    let shifted = clamped * LOG2E + ROUND;
    let n = shifted - ROUND;
    let power = (shifted.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    let r = clamped - n * LN2_HIGH;
    let r = r - n * LN2_LOW;
    let z = r * r;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 1.666_666_5e-1)
        * r
        + 0.5;
    let y = p * z + r + 1.0;
    let scale = f32::from_bits((power.wrapping_add(127) as u32) << 23);
    let e = y * scale;
    if x > EXP_HIGH {
        f32::INFINITY
    } else if x < EXP_LOW {
        0.0
    } else {
        e
    }
}

/// The logistic function `1 / (1 + e^-z)`: 0 below -88.37, where the exact value is
/// under `5e-39`.
#[inline(always)]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
}

/// `tanh(x)`.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let z = x * x;
    let small = ((((-5.704_988_7e-3 * z + 2.063_909e-2) * z - 5.373_971_6e-2) * z + 1.333_144_2e-1) * z
        - 3.333_328e-1)
        * z
        * x
        + x;
    let large = (1.0 - 2.0 / (exp(a + a) + 1.0)).copysign(x);
    if a < 0.625 { small } else { large }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest error of `f` against `exact`, relative to the exact value in units of
    /// `2^-23` (absolute, in units of `2^-149`, where the exact value is subnormal), over
    /// every 97th `f32` from `low` to `high`, and where it is.
    fn worst_ulps(low: f32, high: f32, f: impl Fn(f32) -> f32, exact: impl Fn(f64) -> f64) -> (f64, f32) {
        let mut worst = (0.0f64, 0.0f32);
        let mut x = low;
        // About 2e7 values over a full range, every exponent sampled.
        while x <= high {
            let want = exact(f64::from(x));
            let got = f64::from(f(x));
            let ulp = want.abs().max(f64::from(f32::MIN_POSITIVE)) * f64::from(f32::EPSILON);
            let ulps = (got - want).abs() / ulp;
            if ulps > worst.0 || ulps.is_nan() {
                worst = (ulps, x);
            }
            let bits = x.to_bits();
            let next = if x >= 0.0 {
                f32::from_bits(bits + 97)
            } else if bits - 97 > 0x8000_0000 {
                f32::from_bits(bits - 97)
            } else {
                0.0
            };
            x = next;
        }
        worst
    }

    #[test]
    fn exp_is_within_one_ulp_and_saturates() {
        let (ulps, at) = worst_ulps(-87.0, 88.0, exp, f64::exp);
        assert!(ulps <= 1.0, "exp: {ulps} ulps at {at}");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(100.0), f32::INFINITY);
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(-100.0), 0.0);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn sigmoid_is_within_one_and_a_half_ulps_and_saturates() {
        let exact = |z: f64| 1.0 / (1.0 + (-z).exp());
        let (ulps, at) = worst_ulps(-87.0, 30.0, sigmoid, exact);
        assert!(ulps <= 1.5, "sigmoid: {ulps} ulps at {at}");
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!(sigmoid(f32::NAN).is_nan());
    }

    #[test]
    fn tanh_is_within_one_and_a_half_ulps_and_saturates() {
        let (ulps, at) = worst_ulps(-20.0, 20.0, tanh, f64::tanh);
        assert!(ulps <= 1.5, "tanh: {ulps} ulps at {at}");
        let (ulps, at) = worst_ulps(-1e-30, 1e-30, tanh, f64::tanh);
        assert!(ulps <= 1.0, "tanh near 0: {ulps} ulps at {at}");
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(100.0), 1.0);
        assert_eq!(tanh(-100.0), -1.0);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert!(tanh(f32::NAN).is_nan());
    }
}
