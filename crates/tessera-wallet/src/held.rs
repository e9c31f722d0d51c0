//! What the wallet keeps under one credential id, and the single-use policy over it.
//!
//! A credential id holds one or more *groups*: a batch (its seed and its credentials, each
//! bound to a key derived from the device key) or a single credential bound to the device key
//! itself (a credential file, or a wallet from before batches). A renewal adds a group to the
//! id. Beside it, a [`UseState`] record says how each credential has been used. Both are
//! sealed in the store like every record; docs/wallet.md is the policy in words.
//!
//! Record bytes (inside the store's seal):
//!
//! ```text
//! credential record   "TWH1" u8:groups { u8:has_seed [32]:seed? u16:count { u32:len bytes }* }*
//!                     (a record without the magic is one credential file, as older wallets
//!                     stored it)
//! credential-use      "TWU1" u32:count { u32:uses u64:last_use }* u32:current (all ones: none)
//!                     u8:from_back u8:has_restore [8]:restore_id?
//! ```
//! Integers are big-endian; parsing is strict (exact lengths, no trailing bytes).

use tessera_core::batch::BatchSeed;
use tessera_core::{HeldCredential, UnixTime};
use zeroize::Zeroizing;

const HELD_MAGIC: &[u8; 4] = b"TWH1";
const USE_MAGIC: &[u8; 4] = b"TWU1";
const NO_CURRENT: u32 = u32::MAX;

/// The batch runs low when at most this fraction (1/`LOW_DIVISOR`) of the newest batch is
/// still fresh: 8 of 32. docs/wallet.md says why.
pub const LOW_DIVISOR: usize = 4;

/// One batch, or one credential bound to the device key itself (`seed` `None`).
///
/// The credentials of a batch share their validity, issuer and attributes (checked at
/// import), so only the first is read when the record is loaded; the others stay bytes
/// until one is presented (reading all of them for every presentation cost more than the
/// presentation itself).
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub seed: Option<BatchSeed>,
    /// The credential files, in index order.
    pub files: Vec<Vec<u8>>,
    /// The first credential, read: the group's validity, issuer and attributes.
    pub first: HeldCredential,
}

impl Group {
    /// A group of checked credentials (at least one).
    pub fn new(seed: Option<BatchSeed>, creds: &[HeldCredential]) -> Option<Group> {
        Some(Group {
            seed,
            files: creds.iter().map(HeldCredential::to_vec).collect(),
            first: creds.first()?.clone(),
        })
    }

    /// Credential `i`, read from its bytes.
    pub fn cred(&self, i: u32) -> Result<HeldCredential, String> {
        if i == 0 {
            return Ok(self.first.clone());
        }
        let bytes = self
            .files
            .get(i as usize)
            .ok_or_else(|| format!("no credential {i} in a group of {}", self.files.len()))?;
        HeldCredential::from_slice(bytes).map_err(|e| format!("credential {i}: {e}"))
    }

    /// Whether its credentials can be shown at `now` (a verifier refuses them otherwise).
    pub fn usable(&self, now: UnixTime) -> bool {
        let c = self.first.claims();
        c.not_before <= now && now < c.expires
    }

    /// When its credentials expire.
    pub fn expires(&self) -> UnixTime {
        self.first.claims().expires
    }
}

/// Everything stored under one credential id, oldest group first.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub groups: Vec<Group>,
}

/// How one credential has been used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Use {
    pub uses: u32,
    /// The number of the id's presentation that last used it (1, 2, …; 0: never). An order,
    /// not a time: the record, and so a backup, keeps no time of use.
    pub last_use: u64,
}

/// How the credentials of one id have been used, in the order of [`Held::iter`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct UseState {
    pub uses: Vec<Use>,
    /// The credential of the last presentation (renewed on screen without a new use).
    pub current: Option<u32>,
    /// Take fresh credentials from the end of the order (a wallet restored from a backup:
    /// the lost device went on from the front).
    pub from_back: bool,
    /// The store's restore id when the wallet last looked (see `Store::restore_id`).
    pub seen_restore: Option<[u8; 8]>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!("{}: truncated", self.what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn flag(&mut self) -> Result<bool, String> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("{}: flag byte {b}, expected 0 or 1", self.what)),
        }
    }
    fn end(&self) -> Result<(), String> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{}: {} trailing bytes",
                self.what,
                self.bytes.len()
            ))
        }
    }
}

