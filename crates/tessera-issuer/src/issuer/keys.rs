//! The issuer's signing keys and the root key: key files, rotation, retirement and revocation.

use super::*;

/// One issuer key as listed by [`Issuer::keys`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Key id.
    pub kid: [u8; 8],
    /// Public key.
    pub key: VerifyingKey,
    /// Start of the key's window.
    pub not_before: UnixTime,
    /// End of the key's window.
    pub not_after: UnixTime,
    /// When it was retired.
    pub retired_at: Option<UnixTime>,
    /// When it was revoked (left out of every trust list signed since).
    pub revoked_at: Option<UnixTime>,
    /// Whether it is the signing key.
    pub signing: bool,
    /// The latest expiry of any credential it signed.
    pub latest_expiry: UnixTime,
}

pub(crate) fn key_paths(dir: &Path, kid: &str) -> (PathBuf, PathBuf) {
    let keys = dir.join(KEYS_DIR);
    (
        keys.join(format!("{kid}.key")),
        keys.join(format!("{kid}.pub")),
    )
}

pub(crate) fn write_key_pair(
    dir: &Path,
    key: &SigningKey,
    comment: &str,
    pass: Option<&Passphrase>,
    kdf: KdfParams,
) -> Result<String, Error> {
    let kid = to_hex(&kid_for(&key.verifying_key()));
    let (sk, pk) = key_paths(dir, &kid);
    let text = seal_secret_key(key, comment, pass, kdf).map_err(|source| Error::SecretKey {
        path: sk.clone(),
        source,
    })?;
    write_atomic(&sk, text.as_bytes(), SECRET_MODE).map_err(io(&sk))?;
    let pub_text = public_key_to_text(&key.verifying_key(), comment);
    write_atomic(&pk, pub_text.as_bytes(), PUBLIC_MODE).map_err(io(&pk))?;
    Ok(kid)
}

pub(crate) fn point_links(dir: &Path, kid: &str) -> Result<(), Error> {
    for (ext, link) in [("key", ISSUER_KEY_FILE), ("pub", ISSUER_PUB_FILE)] {
        let path = dir.join(link);
        let target = Path::new(KEYS_DIR).join(format!("{kid}.{ext}"));
        fsutil::symlink_atomic(&target, &path).map_err(io(&path))?;
    }
    Ok(())
}

