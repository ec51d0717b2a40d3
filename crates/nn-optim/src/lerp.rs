//! Linear interpolation as PyTorch's `lerp_` computes it, so running means round the same way.

use nn_tensor::Float;

/// `a + w·(b − a)` for `|w| < 0.5`, else `b − (b − a)·(1 − w)` (ATen's `lerp`, exact at both
/// ends).
pub(crate) fn lerp<T: Float>(a: T, b: T, w: T) -> T {
    if w.abs() < T::from_f64(0.5) {
        a + w * (b - a)
    } else {
        b - (b - a) * (T::one() - w)
    }
}

#[cfg(test)]
mod tests {
    use super::lerp;

    #[test]
    fn both_branches() {
        // 1 + 0.25·(5 − 1) = 2;  5 − (5 − 1)·(1 − 0.75) = 4;  w = 1 gives b exactly.
        assert_eq!(lerp(1.0_f64, 5.0, 0.25), 2.0);
        assert_eq!(lerp(1.0_f64, 5.0, 0.75), 4.0);
        assert_eq!(lerp(0.1_f64, 0.7, 1.0), 0.7);
    }
}
