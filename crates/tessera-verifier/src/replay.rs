//! The replay cache: which presentations were already accepted, until they expire.
//!
//! Keyed by the holder signature (unique per presentation; `verify_strict` rejects malleated
//! signatures, so one QR code has exactly one key). Each entry lives until the presentation's
//! `accept_until`; after that the core rejects the presentation as too old anyway.
//!
//! The cache is bounded. Expired entries are evicted first. When it is full of unexpired
//! entries it refuses to record more, and the verifier refuses the presentation
//! ("refuse-safe"): forgetting an unexpired entry would let that QR code be accepted twice.
//! An entry lives at most lifetime + 2 × skew (120 s by default) after it is recorded, so
//! with the default capacity (100,000) this needs more than 800 accepted presentations per
//! second, sustained: far beyond a counter's rate, it happens only under attack or with a bad
//! setting.
//!
//! A kiosk can persist the cache in an append-only file (one `HEX_SIGNATURE ACCEPT_UNTIL`
//! line per entry, fsynced before the verdict is shown). Opening it skips expired entries,
//! ignores a torn or garbled line (a crash mid-append) and rewrites the file compacted.

use std::collections::{BTreeSet, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use tessera_core::UnixTime;

/// The default number of entries a cache holds.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Why [`ReplayCache::record`] did not record an entry.
#[derive(Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The signature is already in the cache (and not expired).
    Seen {
        /// Until when the earlier acceptance is remembered.
        until: UnixTime,
    },
    /// The cache is full of unexpired entries.
    Full {
        /// The capacity.
        capacity: usize,
        /// When the oldest entry expires (recording works again after that).
        next_expiry: UnixTime,
    },
}

/// A bounded set of accepted holder signatures, each with its expiry time, optionally
/// persisted to an append-only file.
#[derive(Debug)]
pub struct ReplayCache {
    seen: HashMap<[u8; 64], UnixTime>,
    by_expiry: BTreeSet<(UnixTime, [u8; 64])>,
    capacity: usize,
    file: Option<LogFile>,
}

#[derive(Debug)]
struct LogFile {
    path: PathBuf,
    file: File,
    lines: usize,
}

