//! Render tests from ../shared/conformance rendered through the C API (the
//! exported `mapcore_*` functions, as a C host calls them) and compared with
//! the suite's rule: pixelmatch (threshold 0.13, anti-aliased pixels not
//! counted), difference = mismatched / all pixels <= allowed (default
//! 0.00015), against expected.png holding premultiplied values.

use std::ffi::{c_void, CStr};
use std::path::{Path, PathBuf};

use mapcore::ffi::map::*;
use mapcore::ffi::render::*;
use mapcore::ffi::resource::*;
use mapcore::ffi::runtime::*;
use mapcore::ffi::types::*;
use mapcore::render::pixelmatch::{pixelmatch, PixelmatchOptions};
use mapcore::render::png_io::{decode_png, premultiply};

/// The tests issue #2 requires to pass.
const REQUIRED: &[&str] = &["background-color/default", "background-color/function", "fill-color/default"];

#[path = "../src/test_support.rs"]
mod test_support;

/// The shared data folder when its render tests are there.
fn shared() -> Option<PathBuf> {
    test_support::shared_path("conformance/render-tests").and_then(|_| test_support::shared_dir())
}

fn check(status: mapcore_status, what: &str) {
    if status != mapcore_status::MAPCORE_STATUS_OK {
        // SAFETY: the diagnostic is a valid C string until the next call.
        let msg = unsafe { CStr::from_ptr(mapcore::ffi::base::mapcore_last_error_message()) };
        panic!("{what}: {status:?}: {}", msg.to_string_lossy());
    }
}

/// Serves local://X from the assets folder given as user data.
unsafe extern "C" fn local_provider(user: *mut c_void, info: *const mapcore_resource_info, req: mapcore_resource_request) -> u32 {
    let assets = &*(user as *const PathBuf);
    let url = CStr::from_ptr((*info).url).to_string_lossy().into_owned();
    let Some(rest) = url.strip_prefix("local://") else {
        mapcore_resource_request_release(req);
        return 0;
    };
    match std::fs::read(assets.join(rest)) {
        Ok(bytes) => mapcore_resource_request_complete(req, bytes.as_ptr(), bytes.len()),
        Err(_) => mapcore_resource_request_not_found(req),
    };
    mapcore_resource_request_release(req);
    1
}

/// Renders one test; returns (difference, allowed).
fn run(shared: &Path, name: &str) -> (f64, f64) {
    let dir = shared.join("conformance/render-tests").join(name);
    let style = std::fs::read_to_string(dir.join("style.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&style).unwrap();
    let test = &json["metadata"]["test"];
    let width = test["width"].as_u64().unwrap_or(512) as u32;
    let height = test["height"].as_u64().unwrap_or(512) as u32;
    let ratio = test["pixelRatio"].as_f64().unwrap_or(1.0) as f32;
    let allowed = test["allowed"].as_f64().or(test["diff"].as_f64()).unwrap_or(0.00015);
    let assets = Box::new(shared.join("conformance/assets"));
    unsafe {
        let mut rt = mapcore_runtime::default();
        check(mapcore_runtime_create(std::ptr::null(), &mut rt), "runtime");
        let provider = mapcore_resource_provider {
            size: std::mem::size_of::<mapcore_resource_provider>(),
            request: Some(local_provider),
            cancel: None,
            user_data: &*assets as *const PathBuf as *mut c_void,
        };
        check(mapcore_runtime_set_resource_provider(rt, &provider), "provider");
        let mut map = mapcore_map::default();
        check(mapcore_map_create(rt, std::ptr::null(), &mut map), "map");
        let mut session = mapcore_render_session::default();
        check(mapcore_render_session_create_texture(map, width, height, ratio, &mut session), "session");
        check(mapcore_map_set_style_json(map, style.as_ptr() as *const _, style.len()), "style");
        check(mapcore_render_session_render_still(session, 30000), "render");
        let mut info = mapcore_image_info_default();
        check(mapcore_render_session_read_pixels(session, std::ptr::null_mut(), 0, &mut info), "probe");
        let mut pixels = vec![0u8; info.byte_length];
        check(mapcore_render_session_read_pixels(session, pixels.as_mut_ptr(), pixels.len(), &mut info), "read");
        mapcore_render_session_destroy(session);
        mapcore_map_destroy(map);
        mapcore_runtime_destroy(rt);
        // The suite's expectations are premultiplied values.
        premultiply(&mut pixels);
        let expected = decode_png(&std::fs::read(dir.join("expected.png")).unwrap()).unwrap();
        assert_eq!((expected.width, expected.height), (info.width, info.height), "{name}: size");
        let opts = PixelmatchOptions { threshold: 0.13, ..PixelmatchOptions::default() };
        let (mismatched, diff) = pixelmatch(&pixels, &expected.data, info.width, info.height, &opts).unwrap();
        if let Some(dir) = std::env::var_os("MAPCORE_SURVEY_OUT") {
            let out = Path::new(&dir).join(name.replace('/', "__"));
            let _ = std::fs::create_dir_all(&out);
            let _ = std::fs::write(out.join("actual.png"), mapcore::render::png_io::encode_png(&pixels, info.width, info.height).unwrap());
            let _ = std::fs::write(out.join("diff.png"), mapcore::render::png_io::encode_png(&diff, info.width, info.height).unwrap());
        }
        (mismatched as f64 / (info.width as f64 * info.height as f64), allowed)
    }
}

#[test]
fn required_render_tests_pass_through_the_c_api() {
    let Some(shared) = shared() else {
        test_support::skipped("../shared/conformance/render-tests");
        return;
    };
    let mut failed = vec![];
    for name in REQUIRED {
        let (difference, allowed) = run(&shared, name);
        println!("{name}: difference {difference:.6} (allowed {allowed})");
        if difference > allowed {
            failed.push(format!("{name}: {difference:.6} > {allowed}"));
        }
    }
    assert!(failed.is_empty(), "render tests failed: {failed:?}");
}

/// Renders every test of the suite (no operations applied) and prints its
/// difference: a development survey, not a pass/fail gate.
/// `cargo test --release --test capi_render_tests -- --ignored --nocapture`
#[test]
#[ignore]
fn survey_render_suite() {
    let Some(shared) = shared() else {
        test_support::skipped("../shared/conformance/render-tests");
        return;
    };
    let root = shared.join("conformance/render-tests");
    let filter = std::env::var("MAPCORE_SURVEY").unwrap_or_default();
    let mut names = vec![];
    for group in std::fs::read_dir(&root).unwrap().flatten() {
        for test in std::fs::read_dir(group.path()).unwrap().flatten() {
            if test.path().join("style.json").exists() {
                names.push(format!("{}/{}", group.file_name().to_string_lossy(), test.file_name().to_string_lossy()));
            }
        }
    }
    names.sort();
    let (mut pass, mut fail) = (0, 0);
    for name in names.iter().filter(|n| n.contains(&filter)) {
        let outcome = std::panic::catch_unwind(|| run(&shared, name));
        match outcome {
            Ok((d, allowed)) if d <= allowed => pass += 1,
            Ok((d, _)) => {
                fail += 1;
                println!("FAIL {name} {d:.5}");
            }
            Err(_) => {
                fail += 1;
                println!("FAIL {name} error");
            }
        }
    }
    println!("survey: {pass} passed, {fail} failed");
}
