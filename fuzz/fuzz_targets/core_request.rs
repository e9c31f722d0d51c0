//! Enrolment requests: reading never panics; whatever is accepted re-encodes to the same
//! bytes and survives the `TR1:` text round trip; and a request file's two forms (bytes and
//! text) read the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::request::{self, RequestPolicy, VerifiedRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = VerifiedRequest::from_slice(data) {
        let text = request::to_text(data);
        assert_eq!(request::from_text(&text).as_deref(), Ok(data));
        assert_eq!(request::from_file_bytes(text.as_bytes()).as_deref(), Ok(data));
        let at = request::verify_request(data, req.created(), &RequestPolicy::default());
        assert_eq!(at, Ok(req));
    }
    if let Ok(bytes) = request::from_file_bytes(data) {
        let _ = VerifiedRequest::from_slice(&bytes);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = request::from_text(s);
    }
});
