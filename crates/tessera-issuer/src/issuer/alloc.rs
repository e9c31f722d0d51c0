//! Status-id allocation: which index of which status list a credential gets.
//!
//! The current list keeps a bitmap of its used indexes (`used/LIST.bits`, written atomically
//! after the state and before anything is signed). A single credential takes the lowest free index, as before
//! batches. The credentials of a batch take indexes drawn uniformly at random (operating
//! system generator) among the free indexes of the list, never two adjacent ones for one
//! batch, and never below [`floor`], so that every index of a batch has the same CBOR length
//! and a verifier cannot sort credentials by it. When a batch no longer finds room, the list
//! is closed and the next one begins.

use super::*;
use rand_core::Rng;

/// The folder of the used-index bitmaps.
pub const USED_DIR: &str = "used";

/// A list is closed for batches when fewer than this share of its drawable indexes is free
/// (random draws would then take long and leave little room between a batch's ids).
const MIN_FREE_PER_MILLE: u64 = 20;

/// What one allocation asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Draw {
    /// One id, the lowest free index (single credentials).
    Lowest,
    /// The ids of one batch: random free indexes, no two adjacent.
    Random(u32),
}

impl Draw {
    pub(crate) fn count(self) -> u32 {
        match self {
            Draw::Lowest => 1,
            Draw::Random(n) => n,
        }
    }
}

/// The lowest index batches draw from in a list of `size`: the first index whose CBOR
/// encoding is as long as the largest one's (24, 256 or 65,536), when that leaves at least
/// half of the list; else 0.
pub(crate) fn floor(size: u32) -> u32 {
    [65_536u32, 256, 24]
        .into_iter()
        .find(|&f| size > f.saturating_mul(2))
        .unwrap_or(0)
}

/// The used-index bitmap of the current list.
pub(crate) struct Used {
    list: u32,
    bits: Vec<u8>,
    used: u64,
}

impl Used {
    fn get(&self, i: u32) -> bool {
        self.bits[(i / 8) as usize] & (1 << (i % 8)) != 0
    }

    fn set(&mut self, i: u32) {
        self.bits[(i / 8) as usize] |= 1 << (i % 8);
        self.used += 1;
    }
}

fn used_path(dir: &Path, list: u32) -> PathBuf {
    dir.join(USED_DIR).join(format!("{list}.bits"))
}

impl Issuer {
    /// The bitmap of list `list`: from its file, or (a folder from before bitmaps) the
    /// indexes below the sequential counter.
    fn read_used(&self, list: u32) -> Result<Used, Error> {
        let size = self.state.list_size;
        let len = size.div_ceil(8) as usize;
        let path = used_path(&self.dir, list);
        if path.symlink_metadata().is_ok() {
            let bits = fs::read(&path).map_err(io(&path))?;
            if bits.len() != len {
                return Err(Error::BadState {
                    path,
                    reason: format!("{} bytes; a list of {size} needs {len}", bits.len()),
                });
            }
            let used = bits.iter().map(|b| u64::from(b.count_ones())).sum();
            return Ok(Used { list, bits, used });
        }
        let mut u = Used {
            list,
            bits: vec![0; len],
            used: 0,
        };
        if list == self.state.next_list {
            for i in 0..self.state.next_index.min(size) {
                u.set(i);
            }
        } else if list < self.state.next_list {
            for i in 0..size {
                u.set(i);
            }
        }
        Ok(u)
    }

    /// Whether `id` was ever handed out (or burnt by an interrupted allocation).
    pub(crate) fn is_allocated(&self, id: StatusRef) -> Result<bool, Error> {
        let size = self.state.list_size;
        if id.index >= size || id.list > self.state.next_list {
            return Ok(false);
        }
        if id.list < self.state.next_list {
            return Ok(true);
        }
        Ok(self.read_used(id.list)?.get(id.index))
    }

