//! Where the app's trust comes from: a verifier data directory, the embedded demo trust list,
//! or (in tests) a trust list made in memory.

use std::collections::HashMap;
use std::path::Path;

use tessera_core::presentation::normalize_counter_code;
use tessera_core::{StatusList, TrustList};
use tessera_verifier::{DataDir, Policy, Verifier, VerifierError};

/// The demo trust-list root public key file (a published demo key) and the demo trust list,
/// signed by the demo root (embedded once, in tessera-ui, for both apps).
pub use tessera_ui::demo::{ROOT_PUB as DEMO_ROOT_PUB, TRUST_LIST as DEMO_TRUST_LIST};

/// The trust data the app verifies against, and the verifiers made from it.
///
/// The verifier's counter code is fixed when it is made, so the app keeps one [`Verifier`]
/// per counter code it has used. Replay protection still holds across codes: the holder
/// signs the code (or its absence), so a presentation is valid under exactly one setting and
/// only that setting's replay cache ever accepts it.
#[derive(Debug)]
pub struct TrustSource {
    trust: TrustList,
    status: Vec<StatusList>,
    policy: Policy,
    demo: bool,
    origin: String,
    problems: Vec<String>,
    verifiers: HashMap<Option<String>, Verifier>,
}

impl TrustSource {
    /// Trust from memory: a checked trust list and status lists.
    pub fn new(trust: TrustList, status: Vec<StatusList>, origin: impl Into<String>) -> Self {
        TrustSource {
            trust,
            status,
            policy: Policy::default(),
            demo: false,
            origin: origin.into(),
            problems: Vec::new(),
            verifiers: HashMap::new(),
        }
    }

    /// The embedded demo trust list (checked against the embedded demo root).
    pub fn demo() -> Result<Self, String> {
        let trust = tessera_ui::demo::trust_list()?;
        let mut s = TrustSource::new(trust, Vec::new(), tessera_ui::demo::ORIGIN);
        s.demo = true;
        Ok(s)
    }

    /// A verifier data directory (`trust-list.cbor`, `status/*.cbor`, as `tessera-verify
    /// update` installs them), checked against the root key as tessera-verify does
    /// ([`DataDir::root_key`]): the key in `root_file` if given (it must be the installed
    /// `DIR/root.pub` if there is one), else `DIR/root.pub`. Status files that do not check
    /// out are skipped and listed in [`TrustSource::problems`].
    pub fn from_dir(dir: &Path, root_file: Option<&Path>) -> Result<Self, VerifierError> {
        let (trust, status, problems) = DataDir::new(dir).open(root_file)?;
        let mut s = TrustSource::new(trust, status, dir.display().to_string());
        s.problems = problems;
        Ok(s)
    }

    /// Uses `policy` for verifiers made from now on (the counter code is set per check).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self.verifiers.clear();
        self
    }

    /// Whether this is the embedded demo trust list.
    pub fn is_demo(&self) -> bool {
        self.demo
    }

    /// Where the trust data came from, for the screen.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The trust list.
    pub fn trust_list(&self) -> &TrustList {
        &self.trust
    }

    /// Files of the data directory that were skipped, and why.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The verifier for a counter code as typed: `None` or blank text for no code. A text
    /// that is not a counter code is refused: running with no code instead would accept
    /// codes bound to no counter while the operator believes a code is in force.
    pub fn verifier(
        &mut self,
        counter_code: Option<&str>,
    ) -> Result<&mut Verifier, InvalidCounterCode> {
        let code = parse_counter_code(counter_code.unwrap_or(""))?;
        let (trust, status, policy) = (&self.trust, &self.status, &self.policy);
        Ok(self.verifiers.entry(code.clone()).or_insert_with(|| {
            let mut v = Verifier::new(
                trust.clone(),
                Policy {
                    counter_code: code,
                    ..policy.clone()
                },
            );
            for l in status {
                v.add_status_list(l.clone());
            }
            v
        }))
    }
}

/// A counter code field that holds text which is not a counter code (1 to 16 letters or
/// digits; spaces and hyphens are ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidCounterCode;

impl std::fmt::Display for InvalidCounterCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the counter code is not 1 to 16 letters or digits")
    }
}

impl std::error::Error for InvalidCounterCode {}

/// The counter code as typed: blank is no code, else it must be a valid code.
pub fn parse_counter_code(typed: &str) -> Result<Option<String>, InvalidCounterCode> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    normalize_counter_code(typed)
        .map(Some)
        .ok_or(InvalidCounterCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_demo_trust_list_verifies() {
        let mut s = TrustSource::demo().expect("demo trust list checks out under the demo root");
        assert!(s.is_demo());
        assert!(!s.trust_list().issuers.is_empty());
        let v = s.verifier(Some(" ab-12 ")).unwrap();
        assert_eq!(v.policy().counter_code.as_deref(), Some("AB12"));
        assert_eq!(s.verifier(Some("  ")).unwrap().policy().counter_code, None);
        assert_eq!(s.verifier(None).unwrap().policy().counter_code, None);
        // Never "no code" for a code that is not one.
        assert_eq!(
            s.verifier(Some("not a code!")).unwrap_err(),
            InvalidCounterCode
        );
        assert!(s.verifier(Some(&"A".repeat(17))).is_err());
    }
}