impl Issuer {
    pub(crate) fn read_secret(&self, path: &Path) -> Result<SigningKey, Error> {
        let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(io(path))?);
        open_secret_key(&text, self.passphrase.as_ref()).map_err(|source| Error::SecretKey {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The signing key, read (and unsealed) on first use.
    pub(crate) fn signing_key(&mut self) -> Result<&SigningKey, Error> {
        if self.signing.is_none() {
            let (sk, _) = key_paths(&self.dir, &self.state.signing_kid);
            let key = self.read_secret(&sk)?;
            if to_hex(&kid_for(&key.verifying_key())) != self.state.signing_kid {
                return Err(Error::BadState {
                    path: sk,
                    reason: "the key in this file does not match its name".into(),
                });
            }
            self.signing = Some(key);
        }
        // Set just above.
        self.signing
            .as_ref()
            .ok_or_else(|| Error::Invalid("no signing key".into()))
    }

    pub(crate) fn signing_record(&mut self) -> Result<&mut KeyRecord, Error> {
        let kid = self.state.signing_kid.clone();
        self.state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    pub(crate) fn root_key(&self) -> Result<SigningKey, Error> {
        self.read_secret(&self.dir.join(ROOT_KEY_FILE))
    }

    /// The cost new keys are sealed with: the folder's, raised to the minimum for folders made
    /// with `init --kdf-mib` under 64 before the minimum applied to key files.
    fn key_kdf(&self) -> KdfParams {
        let kdf = KdfParams {
            m_cost_kib: self.state.kdf[0],
            t_cost: self.state.kdf[1],
            p_cost: self.state.kdf[2],
        };
        if kdf.meets_minimum() {
            kdf
        } else {
            KdfParams::minimum()
        }
    }

    /// Adds a new issuer key, which becomes the signing key; the old keys stay in the trust
    /// list (re-signed here) until retired. Returns the new key id.
    pub fn add_key(&mut self, now: Option<UnixTime>) -> Result<[u8; 8], Error> {
        let now = now.unwrap_or_else(now_unix);
        // Check the current keys can be opened before changing anything.
        let sealed = {
            let (sk, _) = key_paths(&self.dir, &self.state.signing_kid);
            is_sealed(&fs::read_to_string(&sk).map_err(io(&sk))?)
        };
        if sealed && self.passphrase.is_none() {
            return Err(Error::SecretKey {
                path: self.dir.join(ISSUER_KEY_FILE),
                source: crate::SecretKeyError::NeedsPassphrase,
            });
        }
        let root = self.root_key()?;
        let key = SigningKey::generate(&mut OsRng::new());
        let comment = format!("tessera issuer key of {}", self.state.issuer_id);
        let kid = write_key_pair(
            &self.dir,
            &key,
            &comment,
            self.passphrase.as_ref(),
            self.key_kdf(),
        )?;
        self.state.keys.push(KeyRecord {
            kid: kid.clone(),
            public: to_hex(key.verifying_key().as_bytes()),
            not_before: now.saturating_sub(KEY_BACKDATE),
            not_after: now
                .saturating_add(self.state.key_lifetime)
                .saturating_add(self.state.max_validity),
            retired_at: None,
            latest_expiry: 0,
            revoked_at: None,
        });
        self.state.signing_kid = kid.clone();
        self.signing = Some(key.clone());
        self.resign_with(&root, now, None)?;
        point_links(&self.dir, &kid)?;
        Ok(kid_for(&key.verifying_key()))
    }

    /// Retires a key that is not the signing key: its window now ends when the last
    /// credential it signed expires (never later than before), so its credentials keep
    /// verifying until then. Re-signs the trust list.
    pub fn retire_key(&mut self, kid: &str, now: Option<UnixTime>) -> Result<KeyInfo, Error> {
        let now = now.unwrap_or_else(now_unix);
        let kid = kid.to_ascii_lowercase();
        if kid == self.state.signing_kid {
            return Err(Error::Invalid(format!(
                "key {kid} is the signing key: add a new key first (`tessera-issuer key add`)"
            )));
        }
        let root = self.root_key()?;
        let rec = self
            .state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| Error::UnknownKey(kid.clone()))?;
        if rec.retired_at.is_none() {
            rec.retired_at = Some(now);
            rec.not_after = rec.not_after.min(rec.latest_expiry.max(now));
        }
        self.resign_with(&root, now, None)?;
        self.keys()
            .into_iter()
            .find(|k| to_hex(&k.kid) == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    /// Revokes a key that is not the signing key, for a key that was stolen or may have
    /// been: the trust list is re-signed without it (sequence + 1), so every verifier that
    /// installs that list or a later one refuses every credential it signed, whatever their
    /// expiry. Permanent: a revoked key never returns to a trust list. Publish the new trust
    /// list at once and re-issue the key's credentials under the new signing key (see
    /// docs/issuer.md). To revoke the signing key, add a new key first.
    pub fn revoke_key(&mut self, kid: &str, now: Option<UnixTime>) -> Result<KeyInfo, Error> {
        let now = now.unwrap_or_else(now_unix);
        let kid = kid.to_ascii_lowercase();
        if kid == self.state.signing_kid {
            return Err(Error::Invalid(format!(
                "key {kid} is the signing key: add a new key first (`tessera-issuer key add`), then revoke this one"
            )));
        }
        let root = self.root_key()?;
        let rec = self
            .state
            .keys
            .iter_mut()
            .find(|k| k.kid == kid)
            .ok_or_else(|| Error::UnknownKey(kid.clone()))?;
        if rec.revoked_at.is_none() {
            rec.revoked_at = Some(now);
        }
        self.resign_with(&root, now, None)?;
        self.keys()
            .into_iter()
            .find(|k| to_hex(&k.kid) == kid)
            .ok_or(Error::UnknownKey(kid))
    }

    /// Every issuer key, oldest first.
    pub fn keys(&self) -> Vec<KeyInfo> {
        self.state
            .keys
            .iter()
            .filter_map(|k| {
                let key = VerifyingKey::from_bytes(&from_hex(&k.public)?).ok()?;
                Some(KeyInfo {
                    kid: kid_for(&key),
                    key,
                    not_before: k.not_before,
                    not_after: k.not_after,
                    retired_at: k.retired_at,
                    revoked_at: k.revoked_at,
                    signing: k.kid == self.state.signing_kid,
                    latest_expiry: k.latest_expiry,
                })
            })
            .collect()
    }
}
