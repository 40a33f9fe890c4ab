//! What a model learned, as pictures ([`LearnedReport`]): the confusion matrix and the ROC
//! curve of the rows an evaluation saw ([`Outcomes`]), and the decision map over two
//! features or the curve along one ([`MapGrid`]).

use super::event::{DecisionMap, LearnedReport};
use super::plan::MapFeatures;
use crate::data::{Dataset, Scaling, TargetScale};
use crate::nn::metric::predicted_class;
use crate::nn::{Sequential, Workspace};

/// How far apart (along either axis) the ROC curve's drawn points are at least.
const ROC_STEP: f64 = 0.005;

/// The classes an evaluation predicted, row by row, with the truth and (two classes)
/// the second class's probability.
#[derive(Debug, Default)]
pub(crate) struct Outcomes {
    /// Whether to collect at all (pictures asked for, on a classification).
    on: bool,
    truth: Vec<u16>,
    chosen: Vec<u16>,
    scores: Vec<f64>,
}

impl Outcomes {
    pub(crate) fn new(on: bool) -> Self {
        Outcomes { on, ..Outcomes::default() }
    }

    pub(crate) fn clear(&mut self) {
        self.truth.clear();
        self.chosen.clear();
        self.scores.clear();
    }

    /// Takes in `rows x units` outputs of rows whose classes are `labels`.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "class labels are small whole numbers stored as f32; classes fit u16 (the loader's limit)"
    )]
    pub(crate) fn add(&mut self, outputs: &[f32], units: usize, labels: impl Iterator<Item = f32>) {
        if !self.on {
            return;
        }
        for (row, label) in outputs.chunks_exact(units).zip(labels) {
            self.truth.push(label as u16);
            self.chosen.push(predicted_class(row) as u16);
            if units <= 2 {
                self.scores.push(f64::from(row[units - 1]));
            }
        }
    }

    /// The report of what was collected: the matrix and, for two classes, the curve.
    pub(crate) fn report(&self, fold: usize, epoch: usize, held_out: bool, classes: usize) -> LearnedReport {
        let mut confusion = vec![vec![0u64; classes]; classes];
        for (&t, &p) in self.truth.iter().zip(&self.chosen) {
            if let Some(cell) = confusion.get_mut(usize::from(t)).and_then(|row| row.get_mut(usize::from(p)))
            {
                *cell += 1;
            }
        }
        let (roc, roc_auc) = if classes == 2 && self.scores.len() == self.truth.len() {
            let positive: Vec<bool> = self.truth.iter().map(|&t| t == 1).collect();
            #[allow(clippy::cast_possible_truncation, reason = "rates in [0, 1], drawn")]
            let curve = crate::stats::roc_curve(&self.scores, &positive, ROC_STEP)
                .into_iter()
                .map(|(x, y)| (x as f32, y as f32))
                .collect();
            (curve, crate::stats::roc_auc(&self.scores, &positive))
        } else {
            (Vec::new(), None)
        };
        LearnedReport { fold, epoch, held_out, confusion, roc, roc_auc, map: None }
    }
}

/// A fold's decision map: the grid's inputs, made once (the fold's scaling does not
/// change), and the training rows drawn on it.
pub(crate) struct MapGrid {
    names: Vec<String>,
    /// `cells x inputs`, scaled as the model sees them.
    inputs: Vec<f32>,
    columns: usize,
    rows: usize,
    x: (f32, f32),
    y: (f32, f32),
    points: Vec<(f32, f32, u16)>,
    /// A regression's target scaling, undone on the predictions.
    target: Option<TargetScale>,
    classification: bool,
}

