//! Synthetic camera frames of degraded QR codes, generated from a fixed seed.
//!
//! Shared by the integration tests (a fast subset), the criterion bench and the
//! `qr_corpus` example (the full corpus behind `docs/qr.md`). Every case is a function of
//! (degradation, strength, index) only, so the corpus is the same on every machine.
#![allow(dead_code)]

use image::GrayImage;
use tessera_qr::{EncodeOptions, QrSymbol, encode};

/// Frame size: a 1080p camera frame.
pub const FRAME_W: u32 = 1920;
/// Frame size: a 1080p camera frame.
pub const FRAME_H: u32 = 1080;

/// Stand-ins for the disclosure presets age18 / delivery / checkin / full.
pub const PAYLOAD_LENGTHS: [usize; 4] = [450, 700, 1000, 1300];

/// What is done to the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Degradation {
    /// Rotation in the image plane.
    Rotation,
    /// Keystone: the phone held at an angle to the screen.
    Perspective,
    /// Gaussian-like defocus or motion blur, scaled to the module size.
    Blur,
    /// Sensor noise.
    Noise,
    /// Dark modules and light modules close in luma (sunlight on a screen).
    LowContrast,
    /// JPEG re-compression.
    Jpeg,
    /// Moiré from photographing a pixel grid.
    Moire,
    /// Light modules on dark (a dark-mode screen).
    Inverted,
    /// Several codes in one frame; all must be found.
    Multi,
    /// A bright sunlight reflection washing out part of the code.
    Glare,
}

impl Degradation {
    /// All degradations, in report order.
    pub const ALL: [Degradation; 10] = [
        Degradation::Rotation,
        Degradation::Perspective,
        Degradation::Blur,
        Degradation::Noise,
        Degradation::LowContrast,
        Degradation::Jpeg,
        Degradation::Moire,
        Degradation::Inverted,
        Degradation::Multi,
        Degradation::Glare,
    ];

    /// Lower-case name for file names and tables.
    pub fn name(self) -> &'static str {
        match self {
            Degradation::Rotation => "rotation",
            Degradation::Perspective => "perspective",
            Degradation::Blur => "blur",
            Degradation::Noise => "noise",
            Degradation::LowContrast => "low_contrast",
            Degradation::Jpeg => "jpeg",
            Degradation::Moire => "moire",
            Degradation::Inverted => "inverted",
            Degradation::Multi => "multi",
            Degradation::Glare => "glare",
        }
    }

    /// What each strength means, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Degradation::Rotation => "5–15° / 15–30° / 30–45°",
            Degradation::Perspective => "far edge 0.88 / 0.76 / 0.62 of near edge, + ±8° tilt",
            Degradation::Blur => "σ 0.2 / 0.3 / 0.45 module",
            Degradation::Noise => "Gaussian σ 10 / 22 / 40 grey levels",
            Degradation::LowContrast => "dark−light 60 / 32 / 18 grey levels",
            Degradation::Jpeg => "quality 50 / 25 / 10",
            Degradation::Moire => "beat-grating amplitude ±15 % / ±30 % / ±50 %",
            Degradation::Inverted => "plain / +20° +noise 10 / +blur 0.35 mod + contrast 60",
            Degradation::Multi => "2 / 3 / 4 codes, all must be found",
            Degradation::Glare => "spot +80 / +140 / +220 grey levels",
        }
    }
}

/// How strong the degradation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// Target ≥ 95 %.
    Mild,
    /// Target ≥ 95 %.
    Medium,
    /// Target: at least what zxing-cpp reads.
    Hard,
}

impl Strength {
    /// All strengths.
    pub const ALL: [Strength; 3] = [Strength::Mild, Strength::Medium, Strength::Hard];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Strength::Mild => "mild",
            Strength::Medium => "medium",
            Strength::Hard => "hard",
        }
    }

    fn pick<T: Copy>(self, values: [T; 3]) -> T {
        values[self as usize]
    }
}

/// One generated frame and the texts it holds.
pub struct Case {
    /// Degradation applied.
    pub degradation: Degradation,
    /// Its strength.
    pub strength: Strength,
    /// Index within the (degradation, strength) cell.
    pub index: u32,
    /// The frame, 1920×1080 luma.
    pub image: GrayImage,
    /// Every QR text in the frame.
    pub expected: Vec<String>,
}

