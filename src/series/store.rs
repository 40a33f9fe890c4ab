//! The store's series: one named series of `(step, value, wall time)` whatever wrote it
//! (the live engine, `events.jsonl`, Keras-callback lines, CSV logs, TensorBoard files,
//! a study's trials), and a fold's or part's series by name.
//!
//! Memory follows the points kept, never the values read: past [`CAPACITY`] points a
//! series keeps every other one and from then on one value in twice as many, while its
//! count, first, last, last finite, lowest and highest values stay exact.

use std::collections::BTreeMap;

/// Points a series keeps for drawing before it halves its resolution.
pub const CAPACITY: usize = 1024;

/// One value: its step (an epoch from 1 for epoch-indexed series), the value, and when
/// it was written in seconds since 1970 (NaN when the source does not say).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Its step or epoch.
    pub step: f64,
    /// The value (may be NaN or infinite in `last`; the kept points are finite).
    pub value: f64,
    /// Seconds since 1970, or NaN.
    pub wall: f64,
}

/// One named series: the points kept for drawing and exact statistics of all values.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    points: Vec<Point>,
    /// Keep one finite value in this many; 0 keeps none (a summary).
    stride: u64,
    /// Finite values seen (kept or not).
    finite: u64,
    /// Values written, finite or not.
    pub count: u64,
    /// The first value written.
    pub first: Option<Point>,
    /// The last value written (a NaN loss shows here).
    pub last: Option<Point>,
    /// The last finite value.
    pub last_finite: Option<Point>,
    /// The lowest finite value (the first of equals).
    pub min: Option<Point>,
    /// The highest finite value (the first of equals).
    pub max: Option<Point>,
}

impl Default for Series {
    fn default() -> Self {
        Series::new()
    }
}

impl Series {
    /// An empty series.
    pub fn new() -> Self {
        Series {
            points: Vec::new(),
            stride: 1,
            finite: 0,
            count: 0,
            first: None,
            last: None,
            last_finite: None,
            min: None,
            max: None,
        }
    }

    /// A series that keeps its statistics and no points (a table needs no more).
    pub fn summary() -> Self {
        Series { stride: 0, ..Series::new() }
    }

    /// Adds `value` at `step`, written at `wall` (NaN if unknown). Non-finite values
    /// count and show as `last`, but are not drawn.
    pub fn push(&mut self, step: f64, value: f64, wall: f64) {
        let point = Point { step, value, wall };
        self.count += 1;
        self.first.get_or_insert(point);
        self.last = Some(point);
        if !value.is_finite() {
            return;
        }
        self.last_finite = Some(point);
        if self.min.is_none_or(|m| value < m.value) {
            self.min = Some(point);
        }
        if self.max.is_none_or(|m| value > m.value) {
            self.max = Some(point);
        }
        self.finite += 1;
        if self.stride != 0 && (self.finite - 1).is_multiple_of(self.stride) {
            self.points.push(point);
            if self.points.len() > CAPACITY {
                self.halve();
            }
        }
    }

    /// Adds an epoch's value (`epoch` from 1).
    pub fn push_epoch(&mut self, epoch: usize, value: f64) {
        self.push(epoch as f64, value, f64::NAN);
    }

    /// Keeps every other kept point (the first included) and one new value in twice as many.
    fn halve(&mut self) {
        let mut index = 0;
        self.points.retain(|_| {
            index += 1;
            index % 2 == 1
        });
        self.stride *= 2;
        // The room a full series grew to is given back: it fills up to one more than the
        // capacity again, never more (half the memory of a long series).
        self.points.shrink_to(CAPACITY + 1);
    }

    /// Thins the series to at most `limit` kept points (a finished fold drawn dimmed).
    pub fn compact(&mut self, limit: usize) {
        while self.points.len() > limit.max(2) {
            self.halve();
        }
    }

