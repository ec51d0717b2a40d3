//! Weight initialisation schemes, seeded so the same seed gives the same weights.
//!
//! With `fan_in = n_in` and `fan_out = n_out` of a dense layer:
//!
//! | scheme | distribution |
//! |---|---|
//! | Xavier/Glorot uniform | `U(−a, a)`, `a = √(6 / (fan_in + fan_out))` |
//! | Xavier/Glorot normal | `N(0, σ²)`, `σ = √(2 / (fan_in + fan_out))` |
//! | He/Kaiming uniform | `U(−a, a)`, `a = √(6 / fan_in)` |
//! | He/Kaiming normal | `N(0, σ²)`, `σ = √(2 / fan_in)` |
//!
//! Values are drawn in `f64` and rounded to `T`, so an `f32` and an `f64` network built from
//! the same seed start from the same numbers.

use ndarray::Array2;
use ndarray_rand::rand_distr::{Normal, Uniform};
use ndarray_rand::RandomExt;
use nn_tensor::Float;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{Activation, CoreError, Result};

/// How a layer's weights are initialised (biases start at zero).
///
/// ```
/// use nn_core::Init;
/// use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
/// let mut rng = ChaCha8Rng::seed_from_u64(42);
/// let w = Init::XavierUniform.weights::<f64>(3, 4, &mut rng)?;
/// let a = (6.0_f64 / 7.0).sqrt();
/// assert!(w.iter().all(|v| v.abs() <= a));
/// # Ok::<(), nn_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Glorot & Bengio (2010), uniform.
    XavierUniform,
    /// Glorot & Bengio (2010), normal.
    XavierNormal,
    /// He et al. (2015), uniform.
    HeUniform,
    /// He et al. (2015), normal.
    HeNormal,
    /// All zeros (only sensible for tests: hidden units then stay identical).
    Zeros,
    /// Every weight equal to the given value.
    Constant(f64),
}

impl Init {
    /// The usual choice for an activation: He for the ReLU family, Xavier otherwise.
    ///
    /// ```
    /// use nn_core::{Activation, Init};
    /// assert_eq!(Init::default_for(Activation::Relu), Init::HeUniform);
    /// assert_eq!(Init::default_for(Activation::Tanh), Init::XavierUniform);
    /// ```
    pub fn default_for(activation: Activation) -> Init {
        match activation {
            Activation::Relu | Activation::LeakyRelu { .. } => Init::HeUniform,
            _ => Init::XavierUniform,
        }
    }

    /// A `(n_out, n_in)` weight matrix drawn from this scheme.
    ///
    /// ```
    /// use nn_core::Init;
    /// use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
    /// let w = Init::Constant(0.5).weights::<f32>(2, 3, &mut ChaCha8Rng::seed_from_u64(0))?;
    /// assert_eq!(w.dim(), (2, 3));
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn weights<T: Float>(
        &self,
        n_out: usize,
        n_in: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Array2<T>> {
        let shape = (n_out, n_in);
        let (fan_in, fan_sum) = (n_in.max(1) as f64, (n_in + n_out).max(1) as f64);
        let w: Array2<f64> = match *self {
            Init::XavierUniform => uniform(shape, (6.0 / fan_sum).sqrt(), rng)?,
            Init::XavierNormal => normal(shape, (2.0 / fan_sum).sqrt(), rng)?,
            Init::HeUniform => uniform(shape, (6.0 / fan_in).sqrt(), rng)?,
            Init::HeNormal => normal(shape, (2.0 / fan_in).sqrt(), rng)?,
            Init::Zeros => Array2::zeros(shape),
            Init::Constant(v) => Array2::from_elem(shape, v),
        };
        Ok(w.mapv(T::from_f64))
    }
}

fn uniform(shape: (usize, usize), a: f64, rng: &mut ChaCha8Rng) -> Result<Array2<f64>> {
    let dist = Uniform::new_inclusive(-a, a).map_err(|e| bad_init(e.to_string()))?;
    Ok(Array2::random_using(shape, dist, rng))
}

fn normal(shape: (usize, usize), std: f64, rng: &mut ChaCha8Rng) -> Result<Array2<f64>> {
    let dist = Normal::new(0.0, std).map_err(|e| bad_init(e.to_string()))?;
    Ok(Array2::random_using(shape, dist, rng))
}

fn bad_init(reason: String) -> CoreError {
    CoreError::InvalidConfig {
        name: "init",
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn same_seed_same_weights_and_f32_matches_f64() {
        let w1 = Init::HeNormal
            .weights::<f64>(5, 7, &mut ChaCha8Rng::seed_from_u64(7))
            .unwrap();
        let w2 = Init::HeNormal
            .weights::<f64>(5, 7, &mut ChaCha8Rng::seed_from_u64(7))
            .unwrap();
        let w3 = Init::HeNormal
            .weights::<f32>(5, 7, &mut ChaCha8Rng::seed_from_u64(7))
            .unwrap();
        assert_eq!(w1, w2);
        assert_eq!(w1.mapv(|v| v as f32), w3);
        let w4 = Init::HeNormal
            .weights::<f64>(5, 7, &mut ChaCha8Rng::seed_from_u64(8))
            .unwrap();
        assert_ne!(w1, w4);
    }

    #[test]
    fn scales_match_the_formulas() {
        // He normal on fan_in = 400: σ = √(2/400) = 0.0707; the sample std of 40 000 draws is
        // within 2% of it. Xavier uniform on (100, 300): a = √(6/400) = 0.1225 bounds every draw.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w = Init::HeNormal.weights::<f64>(100, 400, &mut rng).unwrap();
        let std = (w.mapv(|v| v * v).mean().unwrap()).sqrt();
        assert!(
            (std / (2.0_f64 / 400.0).sqrt() - 1.0).abs() < 0.02,
            "std {std}"
        );
        let w = Init::XavierUniform
            .weights::<f64>(100, 300, &mut rng)
            .unwrap();
        let a = (6.0_f64 / 400.0).sqrt();
        let max = w.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(max <= a && max > 0.95 * a);
    }
}
