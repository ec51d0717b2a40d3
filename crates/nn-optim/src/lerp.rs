//! Linear interpolation as PyTorch's `lerp_` computes it, so running means round the same way.

use nn_tensor::Float;

/// Interpolation towards `b` by a fixed weight `w`: `a + w·(b − a)` for `|w| < 0.5`, else
/// `b − (b − a)·(1 − w)` (ATen's `lerp`, exact at both ends). The case is chosen once, so a loop
/// of [`Lerp::apply`] has no branch.
#[derive(Clone, Copy)]
pub(crate) struct Lerp<T> {
    from_start: bool,
    coeff: T,
}

impl<T: Float> Lerp<T> {
    /// Interpolation by `w`.
    pub(crate) fn new(w: T) -> Self {
        let from_start = w.abs() < T::from_f64(0.5);
        // b − (b − a)·(1 − w) = b + (−(1 − w))·(b − a), bit for bit: negation is exact.
        let coeff = if from_start { w } else { -(T::one() - w) };
        Lerp { from_start, coeff }
    }

    /// `a` moved towards `b`.
    #[inline(always)]
    pub(crate) fn apply(self, a: T, b: T) -> T {
        let base = if self.from_start { a } else { b };
        base + self.coeff * (b - a)
    }
}

#[cfg(test)]
mod tests {
    use super::Lerp;

    #[test]
    fn both_branches() {
        // 1 + 0.25·(5 − 1) = 2;  5 − (5 − 1)·(1 − 0.75) = 4;  w = 1 gives b exactly.
        assert_eq!(Lerp::new(0.25_f64).apply(1.0, 5.0), 2.0);
        assert_eq!(Lerp::new(0.75_f64).apply(1.0, 5.0), 4.0);
        assert_eq!(Lerp::new(1.0_f64).apply(0.1, 0.7), 0.7);
        // The far branch equals ATen's b − (b − a)·(1 − w) bit for bit.
        let (a, b, w) = (0.3_f64, -1.7, 0.9);
        assert_eq!(
            Lerp::new(w).apply(a, b).to_bits(),
            (b - (b - a) * (1.0 - w)).to_bits()
        );
    }
}
