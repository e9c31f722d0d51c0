//! The verifier in a web browser: tessera-verifier's policy and tessera-core's verification
//! compiled to WebAssembly, with a small JavaScript interface (see `docs/web.md`).
//!
//! Every rule lives here in Rust, none in the page's JavaScript:
//!
//! - the root public key is the trust anchor; a trust list or status list the page fetched or
//!   kept in the browser's storage is used only after it checked out against it, and an older
//!   or different copy never replaces a newer one ([`tessera_verifier::store::trust_update`]
//!   and [`tessera_verifier::store::status_update`], the rules of `tessera-verify update`);
//! - a code is judged by [`tessera_verifier::Verifier`] (freshness, counter code, status
//!   lists, stale data, replay), and the verdict is the JSON of `tessera-verify --json`;
//! - the replay memory is exported as bytes for the browser's storage and imported on the
//!   next start, bounded by [`REPLAY_CAPACITY`] entries;
//! - camera frames are read by [`tessera_qr::Scanner`], a bounded amount of work per frame;
//! - a disclosed portrait is decoded here under tight limits ([`portrait::portrait_png`]) and
//!   the page gets a PNG of its pixels, never the bytes the holder sent.
//!
//! The page passes the clock (`Date.now()`) in; this crate reads no clock and does no I/O.
//! [`WebVerifier`] is the plain Rust interface, tested on the host; the `wasm` module wraps
//! it for JavaScript in the browser build only.
//!
//! ```
//! use tessera_web::{WebError, WebVerifier};
//! // A root key file that is not one is refused with a clear error.
//! let err = WebVerifier::new("not a key", b"", b"").unwrap_err();
//! assert!(matches!(err, WebError::RootKey(_)));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod portrait;
#[cfg(target_arch = "wasm32")]
mod wasm;

use ed25519_dalek::VerifyingKey;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::{StatusList, TrustList, UnixTime};
use tessera_verifier::store::{Outcome, status_update, trust_update};
use tessera_verifier::{Policy, ReplayCache, Verdict, Verifier};

/// Entries the browser's replay memory holds (about 150 bytes each in storage, so at most
/// about 750 KB). An entry lives at most about two minutes, so this is far beyond a counter's
/// rate; when it is full the verifier refuses rather than forgets (see
/// [`tessera_verifier::replay`]).
pub const REPLAY_CAPACITY: usize = 5_000;

/// Longest pasted text judged as one code (as `tessera-verify` reads a line).
pub const MAX_TEXT: usize = 8192;

/// Why a verifier could not be set up or an input was refused before it became a verdict.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The root key file is not a Tessera public key file. The cause is the source, not
    /// part of this message: print the chain ([`error_chain`]) to see both once.
    #[error("root.pub: not a usable root public key")]
    RootKey(#[source] tessera_core::KeyFileError),
    /// The trust list does not check out against the root key.
    #[error("trust-list.cbor: trust list refused")]
    TrustList(#[source] tessera_core::TrustListError),
    /// The counter code typed is not one.
    #[error("counter code {0:?} must be 1 to 16 letters or digits")]
    CounterCode(String),
    /// A camera frame buffer does not match its size.
    #[error(
        "frame of {len} bytes does not match {width}x{height} pixels at {channels} bytes a pixel"
    )]
    FrameSize {
        /// Bytes given.
        len: usize,
        /// Width claimed.
        width: u32,
        /// Height claimed.
        height: u32,
        /// Bytes a pixel (1 luma, 4 RGBA).
        channels: u32,
    },
    /// A frame could not be scanned (empty or too large).
    #[error("camera frame refused")]
    Frame(#[from] tessera_qr::DecodeError),
}

/// A verifier for the browser: a root key, the last good trust list and status lists (with
/// their bytes, to keep in storage), a replay memory, a counter code and a QR scanner.
#[derive(Debug)]
pub struct WebVerifier {
    root: VerifyingKey,
    trust: (TrustList, Vec<u8>),
    status: BTreeMap<(String, u32), (StatusList, Vec<u8>)>,
    counter_code: Option<String>,
    verifier: Verifier,
    scanner: tessera_qr::Scanner,
    /// The text the camera last gave a verdict for: the same code still in view is not
    /// judged again until the scan is restarted.
    last_scanned: Option<String>,
}