impl Held {
    /// One credential bound to the device key.
    pub fn single(cred: HeldCredential) -> Held {
        Held {
            groups: vec![Group {
                seed: None,
                files: vec![cred.to_vec()],
                first: cred,
            }],
        }
    }

    /// Reads a credential record (or a credential file stored by an older wallet).
    pub fn from_slice(bytes: &[u8]) -> Result<Held, String> {
        let Some(body) = bytes.strip_prefix(HELD_MAGIC) else {
            let cred = HeldCredential::from_slice(bytes).map_err(|e| e.to_string())?;
            return Ok(Held::single(cred));
        };
        let mut r = Reader {
            bytes: body,
            what: "credential record",
        };
        let n = r.u8()?;
        if n == 0 {
            return Err("credential record: no credential".into());
        }
        let mut groups = Vec::with_capacity(n.into());
        for _ in 0..n {
            let seed = if r.flag()? {
                Some(BatchSeed(*Zeroizing::new(r.array::<32>()?)))
            } else {
                None
            };
            let count = r.u16()?;
            if count == 0 || (seed.is_none() && count != 1) {
                return Err(format!("credential record: a group of {count} credentials"));
            }
            let mut files = Vec::with_capacity(count.into());
            for _ in 0..count {
                let len = r.u32()? as usize;
                files.push(r.take(len)?.to_vec());
            }
            let first = HeldCredential::from_slice(&files[0]).map_err(|e| e.to_string())?;
            groups.push(Group { seed, files, first });
        }
        r.end()?;
        Ok(Held { groups })
    }

    /// The record bytes. A lone single credential is stored as its file, as before batches.
    pub fn to_vec(&self) -> Zeroizing<Vec<u8>> {
        if let [
            Group {
                seed: None, files, ..
            },
        ] = &self.groups[..]
            && let [file] = &files[..]
        {
            return Zeroizing::new(file.clone());
        }
        let len = 5 + self
            .groups
            .iter()
            .map(|g| 35 + g.files.iter().map(|f| 4 + f.len()).sum::<usize>())
            .sum::<usize>();
        // Capacity reserved up front: no reallocation leaves a copy of a seed behind.
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.extend_from_slice(HELD_MAGIC);
        out.push(self.groups.len() as u8);
        for g in &self.groups {
            let files = &g.files;
            match &g.seed {
                Some(seed) => {
                    out.push(1);
                    out.extend_from_slice(&seed.0);
                }
                None => out.push(0),
            }
            out.extend_from_slice(&(files.len() as u16).to_be_bytes());
            for f in files {
                out.extend_from_slice(&(f.len() as u32).to_be_bytes());
                out.extend_from_slice(f);
            }
        }
        out
    }

    /// Every credential's group and index in the group, in record order.
    pub fn iter(&self) -> impl Iterator<Item = (&Group, u32)> {
        self.groups
            .iter()
            .flat_map(|g| (0..g.files.len() as u32).map(move |i| (g, i)))
    }

    /// How many credentials.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.files.len()).sum()
    }

    /// Credential `k` in record order: its group and its index in the group.
    pub fn get(&self, k: usize) -> Option<(&Group, u32)> {
        self.iter().nth(k)
    }

    /// The credential shown for the id (attributes, validity, issuer): the first of the
    /// newest group.
    pub fn newest(&self) -> &HeldCredential {
        // A Held always has a group (from_slice and the wallet make sure).
        &self.groups[self.groups.len() - 1].first
    }

    /// The size of the newest group: what a renewal asks for again.
    pub fn newest_len(&self) -> usize {
        self.groups.last().map_or(0, |g| g.files.len())
    }
}