    /// The points to draw as `(step, value)`: those kept and the last finite one, so
    /// that the line reaches the present.
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.kept().map(|p| (p.step, p.value)).collect()
    }

    /// The points to draw with their wall times.
    pub fn kept(&self) -> impl Iterator<Item = Point> + '_ {
        // Compared bit for bit: an unknown wall time (NaN) is the same point.
        let same = |a: &Point, b: &Point| {
            (a.step.to_bits(), a.value.to_bits(), a.wall.to_bits())
                == (b.step.to_bits(), b.value.to_bits(), b.wall.to_bits())
        };
        let tail = self.last_finite.filter(|last| self.points.last().is_none_or(|kept| !same(kept, last)));
        self.points.iter().copied().chain(tail)
    }

    /// The last value written (finite or not).
    pub fn latest(&self) -> Option<f64> {
        self.last.map(|p| p.value)
    }

    /// The last finite value.
    pub fn latest_finite(&self) -> Option<f64> {
        self.last_finite.map(|p| p.value)
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The lowest and highest finite values.
    pub fn range(&self) -> Option<(f64, f64)> {
        Some((self.min?.value, self.max?.value))
    }

    /// The best finite value of a series named `name` (lowest for losses, highest for
    /// accuracies; none for a learning rate or a step counter), by the one rule.
    pub fn best(&self, name: &str) -> Option<Point> {
        match super::direction(name)? {
            super::Direction::Lower => self.min,
            super::Direction::Higher => self.max,
        }
    }

    /// Points held in memory.
    pub fn held(&self) -> usize {
        self.points.len()
    }

    /// Moves every step by `by` (Keras's epochs from 0 numbered from 1).
    pub fn shift(&mut self, by: f64) {
        let ends = [&mut self.first, &mut self.last, &mut self.last_finite, &mut self.min, &mut self.max];
        for point in self.points.iter_mut().chain(ends.into_iter().flatten()) {
            point.step += by;
        }
    }

    /// The kept point nearest to `step`.
    pub fn value_at(&self, step: f64) -> Option<f64> {
        self.kept().min_by(|a, b| (a.step - step).abs().total_cmp(&(b.step - step).abs())).map(|p| p.value)
    }
}

/// A fold's (or a run part's) series by name: `loss`, `val_accuracy`, `epoch_auc`, ...
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Part {
    /// The series, by name.
    pub series: BTreeMap<String, Series>,
    /// Its series keep statistics only, no points to draw (see [`Series::summary`]).
    pub summary: bool,
}

impl Part {
    /// A part whose series keep statistics only (a table's reading of many runs).
    pub fn summary() -> Self {
        Part { summary: true, ..Part::default() }
    }

    /// Adds `value` to the series `name` at `step`.
    pub fn push(&mut self, name: &str, step: f64, value: f64, wall: f64) {
        if let Some(series) = self.series.get_mut(name) {
            series.push(step, value, wall);
        } else {
            let mut series = if self.summary { Series::summary() } else { Series::new() };
            series.push(step, value, wall);
            self.series.insert(name.to_string(), series);
        }
    }

    /// Adds an epoch's value (`epoch` from 1).
    pub fn push_epoch(&mut self, name: &str, epoch: usize, value: f64) {
        self.push(name, epoch as f64, value, f64::NAN);
    }

    /// The series `name`, if written.
    pub fn get(&self, name: &str) -> Option<&Series> {
        self.series.get(name)
    }

    /// The last finite value of `name`.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.series.get(name)?.latest_finite()
    }

    /// The best value of `name` and its step, by the one rule (`maximize` overrides it
    /// for a name the rule does not know, as a study's objective).
    pub fn best(&self, name: &str, maximize: Option<bool>) -> Option<(f64, f64)> {
        let series = self.series.get(name)?;
        let point = match maximize {
            Some(true) => series.max,
            Some(false) => series.min,
            None => series.best(name),
        }?;
        Some((point.value, point.step))
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.series.values().all(Series::is_empty)
    }

    /// The highest step written to any series (a fold's epochs for epoch-indexed series).
    pub fn last_step(&self) -> Option<f64> {
        self.series.values().filter_map(|s| s.last.map(|p| p.step)).reduce(f64::max)
    }

    /// Points held in memory.
    pub fn held(&self) -> usize {
        self.series.values().map(Series::held).sum()
    }
}

