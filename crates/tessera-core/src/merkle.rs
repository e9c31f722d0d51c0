//! The salted attribute tree: how a credential commits to its attributes so that a
//! presentation can disclose a few of them with a short proof.
//!
//! Every credential has the same 16 leaf slots: the 14 attributes of `tessera.eid.1` and two
//! decoys. Each leaf is `[slot, salt, value]` with a fresh 128-bit salt (an absent attribute or
//! a decoy has the value `null`), hashed as `SHA-256(0x00 || leaf)`; an inner node is
//! `SHA-256(0x01 || left || right)`. The root is never transmitted: it is the external AAD of
//! the issuer signature, so a verifier recomputes it from the disclosed leaves and the proof.
//!
//! The tree's shape is fixed and chosen by how often items are disclosed together (measured in
//! docs/format.md): `age_over_18` sits next to the root, so the age check needs a single
//! proof hash; name, ID number and birth date share a subtree for delivery and check-in.

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Number of leaf slots (14 attributes, 2 decoys).
pub const SLOTS: u8 = 16;

/// Length of every leaf's salt, in bytes.
pub const SALT_LEN: usize = 16;

/// The shape of the attribute tree.
#[derive(Debug)]
pub enum Shape {
    /// A leaf slot.
    Leaf(u8),
    /// An inner node.
    Node(&'static Shape, &'static Shape),
}

use Shape::{Leaf as L, Node as N};

/// The fixed shape of the `tessera.eid.1` tree (slot numbers as in [`crate::AttrId`]).
pub static EID_SHAPE: Shape = N(
    &L(13),
    &N(
        &N(&N(&L(1), &L(2)), &N(&L(9), &L(7))),
        &N(
            &N(&N(&L(3), &L(4)), &N(&L(5), &L(6))),
            &N(
                &N(&L(8), &L(10)),
                &N(&N(&L(12), &L(14)), &N(&L(11), &N(&L(15), &L(16)))),
            ),
        ),
    ),
);

/// A balanced 16-leaf tree, kept for the size comparison in docs/format.md.
pub static BALANCED_SHAPE: Shape = N(
    &N(
        &N(&N(&L(1), &L(2)), &N(&L(3), &L(4))),
        &N(&N(&L(5), &L(6)), &N(&L(7), &L(8))),
    ),
    &N(
        &N(&N(&L(9), &L(10)), &N(&L(11), &L(12))),
        &N(&N(&L(13), &L(14)), &N(&L(15), &L(16))),
    ),
);

/// Hash of a leaf from its exact CBOR encoding `[slot, salt, value]`.
pub fn leaf_hash(encoded_leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(encoded_leaf);
    h.finalize().into()
}

/// Hash of an inner node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A bit set of slots (bit `s` for slot `s`).
type SlotSet = u32;

fn slots_below(shape: &Shape) -> SlotSet {
    match shape {
        Shape::Leaf(s) => 1 << s,
        Shape::Node(l, r) => slots_below(l) | slots_below(r),
    }
}

/// The root over all 16 leaf hashes (`leaves[i]` is slot `i + 1`).
pub fn root(shape: &Shape, leaves: &[Hash; SLOTS as usize]) -> Hash {
    match shape {
        Shape::Leaf(s) => leaves[usize::from(*s) - 1],
        Shape::Node(l, r) => node_hash(&root(l, leaves), &root(r, leaves)),
    }
}

/// The proof for disclosing `disclosed`: the hash of every largest subtree that holds no
/// disclosed leaf, in depth-first, left-to-right order.
pub fn prove(shape: &Shape, leaves: &[Hash; SLOTS as usize], disclosed: &[u8]) -> Vec<Hash> {
    let set = disclosed.iter().fold(0, |acc, s| acc | (1 << s));
    let mut out = Vec::new();
    prove_into(shape, leaves, set, &mut out);
    out
}

fn prove_into(shape: &Shape, leaves: &[Hash; SLOTS as usize], set: SlotSet, out: &mut Vec<Hash>) {
    if slots_below(shape) & set == 0 {
        out.push(root(shape, leaves));
        return;
    }
    if let Shape::Node(l, r) = shape {
        prove_into(l, leaves, set, out);
        prove_into(r, leaves, set, out);
    }
}

