//! The wallet's records of what it holds under a credential id (`TWH1`, or a bare credential
//! file from an older wallet) and how it has used them (`TWU1`): reading never panics;
//! whatever is accepted re-encodes to the same bytes (a `TWH1` record of one lone credential
//! is written back as the bare file, which reads back the same); and the single-use policy
//! over any record and any use record (the input cut in two) never panics and picks a
//! credential the record holds.
//!
//! The records live in a private module of tessera-wallet, whose library also holds the
//! eframe app: the module's source is compiled here on its own (it needs only tessera-core
//! and zeroize), so the fuzz build does not instrument a GUI toolkit.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../crates/tessera-wallet/src/held.rs"]
mod held;

use held::{Held, UseState};

fuzz_target!(|data: &[u8]| {
    check_held(data);
    check_use(data);
    if let [a, b, rest @ ..] = data {
        let cut = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
        let (record, uses) = rest.split_at(cut);
        if let Ok(held) = Held::from_slice(record) {
            let state = UseState::from_slice(uses).unwrap_or_else(|_| UseState::unused(held.len()));
            check_policy(&held, &state);
        }
    }
});

fn check_held(data: &[u8]) {
    let Ok(held) = Held::from_slice(data) else {
        return;
    };
    assert!(!held.groups.is_empty(), "a record without a group was accepted");
    let bytes = held.to_vec();
    let lone = matches!(&held.groups[..], [g] if g.seed.is_none() && g.files.len() == 1);
    if lone {
        assert_eq!(&bytes[..], &held.groups[0].files[0][..]);
    } else {
        assert_eq!(&bytes[..], data, "credential record does not re-encode to its bytes");
    }
    let again = Held::from_slice(&bytes).expect("a written record does not read back");
    assert_eq!(&again.to_vec()[..], &bytes[..]);
    assert_eq!(again.len(), held.len());
    for (group, i) in held.iter() {
        assert!(i == 0 || group.seed.is_some(), "a single credential with a sibling");
        if let Ok(cred) = group.cred(i) {
            assert_eq!(cred.to_vec(), group.files[i as usize]);
        }
    }
    let _ = held.newest();
    check_policy(&held, &UseState::unused(held.len()));
}

fn check_use(data: &[u8]) {
    if let Ok(state) = UseState::from_slice(data) {
        assert_eq!(state.to_vec(), data, "use record does not re-encode to its bytes");
        if let Some(current) = state.current {
            assert!((current as usize) < state.uses.len());
        }
    }
}

/// The policy at the edges of every group's validity and at the ends of time.
fn check_policy(held: &Held, state: &UseState) {
    let mut times = vec![0, u64::MAX];
    for g in &held.groups {
        let c = g.first.claims();
        times.extend([c.not_before, c.expires, c.expires.saturating_sub(1)]);
    }
    for now in times {
        let k = held::choose(held, state, now);
        assert!(held.get(k).is_some(), "chose credential {k} of {}", held.len());
        assert!(held::fresh_count(held, state, now) <= held.len());
        let _ = held::is_low(held, state, now);
        let last = held.groups.last().unwrap().clone();
        let (merged, uses) = held::merge(held, state, last, now);
        assert_eq!(merged.len(), uses.uses.len(), "merge lost track of the uses");
        assert!(!merged.groups.is_empty());
    }
}
