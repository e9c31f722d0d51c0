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
//! cost parameters cannot be changed without the passphrase. Parameters are capped on read
//! ([`KdfParams::MAX`]) so a planted file cannot make the signing box work for hours.

use argon2::{Algorithm, Argon2, Block, Version};
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{Key, KeyInit, Tag, XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use std::path::Path;
use tessera_core::KeyFileError;
use tessera_core::keys::{from_hex, secret_key_from_text, secret_key_to_text, to_hex};
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

/// Label of a sealed secret key file.
pub const SEALED_LABEL: &str = "tessera-ed25519-secret-key-sealed-v1";

/// The name of the environment variable that may hold the passphrase.
pub const PASSPHRASE_ENV: &str = "TESSERA_ISSUER_PASSPHRASE";

/// A passphrase. Wiped on drop; its Debug output hides it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<hidden>)")
    }
}

impl Passphrase {
    /// Wraps a passphrase (taking ownership so no copy is left behind).
    pub fn new(text: String) -> Passphrase {
        Passphrase(Zeroizing::new(text))
    }

    /// Reads a passphrase file: its first line, without the line ending.
    pub fn from_file(path: &Path) -> std::io::Result<Passphrase> {
        let text = Zeroizing::new(std::fs::read_to_string(path)?);
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the passphrase file is empty",
            ));
        }
        Ok(Passphrase::new(line.to_string()))
    }

    /// The passphrase bytes.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// Argon2id cost parameters of a sealed key file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// What new files use: 64 MiB, 3 passes, 1 lane (about 0.2 s).
    pub const DEFAULT: KdfParams = KdfParams {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// The most a file may ask for: 1 GiB, 16 passes, 8 lanes.
    pub const MAX: KdfParams = KdfParams {
        m_cost_kib: 1024 * 1024,
        t_cost: 16,
        p_cost: 8,
    };
    /// Cheap parameters for tests only.
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

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
    /// The file asks for more work than [`KdfParams::MAX`].
    #[error(
        "the sealed key file asks for argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, over the cap of m=1 GiB t=16 p=8"
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

fn derive(
    pass: &Passphrase,
    salt: &[u8],
    p: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SecretKeyError> {
    let params = argon2::Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32))
        .map_err(|_| SecretKeyError::Malformed("argon2id needs t >= 1, p >= 1, m >= 8*p KiB"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    // The work area is ours so that it can be wiped (argon2's zeroize feature does not).
    let mut memory: Zeroizing<Vec<Block>> =
        Zeroizing::new(vec![Block::default(); params.block_count()]);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into_with_memory(pass.expose(), salt, &mut key[..], &mut memory[..])
        .map_err(|_| SecretKeyError::Malformed("argon2id refused the input"))?;
    Ok(key)
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
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut salt).map_err(|e| SecretKeyError::Seal(e.to_string()))?;
    getrandom::fill(&mut nonce).map_err(|e| SecretKeyError::Seal(e.to_string()))?;
    let head = format!(
        "{SEALED_LABEL}\nargon2id m={} t={} p={} salt={}\n",
        kdf.m_cost_kib,
        kdf.t_cost,
        kdf.p_cost,
        to_hex(&salt)
    );
    let wrap = derive(pass, &salt, kdf)?;
    let mut body = Zeroizing::new(key.to_bytes());
    let tag = XChaCha20Poly1305::new(&Key::from(*wrap))
        .encrypt_inout_detached(
            &XNonce::from(nonce),
            head.as_bytes(),
            body[..].as_mut().into(),
        )
        .map_err(|_| SecretKeyError::Seal("encryption failed".into()))?;
    let mut sealed = body.to_vec();
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
    let salt: [u8; 32] = field(k.next(), "salt")
        .and_then(from_hex)
        .ok_or(bad("argon2id salt= must be 64 hex digits"))?;
    if k.next().is_some() {
        return Err(bad("unexpected fields on the argon2id line"));
    }
    if params.m_cost_kib > KdfParams::MAX.m_cost_kib
        || params.t_cost > KdfParams::MAX.t_cost
        || params.p_cost > KdfParams::MAX.p_cost
    {
        return Err(SecretKeyError::ExcessiveWork {
            m_cost_kib: params.m_cost_kib,
            t_cost: params.t_cost,
            p_cost: params.p_cost,
        });
    }
    let mut a = aead_line.split(' ');
    if a.next() != Some("xchacha20poly1305") {
        return Err(bad("the third line must start with xchacha20poly1305"));
    }
    let nonce: [u8; 24] = field(a.next(), "nonce")
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
    let wrap = derive(pass, &salt, params)?;
    let mut body = Zeroizing::new([0u8; 32]);
    body.copy_from_slice(&sealed[..32]);
    let tag = Tag::try_from(&sealed[32..]).map_err(|_| bad("tag"))?;
    XChaCha20Poly1305::new(&Key::from(*wrap))
        .decrypt_inout_detached(
            &XNonce::from(nonce),
            head.as_bytes(),
            body[..].as_mut().into(),
            &tag,
        )
        .map_err(|_| SecretKeyError::Unseal)?;
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
}
