//! Measures what a scan costs in the app: decoding a QR image file, verifying its text, and one
//! headless frame of the verdict screen. Figures in docs/performance.md ("Scan app").
//!
//! `cargo run -p tessera-scan --example latency` (the dev profile optimises the image, QR and
//! crypto crates; see the root Cargo.toml).

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use tessera_core::attributes::{AttrId, AttrValue, Attributes, Purpose};
use tessera_core::testing::{Fixture, TEST_NOW as NOW};
use tessera_core::text;
use tessera_qr::{Ecc, EncodeOptions};
use tessera_scan::{Action, ScanApp, ScanConfig, TrustSource};

/// CPU time of this thread (Linux `/proc/thread-self/schedstat`, first field in ns): on a
/// busy machine it says what one core needs, where wall time says how busy the machine was.
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let portrait = {
        let img = image::RgbImage::from_fn(48, 60, |x, y| {
            image::Rgb([(x * 5) as u8, (y * 4) as u8, 120])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 40)
            .encode_image(&img)
            .unwrap();
        out
    };
    let mut a = Attributes::default();
    let t = |s: &str| AttrValue::Text(s.into());
    a.set(AttrId::FamilyName, t("林"));
    a.set(AttrId::GivenName, t("美华"));
    a.set(AttrId::BirthDate, t("1990-05-17"));
    a.set(AttrId::IdNumber, t("110105199005171234"));
    a.set(AttrId::Address, t("幸福路 88 号 3 单元 501 室"));
    a.set(AttrId::Portrait, AttrValue::Bytes(portrait.clone()));
    a.compute_age_flags(NOW);
    let mut f = Fixture::with_attributes(3, a);
    let dir = tempfile::tempdir().unwrap();
    let opts = EncodeOptions {
        max_version: 40,
        min_ecc: Ecc::L,
    };
    println!("portrait JPEG: {} bytes", portrait.len());
    println!(
        "case                      chars  version  image px   decode_file wall / CPU   check_text"
    );
    let cases: [(&str, &[AttrId], u32); 4] = [
        ("age check, 4 px/module", &[AttrId::AgeOver18], 4),
        ("check-in, 4 px/module", Purpose::CheckIn.preset(), 4),
        ("check-in, 10 px/module", Purpose::CheckIn.preset(), 10),
        (
            "names + portrait, 4 px",
            &[AttrId::FamilyName, AttrId::GivenName, AttrId::Portrait],
            4,
        ),
    ];
    for (name, disclose, px) in cases {
        let mut decode = Vec::new();
        let mut decode_cpu = Vec::new();
        let mut check = Vec::new();
        let mut info = String::new();
        for i in 0..15 {
            let p = f.present(disclose, Purpose::Custom, None, NOW);
            let qr = text::encode(&p);
            let sym = tessera_qr::encode(&qr, &opts).unwrap();
            let img = sym.to_image(px);
            let path = dir.path().join(format!("{i}.png"));
            img.save(&path).unwrap();
            info = format!(
                "{:>5}  {:>7}  {:>8}",
                qr.len(),
                sym.version(),
                format!("{}²", img.width())
            );
            let (start, cpu) = (Instant::now(), thread_cpu());
            let texts = tessera_qr::decode_file(&path).unwrap();
            decode.push(start.elapsed());
            decode_cpu.push(thread_cpu().saturating_sub(cpu));
            let mut trust_source = TrustSource::new(f.trust.clone(), Vec::new(), "bench");
            let v = trust_source.verifier(None).expect("no counter code");
            let start = Instant::now();
            let verdict = v.check_text(&texts[0], NOW + 1);
            check.push(start.elapsed());
            assert!(verdict.is_valid(), "{verdict:?}");
        }
        println!(
            "{name:<25} {info}  {:>8.1} / {:>5.1} ms  {:>7.3} ms",
            median(decode).as_secs_f64() * 1e3,
            median(decode_cpu).as_secs_f64() * 1e3,
            median(check).as_secs_f64() * 1e3
        );
    }

    // Frame cost of the verdict screen with a portrait, headless (layout and tessellation,
    // no GPU).
    let p = f.present(
        &[AttrId::FamilyName, AttrId::GivenName, AttrId::Portrait],
        Purpose::Custom,
        None,
        NOW,
    );
    let path = dir.path().join("frame.png");
    tessera_qr::encode(&text::encode(&p), &opts)
        .unwrap()
        .to_image(4)
        .save(&path)
        .unwrap();
    let config = ScanConfig {
        clock: Arc::new(|| NOW + 1),
        ..ScanConfig::new(TrustSource::new(f.trust, Vec::new(), "bench"))
    };
    let mut h = Harness::builder()
        .with_size([1000.0, 720.0])
        .build_eframe(move |cc| ScanApp::new(&cc.egui_ctx, config));
    h.state_mut().push_action(Action::Scan(path));
    h.step();
    while h.state().shown().is_none() {
        std::thread::sleep(Duration::from_millis(1));
        h.step();
    }
    // schedstat advances at scheduler ticks: time 200 frames together.
    const FRAMES: u32 = 200;
    let (start, cpu) = (Instant::now(), thread_cpu());
    for _ in 0..FRAMES {
        h.step();
    }
    let (wall, cpu) = (
        start.elapsed() / FRAMES,
        thread_cpu().saturating_sub(cpu) / FRAMES,
    );
    println!(
        "verdict screen frame (headless, 1000x720): {:.2} ms wall, {:.2} ms CPU, mean of {FRAMES}",
        wall.as_secs_f64() * 1e3,
        cpu.as_secs_f64() * 1e3
    );
}