impl Case {
    /// Whether `found` holds exactly the expected texts (order aside).
    pub fn matches(&self, found: &[String]) -> bool {
        found.len() == self.expected.len() && self.expected.iter().all(|e| found.contains(e))
    }
}

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in [0, n).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// `TS1:` + random characters of the base45 alphabet, `len` characters in all.
pub fn payload(rng: &mut Rng, len: usize) -> String {
    const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut s = String::from("TS1:");
    while s.len() < len {
        s.push(BASE45[rng.below(45)] as char);
    }
    s
}

/// Geometry and colours of one code in the frame.
struct Placement {
    /// Corners of the symbol including quiet zone: top-left, top-right, bottom-right,
    /// bottom-left, in frame pixels.
    quad: [(f64, f64); 4],
    dark: f64,
    light: f64,
}

/// Builds case `index` of a cell. Deterministic.
pub fn case(degradation: Degradation, strength: Strength, index: u32) -> Case {
    let seed = 0x7E55_E2A0_0000_0000
        ^ ((degradation as u64) << 40)
        ^ ((strength as u64) << 32)
        ^ u64::from(index);
    let mut rng = Rng::new(seed);
    let codes = match degradation {
        Degradation::Multi => strength.pick([2, 3, 4]),
        _ => 1,
    };
    let mut frame = background(&mut rng);
    let mut expected = Vec::new();
    let mut occupied: Vec<(f64, f64, f64)> = Vec::new();
    for k in 0..codes {
        let len = PAYLOAD_LENGTHS[(index as usize + k) % PAYLOAD_LENGTHS.len()];
        let text = payload(&mut rng, len);
        let symbol = encode(&text, &EncodeOptions::default()).expect("corpus payload encodes");
        let modules = symbol.width() + 8;
        let placement = place(
            &mut rng,
            degradation,
            strength,
            codes,
            &mut occupied,
            modules,
        );
        draw(
            &mut frame,
            &symbol,
            &placement,
            degradation == Degradation::Inverted,
        );
        expected.push(text);
    }
    camera(
        frame,
        rng,
        degradation,
        strength,
        index,
        &occupied,
        expected,
    )
}

/// A phone screen photographed like a corpus frame: `screen` (its pixels as shown, the
/// code drawn on it at whole pixels) is placed so that the code's square (quiet zone
/// included, `code_box` = left, top, side in screen pixels, `modules` modules a side)
/// lands where [`case`] puts a code, with the same degradation, camera blur and noise.
/// The rest of the screen comes along (white around the code, cut off at the frame's
/// edge), inside a black bezel 3 % of the screen's width. `Multi` is not a phone screen
/// case (one screen shows one code). Deterministic; other seeds than [`case`]'s.
pub fn photograph_screen(
    screen: &GrayImage,
    code_box: (u32, u32, u32),
    modules: usize,
    text: &str,
    degradation: Degradation,
    strength: Strength,
    index: u32,
) -> Case {
    let seed = 0x5C2E_E400_0000_0000
        ^ ((degradation as u64) << 40)
        ^ ((strength as u64) << 32)
        ^ u64::from(index);
    let mut rng = Rng::new(seed);
    let mut frame = background(&mut rng);
    let mut occupied = Vec::new();
    let placement = place(&mut rng, degradation, strength, 1, &mut occupied, modules);
    let (left, top, side) = code_box;
    let (sw, sh) = (f64::from(screen.width()), f64::from(screen.height()));
    let bezel = 0.03 * sw;
    let scale = f64::from(side);
    let shade = |u: f64, v: f64| {
        // Code units (0..1 across the code's square) to screen pixels.
        let (x, y) = (f64::from(left) + u * scale, f64::from(top) + v * scale);
        if x >= 0.0 && y >= 0.0 && x < sw && y < sh {
            Some(f64::from(screen.get_pixel(x as u32, y as u32)[0]) / 255.0)
        } else if x >= -bezel && y >= -bezel && x < sw + bezel && y < sh + bezel {
            Some(0.02)
        } else {
            None
        }
    };
    draw_with(
        &mut frame,
        &placement,
        degradation == Degradation::Inverted,
        shade,
    );
    camera(
        frame,
        rng,
        degradation,
        strength,
        index,
        &occupied,
        vec![text.to_owned()],
    )
}

