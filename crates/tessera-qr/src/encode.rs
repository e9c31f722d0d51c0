//! Text → QR symbol (alphanumeric mode, one segment) → image.
//!
//! The bit stream, Reed–Solomon blocks and module placement come from the `qrcode` crate
//! (`Bits`, `ec::construct_codewords`, `Canvas`). Mask selection is ours: `qrcode`'s
//! `apply_best_mask` clones its module canvas eight times and scores each clone with a
//! slow penalty function (2–26 ms per symbol, see `docs/qr.md`); [`penalty`] scores a flat
//! byte grid in one pass per rule and is about 30× faster.

use image::{GrayImage, Luma, Rgba, RgbaImage};
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::{EcLevel, Version};

use crate::QrError;

/// Error-correction level of a QR symbol, lowest (`L`, ~7 % recoverable) to highest (`H`, ~30 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecc {
    /// About 7 % of codewords recoverable.
    L,
    /// About 15 % of codewords recoverable.
    M,
    /// About 25 % of codewords recoverable.
    Q,
    /// About 30 % of codewords recoverable.
    H,
}

impl Ecc {
    /// All levels, highest first.
    const DESCENDING: [Ecc; 4] = [Ecc::H, Ecc::Q, Ecc::M, Ecc::L];

    fn to_qrcode(self) -> EcLevel {
        match self {
            Ecc::L => EcLevel::L,
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
            Ecc::H => EcLevel::H,
        }
    }
}

/// How [`encode`] chooses the symbol size and error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Largest QR version (1–40) the caller wants; the highest ECC level that keeps the
    /// symbol at or below it is chosen. Default 20 (97×97 modules).
    pub max_version: u8,
    /// Lowest ECC level that may be chosen while it fits at some version. Default `M`.
    pub min_ecc: Ecc,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        Self {
            max_version: 20,
            min_ecc: Ecc::M,
        }
    }
}

/// A QR code symbol: a square of dark and light modules, without quiet zone.
#[derive(Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    ecc: Ecc,
    width: usize,
    /// Row-major, `1` = dark.
    modules: Vec<u8>,
}

impl std::fmt::Debug for QrSymbol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrSymbol")
            .field("version", &self.version)
            .field("ecc", &self.ecc)
            .field("width", &self.width)
            .finish_non_exhaustive()
    }
}

/// Quiet zone around the symbol in [`QrSymbol::to_image`], in modules (ISO/IEC 18004 minimum).
pub const QUIET_ZONE: usize = 4;

/// Largest module size [`QrSymbol::to_image`] renders; larger requests are clamped.
pub const MAX_MODULE_PX: u32 = 64;

impl QrSymbol {
    /// QR version, 1–40.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Error-correction level.
    pub fn ecc(&self) -> Ecc {
        self.ecc
    }

    /// Width and height in modules, without the quiet zone (`17 + 4 × version`).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark. Out-of-range coordinates are
    /// light (they lie in the quiet zone).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.modules[y * self.width + x] != 0
    }

    /// Renders black modules on white with a 4-module quiet zone, `module_px` pixels per
    /// module (clamped to 1..=[`MAX_MODULE_PX`]). The image is
    /// `(width + 8) × module_px` pixels square.
    pub fn to_image(&self, module_px: u32) -> GrayImage {
        let px = module_px.clamp(1, MAX_MODULE_PX) as usize;
        let side = (self.width + 2 * QUIET_ZONE) * px;
        let mut buf = vec![255u8; side * side];
        let mut row = vec![255u8; side];
        for y in 0..self.width {
            row.fill(255);
            let line = &self.modules[y * self.width..(y + 1) * self.width];
            for (x, &dark) in line.iter().enumerate() {
                if dark != 0 {
                    let start = (x + QUIET_ZONE) * px;
                    row[start..start + px].fill(0);
                }
            }
            let top = (y + QUIET_ZONE) * px;
            for r in top..top + px {
                buf[r * side..(r + 1) * side].copy_from_slice(&row);
            }
        }
        GrayImage::from_raw(side as u32, side as u32, buf)
            .unwrap_or_else(|| GrayImage::from_pixel(1, 1, Luma([255])))
    }

    /// Like [`QrSymbol::to_image`], opaque black on opaque white RGBA.
    pub fn to_rgba(&self, module_px: u32) -> RgbaImage {
        let gray = self.to_image(module_px);
        let (w, h) = gray.dimensions();
        let mut out = RgbaImage::new(w, h);
        for (dst, src) in out.pixels_mut().zip(gray.pixels()) {
            let v = src.0[0];
            *dst = Rgba([v, v, v, 255]);
        }
        out
    }
}

