//! The error type of the issuer's operations.

use crate::{PersonError, RequestError, SecretKeyError};
use std::path::{Path, PathBuf};
use tessera_core::{KeyFileError, StatusRef, UnixTime};
use thiserror::Error;

/// Why an issuer operation failed. Messages name the file or value at fault.
#[non_exhaustive]
#[derive(Debug, Error)]
pub enum Error {
    /// Reading or writing a file failed. (The message is the path; the cause is the source,
    /// so a `{:#}` chain prints it once.)
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `init` would overwrite an issuer folder.
    #[error("{0} already holds issuer files; use --force to replace them (this destroys the keys)")]
    Exists(PathBuf),
    /// An output file exists (or is a symbolic link) and replacing it was not asked for.
    #[error("{0} already exists: use --force to replace it, or choose another file")]
    FileExists(PathBuf),
    /// The folder has no issuer state.
    #[error("{0} is not an issuer folder (no state.json): run `tessera-issuer init --dir` first")]
    NotInitialised(PathBuf),
    /// Another process holds the folder's lock.
    #[error("{0} is in use by another tessera-issuer process")]
    Locked(PathBuf),
    /// A state file is damaged or from another version.
    #[error("{path}: {reason}")]
    BadState {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A secret key file could not be read or written.
    #[error("{path}")]
    SecretKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: SecretKeyError,
    },
    /// A public key file could not be read.
    #[error("{path}")]
    PublicKey {
        /// The key file.
        path: PathBuf,
        /// Why.
        source: KeyFileError,
    },
    /// The person file was refused.
    #[error(transparent)]
    Person(#[from] PersonError),
    /// The issuance request was refused.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A request file could not be read as a request.
    #[error("request file {path}")]
    RequestFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: RequestError,
    },
    /// The holder key is not one a credential may be bound to.
    #[error("holder key refused: {0}")]
    HolderKey(tessera_core::keys::WeakKeyError),
    /// tessera-core refused to issue.
    #[error("cannot issue")]
    Issue(#[from] tessera_core::IssueError),
    /// A refusal: an input or an operation this issuer folder does not allow (exit code 1 in
    /// the binary).
    #[error("{0}")]
    Invalid(String),
    /// An option value out of range, a mistake on the command line (exit code 2, usage, in
    /// the binary).
    #[error("{0}")]
    BadOption(String),
    /// The credential would outlive the signing key's window in the trust list.
    #[error(
        "the credential would expire at {expires}, after the signing key's window ends ({not_after}): shorten --valid-days or add a new key"
    )]
    KeyWindow {
        /// The credential's end of validity.
        expires: UnixTime,
        /// The end of the key's window.
        not_after: UnixTime,
    },
    /// A credential id that was never assigned.
    #[error("credential {id} has not been issued (the lowest free id is {next})")]
    NotIssued {
        /// The id asked for.
        id: StatusRef,
        /// The next id to be assigned.
        next: StatusRef,
    },
    /// Revocation is permanent.
    #[error(
        "credential {0} is revoked, which is permanent (reinstate --undo-revocation undoes a mistaken revocation)"
    )]
    Revoked(StatusRef),
    /// No key with this id.
    #[error("no issuer key with id {0} (see `tessera-issuer key list`)")]
    UnknownKey(String),
    /// `--citizen` names no one in the register.
    #[error("no citizen with device key or id_number {0:?} in the register")]
    UnknownCitizen(String),
    /// A renewal for a device key the register does not know.
    #[error("device key {0} is not in the register: a first enrolment needs --attributes")]
    NotRegistered(String),
    /// The batch cannot continue (its input changed, or its output folder is damaged).
    #[error("batch: {0}")]
    Batch(String),
}

/// `error: cause: cause…`, the whole source chain on one line (as anyhow's `{:#}`).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        next = cause.source();
    }
    s
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cause appears once in a `{:#}` chain: the messages hold the path, the sources the
    /// causes.
    #[test]
    fn an_io_error_prints_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-file");
        let os = std::fs::read(&path).unwrap_err().to_string();
        let errors = [
            (io(&path)(std::fs::read(&path).unwrap_err()), 1),
            (
                Error::Person(PersonError::Portrait {
                    path: path.clone(),
                    source: std::fs::read(&path).unwrap_err(),
                }),
                1,
            ),
            (
                Error::SecretKey {
                    path: path.clone(),
                    source: SecretKeyError::Unseal,
                },
                0,
            ),
        ];
        for (e, times) in errors {
            let plain = chain(&e);
            let line = format!("{:#}", anyhow::Error::new(e));
            assert_eq!(line, plain);
            assert_eq!(line.matches("no-such-file").count(), 1, "{line}");
            assert_eq!(line.matches(&os).count(), times, "{line}");
        }
    }
}
