//! The one vocabulary of verdict reasons, shared by the core, the verifier, the apps and the
//! test vectors.

use std::fmt;

/// Why a presentation is not valid. Each reason has a stable snake_case code (used in JSON
/// output and test vectors) and a plain-language description for people at a counter.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The bytes are not a well-formed Tessera presentation (or QR text).
    Malformed,
    /// The issuer's key id is not in the trust list.
    UnknownIssuer,
    /// The issuer signature does not verify, or the disclosed items are not the ones it signed.
    BadIssuerSignature,
    /// The holder signature does not verify: not presented by the credential's holder.
    BadHolderSignature,
    /// The holder signature does not verify with this counter's code, or the code is missing.
    WrongCounterCode,
    /// The issuer key was used outside its validity window in the trust list.
    IssuerKeyNotValid,
    /// The credential's validity has not started yet.
    NotYetValid,
    /// The credential has expired.
    Expired,
    /// The issuer has revoked the credential.
    Revoked,
    /// The issuer has suspended the credential.
    Suspended,
    /// The presentation is older than its lifetime plus the allowed clock skew.
    TooOld,
    /// The presentation claims a time further in the future than the allowed clock skew.
    FromFuture,
    /// This presentation was already accepted once (a copied or re-scanned QR code).
    Replayed,
    /// The verifier's trust or status data is older than its policy allows.
    TrustDataStale,
    /// The verifier's own clock is earlier than its trust data was issued: it cannot judge time.
    ClockWrong,
}

impl Reason {
    /// Every reason, in a stable order.
    pub const ALL: [Reason; 15] = [
        Reason::Malformed,
        Reason::UnknownIssuer,
        Reason::BadIssuerSignature,
        Reason::BadHolderSignature,
        Reason::WrongCounterCode,
        Reason::IssuerKeyNotValid,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::Revoked,
        Reason::Suspended,
        Reason::TooOld,
        Reason::FromFuture,
        Reason::Replayed,
        Reason::TrustDataStale,
        Reason::ClockWrong,
    ];

    /// The stable machine-readable code, e.g. `"expired"`.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::UnknownIssuer => "unknown_issuer",
            Reason::BadIssuerSignature => "bad_issuer_signature",
            Reason::BadHolderSignature => "bad_holder_signature",
            Reason::WrongCounterCode => "wrong_counter_code",
            Reason::IssuerKeyNotValid => "issuer_key_not_valid",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::Suspended => "suspended",
            Reason::TooOld => "too_old",
            Reason::FromFuture => "from_future",
            Reason::Replayed => "replayed",
            Reason::TrustDataStale => "trust_data_stale",
            Reason::ClockWrong => "clock_wrong",
        }
    }

    /// Parses a code produced by [`Reason::code`].
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// A sentence for the person at the counter.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Malformed => "this is not a readable Tessera ID code",
            Reason::UnknownIssuer => "the ID was issued by an authority this device does not trust",
            Reason::BadIssuerSignature => {
                "the ID's data does not match the issuer's signature (altered or forged)"
            }
            Reason::BadHolderSignature => "the code was not made by the phone the ID belongs to",
            Reason::WrongCounterCode => "the code was made for a different counter code",
            Reason::IssuerKeyNotValid => "the issuer's key was not valid for this ID",
            Reason::NotYetValid => "the ID is not valid yet",
            Reason::Expired => "the ID has expired",
            Reason::Revoked => "the ID has been revoked by its issuer",
            Reason::Suspended => "the ID has been suspended by its issuer",
            Reason::TooOld => "the code has expired: ask for a fresh one",
            Reason::FromFuture => "the code's time is ahead of this device's clock",
            Reason::Replayed => "this code was already used: ask for a fresh one",
            Reason::TrustDataStale => "this device's trust data is too old: update it",
            Reason::ClockWrong => "this device's clock is wrong: set the date and time",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
