//! Opening a sealed store record: arbitrary bytes never open (no forgery without the key),
//! never panic; seal then open gives the input back; a flipped byte or another slot fails.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tessera_store::fuzz_open_record(data);
});
