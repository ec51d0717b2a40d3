//! Fused element-wise loops for the layers and losses of `nn-core`, each with a copy compiled
//! for AVX2 (picked through [`crate::cpu`]) that computes the same bits as the plain build:
//! the bias-and-activation epilogues ([`map_biased`], [`scale_and_sum`]) and softmax
//! cross-entropy with its gradient ([`softmax_ce_f32`]).
//!
//! ```
//! let (mut g, a, mut b) = ([2.0_f32, 3.0], [1.0, 0.0], [0.0]);
//! nn_tensor::fused::scale_and_sum(&mut g, &a, &mut b, |a| if a > 0.0 { 1.0 } else { 0.0 });
//! assert_eq!((g, b), ([2.0, 0.0], [2.0]));
//! ```

mod bias;
mod softmax_ce;

pub use bias::{map_biased, scale_and_sum};
pub use softmax_ce::softmax_ce_f32;
