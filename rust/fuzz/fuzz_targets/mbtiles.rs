#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mapcore_fuzz::entries::mbtiles(data));
