//! Secret key files, optionally sealed under a passphrase with Argon2id and
//! XChaCha20-Poly1305.
//!
//! A plain key file is tessera-core's text format ([`tessera_core::keys`]). A sealed one is:
//!
//! ```text
//! # comment lines
//! tessera-ed25519-secret-key-sealed-v1
//! argon2id m=65536 t=3 p=1 salt=<64 hex digits>
//! xchacha20poly1305 nonce=<48 hex digits> sealed=<96 hex digits>
//! ```
//!
//! The associated data is the label line and the argon2id line (each with its `\n`), so the
//! cost parameters cannot be changed without the passphrase. Argon2id, XChaCha20-Poly1305,
//! the cost caps and the [`Passphrase`] type are tessera-seal's, shared with the wallet's
//! store: parameters are capped on read ([`KdfParams::check_cap`]: 1 GiB, 16 lanes, 16 times
//! the store's recommended work) so a planted file cannot make the signing box work for
//! hours, and nothing new is sealed under the minimum (64 MiB, 2 passes). Key files sealed
//! before that minimum (`init --kdf-mib` under 64) still open: the authority must not be
//! locked out of its own keys, and new keys of such a folder are sealed at the minimum.

use ed25519_dalek::SigningKey;
use tessera_core::KeyFileError;
use tessera_core::keys::{from_hex, secret_key_from_text, secret_key_to_text, to_hex};
use tessera_seal::{Cipher, NONCE_LEN, SALT_LEN, SealError, TAG_LEN};
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

pub use tessera_seal::{KdfParams, Passphrase};

/// Label of a sealed secret key file.
pub const SEALED_LABEL: &str = "tessera-ed25519-secret-key-sealed-v1";

/// The name of the environment variable that may hold the passphrase.
pub const PASSPHRASE_ENV: &str = "TESSERA_ISSUER_PASSPHRASE";

/// What new key files use: 64 MiB, 3 passes, 1 lane (about 0.2 s). Half the store's
/// recommended memory: the signing box opens its keys once per run, not on a phone that a
/// thief holds, and `init --kdf-mib` raises it.
pub const DEFAULT_KEY_KDF: KdfParams = KdfParams {
    m_cost_kib: 64 * 1024,
    t_cost: 3,
    p_cost: 1,
};

/// What a sealed key file is called in errors about its parameters.
const WHAT: &str = "the sealed key file";

/// Why a secret key file could not be written or read.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum SecretKeyError {
    /// The plain key file is not valid.
    #[error(transparent)]
    Format(#[from] KeyFileError),
    /// The sealed key file is not valid.
    #[error("malformed sealed key file: {0}")]
    Malformed(&'static str),
    /// The file is sealed and no passphrase was given.
    #[error("the key is sealed with a passphrase: give --passphrase-file or set {PASSPHRASE_ENV}")]
    NeedsPassphrase,
    /// Wrong passphrase, or the file was altered.
    #[error("wrong passphrase, or the sealed key file was altered")]
    Unseal,
    /// The file asks for more work than the caps allow ([`KdfParams::check_cap`]).
    #[error(
        "the sealed key file asks for argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, over the cap of m=1 GiB, p=16 and 16x the recommended work (the file may be hostile)"
    )]
    ExcessiveWork {
        /// Memory in KiB.
        m_cost_kib: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
    },
    /// Bad parameters or the OS random generator failed.
    #[error("cannot seal the key: {0}")]
    Seal(String),
}

impl From<SealError> for SecretKeyError {
    fn from(e: SealError) -> Self {
        match e {
            SealError::ExcessiveWork {
                m_cost_kib,
                t_cost,
                p_cost,
                ..
            } => SecretKeyError::ExcessiveWork {
                m_cost_kib,
                t_cost,
                p_cost,
            },
            SealError::InvalidParams { .. } => {
                SecretKeyError::Malformed("argon2id needs t >= 1, p >= 1, m >= 8*p KiB")
            }
            other => SecretKeyError::Seal(other.to_string()),
        }
    }
}

