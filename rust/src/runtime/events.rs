//! Events the runtime queues for the host, drained in batches.

use crate::runtime::resource::ResourceKind;

/// Kinds of event (values match the C API's `mapcore_event_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    StyleLoaded = 1,
    SourceLoaded = 2,
    MapIdle = 3,
    StillImageFinished = 4,
    RenderFrameFinished = 5,
    StyleError = 6,
    ResourceError = 7,
    TileError = 8,
    Warning = 9,
    /// Something the host may like to know that needs no action (e.g. a
    /// font substituted for labels).
    Info = 10,
}

/// One event. Fields that do not apply are empty / `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    /// The map's id (0 for runtime-wide events).
    pub map: u64,
    pub message: String,
    pub url: String,
    pub source_id: String,
    pub resource_kind: Option<ResourceKind>,
    pub tile: Option<(i32, i32, i32)>,
    pub complete: bool,
}

impl Event {
    pub fn new(kind: EventKind, map: u64) -> Event {
        Event {
            kind,
            map,
            message: String::new(),
            url: String::new(),
            source_id: String::new(),
            resource_kind: None,
            tile: None,
            complete: false,
        }
    }

    pub fn message(mut self, message: impl Into<String>) -> Event {
        self.message = message.into();
        self
    }

    pub fn url(mut self, url: impl Into<String>) -> Event {
        self.url = url.into();
        self
    }

    pub fn source(mut self, source_id: impl Into<String>) -> Event {
        self.source_id = source_id.into();
        self
    }
}