impl MapGrid {
    /// The grid over the training rows' range of the map's features (a twentieth more
    /// on each side), the other features at their training median.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "class labels are small whole numbers stored as f32; cell positions are small"
    )]
    pub(crate) fn new(map: &MapFeatures, dataset: &Dataset, scaling: &Scaling, train_rows: &[u32]) -> Self {
        let width = dataset.feature_count();
        let features = &dataset.features;
        let medians: Vec<f32> = (0..width)
            .map(|column| {
                let mut values: Vec<f32> = train_rows
                    .iter()
                    .map(|&row| features[[row as usize, column]])
                    .filter(|v| v.is_finite())
                    .collect();
                values.sort_by(f32::total_cmp);
                match values.len() {
                    0 => f32::NAN,
                    n if n % 2 == 1 => values[n / 2],
                    n => f32::midpoint(values[n / 2 - 1], values[n / 2]),
                }
            })
            .collect();
        let range = |column: usize| {
            let (lo, hi) = train_rows
                .iter()
                .map(|&row| features[[row as usize, column]])
                .filter(|v| v.is_finite())
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            if lo > hi {
                (-1.0, 1.0)
            } else if lo == hi {
                (lo - 1.0, hi + 1.0)
            } else {
                let pad = (hi - lo) / 20.0;
                (lo - pad, hi + pad)
            }
        };
        let classification = dataset.task.is_classification();
        let x = range(map.inputs[0]);
        let (columns, rows, y) = if classification {
            (DecisionMap::COLUMNS, DecisionMap::ROWS, range(map.inputs[1]))
        } else {
            (DecisionMap::CURVE, 1, (0.0, 0.0))
        };
        let at = |(lo, hi): (f32, f32), i: usize, n: usize| lo + (hi - lo) * (i as f32 + 0.5) / n as f32;
        let mut inputs = vec![0.0; columns * rows * width];
        let mut raw = medians.clone();
        for (cell, out) in inputs.chunks_exact_mut(width).enumerate() {
            let (row, column) = (cell / columns, cell % columns);
            raw[map.inputs[0]] = at(x, column, columns);
            if classification {
                // The first row is the top: the largest y.
                raw[map.inputs[1]] = at(y, rows - 1 - row, rows);
            }
            scaling.transform_features(&raw, out);
        }
        let step = train_rows.len().div_ceil(DecisionMap::POINTS).max(1);
        let points = train_rows
            .iter()
            .step_by(step)
            .map(|&row| {
                let row = row as usize;
                let label = dataset.labels[row];
                if classification {
                    (features[[row, map.inputs[0]]], features[[row, map.inputs[1]]], label as u16)
                } else {
                    (features[[row, map.inputs[0]]], label, 0)
                }
            })
            .filter(|&(a, b, _)| a.is_finite() && b.is_finite())
            .collect();
        MapGrid {
            names: map.names.clone(),
            inputs,
            columns,
            rows,
            x,
            y,
            points,
            target: scaling.target,
            classification,
        }
    }

    /// The model's predictions over the grid, `capacity` rows at a time.
    #[allow(clippy::cast_possible_truncation, reason = "class indices fit u16 (the loader's limit)")]
    pub(crate) fn draw(
        &self,
        model: &Sequential<f32>,
        workspace: &mut Workspace<f32>,
        capacity: usize,
    ) -> DecisionMap {
        let width = model.input_dim();
        let units = model.output_units();
        let cells = self.columns * self.rows;
        let (mut class, mut value) = (Vec::with_capacity(cells), Vec::with_capacity(cells));
        for chunk in self.inputs.chunks(capacity * width) {
            let n = chunk.len() / width;
            let out = model.forward(chunk, n, workspace);
            for row in out.chunks_exact(units) {
                if self.classification {
                    let chosen = predicted_class(row);
                    let p = if units == 1 {
                        if chosen == 1 { row[0] } else { 1.0 - row[0] }
                    } else {
                        row[chosen]
                    };
                    class.push(chosen as u16);
                    // Drawn, not computed with: three decimals keep the events small.
                    value.push((p * 1000.0).round() / 1000.0);
                } else {
                    class.push(0);
                    value.push(self.target.map_or(row[0], |t| t.restore(row[0])));
                }
            }
        }
        let y = if self.classification {
            self.y
        } else {
            // A curve's vertical range: the targets drawn and the predictions.
            let values =
                self.points.iter().map(|p| p.1).chain(value.iter().copied()).filter(|v| v.is_finite());
            let (lo, hi) =
                values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            if lo < hi { (lo, hi) } else { (lo - 1.0, lo + 1.0) }
        };
        DecisionMap {
            features: self.names.clone(),
            x: self.x,
            y,
            columns: self.columns,
            rows: self.rows,
            class,
            value,
            points: self.points.clone(),
        }
    }
}
