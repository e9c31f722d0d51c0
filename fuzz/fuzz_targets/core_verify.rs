//! Decode + verify of hostile presentation bytes and QR text. Properties: never panics; with
//! an empty trust list nothing is ever valid; QR text that decodes re-encodes to itself
//! (upper-cased), so base45 has one encoding per byte string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::{TrustList, VerifyPolicy, text, verify, verify_text};

fuzz_target!(|data: &[u8]| {
    let trust = TrustList::empty(0);
    let policy = VerifyPolicy::at(1_795_651_200);
    assert!(verify(data, &trust, &policy).is_err());
    if let Ok(s) = std::str::from_utf8(data) {
        assert!(verify_text(s, &trust, &policy).is_err());
        if let Ok(bytes) = text::decode(s) {
            let again = text::encode(&bytes);
            let trimmed = s.trim_matches(|c: char| c == '\r' || c == '\n' || c == '\t');
            assert_eq!(again, trimmed.to_ascii_uppercase());
        }
    }
});
