//! The one error type of the store.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong in the wallet store.
///
/// Caller mistakes (`BadPin`, `BadId`, `ValueTooLarge`, `BadParams`, …) are kept apart from
/// what a damaged or hostile file causes (`Tampered`, `Corrupt`, `ExcessiveWork`).
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The PIN or passphrase did not unwrap the data key. Only the attempt counter changed.
    #[error("wrong pin or passphrase ({failed_attempts} failed in a row){}", wait_hint(.next_wait))]
    WrongSecret {
        /// Failed attempts in a row, this one included (persisted across restarts).
        failed_attempts: u32,
        /// How long the next attempt will wait before it checks the secret, if at all.
        next_wait: Option<Duration>,
    },
    /// A sealed value failed authentication: it was modified, moved to another slot, or damaged.
    #[error(
        "record {record} failed authentication: it was modified, moved or damaged on disk; restore it from a backup"
    )]
    Tampered {
        /// Which record (`kind/id`, `history/N`, `backup`).
        record: String,
    },
    /// There is no wallet store (or backup file) at this path.
    #[error("no wallet store at {}: create one or restore a backup", .path.display())]
    NotFound {
        /// The path that was looked at.
        path: PathBuf,
    },
    /// Refusing to overwrite an existing wallet store or file.
    #[error("{} already exists: choose another path or destroy the old one first", .path.display())]
    AlreadyExists {
        /// The path that exists.
        path: PathBuf,
    },
    /// A file asks for more Argon2id work than this device allows; it may be hostile.
    #[error(
        "{what} asks for argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, over the limit of this device (the file may be hostile): refusing to derive"
    )]
    ExcessiveWork {
        /// Which file asked (`store header`, `backup file`).
        what: &'static str,
        /// Requested memory in KiB.
        m_cost_kib: u32,
        /// Requested passes.
        t_cost: u32,
        /// Requested lanes.
        p_cost: u32,
    },
    /// A file asks for less Argon2id work than a store accepts: it was made by a test build
    /// or by a tool that meant to weaken it.
    #[error(
        "{what} uses argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, under the minimum of 64 MiB and 2 passes (made by a test build?): refusing to open it; restore a backup made by a release build"
    )]
    WeakKdf {
        /// Which file (`store header`, `backup file`).
        what: &'static str,
        /// Its memory in KiB.
        m_cost_kib: u32,
        /// Its passes.
        t_cost: u32,
        /// Its lanes.
        p_cost: u32,
    },
    /// A structure on disk (header, counter, backup body) could not be parsed.
    #[error("{what}")]
    Corrupt {
        /// What is wrong, naming the part of the file.
        what: String,
    },
    /// The store is open in another process (or twice in this one).
    #[error("the wallet store at {} is in use by another process: close it and retry", .path.display())]
    InUse {
        /// The store directory.
        path: PathBuf,
    },
    /// A file-system operation failed; the message names the path. The I/O error is the
    /// message, not a [`source`](std::error::Error::source), so that a chain prints it once
    /// and a screen that shows only this message still says what failed.
    #[error("i/o error: {0}")]
    Io(std::io::Error),
    /// The database backend failed.
    #[error("database error")]
    Db(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(getrandom::Error),
    /// A PIN given by the caller does not meet the rules.
    #[error("bad pin: {reason}")]
    BadPin {
        /// Which rule it breaks and how to fix it.
        reason: &'static str,
    },
    /// A passphrase given by the caller does not meet the rules.
    #[error("bad passphrase: {reason}")]
    BadPassphrase {
        /// Which rule it breaks and how to fix it.
        reason: &'static str,
    },
    /// The backup passphrase did not open the backup file (or the file was modified: the two
    /// cannot be told apart).
    #[error(
        "wrong backup passphrase, or the backup file was modified: check the passphrase and the file"
    )]
    WrongBackupPassphrase,
    /// A backup must be sealed under a passphrase, not a PIN.
    #[error(
        "a backup needs a passphrase (8 or more characters, not only digits): a pin is too weak for a file that leaves the device"
    )]
    WeakBackupSecret,
    /// A record id given by the caller does not meet the rules.
    #[error("bad record id {id:?}: {reason}")]
    BadId {
        /// The id (truncated to 80 characters).
        id: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A value is larger than the store accepts.
    #[error("value of {len} bytes is too large: the store keeps values of at most {max} bytes")]
    ValueTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Argon2id parameters given by the caller are invalid.
    #[error("argon2id parameters m={m_cost_kib} KiB t={t_cost} p={p_cost} rejected: {reason}")]
    BadParams {
        /// Memory in KiB.
        m_cost_kib: u32,
        /// Passes.
        t_cost: u32,
        /// Lanes.
        p_cost: u32,
        /// Why.
        reason: &'static str,
    },
    /// No PIN source is available (no file, no environment variable, no terminal).
    #[error("no pin given: pass --pin-file FILE, set TESSERA_PIN, or run on a terminal")]
    NoSecretSource,
}