impl UseState {
    /// A state with every one of `n` credentials unused.
    pub fn unused(n: usize) -> UseState {
        UseState {
            uses: vec![Use::default(); n],
            ..UseState::default()
        }
    }

    pub fn from_slice(bytes: &[u8]) -> Result<UseState, String> {
        let body = bytes
            .strip_prefix(USE_MAGIC)
            .ok_or("credential use record: bad magic")?;
        let mut r = Reader {
            bytes: body,
            what: "credential use record",
        };
        let n = r.u32()? as usize;
        if n > body.len() / 12 {
            return Err("credential use record: truncated".into());
        }
        let mut uses = Vec::with_capacity(n);
        for _ in 0..n {
            uses.push(Use {
                uses: r.u32()?,
                last_use: r.u64()?,
            });
        }
        let current = match r.u32()? {
            NO_CURRENT => None,
            k if (k as usize) < n => Some(k),
            k => return Err(format!("credential use record: current {k} of {n}")),
        };
        let from_back = r.flag()?;
        let seen_restore = if r.flag()? {
            Some(r.array::<8>()?)
        } else {
            None
        };
        r.end()?;
        Ok(UseState {
            uses,
            current,
            from_back,
            seen_restore,
        })
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + 4 + 12 * self.uses.len() + 4 + 2 + 8);
        out.extend_from_slice(USE_MAGIC);
        out.extend_from_slice(&(self.uses.len() as u32).to_be_bytes());
        for u in &self.uses {
            out.extend_from_slice(&u.uses.to_be_bytes());
            out.extend_from_slice(&u.last_use.to_be_bytes());
        }
        out.extend_from_slice(&self.current.unwrap_or(NO_CURRENT).to_be_bytes());
        out.push(u8::from(self.from_back));
        match self.seen_restore {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(&id);
            }
            None => out.push(0),
        }
        out
    }
}

/// The credentials the policy picks from, in the order fresh ones are used: those valid
/// now, soonest expiry first (an older batch's fresh credentials before a renewal's), then
/// record order. When none is valid, all of them (the verifier will say why it refuses).
fn candidates(held: &Held, now: UnixTime) -> Vec<usize> {
    let mut valid: Vec<usize> = held
        .iter()
        .enumerate()
        .filter(|(_, (g, _))| g.usable(now))
        .map(|(k, _)| k)
        .collect();
    if valid.is_empty() {
        valid = (0..held.len()).collect();
    }
    let expires: Vec<UnixTime> = held.iter().map(|(g, _)| g.expires()).collect();
    valid.sort_by_key(|&k| (expires[k], k));
    valid
}

/// The credential the next presentation uses: a fresh one (never used) in the order of
/// [`candidates`], from the front, or from the back after a restore; when none is fresh,
/// the least recently used (then the least used).
pub(crate) fn choose(held: &Held, state: &UseState, now: UnixTime) -> usize {
    let order = candidates(held, now);
    let used = |k: usize| state.uses.get(k).copied().unwrap_or_default();
    let mut fresh = order.iter().copied().filter(|&k| used(k).uses == 0);
    let pick = if state.from_back {
        fresh.next_back()
    } else {
        fresh.next()
    };
    pick.unwrap_or_else(|| {
        order
            .iter()
            .copied()
            .min_by_key(|&k| (used(k).last_use, used(k).uses, k))
            .unwrap_or(0)
    })
}

/// Credentials valid at `now` and never used.
pub(crate) fn fresh_count(held: &Held, state: &UseState, now: UnixTime) -> usize {
    held.iter()
        .enumerate()
        .filter(|(k, (g, _))| g.usable(now) && state.uses.get(*k).is_none_or(|u| u.uses == 0))
        .count()
}

/// Whether the wallet should ask for a renewal: at most a quarter of the newest batch is
/// still fresh ([`LOW_DIVISOR`]).
pub(crate) fn is_low(held: &Held, state: &UseState, now: UnixTime) -> bool {
    fresh_count(held, state, now) * LOW_DIVISOR <= held.newest_len()
}

