//! Small PNG files: the RGB picture stored as an indexed PNG (at most 256 colours) with the
//! `png` crate's best compression.
//!
//! Plots are mostly white with a few inks and their anti-aliased edges. A picture with at most
//! 256 distinct colours is stored exactly; otherwise each channel is rounded to fewer levels
//! (16, then 12, 8, 6) until it fits, which keeps text crisp and makes the file several times
//! smaller than a true-colour one.

use std::collections::HashMap;
use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `rgb` (`width·height` pixels, 3 bytes each, row by row) to `path` as an indexed PNG.
pub fn write(path: &Path, rgb: &[u8], (width, height): (u32, u32)) -> Result<()> {
    let (palette, indices) = indexed(rgb);
    let file = std::fs::File::create(path).with_context(|| format!("creating {path:?}"))?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header().context("writing the PNG header")?;
    writer
        .write_image_data(&indices)
        .context("writing the PNG pixels")?;
    writer.finish().context("finishing the PNG file")
}

/// The palette (3 bytes a colour) and one palette index per pixel.
fn indexed(rgb: &[u8]) -> (Vec<u8>, Vec<u8>) {
    for levels in [256, 16, 12, 8, 6] {
        if let Some(found) = with_levels(rgb, levels) {
            return found;
        }
    }
    unreachable!("6 levels per channel give 216 ≤ 256 colours")
}

/// `v` rounded to the nearest of `levels` evenly spaced values in 0..=255.
fn round_to(v: u8, levels: u32) -> u8 {
    let step = 255.0 / (levels - 1) as f64;
    ((v as f64 / step).round() * step).round() as u8
}

/// The indexed picture with each channel rounded to `levels` values, if ≤ 256 colours remain.
fn with_levels(rgb: &[u8], levels: u32) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut index: HashMap<[u8; 3], u8> = HashMap::new();
    let mut palette = Vec::new();
    let mut indices = Vec::with_capacity(rgb.len() / 3);
    for px in rgb.chunks_exact(3) {
        let colour = [0, 1, 2].map(|c| round_to(px[c], levels));
        let next = index.len();
        let i = *index.entry(colour).or_insert_with(|| {
            palette.extend_from_slice(&colour);
            next.min(255) as u8
        });
        if index.len() > 256 {
            return None;
        }
        indices.push(i);
    }
    Some((palette, indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_colours_are_kept_exactly() {
        let rgb = [255, 255, 255, 0, 90, 160, 255, 255, 255];
        assert_eq!(
            indexed(&rgb),
            (vec![255, 255, 255, 0, 90, 160], vec![0, 1, 0])
        );
    }

    #[test]
    fn many_colours_are_rounded_to_fewer_levels() {
        // 4096 grey-blue shades: 16 levels per channel leave 16·16 = 256 colours.
        let rgb: Vec<u8> = (0..4096_u32)
            .flat_map(|i| [(i % 256) as u8, (i / 16) as u8, 200])
            .collect();
        let (palette, indices) = indexed(&rgb);
        assert!(palette.len() / 3 <= 256);
        assert_eq!(indices.len(), 4096);
        // 17 is a multiple of 255/15 = 17, so it is kept; 200 rounds to 204 = 12·17.
        assert_eq!(round_to(17, 16), 17);
        assert_eq!(round_to(200, 16), 204);
        let first = indices[0] as usize * 3;
        assert_eq!(palette[first..first + 3], [0, 0, 204]);
    }
}