/// What happened to one offered trust or status file: `{"outcome": "installed" | "unchanged"
/// | "refused", "detail": ..., "what": "trust list 4" | "status list demo/0" | null}`.
fn outcome_json(outcome: &Outcome, what: Option<String>) -> Value {
    let (name, detail) = match outcome {
        Outcome::Installed(d) => ("installed", d.as_str()),
        Outcome::Unchanged => ("unchanged", ""),
        Outcome::Refused(d) => ("refused", d.as_str()),
    };
    json!({ "outcome": name, "detail": detail, "what": what })
}

fn policy(counter_code: Option<String>) -> Policy {
    Policy {
        counter_code,
        replay_capacity: REPLAY_CAPACITY,
        ..Policy::default()
    }
}

impl WebVerifier {
    /// A verifier from the root key file's text (`root.pub`), a signed trust list (the last
    /// good copy from storage, or the site's) and the replay memory saved by
    /// [`WebVerifier::replay_bytes`] (empty: none; unreadable lines are skipped).
    ///
    /// # Errors
    ///
    /// [`WebError::RootKey`] for a root key file that is not one, [`WebError::TrustList`]
    /// for a trust list that does not check out against it.
    pub fn new(root_pub: &str, trust: &[u8], replay: &[u8]) -> Result<WebVerifier, WebError> {
        let root = tessera_core::keys::public_key_from_text(root_pub).map_err(WebError::RootKey)?;
        let list = TrustList::from_signed(trust, &root).map_err(WebError::TrustList)?;
        let cache = ReplayCache::from_bytes(replay, REPLAY_CAPACITY, 0);
        let verifier = Verifier::with_replay(list.clone(), policy(None), cache);
        Ok(WebVerifier {
            root,
            trust: (list, trust.to_vec()),
            status: BTreeMap::new(),
            counter_code: None,
            verifier,
            scanner: tessera_qr::Scanner::new(tessera_qr::ScanOptions::default()),
            last_scanned: None,
        })
    }

    /// A new [`Verifier`] over the current trust list, status lists and counter code, with
    /// the replay memory carried over.
    fn rebuild(&mut self) {
        let cache =
            ReplayCache::from_bytes(&self.verifier.replay_cache().to_bytes(), REPLAY_CAPACITY, 0);
        let mut v = Verifier::with_replay(
            self.trust.0.clone(),
            policy(self.counter_code.clone()),
            cache,
        );
        for (list, _) in self.status.values() {
            v.add_status_list(list.clone());
        }
        self.verifier = v;
    }

    /// Offers a trust list (fetched from the site): installed only when it checks out
    /// against the root key and is newer, by the rule of `tessera-verify update`. Status
    /// lists that no longer check out under a new trust list are dropped. Returns the
    /// outcome as JSON (see `docs/web.md`).
    pub fn offer_trust(&mut self, bytes: &[u8]) -> Value {
        let (outcome, new) = trust_update(Some((&self.trust.0, &self.trust.1)), bytes, &self.root);
        let what = new.as_ref().map(|l| format!("trust list {}", l.sequence));
        if let (Outcome::Installed(_), Some(new)) = (&outcome, new) {
            self.status
                .retain(|_, (_, b)| StatusList::from_signed(b, &new).is_ok());
            self.trust = (new, bytes.to_vec());
            self.rebuild();
        }
        outcome_json(&outcome, what)
    }

    /// Offers a status list (from storage or the site): installed only when it checks out
    /// against the trust list and was issued later than the one held, by the rule of
    /// `tessera-verify update`. Returns the outcome as JSON.
    pub fn offer_status(&mut self, bytes: &[u8]) -> Value {
        let status = &self.status;
        let (outcome, new) = status_update(
            |k| status.get(k).map(|(l, b)| (l, &b[..])),
            bytes,
            &self.trust.0,
        );
        let what = new
            .as_ref()
            .map(|l| format!("status list {}/{}", l.issuer, l.list));
        if let (Outcome::Installed(_), Some(new)) = (&outcome, new) {
            self.verifier.add_status_list(new.clone());
            self.status
                .insert((new.issuer.clone(), new.list), (new, bytes.to_vec()));
        }
        outcome_json(&outcome, what)
    }

    /// The trust list in use, as signed (to keep in storage).
    pub fn trust_bytes(&self) -> &[u8] {
        &self.trust.1
    }

    /// The status lists in use, as signed (to keep in storage).
    pub fn status_bytes(&self) -> impl Iterator<Item = &[u8]> {
        self.status.values().map(|(_, b)| &b[..])
    }

    /// The replay memory as bytes for storage (at most [`REPLAY_CAPACITY`] lines).
    pub fn replay_bytes(&self) -> Vec<u8> {
        self.verifier.replay_cache().to_bytes()
    }

