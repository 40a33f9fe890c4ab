//! Summary statistics shared by the engine, the data scaling, `evaluate` and the
//! dashboard: mean and deviation, the confusion matrix, ROC and precision-recall scores.

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

/// `matrix[true][predicted]`.
pub fn confusion_matrix(truth: &[usize], predicted: &[usize], classes: usize) -> Vec<Vec<usize>> {
    let mut matrix = vec![vec![0; classes]; classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        if t < classes && p < classes {
            matrix[t][p] += 1;
        }
    }
    matrix
}

/// The area under the ROC curve of `scores` for `positive` rows, exactly: the chance that
/// a positive row scores above a negative one, ties counting one half (scikit-learn's
/// `roc_auc_score`). `None` without both kinds of rows.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (from 1) over ties, summed over the positive rows.
    let (mut rank_sum, mut start) = (0.0, 0);
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        rank_sum += rank * order[start..=end].iter().filter(|&&i| positive[i]).count() as f64;
        start = end + 1;
    }
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let negatives = positive.len() as f64 - positives;
    (positives > 0.0 && negatives > 0.0)
        .then(|| (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Average precision of `scores` for `positive` rows: the precision at each distinct
/// score (highest first) weighted by the recall it adds (scikit-learn's
/// `average_precision_score`). `None` without a positive row.
pub fn average_precision(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    if positives == 0.0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut seen, mut recall, mut ap) = (0.0, 0.0, 0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        tp += f64::from(u8::from(positive[i]));
        seen += 1.0;
        // The end of a run of equal scores is one threshold.
        if order.get(k + 1).is_none_or(|&next| scores[next] != scores[i]) {
            let now = tp / positives;
            ap += (now - recall) * (tp / seen);
            recall = now;
        }
    }
    Some(ap)
}

/// The ROC curve of `scores` for `positive` rows: (false positive rate, true positive
/// rate) at each distinct score taken as the threshold, highest first, from (0, 0) to
/// (1, 1) (scikit-learn's `roc_curve` without `drop_intermediate`), thinned to points at
/// least `step` apart along either axis (the corners where the curve turns are kept
/// within that step). Empty without both kinds of rows.
pub fn roc_curve(scores: &[f64], positive: &[bool], step: f64) -> Vec<(f64, f64)> {
    let positives = positive.iter().filter(|&&p| p).count() as f64;
    let negatives = positive.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut full = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in order.iter().enumerate() {
        if positive[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        if order.get(k + 1).is_none_or(|&next| scores[next] != scores[i]) {
            full.push((fp / negatives, tp / positives));
        }
    }
    // Points inside a straight vertical or horizontal run add nothing to the drawing.
    let mut corners: Vec<(f64, f64)> = vec![full[0]];
    for (k, &point) in full.iter().enumerate().skip(1) {
        let (before, after) = (corners[corners.len() - 1], full.get(k + 1));
        let inside = after.is_some_and(|&next| {
            (before.0 == point.0 && point.0 == next.0) || (before.1 == point.1 && point.1 == next.1)
        });
        if !inside {
            corners.push(point);
        }
    }
    let mut curve = vec![corners[0]];
    for (k, &point) in corners.iter().enumerate().skip(1) {
        let last = curve[curve.len() - 1];
        if k + 1 == corners.len() || (point.0 - last.0).abs() >= step || (point.1 - last.1).abs() >= step {
            curve.push(point);
        }
    }
    curve
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

    /// scikit-learn 1.9.1's `roc_curve(y, s)` (the same with `drop_intermediate` on or
    /// off here), ties included; straight runs kept as their ends only.
    #[test]
    fn roc_curve_agrees_with_scikit_learn() {
        let y = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0].map(|v| v == 1);
        let s = [0.9, 0.8, 0.8, 0.7, 0.55, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1, 0.1];
        let expected = [
            (0.0, 0.0),
            (0.0, 0.2),
            (1.0 / 7.0, 0.4),
            (1.0 / 7.0, 0.6),
            (2.0 / 7.0, 0.6),
            (4.0 / 7.0, 0.8),
            (5.0 / 7.0, 0.8),
            (5.0 / 7.0, 1.0),
            (1.0, 1.0),
        ];
        let curve = super::roc_curve(&s, &y, 0.0);
        assert_eq!(curve.len(), expected.len(), "{curve:?}");
        for (got, want) in curve.iter().zip(expected) {
            assert!((got.0 - want.0).abs() < 1e-12 && (got.1 - want.1).abs() < 1e-12, "{got:?} vs {want:?}");
        }
        let straight = super::roc_curve(&[0.9, 0.8, 0.7, 0.1], &[true, true, true, false], 0.0);
        assert_eq!(straight, vec![(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]);
        // Thinned: no two drawn points closer than the step along both axes, ends kept.
        let thin = super::roc_curve(&s, &y, 0.25);
        assert_eq!((thin[0], thin[thin.len() - 1]), ((0.0, 0.0), (1.0, 1.0)));
        assert!(thin.len() < curve.len());
        assert!(super::roc_curve(&s, &[true; 12], 0.0).is_empty());
    }
}
