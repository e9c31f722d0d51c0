//! `tessera_qr::decode_bytes` on arbitrary bytes.
//!
//! Properties: it never panics; it answers within a time bound (hostile dimensions and
//! truncated files are refused before pixel decoding); and whatever it returns as text is
//! non-empty and contains no duplicate. Inputs that start with a PNG or JPEG signature reach
//! the image decoders; seeding the corpus with small PNGs of QR codes reaches rxing.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;

/// Generous: a 24-megapixel frame through every pass of the pipeline in a release build
/// takes about 1 s on the reference machine; fuzzing builds add sanitizer overhead.
const TIME_BOUND: Duration = Duration::from_secs(10);

fuzz_target!(|data: &[u8]| {
    let start = Instant::now();
    let result = tessera_qr::decode_bytes(data);
    assert!(
        start.elapsed() < TIME_BOUND,
        "decode_bytes took {:?} on {} bytes",
        start.elapsed(),
        data.len()
    );
    if let Ok(texts) = result {
        assert!(!texts.is_empty(), "Ok with no text");
        for (i, t) in texts.iter().enumerate() {
            assert!(!texts[..i].contains(t), "duplicate text");
        }
    }
});
