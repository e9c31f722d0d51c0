//! The public demo issuer's trust data (`assets/demo/`), embedded once for both apps: the
//! wallet checks the demo ID with it, the scan app verifies against it when started without
//! trust data.
//!
//! Its keys are published demo keys: a credential that verifies against this trust list proves
//! nothing about anyone. `cargo run -p tessera-core --example demo_assets` makes these files.

use tessera_core::TrustList;

/// The demo trust-list root public key file.
pub const ROOT_PUB: &str = include_str!("../../../assets/demo/root.pub");

/// The demo trust list, signed by the demo root.
pub const TRUST_LIST: &[u8] = include_bytes!("../../../assets/demo/trust-list.cbor");

/// Where the embedded trust list comes from, as a screen names it.
pub const ORIGIN: &str = "assets/demo/trust-list.cbor (embedded)";

/// The demo trust list, checked against the demo root.
///
/// An error (which names the embedded file that did not check out) means the files in
/// `assets/demo/` do not match each other.
///
/// ```
/// let trust = tessera_ui::demo::trust_list().unwrap();
/// assert!(!trust.issuers.is_empty());
/// ```
pub fn trust_list() -> Result<TrustList, String> {
    let root = tessera_core::keys::public_key_from_text(ROOT_PUB)
        .map_err(|e| format!("embedded demo root key: {e}"))?;
    TrustList::from_signed(TRUST_LIST, &root).map_err(|e| format!("embedded demo trust list: {e}"))
}
