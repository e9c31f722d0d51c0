//! The JavaScript interface (browser build only): [`Web`] wraps [`WebVerifier`], takes byte
//! arrays and the clock from the page, and returns JSON text. See `docs/web.md`.

use crate::{FrameScanner, WebVerifier, error_chain, verdict_json};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the module is loaded: a panic (a bug) is written to the browser's console
/// with its message before the module traps.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| console_error(&info.to_string())));
}

/// Unix seconds from JavaScript's `Date.now() / 1000` (negative or not a number: 0).
fn unix(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

/// The error and its causes, each once, as the exception's message.
fn err(e: impl std::error::Error) -> JsError {
    JsError::new(&error_chain(&e))
}

/// The verifier, as JavaScript sees it.
#[wasm_bindgen]
pub struct Web {
    inner: WebVerifier,
}

#[wasm_bindgen]
impl Web {
    /// `new Web(rootPubText, trustListBytes, replayBytes)`; throws with a message when the
    /// root key or the trust list is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(root_pub: &str, trust: &[u8], replay: &[u8]) -> Result<Web, JsError> {
        WebVerifier::new(root_pub, trust, replay)
            .map(|inner| Web { inner })
            .map_err(err)
    }

    /// Offers a trust list; returns the outcome JSON.
    #[wasm_bindgen(js_name = offerTrust)]
    pub fn offer_trust(&mut self, bytes: &[u8]) -> String {
        self.inner.offer_trust(bytes).to_string()
    }

    /// Offers a status list; returns the outcome JSON.
    #[wasm_bindgen(js_name = offerStatus)]
    pub fn offer_status(&mut self, bytes: &[u8]) -> String {
        self.inner.offer_status(bytes).to_string()
    }

    /// The trust list in use, as signed.
    #[wasm_bindgen(js_name = trustBytes)]
    pub fn trust_bytes(&self) -> Vec<u8> {
        self.inner.trust_bytes().to_vec()
    }

    /// Number of status lists in use.
    #[wasm_bindgen(js_name = statusCount)]
    pub fn status_count(&self) -> usize {
        self.inner.status_bytes().count()
    }

    /// The `i`-th status list in use, as signed (empty past the end).
    #[wasm_bindgen(js_name = statusBytes)]
    pub fn status_bytes(&self, i: usize) -> Vec<u8> {
        self.inner
            .status_bytes()
            .nth(i)
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }

    /// The replay memory, for storage.
    #[wasm_bindgen(js_name = replayBytes)]
    pub fn replay_bytes(&self) -> Vec<u8> {
        self.inner.replay_bytes()
    }

    /// Sets the counter code as typed (empty: none); throws when it is not one.
    #[wasm_bindgen(js_name = setCounterCode)]
    pub fn set_counter_code(&mut self, typed: &str) -> Result<(), JsError> {
        self.inner.set_counter_code(typed).map_err(err)
    }

    /// Judges pasted text; returns the verdict JSON (`"verdict": "none"` for blank input).
    #[wasm_bindgen(js_name = checkText)]
    pub fn check_text(&mut self, text: &str, now: f64) -> String {
        verdict_json(self.inner.check_text(text, unix(now)).as_ref()).to_string()
    }

    /// Starts a new scan (the code judged last may be judged again).
    #[wasm_bindgen(js_name = restartScan)]
    pub fn restart_scan(&mut self) {
        self.inner.restart_scan();
    }

    /// Scans an RGBA frame; returns the verdict JSON, or an empty string when no new code
    /// was read. Throws for a buffer that does not match its size.
    #[wasm_bindgen(js_name = pushRgba)]
    pub fn push_rgba(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        now: f64,
    ) -> Result<String, JsError> {
        let v = self
            .inner
            .push_rgba(rgba, width, height, unix(now))
            .map_err(err)?;
        Ok(v.map(|v| verdict_json(Some(&v)).to_string())
            .unwrap_or_default())
    }

    /// Scans a luma frame (1 byte a pixel); as `pushRgba`.
    #[wasm_bindgen(js_name = pushLuma)]
    pub fn push_luma(
        &mut self,
        luma: &[u8],
        width: u32,
        height: u32,
        now: f64,
    ) -> Result<String, JsError> {
        let v = self
            .inner
            .push_luma(luma, width, height, unix(now))
            .map_err(err)?;
        Ok(v.map(|v| verdict_json(Some(&v)).to_string())
            .unwrap_or_default())
    }

    /// Judges a text the browser's `BarcodeDetector` read; as `pushRgba`.
    #[wasm_bindgen(js_name = checkScanned)]
    pub fn check_scanned(&mut self, text: String, now: f64) -> String {
        let v = self.inner.check_scanned(text, unix(now));
        v.map(|v| verdict_json(Some(&v)).to_string())
            .unwrap_or_default()
    }

    /// The age and freshness of the trust data, as JSON.
    #[wasm_bindgen(js_name = dataInfo)]
    pub fn data_info(&self, now: f64) -> String {
        self.inner.data_info(unix(now)).to_string()
    }
}

/// Reads a code from a PNG or JPEG file's bytes (an uploaded image); returns the texts found
/// as a JSON array, or throws with the reason.
#[wasm_bindgen(js_name = decodeImage)]
pub fn decode_image(bytes: &[u8]) -> Result<String, JsError> {
    let texts = tessera_qr::decode_bytes(bytes).map_err(err)?;
    Ok(serde_json::Value::from(texts).to_string())
}

/// Reads the codes in an RGBA frame with every pass of the pipeline, verifying nothing;
/// returns the texts as a JSON array (`[]`: none). Throws for a buffer that does not match
/// its size.
#[wasm_bindgen(js_name = decodeRgba)]
pub fn decode_rgba(rgba: &[u8], width: u32, height: u32) -> Result<String, JsError> {
    let texts = crate::decode_rgba(rgba, width, height).map_err(err)?;
    Ok(serde_json::Value::from(texts).to_string())
}

/// The camera's QR reader without the verifier (`new FrameScanner()`).
#[wasm_bindgen(js_name = FrameScanner)]
pub struct JsFrameScanner {
    inner: FrameScanner,
}

#[wasm_bindgen(js_class = FrameScanner)]
impl JsFrameScanner {
    /// A scanner that has seen no frame yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsFrameScanner {
        JsFrameScanner {
            inner: FrameScanner::new(),
        }
    }

    /// Scans an RGBA frame; returns the texts read in it as a JSON array (`[]`: none).
    /// Throws for a buffer that does not match its size.
    #[wasm_bindgen(js_name = pushRgba)]
    pub fn push_rgba(&mut self, rgba: &[u8], width: u32, height: u32) -> Result<String, JsError> {
        let texts = self.inner.push_rgba(rgba, width, height).map_err(err)?;
        Ok(serde_json::Value::from(texts).to_string())
    }
}

impl Default for JsFrameScanner {
    fn default() -> Self {
        JsFrameScanner::new()
    }
}