/// The 45 characters of QR alphanumeric mode, in code order (also the base45 alphabet).
pub const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

fn is_alphanumeric(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

/// Bits needed for `len` characters as one alphanumeric segment at `version`.
fn alphanumeric_bits(len: usize, version: u8) -> usize {
    let count_bits = match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    };
    4 + count_bits + 11 * (len / 2) + 6 * (len % 2)
}

/// Data capacity in bits of `version` at `ecc`.
fn capacity_bits(version: u8, ecc: Ecc) -> usize {
    Bits::new(Version::Normal(i16::from(version)))
        .max_len(ecc.to_qrcode())
        .unwrap_or(0)
}

/// Smallest version in `1..=max` that holds `len` alphanumeric characters at `ecc`.
fn smallest_version(len: usize, ecc: Ecc, max: u8) -> Option<u8> {
    (1..=max).find(|&v| alphanumeric_bits(len, v) <= capacity_bits(v, ecc))
}

/// Chooses version and ECC level for `len` alphanumeric characters.
///
/// 1. The highest level ≥ `min_ecc` that fits at a version ≤ `max_version`, at the smallest
///    such version.
/// 2. Otherwise (too long for `max_version`) the smallest version at `min_ecc`, up to 40.
/// 3. Otherwise the next lower levels, down to `L`, at their smallest version.
pub(crate) fn choose(len: usize, opts: &EncodeOptions) -> Result<(u8, Ecc), QrError> {
    if !(1..=40).contains(&opts.max_version) {
        return Err(QrError::InvalidMaxVersion {
            max_version: opts.max_version,
        });
    }
    for ecc in Ecc::DESCENDING.into_iter().filter(|&e| e >= opts.min_ecc) {
        if let Some(v) = smallest_version(len, ecc, opts.max_version) {
            return Ok((v, ecc));
        }
    }
    for ecc in Ecc::DESCENDING.into_iter().filter(|&e| e <= opts.min_ecc) {
        if let Some(v) = smallest_version(len, ecc, 40) {
            return Ok((v, ecc));
        }
    }
    Err(QrError::TooLong {
        chars: len,
        max_chars: 4296,
    })
}

/// Encodes `text` as one alphanumeric-mode QR symbol.
///
/// `text` must use only the 45-character QR alphanumeric set (`0-9`, `A-Z`, space and
/// `$%*+-./:`), as `TS1:` + base45 does. The ECC level is the highest that keeps the
/// version ≤ `opts.max_version`, never below `opts.min_ecc` while that fits; a payload too
/// long for `max_version` gets the smallest version at `min_ecc` (or a lower level if even
/// version 40 cannot hold it at `min_ecc`).
///
/// ```
/// use tessera_qr::{encode, Ecc, EncodeOptions, QrError};
///
/// let symbol = encode("TS1:NCFOXN", &EncodeOptions::default())?;
/// assert_eq!((symbol.version(), symbol.ecc()), (1, Ecc::H));
///
/// let lower = encode("ts1:abc", &EncodeOptions::default());
/// assert!(matches!(lower, Err(QrError::NotAlphanumeric { position: 0, .. })));
/// # Ok::<(), QrError>(())
/// ```
pub fn encode(text: &str, opts: &EncodeOptions) -> Result<QrSymbol, QrError> {
    if let Some((position, ch)) = text
        .char_indices()
        .find(|&(_, c)| !c.is_ascii() || !is_alphanumeric(c as u8))
    {
        return Err(QrError::NotAlphanumeric { position, ch });
    }
    let (version, ecc) = choose(text.len(), opts)?;
    let too_long = || QrError::TooLong {
        chars: text.len(),
        max_chars: 4296,
    };
    let qr_version = Version::Normal(i16::from(version));
    let level = ecc.to_qrcode();
    let mut bits = Bits::new(qr_version);
    bits.push_alphanumeric_data(text.as_bytes())
        .map_err(|_| too_long())?;
    bits.push_terminator(level).map_err(|_| too_long())?;
    let data = bits.into_bytes();
    let (codewords, ec) =
        qrcode::ec::construct_codewords(&data, qr_version, level).map_err(|_| too_long())?;
    let mut canvas = Canvas::new(qr_version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &ec);
    let width = qr_version.width() as usize;
    let modules = best_mask(&canvas, width);
    Ok(QrSymbol {
        version,
        ecc,
        width,
        modules,
    })
}

