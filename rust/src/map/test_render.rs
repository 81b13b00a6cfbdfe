//! Test helper: one still image of a style on a fresh runtime.

use super::{Event, Image, Map, Runtime};
use crate::runtime::RuntimeOptions;

/// Renders `style` (JSON) as a still image of `width` x `height` on a new
/// runtime made with `options`; returns the frame and the events.
pub(crate) fn render_style(options: RuntimeOptions, width: u32, height: u32, style: &str) -> (Image, Vec<Event>) {
    let mut rt = Runtime::new(options).unwrap();
    rt.add_map(1, Map::new(1, width, height, 1.0));
    {
        let (map, core) = rt.map_mut(1).unwrap();
        map.set_style_json(style.as_bytes(), core).unwrap();
    }
    rt.render_still(1, Some(std::time::Duration::from_secs(20))).unwrap();
    let frame = rt.map(1).unwrap().frame().unwrap().clone();
    (frame, rt.drain_events())
}
