//! Image → QR text, with a retry pipeline tuned on the degraded corpus (see `docs/qr.md`).
//!
//! Every pass hands a luma layer to rxing's port of the zxing-cpp QR detector (its steps
//! driven as [`rxing::qrcode::cpp_port::QrReader`] drives them, several symbols per image,
//! with a cap on the finder-pattern sets tried), through one binarizer, then the same bit
//! matrix inverted (light-on-dark codes). Passes run cheapest first and
//! the pipeline stops at the first pass that finds at least one symbol; all symbols that
//! pass found are returned, plus any that a rescan of full-resolution crops finds when the
//! symbols are small (frames with several codes).

use std::io::{Cursor, Read};
use std::path::Path;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use rxing::common::{DetectorRXingResult, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::decoder::Decode as QrDecode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, GenerateFinderPatternSets, SampleQR};
use rxing::{Binarizer, BinaryBitmap, Luma8LuminanceSource};

use crate::DecodeError;

/// Largest encoded file [`decode_bytes`] and [`decode_file`] accept, in bytes (32 MiB).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Largest pixel count accepted (a 24-megapixel photo).
pub const MAX_PIXELS: u64 = 24_000_000;
/// Most memory the image decoder may allocate for one file.
const MAX_DECODER_ALLOC: u64 = 256 * 1024 * 1024;

/// Which rxing binarizer a pass uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Binarize {
    /// Local 8×8-block thresholds (`HybridBinarizer`): uneven light, glare.
    Hybrid,
    /// One global threshold from the histogram: blur and low-resolution modules.
    Global,
}

/// How a pass prepares its luma layer from the full-resolution frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prepare {
    /// Box-downscale by this integer factor (1 = as is).
    Scale(u32),
    /// Stretch the 1st–99th luma percentiles to 0–255, then downscale by this factor.
    Stretch(u32),
    /// Downscale by 2, crop to the textured region (where the code is), then undo a
    /// keystone: the region's edge `side` (0 left, 1 top, 2 right, 3 bottom) is taken as
    /// `percent` % as long as the opposite edge and stretched to full length by a
    /// projective warp. rxing's detector gives up on strong perspective; this
    /// brings it back within reach.
    Keystone(u8, u8),
    /// Downscale by 2, then multiply the distance from this luma percentile by 4
    /// (clamped): low-contrast codes reach rxing's minimum block contrast (24 levels). The
    /// median suits a code that fills the frame; a high percentile a bright screen on a
    /// dark background, a low one the reverse.
    Gain(u8),
    /// Downscale by this factor, then unsharp-mask (σ 2 px, amount 1): blurred modules.
    Sharpen(u32),
}

/// One attempt of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pass {
    pub prepare: Prepare,
    pub binarize: Binarize,
}

/// The default pipeline, cheapest and most productive first (order measured on the
/// corpus; see `docs/qr.md`).
pub(crate) const PIPELINE: &[Pass] = &[
    Pass {
        prepare: Prepare::Scale(2),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Scale(1),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Stretch(2),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Scale(2),
        binarize: Binarize::Global,
    },
    Pass {
        prepare: Prepare::Scale(3),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Scale(1),
        binarize: Binarize::Global,
    },
    Pass {
        prepare: Prepare::Stretch(1),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Scale(4),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Gain(50),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Gain(85),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Gain(15),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Gain(50),
        binarize: Binarize::Global,
    },
    Pass {
        prepare: Prepare::Sharpen(2),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Sharpen(2),
        binarize: Binarize::Global,
    },
    Pass {
        prepare: Prepare::Keystone(0, 75),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(2, 75),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(1, 75),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(3, 75),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(0, 60),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(2, 60),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(1, 60),
        binarize: Binarize::Hybrid,
    },
    Pass {
        prepare: Prepare::Keystone(3, 60),
        binarize: Binarize::Hybrid,
    },
];

/// Finds and decodes every QR code in `img`; returns their texts (no duplicates), in the
/// order found.
///
/// ```
/// use tessera_qr::{decode_image, encode, DecodeError, EncodeOptions};
///
/// let symbol = encode("TS1:HELLO", &EncodeOptions::default()).unwrap();
/// let found = decode_image(&symbol.to_image(4).into())?;
/// assert_eq!(found, ["TS1:HELLO"]);
///
/// let blank = image::GrayImage::new(200, 200);
/// assert!(matches!(decode_image(&blank.into()), Err(DecodeError::NotFound { .. })));
/// # Ok::<(), DecodeError>(())
/// ```
pub fn decode_image(img: &DynamicImage) -> Result<Vec<String>, DecodeError> {
    check_dimensions(img.width(), img.height())?;
    decode_luma_with(&img.to_luma8(), PIPELINE)
}

/// Runs `passes` over `luma`, stopping at the first that finds a symbol.
pub(crate) fn decode_luma_with(
    luma: &GrayImage,
    passes: &[Pass],
) -> Result<Vec<String>, DecodeError> {
    check_dimensions(luma.width(), luma.height())?;
    run_gated(luma, passes, true, true)
        .read
        .map(|(_, found)| found)
        .ok_or(DecodeError::NotFound {
            width: luma.width(),
            height: luma.height(),
        })
}

/// The default pipeline over a luma frame, returning which pass (0-based) found the
/// symbols. For the corpus report and pipeline tuning; not a stable API.
#[doc(hidden)]
pub fn decode_luma_traced(luma: &GrayImage) -> Option<(usize, Vec<String>)> {
    check_dimensions(luma.width(), luma.height()).ok()?;
    run_gated(luma, PIPELINE, true, true).read
}

/// How many passes the one-shot pipeline runs on `luma` (1 when the first pass reads it or
/// sees no finder-pattern candidate). For tests of the gate; not a stable API.
#[doc(hidden)]
pub fn decode_luma_passes(luma: &GrayImage) -> usize {
    run_gated(luma, PIPELINE, true, true).passes
}

/// [`decode_luma_traced`] without the first-pass gate: every pass runs until one reads.
/// For measuring what the gate costs in recall; not a stable API.
#[doc(hidden)]
pub fn decode_luma_traced_ungated(luma: &GrayImage) -> Option<(usize, Vec<String>)> {
    check_dimensions(luma.width(), luma.height()).ok()?;
    run(luma, PIPELINE)
}

/// Pass `index` of the pipeline alone, its layer prepared from scratch, or `None` past
/// the last pass. For timing the passes one by one; not a stable API.
#[doc(hidden)]
pub fn decode_luma_one_pass(luma: &GrayImage, index: usize) -> Option<Vec<String>> {
    let pass = PIPELINE.get(index)?;
    Some(
        run(luma, std::slice::from_ref(pass))
            .map(|r| r.1)
            .unwrap_or_default(),
    )
}

/// One pass given as `(downscale factor, contrast stretch, binarizer)`, binarizer
/// `"hybrid"` or `"global"`. For pipeline tuning; not a stable API.
#[doc(hidden)]
pub fn decode_luma_probe(
    luma: &GrayImage,
    factor: u32,
    stretch: bool,
    binarizer: &str,
) -> Vec<String> {
    let binarize = match binarizer {
        "hybrid" => Binarize::Hybrid,
        "global" => Binarize::Global,
        _ => Binarize::Global,
    };
    let prepare = match (stretch, factor) {
        (true, 0) => Prepare::Gain(50),
        (false, f) if f >= 10 => Prepare::Sharpen(f - 10),
        (true, f) => Prepare::Stretch(f),
        (false, f) => Prepare::Scale(f),
    };
    run(luma, &[Pass { prepare, binarize }])
        .map(|r| r.1)
        .unwrap_or_default()
}

