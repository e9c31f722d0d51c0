//! QR portrait sizes and check-in-with-photo QR versions for the test faces, at 48x64 and
//! 60x80: the table in docs/format.md and docs/portrait.md.
//!
//! Run from the repository root:
//! `cargo run -p tessera-issuer --example portrait_sizes -- [OUT_DIR]`
//! With OUT_DIR, writes each face's resized reference (`ref-FACE-WxH.png`) and QR portrait
//! (`qr-FACE-WxH.webp`) there, for `scripts/portrait_formats.py` (WebP against AVIF and JPEG
//! at equal bytes).

use ed25519_dalek::SigningKey;
use image::RgbImage;
use std::path::{Path, PathBuf};
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Preset};
use tessera_core::{IssueParams, PresentRequest, StatusRef, issue, present};
use tessera_issuer::{OsRng, portrait};
use tessera_qr::{Ecc, EncodeOptions};

const NOW: u64 = 1_795_651_200;

/// The faces measured: the demo portrait and the two in assets/faces.
pub fn faces(root: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("demo", root.join("assets/demo/portrait.jpg")),
        ("astronaut", root.join("assets/faces/astronaut.png")),
        ("synthetic", root.join("assets/faces/synthetic.png")),
    ]
}

/// The demo citizen without the portrait.
fn person(root: &Path) -> Attributes {
    let json =
        std::fs::read(root.join("assets/demo/person.json")).expect("assets/demo/person.json");
    let mut v: serde_json::Value = serde_json::from_slice(&json).expect("person.json");
    v.as_object_mut().map(|o| o.remove("portrait"));
    let mut a =
        tessera_issuer::parse_person_json(v.to_string().as_bytes(), root).expect("demo person");
    a.compute_age_flags(NOW);
    a
}

/// The smallest QR version that holds `text` at ECC M, as tessera-qr encodes it: the first
/// `max_version` at which it finds ECC M or higher.
pub fn version_at_m(text: &str) -> Option<u8> {
    (1..=40u8).find(|&v| {
        let opts = EncodeOptions {
            max_version: v,
            min_ecc: Ecc::M,
        };
        tessera_qr::encode(text, &opts).is_ok_and(|s| s.version() <= v && s.ecc() >= Ecc::M)
    })
}

/// Bytes, QR text length and QR version (at M) of a presentation of `items` (signed with
/// `preset`'s purpose) from a credential holding `portrait`.
fn qr_of(
    attrs: &Attributes,
    portrait: Option<&[u8]>,
    preset: Preset,
    items: &[AttrId],
) -> (usize, usize, u8) {
    let mut rng = OsRng::new();
    let issuer = SigningKey::generate(&mut rng);
    let holder = SigningKey::generate(&mut rng);
    let mut attributes = attrs.clone();
    if let Some(p) = portrait {
        attributes.set(AttrId::Portrait, AttrValue::Bytes(p.to_vec()));
    }
    let params = IssueParams {
        holder: holder.verifying_key(),
        not_before: NOW,
        expires: NOW + 5 * 365 * 86_400,
        status: StatusRef {
            list: 12,
            index: 1_234_567,
        },
        attributes,
    };
    let cred = issue(&issuer, &params, &mut rng).expect("issue");
    let bytes = present(
        &cred,
        &holder,
        &PresentRequest {
            disclose: items,
            purpose: preset.purpose(),
            counter_code: None,
            time: NOW,
        },
        &mut rng,
    )
    .expect("present");
    let text = tessera_core::text::encode(&bytes);
    let v = version_at_m(&text).unwrap_or(0);
    (bytes.len(), text.len(), v)
}

/// Peak signal-to-noise ratio over the RGB channels, in dB.
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    let n = a.as_raw().len() as f64;
    let se: f64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum();
    if se == 0.0 {
        return 99.0;
    }
    10.0 * (255.0f64.powi(2) / (se / n)).log10()
}