    /// Allocates ids for `draws`, in order, and persists them (the state with `pending`,
    /// which then lists the ids, then the bitmap) before returning. Credentials that expire at
    /// `expires` extend the signing key's latest expiry.
    pub(crate) fn allocate_draws(
        &mut self,
        draws: &[Draw],
        expires: UnixTime,
        pending: Option<Pending>,
    ) -> Result<Vec<StatusRef>, Error> {
        let size = self.state.list_size;
        let lo = floor(size);
        let mut rng = OsRng::new();
        let mut cur = self.read_used(self.state.next_list)?;
        // A reservation persisted just before an interruption may be missing from the
        // bitmap (the state is written first): its ids stay taken.
        if let Some(p) = &self.state.pending {
            for id in p.ids.iter().filter_map(|t| t.parse::<StatusRef>().ok()) {
                if id.list == cur.list && id.index < size && !cur.get(id.index) {
                    cur.set(id.index);
                }
            }
        }
        let mut ids = Vec::with_capacity(draws.iter().map(|d| d.count() as usize).sum());
        // Lists filled by this call, whose bitmaps must be written too.
        let mut done: Vec<Used> = Vec::new();
        for &d in draws {
            match d {
                Draw::Lowest => {
                    let mut i = self.state.next_index.min(size);
                    while i < size && cur.get(i) {
                        i += 1;
                    }
                    if i == size {
                        cur = self.next_list(cur, &mut done)?;
                        i = 0;
                    }
                    cur.set(i);
                    self.state.next_index = i + 1;
                    ids.push(StatusRef {
                        list: cur.list,
                        index: i,
                    });
                }
                Draw::Random(n) => {
                    let span = u64::from(size - lo);
                    // Room for n ids that keep a free index between them, and some slack.
                    let need = |n: u32| span * MIN_FREE_PER_MILLE / 1000 + u64::from(n) * 3;
                    if need(n) > span {
                        return Err(Error::Invalid(format!(
                            "a batch of {n} credentials does not fit in status lists of {size} entries (this issuer's list size)"
                        )));
                    }
                    let free = |u: &Used| {
                        let below: u64 = u.bits[..(lo / 8) as usize]
                            .iter()
                            .map(|b| u64::from(b.count_ones()))
                            .sum();
                        span - (u.used - below)
                    };
                    if free(&cur) < need(n) {
                        cur = self.next_list(cur, &mut done)?;
                    }
                    let mut mine: Vec<u32> = Vec::with_capacity(n as usize);
                    while mine.len() < n as usize {
                        let i = lo + uniform(&mut rng, size - lo);
                        let next_to_mine = mine.iter().any(|&m| m.abs_diff(i) <= 1);
                        if cur.get(i) || next_to_mine {
                            continue;
                        }
                        cur.set(i);
                        mine.push(i);
                    }
                    ids.extend(mine.into_iter().map(|index| StatusRef {
                        list: cur.list,
                        index,
                    }));
                }
            }
        }
        // The state first (counters and, for a batch chunk, the reserved ids), then the
        // bitmaps: an interruption in between loses no id and reuses none (the reservation
        // is merged back above; ids of a single issue lie below the counter or were never
        // recorded anywhere).
        let rec = self.signing_record()?;
        rec.latest_expiry = rec.latest_expiry.max(expires);
        self.state.pending = pending.map(|p| Pending {
            count: ids.len() as u32,
            ids: ids.iter().map(ToString::to_string).collect(),
            ..p
        });
        self.save_state()?;
        for u in done.iter().chain([&cur]) {
            self.write_used(u)?;
        }
        Ok(ids)
    }

    /// Makes sure the bitmaps hold `ids` (a reservation redone after an interruption, which
    /// may have come between the state and the bitmap writes).
    pub(crate) fn mark_used(&mut self, ids: &[StatusRef]) -> Result<(), Error> {
        let mut lists: Vec<u32> = ids.iter().map(|id| id.list).collect();
        lists.sort_unstable();
        lists.dedup();
        for list in lists {
            if list > self.state.next_list {
                continue;
            }
            let mut u = self.read_used(list)?;
            let before = u.used;
            for id in ids.iter().filter(|id| id.list == list) {
                if id.index < self.state.list_size && !u.get(id.index) {
                    u.set(id.index);
                }
            }
            if u.used != before {
                self.write_used(&u)?;
            }
        }
        Ok(())
    }

    /// Closes the current list: the next list begins.
    fn next_list(&mut self, cur: Used, done: &mut Vec<Used>) -> Result<Used, Error> {
        if self.state.next_list == u32::MAX {
            return Err(Error::Invalid("every status list has been used".into()));
        }
        done.push(cur);
        self.state.next_list += 1;
        self.state.next_index = 0;
        self.read_used(self.state.next_list)
    }

    fn write_used(&self, u: &Used) -> Result<(), Error> {
        let dir = self.dir.join(USED_DIR);
        fsutil::create_dir(&dir, 0o700).map_err(io(&dir))?;
        let path = used_path(&self.dir, u.list);
        write_atomic(&path, &u.bits, SECRET_MODE).map_err(io(&path))
    }
}

