//! The trust list and status lists signed and written for verifiers.

use super::*;

/// Options for [`Issuer::publish`].
#[derive(Clone, Debug, Default)]
pub struct PublishOptions {
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Status-list time-to-live in seconds (default: the folder's setting).
    pub status_ttl: Option<u64>,
    /// Trust-list validity in seconds (default: the folder's setting).
    pub trust_ttl: Option<u64>,
}

/// One file written by [`Issuer::publish`].
#[derive(Clone, Debug, Serialize)]
pub struct PublishedFile {
    /// Path relative to the publish folder.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// What [`Issuer::publish`] wrote.
#[derive(Clone, Debug)]
pub struct PublishReport {
    /// The trust list's sequence number.
    pub sequence: u64,
    /// The trust list, then the status lists in order.
    pub files: Vec<PublishedFile>,
}

pub(crate) fn write_published(
    out: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<PublishedFile, Error> {
    let path = out.join(name);
    write_atomic(&path, bytes, PUBLIC_MODE).map_err(io(&path))?;
    Ok(PublishedFile {
        file: name.to_string(),
        bytes: bytes.len() as u64,
        sha256: to_hex(&Sha256::digest(bytes)),
    })
}

impl Issuer {
    /// The trust list as it would be signed now (sequence not yet increased).
    pub fn trust_list(&self, now: UnixTime) -> Result<TrustList, Error> {
        let mut keys = Vec::new();
        for k in &self.state.keys {
            if k.not_after <= now || k.revoked_at.is_some() {
                continue;
            }
            let bytes: [u8; 32] = from_hex(&k.public).ok_or_else(|| Error::BadState {
                path: self.dir.join(STATE_FILE),
                reason: format!("key {}: bad public key", k.kid),
            })?;
            let key = VerifyingKey::from_bytes(&bytes).map_err(|_| Error::BadState {
                path: self.dir.join(STATE_FILE),
                reason: format!("key {}: not an ed25519 point", k.kid),
            })?;
            keys.push(TrustedKey::new(key, k.not_before, k.not_after));
        }
        Ok(TrustList {
            sequence: self.state.trust_sequence,
            issued_at: now,
            next_update: now.saturating_add(self.state.trust_ttl),
            issuers: vec![TrustedIssuer {
                id: self.state.issuer_id.clone(),
                name: self.state.name.clone(),
                doctypes: self.state.doctypes.clone(),
                keys,
            }],
        })
    }

    /// Signs a new trust list (sequence + 1) into the issuer folder; returns its bytes.
    pub(crate) fn resign_trust_list(
        &mut self,
        now: UnixTime,
        ttl: Option<u64>,
    ) -> Result<Vec<u8>, Error> {
        let root = self.root_key()?;
        self.resign_with(&root, now, ttl)
    }

    pub(crate) fn resign_trust_list_with(
        &mut self,
        root: &SigningKey,
        now: UnixTime,
    ) -> Result<PathBuf, Error> {
        self.resign_with(root, now, None)?;
        Ok(self.dir.join(TRUST_LIST_FILE))
    }

    pub(crate) fn resign_with(
        &mut self,
        root: &SigningKey,
        now: UnixTime,
        ttl: Option<u64>,
    ) -> Result<Vec<u8>, Error> {
        self.state.trust_sequence += 1;
        self.save_state()?;
        let mut list = self.trust_list(now)?;
        if let Some(ttl) = ttl {
            list.next_update = now.saturating_add(ttl);
        }
        let bytes = list.sign(root);
        let path = self.dir.join(TRUST_LIST_FILE);
        write_atomic(&path, &bytes, PUBLIC_MODE).map_err(io(&path))?;
        Ok(bytes)
    }

    /// Writes the signed trust list (with a higher sequence number) and every status list
    /// into `out`, ready for a static file server: `trust-list.cbor`, `status/LIST.cbor`
    /// and `index.json`. Files are replaced atomically.
    pub fn publish(&mut self, out: &Path, opts: &PublishOptions) -> Result<PublishReport, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        let ttl = opts.status_ttl.unwrap_or(self.state.status_ttl);
        fsutil::create_dir(&out.join("status"), 0o755).map_err(io(out))?;
        let trust = self.resign_trust_list(now, opts.trust_ttl)?;
        let mut files = vec![write_published(out, "trust-list.cbor", &trust)?];
        // Every list up to the current one: the current list has ids in use (a list is only
        // begun by an allocation that takes an id from it).
        let last = self.state.next_list;
        let key = self.signing_key()?.clone();
        let issued_at = now.max(self.state.last_status_issued_at.saturating_add(1));
        self.state.last_status_issued_at = issued_at;
        self.save_state()?;
        for list in 0..=last {
            let bytes = self.status_list(list, issued_at, ttl)?.sign(&key);
            files.push(write_published(
                out,
                &format!("status/{list}.cbor"),
                &bytes,
            )?);
        }
        let index = serde_json::json!({
            "issuer": self.state.issuer_id,
            "issued_at": now,
            "trust_list_sequence": self.state.trust_sequence,
            "status_bits": self.state.status_bits,
            "status_list_size": self.state.list_size,
            "status_ttl": ttl,
            "files": files,
        });
        let mut json = serde_json::to_vec_pretty(&index).unwrap_or_default();
        json.push(b'\n');
        let ip = out.join("index.json");
        write_atomic(&ip, &json, PUBLIC_MODE).map_err(io(&ip))?;
        Ok(PublishReport {
            sequence: self.state.trust_sequence,
            files,
        })
    }
}
