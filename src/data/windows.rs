//! One long series as samples (`--window N`, `--horizon H`): each sample is `N`
//! consecutive rows (every feature column and the label's own past values, so a
//! one-column series works), its target the label `H` rows after the window's last;
//! and the time-ordered splits such samples need (scikit-learn's `TimeSeriesSplit`),
//! where no window crosses the cut between training and held-out rows.
//!
//! The label may be a number (a forecast) or a class ("will the next value rise"): a
//! past class enters a step as its index for two classes (0 or 1, in class order) and
//! one-hot for more ([`label_step`]).

use super::{Dataset, FeatureColumn, Task};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// How a series was cut into samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Rows per sample.
    pub size: usize,
    /// How many rows after the window's last the target is (1: the next row).
    pub horizon: usize,
}

impl Window {
    /// Samples a series of `rows` rows gives.
    pub fn samples(&self, rows: usize) -> usize {
        (rows + 1).saturating_sub(self.size + self.horizon)
    }

    /// Rows a sample spans, its target's included: windows this many apart share none.
    pub fn span(&self) -> usize {
        self.size + self.horizon - 1
    }

    /// The file row (from zero, among the data rows) of sample `index`'s target.
    pub fn target_row(&self, index: usize) -> usize {
        index + self.span()
    }
}

/// How many values a past label takes in a step: 1 for a number or one of two classes,
/// one per class for more.
pub fn label_width(task: Task, classes: usize) -> usize {
    if task == Task::Multiclass { classes } else { 1 }
}

/// A past label's values in a step: the number itself (regression), the class index
/// (two classes), or one-hot (more); NaN everywhere for a missing label.
pub fn label_step(task: Task, classes: usize, label: f32, step: &mut Vec<f32>) {
    if task != Task::Multiclass {
        step.push(label);
        return;
    }
    #[allow(clippy::cast_possible_truncation, reason = "class indices are small whole numbers")]
    let class = (label.is_finite() && label >= 0.0).then_some(label as usize);
    step.extend((0..classes).map(|c| match class {
        Some(k) => f32::from(u8::from(k == c)),
        None => f32::NAN,
    }));
}

/// The samples of `series`: `size` steps of the features then the label's values
/// ([`label_step`]), step-major, and the label `horizon` rows on as the target.
pub fn window(series: &Dataset, window: Window) -> Result<Dataset, String> {
    let samples = window.samples(series.rows());
    if samples == 0 {
        return Err(format!(
            "{} rows make no window of {} rows with a target {} on (need at least {})",
            series.rows(),
            window.size,
            window.horizon,
            window.span() + 1
        ));
    }
    let features = series.feature_count();
    let classes = series.class_count();
    let step = features + label_width(series.task, classes);
    let mut values = Vec::with_capacity(samples * window.size * step);
    for start in 0..samples {
        for row in start..start + window.size {
            values.extend(series.features.row(row).iter().copied());
            label_step(series.task, classes, series.labels[row], &mut values);
        }
    }
    let labels: Vec<f32> = (0..samples).map(|s| series.labels[window.target_row(s)]).collect();
    let mut names = Vec::with_capacity(window.size * step);
    let mut columns = Vec::with_capacity(window.size * step);
    let label_names: Vec<String> = if series.task == Task::Multiclass {
        series.class_names.iter().map(|class| format!("{}={class}", series.label_name)).collect()
    } else {
        vec![series.label_name.clone()]
    };
    let step_names: Vec<(&str, usize)> = series
        .feature_names
        .iter()
        .map(String::as_str)
        .zip(series.columns.iter().map(|c| c.file_column))
        .chain(label_names.iter().map(|name| (name.as_str(), series.label_column)))
        .collect();
    for lag in (0..window.size).rev() {
        for &(name, file_column) in &step_names {
            let name = format!("{name}[t-{lag}]");
            names.push(name.clone());
            columns.push(FeatureColumn::number(name, file_column));
        }
    }
    // Categorical features become one-hot inputs, each a number column here.
    if series.columns.iter().any(|c| c.width() != 1) {
        return Err(
            "--window reads number columns only; leave categorical columns out with --ignore-col".into()
        );
    }
    #[allow(clippy::expect_used, reason = "the values are samples x (size * step) by construction")]
    let features =
        Array2::from_shape_vec((samples, window.size * step), values).expect("windows fill the matrix");
    Ok(Dataset {
        feature_names: names,
        features,
        labels,
        columns,
        validation: None,
        test: None,
        window: Some(window),
        sample_weights: None,
        ..series.clone()
    })
}

/// One fold's training and held-out samples.
pub type Split = (Vec<u32>, Vec<u32>);