impl ReplayCache {
    /// An in-memory cache of at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            seen: HashMap::new(),
            by_expiry: BTreeSet::new(),
            capacity: capacity.max(1),
            file: None,
        }
    }

    /// Opens (or creates) a persisted cache. Entries expired at `now` are dropped, a torn or
    /// garbled line is ignored, and the file is rewritten with only the live entries
    /// (temporary file, fsync, rename).
    pub fn open(path: &Path, capacity: usize, now: UnixTime) -> io::Result<ReplayCache> {
        let mut cache = ReplayCache::new(capacity);
        match std::fs::read(path) {
            Ok(bytes) => {
                let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
                // The piece after the last newline is empty, or a torn line: never acknowledged.
                lines.pop();
                for line in lines {
                    // When the file holds more than fits, keep the latest-expiring.
                    if let Some((sig, until)) = parse_line(line)
                        && until >= now
                    {
                        cache.insert_evicting(sig, until);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        cache.file = Some(LogFile {
            path: path.to_owned(),
            file: cache.rewrite(path)?,
            lines: cache.seen.len(),
        });
        Ok(cache)
    }

    /// An in-memory cache from bytes in the file's format (what [`ReplayCache::to_bytes`]
    /// wrote, e.g. kept in a browser's storage). Entries expired at `now` and garbled lines
    /// are skipped; when the bytes hold more than `capacity` entries, the latest-expiring
    /// are kept.
    pub fn from_bytes(bytes: &[u8], capacity: usize, now: UnixTime) -> ReplayCache {
        let mut cache = ReplayCache::new(capacity);
        for line in bytes.split(|&b| b == b'\n') {
            if let Some((sig, until)) = parse_line(line)
                && until >= now
            {
                cache.insert_evicting(sig, until);
            }
        }
        cache
    }

    /// The entries in the file's format, one `HEX_SIGNATURE ACCEPT_UNTIL` line each (at most
    /// `capacity` lines of 150 bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = String::with_capacity(self.seen.len() * 150);
        for (until, sig) in &self.by_expiry {
            text.push_str(&line(sig, *until));
        }
        text.into_bytes()
    }

    fn insert_evicting(&mut self, sig: [u8; 64], until: UnixTime) {
        if let Some(old) = self.seen.insert(sig, until) {
            self.by_expiry.remove(&(old, sig));
        }
        self.by_expiry.insert((until, sig));
        while self.seen.len() > self.capacity {
            if let Some((_, s)) = self.by_expiry.pop_first() {
                self.seen.remove(&s);
            }
        }
    }

    /// Writes the live entries to a new file and renames it over `path`; returns the new file
    /// opened for appending.
    fn rewrite(&self, path: &Path) -> io::Result<File> {
        let mut text = String::with_capacity(self.seen.len() * 140);
        for (until, sig) in &self.by_expiry {
            text.push_str(&line(sig, *until));
        }
        tessera_fs::write_atomic(path, text.as_bytes(), None)?;
        OpenOptions::new().append(true).open(path)
    }

    /// Number of entries held (some may have expired since the last prune).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether the cache holds no entries.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// The capacity.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether `sig` was accepted before and is still remembered at `now`.
    pub fn seen_until(&self, sig: &[u8; 64], now: UnixTime) -> Option<UnixTime> {
        self.seen.get(sig).copied().filter(|&u| u >= now)
    }

    /// Drops the entries expired at `now`.
    pub fn prune(&mut self, now: UnixTime) {
        while let Some(&(until, sig)) = self.by_expiry.first() {
            if until >= now {
                break;
            }
            self.by_expiry.pop_first();
            self.seen.remove(&sig);
        }
    }

    /// Records `sig` as accepted until `until`. Fails if it is already there or the cache is
    /// full of unexpired entries. With a file, the entry is appended and fsynced; an I/O
    /// error is returned after the entry was recorded in memory.
    pub fn record(
        &mut self,
        sig: &[u8; 64],
        until: UnixTime,
        now: UnixTime,
    ) -> Result<io::Result<()>, RecordError> {
        self.prune(now);
        if let Some(until) = self.seen_until(sig, now) {
            return Err(RecordError::Seen { until });
        }
        if self.seen.len() >= self.capacity {
            return Err(RecordError::Full {
                capacity: self.capacity,
                next_expiry: self.by_expiry.first().map_or(now, |e| e.0),
            });
        }
        self.seen.insert(*sig, until);
        self.by_expiry.insert((until, *sig));
        Ok(self.append(sig, until, now))
    }

    fn append(&mut self, sig: &[u8; 64], until: UnixTime, now: UnixTime) -> io::Result<()> {
        let Some(log) = &mut self.file else {
            return Ok(());
        };
        log.file.write_all(line(sig, until).as_bytes())?;
        log.file.sync_data()?;
        log.lines += 1;
        // Compact when the file holds far more lines than live entries.
        if log.lines > 2 * self.capacity.max(1024) {
            let path = log.path.clone();
            self.prune(now);
            let file = self.rewrite(&path)?;
            let lines = self.seen.len();
            if let Some(log) = &mut self.file {
                log.file = file;
                log.lines = lines;
            }
        }
        Ok(())
    }
}

fn line(sig: &[u8; 64], until: UnixTime) -> String {
    format!("{} {until}\n", tessera_core::keys::to_hex(sig))
}

fn parse_line(line: &[u8]) -> Option<([u8; 64], UnixTime)> {
    let text = std::str::from_utf8(line).ok()?;
    let (hex, until) = text.split_once(' ')?;
    let sig = tessera_core::keys::from_hex::<64>(hex)?;
    if until.is_empty() || until.len() > 20 || !until.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((sig, until.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(n: u8) -> [u8; 64] {
        [n; 64]
    }

    #[test]
    fn records_rejects_and_expires() {
        let mut c = ReplayCache::new(2);
        assert!(c.record(&sig(1), 100, 10).is_ok());
        assert!(matches!(
            c.record(&sig(1), 100, 20),
            Err(RecordError::Seen { until: 100 })
        ));
        assert!(c.record(&sig(2), 50, 20).is_ok());
        // Full of unexpired entries: refuse.
        assert!(matches!(
            c.record(&sig(3), 100, 30),
            Err(RecordError::Full {
                capacity: 2,
                next_expiry: 50
            })
        ));
        // Once sig(2) expires, there is room again.
        assert!(c.record(&sig(3), 100, 51).is_ok());
        assert_eq!(c.len(), 2);
        assert_eq!(c.seen_until(&sig(1), 100), Some(100));
        assert_eq!(c.seen_until(&sig(1), 101), None);
    }

    #[test]
    fn matches_a_naive_model() {
        // Random records at a slowly advancing clock, against a plain map: same answers, and
        // never more than `capacity` entries.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let capacity = 16;
        let mut c = ReplayCache::new(capacity);
        let mut model: HashMap<[u8; 64], UnixTime> = HashMap::new();
        let mut now = 1000;
        for _ in 0..5000 {
            now += next() % 3;
            let s = sig((next() % 40) as u8);
            let until = now + next() % 20;
            model.retain(|_, u| *u >= now);
            let want = if let Some(&u) = model.get(&s) {
                Err(RecordError::Seen { until: u })
            } else if model.len() >= capacity {
                Err(RecordError::Full {
                    capacity,
                    next_expiry: *model.values().min().unwrap(),
                })
            } else {
                model.insert(s, until);
                Ok(())
            };
            let got = c.record(&s, until, now).map(|io| io.unwrap());
            assert_eq!(got, want);
            assert!(c.len() <= capacity);
            assert_eq!(c.len(), model.len());
        }
    }

    #[test]
    fn bytes_round_trip_bounded_and_pruned() {
        let mut c = ReplayCache::new(10);
        c.record(&sig(1), 100, 0).unwrap().unwrap();
        c.record(&sig(2), 200, 0).unwrap().unwrap();
        c.record(&sig(3), 300, 0).unwrap().unwrap();
        let mut bytes = c.to_bytes();
        bytes.extend_from_slice(b"zz 5\n");
        let d = ReplayCache::from_bytes(&bytes, 10, 150);
        assert_eq!(d.len(), 2);
        assert_eq!(d.seen_until(&sig(1), 150), None);
        assert_eq!(d.seen_until(&sig(3), 150), Some(300));
        // Smaller capacity: the latest-expiring are kept.
        let e = ReplayCache::from_bytes(&bytes, 1, 0);
        assert_eq!(e.len(), 1);
        assert_eq!(e.seen_until(&sig(3), 0), Some(300));
        assert!(ReplayCache::from_bytes(b"\xff\x00garbage", 10, 0).is_empty());
    }

    #[test]
    fn persisted_prunes_and_tolerates_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replay.log");
        {
            let mut c = ReplayCache::open(&path, 10, 0).unwrap();
            c.record(&sig(1), 100, 0).unwrap().unwrap();
            c.record(&sig(2), 200, 0).unwrap().unwrap();
            c.record(&sig(3), 300, 0).unwrap().unwrap();
        }
        // A torn last line and some garbage.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"zz 5\n").unwrap();
        f.write_all(&line(&sig(4), 400).as_bytes()[..70]).unwrap();
        drop(f);
        let c = ReplayCache::open(&path, 10, 150).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.seen_until(&sig(1), 150), None);
        assert_eq!(c.seen_until(&sig(2), 150), Some(200));
        assert_eq!(c.seen_until(&sig(4), 150), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "compacted on open");
    }
}
