//! `Verifier::check_text` on arbitrary text, as a keyboard-wedge scanner might type it.
//!
//! Properties: no panic; nothing is ever valid (the fuzzer cannot forge signatures); the
//! verdict always has a reason and serialises to JSON; and a rejected input never enters the
//! replay cache.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use tessera_core::{TrustList, TrustedIssuer, TrustedKey};
use tessera_verifier::{Policy, Verifier};

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[5; 32]);
    let trust = TrustList {
        sequence: 1,
        issued_at: 1_000,
        next_update: 1_000_000,
        issuers: vec![TrustedIssuer {
            id: "demo".into(),
            name: "Demo".into(),
            doctypes: vec![tessera_core::DOCTYPE_EID.into()],
            keys: vec![TrustedKey::new(key.verifying_key(), 0, u64::MAX)],
        }],
    };
    let mut v = Verifier::new(trust, Policy::default());
    let text = String::from_utf8_lossy(data);
    for verdict in [v.check_text(&text, 5_000), v.check_bytes(data, 5_000)] {
        assert!(!verdict.is_valid());
        assert!(verdict.reason().is_some());
        assert!(verdict.disclosed().is_empty());
        assert!(verdict.to_json()["verdict"] == "invalid");
    }
    assert!(v.replay_cache().is_empty());
});