/// The camera's part of a frame: the degradations that act on the whole frame, camera
/// blur (σ 0.6 px, or the blur degradation's) and noise, JPEG.
fn camera(
    mut frame: GrayImage,
    mut rng: Rng,
    degradation: Degradation,
    strength: Strength,
    index: u32,
    occupied: &[(f64, f64, f64)],
    expected: Vec<String>,
) -> Case {
    // Every camera blurs a little and has some noise.
    let module_px = occupied.iter().map(|o| o.2).fold(f64::MAX, f64::min);
    let mut sigma = 0.6;
    let mut noise = 3.0;
    match degradation {
        Degradation::Blur => sigma = strength.pick([0.2, 0.3, 0.45]) * module_px,
        Degradation::Noise => noise = strength.pick([10.0, 22.0, 40.0]),
        Degradation::Inverted => match strength {
            Strength::Mild => {}
            Strength::Medium => noise = 10.0,
            Strength::Hard => sigma = 0.35 * module_px,
        },
        Degradation::Moire => moire(&mut frame, &mut rng, strength.pick([0.15, 0.3, 0.5])),
        Degradation::Glare => glare(
            &mut frame,
            &mut rng,
            occupied,
            strength.pick([80.0, 140.0, 220.0]),
        ),
        _ => {}
    }
    // `DynamicImage::fast_blur` is compiled inside `image`: fast even in debug test builds.
    frame = image::DynamicImage::ImageLuma8(frame)
        .fast_blur(sigma as f32)
        .into_luma8();
    add_noise(&mut frame, &mut rng, noise);
    if degradation == Degradation::Jpeg {
        frame = jpeg(&frame, strength.pick([50, 25, 10]));
    }
    Case {
        degradation,
        strength,
        index,
        image: frame,
        expected,
    }
}

/// A grey gradient with soft blotches: a desk or a hand behind the phone.
fn background(rng: &mut Rng) -> GrayImage {
    let base = rng.range(60.0, 150.0);
    let gx = rng.range(-40.0, 40.0) / f64::from(FRAME_W);
    let gy = rng.range(-40.0, 40.0) / f64::from(FRAME_H);
    let mut img = GrayImage::new(FRAME_W, FRAME_H);
    for (y, row) in img.as_mut().chunks_exact_mut(FRAME_W as usize).enumerate() {
        let row_base = base + gy * y as f64;
        for (x, p) in row.iter_mut().enumerate() {
            *p = (row_base + gx * x as f64) as u8;
        }
    }
    img
}

