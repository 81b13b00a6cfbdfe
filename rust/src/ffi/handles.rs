//! Generational handles: 64-bit ids (8-bit type tag, 24-bit generation,
//! 32-bit slot) in a process-wide table. A released or forged id is detected.

use std::ffi::CString;
use std::sync::atomic::AtomicU8;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::ThreadId;

use super::guard::{fail, invalid_argument, invalid_state, CallResult};
use super::types::mapcore_status;
use crate::runtime::resource::Request;
use crate::runtime::Shared;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Runtime = 1,
    Map = 2,
    Session = 3,
    Request = 4,
    Archive = 5,
    ArchiveWriter = 6,
}

impl Tag {
    fn name(self) -> &'static str {
        match self {
            Tag::Runtime => "runtime",
            Tag::Map => "map",
            Tag::Session => "render session",
            Tag::Request => "resource request",
            Tag::Archive => "archive",
            Tag::ArchiveWriter => "MBTiles writer",
        }
    }
    fn from_bits(bits: u64) -> Option<Tag> {
        match bits {
            1 => Some(Tag::Runtime),
            2 => Some(Tag::Map),
            3 => Some(Tag::Session),
            4 => Some(Tag::Request),
            5 => Some(Tag::Archive),
            6 => Some(Tag::ArchiveWriter),
            _ => None,
        }
    }
}

/// What a handle stands for.
#[derive(Clone)]
pub enum Object {
    /// A runtime (its objects live on the owner thread; this part is shared).
    Runtime(Arc<Shared>),
    /// A map of the runtime `runtime`.
    Map { runtime: u64 },
    /// A render session of map `map` in runtime `runtime`.
    Session { runtime: u64 },
    /// A resource request handed to the host, with its URL as a C string and
    /// the provider's decision (see `ffi::resource::Phase`).
    Request { request: Arc<Request>, url: Arc<CString>, phase: Arc<AtomicU8> },
    /// An open tile archive (any thread).
    Archive(Arc<dyn crate::source::archive::Archive>),
    /// An archive being written (any thread; calls serialized; None once
    /// finished).
    ArchiveWriter(Arc<Mutex<Option<Box<dyn crate::source::archive::TileWriter>>>>),
}

#[derive(Clone)]
pub struct Entry {
    pub owner: Option<ThreadId>,
    pub object: Object,
}

struct Slot {
    generation: u32,
    entry: Option<(Tag, Entry)>,
}

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

static TABLE: Mutex<Table> = Mutex::new(Table { slots: Vec::new(), free: Vec::new() });

fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

const GEN_MASK: u32 = 0x00FF_FFFF;

fn split(id: u64) -> (u64, u32, u32) {
    (id >> 56, ((id >> 32) as u32) & GEN_MASK, id as u32)
}

/// Registers an object; returns its id.
pub fn insert(tag: Tag, entry: Entry) -> u64 {
    let mut t = table();
    let slot = match t.free.pop() {
        Some(s) => s,
        None => {
            t.slots.push(Slot { generation: 0, entry: None });
            (t.slots.len() - 1) as u32
        }
    };
    let s = &mut t.slots[slot as usize];
    s.generation = (s.generation + 1) & GEN_MASK;
    if s.generation == 0 {
        s.generation = 1;
    }
    s.entry = Some((tag, entry));
    ((tag as u64) << 56) | ((s.generation as u64) << 32) | slot as u64
}

/// Looks up a live handle of kind `tag`. Null → INVALID_ARGUMENT; a handle
/// of another kind → INVALID_ARGUMENT; released or forged → INVALID_STATE.
pub fn get(id: u64, tag: Tag) -> CallResult<Entry> {
    if id == 0 {
        return invalid_argument(format!("the {} handle is null", tag.name()));
    }
    let (tag_bits, generation, slot) = split(id);
    match Tag::from_bits(tag_bits) {
        Some(t) if t == tag => {}
        Some(t) => {
            return invalid_argument(format!("expected a {} handle, got a {} handle", tag.name(), t.name()))
        }
        None => return invalid_state(format!("stale {} handle: not a handle mapcore issued", tag.name())),
    }
    let t = table();
    match t.slots.get(slot as usize) {
        Some(Slot { generation: g, entry: Some((_, e)) }) if *g == generation => Ok(e.clone()),
        _ => invalid_state(format!("stale {} handle: it was destroyed or released", tag.name())),
    }
}

/// Like `get`, and checks that the caller is the owner thread.
pub fn get_owned(id: u64, tag: Tag) -> CallResult<Entry> {
    let e = get(id, tag)?;
    if let Some(owner) = e.owner {
        if owner != std::thread::current().id() {
            return fail(
                mapcore_status::MAPCORE_STATUS_WRONG_THREAD,
                format!(
                    "the {} belongs to thread {:?} (the thread that created its runtime) but was called from thread {:?}",
                    tag.name(),
                    owner,
                    std::thread::current().id()
                ),
            );
        }
    }
    Ok(e)
}

/// Whether `id` names a live object of kind `tag` (for release no-ops).
pub fn is_live(id: u64, tag: Tag) -> bool {
    get(id, tag).is_ok()
}

/// Unregisters a handle; returns its entry if it was live.
pub fn remove(id: u64) -> Option<Entry> {
    let (_, generation, slot) = split(id);
    let mut t = table();
    let s = t.slots.get_mut(slot as usize)?;
    if s.generation != generation || s.entry.is_none() {
        return None;
    }
    let (_, e) = s.entry.take()?;
    t.free.push(slot);
    Some(e)
}