/// Finder-pattern candidates seen by the first pass (½ scale, hybrid binarizer, both
/// polarities), then by the gate binarizer at ½, ¼ and full scale (normal, inverted
/// each). For tuning the gate; not a stable API.
#[doc(hidden)]
pub fn decode_luma_gate_probe(luma: &GrayImage) -> Vec<usize> {
    let half = downscale(luma, 2);
    let mut out = vec![scan(&half, Binarize::Hybrid).finders];
    for layer in [&half, &downscale(&half, 2), luma] {
        let (n, i) = gate_finders(layer);
        out.extend([n, i]);
    }
    out
}

/// The ½ layer for [`decode_luma_stage`]. For profiling; not a stable API.
#[doc(hidden)]
pub fn decode_luma_stage_half(luma: &GrayImage) -> GrayImage {
    downscale(luma, 2)
}

/// Runs one stage of what a codeless frame costs and returns what it found, for timing
/// the stages one by one: `"half"` (the ½ downscale), `"pass0"` (the first pass on the ½
/// layer `half`), `"hybridbin_half"` (rxing's hybrid binarizer alone, on `half`),
/// `"hybrid_matrix_half"` (the same matrix as computed here),
/// `"gate_half"`, `"gate_quarter"`, `"gate_full"` (the gate binarizer's probes, both
/// polarities), `"gate_quarter_normal"`, `"gate_full_inverted"` (the probes as the gate
/// runs them, one polarity), `"gatebin_full"` (the gate binarization alone, full resolution). `half`
/// must be `luma` downscaled by 2. For profiling; not a stable API.
#[doc(hidden)]
pub fn decode_luma_stage(luma: &GrayImage, half: &GrayImage, stage: &str) -> usize {
    match stage {
        "half" => downscale(luma, 2).width() as usize,
        "pass0" => scan(half, Binarize::Hybrid).finders,
        "gate_half" => {
            let (n, i) = gate_finders(half);
            n + i
        }
        "gate_quarter" => {
            let (n, i) = gate_finders(&downscale(half, 2));
            n + i
        }
        "gate_quarter_normal" => gate_finders_in(&downscale(half, 2), Polarity::Normal),
        "gate_full_inverted" => gate_finders_in(luma, Polarity::Inverted),
        "hybrid_matrix_half" => hybrid_matrix(half).map_or(0, |m| m.width() as usize),
        "gatebin_full" => gate_binarize(luma).map_or(0, |b| b.width() as usize),
        "hybridbin_half" => {
            let Ok(source) =
                Luma8LuminanceSource::new(half.as_raw().clone(), half.width(), half.height())
            else {
                return 0;
            };
            let bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            bitmap.get_black_matrix().width() as usize
        }
        "gate_full" => {
            let (n, i) = gate_finders(luma);
            n + i
        }
        _ => 0,
    }
}

fn run(luma: &GrayImage, passes: &[Pass]) -> Option<(usize, Vec<String>)> {
    run_gated(luma, passes, false, true).read
}

/// What a run of passes saw.
#[derive(Debug, Default)]
pub(crate) struct Run {
    /// Index (into the passes given) of the pass that read, and the texts found.
    pub read: Option<(usize, Vec<String>)>,
    /// Whether the first pass found a code or finder-pattern candidates (see
    /// [`candidates`]).
    pub candidates: bool,
    /// Passes that ran.
    pub passes: usize,
}

/// Runs `passes` over `luma` in order, stopping at the first that finds a symbol. With
/// `gate`, also stops after the first pass when no finder-pattern candidate was seen in
/// it (see [`FIRST_PASS_FINDERS`]): a frame without a code is dropped for the price of
/// one cheap pass. `full_probe`: whether the gate may run its full-resolution probe (see
/// [`candidates`]); the one-shot pipeline always does, the streaming scanner on some
/// frames only.
pub(crate) fn run_gated(luma: &GrayImage, passes: &[Pass], gate: bool, full_probe: bool) -> Run {
    let mut shared = Shared::default();
    let mut layers: Vec<(Prepare, GrayImage)> = Vec::new();
    let mut seen = false;
    for (index, pass) in passes.iter().enumerate() {
        let layer = match layers.iter().position(|(p, _)| *p == pass.prepare) {
            Some(i) => &layers[i].1,
            None => {
                let img = prepare(luma, pass.prepare, &mut shared);
                layers.push((pass.prepare, img));
                &layers[layers.len() - 1].1
            }
        };
        let scanned = scan(layer, pass.binarize);
        if index == 0 {
            seen =
                !scanned.texts.is_empty() || candidates(luma, layer, scanned.finders, full_probe);
        }
        let Scan {
            texts: mut found,
            smallest,
            ..
        } = scanned;
        if found.is_empty() {
            if gate
                && index == 0
                && !seen
                && u64::from(luma.width()) * u64::from(luma.height()) >= GATE_MIN_PIXELS
            {
                return Run {
                    read: None,
                    candidates: false,
                    passes: 1,
                };
            }
            if index == 0
                && passes.len() > 1
                && u64::from(luma.width()) * u64::from(luma.height()) > LATE_PASS_MAX_PIXELS
            {
                // A photo larger than a phone camera's: the later passes work on its ½
                // layer, as on a frame of that size (their indices stay the pipeline's).
                let later = run_gated(&downscale(luma, 2), &passes[1..], false, full_probe);
                return Run {
                    read: later.read.map(|(i, found)| (i + 1, found)),
                    candidates: seen,
                    passes: later.passes + 1,
                };
            }
            // Keep a prepared layer only while a later pass still needs it: memory stays
            // at a few frames' worth even for a 24-megapixel input.
            let last_use = !passes[index + 1..]
                .iter()
                .any(|p| p.prepare == pass.prepare);
            if last_use {
                layers.retain(|(p, _)| *p != pass.prepare);
            }
            continue;
        }
        let factor = layer_factor(luma, layer);
        if smallest * factor < SMALL_SYMBOL_PX {
            rescan_crops(luma, &mut found);
        }
        return Run {
            read: Some((index, found)),
            candidates: seen,
            passes: index + 1,
        };
    }
    Run {
        read: None,
        candidates: seen,
        passes: passes.len(),
    }
}

/// Finder-pattern candidates a probe must see (in one polarity; both together for the
/// first pass) for the later passes to run. One is not enough: printed text and wood
/// grain make single candidates; a code, even one that only a late pass reads, shows two
/// in at least one probe (measured on the corpus and the codeless scenes, `docs/qr.md`).
pub(crate) const FIRST_PASS_FINDERS: usize = 2;

/// Images over this many pixels (larger than a 12-megapixel phone photo, 4032 × 3024)
/// run the passes after the first on their ½ layer. At full resolution a 24-megapixel
/// photo of printed text, whose glyphs open the gate, took 1.1–3 s through the later
/// passes (the finder search alone ≈ 0.3 s a polarity on the contrast-stretched page);
/// on the ½ layer the later passes see what they see on a 6-megapixel frame. The first
/// pass and the gate are unchanged, and so is every image up to 12.5 megapixels.
pub(crate) const LATE_PASS_MAX_PIXELS: u64 = 12_500_000;

