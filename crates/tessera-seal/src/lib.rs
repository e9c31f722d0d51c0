//! Sealing under a PIN or a passphrase, for the wallet's store and the issuer's key files.
//!
//! One home for the rules both use:
//!
//! - [`KdfParams`]: Argon2id costs stored with the data they protect, with one set of caps
//!   checked on read ([`KdfParams::check_cap`], [`KdfParams::check_limits`]) so that a
//!   planted file cannot make a phone or a signing box work for hours or exhaust its memory,
//!   and one minimum ([`KdfParams::minimum`]) under which nothing new is sealed.
//! - [`derive_key`]: Argon2id with a work area of our own, wiped before it is freed.
//! - [`Cipher`]: XChaCha20-Poly1305 with associated data, attached (`nonce ‖ ciphertext ‖
//!   tag`) or detached (the caller's own layout), and [`random`] bytes from the OS.
//! - [`Secret`] (a PIN or a passphrase, with the wallet's rules) and [`Passphrase`] (any
//!   text, for the issuer's key files): wiped on drop, never printed.
//!
//! # The caps
//!
//! The store and the issuer had one copy each, with different caps: the store allowed 1 GiB,
//! 16 lanes and 16 times its recommended work (128 MiB × 4 passes), with a minimum of 64 MiB
//! and 64 MiB × 2 passes of work; the issuer allowed 1 GiB, 16 passes and 8 lanes, with no
//! minimum. The store's set is kept for both: a cap on total work (memory × passes) is what
//! bounds the time a hostile file can cost, which a cap on each field does not (1 GiB × 16
//! passes is twice the store's bound), and the lane count does not change the work. Every
//! key file the issuer program could write within its old caps still opens (it always uses 3
//! passes; `--kdf-mib` up to 1024 gives at most 3 GiB × passes of work). The minimum applies
//! to everything sealed from now on; on read, the store refuses files under it (a store or
//! backup under it was made by a test build or a tool that meant to weaken it), while the
//! issuer still opens older key files sealed with `--kdf-mib` under 64, so that an authority
//! is not locked out of its own keys (see docs/threat-model.md).
//!
//! ```
//! use tessera_seal::{Cipher, KdfParams, derive_key};
//! let params = KdfParams::insecure_for_tests(); // tests only: the `insecure-test-kdf` feature
//! let key = derive_key(b"correct horse", &[7; 32], params).unwrap();
//! let cipher = Cipher::new(&key);
//! let sealed = cipher.seal(b"slot 1", b"hello").unwrap();
//! assert_eq!(&cipher.open(b"slot 1", &sealed).unwrap()[..], b"hello");
//! assert!(cipher.open(b"slot 2", &sealed).is_none()); // bound to its associated data
//! let greedy = KdfParams { m_cost_kib: 4 << 20, ..KdfParams::minimum() };
//! assert!(greedy.check_cap("key file").is_err());
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod aead;
mod error;
mod kdf;
mod secret;

pub use crate::aead::{Cipher, KEY_LEN, NONCE_LEN, TAG_LEN, random};
pub use crate::error::{SealError, SecretError};
pub use crate::kdf::{
    KdfParams, MAX_M_COST_KIB, MAX_P_COST, MAX_WORK_KIB_PASSES, MIN_M_COST_KIB,
    MIN_WORK_KIB_PASSES, SALT_LEN, derive_key,
};
pub use crate::secret::{
    MAX_PASSPHRASE_BYTES, MAX_PIN_DIGITS, MIN_PASSPHRASE_CHARS, MIN_PIN_DIGITS, Passphrase, Secret,
};
