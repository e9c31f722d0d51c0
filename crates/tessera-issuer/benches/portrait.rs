//! The QR portrait's cost in issuance: deriving it from the registry's photo (decode, crop,
//! resize, WebP quality search) once per citizen record, against signing the record's batch.
//!
//! Run: `cargo bench -p tessera-issuer --bench portrait` (`TESSERA_BENCH_ROUNDS` sets the
//! rounds, default 15; `TESSERA_BENCH_BATCH` the batch size, default 16).
//!
//! Times are medians of per-thread CPU time (from /proc/thread-self/schedstat): the machine
//! is shared, and CPU time is what one core delivers. Rates are credentials per second per
//! core: one record gives one batch, whose credentials share one QR portrait.

use ed25519_dalek::SigningKey;
use std::path::Path;
use std::time::Instant;
use tessera_core::attributes::{AttrId, AttrValue, Attributes};
use tessera_core::batch::{BatchFile, BatchParams, BatchSeed, issue_batch};
use tessera_core::{StatusRef, issue};
use tessera_issuer::OsRng;

/// 2026-11-26T00:00:00Z.
const TEST_NOW: u64 = 1_795_651_200;

/// The demo citizen, as the registry exports it, without the portrait.
fn sample_person() -> Attributes {
    let json = include_bytes!("../../../assets/demo/person.json");
    let mut v: serde_json::Value = serde_json::from_slice(json).expect("demo person.json");
    v.as_object_mut().map(|o| o.remove("portrait"));
    let mut a = tessera_issuer::parse_person_json(v.to_string().as_bytes(), Path::new("."))
        .expect("demo person");
    a.compute_age_flags(TEST_NOW);
    a
}

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Median per-thread CPU time of `f`, in seconds, over `rounds` runs (wall time if the kernel
/// gives no schedstat).
fn median(rounds: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..rounds)
        .map(|_| {
            let (c0, w0) = (cpu_ns(), Instant::now());
            f();
            let c = cpu_ns() - c0;
            if c == 0 {
                w0.elapsed().as_secs_f64()
            } else {
                c as f64 / 1e9
            }
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Issues one batch of `statuses.len()` credentials of `attributes` to a fresh device key.
fn sign_batch(
    issuer: &SigningKey,
    statuses: &[StatusRef],
    attributes: &Attributes,
    rng: &mut OsRng,
) -> BatchFile {
    let params = BatchParams {
        device: SigningKey::generate(rng).verifying_key(),
        not_before: TEST_NOW,
        expires: TEST_NOW + 86_400 * 365,
        statuses,
        attributes,
    };
    issue_batch(issuer, BatchSeed::generate(rng), &params, rng).expect("batch")
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env("TESSERA_BENCH_ROUNDS", 15).max(1);
    let batch = env("TESSERA_BENCH_BATCH", 16).clamp(1, 64);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    let photos = [
        ("demo (96x120 JPEG)", root.join("demo/portrait.jpg")),
        ("astronaut (PNG)", root.join("faces/astronaut.png")),
        ("synthetic (PNG)", root.join("faces/synthetic.png")),
    ];
    let mut rng = OsRng::new();
    let issuer = SigningKey::generate(&mut rng);
    let device = SigningKey::generate(&mut rng).verifying_key();
    let statuses: Vec<StatusRef> = (0..batch as u32)
        .map(|index| StatusRef { list: 0, index })
        .collect();
    let plain = sample_person();
    // Signing alone: one credential, and a batch, without a portrait.
    let one = median(rounds * 20, || {
        let params = tessera_core::IssueParams {
            holder: device,
            not_before: TEST_NOW,
            expires: TEST_NOW + 86_400 * 365,
            status: statuses[0],
            attributes: plain.clone(),
        };
        issue(&issuer, &params, &mut rng).expect("issue");
    });
    let bare = median(rounds, || {
        sign_batch(&issuer, &statuses, &plain, &mut rng);
    });
    println!("rounds {rounds}, batch size {batch}; per-thread CPU medians");
    println!(
        "issue one credential, no portrait: {:.1} us ({:.0} credentials/s/core)",
        one * 1e6,
        1.0 / one
    );
    println!(
        "batch of {batch}, no portrait: {:.2} ms ({:.0} credentials/s/core)",
        bare * 1e3,
        batch as f64 / bare
    );
    for (name, path) in photos {
        let Ok(photo) = std::fs::read(&path) else {
            println!("{name}: {} not found, skipped", path.display());
            continue;
        };
        let derive = median(rounds, || {
            tessera_issuer::portrait::derive(&photo).expect("derive");
        });
        let qr = tessera_issuer::portrait::derive(&photo).expect("derive");
        // Where the time goes: decoding, cropping and resizing; one encoding per setting.
        let small = tessera_issuer::portrait::prepare(&photo, 48, 64).expect("prepare");
        let prepare = median(rounds, || {
            tessera_issuer::portrait::prepare(&photo, 48, 64).expect("prepare");
        });
        let mut encodings = Vec::new();
        for (method, sharp) in [(6, true), (6, false), (4, true), (4, false), (2, false)] {
            let t = median(rounds, || {
                tessera_issuer::portrait::encode_webp_with(&small, qr.quality, method, sharp);
            });
            let n =
                tessera_issuer::portrait::encode_webp_with(&small, qr.quality, method, sharp).len();
            encodings.push(format!(
                "method {method}{}: {:.2} ms, {n} B",
                if sharp { " sharp" } else { "" },
                t * 1e3
            ));
        }
        println!(
            "{name}: decode+crop+resize {:.2} ms; one encoding at quality {}: {}",
            prepare * 1e3,
            qr.quality,
            encodings.join("; ")
        );
        let mut with = plain.clone();
        with.set(AttrId::Portrait, AttrValue::Bytes(qr.webp.clone()));
        let signed = median(rounds, || {
            sign_batch(&issuer, &statuses, &with, &mut rng);
        });
        let total = derive + signed;
        // A registry that stored the QR portrait: derive() checks and decodes it, no more.
        let stored = median(rounds, || {
            tessera_issuer::portrait::derive(&qr.webp).expect("stored");
        });
        let total_stored = stored + signed;
        println!(
            "{name}: {} bytes, {}x{} at quality {}; derive {:.2} ms, batch with portrait {:.2} ms; \
             record (derive + batch) {:.2} ms = {:.0} credentials/s/core ({:.0}% of the rate without)",
            photo.len(),
            qr.width,
            qr.height,
            qr.quality,
            derive * 1e3,
            signed * 1e3,
            total * 1e3,
            batch as f64 / total,
            100.0 * bare / total
        );
        println!(
            "{name}, QR portrait stored: check {:.3} ms; record {:.2} ms = {:.0} credentials/s/core ({:.0}% of the rate without)",
            stored * 1e3,
            total_stored * 1e3,
            batch as f64 / total_stored,
            100.0 * bare / total_stored
        );
    }
}
