//! Summary statistics shared by the engine, the data scaling and the dashboard.

/// Mean and population standard deviation (numpy's `std`, `ddof=0`) in two passes over
/// `values`, summed in order in `f64`; `None` for no values.
pub fn mean_and_std(values: impl Iterator<Item = f64> + Clone) -> Option<(f64, f64)> {
    let (count, sum) = values.clone().fold((0usize, 0.0), |(count, sum), value| (count + 1, sum + value));
    if count == 0 {
        return None;
    }
    let n = count as f64;
    let mean = sum / n;
    let variance = values.map(|value| (value - mean).powi(2)).sum::<f64>() / n;
    Some((mean, variance.sqrt()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn population_standard_deviation() {
        let (mean, std) = super::mean_and_std([1.0, 2.0, 3.0, 4.0].into_iter()).unwrap();
        assert_eq!(mean, 2.5);
        assert!((std - 1.25f64.sqrt()).abs() < 1e-15);
        assert_eq!(super::mean_and_std(std::iter::empty()), None);
    }
}
