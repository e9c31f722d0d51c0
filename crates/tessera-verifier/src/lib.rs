//! Verifier policy: trust lists, status lists, replay cache, clock policy and verdicts, and
//! the `tessera-verify` kiosk program ([`cli`]).
//!
//! [`tessera_core::verify`] checks what the bytes themselves prove (structure, issuer and
//! holder signatures, validity windows, freshness, counter code). A [`Verifier`] adds what
//! depends on the verifier's own state and clock:
//!
//! - its clock must not be earlier than its trust data ([`Reason::ClockWrong`]);
//! - the credential's status list entry ([`Reason::Revoked`], [`Reason::Suspended`]);
//! - trust and status data age, warned about or refused per [`StalePolicy`]
//!   ([`Reason::TrustDataStale`]);
//! - each accepted presentation is remembered until it expires ([`Reason::Replayed`]).
//!
//! ```
//! use tessera_core::{Reason, TrustList};
//! use tessera_verifier::{Policy, Verifier};
//! let mut trust = TrustList::empty(1_800_000_000);
//! trust.next_update = 1_800_086_400;
//! let mut v = Verifier::new(trust, Policy::default());
//! let verdict = v.check_text("TS1:NOT-A-CODE", 1_800_000_100);
//! assert!(!verdict.is_valid());
//! assert_eq!(verdict.reason(), Some(Reason::Malformed));
//! // A clock earlier than the trust list's issue time cannot judge time.
//! assert_eq!(v.check_text("TS1:NOT-A-CODE", 1_700_000_000).reason(), Some(Reason::ClockWrong));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
pub mod replay;
pub mod store;
mod verdict;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tessera_core::{
    Reason, Status, StatusList, TrustList, TrustListError, UnixTime, VerifiedPresentation,
    VerifyPolicy,
};

pub use replay::ReplayCache;
pub use store::DataDir;
pub use tessera_core::{AttrId, AttrValue, Purpose};
pub use verdict::{Verdict, base64, format_age};

/// What to do when trust or status data is older than allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StalePolicy {
    /// Accept, with a warning in the verdict.
    #[default]
    Warn,
    /// Refuse with [`Reason::TrustDataStale`].
    Fail,
}

/// A verifier's policy. [`Policy::default`] is 60 s lifetime, 30 s skew, no counter code,
/// warn on stale data, trust list at most 30 days old, status lists within their ttl, and a
/// replay cache of 100,000 entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// How long a presentation is accepted after it was made, in seconds.
    pub lifetime: u64,
    /// Allowed clock difference, in seconds, between wallet and verifier, and between the
    /// verifier and the publisher of its trust data.
    pub skew: u64,
    /// The code this counter shows, if it uses one.
    pub counter_code: Option<String>,
    /// What to do with stale trust or status data (or none for a credential's status list).
    pub stale: StalePolicy,
    /// Oldest acceptable trust list, in seconds since its issue (also stale after its own
    /// `next_update`).
    pub max_trust_age: u64,
    /// Oldest acceptable status list, in seconds since its issue; `None`: its own ttl only.
    pub max_status_age: Option<u64>,
    /// Entries the replay cache holds (see [`replay`] for what happens when it is full).
    pub replay_capacity: usize,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            lifetime: 60,
            skew: 30,
            counter_code: None,
            stale: StalePolicy::Warn,
            max_trust_age: 30 * 86_400,
            max_status_age: None,
            replay_capacity: replay::DEFAULT_CAPACITY,
        }
    }
}

/// An error and its causes on one line, `error: cause: cause`, as anyhow's `{:#}` prints them.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        next = cause.source();
    }
    s
}

/// Why a verifier could not be set up or its data read (caller and file problems; bad
/// presentations are verdicts, not errors).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
///
/// A message never repeats its cause: the cause is the [`source`](std::error::Error::source),
/// so `{:#}` (anyhow) or [`error_chain`] prints each part once.
pub enum VerifierError {
    /// A file or folder could not be read or written.
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The root key file is not a Tessera public key file.
    #[error("{}: not a usable root public key", path.display())]
    RootKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: tessera_core::KeyFileError,
    },
    /// The trust list was refused.
    #[error("{}: trust list refused", path.display())]
    TrustList {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: TrustListError,
    },
    /// A status list was refused.
    #[error("{}: status list refused", path.display())]
    StatusList {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: tessera_core::StatusListError,
    },
    /// Not a regular file (a folder, a FIFO, a device or a link to one): never read.
    #[error("{}: not a regular file", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// Larger than any file of its kind may be.
    #[error("{}: {len} bytes; at most {limit} are accepted", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or the bytes read before giving up).
        len: u64,
        /// The limit for this kind of file.
        limit: usize,
    },
    /// No trust list is installed and the update source has none.
    #[error("{}: no trust list installed; update from a folder that has trust-list.cbor", path.display())]
    NoTrustList {
        /// Where it was expected.
        path: PathBuf,
    },
    /// No trust list is installed and the one in the update source was refused.
    #[error("{}: trust list refused ({reason}); no trust list installed", path.display())]
    TrustListRefused {
        /// The refused file in the update source.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// The update source has neither a trust list nor status lists.
    #[error("{}: no trust-list.cbor and no status/*.cbor to update from", path.display())]
    NothingToUpdate {
        /// The source folder.
        path: PathBuf,
    },
    /// The root key given is not the one installed in the data directory.
    #[error("{}: holds a different root key; an update never changes the trust anchor (replace the file by hand)", path.display())]
    RootMismatch {
        /// The installed root key file.
        path: PathBuf,
    },
}