/// A uniform integer in `0..n` (`n` > 0), without modulo bias.
fn uniform(rng: &mut OsRng, n: u32) -> u32 {
    let zone = u32::MAX - (u32::MAX - n + 1) % n;
    loop {
        let x = rng.next_u32();
        if x <= zone {
            return x % n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_keep_one_encoding_length() {
        assert_eq!(floor(1_000_000), 65_536);
        assert_eq!(floor(100_000), 256);
        assert_eq!(floor(1000), 256);
        assert_eq!(floor(100), 24);
        assert_eq!(floor(48), 0);
        assert_eq!(floor(4), 0);
    }

    const T: UnixTime = 1_800_000_000;

    fn folder(list_size: u32) -> (tempfile::TempDir, Issuer) {
        let dir = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            now: Some(T),
            list_size,
            ..InitOptions::default()
        };
        init(dir.path(), &opts).unwrap();
        let iss = Issuer::open(dir.path(), None).unwrap();
        (dir, iss)
    }

    #[test]
    fn batch_ids_are_random_apart_and_persisted() {
        let (dir, mut iss) = folder(1000);
        let exp = T + 86_400;
        assert_eq!(
            iss.allocate(1, exp, None).unwrap(),
            [StatusRef { list: 0, index: 0 }]
        );
        let a = iss.allocate_draws(&[Draw::Random(32)], exp, None).unwrap();
        let b = iss.allocate_draws(&[Draw::Random(32)], exp, None).unwrap();
        for batch in [&a, &b] {
            let mut idx: Vec<u32> = batch.iter().map(|id| id.index).collect();
            assert!(batch.iter().all(|id| id.list == 0));
            assert!(idx.iter().all(|&i| (256..1000).contains(&i)), "{idx:?}");
            idx.sort_unstable();
            assert!(
                idx.windows(2).all(|w| w[1] - w[0] >= 2),
                "adjacent: {idx:?}"
            );
            // Not handed out in order.
            assert_ne!(batch.iter().map(|id| id.index).collect::<Vec<_>>(), idx);
        }
        let mut all: Vec<StatusRef> = a.iter().chain(&b).copied().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 64);
        // Single credentials still take the lowest free id.
        assert_eq!(
            iss.allocate(1, exp, None).unwrap(),
            [StatusRef { list: 0, index: 1 }]
        );
        drop(iss);
        // After reopening, the folder knows which ids were handed out.
        let iss = Issuer::open(dir.path(), None).unwrap();
        for id in &all {
            assert!(iss.is_allocated(*id).unwrap(), "{id}");
        }
        let free = (256..1000)
            .map(|index| StatusRef { list: 0, index })
            .find(|id| !all.contains(id))
            .unwrap();
        assert!(!iss.is_allocated(free).unwrap());
        assert!(!iss.is_allocated(StatusRef { list: 1, index: 0 }).unwrap());
        assert!(
            !iss.is_allocated(StatusRef {
                list: 0,
                index: 1000
            })
            .unwrap()
        );
        let mode = fs::metadata(dir.path().join(USED_DIR).join("0.bits"))
            .unwrap()
            .permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600);
    }

    #[test]
    fn a_reservation_missing_from_the_bitmap_is_never_handed_out_again() {
        // Either the next allocation comes while the reservation is still in the state, or
        // the resumed chunk marks its ids and the batch ends (dropping the reservation).
        for resumed in [false, true] {
            let (dir, mut iss) = folder(100);
            let pending = Pending {
                out: "out".into(),
                first_line: 1,
                now: T,
                first_list: 0,
                first_index: 0,
                count: 0,
                ids: Vec::new(),
            };
            let reserved = iss
                .allocate_draws(&[Draw::Random(20), Draw::Lowest], T + 86_400, Some(pending))
                .unwrap();
            drop(iss);
            // Interrupted after the state was written, before the bitmap was.
            fs::remove_file(dir.path().join(USED_DIR).join("0.bits")).unwrap();
            let mut iss = Issuer::open(dir.path(), None).unwrap();
            if resumed {
                iss.mark_used(&reserved).unwrap();
                iss.state.pending = None;
                iss.save_state().unwrap();
                drop(iss);
                iss = Issuer::open(dir.path(), None).unwrap();
            }
            let later = iss
                .allocate_draws(&[Draw::Random(20), Draw::Lowest], T + 86_400, None)
                .unwrap();
            for id in &later {
                assert!(!reserved.contains(id), "{id} handed out twice ({resumed})");
            }
        }
    }

    #[test]
    fn a_full_list_closes_and_a_batch_too_large_for_a_list_is_refused() {
        let (dir, mut iss) = folder(1000);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..25 {
            for id in iss
                .allocate_draws(&[Draw::Random(32)], T + 86_400, None)
                .unwrap()
            {
                assert!(seen.insert(id), "{id} twice");
            }
        }
        assert!(seen.iter().any(|id| id.list > 0), "the list closed");
        // The new list, begun by a batch, is published.
        let out = dir.path().join("www");
        let r = iss
            .publish(
                &out,
                &PublishOptions {
                    now: Some(T + 60),
                    status_ttl: None,
                    trust_ttl: None,
                },
            )
            .unwrap();
        let names: Vec<String> = r.files.iter().map(|f| f.file.clone()).collect();
        assert!(names.iter().any(|n| n.ends_with("1.cbor")), "{names:?}");
        assert!(!names.iter().any(|n| n.ends_with("2.cbor")), "{names:?}");
        let (_dir, mut small) = folder(100);
        let e = small
            .allocate_draws(&[Draw::Random(64)], T + 86_400, None)
            .unwrap_err();
        assert!(e.to_string().contains("does not fit"), "{e}");
    }

    #[test]
    fn uniform_stays_in_range_and_covers_it() {
        let mut rng = OsRng::new();
        let mut seen = [false; 7];
        for _ in 0..2000 {
            seen[uniform(&mut rng, 7) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform(&mut rng, 1), 0);
    }
}
