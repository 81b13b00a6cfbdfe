#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mapcore_fuzz::run(data, mapcore_fuzz::entries::mbtiles));