/// A verifier: a trust list, status lists, a replay cache and a policy.
#[derive(Debug)]
pub struct Verifier {
    trust: TrustList,
    status: HashMap<(String, u32), StatusList>,
    policy: Policy,
    core_policy: VerifyPolicy,
    replay: ReplayCache,
}

impl Verifier {
    /// A verifier with an in-memory replay cache and no status lists yet.
    pub fn new(trust: TrustList, policy: Policy) -> Verifier {
        let replay = ReplayCache::new(policy.replay_capacity);
        Verifier::with_replay(trust, policy, replay)
    }

    /// A verifier with the given replay cache (e.g. [`ReplayCache::open`] for a kiosk).
    pub fn with_replay(trust: TrustList, policy: Policy, replay: ReplayCache) -> Verifier {
        let core_policy = VerifyPolicy {
            now: 0,
            lifetime: policy.lifetime,
            skew: policy.skew,
            counter_code: policy.counter_code.clone(),
        };
        Verifier {
            trust,
            status: HashMap::new(),
            policy,
            core_policy,
            replay,
        }
    }

    /// A verifier from a data directory (see [`store`]): its trust list (checked against the
    /// root key `root` names, or the installed `DIR/root.pub`: see [`DataDir::root_key`]), the
    /// status lists that check out against it, and its persisted replay cache
    /// (`DIR/replay.log`, created if missing). Unusable status files are skipped; see
    /// [`DataDir::states`] to report them.
    pub fn from_dir(
        dir: &Path,
        root: Option<&Path>,
        policy: Policy,
    ) -> Result<Verifier, VerifierError> {
        let data = DataDir::new(dir);
        let (trust, lists, _problems) = data.open(root)?;
        let path = data.replay_file();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let replay = ReplayCache::open(&path, policy.replay_capacity, now)
            .map_err(|source| VerifierError::Io { path, source })?;
        let mut v = Verifier::with_replay(trust, policy, replay);
        for l in lists {
            v.add_status_list(l);
        }
        Ok(v)
    }

    /// Adds a status list (checked by the caller with [`StatusList::from_signed`]). It
    /// replaces the list of the same issuer and number unless that one was issued later.
    pub fn add_status_list(&mut self, list: StatusList) {
        let key = (list.issuer.clone(), list.list);
        match self.status.get(&key) {
            Some(cur) if cur.issued_at > list.issued_at => {}
            _ => {
                self.status.insert(key, list);
            }
        }
    }

    /// The trust list in use.
    pub fn trust(&self) -> &TrustList {
        &self.trust
    }

    /// The status lists in use.
    pub fn status_lists(&self) -> impl Iterator<Item = &StatusList> {
        self.status.values()
    }

    /// The policy in use.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The replay cache.
    pub fn replay_cache(&self) -> &ReplayCache {
        &self.replay
    }

    /// Checks QR text (`TS1:` + base45; case and surrounding CR/LF do not matter).
    pub fn check_text(&mut self, qr_text: &str, now: UnixTime) -> Verdict {
        if let Some(wrong) = self.clock_wrong(now) {
            return wrong;
        }
        match tessera_core::text::decode(qr_text) {
            Ok(bytes) => self.check_bytes(&bytes, now),
            Err(e) => self
                .base_verdict(now)
                .invalid(Reason::Malformed, e.to_string()),
        }
    }

    /// A malformed verdict for input that never became a presentation (an unreadable
    /// image, an overlong line), with the trust data's age filled in.
    pub fn malformed(&self, detail: String, now: UnixTime) -> Verdict {
        self.base_verdict(now).invalid(Reason::Malformed, detail)
    }

    /// A clock earlier than the trust list's issue time (beyond the skew) cannot judge time.
    fn clock_wrong(&self, now: UnixTime) -> Option<Verdict> {
        (now.saturating_add(self.policy.skew) < self.trust.issued_at).then(|| {
            self.base_verdict(now).invalid(
                Reason::ClockWrong,
                format!(
                    "this clock reads {now}, but the trust list was issued at {}",
                    self.trust.issued_at
                ),
            )
        })
    }

    fn base_verdict(&self, now: UnixTime) -> Verdict {
        Verdict {
            trust_age: Some(now.saturating_sub(self.trust.issued_at)),
            ..Verdict::blank()
        }
    }

