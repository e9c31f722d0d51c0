//! Parsing the store header, a backup file head and a backup body: never panics; what
//! parses re-encodes to the same bytes; Argon2id limits are checked without deriving.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tessera_store::fuzz_parse_header(data);
});
