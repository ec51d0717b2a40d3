//! Helpers shared by the tests and benches of every nn crate — dev-only, never a dependency of
//! the product: [`Lcg`], the deterministic generator the tests draw their data from (so that a
//! test's data does not depend on a random-number crate's version), and fixed test cases shared
//! by more than one crate ([`cross_entropy_case`]).
//!
//! ```
//! let mut a = nn_testutil::Lcg::new(7);
//! let mut b = nn_testutil::Lcg::new(7);
//! assert_eq!(a.next_f64(), b.next_f64());
//! assert!((0.0..1.0).contains(&a.next_f64()));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// A 64-bit linear congruential generator (Knuth's MMIX constants): `s ← 6364136223846793005·s
/// + 1442695040888963407 (mod 2⁶⁴)`, each value taken from the top 53 bits of the new state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lcg(u64);

impl Lcg {
    /// A generator whose state is `seed` after one step (so that small seeds are mixed).
    pub fn new(seed: u64) -> Self {
        Lcg(step(seed))
    }

    /// A generator whose state is exactly `state` (the first value comes from `step(state)`).
    ///
    /// ```
    /// let mut g = nn_testutil::Lcg::from_state(0);
    /// // step(0) = 1442695040888963407; its top 53 bits / 2⁵³:
    /// assert_eq!(g.next_f64(), (1442695040888963407u64 >> 11) as f64 / (1u64 << 53) as f64);
    /// ```
    pub fn from_state(state: u64) -> Self {
        Lcg(state)
    }

    /// The next value in `[0, 1)`, a multiple of 2⁻⁵³.
    pub fn next_f64(&mut self) -> f64 {
        self.0 = step(self.0);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The next value in `[-1, 1)`: `2·next_f64() − 1`.
    ///
    /// ```
    /// let mut g = nn_testutil::Lcg::new(1);
    /// assert!((-1.0..1.0).contains(&g.symmetric()));
    /// ```
    pub fn symmetric(&mut self) -> f64 {
        self.next_f64() * 2.0 - 1.0
    }
}

/// One step of the generator.
fn step(state: u64) -> u64 {
    state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// Logits in about [−25, 25] and targets (one-hot rows, or uniform soft rows when `soft`), fixed:
/// the cross-entropy case of nn-core's loss tests and nn-tensor's fused-kernel tests.
///
/// ```
/// let (o, t) = nn_testutil::cross_entropy_case(3, 4, false);
/// assert_eq!((o.dim(), t.sum()), ((3, 4), 3.0));
/// ```
pub fn cross_entropy_case(
    n: usize,
    m: usize,
    soft: bool,
) -> (ndarray::Array2<f64>, ndarray::Array2<f64>) {
    let o = ndarray::Array2::from_shape_fn((n, m), |(i, j)| {
        ((i * 37 + j * 11) % 101) as f64 * 0.5 - 25.0
    });
    let t = ndarray::Array2::from_shape_fn((n, m), |(i, j)| match soft {
        true => 1.0 / m as f64,
        false => f64::from(u8::from((i * 7) % m == j)),
    });
    (o, t)
}