    /// Sets the counter code this device shows, as typed (normalised as `tessera-verify
    /// --counter-code` does); empty or blank: none.
    ///
    /// # Errors
    ///
    /// [`WebError::CounterCode`] unless 1 to 16 letters or digits remain; the previous code
    /// is kept.
    pub fn set_counter_code(&mut self, typed: &str) -> Result<(), WebError> {
        let code = if typed.trim().is_empty() {
            None
        } else {
            Some(
                tessera_core::presentation::normalize_counter_code(typed)
                    .ok_or_else(|| WebError::CounterCode(typed.to_string()))?,
            )
        };
        if code != self.counter_code {
            self.counter_code = code;
            self.rebuild();
        }
        Ok(())
    }

    /// Judges a pasted or typed code at `now`, as `tessera-verify` judges one line of its
    /// input: trailing CR/LF dropped, case ignored, longer than [`MAX_TEXT`]: malformed.
    /// Returns `None` for blank input (no verdict).
    pub fn check_text(&mut self, text: &str, now: UnixTime) -> Option<Verdict> {
        if text.len() > MAX_TEXT {
            return Some(
                self.verifier
                    .malformed(format!("line longer than {MAX_TEXT} characters"), now),
            );
        }
        if text.trim().is_empty() {
            return None;
        }
        let text = text.trim_end_matches(['\r', '\n']).to_ascii_uppercase();
        Some(self.verifier.check_text(&text, now))
    }

    /// Forgets the code the camera last judged: the next scan judges whatever is in view,
    /// the same code included (which is then `replayed`).
    pub fn restart_scan(&mut self) {
        self.last_scanned = None;
        self.scanner = tessera_qr::Scanner::new(tessera_qr::ScanOptions::default());
    }

    /// Scans one camera frame of 8-bit luma (`width` × `height` bytes) and judges the first
    /// code read in it at `now`. Returns `None` when no code was read, or only the one judged
    /// last (still in view).
    ///
    /// # Errors
    ///
    /// [`WebError::Frame`] for a buffer that does not match its size, an empty or too large
    /// frame.
    pub fn push_luma(
        &mut self,
        luma: &[u8],
        width: u32,
        height: u32,
        now: UnixTime,
    ) -> Result<Option<Verdict>, WebError> {
        let Some(texts) = self.scanner.push_frame(luma, width, height)? else {
            return Ok(None);
        };
        let Some(text) = texts.into_iter().next() else {
            return Ok(None);
        };
        Ok(self.check_scanned(text, now))
    }

    /// Judges a text the camera read (by [`WebVerifier::push_luma`] or the browser's own
    /// `BarcodeDetector`) at `now`; `None` when it is the one judged last in this scan.
    pub fn check_scanned(&mut self, text: String, now: UnixTime) -> Option<Verdict> {
        if self.last_scanned.as_deref() == Some(&text) {
            return None;
        }
        let verdict = self.check_text(&text, now);
        self.last_scanned = Some(text);
        verdict
    }

    /// [`WebVerifier::push_luma`] for an RGBA frame (what a canvas gives: 4 bytes a pixel).
    ///
    /// # Errors
    ///
    /// [`WebError::FrameSize`] when `rgba` is not `width × height × 4` bytes; otherwise as
    /// [`WebVerifier::push_luma`].
    pub fn push_rgba(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        now: UnixTime,
    ) -> Result<Option<Verdict>, WebError> {
        let luma = luma_of_rgba(rgba, width, height)?;
        self.push_luma(&luma, width, height, now)
    }

    /// The age and freshness of the trust data at `now`, as JSON: `trust` (`sequence`,
    /// `issued_at`, `age`, `next_update`, `stale`) and `status` (one object per list:
    /// `issuer`, `list`, `issued_at`, `age`, `ttl`, `stale`).
    pub fn data_info(&self, now: UnixTime) -> Value {
        let t = &self.trust.0;
        let status: Vec<Value> = self
            .status
            .values()
            .map(|(l, _)| {
                json!({
                    "issuer": l.issuer,
                    "list": l.list,
                    "issued_at": l.issued_at,
                    "age": now.saturating_sub(l.issued_at),
                    "ttl": l.ttl,
                    "stale": l.is_stale(now),
                })
            })
            .collect();
        json!({
            "trust": {
                "sequence": t.sequence,
                "issued_at": t.issued_at,
                "age": now.saturating_sub(t.issued_at),
                "next_update": t.next_update,
                "stale": now > t.next_update,
            },
            "status": status,
        })
    }
}

