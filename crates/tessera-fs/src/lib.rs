//! Durable file writes: the one atomic-write helper of the workspace; and [`read_limited`],
//! the one bounded reader of files that come from outside.
//!
//! [`write_atomic`] writes a temporary file beside the target (created new, so it never
//! follows a symbolic link), fsyncs it, renames it over the target and fsyncs the folder:
//! readers see the old file or the new one, never a mix, and the new file survives a crash
//! once the call returns. [`write_atomic_new`] does the same but refuses a target that
//! exists. Used by tessera-store (backups), tessera-issuer (keys, state, published files)
//! and tessera-verifier (trust data, replay cache).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces `path` with `bytes` atomically and durably.
///
/// `mode` is the new file's exact Unix mode (the umask does not apply); `None` keeps the
/// platform default (0666 less the umask on Unix). A symbolic link at `path` is replaced by
/// the new file, never written through.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("state.json");
/// tessera_fs::write_atomic(&path, b"{}", Some(0o600))?;
/// tessera_fs::write_atomic(&path, b"{\"a\":1}", Some(0o600))?;
/// assert_eq!(std::fs::read(&path)?, b"{\"a\":1}");
/// // A path with no file name is refused.
/// assert!(tessera_fs::write_atomic(std::path::Path::new("/"), b"", None).is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    write(path, bytes, mode, true)
}

/// Like [`write_atomic`], but an existing `path` (checked just before the rename) is refused
/// with [`io::ErrorKind::AlreadyExists`] and left as it was.
pub fn write_atomic_new(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    write(path, bytes, mode, false)
}

/// Fsyncs a folder so that a rename or a new file in it is durable. Does nothing where the
/// standard library cannot open a folder for that (outside Unix).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The folder `path` is in (`.` for a bare file name).
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn write(path: &Path, bytes: &[u8], mode: Option<u32>, replace: bool) -> io::Result<()> {
    let dir = parent(path);
    let (tmp, mut f) = create_temp(path, dir, mode)?;
    let result = (|| {
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            // The umask may have removed bits but never adds any; make the mode exact.
            f.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        // Closed before the rename. (On wasm32, where `File` is a stub without `Drop`,
        // clippy calls this drop useless; it is not on any platform that has files.)
        #[allow(clippy::drop_non_drop)]
        drop(f);
        if !replace && path.symlink_metadata().is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists", path.display()),
            ));
        }
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates a new temporary file beside `path`: `.NAME.tmp-PID-N`, with `O_EXCL`.
fn create_temp(path: &Path, dir: &Path, mode: Option<u32>) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} has no file name", path.display()),
        )
    })?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(
            ".{}.tmp-{}-{n}",
            name.to_string_lossy(),
            std::process::id()
        ));
        match options.open(&tmp) {
            // A file left by a crashed process that had the same id: try the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 64 => continue,
            other => return other.map(|f| (tmp, f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect()
    }

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one", None).unwrap();
        write_atomic(&path, b"two", None).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn new_refuses_an_existing_target_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup");
        write_atomic_new(&path, b"first", Some(0o600)).unwrap();
        let err = write_atomic_new(&path, b"second", Some(0o600)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_stale_temporary_file_is_stepped_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        for n in 0..4 {
            let stale = format!(".k.tmp-{}-{n}", std::process::id());
            fs::write(dir.path().join(stale), b"stale").unwrap();
        }
        write_atomic(&path, b"fresh", None).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"fresh");
    }

    #[test]
    fn a_missing_folder_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-folder").join("f");
        let err = write_atomic(&path, b"x", None).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_exact_and_links_are_replaced_not_followed() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        fs::write(&target, b"keep").unwrap();
        let link = dir.path().join("out");
        symlink(&target, &link).unwrap();
        write_atomic(&link, b"secret", Some(0o600)).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        let meta = fs::symlink_metadata(&link).unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        write_atomic(&link, b"public", Some(0o644)).unwrap();
        let mode = fs::metadata(&link).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}

/// Why [`read_limited`] read no bytes.
#[derive(Debug)]
pub enum ReadLimitedError {
    /// The file could not be opened or read.
    Io(io::Error),
    /// The path is not a regular file (a directory, a FIFO, a device such as /dev/zero, or a
    /// symbolic link to one).
    NotAFile,
    /// The file holds more than the limit: `len` is its size (or the bytes read past the
    /// limit when it grew while read).
    TooLarge {
        /// Size of the file.
        len: u64,
    },
}

/// Reads a regular file of at most `limit` bytes: the one bounded reader for files that
/// come from outside (credentials, trust data). A FIFO, a device or a link to one is refused
/// before any byte is read (the file is opened non-blocking, so a FIFO with no writer cannot
/// hang the caller); the size is checked with fstat on the opened file, and at most
/// `limit + 1` bytes are read, so a file that grows meanwhile cannot take more memory.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("cred.cbor");
/// std::fs::write(&path, [1, 2, 3])?;
/// assert_eq!(tessera_fs::read_limited(&path, 3).unwrap(), [1, 2, 3]);
/// assert!(matches!(
///     tessera_fs::read_limited(&path, 2),
///     Err(tessera_fs::ReadLimitedError::TooLarge { len: 3 })
/// ));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadLimitedError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(ReadLimitedError::Io)?;
    let meta = file.metadata().map_err(ReadLimitedError::Io)?;
    if !meta.is_file() {
        return Err(ReadLimitedError::NotAFile);
    }
    if meta.len() > limit {
        return Err(ReadLimitedError::TooLarge { len: meta.len() });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadLimitedError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadLimitedError::TooLarge {
            len: bytes.len() as u64,
        });
    }
    Ok(bytes)
}