/// Images smaller than this (VGA) skip the gate: the whole pipeline costs little there,
/// and a small code's modules may be too thin for the ½ layer.
const GATE_MIN_PIXELS: u64 = 640 * 480;

/// Whether a frame the first pass could not read may hold a code: finder-pattern
/// candidates in the first pass itself (`first_finders`, over the ½ layer `half`), or in
/// the contrast-blind gate binarization of the ½ layer (both polarities), the ¼ layer
/// (dark on light: low-contrast codes) and, with `full_probe`, the full-resolution frame
/// (light on dark: blurred inverted codes), cheapest first.
///
/// Each later probe looks only for what it is there for. On the 600 corpus frames the ¼
/// probe was the only one to open the gate for five low-contrast frames, always in the
/// normal polarity, and the full-resolution probe for one blurred light-on-dark frame
/// (inverted hard #16), in the inverted polarity; neither other polarity ever decided.
/// One finder search less at ¼ and at full resolution is a third of a codeless frame's
/// gate.
pub(crate) fn candidates(
    luma: &GrayImage,
    half: &GrayImage,
    first_finders: usize,
    full_probe: bool,
) -> bool {
    let (normal, inverted) = gate_finders(half);
    let at_half = normal.max(inverted);
    // The first pass's own candidates count only with a confirmation at ½: on sensor
    // noise rxing's hybrid binarizer finds finder-like patterns by the dozen (31 on a
    // 24-megapixel noise photo) where the gate binarizer, which leaves noise-level blocks
    // blank, finds none; every corpus frame opened this way shows one there.
    (first_finders >= FIRST_PASS_FINDERS && at_half >= 1)
        || at_half >= FIRST_PASS_FINDERS
        || gate_finders_in(&downscale(half, 2), Polarity::Normal) >= FIRST_PASS_FINDERS
        || (full_probe && gate_finders_in(luma, Polarity::Inverted) >= FIRST_PASS_FINDERS)
}

/// Which polarity a gate probe searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polarity {
    /// Dark modules on a light background.
    Normal,
    /// Light modules on a dark background.
    Inverted,
}

/// [`gate_finders`] in one polarity only.
pub(crate) fn gate_finders_in(layer: &GrayImage, polarity: Polarity) -> usize {
    let Some(mut bits) = gate_binarize(layer) else {
        return 0;
    };
    if polarity == Polarity::Inverted {
        bits.flip_self();
    }
    FindFinderPatterns(&bits, true, 0).len()
}

/// A small symbol hints at a frame of several codes, some of which a pass may have missed
/// (at a downscaled layer, or because finder patterns of neighbouring codes were grouped
/// wrongly): rescan full-resolution crops (the four quadrants, four overlapping 2/3 × 2/3
/// crops which hold any code smaller than 1/3 of the frame whole, and two full-height
/// strips for codes in a row) and add what they find to `found`.
fn rescan_crops(luma: &GrayImage, found: &mut Vec<String>) {
    let (w, h) = luma.dimensions();
    let (cw, ch) = (w * 2 / 3, h * 2 / 3);
    let (qw, qh) = (w / 2, h / 2);
    let crops = [
        // Quadrants: a 2 × 2 grid of codes, one per crop.
        (0, 0, qw, qh),
        (w - qw, 0, qw, qh),
        (0, h - qh, qw, qh),
        (w - qw, h - qh, qw, qh),
        (0, 0, cw, ch),
        (w - cw, 0, cw, ch),
        (0, h - ch, cw, ch),
        (w - cw, h - ch, cw, ch),
        // Full-height strips: codes side by side in a row.
        (0, 0, cw, h),
        (w - cw, 0, cw, h),
    ];
    let mut empty_quadrants = Vec::new();
    let mut quadrant_hits = 0;
    for (i, (x, y, cw, ch)) in crops.into_iter().enumerate() {
        if found.len() >= MAX_SYMBOLS {
            break;
        }
        let crop = image::imageops::crop_imm(luma, x, y, cw, ch).to_image();
        let more = scan(&crop, Binarize::Hybrid).texts;
        if i < 4 {
            if more.is_empty() {
                empty_quadrants.push(crop);
            } else {
                quadrant_hits += 1;
            }
        }
        merge(found, more);
    }
    // Codes laid out one per quadrant (several known, at least one read from a quadrant
    // crop): an empty quadrant may hold one more with small modules (~3 px), which read
    // better upsampled ×2. Not done otherwise: it costs ~40 ms per quadrant.
    if found.len() >= 2 && quadrant_hits > 0 {
        for crop in empty_quadrants {
            let (cw, ch) = crop.dimensions();
            let up = DynamicImage::ImageLuma8(crop)
                .resize_exact(cw * 2, ch * 2, image::imageops::FilterType::Triangle)
                .into_luma8();
            merge(found, scan(&up, Binarize::Hybrid).texts);
        }
    }
}

/// Side (finder to finder corner, full-resolution pixels) below which a symbol found on a
/// downscaled layer triggers a full-resolution rescan for more codes.
const SMALL_SYMBOL_PX: f32 = 520.0;

/// The crop rescan stops once this many codes are known (a frame holds a few at most).
const MAX_SYMBOLS: usize = 8;

/// Appends the texts of `more` not yet in `found`.
fn merge(found: &mut Vec<String>, more: Vec<String>) {
    for text in more {
        if !found.contains(&text) {
            found.push(text);
        }
    }
}

fn layer_factor(luma: &GrayImage, layer: &GrayImage) -> f32 {
    luma.width() as f32 / layer.width().max(1) as f32
}

/// What several passes prepare from the same frame, made once per run: the stretched
/// frame, the ½ layer (under the gain, unsharp-mask and keystone passes too) and the
/// keystone passes' crop of its textured region.
#[derive(Default)]
struct Shared {
    stretched: Option<GrayImage>,
    half: Option<GrayImage>,
    region: Option<GrayImage>,
}

impl Shared {
    fn half(&mut self, luma: &GrayImage) -> &GrayImage {
        self.half.get_or_insert_with(|| downscale(luma, 2))
    }
}

fn prepare(luma: &GrayImage, prepare: Prepare, shared: &mut Shared) -> GrayImage {
    match prepare {
        Prepare::Scale(2) => shared.half(luma).clone(),
        Prepare::Scale(f) => downscale(luma, f),
        Prepare::Stretch(f) => {
            let s = shared.stretched.get_or_insert_with(|| stretch(luma));
            downscale(s, f)
        }
        Prepare::Sharpen(2) => DynamicImage::ImageLuma8(shared.half(luma).clone())
            .unsharpen(2.0, 0)
            .into_luma8(),
        Prepare::Sharpen(f) => DynamicImage::ImageLuma8(downscale(luma, f))
            .unsharpen(2.0, 0)
            .into_luma8(),
        Prepare::Gain(p) => gain(shared.half(luma), p, 4),
        Prepare::Keystone(side, percent) => {
            if shared.region.is_none() {
                let half = shared.half(luma);
                let region = busy_region(half)
                    .map(|(x, y, w, h)| image::imageops::crop_imm(half, x, y, w, h).to_image())
                    .unwrap_or_else(|| half.clone());
                shared.region = Some(region);
            }
            let region = shared.region.get_or_insert_with(GrayImage::default);
            keystone(region, side, f64::from(percent) / 100.0)
        }
    }
}

