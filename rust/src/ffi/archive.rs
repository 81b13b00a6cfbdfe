//! Tile archive entry points (include/mapcore/archive.h): read tiles and
//! metadata of a host-chosen MBTiles/PMTiles file; write MBTiles.

use std::os::raw::c_char;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::args::{bytes_arg, out_arg, out_handle, str_arg};
use super::guard::{call, fail, invalid_argument, CallResult, Failure};
use super::handles::{self, Entry, Object, Tag};
use super::style::{check_out, give_string};
use super::types::*;
use crate::source::archive::{self, Archive, ArchiveError, TileWriter};

impl From<ArchiveError> for Failure {
    fn from(e: ArchiveError) -> Failure {
        let status = match e {
            ArchiveError::Corrupt(_) => mapcore_status::MAPCORE_STATUS_PARSE_ERROR,
            ArchiveError::Unsupported(_) => mapcore_status::MAPCORE_STATUS_UNSUPPORTED,
            ArchiveError::Io(_) => mapcore_status::MAPCORE_STATUS_IO_ERROR,
        };
        Failure { status, message: e.to_string() }
    }
}

fn zoom_arg(z: u32) -> CallResult<u8> {
    if z > 30 {
        return invalid_argument(format!("zoom {z} is above 30"));
    }
    Ok(z as u8)
}

fn get_archive(a: mapcore_archive) -> CallResult<Arc<dyn Archive>> {
    match handles::get(a.id, Tag::Archive)?.object {
        Object::Archive(a) => Ok(a),
        _ => invalid_argument("not an archive handle"),
    }
}

type WriterCell = Arc<Mutex<Option<Box<dyn TileWriter>>>>;

fn get_writer(w: mapcore_mbtiles_writer) -> CallResult<WriterCell> {
    match handles::get(w.id, Tag::ArchiveWriter)?.object {
        Object::ArchiveWriter(w) => Ok(w),
        _ => invalid_argument("not an MBTiles writer handle"),
    }
}

/// Runs `f` on the writer (serialized with other calls on it).
fn with_writer<T>(w: mapcore_mbtiles_writer, f: impl FnOnce(&mut dyn TileWriter) -> CallResult<T>) -> CallResult<T> {
    let cell = get_writer(w)?;
    let mut guard = cell.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_mut() {
        Some(writer) => f(writer.as_mut()),
        None => fail(mapcore_status::MAPCORE_STATUS_INVALID_STATE, "the writer failed to finish and holds nothing"),
    }
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_archive_open(path: *const c_char, out_archive: *mut mapcore_archive) -> mapcore_status {
    call("mapcore_archive_open", || {
        let path = str_arg(path, "path")?;
        let out = out_handle(out_archive as *mut u64, "out_archive")?;
        let opened = archive::open_file(Path::new(path))?;
        *out = handles::insert(Tag::Archive, Entry { owner: None, object: Object::Archive(opened) });
        Ok(())
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_archive_metadata(archive: mapcore_archive, out_json: *mut *mut c_char) -> mapcore_status {
    call("mapcore_archive_metadata", || {
        check_out(out_json)?;
        let a = get_archive(archive)?;
        give_string(out_json, a.metadata().tilejson("{z}/{x}/{y}"))
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_archive_read_tile(
    archive: mapcore_archive,
    z: u32,
    x: u32,
    y: u32,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> mapcore_status {
    call("mapcore_archive_read_tile", || {
        let data = out_arg(out_data, "out_data")?;
        if !data.is_null() {
            return invalid_argument("`*out_data` must be NULL on entry");
        }
        let len = out_arg(out_len, "out_len")?;
        let a = get_archive(archive)?;
        let z = zoom_arg(z)?;
        match a.tile(z, x, y)? {
            None => *len = 0,
            Some(bytes) => {
                let boxed = bytes.into_boxed_slice();
                *len = boxed.len();
                *data = Box::into_raw(boxed) as *mut u8;
            }
        }
        Ok(())
    })
}

/// # Safety
/// `data`/`len` are NULL/0 or exactly what mapcore_archive_read_tile handed out.
#[no_mangle]
pub unsafe extern "C" fn mapcore_archive_tile_free(data: *mut u8, len: usize) -> mapcore_status {
    call("mapcore_archive_tile_free", || {
        if !data.is_null() {
            drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)));
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn mapcore_archive_close(archive: mapcore_archive) -> mapcore_status {
    call("mapcore_archive_close", || {
        if archive.id == 0 {
            return Ok(());
        }
        match handles::get(archive.id, Tag::Archive) {
            Ok(_) => {
                handles::remove(archive.id);
                Ok(())
            }
            // Released already: a no-op.
            Err(e) if e.status == mapcore_status::MAPCORE_STATUS_INVALID_STATE => Ok(()),
            Err(e) => Err(e),
        }
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_mbtiles_writer_open(path: *const c_char, out_writer: *mut mapcore_mbtiles_writer) -> mapcore_status {
    call("mapcore_mbtiles_writer_open", || {
        let path = str_arg(path, "path")?;
        let out = out_handle(out_writer as *mut u64, "out_writer")?;
        let w = archive::mbtiles_writer(Path::new(path))?;
        *out = handles::insert(Tag::ArchiveWriter, Entry { owner: None, object: Object::ArchiveWriter(Arc::new(Mutex::new(Some(w)))) });
        Ok(())
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_mbtiles_writer_has_tile(
    writer: mapcore_mbtiles_writer,
    z: u32,
    x: u32,
    y: u32,
    out_present: *mut bool,
) -> mapcore_status {
    call("mapcore_mbtiles_writer_has_tile", || {
        let out = out_arg(out_present, "out_present")?;
        let z = zoom_arg(z)?;
        *out = with_writer(writer, |w| Ok(w.has_tile(z, x, y)?))?;
        Ok(())
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_mbtiles_writer_put_tile(
    writer: mapcore_mbtiles_writer,
    z: u32,
    x: u32,
    y: u32,
    data: *const u8,
    len: usize,
) -> mapcore_status {
    call("mapcore_mbtiles_writer_put_tile", || {
        let bytes = bytes_arg(data, len, "data")?;
        let z = zoom_arg(z)?;
        with_writer(writer, |w| Ok(w.put_tile(z, x, y, bytes)?))
    })
}

/// # Safety
/// Pointers as documented in archive.h.
#[no_mangle]
pub unsafe extern "C" fn mapcore_mbtiles_writer_set_metadata(
    writer: mapcore_mbtiles_writer,
    name: *const c_char,
    value: *const c_char,
) -> mapcore_status {
    call("mapcore_mbtiles_writer_set_metadata", || {
        let name = str_arg(name, "name")?;
        let value = str_arg(value, "value")?;
        with_writer(writer, |w| Ok(w.set_metadata(name, value)?))
    })
}

#[no_mangle]
pub extern "C" fn mapcore_mbtiles_writer_close(writer: mapcore_mbtiles_writer) -> mapcore_status {
    call("mapcore_mbtiles_writer_close", || {
        if writer.id == 0 {
            return Ok(());
        }
        let cell = match get_writer(writer) {
            Ok(c) => c,
            Err(e) if e.status == mapcore_status::MAPCORE_STATUS_INVALID_STATE => return Ok(()), // released: no-op
            Err(e) => return Err(e),
        };
        handles::remove(writer.id);
        let taken = cell.lock().unwrap_or_else(|e| e.into_inner()).take();
        match taken {
            Some(w) => Ok(w.finish()?),
            None => Ok(()),
        }
    })
}
