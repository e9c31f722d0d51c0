//! The issuing authority: keys, trust list, credential issuance (one by one or in resumable
//! batches), revocation and publishing of trust and status files.
//!
//! Everything works on an *issuer folder* (see docs/issuer.md): [`init`] creates it,
//! [`Issuer::open`] takes its lock, and the methods of [`Issuer`] issue, revoke, rotate keys
//! and publish. Holders enrol offline with an enrolment request in tessera-core's format
//! (`tessera-wallet request`; [`check_request`], [`read_request_arg`]).
//!
//! ```
//! use tessera_issuer::{init, InitOptions, IssueOptions, Issuer, parse_person_json};
//! let dir = tempfile::tempdir().unwrap();
//! let opts = InitOptions { now: Some(1_795_651_200), ..InitOptions::default() };
//! init(dir.path(), &opts).unwrap();
//! // A second init without `force` refuses to destroy the keys.
//! assert!(init(dir.path(), &opts).is_err());
//!
//! let person = br#"{"family_name": "LIN", "given_name": "MEIHUA", "birth_date": "1990-05-17",
//!                   "id_number": "110105199005171234"}"#;
//! let attrs = parse_person_json(person, dir.path()).unwrap();
//! let holder = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
//! let mut issuer = Issuer::open(dir.path(), None).unwrap();
//! let cred = issuer
//!     .issue(&holder, &attrs, &IssueOptions { now: Some(1_795_651_200), ..Default::default() })
//!     .unwrap();
//! assert_eq!(cred.claims().status.to_string(), "0-0");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod b64;
mod batch;
mod error;
mod fsutil;
mod issuer;
mod person;
pub mod portrait;
mod request;
mod rng;
mod secret;

pub use batch::{
    BatchOptions, BatchProgress, BatchReport, CREDENTIALS_FILE, ERRORS_FILE, JOURNAL_FILE,
};
pub use error::Error;
pub use fsutil::write_private_file;
pub use issuer::{
    ISSUER_KEY_FILE, ISSUER_PUB_FILE, InitOptions, InitReport, IssueOptions, Issuer, KEYS_DIR,
    KeyInfo, PublishOptions, PublishReport, PublishedFile, REGISTER_FILE, ROOT_KEY_FILE,
    ROOT_PUB_FILE, STATE_FILE, STATUS_FILE, StatusAction, TRUST_LIST_FILE, USED_DIR, init,
    issue_one, now_unix, read_public_key,
};
pub use person::{MAX_PERSON_JSON_LEN, PersonError, PersonJson, parse_person_json};
pub use request::{
    MAX_REQUEST_LEN, RequestError, RequestPolicy, VerifiedRequest, check_request,
    check_request_with, make_request, read_request_arg, read_request_field,
};
pub use rng::OsRng;
pub use secret::{
    DEFAULT_KEY_KDF, KdfParams, PASSPHRASE_ENV, Passphrase, SEALED_LABEL, SecretKeyError,
    is_sealed, open_secret_key, seal_secret_key,
};