/// Mean SSIM of the luma (BT.601) over 7x7 windows, step 1 (the constants of Wang et al.).
pub fn ssim(a: &RgbImage, b: &RgbImage) -> f64 {
    let luma = |img: &RgbImage| -> Vec<f64> {
        img.pixels()
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect()
    };
    let (x, y) = (luma(a), luma(b));
    let (w, h) = (a.width() as usize, a.height() as usize);
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let k = 7;
    let (mut sum, mut count) = (0.0, 0.0);
    for top in 0..=h.saturating_sub(k) {
        for left in 0..=w.saturating_sub(k) {
            let idx = || (top..top + k).flat_map(move |r| (left..left + k).map(move |c| r * w + c));
            let n = (k * k) as f64;
            let mx = idx().map(|i| x[i]).sum::<f64>() / n;
            let my = idx().map(|i| y[i]).sum::<f64>() / n;
            let vx = idx().map(|i| (x[i] - mx).powi(2)).sum::<f64>() / (n - 1.0);
            let vy = idx().map(|i| (y[i] - my).powi(2)).sum::<f64>() / (n - 1.0);
            let cov = idx().map(|i| (x[i] - mx) * (y[i] - my)).sum::<f64>() / (n - 1.0);
            sum += ((2.0 * mx * my + c1) * (2.0 * cov + c2))
                / ((mx * mx + my * my + c1) * (vx + vy + c2));
            count += 1.0;
        }
    }
    sum / count
}

fn main() {
    let root = PathBuf::from(".");
    let out = std::env::args().nth(1).map(PathBuf::from);
    if let Some(o) = &out {
        std::fs::create_dir_all(o).expect("output folder");
    }
    let attrs = person(&root);
    let (b, t, v) = qr_of(&attrs, None, Preset::CheckIn, Preset::CheckIn.items());
    println!("checkin (no portrait): presentation {b} B, {t} chars, QR version {v} at M");
    let (b, t, v) = qr_of(&attrs, None, Preset::Full, Preset::Full.items());
    println!("full (no portrait): presentation {b} B, {t} chars, QR version {v} at M");
    // The legacy JPEG as the demo used to carry it, in a checkin-photo code.
    let jpeg = std::fs::read(root.join("assets/demo/portrait.jpg")).expect("demo portrait");
    let photo = Preset::CheckInPhoto;
    let (b, t, v) = qr_of(&attrs, Some(&jpeg), photo, photo.items());
    println!(
        "checkin-photo with the demo's {}-byte JPEG (legacy): presentation {b} B, {t} chars, QR version {v} at M",
        jpeg.len()
    );
    // What a version holds: base45 gives 3 characters for 2 bytes, after the 4 of "TS1:".
    for v in [25, 27, 29] {
        let fits = |n: usize| version_at_m(&"A".repeat(n)).is_some_and(|x| x <= v);
        let (mut lo, mut hi) = (1usize, 4296usize);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let n = lo;
        println!(
            "QR version {v} at M holds {n} chars: a presentation of up to {} bytes",
            (n - 4) / 3 * 2
        );
    }
    println!();
    println!(
        "| face | photo | size | budget | QR portrait | quality | PSNR | SSIM | checkin-photo | chars | QR version at M | full + portrait |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, path) in faces(&root) {
        let photo = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dims = image::load_from_memory(&photo)
            .map(|i| format!("{}x{}", i.width(), i.height()))
            .unwrap_or_default();
        for (w, h, budget) in [
            (48, 64, portrait::TARGET_LEN),
            (60, 80, portrait::TARGET_LEN),
            (48, 64, tessera_core::portrait::MAX_LEN),
            (60, 80, tessera_core::portrait::MAX_LEN),
        ] {
            let reference = portrait::prepare(&photo, w, h).expect("prepare");
            let qr = portrait::encode_capped(&reference, budget).expect("encode");
            let back = image::load_from_memory(&qr.webp)
                .expect("decode webp")
                .to_rgb8();
            let photo_preset = Preset::CheckInPhoto;
            let (pb, pt, pv) = qr_of(&attrs, Some(&qr.webp), photo_preset, photo_preset.items());
            // The full set plus the portrait: why `full` leaves it out.
            let mut full: Vec<AttrId> = Preset::Full.items().to_vec();
            full.push(AttrId::Portrait);
            full.sort();
            let (_, _, fv) = qr_of(&attrs, Some(&qr.webp), Preset::Full, &full);
            println!(
                "| {name} | {dims} | {w}x{h} | {budget} | {} B | {} | {:.1} dB | {:.3} | {pb} B | {pt} | {pv} | v{fv} |",
                qr.webp.len(),
                qr.quality,
                psnr(&reference, &back),
                ssim(&reference, &back),
            );
            if let Some(o) = &out {
                reference
                    .save(o.join(format!("ref-{name}-{w}x{h}.png")))
                    .expect("write reference");
                std::fs::write(o.join(format!("qr-{name}-{w}x{h}-{budget}.webp")), &qr.webp)
                    .expect("write webp");
            }
        }
    }
}