/// Bounding box (with a margin) of the textured part of the frame — where a QR code's
/// module edges are — so that keystone correction is centred on the code rather than on the
/// frame. `None` if the texture covers most of the frame anyway.
fn busy_region(img: &GrayImage) -> Option<(u32, u32, u32, u32)> {
    const CELL: u32 = 8;
    let (w, h) = img.dimensions();
    let (cw, ch) = (w / CELL, h / CELL);
    if cw < 4 || ch < 4 {
        return None;
    }
    // Mean absolute horizontal + vertical difference per 8×8 cell.
    let px = img.as_raw();
    let mut energy = vec![0u32; (cw * ch) as usize];
    for y in 1..ch * CELL {
        let row = (y * w) as usize;
        for x in 1..cw * CELL {
            let i = row + x as usize;
            let d = px[i].abs_diff(px[i - 1]) as u32 + px[i].abs_diff(px[i - w as usize]) as u32;
            energy[((y / CELL) * cw + x / CELL) as usize] += d;
        }
    }
    let max = *energy.iter().max()?;
    let threshold = max / 4;
    let (mut x0, mut y0, mut x1, mut y1) = (cw, ch, 0, 0);
    for cy in 0..ch {
        for cx in 0..cw {
            if energy[(cy * cw + cx) as usize] > threshold {
                x0 = x0.min(cx);
                y0 = y0.min(cy);
                x1 = x1.max(cx + 1);
                y1 = y1.max(cy + 1);
            }
        }
    }
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let margin_x = (x1 - x0) / 8 + 2;
    let margin_y = (y1 - y0) / 8 + 2;
    let (x0, y0) = (
        x0.saturating_sub(margin_x) * CELL,
        y0.saturating_sub(margin_y) * CELL,
    );
    let (x1, y1) = (
        ((x1 + margin_x) * CELL).min(w),
        ((y1 + margin_y) * CELL).min(h),
    );
    let (bw, bh) = (x1 - x0, y1 - y0);
    if u64::from(bw) * u64::from(bh) > u64::from(w) * u64::from(h) * 3 / 4 || bw < 64 || bh < 64 {
        return None;
    }
    Some((x0, y0, bw, bh))
}

/// `128 + factor × (v − the percentile-th luma)`, clamped.
fn gain(img: &GrayImage, percentile: u8, factor: i32) -> GrayImage {
    let mut hist = [0usize; 256];
    for p in img.as_raw() {
        hist[usize::from(*p)] += 1;
    }
    let rank = img.as_raw().len() * usize::from(percentile) / 100;
    let mut acc = 0;
    let center = hist
        .iter()
        .position(|&n| {
            acc += n;
            acc > rank
        })
        .unwrap_or(128) as i32;
    let lut: Vec<u8> = (0..256)
        .map(|v| (128 + factor * (v - center)).clamp(0, 255) as u8)
        .collect();
    let data = img.as_raw().iter().map(|&v| lut[usize::from(v)]).collect();
    GrayImage::from_raw(img.width(), img.height(), data).unwrap_or_else(|| img.clone())
}

/// Projective warp of the whole image that stretches edge `side` (0 left, 1 top, 2 right,
/// 3 bottom), assumed `k` times as long as the opposite edge, to full length.
fn keystone(img: &GrayImage, side: u8, k: f64) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (a, b) = ((1.0 - k) / 2.0, (1.0 + k) / 2.0);
    // Source quad (top-left, top-right, bottom-right, bottom-left) that maps to the output
    // rectangle.
    let quad = match side {
        0 => [(0.0, a * h), (w, 0.0), (w, h), (0.0, b * h)],
        1 => [(a * w, 0.0), (b * w, 0.0), (w, h), (0.0, h)],
        2 => [(0.0, 0.0), (w, a * h), (w, b * h), (0.0, h)],
        _ => [(0.0, 0.0), (w, 0.0), (b * w, h), (a * w, h)],
    };
    let m = square_to_quad(quad);
    let (iw, ih) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let mut out = vec![255u8; iw * ih];
    for (y, row) in out.chunks_exact_mut(iw).enumerate() {
        let v = (y as f64 + 0.5) / h;
        for (x, px) in row.iter_mut().enumerate() {
            let u = (x as f64 + 0.5) / w;
            let d = m[6] * u + m[7] * v + 1.0;
            let sx = (m[0] * u + m[1] * v + m[2]) / d;
            let sy = (m[3] * u + m[4] * v + m[5]) / d;
            if sx >= 0.0 && sy >= 0.0 && sx < w && sy < h {
                *px = src[sy as usize * iw + sx as usize];
            }
        }
    }
    GrayImage::from_raw(img.width(), img.height(), out).unwrap_or_else(|| img.clone())
}

/// Projective map from the unit square to `q` (Heckbert): `[a b c d e f g h]` with
/// x = (a u + b v + c) / (g u + h v + 1), y = (d u + e v + f) / (g u + h v + 1).
fn square_to_quad(q: [(f64, f64); 4]) -> [f64; 8] {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
    let sx = x0 - x1 + x2 - x3;
    let sy = y0 - y1 + y2 - y3;
    let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
    let den = dx1 * dy2 - dx2 * dy1;
    let g = (sx * dy2 - dx2 * sy) / den;
    let h = (dx1 * sy - sx * dy1) / den;
    [
        x1 - x0 + g * x1,
        x3 - x0 + h * x3,
        x0,
        y1 - y0 + g * y1,
        y3 - y0 + h * y3,
        y0,
        g,
        h,
    ]
}

/// Shortest side a downscaled layer may have: below it the image is left alone (no
/// version-1 code with its quiet zone fits in fewer pixels at one pixel a module).
const MIN_LAYER_SIDE: u32 = 40;

/// Area-averaging downscale by an integer factor; an image that would come out shorter
/// than [`MIN_LAYER_SIDE`] is left alone. Small images are halved too: a small code with
/// eroded (thin) dark modules reads at half size, where averaging fills the modules in.
pub(crate) fn downscale(luma: &GrayImage, factor: u32) -> GrayImage {
    let (w, h) = luma.dimensions();
    if factor <= 1 || w.min(h) / factor < MIN_LAYER_SIDE {
        return luma.clone();
    }
    box_downscale(luma, factor)
}

