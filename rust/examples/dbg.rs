use mapcore::map::Map;
use mapcore::runtime::resource::{Decision, Provider, Request, Response};
use mapcore::runtime::{Runtime, RuntimeOptions};
use std::sync::Arc;
struct Assets(std::path::PathBuf);
impl Provider for Assets {
    fn request(&self, request: &Arc<Request>) -> Decision {
        let Some(rel) = request.info.url.strip_prefix("local://") else { return Decision::PassThrough };
        let rel = rel.replace("%20", " ").replace("%2C", ",");
        let response = match std::fs::read(self.0.join(&rel)) { Ok(b) => Response::data(b), Err(_) => Response::NotFound };
        let _ = request.complete(response);
        Decision::Handled
    }
    fn cancel(&self, _r: &Arc<Request>) {}
}
fn main() {
    let test = std::env::args().nth(1).unwrap();
    let style = std::fs::read(if test.contains("/style.json") { test.clone() } else { format!("/work/shared/conformance/render-tests/{test}/style.json") }).unwrap();
    let mut rt = Runtime::new(RuntimeOptions { render_threads: 1, ..Default::default() }).unwrap();
    rt.set_provider(Some(Arc::new(Assets("/work/shared/conformance/assets".into()))));
    let doc: serde_json::Value = serde_json::from_slice(&style).unwrap();
    let t = &doc["metadata"]["test"];
    let (w, h) = (t["width"].as_u64().unwrap_or(512) as u32, t["height"].as_u64().unwrap_or(512) as u32);
    rt.add_map(1, Map::new(1, w, h, t["pixelRatio"].as_f64().unwrap_or(1.0) as f32));
    { let (map, core) = rt.map_mut(1).unwrap(); map.set_style_json(&style, core).unwrap(); }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    for e in rt.drain_events() { if e.message.len() > 0 { println!("event {:?}: {} {}", e.kind, e.url, e.message); } }
    let map = rt.map(1).unwrap();
    println!("{}", map.debug_symbols());
    let img = map.frame().unwrap();
    std::fs::write("/tmp/dbg.png", mapcore::render::png_io::encode_image_png(img).unwrap()).unwrap();
}