    /// Checks a presentation: the clock against the trust data, the core checks, the status
    /// list, data age per policy, then replay. The presentation is remembered only when
    /// everything else passed.
    pub fn check_bytes(&mut self, cbor: &[u8], now: UnixTime) -> Verdict {
        if let Some(wrong) = self.clock_wrong(now) {
            return wrong;
        }
        let v = self.base_verdict(now);
        self.core_policy.now = now;
        match tessera_core::verify(cbor, &self.trust, &self.core_policy) {
            Err(r) => v.invalid(r.reason(), r.detail()),
            Ok(p) => self.check_verified(v, p, now),
        }
    }

    fn check_verified(
        &mut self,
        mut v: Verdict,
        p: VerifiedPresentation,
        now: UnixTime,
    ) -> Verdict {
        v.issuer = Some(p.issuer_name.clone());
        v.issuer_id = Some(p.issuer_id.clone());
        v.purpose = Some(p.purpose);
        let mut stale = Vec::new();

        let key = (p.issuer_id.clone(), p.status.list);
        match self.status.get(&key) {
            None => stale.push(format!(
                "no status list {}/{}: revocation not checked",
                p.issuer_id, p.status.list
            )),
            Some(list) => {
                v.status_age = Some(now.saturating_sub(list.issued_at));
                if now.saturating_add(self.policy.skew) < list.issued_at {
                    return v.invalid(
                        Reason::ClockWrong,
                        format!(
                            "this clock reads {now}, but status list {}/{} was issued at {}",
                            list.issuer, list.list, list.issued_at
                        ),
                    );
                }
                let what = format!("status list {}/{}", list.issuer, list.list);
                match list.get(p.status.index) {
                    Some(Status::Valid) => {}
                    Some(Status::Revoked) => {
                        return v.invalid(
                            Reason::Revoked,
                            format!("entry {} of {what} is revoked", p.status.index),
                        );
                    }
                    Some(Status::Suspended) => {
                        return v.invalid(
                            Reason::Suspended,
                            format!("entry {} of {what} is suspended", p.status.index),
                        );
                    }
                    Some(_) => {
                        return v.invalid(
                            Reason::Revoked,
                            format!(
                                "entry {} of {what} has the reserved status 3, treated as revoked",
                                p.status.index
                            ),
                        );
                    }
                    None => stale.push(format!(
                        "{what} has no entry {} (it has {}): revocation not checked",
                        p.status.index,
                        list.len()
                    )),
                }
                let age = now.saturating_sub(list.issued_at);
                if list.is_stale(now) {
                    stale.push(format!(
                        "{what} is {} old, past its ttl of {}",
                        format_age(age),
                        format_age(list.ttl)
                    ));
                } else if let Some(max) = self.policy.max_status_age.filter(|&m| age > m) {
                    stale.push(format!(
                        "{what} is {} old; policy allows {}",
                        format_age(age),
                        format_age(max)
                    ));
                }
            }
        }
        let trust_age = now.saturating_sub(self.trust.issued_at);
        if now > self.trust.next_update {
            stale.push(format!(
                "trust list {} is past its next update ({} ago)",
                self.trust.sequence,
                format_age(now - self.trust.next_update)
            ));
        } else if trust_age > self.policy.max_trust_age {
            stale.push(format!(
                "trust list {} is {} old; policy allows {}",
                self.trust.sequence,
                format_age(trust_age),
                format_age(self.policy.max_trust_age)
            ));
        }
        if !stale.is_empty() {
            match self.policy.stale {
                StalePolicy::Fail => return v.invalid(Reason::TrustDataStale, stale.join("; ")),
                StalePolicy::Warn => v.warnings.extend(stale),
            }
        }

        match self.replay.record(&p.holder_signature, p.accept_until, now) {
            Err(replay::RecordError::Seen { until }) => {
                return v.invalid(
                    Reason::Replayed,
                    format!("this presentation was accepted before; remembered until {until}"),
                );
            }
            Err(replay::RecordError::Full {
                capacity,
                next_expiry,
            }) => {
                return v.invalid(
                    Reason::Replayed,
                    format!(
                        "replay cache is full ({capacity} unexpired entries), so this presentation \
                         cannot be remembered and is refused; room again at {next_expiry}"
                    ),
                );
            }
            Ok(Err(e)) => v
                .warnings
                .push(format!("replay cache file not written: {e}")),
            Ok(Ok(())) => {}
        }
        v.disclosed = p.disclosed;
        v
    }
}

#[cfg(test)]
mod error_tests {
    use super::{VerifierError, error_chain};

    /// The OS message of a missing file, as this platform words it.
    fn missing(dir: &std::path::Path) -> (std::path::PathBuf, std::io::Error, String) {
        let path = dir.join("no-such-file");
        let e = std::fs::read(&path).unwrap_err();
        let os = e.to_string();
        (path, e, os)
    }

    #[test]
    fn an_io_error_prints_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let (path, source, os) = missing(dir.path());
        let e = VerifierError::Io { path, source };
        let line = error_chain(&e);
        assert_eq!(line.matches(&os).count(), 1, "{line}");
        assert!(line.contains("no-such-file"), "{line}");
        #[cfg(feature = "cli")]
        {
            let line = format!("{:#}", anyhow::Error::new(e));
            assert_eq!(line.matches(&os).count(), 1, "{line}");
        }
    }
}