/// Mean of each `factor` × `factor` block (the remainder rows and columns are dropped).
/// Written out rather than through `image`'s resampler: a 1080p frame halves in about a
/// millisecond instead of ten to twenty, which is most of the first pass's budget.
fn box_downscale(luma: &GrayImage, factor: u32) -> GrayImage {
    let (w, h) = (luma.width() as usize, luma.height() as usize);
    let f = factor as usize;
    let (ow, oh) = (w / f, h / f);
    let src = luma.as_raw();
    let mut out = vec![0u8; ow * oh];
    if f == 2 {
        // Two source rows at a time, four pixels an output pixel.
        for (oy, out_row) in out.chunks_exact_mut(ow.max(1)).enumerate().take(oh) {
            let top = &src[2 * oy * w..2 * oy * w + 2 * ow];
            let bottom = &src[(2 * oy + 1) * w..(2 * oy + 1) * w + 2 * ow];
            for ((o, a), b) in out_row
                .iter_mut()
                .zip(top.chunks_exact(2))
                .zip(bottom.chunks_exact(2))
            {
                let s = u16::from(a[0]) + u16::from(a[1]) + u16::from(b[0]) + u16::from(b[1]);
                *o = ((s + 2) / 4) as u8;
            }
        }
        return GrayImage::from_raw(ow as u32, oh as u32, out).unwrap_or_else(|| luma.clone());
    }
    let mut acc = vec![0u32; ow];
    let div = (f * f) as u32;
    for (oy, out_row) in out.chunks_exact_mut(ow.max(1)).enumerate().take(oh) {
        acc.fill(0);
        for y in oy * f..oy * f + f {
            let row = &src[y * w..y * w + ow * f];
            for (a, block) in acc.iter_mut().zip(row.chunks_exact(f)) {
                *a += block.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        for (o, a) in out_row.iter_mut().zip(&acc) {
            *o = ((a + div / 2) / div) as u8;
        }
    }
    GrayImage::from_raw(ow as u32, oh as u32, out).unwrap_or_else(|| luma.clone())
}

/// Finder-pattern candidates (normal, inverted) in `layer` binarized with local thresholds
/// that ignore contrast: every 8×8 block whose grey range clears the frame's noise level
/// (1.5 × the 25th percentile of block ranges, at least 8 levels) is thresholded at the
/// mean of its 3×3 block neighbourhood; flatter blocks are left light. Unlike rxing's
/// hybrid binarizer (24 levels minimum), it sees codes of 10–20 levels of contrast, and
/// unlike a global stretch it does not care what dominates the histogram. Only the
/// finder-pattern search runs on it.
pub(crate) fn gate_finders(layer: &GrayImage) -> (usize, usize) {
    let Some(mut bits) = gate_binarize(layer) else {
        return (0, 0);
    };
    let normal = FindFinderPatterns(&bits, true, 0).len();
    bits.flip_self();
    let inverted = FindFinderPatterns(&bits, true, 0).len();
    (normal, inverted)
}

/// The gate binarization of [`gate_finders`]; `None` for a layer under 24 px a side.
fn gate_binarize(layer: &GrayImage) -> Option<rxing::common::BitMatrix> {
    const B: usize = 8;
    let (w, h) = (layer.width() as usize, layer.height() as usize);
    let (bw, bh) = (w / B, h / B);
    if bw < 3 || bh < 3 {
        return None;
    }
    let px = layer.as_raw();
    let mut means = vec![0u32; bw * bh];
    let mut ranges = vec![0u8; bw * bh];
    let mut cols = ColumnStats::new(bw * B);
    for by in 0..bh {
        cols.gather(px, w, by * B);
        for (bx, (m, r)) in means[by * bw..by * bw + bw]
            .iter_mut()
            .zip(&mut ranges[by * bw..by * bw + bw])
            .enumerate()
        {
            let (lo, hi, sum) = cols.block(bx * B);
            *m = sum / (B * B) as u32;
            *r = hi - lo;
        }
    }
    let mut sorted = ranges.clone();
    let quarter = sorted.len() / 4;
    let p25 = *sorted.select_nth_unstable(quarter).1;
    let floor = (u32::from(p25) * 3 / 2).max(8);
    let mut bits = rxing::common::BitMatrix::new((bw * B) as u32, (bh * B) as u32).ok()?;
    // Per block: the 3×3 neighbourhood mean, or 0 (nothing is darker) for a flat block.
    let mut thresholds = vec![0u8; bw * bh];
    for by in 0..bh {
        for bx in 0..bw {
            if u32::from(ranges[by * bw + bx]) < floor {
                continue;
            }
            let (x0, x1) = (bx.saturating_sub(1), (bx + 1).min(bw - 1));
            let (y0, y1) = (by.saturating_sub(1), (by + 1).min(bh - 1));
            let (mut sum, mut n) = (0, 0);
            for ny in y0..=y1 {
                for nx in x0..=x1 {
                    sum += means[ny * bw + nx];
                    n += 1;
                }
            }
            thresholds[by * bw + bx] = (sum / n) as u8;
        }
    }
    // Rows are built a machine word (eight blocks, the bit array's word) at a time, from
    // the block row's thresholds spread one per pixel.
    let mut row = rxing::common::BitArray::with_size(bw * B);
    let mut spread = vec![0u8; bw * B];
    let mut words = vec![0usize; (bw * B).div_ceil(WORD)];
    for by in 0..bh {
        for (t, &bt) in spread
            .chunks_exact_mut(B)
            .zip(&thresholds[by * bw..by * bw + bw])
        {
            t.fill(bt);
        }
        for y in by * B..by * B + B {
            words.fill(0);
            pack_dark(&px[y * w..y * w + bw * B], &spread, false, &mut words);
            for (i, &word) in words.iter().enumerate() {
                row.setBulk(i * WORD, word);
            }
            bits.setRow(y as u32, &row);
        }
    }
    Some(bits)
}

/// Linear contrast stretch of the 1st–99th percentiles to the full range.
fn stretch(luma: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in luma.as_raw() {
        hist[usize::from(*p)] += 1;
    }
    let total: u64 = hist.iter().sum();
    let cut = total / 100;
    let percentile = |from_top: bool| {
        let mut acc = 0;
        let order: Box<dyn Iterator<Item = usize>> = if from_top {
            Box::new((0..256).rev())
        } else {
            Box::new(0..256)
        };
        for i in order {
            acc += hist[i];
            if acc > cut {
                return i;
            }
        }
        if from_top { 255 } else { 0 }
    };
    let (lo, hi) = (percentile(false), percentile(true));
    if hi <= lo {
        return luma.clone();
    }
    let span = (hi - lo) as u32;
    let lut: Vec<u8> = (0..256usize)
        .map(|v| (v.clamp(lo, hi) - lo) as u32 * 255 / span)
        .map(|v| v as u8)
        .collect();
    let data = luma.as_raw().iter().map(|&v| lut[usize::from(v)]).collect();
    GrayImage::from_raw(luma.width(), luma.height(), data).unwrap_or_else(|| luma.clone())
}

/// What one binarizer over one layer found.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Texts decoded, no duplicates.
    pub texts: Vec<String>,
    /// Side of the smallest symbol decoded, in layer pixels (`f32::MAX` if none).
    pub smallest: f32,
    /// Finder-pattern candidates seen (normal and inverted polarity together).
    pub finders: usize,
    /// Finder-pattern sets sampled and decoded (both polarities together).
    pub sets_tried: usize,
}

/// One binarizer over one layer, normal then inverted.
pub(crate) fn scan(layer: &GrayImage, binarize: Binarize) -> Scan {
    let Ok(source) =
        Luma8LuminanceSource::new(layer.as_raw().clone(), layer.width(), layer.height())
    else {
        return Scan::default();
    };
    match binarize {
        Binarize::Hybrid => {
            let matrix = hybrid_matrix(layer);
            scan_bitmap(BinaryBitmap::new(Prebuilt::new(source, matrix)))
        }
        Binarize::Global => scan_bitmap(BinaryBitmap::new(GlobalHistogramBinarizer::new(source))),
    }
}

/// rxing's `HybridBinarizer` with its black matrix computed here, bit for bit the same
/// (`tests::hybrid_matrix_matches_rxing`): rxing sets the matrix one pixel at a time and
/// costs 3–4 ns a pixel, most of a first pass; rows built a word at a time cost a fraction
/// of that. Rows and lines (unused by the QR detector) come from the global-histogram
/// binarizer, as in rxing's.
struct Prebuilt {
    ghb: GlobalHistogramBinarizer<Luma8LuminanceSource>,
    matrix: Option<rxing::common::BitMatrix>,
}

impl Prebuilt {
    fn new(source: Luma8LuminanceSource, matrix: Option<rxing::common::BitMatrix>) -> Self {
        Prebuilt {
            ghb: GlobalHistogramBinarizer::new(source),
            matrix,
        }
    }
}

impl Binarizer for Prebuilt {
    type Source = Luma8LuminanceSource;

    fn get_luminance_source(&self) -> &Self::Source {
        self.ghb.get_luminance_source()
    }

    fn get_black_row(
        &self,
        y: usize,
    ) -> rxing::common::Result<std::borrow::Cow<'_, rxing::common::BitArray>> {
        self.ghb.get_black_row(y)
    }

    fn get_black_row_from_matrix(
        &self,
        y: usize,
    ) -> rxing::common::Result<std::borrow::Cow<'_, rxing::common::BitArray>> {
        match &self.matrix {
            Some(m) => Ok(std::borrow::Cow::Owned(m.getRow(y as u32))),
            None => self.ghb.get_black_row_from_matrix(y),
        }
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&rxing::common::BitMatrix> {
        match &self.matrix {
            Some(m) => Ok(m),
            // Too small for 8×8 blocks: rxing falls back to the global histogram too.
            None => self.ghb.get_black_matrix(),
        }
    }

    fn get_black_line(
        &self,
        l: usize,
        lt: rxing::common::LineOrientation,
    ) -> rxing::common::Result<std::borrow::Cow<'_, rxing::common::BitArray>> {
        self.ghb.get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        use rxing::LuminanceSource;
        let layer = GrayImage::from_raw(
            source.get_width() as u32,
            source.get_height() as u32,
            source.get_matrix().to_vec(),
        );
        let matrix = layer.as_ref().and_then(hybrid_matrix);
        Prebuilt::new(source, matrix)
    }

    fn get_width(&self) -> usize {
        self.ghb.get_width()
    }

    fn get_height(&self) -> usize {
        self.ghb.get_height()
    }
}