/// scikit-learn's `TimeSeriesSplit(n_splits=folds)` over `samples` samples, each
/// fold's training windows cut so that none reaches into its held-out block: `(train,
/// held_out)` per fold, in time order.
pub fn time_series_split(samples: usize, folds: usize, window: Window) -> Result<Vec<Split>, String> {
    let block = samples / (folds + 1);
    if folds < 2 || block == 0 {
        return Err(format!(
            "{samples} windows are too few for {folds} time-ordered folds (need at least {})",
            folds + 1
        ));
    }
    let gap = window.span();
    let mut splits = Vec::with_capacity(folds);
    for fold in 0..folds {
        let start = samples - (folds - fold) * block;
        let end = start + block;
        // A training window's rows (its target's too) end before the block's first row.
        let train_end = start.saturating_sub(gap);
        if train_end == 0 {
            return Err(format!(
                "fold {}: no training window ends before its held-out block (windows of {} rows, horizon {}); use fewer --folds or a smaller --window",
                fold + 1,
                window.size,
                window.horizon
            ));
        }
        splits.push((indices(0..train_end), indices(start..end)));
    }
    Ok(splits)
}

/// Keras's `validation_split` on windows: the last share held out, the training windows
/// ending before its first row.
pub fn validation_cut(samples: usize, share: f64, window: Window) -> Result<Split, String> {
    #[allow(clippy::cast_possible_truncation, reason = "Keras's int(): a share of rows, truncated")]
    let split = (samples as f64 * (1.0 - share)) as usize;
    let train_end = split.saturating_sub(window.span());
    if train_end == 0 || split >= samples {
        return Err(format!("{share} of {samples} windows leaves no training or no validation windows"));
    }
    Ok((indices(0..train_end), indices(split..samples)))
}

/// `range` as row indices.
#[allow(clippy::cast_possible_truncation, reason = "row indices fit u32: the loader refuses more rows")]
pub fn indices(range: std::ops::Range<usize>) -> Vec<u32> {
    range.map(|i| i as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn time_series_split_is_scikit_learns() {
        // TimeSeriesSplit(n_splits=3) on 12 samples: test blocks of 3 from 3; with a
        // window of 1 and horizon 1 the training part stops one sample short.
        let w = Window { size: 1, horizon: 1 };
        let splits = time_series_split(12, 3, w).unwrap();
        let blocks: Vec<Vec<u32>> = splits.iter().map(|s| s.1.clone()).collect();
        assert_eq!(blocks, vec![vec![3, 4, 5], vec![6, 7, 8], vec![9, 10, 11]]);
        assert_eq!(splits[0].0, vec![0, 1]);
        let w = Window { size: 3, horizon: 2 };
        // 20 samples: blocks of 5 from 5; windows spanning 4 rows end 4 samples early.
        assert_eq!(time_series_split(20, 3, w).unwrap()[1].0, (0..6).collect::<Vec<u32>>());
        assert!(time_series_split(12, 3, Window { size: 4, horizon: 1 }).unwrap_err().contains("fold 1"));
        assert!(time_series_split(3, 5, w).is_err());
    }

    #[test]
    fn past_classes_are_an_index_for_two_and_one_hot_for_more() {
        let mut step = Vec::new();
        label_step(Task::Binary, 2, 1.0, &mut step);
        label_step(Task::Regression, 0, 2.5, &mut step);
        label_step(Task::Multiclass, 3, 2.0, &mut step);
        label_step(Task::Multiclass, 3, 0.0, &mut step);
        assert_eq!(step, [1.0, 2.5, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        step.clear();
        label_step(Task::Multiclass, 2, f32::NAN, &mut step);
        assert!(step.len() == 2 && step.iter().all(|v| v.is_nan()));
        assert_eq!((label_width(Task::Binary, 2), label_width(Task::Multiclass, 4)), (1, 4));
    }

    proptest! {
        #[test]
        fn no_window_crosses_the_cut(rows in 10usize..400, size in 1usize..12, horizon in 1usize..4, folds in 2usize..6, share in 0.05f64..0.6) {
            let w = Window { size, horizon };
            let samples = w.samples(rows);
            // Sample s covers rows s..=s + span - 1 (its target the last).
            let last_row = |s: u32| s as usize + w.span();
            let first_row = |s: u32| s as usize;
            if let Ok(splits) = time_series_split(samples, folds, w) {
                let mut previous_end = 0;
                for (train, held_out) in &splits {
                    let block_start = first_row(held_out[0]);
                    prop_assert!(train.iter().all(|&s| last_row(s) < block_start));
                    prop_assert!(held_out.windows(2).all(|p| p[1] == p[0] + 1));
                    prop_assert!(held_out[0] as usize >= previous_end);
                    previous_end = *held_out.last().unwrap() as usize + 1;
                }
            }
            if let Ok((train, held_out)) = validation_cut(samples, share, w) {
                prop_assert!(train.iter().all(|&s| last_row(s) < first_row(held_out[0])));
                prop_assert_eq!(*held_out.last().unwrap() as usize, samples - 1);
            }
        }
    }
}
