//! [`DropoutKey`]: counter-based dropout draws. The draws of a batch row depend only on the
//! key, the row's index in the run's sequence of training rows, and the layer, never on which
//! other rows share its batch or process: a single process and any split of each batch across
//! processes (data parallelism) or shards draw the same mask for the same row.
//!
//! # Draw rule
//! Unit `j` of layer `l`'s output for the row with global index `r` draws the `u32` at word
//! position `l·2³² + j` of the ChaCha8 stream number `r` under the key (little-endian words, as
//! `RngCore::next_u32` returns them after `set_stream(r)` and `set_word_pos(l·2³² + j)`). The
//! key of a seed is the first 32 bytes of stream 1 of `ChaCha8Rng::seed_from_u64(seed)` (the
//! trainer's shuffling uses stream 0), so it shares no words with the shuffling.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The key of a run's dropout draws (see the module's draw rule).
///
/// ```
/// use nn_core::DropoutKey;
/// let key = DropoutKey::from_seed(7);
/// let (mut a, mut b) = ([0_u8; 8], [0_u8; 4]);
/// key.fill_draws(12, 1, &mut a); // row 12, layer 1: units 0 and 1
/// key.fill_draws(12, 1, &mut b); // the same row and layer again: the same first draw
/// assert_eq!(a[..4], b);
/// let mut c = [0_u8; 4];
/// key.fill_draws(13, 1, &mut c); // another row: other draws
/// assert_ne!(b, c);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropoutKey([u8; 32]);

impl DropoutKey {
    /// The key of `seed`: the first 32 bytes of stream 1 of `ChaCha8Rng::seed_from_u64(seed)`.
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        let mut key = [0; 32];
        rng.fill_bytes(&mut key);
        DropoutKey(key)
    }

    /// Fills `bytes` with the draws of units `0..bytes.len() / 4` of layer `layer` for the row
    /// of global index `row`, one little-endian `u32` per unit.
    pub fn fill_draws(&self, row: u64, layer: usize, bytes: &mut [u8]) {
        let mut rng = ChaCha8Rng::from_seed(self.0);
        rng.set_stream(row);
        rng.set_word_pos((layer as u128) << 32);
        rng.fill_bytes(bytes);
    }
}

impl Default for DropoutKey {
    /// The key of seed 0.
    fn default() -> Self {
        DropoutKey::from_seed(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The draw rule written out with the generator's own positioning calls: word `l·2³² + j`
    /// of stream `r`, read one `next_u32` at a time.
    fn by_words(key: &DropoutKey, row: u64, layer: usize, units: usize) -> Vec<u32> {
        let mut rng = ChaCha8Rng::from_seed(key.0);
        rng.set_stream(row);
        (0..units)
            .map(|j| {
                rng.set_word_pos(((layer as u128) << 32) + j as u128);
                rng.next_u32()
            })
            .collect()
    }

    fn as_u32s(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    #[test]
    fn draws_follow_the_documented_rule() {
        let key = DropoutKey::from_seed(3);
        for (row, layer, units) in [(0, 0, 1), (5, 0, 70), (5, 1, 70), (1 << 40, 2, 17)] {
            let mut bytes = vec![0; 4 * units];
            key.fill_draws(row, layer, &mut bytes);
            assert_eq!(as_u32s(&bytes), by_words(&key, row, layer, units));
        }
    }

    #[test]
    fn the_key_is_stream_1_of_the_seed() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        rng.set_stream(1);
        let words: Vec<u8> = (0..8).flat_map(|_| rng.next_u32().to_le_bytes()).collect();
        assert_eq!(DropoutKey::from_seed(9).0[..], words[..]);
        assert_ne!(DropoutKey::from_seed(9), DropoutKey::from_seed(10));
    }

    /// A shorter draw is a prefix of a longer one: a layer's first units draw the same values
    /// whatever its width.
    #[test]
    fn fewer_units_draw_a_prefix() {
        let key = DropoutKey::from_seed(1);
        let (mut short, mut long) = ([0_u8; 12], [0_u8; 400]);
        key.fill_draws(4, 1, &mut short);
        key.fill_draws(4, 1, &mut long);
        assert_eq!(short[..], long[..12]);
    }
}
