//! Live video: a QR scanner with a bounded amount of work per frame.
//!
//! Every frame gets the first pass of the pipeline (½ scale, hybrid binarizer), which also
//! counts finder-pattern candidates. Only while candidates are in view (or were, a few
//! frames ago) does the scanner spend more: a slice of the later passes per frame, taken in
//! pipeline order and resumed on the next frame where this one stopped, so a code that
//! only a late pass reads is still read within a few frames, and a frame without a code
//! costs one pass and the gate's probes. The schedule is documented in `docs/qr.md`.

use image::GrayImage;

use crate::DecodeError;
use crate::decode::{PIPELINE, Pass, Prepare, check_dimensions, run_gated};

/// How much work [`Scanner`] may spend per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanOptions {
    /// Work allowed per frame beyond the first pass, in units of one pass over the
    /// ½-scale layer (a full-resolution pass costs 4, every other pass 1). At least one
    /// later pass runs per frame while finder patterns are in view, whatever its cost.
    /// Default 4.
    pub budget: u32,
    /// Frames after the last one with finder-pattern candidates during which the later
    /// passes keep running (a code held still can lose its candidates to noise for a
    /// frame or two). Default 8.
    pub linger_frames: u32,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            budget: 4,
            linger_frames: 8,
        }
    }
}

/// A QR scanner for a stream of camera frames.
///
/// ```
/// use tessera_qr::{encode, EncodeOptions, ScanOptions, Scanner};
///
/// let mut scanner = Scanner::new(ScanOptions::default());
/// // A frame without a code: dropped after one cheap pass.
/// let dark = vec![20u8; 640 * 480];
/// assert_eq!(scanner.push_frame(&dark, 640, 480)?, None);
///
/// let code = encode("TS1:HELLO", &EncodeOptions::default()).unwrap().to_image(6);
/// let (w, h) = code.dimensions();
/// assert_eq!(scanner.push_frame(code.as_raw(), w, h)?, Some(vec!["TS1:HELLO".to_string()]));
///
/// // A buffer that does not match its dimensions is refused.
/// assert!(scanner.push_frame(&dark, 641, 480).is_err());
/// # Ok::<(), tessera_qr::DecodeError>(())
/// ```
#[derive(Clone)]
pub struct Scanner {
    options: ScanOptions,
    /// Next later pass (index into `PIPELINE`, 1..) of the round.
    next_pass: usize,
    /// The later pass that read the last code, tried first while codes keep coming.
    last_read: Option<usize>,
    /// Frames since the first pass last saw finder-pattern candidates (`None`: never).
    since_finders: Option<u32>,
    /// Frames scanned, modulo [`FULL_PROBE_EVERY`]: the gate's full-resolution probe runs
    /// when it is 0.
    frame_phase: u32,
    /// The last raw frame's pixels, reused by [`Scanner::push_frame`].
    buffer: Vec<u8>,
}

/// The gate's full-resolution probe (see `decode::candidates`), which only blurred
/// light-on-dark codes need and which costs as much as the rest of a codeless frame, runs
/// on one frame in this many: such a code is noticed within this many frames, and the
/// other frames cost the first pass and the cheap probes only.
#[doc(hidden)]
pub const FULL_PROBE_EVERY: u32 = 4;

impl Scanner {
    /// A scanner that has seen no frame yet.
    pub fn new(options: ScanOptions) -> Self {
        Scanner {
            options,
            next_pass: 1,
            last_read: None,
            since_finders: None,
            frame_phase: 0,
            buffer: Vec::new(),
        }
    }

