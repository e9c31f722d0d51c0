//! The errors of key derivation, sealing and the secret rules.

/// Why parameters were refused, a key could not be derived or a value could not be sealed.
///
/// Parameters from a file (`ExcessiveWork`, `WeakKdf`, `InvalidParams`: the file may be
/// hostile) are kept apart from parameters given by the caller (`BadParams`). A value that
/// fails authentication is not an error here: [`Cipher::open`](crate::Cipher::open) returns
/// `None`, and the caller says what it was.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// A file asks for more Argon2id work than this device allows; it may be hostile.
    #[error(
        "{what} asks for argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, over the limit of this device (the file may be hostile): refusing to derive"
    )]
    ExcessiveWork {
        /// Which file asked (`store header`, `backup file`, `sealed key file`).
        what: &'static str,
        /// Requested memory in KiB.
        m_cost_kib: u32,
        /// Requested passes.
        t_cost: u32,
        /// Requested lanes.
        p_cost: u32,
    },
    /// A file asks for less Argon2id work than the minimum: it was made by a test build or by
    /// a tool that meant to weaken it.
    #[error(
        "{what} uses argon2id m={m_cost_kib} KiB t={t_cost} p={p_cost}, under the minimum of 64 MiB and 2 passes (made by a test build?): refusing to open it"
    )]
    WeakKdf {
        /// Which file.
        what: &'static str,
        /// Its memory in KiB.
        m_cost_kib: u32,
        /// Its passes.
        t_cost: u32,
        /// Its lanes.
        p_cost: u32,
    },
    /// A file holds parameters Argon2id rejects (no pass, no lane, too little memory).
    #[error("{what} holds invalid argon2id parameters m={m_cost_kib} KiB t={t_cost} p={p_cost}")]
    InvalidParams {
        /// Which file.
        what: &'static str,
        /// Its memory in KiB.
        m_cost_kib: u32,
        /// Its passes.
        t_cost: u32,
        /// Its lanes.
        p_cost: u32,
    },
    /// Parameters given by the caller (for something new) are outside what is accepted.
    #[error("bad argon2id parameters m={m_cost_kib} KiB t={t_cost} p={p_cost}: {reason}")]
    BadParams {
        /// Requested memory in KiB.
        m_cost_kib: u32,
        /// Requested passes.
        t_cost: u32,
        /// Requested lanes.
        p_cost: u32,
        /// Which rule they break.
        reason: &'static str,
    },
    /// The value is larger than XChaCha20-Poly1305 can seal in one message.
    #[error("value of {len} bytes is too large to seal")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
    },
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(getrandom::Error),
}

/// Why a PIN or passphrase given by the caller was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// A PIN does not meet the rules.
    #[error("bad pin: {reason}")]
    BadPin {
        /// Which rule it breaks and how to fix it.
        reason: &'static str,
    },
    /// A passphrase does not meet the rules.
    #[error("bad passphrase: {reason}")]
    BadPassphrase {
        /// Which rule it breaks and how to fix it.
        reason: &'static str,
    },
}