/// TensorBoard's scalar smoothing: a debiased exponential moving average with weight
/// `weight` in `[0, 1)` (`classicSmoothing` in TensorBoard's
/// `webapp/widgets/line_chart_v2/data_transformer.ts`): `last = last * w + (1 - w) * y`,
/// divided by `1 - w^n` after `n` finite values so that the start is not pulled to 0;
/// non-finite values and constant series pass through unchanged.
pub fn smooth(points: &[(f64, f64)], weight: f64) -> Vec<(f64, f64)> {
    let first = points.first().map(|p| p.1);
    let constant = points.iter().all(|p| Some(p.1) == first);
    let (mut last, mut count) = (0.0, 0i32);
    points
        .iter()
        .map(|&(x, y)| {
            if constant || !y.is_finite() || weight <= 0.0 {
                return (x, y);
            }
            last = last * weight + (1.0 - weight) * y;
            count += 1;
            let debias = if weight < 1.0 { 1.0 - weight.powi(count) } else { 1.0 };
            (x, last / debias)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_tensorboards_debiased_moving_average() {
        // Weight 0.6 on 1, 0, 1: last = 0.4, 0.24, 0.544; debias 0.4, 0.64, 0.784.
        let smoothed = smooth(&[(1.0, 1.0), (2.0, 0.0), (3.0, 1.0)], 0.6);
        let expected = [1.0, 0.24 / 0.64, 0.544 / 0.784];
        for ((_, got), want) in smoothed.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert_eq!(
            smooth(&[(1.0, 2.0), (2.0, 2.0)], 0.9),
            [(1.0, 2.0), (2.0, 2.0)],
            "constant series pass through"
        );
        assert_eq!(
            smooth(&[(1.0, 1.0), (2.0, 3.0)], 0.0),
            [(1.0, 1.0), (2.0, 3.0)],
            "weight 0 is no smoothing"
        );
        let with_nan = smooth(&[(1.0, 1.0), (2.0, f64::NAN), (3.0, 3.0)], 0.5);
        assert!(with_nan[1].1.is_nan());
        // The NaN does not count: 3 is the second value, debiased by 1 - 0.25.
        assert!((with_nan[2].1 - (0.25 + 1.5) / 0.75).abs() < 1e-12);
    }

    #[test]
    fn a_summary_keeps_the_statistics_of_a_full_series_and_no_points() {
        let (mut full, mut summary) = (Series::new(), Series::summary());
        for i in 1..=500 {
            let value = if i == 500 { f64::NAN } else { (f64::from(i) * 0.37).sin() };
            full.push_epoch(i as usize, value);
            summary.push_epoch(i as usize, value);
        }
        assert_eq!(summary.held(), 0);
        // Compared as text: the unknown wall times are NaN, never equal to themselves.
        let ends = |s: &Series| format!("{:?}", (s.count, s.first, s.last, s.last_finite, s.min, s.max));
        assert_eq!(ends(&summary), ends(&full));
        let step = |p: Option<Point>| p.map(|p| p.step);
        assert_eq!((step(full.last), step(full.last_finite)), (Some(500.0), Some(499.0)), "a NaN last");
        let mut part = Part::summary();
        part.push_epoch("loss", 1, 0.5);
        assert_eq!((part.get("loss").unwrap().held(), part.last("loss")), (0, Some(0.5)));
    }

    #[test]
    fn a_million_values_keep_a_thousand_points_and_exact_statistics() {
        let mut series = Series::new();
        for epoch in 1..=1_000_000 {
            series.push_epoch(epoch, 1.0 / epoch as f64);
        }
        assert!(series.held() <= CAPACITY, "{} points", series.held());
        assert!(series.held() >= CAPACITY / 2);
        let points = series.points();
        assert_eq!(points.last(), Some(&(1_000_000.0, 1e-6)), "the line reaches the present");
        assert_eq!(points[0], (1.0, 1.0), "the first point survives thinning");
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(series.count, 1_000_000);
        assert_eq!(series.min.map(|p| p.step), Some(1_000_000.0));
        assert_eq!(series.best("val_loss").map(|p| p.value), Some(1e-6));
        assert_eq!(series.best("accuracy").map(|p| (p.step, p.value)), Some((1.0, 1.0)));
        assert_eq!(series.best("learning_rate"), None, "a learning rate has no better side");
    }

    #[test]
    fn steps_that_are_not_epochs_thin_by_arrival_not_by_value() {
        // TensorBoard steps every 50: a stride on the step's value would keep them all.
        let mut series = Series::new();
        for i in 0..10_000u32 {
            series.push(f64::from(i * 50), f64::from(i), f64::from(i));
        }
        assert!(series.held() <= CAPACITY);
        assert!(series.kept().all(|p| p.wall == p.value), "wall times travel with their points");
    }

    #[test]
    fn a_diverged_series_shows_its_nan_last_and_keeps_the_last_finite() {
        let mut part = Part::default();
        for (epoch, loss) in [(1, 0.7), (2, 0.5), (3, f64::NAN)] {
            part.push_epoch("loss", epoch, loss);
        }
        let loss = part.get("loss").unwrap();
        assert!(loss.latest().unwrap().is_nan());
        assert_eq!(loss.latest_finite(), Some(0.5));
        assert_eq!(loss.count, 3);
        assert_eq!(loss.points(), [(1.0, 0.7), (2.0, 0.5)], "a NaN is not drawn");
        assert_eq!(part.best("loss", None), Some((0.5, 2.0)));
        assert_eq!(part.last_step(), Some(3.0));
        part.push_epoch("objective", 1, 0.7);
        part.push_epoch("objective", 2, 0.6);
        assert_eq!(part.best("objective", None), None, "a name the rule does not know has no best");
        assert_eq!(part.best("objective", Some(true)), Some((0.7, 1.0)), "a study's direction overrides");
    }

    #[test]
    fn compact_keeps_the_ends() {
        let mut series = Series::new();
        for epoch in 1..=1000 {
            series.push_epoch(epoch, epoch as f64);
        }
        series.compact(100);
        let points = series.points();
        assert!(points.len() <= 101, "{}", points.len());
        assert_eq!(points[0].0, 1.0);
        assert_eq!(points.last().unwrap().0, 1000.0);
    }
}