    /// Scans one 8-bit luma frame (`width` × `height` bytes, rows packed) and returns the
    /// texts of the codes read in it, or `None`.
    ///
    /// The work per frame is bounded by [`ScanOptions::budget`]; a frame with no
    /// finder-pattern candidate, seen after [`ScanOptions::linger_frames`] such frames,
    /// costs one pass over a ½-scale copy.
    ///
    /// # Errors
    ///
    /// [`DecodeError::FrameSize`] when `luma` is not `width × height` bytes,
    /// [`DecodeError::Empty`] and [`DecodeError::TooLarge`] as for [`crate::decode_image`].
    pub fn push_frame(
        &mut self,
        luma: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Option<Vec<String>>, DecodeError> {
        check_dimensions(width, height)?;
        let expected = u64::from(width) * u64::from(height);
        if luma.len() as u64 != expected {
            return Err(DecodeError::FrameSize {
                len: luma.len(),
                width,
                height,
            });
        }
        // The frame is copied into a buffer kept from frame to frame: a fresh 2-megabyte
        // allocation per 1080p frame costs its page faults every time.
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.clear();
        buffer.extend_from_slice(luma);
        let Some(frame) = GrayImage::from_raw(width, height, buffer) else {
            return Err(DecodeError::FrameSize {
                len: luma.len(),
                width,
                height,
            });
        };
        let found = self.scan(&frame);
        self.buffer = frame.into_raw();
        Ok(found)
    }

    /// [`Scanner::push_frame`] for a frame already in a luma image.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Empty`] and [`DecodeError::TooLarge`] as for [`crate::decode_image`].
    pub fn push_image(&mut self, frame: &GrayImage) -> Result<Option<Vec<String>>, DecodeError> {
        check_dimensions(frame.width(), frame.height())?;
        Ok(self.scan(frame))
    }

    fn scan(&mut self, frame: &GrayImage) -> Option<Vec<String>> {
        let (passes, round_last) = self.schedule();
        // Lingering, the later passes run whatever this frame's first pass saw; otherwise
        // the first pass gates them.
        let gated = !self.lingering();
        let list: Vec<Pass> = passes.iter().map(|&(_, p)| p).collect();
        let full_probe = self.frame_phase == 0;
        self.frame_phase = (self.frame_phase + 1) % FULL_PROBE_EVERY;
        let run = run_gated(frame, &list, gated, full_probe);
        if run.candidates || run.read.is_some() {
            self.since_finders = Some(0);
        } else {
            self.since_finders = self.since_finders.map(|n| n.saturating_add(1));
        }
        if let Some((i, texts)) = run.read {
            let index = passes[i].0;
            self.last_read = (index > 0).then_some(index);
            // The round starts over: the next code may need only the early passes.
            self.next_pass = 1;
            return Some(texts);
        }
        if run.passes == list.len() {
            // Every scheduled pass ran: the round goes on after its last pass.
            if let Some(last) = round_last {
                self.next_pass = if last + 1 >= PIPELINE.len() {
                    1
                } else {
                    last + 1
                };
            }
        }
        None
    }

    /// Whether candidates were seen recently enough for the later passes to run.
    fn lingering(&self) -> bool {
        self.since_finders
            .is_some_and(|n| n <= self.options.linger_frames)
    }

    /// The passes for the next frame: the first pass, then (while candidates are in view)
    /// the pass that read last, then the round's next passes up to the budget. Each entry
    /// is `(index into PIPELINE, pass)`.
    fn schedule(&self) -> (Vec<(usize, Pass)>, Option<usize>) {
        let mut passes = vec![(0, PIPELINE[0])];
        if !self.lingering() {
            // The first pass decides (gated): candidates in this frame start the later
            // passes right away, from the round's next pass.
            let round = self.round(self.options.budget);
            let last = round.last().map(|(i, _)| *i);
            passes.extend(round);
            return (passes, last);
        }
        let mut budget = self.options.budget;
        if let Some(i) = self.last_read {
            passes.push((i, PIPELINE[i]));
            budget = budget.saturating_sub(cost(PIPELINE[i]));
        }
        let round = self.round(budget);
        // The round covers the pass that read last even though it ran above.
        let last = round.last().map(|(i, _)| *i);
        passes.extend(
            round
                .into_iter()
                .filter(|(i, _)| Some(*i) != self.last_read),
        );
        (passes, last)
    }

    /// The round's next passes from `next_pass`, at least one, while `budget` lasts.
    fn round(&self, mut budget: u32) -> Vec<(usize, Pass)> {
        let mut out = Vec::new();
        let mut index = self.next_pass;
        while index < PIPELINE.len() {
            let c = cost(PIPELINE[index]);
            if !out.is_empty() && c > budget {
                break;
            }
            budget = budget.saturating_sub(c);
            out.push((index, PIPELINE[index]));
            index += 1;
        }
        out
    }
}

impl std::fmt::Debug for Scanner {
    /// Everything but the reused frame buffer (megabytes of pixels).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("options", &self.options)
            .field("next_pass", &self.next_pass)
            .field("last_read", &self.last_read)
            .field("since_finders", &self.since_finders)
            .field("frame_phase", &self.frame_phase)
            .finish_non_exhaustive()
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new(ScanOptions::default())
    }
}