/// Merges a new group into what an id holds (a renewal). Kept: every group that still has a
/// credential never used and valid at `now` (the start of the new group), with its use
/// state. Dropped: groups whose
/// credentials are all used or expired (the new group's fresh credentials take their place;
/// a used one would only be shown again when every fresh one is gone). The new group goes
/// last, unused. Returns the merged record and its use state.
pub(crate) fn merge(old: &Held, state: &UseState, new: Group, now: UnixTime) -> (Held, UseState) {
    let mut groups = Vec::new();
    let mut uses = Vec::new();
    let mut k = 0;
    for g in &old.groups {
        let n = g.files.len();
        let span: Vec<Use> = (k..k + n)
            .map(|j| state.uses.get(j).copied().unwrap_or_default())
            .collect();
        let keep = g.expires() > now && span.iter().any(|u| u.uses == 0);
        if keep {
            groups.push(g.clone());
            uses.extend(span);
        }
        k += n;
    }
    uses.extend(std::iter::repeat_n(Use::default(), new.files.len()));
    groups.push(new);
    (
        Held { groups },
        UseState {
            uses,
            current: None,
            from_back: state.from_back,
            seen_restore: state.seen_restore,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_core::batch::{BatchParams, issue_batch};
    use tessera_core::{IssueParams, StatusRef, issue};

    const T: UnixTime = 1_795_651_200;

    fn group(count: u32, not_before: UnixTime, expires: UnixTime) -> Group {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let issuer = ed25519_dalek::SigningKey::generate(&mut rng);
        let device = ed25519_dalek::SigningKey::generate(&mut rng).verifying_key();
        let statuses: Vec<StatusRef> = (0..count)
            .map(|index| StatusRef { list: 1, index })
            .collect();
        let mut attributes = tessera_core::Attributes::default();
        attributes.set(
            tessera_core::AttrId::FamilyName,
            tessera_core::AttrValue::Text("LIN".into()),
        );
        let b = issue_batch(
            &issuer,
            BatchSeed([7; 32]),
            &BatchParams {
                device,
                not_before,
                expires,
                statuses: &statuses,
                attributes: &attributes,
            },
            &mut rng,
        )
        .unwrap();
        Group::new(Some(b.seed), &b.credentials).unwrap()
    }

    fn single() -> HeldCredential {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let issuer = ed25519_dalek::SigningKey::generate(&mut rng);
        let holder = ed25519_dalek::SigningKey::generate(&mut rng).verifying_key();
        issue(
            &issuer,
            &IssueParams {
                holder,
                not_before: T,
                expires: T + 1000,
                status: StatusRef { list: 1, index: 9 },
                attributes: tessera_core::Attributes::default(),
            },
            &mut rng,
        )
        .unwrap()
    }

    #[test]
    fn records_round_trip_and_a_lone_credential_is_its_file() {
        let cred = single();
        let held = Held::single(cred.clone());
        assert_eq!(&held.to_vec()[..], &cred.to_vec()[..]);
        let back = Held::from_slice(&cred.to_vec()).unwrap();
        assert_eq!((back.len(), back.groups[0].seed.is_none()), (1, true));

        let held = Held {
            groups: vec![group(3, T, T + 1000), Group::new(None, &[cred]).unwrap()],
        };
        let bytes = held.to_vec();
        let back = Held::from_slice(&bytes).unwrap();
        assert_eq!(&back.to_vec()[..], &bytes[..]);
        assert_eq!(back.len(), 4);
        assert_eq!(back.groups[0].seed, Some(BatchSeed([7; 32])));
        assert_eq!(back.groups[0].cred(2).unwrap().claims().status.index, 2);
        assert!(back.groups[0].cred(3).is_err());

        let state = UseState {
            uses: vec![
                Use {
                    uses: 2,
                    last_use: T + 5,
                },
                Use::default(),
            ],
            current: Some(1),
            from_back: true,
            seen_restore: Some([3; 8]),
        };
        assert_eq!(UseState::from_slice(&state.to_vec()).unwrap(), state);
        let plain = UseState::unused(2);
        assert_eq!(UseState::from_slice(&plain.to_vec()).unwrap(), plain);
    }

    #[test]
    fn damaged_records_are_errors_never_panics() {
        let held = Held {
            groups: vec![group(2, T, T + 1000)],
        };
        let bytes = held.to_vec();
        for cut in 0..bytes.len() {
            let _ = Held::from_slice(&bytes[..cut]);
        }
        assert!(Held::from_slice(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(Held::from_slice(&longer).is_err());
        assert!(Held::from_slice(b"TWH1\x00").is_err(), "no group");
        let state = UseState::unused(3).to_vec();
        for cut in 0..state.len() {
            assert!(UseState::from_slice(&state[..cut]).is_err());
        }
        // A huge count with no entries, a current beyond the count, a bad flag.
        assert!(UseState::from_slice(b"TWU1\xff\xff\xff\xff").is_err());
        let mut bad = UseState::unused(1).to_vec();
        let n = bad.len();
        bad[n - 6..n - 2].copy_from_slice(&1u32.to_be_bytes());
        assert!(UseState::from_slice(&bad).is_err());
        let mut bad = UseState::unused(1).to_vec();
        bad[n - 2] = 2;
        assert!(UseState::from_slice(&bad).is_err());
    }

    #[test]
    fn policy_order_reuse_low_and_merge() {
        // An older batch expiring first, then a newer one.
        let old = group(4, T, T + 1000);
        let new = group(4, T + 10, T + 2000);
        let held = Held {
            groups: vec![new.clone(), old.clone()],
        };
        let mut state = UseState::unused(8);
        // Soonest expiry first: the old batch (positions 4..8) before the new (0..4).
        assert_eq!(choose(&held, &state, T + 20), 4);
        state.from_back = true;
        assert_eq!(choose(&held, &state, T + 20), 3);
        state.from_back = false;
        // Before the new batch starts, only the old one is valid.
        assert_eq!(fresh_count(&held, &state, T + 5), 4);
        assert_eq!(fresh_count(&held, &state, T + 20), 8);
        // Every one used: the least recently used, then the least used.
        for (k, u) in state.uses.iter_mut().enumerate() {
            *u = Use {
                uses: 1 + (k % 2) as u32,
                last_use: T + 100 + (k / 2) as u64,
            };
        }
        assert_eq!(choose(&held, &state, T + 200), 0);
        state.uses[0].last_use = T + 900;
        assert_eq!(choose(&held, &state, T + 200), 1);
        // Low: at most a quarter of the newest batch (4) fresh, so at most 1.
        let mut s = UseState::unused(4);
        let four = Held {
            groups: vec![old.clone()],
        };
        for (k, low) in [(0, false), (1, false), (2, true), (3, true)] {
            s.uses[k].uses = 1;
            assert_eq!(is_low(&four, &s, T + 1), low, "{k}");
        }
        // Expired credentials are not fresh.
        assert_eq!(fresh_count(&four, &UseState::unused(4), T + 1000), 0);

        // Merge: the old batch with one unused credential is kept with its state; a batch
        // all used is dropped.
        let mut s = UseState::unused(4);
        for k in 0..3 {
            s.uses[k] = Use {
                uses: 1,
                last_use: T + k as u64,
            };
        }
        let (merged, ms) = merge(&four, &s, new.clone(), T + 10);
        assert_eq!((merged.groups.len(), merged.len()), (2, 8));
        assert_eq!(ms.uses[..4], s.uses[..]);
        assert!(ms.uses[4..].iter().all(|u| u.uses == 0));
        s.uses[3].uses = 1;
        let (merged, ms) = merge(&four, &s, new.clone(), T + 10);
        assert_eq!((merged.groups.len(), ms.uses.len()), (1, 4));
        // An unused credential that expires before the new batch starts is not kept.
        let (merged, _) = merge(&four, &UseState::unused(4), new, T + 1000);
        assert_eq!(merged.groups.len(), 1);
    }
}
