//! Text → QR symbol (alphanumeric mode, one segment) → image.
//!
//! The bit stream, Reed–Solomon blocks and module placement come from the `qrcode` crate
//! (`Bits`, `ec::construct_codewords`, `Canvas`). Mask selection is ours: `qrcode`'s
//! `apply_best_mask` clones its module canvas eight times and scores each clone with a
//! slow penalty function (2–26 ms per symbol, see `docs/qr.md`); [`penalty`] scores a flat
//! byte grid in one pass per rule and is about 30× faster.

use image::{GrayImage, Luma, Rgba, RgbaImage};
use qrcode::bits::Bits;
use qrcode::canvas::{Canvas, MaskPattern, Module};
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

    /// Module size in whole physical pixels for drawing this symbol on a screen area of
    /// `width_px` × `height_px` physical pixels: see [`screen_module_px`].
    pub fn screen_module_px(&self, width_px: u32, height_px: u32) -> u32 {
        screen_module_px(self.width, width_px, height_px)
    }

    /// Renders the symbol for a screen area of `width_px` × `height_px` physical pixels:
    /// pure black (0) on white (255), the 4-module quiet zone included, at the largest
    /// whole-pixel module size that fits ([`screen_module_px`]). The image is square, its
    /// side at most the smaller of the two (1 pixel a module when even that does not fit).
    /// Upload it with nearest-neighbour sampling at one image pixel per physical pixel, so
    /// every module edge falls on a pixel edge.
    pub fn to_screen_image(&self, width_px: u32, height_px: u32) -> GrayImage {
        self.to_image(self.screen_module_px(width_px, height_px))
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

/// Module size in whole physical pixels for a symbol `modules` modules wide (without the
/// quiet zone, [`QrSymbol::width`]) drawn in an area of `width_px` × `height_px` physical
/// pixels: the largest size at which the symbol and its 4-module quiet zone on every side
/// fit in both directions, capped at [`MAX_MODULE_PX`]. Whole pixels keep every module
/// edge sharp (no resampling blur for a camera to fight); a GUI divides its logical size
/// by its pixels-per-point first. Returns at least 1, even when 1 pixel a module does not
/// fit (the smallest drawable code; the caller decides whether to scroll or shrink it).
///
/// ```
/// use tessera_qr::screen_module_px;
/// // A version-27 symbol (125 modules, 133 with the quiet zone) on a 1080-pixel-wide
/// // phone screen, 80 pixels of margin each side: 920 / 133 = 6.9, so 6 pixels a module.
/// assert_eq!(screen_module_px(125, 920, 2000), 6);
/// // The narrower direction decides.
/// assert_eq!(screen_module_px(125, 2000, 400), 3);
/// // Too small an area still gives a drawable size.
/// assert_eq!(screen_module_px(125, 100, 100), 1);
/// ```
pub fn screen_module_px(modules: usize, width_px: u32, height_px: u32) -> u32 {
    let side = modules.saturating_add(2 * QUIET_ZONE) as u64;
    let fit = u64::from(width_px.min(height_px)) / side;
    fit.clamp(1, u64::from(MAX_MODULE_PX)) as u32
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

/// Chooses the mask with the lowest ISO/IEC 18004 penalty (ties to the lower mask number)
/// and returns the final module grid.
///
/// The eight candidates are scored on our own flat grid: the data modules XOR the mask
/// function, function patterns untouched. The format-information modules are scored as
/// drawn before masking rather than with each mask's format bits (15 modules of thousands;
/// any mask is valid, the penalty only steers towards easy-to-read patterns). The chosen
/// mask is then applied by `qrcode`'s `Canvas::apply_mask`, which writes the format bits.
fn best_mask(unmasked: &Canvas, width: usize) -> Vec<u8> {
    let w = width as i16;
    let mut base = Vec::with_capacity(width * width);
    let mut data = Vec::with_capacity(width * width);
    for y in 0..w {
        for x in 0..w {
            let module = unmasked.get(x, y);
            base.push(u8::from(module.is_dark()));
            // Data, error-correction and remainder modules are masked; function patterns
            // are already `Masked`.
            data.push(!matches!(module, Module::Masked(_)));
        }
    }
    let mut best = (u32::MAX, 0);
    let mut grid = vec![0u8; width * width];
    for (i, mask) in MASK_FUNCTIONS.iter().enumerate() {
        for y in 0..width {
            let row = y * width;
            for x in 0..width {
                let flip = data[row + x] && mask(x, y);
                grid[row + x] = base[row + x] ^ u8::from(flip);
            }
        }
        let score = penalty(&grid, width);
        if score < best.0 {
            best = (score, i);
        }
    }
    let mut canvas = unmasked.clone();
    canvas.apply_mask(ALL_MASKS[best.1]);
    grid.clear();
    for y in 0..w {
        for x in 0..w {
            grid.push(u8::from(canvas.get(x, y).is_dark()));
        }
    }
    grid
}

/// ISO/IEC 18004 table 10 mask conditions (true = invert), in mask-number order, with
/// `x` the column and `y` the row.
const MASK_FUNCTIONS: [fn(usize, usize) -> bool; 8] = [
    |x, y| (x + y) % 2 == 0,
    |_, y| y % 2 == 0,
    |x, _| x % 3 == 0,
    |x, y| (x + y) % 3 == 0,
    |x, y| (y / 2 + x / 3) % 2 == 0,
    |x, y| (x * y) % 2 + (x * y) % 3 == 0,
    |x, y| ((x * y) % 2 + (x * y) % 3) % 2 == 0,
    |x, y| ((x + y) % 2 + (x * y) % 3) % 2 == 0,
];

/// ISO/IEC 18004:2015 §7.8.3 mask penalty of a row-major grid (`1` = dark):
/// N1 runs of ≥ 5, N2 2×2 blocks, N3 finder-like 1:1:3:1:1 patterns with 4 light modules
/// on one side (within the symbol), N4 dark/light balance.
pub(crate) fn penalty(grid: &[u8], width: usize) -> u32 {
    let w = width;
    let mut score = 0u32;
    // N1 and N3 along rows, then along columns (rows of the transpose).
    let mut runs = Vec::with_capacity(w);
    for row in grid.chunks_exact(w) {
        score += line_penalty(row, &mut runs);
    }
    let mut transposed = vec![0u8; w * w];
    for (y, row) in grid.chunks_exact(w).enumerate() {
        for (x, &m) in row.iter().enumerate() {
            transposed[x * w + y] = m;
        }
    }
    for column in transposed.chunks_exact(w) {
        score += line_penalty(column, &mut runs);
    }
    // N2: 2×2 blocks of one colour.
    for pair in grid.windows(2 * w).step_by(w) {
        let (top, bottom) = pair.split_at(w);
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

/// N1 + N3 of one row or column, from its runs of equal modules.
///
/// N3 counts each 11-module window equal to `1011101 0000` or `0000 1011101`, exactly as a
/// sliding-window comparison would: in run terms dark(≥1) light1 dark3 light1 dark1 then
/// light ≥ 4, or the mirror image.
fn line_penalty(line: &[u8], runs: &mut Vec<(u8, u32)>) -> u32 {
    runs.clear();
    let mut score = 0;
    let mut start = 0;
    for j in 1..=line.len() {
        if j == line.len() || line[j] != line[start] {
            let len = (j - start) as u32;
            if len >= 5 {
                score += 3 + (len - 5);
            }
            runs.push((line[start], len));
            start = j;
        }
    }
    for k in 0..runs.len().saturating_sub(4) {
        let r = &runs[k..k + 5];
        if r[0].0 != 1 || r[1].1 != 1 || r[2].1 != 3 || r[3].1 != 1 {
            continue;
        }
        // Light ≥ 4 after: the last dark run is exactly 1, the first at least 1.
        if r[4].1 == 1 && runs.get(k + 5).is_some_and(|n| n.1 >= 4) {
            score += 40;
        }
        // Light ≥ 4 before: the first dark run is exactly 1, the last at least 1.
        if r[0].1 == 1 && k > 0 && runs[k - 1].1 >= 4 {
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

    /// The run-based N3 equals the sliding-window definition.
    #[test]
    fn finder_penalty_matches_window_definition() {
        fn by_windows(line: &[u8]) -> u32 {
            let a = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
            let b = [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1];
            line.windows(11).filter(|w| *w == a || *w == b).count() as u32 * 40
        }
        fn runs_only(line: &[u8]) -> u32 {
            let mut n1 = 0;
            let mut run = 1;
            for j in 1..=line.len() {
                if j < line.len() && line[j] == line[j - 1] {
                    run += 1;
                } else {
                    if run >= 5 {
                        n1 += 3 + (run - 5);
                    }
                    run = 1;
                }
            }
            n1
        }
        let mut state = 0x1234_5678_u64;
        let mut runs = Vec::new();
        for len in [11usize, 12, 21, 40, 97] {
            for _ in 0..2000 {
                let line: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Biased towards the pattern's building blocks.
                        u8::from(state % 5 < 2)
                    })
                    .collect();
                assert_eq!(
                    line_penalty(&line, &mut runs),
                    by_windows(&line) + runs_only(&line),
                    "{line:?}"
                );
            }
        }
        let mut fixed = vec![0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
        assert_eq!(line_penalty(&fixed, &mut runs), 80);
        fixed[0] = 1; // now only three light modules before the pattern
        assert_eq!(line_penalty(&fixed, &mut runs), 40);
    }

    #[test]
    fn alphanumeric_set_is_the_qr_one() {
        for b in 0..=255u8 {
            assert_eq!(is_alphanumeric(b), ALPHANUMERIC.contains(&b), "byte {b}");
        }
    }
}
