//! How long the page's verifier spends on a disclosed portrait, against verifying the code
//! that carries it, in the same run: `cargo run --release -p tessera-web --example
//! portrait_time [ROUNDS]` prints the median of each over ROUNDS (default 301) fresh codes
//! disclosing the names and the demo QR portrait (`assets/demo/portrait.webp`). Wall time
//! on the host, not in a browser: compare the ratio, not the absolute figures.

use std::time::{Duration, Instant};
use tessera_core::AttrId::{FamilyName, GivenName, Portrait};
use tessera_core::testing::{DAY, DeterministicRng, Fixture, TEST_NOW, sample_person};
use tessera_core::{AttrValue, Purpose};
use tessera_web::{WebVerifier, portrait::portrait_png, verdict_json};

const QR_PORTRAIT: &[u8] = include_bytes!("../../../assets/demo/portrait.webp");

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ROUNDS must be a number"))
        .unwrap_or(301);
    let mut attributes = sample_person(TEST_NOW - DAY);
    attributes.set(Portrait, AttrValue::Bytes(QR_PORTRAIT.to_vec()));
    let mut fx = Fixture::with_attributes(7, attributes);
    let root = ed25519_dalek::SigningKey::generate(&mut DeterministicRng::new(99));
    let trust = fx.trust.sign(&root);
    let root_pub = tessera_core::keys::public_key_to_text(&root.verifying_key(), "test root");
    let mut web = WebVerifier::new(&root_pub, &trust, b"").unwrap();
    let codes: Vec<String> = (0..rounds)
        .map(|_| {
            let code = fx.present(
                &[FamilyName, GivenName, Portrait],
                Purpose::CheckIn,
                None,
                TEST_NOW,
            );
            tessera_core::text::encode(&code)
        })
        .collect();
    let (mut verify, mut json, mut png) = (Vec::new(), Vec::new(), Vec::new());
    for code in &codes {
        let t = Instant::now();
        let v = web.check_text(code, TEST_NOW + 1).unwrap();
        verify.push(t.elapsed());
        assert!(v.is_valid(), "{v:?}");
        let t = Instant::now();
        let j = verdict_json(Some(&v));
        json.push(t.elapsed());
        assert!(j["portrait_png"].is_string(), "{j}");
        let t = Instant::now();
        let p = portrait_png(QR_PORTRAIT).unwrap();
        png.push(t.elapsed());
        assert!(!p.is_empty());
    }
    let (verify, json, png) = (median(verify), median(json), median(png));
    println!(
        "medians over {rounds} codes (QR portrait of {} bytes)",
        QR_PORTRAIT.len()
    );
    println!("verify a code (check_text):          {verify:?}");
    println!("verdict JSON with the portrait's PNG: {json:?}");
    println!("portrait_png alone:                   {png:?}");
    println!(
        "portrait_png / verify:                {:.2}",
        png.as_secs_f64() / verify.as_secs_f64()
    );
}