/// Recomputes the root from the disclosed leaves (slot, leaf hash), sorted by slot, and the
/// proof. Fails if the proof has too few or too many hashes.
pub fn root_from_proof(
    shape: &Shape,
    disclosed: &[(u8, Hash)],
    proof: &[Hash],
) -> Result<Hash, &'static str> {
    let set = disclosed.iter().fold(0, |acc, (s, _)| acc | (1 << s));
    let mut proof_iter = proof.iter();
    let r = walk(shape, disclosed, set, &mut proof_iter)?;
    if proof_iter.next().is_some() {
        return Err("the proof has more hashes than the disclosed items need");
    }
    Ok(r)
}

fn walk<'a>(
    shape: &Shape,
    disclosed: &[(u8, Hash)],
    set: SlotSet,
    proof: &mut impl Iterator<Item = &'a Hash>,
) -> Result<Hash, &'static str> {
    if slots_below(shape) & set == 0 {
        return proof
            .next()
            .copied()
            .ok_or("the proof has fewer hashes than the disclosed items need");
    }
    match shape {
        Shape::Leaf(s) => disclosed
            .iter()
            .find(|(slot, _)| slot == s)
            .map(|(_, h)| *h)
            .ok_or("internal: disclosed slot missing"),
        Shape::Node(l, r) => {
            let lh = walk(l, disclosed, set, proof)?;
            let rh = walk(r, disclosed, set, proof)?;
            Ok(node_hash(&lh, &rh))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves() -> [Hash; 16] {
        std::array::from_fn(|i| leaf_hash(&[i as u8]))
    }

    fn all_slots(shape: &Shape) -> Vec<u8> {
        (1..=SLOTS)
            .filter(|s| slots_below(shape) & (1 << s) != 0)
            .collect()
    }

    #[test]
    fn shapes_hold_each_slot_once() {
        for shape in [&EID_SHAPE, &BALANCED_SHAPE] {
            assert_eq!(all_slots(shape), (1..=16).collect::<Vec<_>>());
            fn count(s: &Shape) -> usize {
                match s {
                    Shape::Leaf(_) => 1,
                    Shape::Node(l, r) => count(l) + count(r),
                }
            }
            assert_eq!(count(shape), 16);
        }
    }

    #[test]
    fn proofs_verify_for_every_subset_of_a_few() {
        let lv = leaves();
        let r = root(&EID_SHAPE, &lv);
        for mask in 1u32..(1 << 16) {
            if mask.count_ones() > 3 && mask != 0xFFFF {
                continue;
            }
            let slots: Vec<u8> = (1..=16u8).filter(|s| mask & (1 << (s - 1)) != 0).collect();
            let proof = prove(&EID_SHAPE, &lv, &slots);
            let disclosed: Vec<(u8, Hash)> =
                slots.iter().map(|&s| (s, lv[usize::from(s) - 1])).collect();
            assert_eq!(root_from_proof(&EID_SHAPE, &disclosed, &proof), Ok(r));
            // A wrong leaf gives a different root.
            let mut bad = disclosed.clone();
            bad[0].1[0] ^= 1;
            assert_ne!(root_from_proof(&EID_SHAPE, &bad, &proof), Ok(r));
            // One hash too few or too many is an error.
            if !proof.is_empty() {
                assert!(root_from_proof(&EID_SHAPE, &disclosed, &proof[1..]).is_err());
            }
            let mut longer = proof.clone();
            longer.push([0; 32]);
            assert!(root_from_proof(&EID_SHAPE, &disclosed, &longer).is_err());
        }
    }

    #[test]
    fn age_check_needs_one_hash() {
        let lv = leaves();
        assert_eq!(prove(&EID_SHAPE, &lv, &[13]).len(), 1);
        assert_eq!(prove(&EID_SHAPE, &lv, &[1, 2, 7, 9]).len(), 2);
        assert_eq!(prove(&BALANCED_SHAPE, &lv, &[13]).len(), 4);
    }
}
