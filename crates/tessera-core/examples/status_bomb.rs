//! What a 32 KiB status-list file costs a verifier before it is refused, by who signed it:
//! `cargo run --release -p tessera-core --example status_bomb`. Prints medians of 21 runs.
//! The figures are quoted in docs/threat-model.md ("Verifier and format hardening").

use ciborium::Value;
use ed25519_dalek::SigningKey;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::io::Write;
use std::time::{Duration, Instant};
use tessera_core::trust::sign1;
use tessera_core::{StatusList, TrustList, TrustedIssuer, TrustedKey};

fn signed(key: &SigningKey, lst: Vec<u8>) -> Vec<u8> {
    let payload = Value::Map(vec![
        (Value::Integer(1.into()), Value::Text("demo".into())),
        (Value::Integer(2.into()), Value::Integer(7.into())),
        (Value::Integer(3.into()), Value::Integer(1.into())),
        (Value::Integer(4.into()), Value::Integer(100.into())),
        (Value::Integer(5.into()), Value::Integer(3600.into())),
        (Value::Integer(6.into()), Value::Bytes(lst)),
    ]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&payload, &mut bytes).expect("encode");
    sign1(key, bytes)
}

fn median(mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..21)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    t[10]
}

fn main() {
    let key = SigningKey::from_bytes(&[5; 32]);
    let stranger = SigningKey::from_bytes(&[6; 32]);
    let trust = TrustList {
        sequence: 1,
        issued_at: 0,
        next_update: 10,
        issuers: vec![TrustedIssuer {
            id: "demo".into(),
            name: "Demo".into(),
            doctypes: vec![],
            keys: vec![TrustedKey::new(key.verifying_key(), 0, 1000)],
        }],
    };
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..33 {
        z.write_all(&zeros).expect("compress");
    }
    let bomb = z.finish().expect("compress");
    let untrusted = signed(&stranger, bomb.clone());
    let trusted = signed(&key, bomb);
    let a = median(|| assert!(StatusList::from_signed(&untrusted, &trust).is_err()));
    let b = median(|| assert!(StatusList::from_signed(&trusted, &trust).is_err()));
    println!("file: {} bytes (inflates to 33 MiB)", untrusted.len());
    println!("untrusted key, refused before inflating: {a:?}");
    println!("trusted key, inflated to the 32 MiB cap:  {b:?}");
    println!("ratio: {:.0}x", b.as_secs_f64() / a.as_secs_f64());
}