/// Writes a secret key file: plain text, or sealed when a passphrase is given.
pub fn seal_secret_key(
    key: &SigningKey,
    comment: &str,
    pass: Option<&Passphrase>,
    kdf: KdfParams,
) -> Result<Zeroizing<String>, SecretKeyError> {
    let Some(pass) = pass else {
        return Ok(secret_key_to_text(key, comment));
    };
    kdf.check_new()?;
    let salt: [u8; SALT_LEN] = tessera_seal::random()?;
    let nonce: [u8; NONCE_LEN] = tessera_seal::random()?;
    let head = format!(
        "{SEALED_LABEL}\nargon2id m={} t={} p={} salt={}\n",
        kdf.m_cost_kib,
        kdf.t_cost,
        kdf.p_cost,
        to_hex(&salt)
    );
    let wrap = tessera_seal::derive_key(pass.expose(), &salt, kdf)?;
    let mut body = Zeroizing::new(key.to_bytes());
    let tag = Cipher::new(&wrap).seal_in_place(&nonce, head.as_bytes(), &mut body[..])?;
    let mut sealed = Zeroizing::new(Vec::with_capacity(32 + TAG_LEN));
    sealed.extend_from_slice(&body[..]);
    sealed.extend_from_slice(&tag);
    let mut s = String::new();
    for line in comment.lines() {
        s.push_str("# ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(&head);
    s.push_str(&format!(
        "xchacha20poly1305 nonce={} sealed={}\n",
        to_hex(&nonce),
        to_hex(&sealed)
    ));
    Ok(Zeroizing::new(s))
}

/// Whether a key file is sealed with a passphrase.
pub fn is_sealed(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        == Some(SEALED_LABEL)
}

fn field<'a>(part: Option<&'a str>, name: &str) -> Option<&'a str> {
    part?.strip_prefix(name)?.strip_prefix('=')
}

