//! [`Local`]: the group of one process, whose collectives leave every buffer as it is.

use super::Communicator;

/// A single process (rank 0 of 1): what `nn` uses when no MPI launcher started it.
///
/// ```
/// use nn_optim::dist::{Communicator, Local};
/// let mut b = vec![1_u8, 2];
/// Local.broadcast_bytes(&mut b);
/// assert_eq!(b, [1, 2]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Local;

impl Communicator for Local {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn broadcast_bytes(&self, _bytes: &mut Vec<u8>) {}
    fn all_reduce_sum_f32(&self, _buf: &mut [f32]) {}
    fn all_reduce_sum_f64(&self, _buf: &mut [f64]) {}
    fn all_reduce_sum_i64(&self, _buf: &mut [i64]) {}
    fn all_reduce_max_f64(&self, _buf: &mut [f64]) {}
}