/// The black matrix of rxing's `HybridBinarizer` (zxing's algorithm): per 8×8 block a
/// black point (the mean, or for a block of ≤ 24 grey levels of range half its minimum,
/// raised to its upper and left neighbours' when its minimum is below theirs), then each
/// block thresholded (≤) at the mean black point of the 5×5 blocks around it (clamped to
/// the frame); the last, partial block of a row or column is the frame's last 8 pixels,
/// overlapping its neighbour, and a pixel is dark when either block makes it dark. `None`
/// below 40 px a side, where rxing uses the global histogram instead.
fn hybrid_matrix(layer: &GrayImage) -> Option<rxing::common::BitMatrix> {
    const B: usize = 8;
    const MIN_RANGE: u8 = 24;
    let (w, h) = (layer.width() as usize, layer.height() as usize);
    if w < 5 * B || h < 5 * B {
        return None;
    }
    let px = layer.as_raw();
    let (sw, sh) = (w.div_ceil(B), h.div_ceil(B));
    let (max_x, max_y) = (w - B, h - B);
    // Per block: (min, max, sum), gathered a block row at a time column by column, then
    // the black points in zxing's order (each depends on its upper and left neighbours).
    let mut stats = vec![(u8::MAX, 0u8, 0u32); sw * sh];
    let mut cols = ColumnStats::new(w);
    for y in 0..sh {
        cols.gather(px, w, (y * B).min(max_y));
        for (x, st) in stats[y * sw..y * sw + sw].iter_mut().enumerate() {
            *st = cols.block((x * B).min(max_x));
        }
    }
    let mut black = vec![0u32; sw * sh];
    for y in 0..sh {
        for x in 0..sw {
            let (lo, hi, sum) = stats[y * sw + x];
            let mut average = sum >> 6;
            if hi - lo <= MIN_RANGE {
                average = u32::from(lo) / 2;
                if y > 0 && x > 0 {
                    let neighbours = (black[(y - 1) * sw + x]
                        + 2 * black[y * sw + x - 1]
                        + black[(y - 1) * sw + x - 1])
                        / 4;
                    if u32::from(lo) < neighbours {
                        average = neighbours;
                    }
                }
            }
            black[y * sw + x] = average;
        }
    }
    // Thresholds per block (5×5 mean of black points), then the pixels, a row at a time:
    // each full block's 8 pixels become one byte of the row's words; the last block of a
    // partial row is ORed in over the overlap.
    let mut thresholds = vec![0u32; sw * sh];
    for y in 0..sh {
        let top = y.clamp(2, sh - 3);
        for x in 0..sw {
            let left = x.clamp(2, sw - 3);
            let mut sum = 0;
            for row in black[(top - 2) * sw..(top + 3) * sw].chunks_exact(sw) {
                sum += row[left - 2..=left + 2].iter().sum::<u32>();
            }
            thresholds[y * sw + x] = sum / 25;
        }
    }
    let mut matrix = rxing::common::BitMatrix::new(w as u32, h as u32).ok()?;
    let mut row = rxing::common::BitArray::with_size(w);
    let mut words = vec![0usize; w.div_ceil(WORD)];
    // Thresholds spread one per pixel for a block row: the full blocks, then the last,
    // overlapping block of a row whose width is not a multiple of 8 (ORed in separately).
    let spread_row = |ts: &[u32]| -> Vec<u8> {
        let mut out = vec![0u8; w / B * B];
        for (t, &bt) in out.chunks_exact_mut(B).zip(ts) {
            t.fill(bt.min(255) as u8);
        }
        out
    };
    let last_spread = spread_row(&thresholds[(sh - 1) * sw..sh * sw]);
    let last_t = thresholds[sh * sw - 1];
    let mut own_spread = Vec::new();
    let mut own_row = usize::MAX;
    for py in 0..h {
        words.fill(0);
        let line = &px[py * w..py * w + w];
        // The block row that starts at this row's multiple of 8, if it is a full one, and
        // the last block row (starting at `max_y`) where the rows overlap it.
        let own = py / B;
        if own < h / B {
            if own != own_row {
                own_spread = spread_row(&thresholds[own * sw..own * sw + sw]);
                own_row = own;
            }
            threshold_row(line, &own_spread, thresholds[own * sw + sw - 1], &mut words);
        }
        if py >= max_y && (own >= h / B || !h.is_multiple_of(B)) {
            threshold_row(line, &last_spread, last_t, &mut words);
        }
        for (i, &word) in words.iter().enumerate() {
            row.setBulk(i * WORD, word);
        }
        matrix.setRow(py as u32, &row);
    }
    Some(matrix)
}

