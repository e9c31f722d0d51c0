//! The QR code on screen: encoded once per payload, drawn as a texture whose modules are whole
//! physical pixels, black on white with a 4-module quiet zone in both themes.

use std::time::{Duration, Instant};

use egui::{ColorImage, TextureHandle, TextureOptions, Ui, Vec2};
use tessera_qr::{EncodeOptions, QUIET_ZONE, QrSymbol};

/// A payload's QR symbol and its texture, rebuilt only when the payload or the module size
/// in pixels changes (never per frame).
pub struct QrView {
    text: String,
    symbol: QrSymbol,
    texture: Option<(u32, TextureHandle)>,
    /// How long the last encode took.
    pub encode_time: Duration,
    /// How long the last texture build and upload request took.
    pub texture_time: Duration,
    last_draw: Option<QrDraw>,
}

/// How a QR code was drawn: the module size chosen for the area it had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QrDraw {
    /// Physical pixels a module (a whole number, at least 1).
    pub module_px: u32,
    /// The area the code could take, in physical pixels (width, height).
    pub area_px: [u32; 2],
}

/// Points to whole physical pixels (rounded down; a non-finite or negative size is 0).
fn to_px(points: f32, ppp: f32) -> u32 {
    let px = (points * ppp).floor();
    if px.is_finite() && px > 0.0 {
        px.min(u32::MAX as f32) as u32
    } else {
        0
    }
}

impl std::fmt::Debug for QrView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrView")
            .field("symbol", &self.symbol)
            .finish_non_exhaustive()
    }
}

impl QrView {
    /// Encodes `text` (QR alphanumeric text, `TS1:` + base45).
    pub fn new(text: &str) -> Result<QrView, tessera_qr::QrError> {
        let start = Instant::now();
        let symbol = tessera_qr::encode(text, &EncodeOptions::default())?;
        Ok(QrView {
            text: text.to_owned(),
            symbol,
            texture: None,
            encode_time: start.elapsed(),
            texture_time: Duration::ZERO,
            last_draw: None,
        })
    }

    /// The payload text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The symbol shown.
    pub fn symbol(&self) -> &QrSymbol {
        &self.symbol
    }

    /// Side of the drawn image in modules, quiet zone included.
    pub fn modules_with_quiet_zone(&self) -> usize {
        self.symbol.width() + 2 * QUIET_ZONE
    }

    /// How the code was last drawn, if it was.
    pub fn last_draw(&self) -> Option<QrDraw> {
        self.last_draw
    }

    /// Draws the code centred in an area of `width` × `height` points, at the largest whole
    /// number of physical pixels a module that fits both ways with the quiet zone
    /// ([`tessera_qr::screen_module_px`]), one texture pixel per physical pixel, black on
    /// white. Returns the side in points.
    pub fn show(&mut self, ui: &mut Ui, width: f32, height: f32, alt: &str) -> f32 {
        let ppp = ui.ctx().pixels_per_point();
        let area_px = [to_px(width, ppp), to_px(height, ppp)];
        let module_px = self.symbol.screen_module_px(area_px[0], area_px[1]);
        self.last_draw = Some(QrDraw { module_px, area_px });
        let texture = match &self.texture {
            Some((px, tex)) if *px == module_px => tex.clone(),
            _ => {
                let start = Instant::now();
                let gray = self.symbol.to_image(module_px);
                let (w, h) = gray.dimensions();
                let image = ColorImage::from_gray([w as usize, h as usize], gray.as_raw());
                let tex = ui
                    .ctx()
                    .load_texture("tessera-qr", image, TextureOptions::NEAREST);
                self.texture_time = start.elapsed();
                self.texture = Some((module_px, tex.clone()));
                tex
            }
        };
        let side_px = texture.size()[0] as f32;
        let side = side_px / ppp;
        ui.vertical_centered(|ui| {
            // Start on a whole physical pixel so every module covers whole pixels.
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), egui::Sense::hover());
            let min = egui::pos2(
                (rect.min.x * ppp).round() / ppp,
                (rect.min.y * ppp).round() / ppp,
            );
            let rect = egui::Rect::from_min_size(min, Vec2::splat(side));
            ui.put(
                rect,
                egui::Image::new((texture.id(), Vec2::splat(side))).alt_text(alt),
            );
        });
        side
    }
}
