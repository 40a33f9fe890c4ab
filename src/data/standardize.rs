//! Z-scoring features with statistics of the training rows only.

use super::columns::Imputer;
use ndarray::ArrayView2;

/// Per-feature `(x - mean) / std`, with statistics fitted on chosen rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    mean: Vec<f32>,
    std: Vec<f32>,
    inverse: Vec<f32>,
}

impl Standardizer {
    /// A standardizer with the given statistics; a zero (or non-finite) `std` is
    /// treated as 1 so that constant features pass through centred, and so is a
    /// subnormal one whose inverse would overflow to infinity (a column of 0 and
    /// 3e-39 is constant for any f32 network).
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Self {
        let std: Vec<f32> = std
            .into_iter()
            .map(|s| if s > 0.0 && (1.0 / s).is_finite() && s.is_finite() { s } else { 1.0 })
            .collect();
        let inverse = std.iter().map(|s| 1.0 / s).collect();
        Standardizer { mean, std, inverse }
    }

    /// Mean and population standard deviation of each column over `rows`
    /// (as scikit-learn's StandardScaler), accumulated in `f64`.
    pub fn fit(features: ArrayView2<'_, f32>, rows: &[u32]) -> Self {
        Standardizer::fit_imputed(features, rows, None)
    }

    /// As [`Standardizer::fit`], on the rows as `imputer` fills them.
    pub fn fit_imputed(features: ArrayView2<'_, f32>, rows: &[u32], imputer: Option<&Imputer>) -> Self {
        let columns = features.ncols();
        let n = rows.len().max(1) as f64;
        let mut scratch = vec![0.0f32; columns];
        let mut visit = |add: &mut dyn FnMut(&[f32])| {
            for &row in rows {
                let values = features.row(row as usize);
                match (imputer, values.as_slice()) {
                    (Some(imputer), Some(values)) => {
                        imputer.transform(values, &mut scratch);
                        add(&scratch);
                    }
                    (None, Some(values)) => add(values),
                    (_, None) => {
                        scratch.iter_mut().zip(values).for_each(|(s, &x)| *s = x);
                        if let Some(imputer) = imputer {
                            let raw = scratch.clone();
                            imputer.transform(&raw, &mut scratch);
                        }
                        add(&scratch);
                    }
                }
            }
        };
        let mut sum = vec![0.0f64; columns];
        visit(&mut |values| {
            for (s, &x) in sum.iter_mut().zip(values) {
                *s += f64::from(x);
            }
        });
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let mut squares = vec![0.0f64; columns];
        visit(&mut |values| {
            for ((s, &x), m) in squares.iter_mut().zip(values).zip(&mean) {
                *s += (f64::from(x) - m).powi(2);
            }
        });
        #[allow(clippy::cast_possible_truncation, reason = "statistics of f32 values, rounded back to f32")]
        Standardizer::new(
            mean.iter().map(|&m| m as f32).collect(),
            squares.iter().map(|s| (s / n).sqrt() as f32).collect(),
        )
    }

    /// The same, with the inputs `unscaled` says passed through as they are (one-hot
    /// categories stay 0 and 1).
    #[must_use]
    pub fn except(mut self, unscaled: &[bool]) -> Self {
        for (((m, s), inv), &skip) in
            self.mean.iter_mut().zip(&mut self.std).zip(&mut self.inverse).zip(unscaled)
        {
            if skip {
                (*m, *s, *inv) = (0.0, 1.0, 1.0);
            }
        }
        self
    }

    /// Per-column means.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// Per-column standard deviations (zeros replaced by 1).
    pub fn std(&self) -> &[f32] {
        &self.std
    }

    /// Standardizes `values` where they are.
    pub fn transform_in_place(&self, values: &mut [f32]) {
        for ((x, &m), &inv) in values.iter_mut().zip(&self.mean).zip(&self.inverse) {
            *x = (*x - m) * inv;
        }
    }

