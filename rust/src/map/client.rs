//! The map as the runtime's client: the runtime drives maps through its own
//! trait, so it never depends on this module.

use super::{Map, Purpose};
use crate::runtime::resource::{ResourceInfo, Response};
use crate::runtime::{Client, Core};

/// A runtime of maps (the runtime is generic over what it drives).
pub type Runtime = crate::runtime::Runtime<Map>;

impl Client for Map {
    type Purpose = Purpose;

    fn update(&mut self, core: &mut Core) {
        Map::update(self, core)
    }

    fn touch(&mut self) {
        Map::touch(self)
    }

    fn on_response(&mut self, purpose: Purpose, info: &ResourceInfo, response: Response, core: &mut Core) {
        Map::on_response(self, purpose, info, response, core)
    }

    fn on_job_failed(&mut self, purpose: Purpose, message: &str, core: &mut Core) {
        Map::on_job_failed(self, purpose, message, core)
    }

    fn has_style(&self) -> bool {
        Map::has_style(self)
    }

    fn is_view_loaded(&self) -> bool {
        Map::is_view_loaded(self)
    }

    fn describe_pending(&self) -> String {
        Map::describe_pending(self)
    }

    fn render(&mut self, core: &mut Core) {
        Map::render(self, core)
    }
}