impl From<tessera_seal::SealError> for StoreError {
    fn from(e: tessera_seal::SealError) -> Self {
        use tessera_seal::SealError as S;
        match e {
            S::ExcessiveWork {
                what,
                m_cost_kib,
                t_cost,
                p_cost,
            } => StoreError::ExcessiveWork {
                what,
                m_cost_kib,
                t_cost,
                p_cost,
            },
            S::WeakKdf {
                what,
                m_cost_kib,
                t_cost,
                p_cost,
            } => StoreError::WeakKdf {
                what,
                m_cost_kib,
                t_cost,
                p_cost,
            },
            S::BadParams {
                m_cost_kib,
                t_cost,
                p_cost,
                reason,
            } => StoreError::BadParams {
                m_cost_kib,
                t_cost,
                p_cost,
                reason,
            },
            S::Random(e) => StoreError::Random(e),
            // InvalidParams (a file's parameters Argon2id rejects), TooLarge and any later
            // variant: the message says what and where.
            other => corrupt(other.to_string()),
        }
    }
}

impl From<tessera_seal::SecretError> for StoreError {
    fn from(e: tessera_seal::SecretError) -> Self {
        match e {
            tessera_seal::SecretError::BadPin { reason } => StoreError::BadPin { reason },
            tessera_seal::SecretError::BadPassphrase { reason } => {
                StoreError::BadPassphrase { reason }
            }
            // A later variant: keep its words.
            other => corrupt(other.to_string()),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn wait_hint(next_wait: &Option<Duration>) -> String {
    match next_wait {
        Some(d) => format!(
            "; the next attempt waits {} s before checking",
            ceil_secs(*d)
        ),
        None => String::new(),
    }
}

/// Adds the path to an I/O error so the message names the bad input.
pub(crate) fn io_at(path: &std::path::Path, e: std::io::Error) -> StoreError {
    StoreError::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}

pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_io_error_prints_its_cause_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-file");
        let source = std::fs::read(&path).unwrap_err();
        let os = source.to_string();
        let e = io_at(&path, source);
        // The whole chain, as anyhow's `{:#}` prints it.
        let mut line = e.to_string();
        let mut next = std::error::Error::source(&e);
        while let Some(cause) = next {
            line = format!("{line}: {cause}");
            next = cause.source();
        }
        assert_eq!(line.matches(&os).count(), 1, "{line}");
        assert!(line.contains("no-such-file"), "{line}");
    }

    #[test]
    fn a_database_error_prints_its_cause_once() {
        let e = StoreError::Db(Box::new(std::io::Error::other("disk on fire")));
        let line = format!("{e}: {}", std::error::Error::source(&e).unwrap());
        assert_eq!(line.matches("disk on fire").count(), 1, "{line}");
    }
}
