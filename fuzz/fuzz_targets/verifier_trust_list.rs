//! Trust-list parsing (`TrustList::from_signed`, what `tessera-verify` and `update` read).
//!
//! The fuzzer cannot forge the root's signature, so the input is used twice: as a whole
//! signed file (must be refused or accepted without panicking) and as the payload of a
//! COSE_Sign1 that the test signs with its own root key, which reaches the payload parser.
//! Property: whatever is accepted re-signs to exactly the same bytes (strict, canonical
//! decoding means one list has one encoding) and reads back as the same list.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use tessera_core::TrustList;
use tessera_core::trust::sign1;

fuzz_target!(|data: &[u8]| {
    let root = SigningKey::from_bytes(&[7; 32]);
    let vk = root.verifying_key();
    if let Ok(list) = TrustList::from_signed(data, &vk) {
        assert_eq!(list.sign(&root), data, "accepted file is not canonical");
    }
    let signed = sign1(&root, data.to_vec());
    if let Ok(list) = TrustList::from_signed(&signed, &vk) {
        let again = list.sign(&root);
        assert_eq!(
            again, signed,
            "accepted list does not re-sign to the same bytes"
        );
        assert_eq!(TrustList::from_signed(&again, &vk).as_ref(), Ok(&list));
        // Every key id is the one derived from its key.
        for i in &list.issuers {
            for k in &i.keys {
                assert_eq!(k.kid, tessera_core::kid_for(&k.key));
            }
        }
    }
    // Another root never accepts it.
    let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
    assert!(TrustList::from_signed(&signed, &other).is_err());
});
