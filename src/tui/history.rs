//! Chart history that costs the same memory for a million epochs as for a thousand.

/// Points kept before a series halves its resolution.
pub const CAPACITY: usize = 1024;

/// A series of `(epoch, value)` points, decimated as it grows: once more than
/// [`CAPACITY`] points are kept, every other one is dropped and only epochs on the new,
/// doubled stride are kept from then on. The latest point is always kept, so the line
/// reaches the present.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    points: Vec<(f64, f64)>,
    stride: usize,
    latest: Option<(f64, f64)>,
}

impl Series {
    /// An empty series.
    pub fn new() -> Self {
        Series { points: Vec::new(), stride: 1, latest: None }
    }

    /// Adds the value at `epoch` (1-based, increasing).
    #[allow(
        clippy::cast_possible_truncation,
        reason = "epochs are whole numbers stored as f64 for the chart"
    )]
    pub fn push(&mut self, epoch: usize, value: f64) {
        if !value.is_finite() {
            return;
        }
        let point = (epoch as f64, value);
        self.latest = Some(point);
        if epoch.is_multiple_of(self.stride.max(1)) || self.points.is_empty() {
            self.points.push(point);
            if self.points.len() > CAPACITY {
                self.stride = self.stride.max(1) * 2;
                let stride = self.stride;
                self.points.retain(|&(e, _)| (e as usize).is_multiple_of(stride));
            }
        }
    }

    /// The kept points and the latest one, in epoch order.
    pub fn points(&self) -> Vec<(f64, f64)> {
        let mut points = self.points.clone();
        if let Some(latest) = self.latest
            && points.last() != Some(&latest)
        {
            points.push(latest);
        }
        points
    }

    /// The most recent value.
    pub fn latest(&self) -> Option<f64> {
        self.latest.map(|(_, v)| v)
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.latest.is_none()
    }

    /// Smallest and largest kept value.
    pub fn range(&self) -> Option<(f64, f64)> {
        self.points().iter().fold(None, |range, &(_, v)| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }

    /// Thins the series to at most `limit` points (for folds that are done and only
    /// drawn dimmed behind the current one).
    #[allow(
        clippy::cast_possible_truncation,
        reason = "epochs are whole numbers stored as f64 for the chart"
    )]
    pub fn compact(&mut self, limit: usize) {
        while self.points.len() > limit.max(2) {
            self.stride = self.stride.max(1) * 2;
            let stride = self.stride;
            let first = self.points[0];
            self.points.retain(|&(e, _)| (e as usize).is_multiple_of(stride));
            if self.points.first() != Some(&first) {
                self.points.insert(0, first);
            }
        }
    }

    /// Memory held, in points.
    pub fn kept(&self) -> usize {
        self.points.len()
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
    fn memory_stays_bounded_over_a_million_epochs() {
        let mut series = Series::new();
        for epoch in 1..=1_000_000 {
            series.push(epoch, 1.0 / epoch as f64);
        }
        assert!(series.kept() <= CAPACITY, "{} points", series.kept());
        assert!(series.kept() >= CAPACITY / 2);
        let points = series.points();
        assert_eq!(points.last(), Some(&(1_000_000.0, 1e-6)), "the line reaches the present");
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
        // Early history survives thinning.
        assert!(points[0].0 <= 1024.0);
    }

    #[test]
    fn small_series_keep_everything_and_skip_non_finite_values() {
        let mut series = Series::new();
        for epoch in 1..=10 {
            series.push(epoch, epoch as f64);
        }
        series.push(11, f64::NAN);
        assert_eq!(series.points().len(), 10);
        assert_eq!(series.range(), Some((1.0, 10.0)));
        assert_eq!(series.latest(), Some(10.0));
    }

    #[test]
    fn compact_keeps_the_ends() {
        let mut series = Series::new();
        for epoch in 1..=1000 {
            series.push(epoch, epoch as f64);
        }
        series.compact(100);
        let points = series.points();
        assert!(points.len() <= 101, "{}", points.len());
        assert_eq!(points[0].0, 1.0);
        assert_eq!(points.last().unwrap().0, 1000.0);
    }
}
