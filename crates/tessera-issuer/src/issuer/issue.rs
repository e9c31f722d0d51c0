//! Issuing one credential: validity, status-index allocation and the age flags.

use super::*;

/// Options for issuing.
#[derive(Clone, Debug)]
pub struct IssueOptions {
    /// Validity in days (default 5 years).
    pub valid_days: u64,
    /// Start of validity (default: now).
    pub not_before: Option<UnixTime>,
    /// Now (default: the system clock).
    pub now: Option<UnixTime>,
    /// Passphrase of the signing key, if sealed (used by [`issue_one`]).
    pub passphrase: Option<Passphrase>,
}

impl Default for IssueOptions {
    fn default() -> Self {
        IssueOptions {
            valid_days: 365 * 5,
            not_before: None,
            now: None,
            passphrase: None,
        }
    }
}

/// Opens `dir` and issues one credential to `holder` (see [`Issuer::issue`]).
pub fn issue_one(
    dir: &Path,
    holder: &VerifyingKey,
    attributes: &Attributes,
    opts: &IssueOptions,
) -> Result<HeldCredential, Error> {
    Issuer::open(dir, opts.passphrase.clone())?.issue(holder, attributes, opts)
}

/// Reads a public key file (`tessera-ed25519-public-key-v1`).
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, Error> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    public_key_from_text(&text).map_err(|source| Error::PublicKey {
        path: path.to_path_buf(),
        source,
    })
}

/// The credential's attributes with the issuer-computed age flags at `not_before`.
pub(crate) fn with_age_flags(mut a: Attributes, not_before: UnixTime) -> Result<Attributes, Error> {
    for id in [AttrId::AgeOver16, AttrId::AgeOver18, AttrId::AgeOver60] {
        a.0.remove(&id);
    }
    if let Some(AttrValue::Text(b)) = a.get(AttrId::BirthDate)
        && age_at(b, not_before).is_none()
    {
        return Err(Error::Invalid(format!(
            "birth_date {b} is after the start of validity"
        )));
    }
    a.compute_age_flags(not_before);
    Ok(a)
}

impl Issuer {
    /// Checks the options and returns (not_before, expires).
    pub(crate) fn validity(
        &mut self,
        valid_days: u64,
        not_before: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<(UnixTime, UnixTime), Error> {
        let nbf = not_before.unwrap_or(now);
        let secs = valid_days.saturating_mul(DAY);
        if valid_days == 0 || secs > self.state.max_validity {
            return Err(Error::BadOption(format!(
                "--valid-days must be between 1 and {} (this issuer's longest validity)",
                self.state.max_validity / DAY
            )));
        }
        let expires = nbf.saturating_add(secs);
        let rec = self.signing_record()?;
        if expires > rec.not_after {
            return Err(Error::KeyWindow {
                expires,
                not_after: rec.not_after,
            });
        }
        Ok((nbf, expires))
    }

    /// Reserves `count` status ids (the lowest free ones: single credentials) for
    /// credentials that expire at `expires`, and persists the reservation (with `pending`,
    /// for a batch) before returning.
    pub(crate) fn allocate(
        &mut self,
        count: u32,
        expires: UnixTime,
        pending: Option<Pending>,
    ) -> Result<Vec<StatusRef>, Error> {
        self.allocate_draws(&vec![Draw::Lowest; count as usize], expires, pending)
    }

    /// Issues one credential to `holder` with `attributes` (age flags are computed here, at
    /// the start of validity). The status id is assigned and persisted before signing, so
    /// it is never reused, even after a crash.
    pub fn issue(
        &mut self,
        holder: &VerifyingKey,
        attributes: &Attributes,
        opts: &IssueOptions,
    ) -> Result<HeldCredential, Error> {
        let now = opts.now.unwrap_or_else(now_unix);
        tessera_core::keys::check_holder_key(holder.as_bytes()).map_err(Error::HolderKey)?;
        let (not_before, expires) = self.validity(opts.valid_days, opts.not_before, now)?;
        let attributes = with_age_flags(attributes.clone(), not_before)?;
        self.signing_key()?;
        let status = self.allocate(1, expires, None)?[0];
        let params = IssueParams {
            holder: *holder,
            not_before,
            expires,
            status,
            attributes,
        };
        let key = self.signing_key()?;
        Ok(issue(key, &params, &mut OsRng::new())?)
    }
}