/// Chooses where a code goes and how it is seen; records (centre x, centre y, module px)
/// in `occupied` so that several codes do not overlap.
fn place(
    rng: &mut Rng,
    degradation: Degradation,
    strength: Strength,
    codes: usize,
    occupied: &mut Vec<(f64, f64, f64)>,
    modules: usize,
) -> Placement {
    let (w, h) = (f64::from(FRAME_W), f64::from(FRAME_H));
    // Symbol (with quiet zone) covers 15–60 % of the frame area, at most 0.95 of its height.
    let (side, cx, cy) = if codes == 1 {
        let fill = rng.range(0.15, 0.60);
        let side = (fill * w * h).sqrt().min(0.95 * h);
        (side, 0.0, 0.0)
    } else {
        // Side by side in a row (2, 3) or a 2×2 grid (4).
        let (cols, rows) = if codes == 4 { (2, 2) } else { (codes, 1) };
        let cell_w = w / cols as f64;
        let cell_h = h / rows as f64;
        let side = cell_w.min(cell_h) * rng.range(0.70, 0.85);
        let k = occupied.len();
        let cx = cell_w * ((k % cols) as f64 + 0.5);
        let cy = cell_h * ((k / cols) as f64 + 0.5);
        (side, cx, cy)
    };
    let mut angle = rng.range(-3.0, 3.0);
    let mut keystone = 1.0;
    match degradation {
        Degradation::Rotation => {
            let (lo, hi) = strength.pick([(5.0, 15.0), (15.0, 30.0), (30.0, 45.0)]);
            angle = rng.range(lo, hi) * if rng.below(2) == 0 { 1.0 } else { -1.0 };
        }
        Degradation::Perspective => {
            keystone = strength.pick([0.88, 0.76, 0.62]);
            angle = rng.range(-8.0, 8.0);
        }
        Degradation::Inverted if strength == Strength::Medium => angle = 20.0,
        _ => {}
    }
    // Square corners around the origin, then keystone: one edge shorter.
    let half = side / 2.0;
    let mut corners = [(-half, -half), (half, -half), (half, half), (-half, half)];
    if keystone < 1.0 {
        let edge = rng.below(4);
        let (a, b) = (edge, (edge + 1) % 4);
        // Pull the far edge towards its midpoint (shorter) and towards the centre
        // (foreshortened).
        let (mx, my) = (
            (corners[a].0 + corners[b].0) / 2.0,
            (corners[a].1 + corners[b].1) / 2.0,
        );
        for i in [a, b] {
            corners[i] = (
                mx + (corners[i].0 - mx) * keystone,
                my + (corners[i].1 - my) * keystone,
            );
        }
        for i in [a, b] {
            corners[i].0 *= 0.5 + keystone / 2.0;
            corners[i].1 *= 0.5 + keystone / 2.0;
        }
    }
    let (s, c) = angle.to_radians().sin_cos();
    let rotated = corners.map(|(x, y)| (x * c - y * s, x * s + y * c));
    let min_x = rotated.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let max_x = rotated.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let min_y = rotated.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let max_y = rotated.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    // Shrink if the rotated quad does not fit the frame (or its cell).
    let (limit_w, limit_h) = if codes == 1 {
        (w - 8.0, h - 8.0)
    } else {
        let (cols, rows) = if codes == 4 {
            (2.0, 2.0)
        } else {
            (codes as f64, 1.0)
        };
        (w / cols - 8.0, h / rows - 8.0)
    };
    let shrink = (limit_w / (max_x - min_x))
        .min(limit_h / (max_y - min_y))
        .min(1.0);
    let rotated = rotated.map(|(x, y)| (x * shrink, y * shrink));
    let (bw, bh) = ((max_x - min_x) * shrink, (max_y - min_y) * shrink);
    let (cx, cy) = if codes == 1 {
        (
            rng.range(bw / 2.0 + 4.0, w - bw / 2.0 - 4.0),
            rng.range(bh / 2.0 + 4.0, h - bh / 2.0 - 4.0),
        )
    } else {
        (cx, cy)
    };
    let quad = rotated.map(|(x, y)| (x + cx, y + cy));
    let (dark, light) = match (degradation, strength) {
        (Degradation::LowContrast, _) => {
            let range = strength.pick([60.0, 32.0, 18.0]);
            let mid = rng.range(100.0, 160.0);
            (mid - range / 2.0, mid + range / 2.0)
        }
        (Degradation::Inverted, Strength::Hard) => (95.0, 155.0),
        _ => (rng.range(15.0, 45.0), rng.range(200.0, 245.0)),
    };
    occupied.push((cx, cy, side * shrink / modules as f64));
    Placement { quad, dark, light }
}

/// Projective map from the unit square to `quad` (Heckbert), as a 3×3 matrix
/// `[a b c; d e f; g h 1]` with (x, y) = ((a u + b v + c) / w, (d u + e v + f) / w).
fn square_to_quad(q: [(f64, f64); 4]) -> [f64; 9] {
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
        1.0,
    ]
}

/// Inverse (adjugate; the scale does not matter for a homography).
fn invert(m: [f64; 9]) -> [f64; 9] {
    let [a, b, c, d, e, f, g, h, i] = m;
    [
        e * i - f * h,
        c * h - b * i,
        b * f - c * e,
        f * g - d * i,
        a * i - c * g,
        c * d - a * f,
        d * h - e * g,
        b * g - a * h,
        a * e - b * d,
    ]
}

