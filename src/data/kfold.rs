//! Cross-validation splits: stratified for classes, plain for regression.

use super::Dataset;
use crate::random::{self, Stream};
use rand::seq::SliceRandom;

/// Splits `rows` into `k` held-out parts after shuffling them with `seed`.
///
/// With `classes` (each row's class), every class is dealt round-robin over the folds,
/// the deal continuing from fold to fold across classes, so each fold holds each class's
/// count within one of `count / k` and fold sizes differ by at most one row.
/// Returns each fold's held-out rows in ascending order.
pub fn split(rows: usize, classes: Option<(&[usize], usize)>, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut random::rng(seed, Stream::Folds));
    let mut folds = vec![Vec::with_capacity(rows / k + 1); k];
    let mut next = 0;
    let mut deal = |row: usize| {
        folds[next].push(row);
        next = (next + 1) % k;
    };
    match classes {
        Some((class_of, class_count)) => {
            let mut by_class = vec![Vec::new(); class_count];
            for &row in &order {
                by_class[class_of[row]].push(row);
            }
            by_class.into_iter().flatten().for_each(&mut deal);
        }
        None => order.iter().copied().for_each(&mut deal),
    }
    for fold in &mut folds {
        fold.sort_unstable();
    }
    folds
}

/// The folds for a dataset and a warning where a class is too small to appear in every
/// fold, or why `k` does not suit it. As scikit-learn's `StratifiedKFold`, a class with
/// fewer than `k` rows is a warning (some folds hold none of it); only when every class
/// is that small is it an error.
pub fn split_dataset(
    dataset: &Dataset,
    k: usize,
    seed: u64,
) -> Result<(Vec<Vec<usize>>, Option<String>), String> {
    if k < 2 {
        return Err(format!("cross-validation needs at least 2 folds, got {k}"));
    }
    if k > dataset.rows() {
        return Err(format!("{k} folds need at least {k} rows; {} has {}", dataset.source, dataset.rows()));
    }
    if !dataset.task.is_classification() {
        return Ok((split(dataset.rows(), None, k, seed), None));
    }
    let counts = dataset.class_counts();
    if counts.iter().all(|&count| count < k) {
        return Err(format!(
            "{k} folds need more rows than every class has (the largest class has {})",
            counts.iter().max().copied().unwrap_or(0)
        ));
    }
    let warning =
        counts.iter().enumerate().filter(|&(_, &c)| c < k).min_by_key(|&(_, &c)| c).map(|(class, &count)| {
            format!(
                "class {:?} has only {count} rows, fewer than the {k} folds: some folds hold none of it",
                dataset.class_names[class]
            )
        });
    let classes: Vec<usize> = (0..dataset.rows()).map(|row| dataset.class_of(row)).collect();
    Ok((split(dataset.rows(), Some((&classes, dataset.class_count())), k, seed), warning))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn folds_partition_the_rows_and_keep_class_ratios(
            classes in proptest::collection::vec(0usize..4, 10..300),
            k in 2usize..11,
            seed in any::<u64>(),
        ) {
            let rows = classes.len();
            let folds = split(rows, Some((&classes, 4)), k, seed);
            prop_assert_eq!(folds.len(), k);
            // Every row exactly once in a held-out part (so the parts are disjoint).
            let mut seen = vec![0u32; rows];
            for fold in &folds {
                for &row in fold {
                    seen[row] += 1;
                }
            }
            prop_assert!(seen.iter().all(|&n| n == 1));
            // Each class within one row of its ideal share in every fold.
            for class in 0..4 {
                let total = classes.iter().filter(|&&c| c == class).count() as f64;
                for fold in &folds {
                    let here = fold.iter().filter(|&&row| classes[row] == class).count() as f64;
                    prop_assert!((here - total / k as f64).abs() < 1.0, "class {} fold has {} of {}", class, here, total);
                }
            }
            // Fold sizes within one row of each other.
            let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }

        #[test]
        fn plain_folds_partition_the_rows(rows in 2usize..500, k in 2usize..11, seed in any::<u64>()) {
            prop_assume!(k <= rows);
            let folds = split(rows, None, k, seed);
            let mut all: Vec<usize> = folds.concat();
            all.sort_unstable();
            prop_assert_eq!(all, (0..rows).collect::<Vec<_>>());
            prop_assert!(folds.iter().all(|f| f.len() == rows / k || f.len() == rows / k + 1));
        }
    }

    #[test]
    fn same_seed_same_folds_and_different_seed_different_folds() {
        let classes: Vec<usize> = (0..100).map(|i| i % 3).collect();
        let a = split(100, Some((&classes, 3)), 5, 7);
        assert_eq!(a, split(100, Some((&classes, 3)), 5, 7));
        assert_ne!(a, split(100, Some((&classes, 3)), 5, 8));
    }
}