const ALL_MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Applies each of the eight masks (with its format information) and keeps the grid with
/// the lowest ISO/IEC 18004 penalty; ties go to the lower mask number.
fn best_mask(unmasked: &Canvas, width: usize) -> Vec<u8> {
    let mut best: Option<(u32, Vec<u8>)> = None;
    let mut scratch = Vec::with_capacity(width * width);
    for pattern in ALL_MASKS {
        let mut canvas = unmasked.clone();
        canvas.apply_mask(pattern);
        scratch.clear();
        for y in 0..width as i16 {
            for x in 0..width as i16 {
                scratch.push(u8::from(canvas.get(x, y).is_dark()));
            }
        }
        let score = penalty(&scratch, width);
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, scratch.clone()));
        }
    }
    best.map(|(_, grid)| grid).unwrap_or_default()
}

/// ISO/IEC 18004:2015 §7.8.3 mask penalty of a row-major grid (`1` = dark):
/// N1 runs of ≥ 5, N2 2×2 blocks, N3 finder-like 1:1:3:1:1 patterns with 4 light modules
/// on one side (within the symbol), N4 dark/light balance.
pub(crate) fn penalty(grid: &[u8], width: usize) -> u32 {
    let w = width;
    let at = |x: usize, y: usize| grid[y * w + x];
    let mut score = 0u32;
    // N1 and N3 along rows (horizontal) and columns (vertical).
    let mut line = vec![0u8; w];
    for horizontal in [true, false] {
        for i in 0..w {
            for (j, cell) in line.iter_mut().enumerate() {
                *cell = if horizontal { at(j, i) } else { at(i, j) };
            }
            score += line_penalty(&line);
        }
    }
    // N2: 2×2 blocks of one colour.
    for y in 0..w - 1 {
        let top = &grid[y * w..(y + 1) * w];
        let bottom = &grid[(y + 1) * w..(y + 2) * w];
        for x in 0..w - 1 {
            let c = top[x];
            if top[x + 1] == c && bottom[x] == c && bottom[x + 1] == c {
                score += 3;
            }
        }
    }
    // N4: balance, 10 points per 5 % away from 50 % dark.
    let dark: usize = grid.iter().map(|&m| usize::from(m)).sum();
    let total = w * w;
    let deviation = (dark * 20).abs_diff(total * 10) / total;
    score + 10 * deviation as u32
}

/// N1 + N3 of one row or column.
fn line_penalty(line: &[u8]) -> u32 {
    const FINDER_LIGHT_AFTER: [u8; 11] = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
    const FINDER_LIGHT_BEFORE: [u8; 11] = [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1];
    let mut score = 0;
    let mut run = 1;
    for j in 1..=line.len() {
        if j < line.len() && line[j] == line[j - 1] {
            run += 1;
        } else {
            if run >= 5 {
                score += 3 + (run - 5) as u32;
            }
            run = 1;
        }
    }
    for window in line.windows(11) {
        if window == FINDER_LIGHT_AFTER || window == FINDER_LIGHT_BEFORE {
            score += 40;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_matches_the_standard_table() {
        // ISO/IEC 18004 Table 7, alphanumeric characters.
        let chars = |v, e| {
            (1..5000)
                .take_while(|&n| alphanumeric_bits(n, v) <= capacity_bits(v, e))
                .count()
        };
        assert_eq!(chars(1, Ecc::H), 10);
        assert_eq!(chars(1, Ecc::L), 25);
        assert_eq!(chars(13, Ecc::M), 483);
        assert_eq!(chars(20, Ecc::M), 970);
        assert_eq!(chars(20, Ecc::L), 1249);
        assert_eq!(chars(40, Ecc::L), 4296);
        assert_eq!(chars(40, Ecc::M), 3391);
    }

    #[test]
    fn penalty_counts_runs_blocks_and_balance() {
        // 5×5 all light: rows and columns are runs of 5 (3 each × 10), 16 blocks × 3,
        // balance 0 % dark → 10 × 10.
        assert_eq!(penalty(&[0; 25], 5), 30 + 48 + 100);
    }

    #[test]
    fn alphanumeric_set_is_the_qr_one() {
        for b in 0..=255u8 {
            assert_eq!(is_alphanumeric(b), ALPHANUMERIC.contains(&b), "byte {b}");
        }
    }
}