/// Draws `symbol` (with its quiet zone) into `frame` by inverse mapping each pixel.
fn draw(frame: &mut GrayImage, symbol: &QrSymbol, p: &Placement, inverted: bool) {
    let n = symbol.width() + 8;
    let inv = invert(square_to_quad(p.quad));
    let min_x = p.quad.iter().map(|q| q.0).fold(f64::MAX, f64::min).max(0.0) as u32;
    let max_x =
        (p.quad.iter().map(|q| q.0).fold(f64::MIN, f64::max).ceil() as u32).min(FRAME_W - 1);
    let min_y = p.quad.iter().map(|q| q.1).fold(f64::MAX, f64::min).max(0.0) as u32;
    let max_y =
        (p.quad.iter().map(|q| q.1).fold(f64::MIN, f64::max).ceil() as u32).min(FRAME_H - 1);
    let (dark, light) = if inverted {
        (p.light as u8, p.dark as u8)
    } else {
        (p.dark as u8, p.light as u8)
    };
    let nf = n as f64;
    let fw = FRAME_W as usize;
    let buf: &mut [u8] = frame.as_mut();
    for y in min_y..=max_y {
        let yf = f64::from(y) + 0.5;
        let x0 = f64::from(min_x) + 0.5;
        // Numerators and denominator are linear in x: step them.
        let mut un = inv[0] * x0 + inv[1] * yf + inv[2];
        let mut vn = inv[3] * x0 + inv[4] * yf + inv[5];
        let mut wd = inv[6] * x0 + inv[7] * yf + inv[8];
        let row = &mut buf[y as usize * fw..(y as usize + 1) * fw];
        for px in &mut row[min_x as usize..=max_x as usize] {
            let u = un / wd * nf;
            let v = vn / wd * nf;
            un += inv[0];
            vn += inv[3];
            wd += inv[6];
            if u >= 0.0 && v >= 0.0 && u < nf && v < nf {
                let (mx, my) = (u as usize, v as usize);
                let is_dark = mx >= 4 && my >= 4 && symbol.is_dark(mx - 4, my - 4);
                *px = if is_dark { dark } else { light };
            }
        }
    }
}

