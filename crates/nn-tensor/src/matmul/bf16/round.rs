//! Rounding `f32` to bf16 (the top 16 bits of an `f32`): round to nearest, ties to even.

/// The bf16 nearest to `x` (ties to even), as its 16 bits: exactly what AVX512_BF16's
/// `vcvtneps2bf16` computes (checked against it on all 2³² inputs). Subnormal inputs count as a
/// zero of their sign, as the instruction treats them (and the bf16 kernels would anyway);
/// values beyond bf16's range round to ±∞; NaN stays NaN (quieted).
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
    let bits = match x.abs() < f32::MIN_POSITIVE {
        true => x.to_bits() & 0x8000_0000,
        false => x.to_bits(),
    };
    // No overflow: the largest non-NaN pattern, 0xff80_0000 (−∞), plus 0x8000 fits in u32.
    // A normal input never rounds to a subnormal bf16 (rounding only moves away from zero).
    let rounded = ((bits + 0x7fff + ((bits >> 16) & 1)) >> 16) as u16;
    match x.is_nan() {
        true => ((bits >> 16) as u16) | 0x0040,
        false => rounded,
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
                                                                   // The largest subnormal would round up to the smallest normal bf16; as an input it
                                                                   // counts as zero (vcvtneps2bf16's rule), keeping its sign.
        assert_eq!(to_bf16_bits(f32::from_bits(0x007f_ffff)), 0x0000);
        assert_eq!(to_bf16_bits(f32::from_bits(0x807f_ffff)), 0x8000);
        assert!(widen(to_bf16_bits(f32::NAN)).is_nan());
    }
}