/// Reads the QR codes in one RGBA frame with every pass of tessera-qr's pipeline (what
/// [`tessera_qr::decode_image`] does for an image file), verifying nothing: the one-shot
/// read the decoder comparison in `docs/web.md` measures next to the camera's
/// [`FrameScanner`]. No code: an empty list.
///
/// # Errors
///
/// [`WebError::FrameSize`] when `rgba` is not `width × height × 4` bytes; [`WebError::Frame`]
/// for an empty or too large frame.
pub fn decode_rgba(rgba: &[u8], width: u32, height: u32) -> Result<Vec<String>, WebError> {
    let luma = luma_of_rgba(rgba, width, height)?;
    let Some(img) = image::GrayImage::from_raw(width, height, luma) else {
        return Err(WebError::FrameSize {
            len: rgba.len(),
            width,
            height,
            channels: 4,
        });
    };
    match tessera_qr::decode_image(&img.into()) {
        Ok(texts) => Ok(texts),
        Err(tessera_qr::DecodeError::NotFound { .. }) => Ok(Vec::new()),
        Err(e) => Err(WebError::Frame(e)),
    }
}

/// The luma of an RGBA frame that holds `width × height` pixels.
fn luma_of_rgba(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, WebError> {
    let pixels = u64::from(width) * u64::from(height);
    if rgba.len() as u64 != pixels.saturating_mul(4) {
        return Err(WebError::FrameSize {
            len: rgba.len(),
            width,
            height,
            channels: 4,
        });
    }
    Ok(rgba_to_luma(rgba))
}

/// The camera's QR reader without the verifier: tessera-qr's [`tessera_qr::Scanner`] (a
/// bounded amount of work per frame) over RGBA frames, as [`WebVerifier::push_rgba`] reads
/// them. For pages that only read codes, and for the decoder comparison in `docs/web.md`.
#[derive(Debug, Default)]
pub struct FrameScanner {
    scanner: tessera_qr::Scanner,
}

impl FrameScanner {
    /// A scanner that has seen no frame yet.
    pub fn new() -> FrameScanner {
        FrameScanner::default()
    }

    /// Scans one RGBA frame; the texts read in it (empty: none read in this frame).
    ///
    /// # Errors
    ///
    /// As [`decode_rgba`].
    pub fn push_rgba(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
    ) -> Result<Vec<String>, WebError> {
        let luma = luma_of_rgba(rgba, width, height)?;
        Ok(self
            .scanner
            .push_frame(&luma, width, height)?
            .unwrap_or_default())
    }
}

/// An error and its causes on one line, each once: `"outer: cause: cause's cause"` (what
/// `anyhow` prints with `{:#}`). The page shows this text when the module throws.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Luma from RGBA (ITU-R BT.601 weights in 8-bit fixed point; alpha ignored).
pub fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            let y = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]);
            (y >> 8) as u8
        })
        .collect()
}

/// The verdict as the page reads it: `tessera-verify --json`'s object (see
/// [`Verdict::to_json`]) plus `shown`, each disclosed item as `tessera-verify` prints it
/// (bytes such as the portrait stay in `disclosed`, as base64); `"verdict": "none"` when
/// there is no verdict. When a portrait is disclosed, also `portrait_png` (base64 of the PNG
/// [`portrait::portrait_png`] makes of it) or, when it does not decode, `portrait_error`
/// (why, one line): the page shows only the first, never the portrait's own bytes.
pub fn verdict_json(verdict: Option<&Verdict>) -> Value {
    let Some(v) = verdict else {
        return json!({ "verdict": "none", "reason": null, "disclosed": {}, "shown": {} });
    };
    let mut j = v.to_json();
    let shown: serde_json::Map<String, Value> = v
        .disclosed()
        .iter()
        .filter(|(_, value)| !matches!(value, tessera_verifier::AttrValue::Bytes(_)))
        .map(|(id, value)| (id.name().to_string(), Value::String(value.to_string())))
        .collect();
    if let Value::Object(m) = &mut j {
        m.insert("shown".into(), Value::Object(shown));
        let portrait = v
            .disclosed()
            .iter()
            .find_map(|(id, value)| match (id, value) {
                (tessera_core::AttrId::Portrait, tessera_verifier::AttrValue::Bytes(b)) => Some(b),
                _ => None,
            });
        match portrait.map(|b| portrait::portrait_png(b)) {
            Some(Ok(png)) => {
                m.insert("portrait_png".into(), tessera_verifier::base64(&png).into());
            }
            Some(Err(e)) => {
                m.insert("portrait_error".into(), error_chain(&e).into());
            }
            None => {}
        }
    }
    j
}

#[cfg(test)]
mod tests;