/// Draws whatever `shade` gives (0 dark … 1 light, for a point in units of the code's
/// square, `None` to leave the frame as it is) over the whole frame, through the
/// placement's projective map and its dark and light levels.
fn draw_with(
    frame: &mut GrayImage,
    p: &Placement,
    inverted: bool,
    shade: impl Fn(f64, f64) -> Option<f64>,
) {
    let inv = invert(square_to_quad(p.quad));
    let (dark, light) = if inverted {
        (p.light, p.dark)
    } else {
        (p.dark, p.light)
    };
    let fw = FRAME_W as usize;
    let buf: &mut [u8] = frame.as_mut();
    for y in 0..FRAME_H {
        let yf = f64::from(y) + 0.5;
        let row = &mut buf[y as usize * fw..(y as usize + 1) * fw];
        for (x, px) in row.iter_mut().enumerate() {
            let xf = x as f64 + 0.5;
            let wd = inv[6] * xf + inv[7] * yf + inv[8];
            let u = (inv[0] * xf + inv[1] * yf + inv[2]) / wd;
            let v = (inv[3] * xf + inv[4] * yf + inv[5]) / wd;
            if let Some(t) = shade(u, v) {
                *px = (dark + (light - dark) * t).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Approximately Gaussian noise (sum of four uniforms), standard deviation `sigma`.
fn add_noise(frame: &mut GrayImage, rng: &mut Rng, sigma: f64) {
    // Sum of 4 uniforms on [0, 256): variance 4 × 256² / 12.
    let scale = sigma / (4.0 * 65536.0 / 12.0f64).sqrt();
    let scale_fixed = (scale * 1024.0) as i32;
    for p in frame.as_mut() {
        let r = rng.next_u64();
        let sum = (r & 0xFF) + ((r >> 8) & 0xFF) + ((r >> 16) & 0xFF) + ((r >> 24) & 0xFF);
        let n = (sum as i32 - 510) * scale_fixed / 1024;
        *p = (i32::from(*p) + n).clamp(0, 255) as u8;
    }
}

/// Two crossed gratings with close frequencies: fine ripple plus slow beat bands.
fn moire(frame: &mut GrayImage, rng: &mut Rng, amplitude: f64) {
    let f1 = rng.range(0.18, 0.30);
    let f2 = f1 * rng.range(1.03, 1.08);
    let angle = rng.range(0.0, std::f64::consts::PI);
    let (s, c) = angle.sin_cos();
    let tau = std::f64::consts::TAU;
    // cos(a + b) = cos a cos b - sin a sin b: per-column and per-row tables, so each pixel
    // costs a few multiplications (the tests run this unoptimised).
    let cols: Vec<[f32; 4]> = (0..FRAME_W)
        .map(|x| {
            let (p1, p2) = (tau * f1 * f64::from(x) * c, tau * f2 * f64::from(x) * s);
            [
                p1.cos() as f32,
                p1.sin() as f32,
                p2.cos() as f32,
                p2.sin() as f32,
            ]
        })
        .collect();
    let w = FRAME_W as usize;
    let amp = amplitude as f32;
    for (y, row) in frame.as_mut().chunks_exact_mut(w).enumerate() {
        let (r1, r2) = (tau * f1 * y as f64 * s, -tau * f2 * y as f64 * c);
        let (c1, s1, c2, s2) = (
            r1.cos() as f32,
            r1.sin() as f32,
            r2.cos() as f32,
            r2.sin() as f32,
        );
        for (p, k) in row.iter_mut().zip(&cols) {
            let g1 = k[0] * c1 - k[1] * s1;
            let g2 = k[2] * c2 - k[3] * s2;
            let m = 1.0 + amp * g1 * g2;
            *p = (f32::from(*p) * m).clamp(0.0, 255.0) as u8;
        }
    }
}

/// A bright elliptical reflection over part of the first code.
fn glare(frame: &mut GrayImage, rng: &mut Rng, occupied: &[(f64, f64, f64)], peak: f64) {
    let (cx, cy, module) = occupied[0];
    let side = module * 100.0;
    let r = side * rng.range(0.25, 0.4);
    let gx = cx + rng.range(-0.3, 0.3) * side;
    let gy = cy + rng.range(-0.3, 0.3) * side;
    let w = FRAME_W as usize;
    let (x0, x1) = (
        ((gx - 3.0 * r).max(0.0)) as usize,
        ((gx + 3.0 * r) as usize).min(w - 1),
    );
    let (y0, y1) = (
        ((gy - 3.0 * r).max(0.0)) as usize,
        ((gy + 3.0 * r) as usize).min(FRAME_H as usize - 1),
    );
    let buf: &mut [u8] = frame.as_mut();
    for y in y0..=y1 {
        let dy = (y as f64 - gy) / r;
        for x in x0..=x1 {
            let dx = (x as f64 - gx) / (1.6 * r);
            let add = peak * (-(dx * dx + dy * dy)).exp();
            let p = &mut buf[y * w + x];
            *p = (f64::from(*p) + add).min(255.0) as u8;
        }
    }
}

/// JPEG round trip at `quality`.
fn jpeg(frame: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(frame)
        .expect("jpeg encodes");
    image::load_from_memory(&bytes)
        .expect("jpeg decodes")
        .to_luma8()
}

/// Camera frames with no QR code in them: what a live scanner sees while the user aims.
/// None is flat: a decoder that gives up fast on flat grey proves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// Fabric, carpet or wood grain: value noise over four octaves plus fine grain.
    Texture,
    /// A printed page: lines of dot-matrix glyphs in several sizes on unevenly lit paper.
    Text,
    /// Smooth linear and radial gradients with soft blotches (a wall, a sleeve).
    Gradient,
    /// Low light: dim shapes a few grey levels apart, strong sensor noise.
    Dark,
    /// A desk: objects with hard edges over wood grain, a label with text.
    Desk,
}

impl Scene {
    /// Every scene, in report order.
    pub const ALL: [Scene; 5] = [
        Scene::Texture,
        Scene::Text,
        Scene::Gradient,
        Scene::Dark,
        Scene::Desk,
    ];

    /// Short name for tables and file names.
    pub fn name(self) -> &'static str {
        match self {
            Scene::Texture => "texture",
            Scene::Text => "text",
            Scene::Gradient => "gradient",
            Scene::Dark => "dark",
            Scene::Desk => "desk",
        }
    }
}

/// A codeless `width` × `height` frame of `scene`. Deterministic in `seed`.
pub fn codeless(scene: Scene, width: u32, height: u32, seed: u64) -> GrayImage {
    let mut rng = Rng::new(0xC0DE_1E55 ^ seed.wrapping_mul(0x100_0000_01B3) ^ scene as u64);
    let mut img = GrayImage::new(width, height);
    let (mut blur, mut noise) = (0.7f32, 3.0);
    match scene {
        Scene::Texture => {
            value_noise(
                &mut img,
                &mut rng,
                &[(96.0, 50.0), (40.0, 30.0), (14.0, 22.0), (5.0, 14.0)],
                1.0,
            );
            noise = 8.0;
        }
        Scene::Text => {
            illumination(&mut img, &mut rng, 195.0, 35.0);
            let blocks = 3 + rng.below(3);
            for _ in 0..blocks {
                let px = 2 + rng.below(4) as u32;
                let x0 = rng.below((width / 3) as usize) as u32;
                let y0 = rng.below((height * 2 / 3) as usize) as u32;
                let w = rng.range(0.3, 0.65) * f64::from(width);
                let lines = 3 + rng.below(8) as u32;
                text_block(&mut img, &mut rng, (x0, y0), w as u32, lines, px, 40);
            }
            blur = 0.9;
        }
        Scene::Gradient => {
            illumination(&mut img, &mut rng, 140.0, 90.0);
            for _ in 0..6 {
                blotch(&mut img, &mut rng, 40.0);
            }
        }
        Scene::Dark => {
            illumination(&mut img, &mut rng, 22.0, 12.0);
            for _ in 0..12 {
                rectangle(&mut img, &mut rng, 8.0, 40.0);
            }
            noise = 6.0;
        }
        Scene::Desk => {
            value_noise(
                &mut img,
                &mut rng,
                &[(120.0, 30.0), (30.0, 14.0), (6.0, 8.0)],
                6.0,
            );
            for _ in 0..7 {
                rectangle(&mut img, &mut rng, 30.0, 230.0);
            }
            let (x0, y0) = (
                rng.below((width / 2) as usize) as u32,
                rng.below((height / 2) as usize) as u32,
            );
            let w = width / 3;
            let lines = 6;
            fill(&mut img, (x0, y0, w + 40, lines * 40 + 40), 215);
            text_block(&mut img, &mut rng, (x0 + 20, y0 + 20), w, lines, 3, 50);
            blur = 1.2;
        }
    }
    let mut img = image::DynamicImage::ImageLuma8(img)
        .fast_blur(blur)
        .into_luma8();
    add_noise(&mut img, &mut rng, noise);
    img
}

/// Adds value noise: per octave `(cell px, amplitude)`, bilinear between random lattice
/// values, the x axis stretched by `stretch_x` (wood grain). Starts from mid-grey.
fn value_noise(img: &mut GrayImage, rng: &mut Rng, octaves: &[(f64, f64)], stretch_x: f64) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut acc = vec![120.0f32; w * h];
    for &(cell, amp) in octaves {
        let (cx, cy) = (cell * stretch_x, cell);
        let gw = (w as f64 / cx) as usize + 2;
        let gh = (h as f64 / cy) as usize + 2;
        let grid: Vec<f32> = (0..gw * gh).map(|_| rng.range(-amp, amp) as f32).collect();
        for y in 0..h {
            let fy = y as f64 / cy;
            let (iy, ty) = (fy as usize, (fy - fy.floor()) as f32);
            for x in 0..w {
                let fx = x as f64 / cx;
                let (ix, tx) = (fx as usize, (fx - fx.floor()) as f32);
                let g = |i: usize, j: usize| grid[j * gw + i];
                let top = g(ix, iy) * (1.0 - tx) + g(ix + 1, iy) * tx;
                let bottom = g(ix, iy + 1) * (1.0 - tx) + g(ix + 1, iy + 1) * tx;
                acc[y * w + x] += top * (1.0 - ty) + bottom * ty;
            }
        }
    }
    for (p, v) in img.as_mut().iter_mut().zip(acc) {
        *p = v.clamp(0.0, 255.0) as u8;
    }
}

/// Uneven lighting: `base` plus a linear gradient and a radial falloff of about `spread`.
fn illumination(img: &mut GrayImage, rng: &mut Rng, base: f64, spread: f64) {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (gx, gy) = (
        rng.range(-0.5, 0.5) * spread / w,
        rng.range(-0.5, 0.5) * spread / h,
    );
    let (cx, cy) = (rng.range(0.2, 0.8) * w, rng.range(0.2, 0.8) * h);
    let r2 = (w * w + h * h) / 4.0;
    let width = img.width() as usize;
    for (y, row) in img.as_mut().chunks_exact_mut(width).enumerate() {
        let dy = y as f64 - cy;
        for (x, p) in row.iter_mut().enumerate() {
            let dx = x as f64 - cx;
            let radial = spread * 0.5 * (1.0 - (dx * dx + dy * dy) / r2);
            let v = base + gx * x as f64 + gy * y as f64 + radial;
            *p = v.clamp(0.0, 255.0) as u8;
        }
    }
}

/// Adds a soft Gaussian blotch of up to ±`amp` grey levels.
fn blotch(img: &mut GrayImage, rng: &mut Rng, amp: f64) {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let (cx, cy) = (rng.range(0.0, w), rng.range(0.0, h));
    let r = rng.range(0.05, 0.25) * w;
    let a = rng.range(-amp, amp);
    let width = img.width() as usize;
    for (y, row) in img.as_mut().chunks_exact_mut(width).enumerate() {
        let dy = (y as f64 - cy) / r;
        if dy.abs() > 3.0 {
            continue;
        }
        for (x, p) in row.iter_mut().enumerate() {
            let dx = (x as f64 - cx) / r;
            let v = f64::from(*p) + a * (-(dx * dx + dy * dy)).exp();
            *p = v.clamp(0.0, 255.0) as u8;
        }
    }
}

/// A random axis-aligned rectangle of a grey level in `lo..hi`.
fn rectangle(img: &mut GrayImage, rng: &mut Rng, lo: f64, hi: f64) {
    let (w, h) = (img.width(), img.height());
    let rw = rng.range(0.05, 0.4) * f64::from(w);
    let rh = rng.range(0.05, 0.4) * f64::from(h);
    let x0 = rng.below(w as usize) as u32;
    let y0 = rng.below(h as usize) as u32;
    let v = rng.range(lo, hi) as u8;
    fill(img, (x0, y0, rw as u32, rh as u32), v);
}

fn fill(img: &mut GrayImage, (x0, y0, w, h): (u32, u32, u32, u32), v: u8) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in x0..(x0 + w).min(img.width()) {
            img.put_pixel(x, y, image::Luma([v]));
        }
    }
}

