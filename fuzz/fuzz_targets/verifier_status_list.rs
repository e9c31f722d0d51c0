//! Status-list parsing (`StatusList::from_signed`, what `tessera-verify` and `update` read).
//!
//! As for the trust list, the input is tried as a whole signed file and as a payload that the
//! test signs with a trusted issuer key, reaching the CBOR and zlib parsing. Properties: no
//! panic; an accepted list re-signs and reads back as the same list (bytes may differ: the
//! zlib stream is re-compressed); every index below its length has a status and none past it.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use tessera_core::trust::sign1;
use tessera_core::{StatusList, TrustList, TrustedIssuer, TrustedKey};

fuzz_target!(|data: &[u8]| {
    let key = SigningKey::from_bytes(&[5; 32]);
    let trust = TrustList {
        sequence: 1,
        issued_at: 0,
        next_update: 10,
        issuers: vec![TrustedIssuer {
            id: "demo".into(),
            name: "Demo".into(),
            doctypes: vec![],
            // A window that holds every issued_at, so that inputs reach the zlib parsing.
            keys: vec![TrustedKey::new(key.verifying_key(), 0, u64::MAX)],
        }],
    };
    let _ = StatusList::from_signed(data, &trust);
    let signed = sign1(&key, data.to_vec());
    if let Ok(list) = StatusList::from_signed(&signed, &trust) {
        assert_eq!(list.issuer, "demo", "signer not bound to the issuer");
        let again = list.sign(&key);
        assert_eq!(StatusList::from_signed(&again, &trust).as_ref(), Ok(&list));
        let len = list.len();
        if len > 0 {
            let last = u32::try_from(len - 1).unwrap_or(u32::MAX);
            assert!(list.get(0).is_some() && list.get(last).is_some());
        }
        if let Ok(past) = u32::try_from(len) {
            assert!(list.get(past).is_none());
        }
    }
});
