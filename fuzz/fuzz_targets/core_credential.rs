//! Credential files: parsing never panics, and whatever parses re-encodes to the same bytes
//! (the canonical-form rule), so no two byte strings mean the same credential.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::HeldCredential;

fuzz_target!(|data: &[u8]| {
    if let Ok(cred) = HeldCredential::from_slice(data) {
        assert_eq!(cred.to_vec(), data);
        let _ = cred.attributes();
        let _ = cred.root();
    }
});