/// ORs the dark pixels (≤ their block's threshold) of `line` into `words`: the full
/// blocks through `spread` (one threshold a pixel), the last, overlapping block of a
/// line whose width is not a multiple of 8 pixel by pixel at `last`.
fn threshold_row(line: &[u8], spread: &[u8], last: u32, words: &mut [usize]) {
    const B: usize = 8;
    pack_dark(&line[..spread.len()], spread, true, words);
    let w = line.len();
    if !w.is_multiple_of(B) {
        for x in w - B..w {
            if u32::from(line[x]) <= last {
                words[x / WORD] |= 1 << (x % WORD);
            }
        }
    }
}

/// ORs into `words` one bit per pixel of `line` (a multiple of 8 long): set where the
/// pixel is below its threshold in `spread` (or equal, with `or_equal`). The comparisons
/// run over whole rows (vectorised); each 8 results become one byte through a multiply
/// (byte i of the product's top byte gathers bit i).
fn pack_dark(line: &[u8], spread: &[u8], or_equal: bool, words: &mut [usize]) {
    const B: usize = 8;
    let mut dark = [0u8; 256];
    for (c, (pixels, ts)) in line.chunks(256).zip(spread.chunks(256)).enumerate() {
        let dark = &mut dark[..pixels.len()];
        if or_equal {
            for ((d, &v), &t) in dark.iter_mut().zip(pixels).zip(ts) {
                *d = u8::from(v <= t);
            }
        } else {
            for ((d, &v), &t) in dark.iter_mut().zip(pixels).zip(ts) {
                *d = u8::from(v < t);
            }
        }
        for (k, eight) in dark.chunks_exact(B).enumerate() {
            let eight: [u8; B] = eight.try_into().expect("8 pixels");
            let byte =
                (u64::from_le_bytes(eight).wrapping_mul(0x0102_0408_1020_4080) >> 56) as usize;
            let x = c * 256 + k * B;
            words[x / WORD] |= byte << (x % WORD);
        }
    }
}

/// Column-wise minimum, maximum and sum over the 8 rows of a block row, for the first
/// `len` columns: three element-wise passes per row (vectorised), then each block folds
/// its 8 columns. Replaces a per-block loop over 8-pixel chunks at a fraction of its cost.
struct ColumnStats {
    lo: Vec<u8>,
    hi: Vec<u8>,
    sum: Vec<u16>,
}

impl ColumnStats {
    fn new(len: usize) -> Self {
        ColumnStats {
            lo: vec![0; len],
            hi: vec![0; len],
            sum: vec![0; len],
        }
    }

    /// Gathers rows `y0..y0 + 8` of `px` (rows `w` pixels long).
    fn gather(&mut self, px: &[u8], w: usize, y0: usize) {
        let n = self.lo.len();
        let first = &px[y0 * w..y0 * w + n];
        self.lo.copy_from_slice(first);
        self.hi.copy_from_slice(first);
        for (s, &v) in self.sum.iter_mut().zip(first) {
            *s = u16::from(v);
        }
        for y in y0 + 1..y0 + 8 {
            let line = &px[y * w..y * w + n];
            for (l, &v) in self.lo.iter_mut().zip(line) {
                *l = (*l).min(v);
            }
            for (h, &v) in self.hi.iter_mut().zip(line) {
                *h = (*h).max(v);
            }
            for (s, &v) in self.sum.iter_mut().zip(line) {
                *s += u16::from(v);
            }
        }
    }

    /// (min, max, sum) of the 8 × 8 block whose first column is `x`.
    fn block(&self, x: usize) -> (u8, u8, u32) {
        let lo = self.lo[x..x + 8].iter().copied().min().unwrap_or(0);
        let hi = self.hi[x..x + 8].iter().copied().max().unwrap_or(0);
        let sum = self.sum[x..x + 8].iter().map(|&v| u32::from(v)).sum();
        (lo, hi, sum)
    }
}

/// Bits per word of rxing's bit arrays.
const WORD: usize = usize::BITS as usize;

/// Finder-pattern sets (three candidates in a plausible triangle) a scan samples and
/// decodes at most, per polarity, most plausible first. A code's own set ranks near the
/// top; clutter does not: a 24-megapixel photo of printed text, contrast-stretched, gave
/// 323 candidates and 1,085 sets, about a millisecond each, over a second in one pass.
/// 64 is eight times the most codes a frame is read for ([`MAX_SYMBOLS`]).
const MAX_FINDER_SETS: usize = 64;

/// rxing's `QrReader::decode_multiple` (zxing-cpp's order: finder patterns, their sets
/// most plausible first, sampling and decoding each set whose patterns no decoded symbol
/// used), with the candidates counted for the gate, a frame with fewer than three
/// skipping the rest, and at most [`MAX_FINDER_SETS`] sets tried.
fn scan_bitmap<B: Binarizer>(mut bitmap: BinaryBitmap<B>) -> Scan {
    let mut scan = Scan {
        smallest: f32::MAX,
        ..Scan::default()
    };
    for inverted in [false, true] {
        if inverted {
            bitmap.invert();
        }
        let matrix = bitmap.get_black_matrix();
        let mut patterns = FindFinderPatterns(matrix, true, 0);
        scan.finders += patterns.len();
        if patterns.len() < 3 {
            continue;
        }
        let mut used = Vec::new();
        let mut tried = 0;
        for set in GenerateFinderPatternSets(&mut patterns) {
            if tried == MAX_FINDER_SETS {
                break;
            }
            if [set.bl, set.tl, set.tr].iter().any(|p| used.contains(p)) {
                continue;
            }
            tried += 1;
            scan.sets_tried += 1;
            let Ok(detected) = SampleQR(matrix, &set) else {
                continue;
            };
            let Ok(decoded) = QrDecode(detected.getBits()) else {
                continue;
            };
            if !decoded.isValid() {
                continue;
            }
            used.extend([set.bl, set.tl, set.tr]);
            if let [a, b, ..] = detected.getPoints() {
                scan.smallest = scan
                    .smallest
                    .min(((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt());
            }
            let text = decoded.text();
            if !scan.texts.contains(&text) {
                scan.texts.push(text);
            }
        }
        if !scan.texts.is_empty() {
            break;
        }
    }
    scan
}

pub(crate) fn check_dimensions(width: u32, height: u32) -> Result<(), DecodeError> {
    if width == 0 || height == 0 {
        return Err(DecodeError::Empty { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(DecodeError::TooLarge {
            width,
            height,
            max_side: MAX_SIDE,
            max_pixels: MAX_PIXELS,
        });
    }
    Ok(())
}

/// Decodes an encoded PNG or JPEG image held in memory, then finds its QR codes like
/// [`decode_image`].
///
/// Hostile input fails fast: more than [`MAX_FILE_BYTES`] bytes, an unknown format, or
/// header dimensions beyond [`MAX_SIDE`] / [`MAX_PIXELS`] are refused before any pixel is
/// decoded, and the decoder's allocations are capped.
///
/// ```
/// use tessera_qr::{decode_bytes, DecodeError};
///
/// assert!(matches!(decode_bytes(&[]), Err(DecodeError::EmptyFile)));
/// assert!(matches!(decode_bytes(b"GIF89a"), Err(DecodeError::UnsupportedFormat)));
/// ```
pub fn decode_bytes(bytes: &[u8]) -> Result<Vec<String>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::EmptyFile);
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(DecodeError::FileTooLarge {
            bytes: bytes.len() as u64,
            max_bytes: MAX_FILE_BYTES,
        });
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        _ => return Err(DecodeError::UnsupportedFormat),
    };
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(bytes), format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(MAX_DECODER_ALLOC);
        r.limits(limits);
        r
    };
    // The header alone, without the size limits: a decompression bomb (a huge canvas in a
    // small file) is refused as too large, naming its size, rather than with the image
    // crate's generic limit error. Nothing is allocated for pixels here.
    let mut header = ImageReader::with_format(Cursor::new(bytes), format);
    header.no_limits();
    let (width, height) = header.into_dimensions().map_err(image_error)?;
    check_dimensions(width, height)?;
    let img = reader().decode().map_err(image_error)?;
    decode_image(&img)
}

