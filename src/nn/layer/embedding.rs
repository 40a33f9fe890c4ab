//! Embedding (Keras's `Embedding(vocab, dim)`): each input value is an integer code
//! that picks a row of a `vocab x dim` matrix. The codes are checked before training
//! and prediction ([`first_bad_code`]); a value that is not a code gives NaN here
//! rather than a row of another code.

use crate::nn::Real;

/// The code `value` stands for, if it is a whole number in `0..vocab`.
#[inline(always)]
pub fn code<T: Real>(value: T, vocab: usize) -> Option<usize> {
    let v = value.as_f64();
    #[allow(clippy::cast_possible_truncation, reason = "checked to be a whole number in 0..vocab first")]
    (v.fract() == 0.0 && v >= 0.0 && v < vocab as f64).then_some(v as usize)
}

/// The index (in `values`) and value of the first value that is not a code of
/// `0..vocab`, if any.
pub fn first_bad_code<T: Real>(values: &[T], vocab: usize) -> Option<(usize, T)> {
    values.iter().position(|&v| code(v, vocab).is_none()).map(|i| (i, values[i]))
}

/// For a stack that starts with an embedding: that every value of `values` (rows of
/// `names.len()` features) is one of its codes, or a one-line reason naming the first
/// value that is not (its feature and row, counted from 1).
pub fn check_codes<T: Real>(layers: &[super::Layer], values: &[T], names: &[String]) -> Result<(), String> {
    let Some(&first @ super::Layer::Embedding { vocab, .. }) = layers.first() else {
        return Ok(());
    };
    let Some((index, value)) = first_bad_code(values, vocab) else {
        return Ok(());
    };
    let columns = names.len().max(1);
    let held = if value.is_nan() { "a missing value".to_string() } else { format!("{value}") };
    Err(format!(
        "feature {:?} holds {held} in row {}, and {first} reads whole codes from 0 to {}",
        names.get(index % columns).map_or("?", String::as_str),
        index / columns + 1,
        vocab - 1
    ))
}

/// Each input value's row of `table` (`vocab x dim`).
///
/// # Shapes
/// `input`: `n` codes; `output`: `n x dim`.
#[inline(always)]
pub fn forward<T: Real>(input: &[T], table: &[T], dim: usize, output: &mut [T]) {
    let vocab = table.len() / dim;
    for (&x, out) in input.iter().zip(output.chunks_exact_mut(dim)) {
        match code(x, vocab) {
            Some(c) => out.copy_from_slice(&table[c * dim..(c + 1) * dim]),
            None => out.fill(T::nan()),
        }
    }
}

/// The table's gradient: each output row's gradient added to its code's row.
#[inline(always)]
pub fn backward<T: Real>(input: &[T], delta: &[T], dim: usize, table_gradient: &mut [T]) {
    let vocab = table_gradient.len() / dim;
    table_gradient.fill(T::zero());
    for (&x, d) in input.iter().zip(delta.chunks_exact(dim)) {
        if let Some(c) = code(x, vocab) {
            for (g, &dv) in table_gradient[c * dim..(c + 1) * dim].iter_mut().zip(d) {
                *g += dv;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_hand_and_gradients_added_per_code() {
        let table = [0.0_f64, 0.1, 1.0, 1.1, 2.0, 2.1];
        let mut out = [0.0; 8];
        forward(&[2.0, 0.0, 2.0, 1.5], &table, 2, &mut out);
        assert_eq!(&out[..6], &[2.0, 2.1, 0.0, 0.1, 2.0, 2.1]);
        assert!(out[6].is_nan() && out[7].is_nan());
        let mut g = [9.0; 6];
        backward(&[2.0, 0.0, 2.0], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, &mut g);
        assert_eq!(g, [3.0, 4.0, 0.0, 0.0, 6.0, 8.0]);
        assert_eq!(first_bad_code(&[0.0, 2.0, 3.0], 3), Some((2, 3.0)));
        assert_eq!(first_bad_code(&[0.0, -1.0], 3), Some((1, -1.0)));
        assert_eq!(first_bad_code(&[0.0, f64::NAN], 3).map(|(i, _)| i), Some(1));
        assert_eq!(first_bad_code(&[0.0, 1.0, 2.0], 3), None);
    }
}
