//! Rounding `f32` to bf16 (the top 16 bits of an `f32`): round to nearest, ties to even.

/// The bf16 nearest to `x` (ties to even), as its 16 bits. Results too small to be normal bf16
/// are flushed to a zero of the same sign (the bf16 kernels treat subnormal inputs as zero
/// anyway); values beyond bf16's range round to ±∞; NaN stays NaN (quieted).
///
/// ```
/// use nn_tensor::matmul::bf16::to_bf16_bits;
/// assert_eq!(to_bf16_bits(1.0), 0x3f80);
/// // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even one, 1.
/// assert_eq!(to_bf16_bits(1.0 + 1.0 / 256.0), 0x3f80);
/// assert_eq!(to_bf16_bits(1.0 + 3.0 / 256.0), 0x3f82);
/// assert_eq!(to_bf16_bits(-1e-40), 0x8000);
/// ```
#[inline(always)]
pub fn to_bf16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    // No overflow: the largest non-NaN pattern, 0xff80_0000 (−∞), plus 0x8000 fits in u32.
    let rounded = ((bits + 0x7fff + ((bits >> 16) & 1)) >> 16) as u16;
    let flushed = if rounded & 0x7f80 == 0 {
        rounded & 0x8000
    } else {
        rounded
    };
    if x.is_nan() {
        ((bits >> 16) as u16) | 0x0040
    } else {
        flushed
    }
}

/// `x` rounded to bf16 and widened back to `f32` (exact): the value the bf16 GEMM multiplies.
///
/// ```
/// use nn_tensor::matmul::bf16::round_bf16;
/// assert_eq!(round_bf16(3.0), 3.0);
/// assert_eq!(round_bf16(1.0 + 1.0 / 128.0), 1.0 + 1.0 / 128.0); // 8 significant bits
/// assert_eq!(round_bf16(0.1), 0.10009765625);
/// ```
#[inline(always)]
pub fn round_bf16(x: f32) -> f32 {
    widen(to_bf16_bits(x))
}

/// The `f32` holding bf16 `h` exactly.
#[inline(always)]
pub(crate) fn widen(h: u16) -> f32 {
    f32::from_bits(u32::from(h) << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_nearest_even_at_every_kind_of_input() {
        // 1 + k·2⁻⁹ for k = 0..8: the bf16 grid near 1 has spacing 2⁻⁷ = 4·2⁻⁹, so k = 1
        // rounds down, k = 2 is a tie (to even: 1), k = 3 up, k = 6 a tie (to even: 1 + 2·2⁻⁷).
        let want = [
            0x3f80, 0x3f80, 0x3f80, 0x3f81, 0x3f81, 0x3f81, 0x3f82, 0x3f82,
        ];
        for (k, &w) in want.iter().enumerate() {
            let x = 1.0 + k as f32 / 512.0;
            assert_eq!(to_bf16_bits(x), w, "1 + {k}/512");
            assert_eq!(to_bf16_bits(-x), w | 0x8000, "-(1 + {k}/512)");
        }
        assert_eq!(to_bf16_bits(f32::MAX), 0x7f80); // rounds up to +∞
        assert_eq!(to_bf16_bits(f32::INFINITY), 0x7f80);
        assert_eq!(to_bf16_bits(f32::MIN_POSITIVE), 0x0080); // smallest normal stays
        assert_eq!(to_bf16_bits(f32::MIN_POSITIVE / 4.0), 0x0000); // subnormal: flushed
        assert!(widen(to_bf16_bits(f32::NAN)).is_nan());
    }
}
