//! Durable file writes: write to a temporary file, fsync, rename, fsync the folder; and the
//! output files that hold personal data or keys: created new, mode 0600, never through a
//! symbolic link.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use tessera_fs::{parent, sync_dir};

/// Mode of secret files.
pub(crate) const SECRET_MODE: u32 = 0o600;
/// Mode of public files.
pub(crate) const PUBLIC_MODE: u32 = 0o644;

/// Replaces `path` with `bytes` atomically and durably, the new file's mode exactly `mode`
/// (see [`tessera_fs::write_atomic`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    tessera_fs::write_atomic(path, bytes, Some(mode))
}

/// Creates a folder (and its parents) with `mode` and fsyncs its parent. A folder that
/// already exists keeps its mode: the owner chose it.
pub(crate) fn create_dir(dir: &Path, mode: u32) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new().recursive(true).mode(mode).create(dir)?;
    // The umask may have removed bits; make the new folder's mode exact.
    fs::set_permissions(dir, fs::Permissions::from_mode(mode))?;
    sync_dir(parent(dir))
}

/// Writes `bytes` to a new file at `path`, mode 0600, and makes it durable. Without
/// `replace`, an existing path (a file, a folder, or a symbolic link, even a dangling one)
/// is refused with [`io::ErrorKind::AlreadyExists`]: the file is created with `O_EXCL`, which
/// never follows a link. With `replace`, the new file is written beside it and renamed over
/// it, which replaces a link itself and never writes through it.
pub(crate) fn write_new(path: &Path, bytes: &[u8], replace: bool) -> io::Result<()> {
    if replace {
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a folder, not a file",
            ));
        }
        return write_atomic(path, bytes, SECRET_MODE);
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(SECRET_MODE)
        .open(path)?;
    let written = f
        .set_permissions(fs::Permissions::from_mode(SECRET_MODE))
        .and_then(|()| f.write_all(bytes))
        .and_then(|()| f.sync_all());
    if let Err(e) = written {
        drop(f);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    drop(f);
    sync_dir(parent(path))
}

/// Writes an output file that holds personal data or keys (a credential, a request): a new
/// file, mode 0600, never through a symbolic link; an existing path is refused unless
/// `force`, which replaces it atomically. See [`crate::Error::FileExists`].
pub fn write_private_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), crate::Error> {
    write_new(path, bytes, force).map_err(|source| {
        if source.kind() == io::ErrorKind::AlreadyExists {
            crate::Error::FileExists(path.to_path_buf())
        } else {
            crate::Error::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Opens an output file that holds personal data for reading and appending: creates it
/// (mode 0600) when absent; when present, it must be a regular file reached without a
/// symbolic link, and a looser mode is tightened to 0600.
pub(crate) fn open_private(path: &Path) -> io::Result<File> {
    let opts = || {
        let mut o = OpenOptions::new();
        o.read(true).write(true);
        o
    };
    match opts().create_new(true).mode(SECRET_MODE).open(path) {
        Ok(f) => {
            f.set_permissions(fs::Permissions::from_mode(SECRET_MODE))?;
            sync_dir(parent(path))?;
            return Ok(f);
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let link = path.symlink_metadata()?;
    if link.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a symbolic link; refusing to write through it",
        ));
    }
    if !link.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is not a regular file",
        ));
    }
    let f = opts().open(path)?;
    let meta = f.metadata()?;
    // The path could have been swapped for a link between the check and the open.
    if (meta.dev(), meta.ino()) != (link.dev(), link.ino()) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "changed while it was opened; refusing to write to it",
        ));
    }
    if meta.mode() & 0o777 != SECRET_MODE {
        f.set_permissions(fs::Permissions::from_mode(SECRET_MODE))?;
    }
    Ok(f)
}

/// Replaces a symbolic link atomically.
pub(crate) fn symlink_atomic(target: &Path, link: &Path) -> io::Result<()> {
    let dir = parent(link);
    let name = link
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    fs::rename(&tmp, link)?;
    sync_dir(dir)
}