/// The image crate's error as ours: its limit errors (memory or dimensions) are
/// [`DecodeError::OverLimit`], everything else a corrupt or unreadable file.
fn image_error(e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(limit) => DecodeError::OverLimit {
            detail: limit.to_string(),
        },
        e => DecodeError::Image(e.to_string()),
    }
}

/// Reads `path` (at most [`MAX_FILE_BYTES`]) and decodes it like [`decode_bytes`].
pub fn decode_file(path: &Path) -> Result<Vec<String>, DecodeError> {
    let io_err = |source| DecodeError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    if len > MAX_FILE_BYTES {
        return Err(DecodeError::FileTooLarge {
            bytes: len,
            max_bytes: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    decode_bytes(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_limit_errors_are_over_limit_and_others_unreadable() {
        use image::error::{LimitError, LimitErrorKind};
        for kind in [
            LimitErrorKind::InsufficientMemory,
            LimitErrorKind::DimensionError,
        ] {
            let e = image_error(image::ImageError::Limits(LimitError::from_kind(kind)));
            assert!(matches!(e, DecodeError::OverLimit { .. }), "{e:?}");
            assert!(
                e.to_string()
                    .starts_with("image file is over the decoder's size or memory limit: "),
                "{e}"
            );
        }
        // A truncated PNG is unreadable, not over a limit.
        let mut png = Vec::new();
        GrayImage::new(8, 8)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let e = decode_bytes(&png[..png.len() - 20]).unwrap_err();
        assert!(matches!(e, DecodeError::Image(_)), "{e:?}");
    }

    /// A frame with every kind of block: flat, noisy, edges, a wide range of levels.
    fn busy(w: u32, h: u32) -> GrayImage {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        GrayImage::from_fn(w, h, |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let noise = (state % 23) as u32;
            let v = match (x / 37 + y / 29) % 4 {
                0 => 128,
                1 => (x * 3 + y) % 256,
                2 => noise * 11,
                _ => 40 + noise,
            };
            image::Luma([v.min(255) as u8])
        })
    }

    #[test]
    fn hybrid_matrix_matches_rxing() {
        for (w, h) in [(331, 203), (320, 240), (45, 41), (960, 540), (641, 359)] {
            let img = busy(w, h);
            let ours = hybrid_matrix(&img).expect("large enough");
            let source = Luma8LuminanceSource::new(img.as_raw().clone(), w, h).unwrap();
            let theirs = HybridBinarizer::new(source);
            let theirs = theirs.get_black_matrix().unwrap();
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(ours.get(x, y), theirs.get(x, y), "{w}x{h} pixel {x},{y}");
                }
            }
        }
        assert!(hybrid_matrix(&busy(39, 300)).is_none());
    }

    #[test]
    fn a_crowd_of_finder_like_patterns_is_sampled_a_bounded_number_of_times() {
        // 8 × 6 finder patterns (7 × 7 modules of 4 px) on a 70-px lattice: every
        // right-angled triple is a plausible set, far more than MAX_FINDER_SETS.
        // A finder pattern: dark at Chebyshev distance 3 (outer ring) and 0–1 (centre)
        // from its middle module, light at 2.
        let finder = |mx: u32, my: u32| mx.abs_diff(3).max(my.abs_diff(3)) != 2;
        let img = GrayImage::from_fn(600, 460, |x, y| {
            let (cx, cy) = (x % 70, y % 70);
            let (mx, my) = ((cx.wrapping_sub(20)) / 4, (cy.wrapping_sub(20)) / 4);
            let dark =
                x >= 20 && y >= 20 && x < 580 && y < 440 && mx < 7 && my < 7 && finder(mx, my);
            image::Luma([if dark { 10 } else { 240 }])
        });
        let matrix = hybrid_matrix(&img).expect("large enough");
        let mut patterns = FindFinderPatterns(&matrix, true, 0);
        assert!(patterns.len() >= 40, "{} patterns", patterns.len());
        let sets = GenerateFinderPatternSets(&mut patterns).len();
        assert!(sets > 2 * MAX_FINDER_SETS, "{sets} sets");
        let scan = scan(&img, Binarize::Hybrid);
        assert!(scan.texts.is_empty());
        assert!(
            scan.sets_tried <= 2 * MAX_FINDER_SETS,
            "{} sets sampled",
            scan.sets_tried
        );
    }

    #[test]
    fn halving_is_the_rounded_mean_of_each_two_by_two_block() {
        let img = busy(203, 117);
        let half = box_downscale(&img, 2);
        assert_eq!(half.dimensions(), (101, 58));
        for (x, y, p) in half.enumerate_pixels() {
            let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                .iter()
                .map(|&(dx, dy)| u32::from(img.get_pixel(2 * x + dx, 2 * y + dy)[0]))
                .sum();
            assert_eq!(u32::from(p[0]), (sum + 2) / 4, "pixel {x},{y}");
        }
    }

    #[test]
    fn gate_binarization_follows_its_per_pixel_definition() {
        let img = busy(331, 203);
        let bits = gate_binarize(&img).expect("large enough");
        let (bw, bh) = (331 / 8, 203 / 8);
        let block = |bx: u32, by: u32| {
            let px: Vec<u8> = (0..64)
                .map(|k| img.get_pixel(bx * 8 + k % 8, by * 8 + k / 8)[0])
                .collect();
            let sum: u32 = px.iter().map(|&v| u32::from(v)).sum();
            let range = px.iter().max().unwrap() - px.iter().min().unwrap();
            (sum / 64, range)
        };
        let mut ranges: Vec<u8> = (0..bh)
            .flat_map(|by| (0..bw).map(move |bx| (bx, by)))
            .map(|(bx, by)| block(bx, by).1)
            .collect();
        ranges.sort_unstable();
        let floor = (u32::from(ranges[ranges.len() / 4]) * 3 / 2).max(8);
        for by in 0..bh {
            for bx in 0..bw {
                let threshold = if u32::from(block(bx, by).1) < floor {
                    0
                } else {
                    let mut n = 0;
                    let mut sum = 0;
                    for ny in by.saturating_sub(1)..=(by + 1).min(bh - 1) {
                        for nx in bx.saturating_sub(1)..=(bx + 1).min(bw - 1) {
                            sum += block(nx, ny).0;
                            n += 1;
                        }
                    }
                    sum / n
                };
                for k in 0..64 {
                    let (x, y) = (bx * 8 + k % 8, by * 8 + k / 8);
                    let dark = u32::from(img.get_pixel(x, y)[0]) < threshold;
                    assert_eq!(bits.get(x, y), dark, "pixel {x},{y}");
                }
            }
        }
    }
}
