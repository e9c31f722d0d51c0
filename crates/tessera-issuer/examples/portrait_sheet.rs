//! The side-by-side image of docs/portrait.md, and the demo citizen's QR portrait.
//!
//! Run from the repository root: `cargo run -p tessera-issuer --example portrait_sheet`
//! Writes `docs/portrait-sheet.png`: one row per test face; in each row the photo the issuer
//! gets, then the QR portrait (48x64, at most 500 bytes) as tessera-scan shows it (decoded,
//! blown up five times with Catmull-Rom), then the same bytes with every pixel a 5x5 block
//! (what is really there), then a 60x80 portrait in the same 500 bytes shown four times over.
//! Also writes `assets/demo/portrait.webp`, the QR portrait of `assets/demo/portrait.jpg`.

use image::imageops::FilterType;
use image::{Rgb, RgbImage};
use std::path::Path;
use tessera_issuer::portrait;

const ROW_PX: u32 = 320;
const GAP: u32 = 16;

fn shown(webp: &[u8], filter: FilterType) -> RgbImage {
    let img = image::load_from_memory(webp)
        .expect("decode webp")
        .to_rgb8();
    let scale = ROW_PX.div_ceil(img.height());
    image::imageops::resize(&img, img.width() * scale, img.height() * scale, filter)
}

fn main() {
    let root = Path::new(".");
    let faces = [
        "assets/demo/portrait.jpg",
        "assets/faces/astronaut.png",
        "assets/faces/synthetic.png",
    ];
    let mut rows = Vec::new();
    for face in faces {
        let photo = std::fs::read(root.join(face)).unwrap_or_else(|e| panic!("{face}: {e}"));
        let full = image::load_from_memory(&photo).expect("photo").to_rgb8();
        let w = full.width() * ROW_PX / full.height();
        let full = image::imageops::resize(&full, w, ROW_PX, FilterType::CatmullRom);
        let small = portrait::derive(&photo).expect("48x64");
        let larger = portrait::derive_sized(&photo, 60, 80).expect("60x80");
        println!(
            "{face}: 48x64 {} bytes (quality {}), 60x80 {} bytes (quality {})",
            small.webp.len(),
            small.quality,
            larger.webp.len(),
            larger.quality
        );
        if face == "assets/demo/portrait.jpg" {
            std::fs::write(root.join("assets/demo/portrait.webp"), &small.webp)
                .expect("write assets/demo/portrait.webp");
        }
        rows.push(vec![
            full,
            shown(&small.webp, FilterType::CatmullRom),
            shown(&small.webp, FilterType::Nearest),
            shown(&larger.webp, FilterType::CatmullRom),
        ]);
    }
    let width = rows
        .iter()
        .map(|r| r.iter().map(|i| i.width() + GAP).sum::<u32>() + GAP)
        .max()
        .unwrap_or(0);
    let height = rows.len() as u32 * (ROW_PX + GAP) + GAP;
    let mut sheet = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for (r, row) in rows.iter().enumerate() {
        let mut x = GAP;
        let y = GAP + r as u32 * (ROW_PX + GAP);
        for img in row {
            image::imageops::overlay(&mut sheet, img, i64::from(x), i64::from(y));
            x += img.width() + GAP;
        }
    }
    sheet
        .save(root.join("docs/portrait-sheet.png"))
        .expect("write docs/portrait-sheet.png");
    println!("wrote docs/portrait-sheet.png ({width}x{height})");
}