/// Reads a secret key file, plain or sealed.
pub fn open_secret_key(
    text: &str,
    pass: Option<&Passphrase>,
) -> Result<SigningKey, SecretKeyError> {
    if !is_sealed(text) {
        return Ok(secret_key_from_text(text)?);
    }
    let bad = SecretKeyError::Malformed;
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let _label = lines.next();
    let kdf_line = lines.next().ok_or(bad("the argon2id line is missing"))?;
    let aead_line = lines
        .next()
        .ok_or(bad("the xchacha20poly1305 line is missing"))?;
    if lines.next().is_some() {
        return Err(bad("unexpected lines after the sealed key"));
    }
    let mut k = kdf_line.split(' ');
    if k.next() != Some("argon2id") {
        return Err(bad("the second line must start with argon2id"));
    }
    let num = |p: Option<&str>, n: &str| field(p, n).and_then(|v| v.parse::<u32>().ok());
    let params = KdfParams {
        m_cost_kib: num(k.next(), "m").ok_or(bad("argon2id m= is missing or not a number"))?,
        t_cost: num(k.next(), "t").ok_or(bad("argon2id t= is missing or not a number"))?,
        p_cost: num(k.next(), "p").ok_or(bad("argon2id p= is missing or not a number"))?,
    };
    let salt: [u8; SALT_LEN] = field(k.next(), "salt")
        .and_then(from_hex)
        .ok_or(bad("argon2id salt= must be 64 hex digits"))?;
    if k.next().is_some() {
        return Err(bad("unexpected fields on the argon2id line"));
    }
    params.check_cap(WHAT)?;
    let mut a = aead_line.split(' ');
    if a.next() != Some("xchacha20poly1305") {
        return Err(bad("the third line must start with xchacha20poly1305"));
    }
    let nonce: [u8; NONCE_LEN] = field(a.next(), "nonce")
        .and_then(from_hex)
        .ok_or(bad("nonce= must be 48 hex digits"))?;
    let sealed: [u8; 48] = field(a.next(), "sealed")
        .and_then(from_hex)
        .ok_or(bad("sealed= must be 96 hex digits"))?;
    if a.next().is_some() {
        return Err(bad("unexpected fields on the xchacha20poly1305 line"));
    }
    let pass = pass.ok_or(SecretKeyError::NeedsPassphrase)?;
    let head = format!("{SEALED_LABEL}\n{kdf_line}\n");
    let wrap = tessera_seal::derive_key(pass.expose(), &salt, params)?;
    let mut body = Zeroizing::new([0u8; 32]);
    body.copy_from_slice(&sealed[..32]);
    if !Cipher::new(&wrap).open_in_place(&nonce, head.as_bytes(), &mut body[..], &sealed[32..]) {
        return Err(SecretKeyError::Unseal);
    }
    let key = SigningKey::from_bytes(&body);
    body.zeroize();
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_round_trip_wrong_passphrase_tamper_and_cap() {
        let sk = SigningKey::from_bytes(&[9; 32]);
        let pass = Passphrase::new("correct horse".into());
        let kdf = KdfParams::INSECURE_FOR_TESTS;
        let text = seal_secret_key(&sk, "issuer key", Some(&pass), kdf).unwrap();
        assert!(is_sealed(&text));
        assert!(!text.contains(&to_hex(sk.as_bytes())));
        assert_eq!(
            open_secret_key(&text, Some(&pass)).unwrap().to_bytes(),
            sk.to_bytes()
        );
        assert!(matches!(
            open_secret_key(&text, None),
            Err(SecretKeyError::NeedsPassphrase)
        ));
        let wrong = Passphrase::new("wrong".into());
        assert!(matches!(
            open_secret_key(&text, Some(&wrong)),
            Err(SecretKeyError::Unseal)
        ));
        let cheaper = text.replace("m=64 t=1", "m=32 t=1");
        assert!(matches!(
            open_secret_key(&cheaper, Some(&pass)),
            Err(SecretKeyError::Unseal)
        ));
        let greedy = text.replace("m=64 t=1", "m=4194304 t=1");
        assert!(matches!(
            open_secret_key(&greedy, Some(&pass)),
            Err(SecretKeyError::ExcessiveWork { .. })
        ));
        let plain = seal_secret_key(&sk, "", None, kdf).unwrap();
        assert_eq!(
            open_secret_key(&plain, None).unwrap().to_bytes(),
            sk.to_bytes()
        );
        assert_eq!(format!("{pass:?}"), "Passphrase(<hidden>)");
    }

    /// Key files sealed by the code as it stood on 2026-11-27 (tests/fixtures): the default
    /// parameters and `init --kdf-mib 8`. Whatever moves inside, they must still open.
    #[test]
    fn key_files_sealed_before_still_open() {
        let pass = Passphrase::new("correct horse battery staple".into());
        let sk = SigningKey::from_bytes(&[7; 32]);
        for text in [
            include_str!("../tests/fixtures/sealed-key-default.txt"),
            include_str!("../tests/fixtures/sealed-key-8mib.txt"),
        ] {
            assert!(is_sealed(text));
            let opened = open_secret_key(text, Some(&pass)).unwrap();
            assert_eq!(opened.to_bytes(), sk.to_bytes());
            let wrong = Passphrase::new("correct horse battery stapler".into());
            assert!(matches!(
                open_secret_key(text, Some(&wrong)),
                Err(SecretKeyError::Unseal)
            ));
        }
    }

    /// One set of caps with the store: within the issuer's old per-field caps (1 GiB, 16
    /// passes, 8 lanes) but over the shared work cap is refused before any derivation; what
    /// the issuer program could write (3 passes, up to 1 GiB) passes the cap.
    #[test]
    fn shared_caps_on_read_and_minimum_on_seal() {
        let sk = SigningKey::from_bytes(&[9; 32]);
        let pass = Passphrase::new("correct horse".into());
        let text = seal_secret_key(&sk, "", Some(&pass), KdfParams::INSECURE_FOR_TESTS).unwrap();
        let old_cap = text.replace("m=64 t=1 p=1", "m=1048576 t=16 p=1");
        let e = open_secret_key(&old_cap, Some(&pass)).unwrap_err();
        assert!(matches!(e, SecretKeyError::ExcessiveWork { .. }), "{e:?}");
        assert!(e.to_string().contains("m=1048576 KiB t=16 p=1"), "{e}");
        let issuer_max = KdfParams {
            m_cost_kib: 1024 * 1024,
            t_cost: 3,
            p_cost: 1,
        };
        assert!(issuer_max.check_cap(WHAT).is_ok());
        let no_pass = text.replace("m=64 t=1 p=1", "m=64 t=0 p=1");
        assert!(matches!(
            open_secret_key(&no_pass, Some(&pass)),
            Err(SecretKeyError::Malformed(_))
        ));
        // `init --kdf-mib 8`: nothing new is sealed under the minimum.
        let small = KdfParams {
            m_cost_kib: 8 * 1024,
            ..DEFAULT_KEY_KDF
        };
        let e = seal_secret_key(&sk, "", Some(&pass), small).unwrap_err();
        assert!(matches!(e, SecretKeyError::Seal(_)), "{e:?}");
        assert!(e.to_string().contains("under the minimum"), "{e}");
        // A plain key file has no cost to check.
        assert!(seal_secret_key(&sk, "", None, small).is_ok());
        assert!(DEFAULT_KEY_KDF.check_new().is_ok());
    }
}