    /// Writes the standardized `row` into `out`.
    pub fn transform(&self, row: &[f32], out: &mut [f32]) {
        for (((o, &x), &m), &inv) in out.iter_mut().zip(row).zip(&self.mean).zip(&self.inverse) {
            *o = (x - m) * inv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn fits_on_the_chosen_rows_only() {
        let x = array![[1.0f32, 5.0], [3.0, 5.0], [100.0, 5.0]];
        let s = Standardizer::fit(x.view(), &[0, 1]);
        assert_eq!(s.mean(), &[2.0, 5.0]);
        // Population std of [1, 3] is 1; the constant column keeps scale 1.
        assert_eq!(s.std(), &[1.0, 1.0]);
        let mut out = [0.0; 2];
        s.transform(&[3.0, 7.0], &mut out);
        assert_eq!(out, [1.0, 2.0]);
    }

    #[test]
    fn a_spread_whose_inverse_overflows_counts_as_constant() {
        // Population std of [0, 3.26e-39] is 1.63e-39, a subnormal whose inverse is
        // beyond f32::MAX: scaling by it would turn 3.26e-39 into infinity.
        let x = array![[0.0f32], [3.262_314e-39]];
        let s = Standardizer::fit(x.view(), &[0, 1]);
        assert_eq!(s.std(), &[1.0]);
        let mut out = [0.0; 1];
        s.transform(&[3.262_314e-39], &mut out);
        assert!(out[0].is_finite() && out[0] > 0.0, "{out:?}");
        // The smallest spread that still scales is kept.
        let t = Standardizer::new(vec![0.0], vec![1e-38]);
        assert_eq!(t.std(), &[1e-38]);
    }
}

/// `(y - mean) / std` for a regression target, so that networks need not produce
/// outputs in the target's own units (a price in dollars, say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetScale {
    /// Mean of the target over the training rows.
    pub mean: f32,
    /// Population standard deviation (1 if the target is constant there).
    pub std: f32,
}

impl TargetScale {
    /// Statistics of `values` over `rows`, in `f64`.
    #[allow(clippy::cast_possible_truncation, reason = "statistics of f32 values, rounded back to f32")]
    pub fn fit(values: &[f32], rows: &[u32]) -> Self {
        let (mean, std) = crate::stats::mean_and_std(rows.iter().map(|&r| f64::from(values[r as usize])))
            .unwrap_or((0.0, 1.0));
        let std = std as f32;
        TargetScale { mean: mean as f32, std: if std > 0.0 && std.is_finite() { std } else { 1.0 } }
    }

    /// The scaled value the network learns.
    pub fn apply(&self, value: f32) -> f32 {
        (value - self.mean) / self.std
    }

    /// A network output back in the target's units.
    pub fn restore(&self, value: f32) -> f32 {
        value * self.std + self.mean
    }
}

/// Everything done to the features before the network sees them, fitted on training
/// rows only: missing values filled and unseen categories cleared, then z-scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scaling {
    /// Fill values and seen categories (data with missing cells or categories).
    pub imputer: Option<Imputer>,
    /// Feature z-scores (one-hot inputs pass through).
    pub features: Option<Standardizer>,
    /// Regression target z-score.
    pub target: Option<TargetScale>,
}

impl Scaling {
    /// The imputation the data needs, and with `standardize` statistics of the
    /// (filled) features and a regression target over `rows`.
    pub fn fit(dataset: &super::Dataset, rows: &[u32], standardize: bool) -> Scaling {
        let view = dataset.features.view();
        let imputer = Imputer::fit(view, rows, &dataset.columns, dataset.impute);
        if !standardize {
            return Scaling { imputer, ..Scaling::default() };
        }
        let one_hot: Vec<bool> =
            dataset.columns.iter().flat_map(|c| std::iter::repeat_n(c.is_categorical(), c.width())).collect();
        Scaling {
            features: Some(Standardizer::fit_imputed(view, rows, imputer.as_ref()).except(&one_hot)),
            imputer,
            target: (dataset.task == super::Task::Regression)
                .then(|| TargetScale::fit(&dataset.labels, rows)),
        }
    }

    /// Writes the (filled, standardized) features of one row into `out`.
    pub fn transform_features(&self, row: &[f32], out: &mut [f32]) {
        match (&self.imputer, &self.features) {
            (None, Some(s)) => s.transform(row, out),
            (None, None) => out.copy_from_slice(row),
            (Some(imputer), None) => imputer.transform(row, out),
            (Some(imputer), Some(s)) => {
                imputer.transform(row, out);
                s.transform_in_place(out);
            }
        }
    }

    /// Multiplies a mean squared error on scaled targets back into the target's units.
    pub fn squared_error_factor(&self) -> f64 {
        self.target.map_or(1.0, |t| f64::from(t.std).powi(2))
    }

    /// Multiplies an absolute error on scaled targets back into the target's units.
    pub fn absolute_error_factor(&self) -> f64 {
        self.target.map_or(1.0, |t| f64::from(t.std))
    }
}
