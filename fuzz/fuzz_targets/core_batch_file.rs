//! Batch files (`TB1`): reading never panics; whatever is accepted re-encodes to the same
//! bytes (the canonical-form rule) and reads back to the same batch; and checking a batch
//! against any device key, valid or not, never panics and agrees with the keys derived one
//! by one.
#![no_main]

use ed25519_dalek::{SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;
use tessera_core::batch::{self, BatchFile};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = BatchFile::from_slice(data) else {
        return;
    };
    let bytes = file.to_vec();
    assert_eq!(bytes, data, "batch file does not re-encode to its bytes");
    assert_eq!(BatchFile::from_slice(&bytes).ok(), Some(file.clone()));

    // The device key: the batch's last 32 bytes read as a public key (any point the decoder
    // takes, small-order ones included), and the same bytes as a secret key's seed.
    let tail: [u8; 32] = data[data.len() - 32..].try_into().unwrap();
    let mut devices = vec![SigningKey::from_bytes(&tail).verifying_key()];
    devices.extend(VerifyingKey::from_bytes(&tail).ok());
    for device in &devices {
        let checked = file.check_for(device);
        let bound = file.credentials.iter().enumerate().all(|(i, cred)| {
            cred.claims().holder == batch::derive_holder_key(device, &file.seed, i as u32)
        });
        assert_eq!(checked.is_ok(), bound, "check_for disagrees with derive_holder_key");
    }
});