/// Lines of 5×7 dot-matrix glyphs (`px` pixels per dot, a 40-glyph alphabet made from the
/// generator, words of 2–9 glyphs) in ink of grey level `ink`, starting at `origin`.
fn text_block(
    img: &mut GrayImage,
    rng: &mut Rng,
    origin: (u32, u32),
    width: u32,
    lines: u32,
    px: u32,
    ink: u8,
) {
    let mut alphabet = Rng::new(0x600D_F0A7);
    // Each glyph: 7 rows of 5 bits, strokes rather than salt: a row repeats the one above
    // half the time.
    let glyphs: Vec<[u8; 7]> = (0..40)
        .map(|_| {
            let mut g = [0u8; 7];
            for r in 0..7 {
                g[r] = if r > 0 && alphabet.below(2) == 0 {
                    g[r - 1]
                } else {
                    (alphabet.next_u64() & 0x1F) as u8
                };
            }
            g
        })
        .collect();
    let (x_start, mut y) = origin;
    for _ in 0..lines {
        let mut x = x_start;
        while x + 6 * px < x_start + width {
            let word = 2 + rng.below(8);
            for _ in 0..word {
                let g = &glyphs[rng.below(glyphs.len())];
                for (r, bits) in g.iter().enumerate() {
                    for c in 0..5 {
                        if bits >> (4 - c) & 1 == 1 {
                            let (gx, gy) = (x + c * px, y + r as u32 * px);
                            fill(img, (gx, gy, px, px), ink);
                        }
                    }
                }
                x += 6 * px;
            }
            x += 4 * px;
        }
        y += 11 * px;
    }
}

/// The speed benchmark's frames, shared by the criterion bench and the `qr_corpus`
/// example that writes them for zxing-cpp: `(name, frame, expected texts)`. Codeless:
/// every scene, two seeds, at 1920×1080 and 1280×720; with a code: three 1080p corpus
/// frames that the first pass reads (rotation mild, noise medium, JPEG medium).
pub fn bench_frames() -> Vec<(String, GrayImage, Vec<String>)> {
    let mut out = Vec::new();
    for (w, h) in [(1920, 1080), (1280, 720)] {
        for scene in Scene::ALL {
            for seed in 0..2 {
                out.push((
                    format!("codeless_{h}p_{}_{seed}", scene.name()),
                    codeless(scene, w, h, seed),
                    Vec::new(),
                ));
            }
        }
    }
    for (d, s) in [
        (Degradation::Rotation, Strength::Mild),
        (Degradation::Noise, Strength::Medium),
        (Degradation::Jpeg, Strength::Medium),
    ] {
        let case = case(d, s, 0);
        out.push((
            format!("code_1080p_{}_{}", d.name(), s.name()),
            case.image,
            case.expected,
        ));
    }
    out
}