/// Cost of a pass in ½-scale-layer passes (layer area relative to the ½ layer), at least 1.
fn cost(pass: Pass) -> u32 {
    match pass.prepare {
        Prepare::Scale(1) | Prepare::Stretch(1) | Prepare::Sharpen(1) => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 640 × 480 grey frame with three finder patterns (7-module squares, 6 px a module)
    /// and no code between them: candidates in view, nothing to read.
    fn finders_only() -> GrayImage {
        let mut img = GrayImage::from_pixel(640, 480, image::Luma([200]));
        for (ox, oy) in [(100u32, 100u32), (400, 100), (100, 350)] {
            for y in 0..42 {
                for x in 0..42 {
                    let (mx, my) = (x / 6, y / 6);
                    let ring = mx.min(my).min(6 - mx).min(6 - my);
                    let dark = ring != 1;
                    img.put_pixel(ox + x, oy + y, image::Luma([if dark { 20 } else { 200 }]));
                }
            }
        }
        img
    }

    #[test]
    fn the_round_goes_on_after_its_own_last_pass_not_after_the_last_read_pass() {
        let frame = finders_only();
        let mut scanner = Scanner::new(ScanOptions::default());
        assert_eq!(scanner.push_image(&frame).unwrap(), None);
        // Candidates opened the gate: pass 1 (full resolution, the whole budget) ran.
        assert_eq!(scanner.next_pass, 2);
        // A code read by pass 15 earlier: it is retried first, then the round resumes at
        // pass 2 and stops at the budget; it must not jump past 15.
        scanner.last_read = Some(15);
        assert_eq!(scanner.push_image(&frame).unwrap(), None);
        assert_eq!(scanner.next_pass, 5, "passes 2-4 ran after pass 15");
    }

    #[test]
    fn raw_frames_reuse_one_buffer_and_debug_leaves_it_out() {
        let mut scanner = Scanner::new(ScanOptions::default());
        let flat = vec![90u8; 640 * 480];
        assert_eq!(scanner.push_frame(&flat, 640, 480).unwrap(), None);
        let kept = scanner.buffer.as_ptr();
        assert_eq!(scanner.push_frame(&flat, 640, 480).unwrap(), None);
        assert_eq!(scanner.buffer.as_ptr(), kept, "the buffer was reallocated");
        // A wrong-sized buffer is refused before the kept one is touched.
        assert!(scanner.push_frame(&flat, 641, 480).is_err());
        assert_eq!(scanner.buffer.len(), 640 * 480);
        let debug = format!("{scanner:?}");
        assert!(debug.len() < 300, "{debug}");
        assert_eq!(scanner.frame_phase, 2);
    }

    #[test]
    fn codeless_frames_leave_the_round_where_it_was() {
        let mut scanner = Scanner::new(ScanOptions::default());
        let flat = GrayImage::from_pixel(640, 480, image::Luma([90]));
        for _ in 0..3 {
            assert_eq!(scanner.push_image(&flat).unwrap(), None);
        }
        assert_eq!((scanner.next_pass, scanner.since_finders), (1, None));
    }
}
