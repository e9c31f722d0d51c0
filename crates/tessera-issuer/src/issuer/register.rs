//! The citizen register: which status ids each citizen's credentials have, and the attributes
//! a renewal is issued from.
//!
//! Batches make a citizen's credentials unlinkable to verifiers, so only the issuer can say
//! which status ids belong to one person: revoking or suspending a citizen must mark every
//! credential of every batch. The register maps a citizen (the device key of their requests,
//! and the ID number of their person file) to the status ids of each batch, and keeps the
//! attributes last issued so that a renewal request signed by a known device key is served
//! without a new identity check. It is personal data: the file is mode 0600, written
//! atomically like the state (docs/issuer.md, "The citizen register").

use super::*;
use tessera_core::batch::BatchFile;

/// The register file (JSON, mode 0600).
pub const REGISTER_FILE: &str = "register.json";

/// One attribute value as stored: `{"text": ..}`, `{"uint": ..}`, `{"bool": ..}` or
/// `{"bytes": base64}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
enum Stored {
    Text(String),
    Uint(u64),
    Bool(bool),
    Bytes(String),
}

/// One batch (or single credential) issued to a citizen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchRecord {
    /// When it was issued.
    pub issued_at: UnixTime,
    /// End of validity of its credentials.
    pub expires: UnixTime,
    /// The status ids, `LIST-INDEX`, credential `i` at position `i`.
    pub ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Citizen {
    /// The person file's `id_number`, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_number: Option<String>,
    /// The attributes last issued (without the age flags, which are computed at issue).
    attributes: BTreeMap<String, Stored>,
    batches: Vec<BatchRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Register {
    format: u32,
    /// Citizens by device key (64 hex digits).
    citizens: BTreeMap<String, Citizen>,
}

fn store(a: &Attributes) -> BTreeMap<String, Stored> {
    a.0.iter()
        .filter(|(id, _)| {
            !matches!(
                id,
                AttrId::AgeOver16 | AttrId::AgeOver18 | AttrId::AgeOver60
            )
        })
        .map(|(id, v)| {
            let s = match v {
                AttrValue::Text(t) => Stored::Text(t.clone()),
                AttrValue::Uint(u) => Stored::Uint(*u),
                AttrValue::Bool(b) => Stored::Bool(*b),
                AttrValue::Bytes(b) => Stored::Bytes(crate::b64::encode(b)),
            };
            (id.name().to_string(), s)
        })
        .collect()
}

fn load(m: &BTreeMap<String, Stored>) -> Result<Attributes, String> {
    let mut a = Attributes::default();
    for (name, s) in m {
        let id = AttrId::from_name(name).ok_or_else(|| format!("unknown attribute {name:?}"))?;
        let v = match s {
            Stored::Text(t) => AttrValue::Text(t.clone()),
            Stored::Uint(u) => AttrValue::Uint(*u),
            Stored::Bool(b) => AttrValue::Bool(*b),
            Stored::Bytes(b) => AttrValue::Bytes(
                crate::b64::decode(b).ok_or_else(|| format!("{name}: not base64"))?,
            ),
        };
        v.check(id).map_err(|e| format!("{name}: {e}"))?;
        a.set(id, v);
    }
    Ok(a)
}

impl Default for Register {
    fn default() -> Self {
        Register {
            format: 1,
            citizens: BTreeMap::new(),
        }
    }
}

impl Register {
    pub(crate) fn read(dir: &Path) -> Result<Register, Error> {
        let path = dir.join(REGISTER_FILE);
        if path.symlink_metadata().is_err() {
            return Ok(Register::default());
        }
        let bytes = fs::read(&path).map_err(io(&path))?;
        let r: Register = serde_json::from_slice(&bytes).map_err(|e| Error::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if r.format != 1 {
            return Err(Error::BadState {
                path,
                reason: format!("unsupported format {}", r.format),
            });
        }
        Ok(r)
    }
}

/// A citizen as `--citizen` names one: a device key (64 hex digits) or an ID number.
fn matches(key: &str, c: &Citizen, who: &str) -> bool {
    key.eq_ignore_ascii_case(who) || c.id_number.as_deref() == Some(who)
}

impl Issuer {
    pub(crate) fn save_register(&self) -> Result<(), Error> {
        let path = self.dir.join(REGISTER_FILE);
        let mut json = serde_json::to_vec(&self.register).map_err(|e| Error::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, SECRET_MODE).map_err(io(&path))
    }

    /// Records in memory that `ids` were issued to the citizen with this device key and
    /// attributes (call [`Issuer::save_register`] before signing). Recording the same ids
    /// twice (a batch chunk redone after a crash) records them once.
    pub(crate) fn record(
        &mut self,
        device: &VerifyingKey,
        attributes: &Attributes,
        issued_at: UnixTime,
        expires: UnixTime,
        ids: &[StatusRef],
    ) {
        let c = self
            .register
            .citizens
            .entry(to_hex(device.as_bytes()))
            .or_default();
        if let Some(AttrValue::Text(n)) = attributes.get(AttrId::IdNumber) {
            c.id_number = Some(n.clone());
        }
        c.attributes = store(attributes);
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        if !c.batches.iter().any(|b| b.ids == ids) {
            c.batches.push(BatchRecord {
                issued_at,
                expires,
                ids,
            });
        }
    }

    /// The attributes last issued to the citizen with this device key, for a renewal; `None`
    /// if the key is not in the register.
    pub fn registered_attributes(
        &self,
        device: &VerifyingKey,
    ) -> Result<Option<Attributes>, Error> {
        let Some(c) = self.register.citizens.get(&to_hex(device.as_bytes())) else {
            return Ok(None);
        };
        load(&c.attributes)
            .map(Some)
            .map_err(|reason| Error::BadState {
                path: self.dir.join(REGISTER_FILE),
                reason,
            })
    }

    /// Every status id issued to a citizen, named by device key (64 hex digits) or by the
    /// ID number of their person file. An unknown citizen is an error.
    pub fn citizen_ids(&self, who: &str) -> Result<Vec<StatusRef>, Error> {
        let mut ids = Vec::new();
        let mut found = false;
        for (key, c) in &self.register.citizens {
            if matches(key, c, who) {
                found = true;
                for b in &c.batches {
                    for id in &b.ids {
                        ids.push(id.parse().map_err(|e: tessera_core::StatusRefError| {
                            Error::BadState {
                                path: self.dir.join(REGISTER_FILE),
                                reason: e.to_string(),
                            }
                        })?);
                    }
                }
            }
        }
        if !found {
            return Err(Error::UnknownCitizen(who.to_string()));
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Issues a batch of `count` credentials (1 to 64) to the device key of a verified
    /// request: every credential with its own derived key, fresh salts and its own status
    /// id; validity from the start of the UTC day for `valid_days` whole days, so that many
    /// citizens share each value. The ids are reserved and the citizen recorded in the
    /// register before anything is signed.
    pub fn issue_batch_for(
        &mut self,
        device: &VerifyingKey,
        count: u32,
        attributes: &Attributes,
        opts: &IssueOptions,
    ) -> Result<BatchFile, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        tessera_core::keys::check_holder_key(device.as_bytes()).map_err(Error::HolderKey)?;
        if count == 0 || count > tessera_core::batch::MAX_BATCH_COUNT {
            return Err(Error::Invalid(format!(
                "a batch holds 1 to {} credentials, not {count}",
                tessera_core::batch::MAX_BATCH_COUNT
            )));
        }
        let (not_before, expires) = self.day_validity(opts.valid_days, opts.not_before, now)?;
        let attrs = with_age_flags(attributes.clone(), not_before)?;
        self.signing_key()?;
        let ids = self.allocate_draws(&[Draw::Random(count)], expires, None)?;
        self.record(device, attributes, now, expires, &ids);
        self.save_register()?;
        let mut rng = OsRng::new();
        let seed = tessera_core::batch::BatchSeed::generate(&mut rng);
        let params = tessera_core::batch::BatchParams {
            device: *device,
            not_before,
            expires,
            statuses: &ids,
            attributes: &attrs,
        };
        let key = self.signing_key()?;
        tessera_core::batch::issue_batch(key, seed, &params, &mut rng).map_err(|e| match e {
            tessera_core::batch::BatchError::Issue(e) => Error::Issue(e),
            other => Error::Invalid(other.to_string()),
        })
    }

    /// [`Issuer::issue`], recorded in the register (before it is signed) so that `--citizen`
    /// and renewals find it: what `issue` does for a key file or a request without a batch
    /// field (an older wallet).
    pub fn issue_registered(
        &mut self,
        device: &VerifyingKey,
        attributes: &Attributes,
        opts: &IssueOptions,
    ) -> Result<HeldCredential, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        tessera_core::keys::check_holder_key(device.as_bytes()).map_err(Error::HolderKey)?;
        let (not_before, expires) = self.validity(opts.valid_days, opts.not_before, now)?;
        let attrs = with_age_flags(attributes.clone(), not_before)?;
        self.signing_key()?;
        let status = self.allocate(1, expires, None)?[0];
        self.record(device, attributes, now, expires, &[status]);
        self.save_register()?;
        let params = IssueParams {
            holder: *device,
            not_before,
            expires,
            status,
            attributes: attrs,
        };
        let key = self.signing_key()?;
        Ok(issue(key, &params, &mut OsRng::new())?)
    }

    /// Validity for batch credentials: `not_before` (default now) rounded down to 00:00 UTC,
    /// and `valid_days` whole days after it.
    pub(crate) fn day_validity(
        &mut self,
        valid_days: u64,
        not_before: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<(UnixTime, UnixTime), Error> {
        let nbf = not_before.unwrap_or(now);
        self.validity(valid_days, Some(nbf - nbf % DAY), now)
    }
}
