//! Encode + render per payload size (ours vs `qrcode`'s own mask selection), decode of
//! 1920×1080 corpus frames, and the live-video case: codeless 1920×1080 and 1280×720 frames
//! (texture, printed text, gradients, dark, a desk) and 1080p frames with one code, one-shot
//! and through the streaming `Scanner`. zxing-cpp's times on the same frames come from
//! `scripts/qr_speed_reference.py` (figures in `docs/qr.md`).
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-qr cargo bench -p tessera-qr --bench qr
//! CARGO_TARGET_DIR=/work/target-qr cargo bench -p tessera-qr --bench qr -- live
//! ```

#[path = "../tests/corpus/mod.rs"]
mod corpus;

use std::hint::black_box;
use std::time::Duration;

use corpus::{Degradation, Rng, Strength};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tessera_qr::{EncodeOptions, decode_image, encode};

fn encode_render(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode_render");
    for len in corpus::PAYLOAD_LENGTHS {
        let text = corpus::payload(&mut Rng::new(len as u64), len);
        let symbol = encode(&text, &EncodeOptions::default()).unwrap();
        let id = format!("{len}ch_v{}{:?}", symbol.version(), symbol.ecc());
        g.bench_with_input(BenchmarkId::new("tessera_qr", &id), &text, |b, t| {
            b.iter(|| {
                let s = encode(black_box(t), &EncodeOptions::default()).unwrap();
                black_box(s.to_image(4))
            })
        });
        g.bench_with_input(BenchmarkId::new("encode_only", &id), &text, |b, t| {
            b.iter(|| black_box(encode(black_box(t), &EncodeOptions::default()).unwrap()))
        });
        // Baseline: the same version and level through qrcode's own `apply_best_mask`.
        let version = qrcode::Version::Normal(i16::from(symbol.version()));
        let level = match symbol.ecc() {
            tessera_qr::Ecc::L => qrcode::EcLevel::L,
            tessera_qr::Ecc::M => qrcode::EcLevel::M,
            tessera_qr::Ecc::Q => qrcode::EcLevel::Q,
            tessera_qr::Ecc::H => qrcode::EcLevel::H,
        };
        g.bench_with_input(BenchmarkId::new("qrcode_0_14", &id), &text, |b, t| {
            b.iter(|| {
                let mut bits = qrcode::bits::Bits::new(version);
                bits.push_alphanumeric_data(black_box(t.as_bytes()))
                    .unwrap();
                bits.push_terminator(level).unwrap();
                black_box(qrcode::QrCode::with_bits(bits, level).unwrap())
            })
        });
    }
    g.finish();
}

fn decode_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode_1080p");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    for (d, s) in [
        (Degradation::Rotation, Strength::Mild),
        (Degradation::Perspective, Strength::Mild),
        (Degradation::Blur, Strength::Medium),
        (Degradation::Noise, Strength::Medium),
        (Degradation::Jpeg, Strength::Medium),
        (Degradation::Inverted, Strength::Mild),
        (Degradation::LowContrast, Strength::Medium),
    ] {
        let case = corpus::case(d, s, 0);
        let img = image::DynamicImage::ImageLuma8(case.image.clone());
        assert!(
            case.matches(&decode_image(&img).unwrap_or_default()),
            "{} {}",
            d.name(),
            s.name()
        );
        g.bench_function(format!("{}_{}", d.name(), s.name()), |b| {
            b.iter(|| black_box(decode_image(black_box(&img))))
        });
    }
    g.finish();
}

/// The speed benchmark's frames (`corpus::bench_frames`): one-shot `decode_image`, and a
/// `Scanner` that has seen only codeless frames (its steady state while the user aims).
fn live(c: &mut Criterion) {
    let mut g = c.benchmark_group("live");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    for (name, frame, expected) in corpus::bench_frames() {
        // Seed 0 of each scene, and the frames with a code.
        if name.ends_with("_1") {
            continue;
        }
        let img = image::DynamicImage::ImageLuma8(frame.clone());
        let found = decode_image(&img).unwrap_or_default();
        assert_eq!(found.len(), expected.len(), "{name}");
        g.bench_function(format!("decode_image/{name}"), |b| {
            b.iter(|| black_box(decode_image(black_box(&img))))
        });
        if expected.is_empty() {
            let mut scanner = tessera_qr::Scanner::default();
            g.bench_function(format!("scanner/{name}"), |b| {
                b.iter(|| black_box(scanner.push_image(black_box(&frame))))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, encode_render, decode_frames, live);
criterion_main!(benches);
