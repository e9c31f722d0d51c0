//! Argon2id key derivation with caller-owned, wiped work memory.

use argon2::{Algorithm, Argon2, Block, Version};
use zeroize::Zeroizing;

use crate::error::StoreError;

/// Argon2id cost parameters. They are stored with the data they protect (store header,
/// backup file) and checked against [`KdfParams::check_limits`] before any derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over the memory.
    pub t_cost: u32,
    /// Lanes (computed one after another: the argon2 crate is used without threads).
    pub p_cost: u32,
}

/// Largest memory accepted from a file: 1 GiB.
pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
/// Largest number of lanes accepted from a file.
pub const MAX_P_COST: u32 = 16;
/// Largest total work (memory in KiB × passes) accepted from a file: 16 times the
/// recommended work, about 8 s on the reference machine (see docs/threat-model.md).
pub const MAX_WORK_KIB_PASSES: u64 = 16 * RECOMMENDED_WORK;

/// Least memory a store accepts, on create and on open: 64 MiB.
pub const MIN_M_COST_KIB: u32 = 64 * 1024;
/// Least total work (memory in KiB × passes) a store accepts, on create and on open: a
/// quarter of the recommended work (64 MiB × 2 passes, about 0.1 s on the reference machine).
pub const MIN_WORK_KIB_PASSES: u64 = RECOMMENDED_WORK / 4;

/// The tiny parameters of [`KdfParams::insecure_for_tests`]: the only ones under the minimum
/// that a build with the `insecure-test-kdf` feature accepts.
#[cfg(any(test, feature = "insecure-test-kdf"))]
const INSECURE_FOR_TESTS: KdfParams = KdfParams {
    m_cost_kib: 64,
    t_cost: 1,
    p_cost: 1,
};

const RECOMMENDED: KdfParams = KdfParams {
    m_cost_kib: 128 * 1024,
    t_cost: 4,
    p_cost: 1,
};
const RECOMMENDED_WORK: u64 = RECOMMENDED.m_cost_kib as u64 * RECOMMENDED.t_cost as u64;

impl KdfParams {
    /// The parameters new stores use: m = 128 MiB, t = 4, p = 1: about 0.45 s of CPU on
    /// the reference machine (measurements in docs/threat-model.md, "Wallet store").
    pub fn recommended() -> Self {
        RECOMMENDED
    }

    /// The least cost a store accepts: m = 64 MiB, t = 2, p = 1 ([`MIN_M_COST_KIB`],
    /// [`MIN_WORK_KIB_PASSES`]).
    pub fn minimum() -> Self {
        KdfParams {
            m_cost_kib: MIN_M_COST_KIB,
            t_cost: (MIN_WORK_KIB_PASSES / u64::from(MIN_M_COST_KIB)) as u32,
            p_cost: 1,
        }
    }

    /// Tiny parameters (64 KiB, one pass) so tests run fast. Only builds with the
    /// `insecure-test-kdf` feature (enabled by the workspace's test crates, never by a
    /// release build of a program) have them, and only such builds create or open a store
    /// with them.
    #[cfg(any(test, feature = "insecure-test-kdf"))]
    pub fn insecure_for_tests() -> Self {
        INSECURE_FOR_TESTS
    }

    /// Whether these parameters meet the minimum (or are the test parameters, in a build
    /// with the `insecure-test-kdf` feature).
    pub fn meets_minimum(&self) -> bool {
        #[cfg(any(test, feature = "insecure-test-kdf"))]
        if *self == INSECURE_FOR_TESTS {
            return true;
        }
        self.m_cost_kib >= MIN_M_COST_KIB && self.work() >= MIN_WORK_KIB_PASSES
    }

    fn work(&self) -> u64 {
        u64::from(self.m_cost_kib) * u64::from(self.t_cost)
    }

    /// Checks parameters read from a file: refuses work that would make opening it take
    /// minutes or exhaust memory ([`StoreError::ExcessiveWork`]), work under the minimum
    /// ([`StoreError::WeakKdf`]: the file was made by a test build or a hostile tool), and
    /// parameters Argon2id rejects ([`StoreError::Corrupt`]).
    pub fn check_limits(&self, what: &'static str) -> Result<(), StoreError> {
        let work = u64::from(self.m_cost_kib) * u64::from(self.t_cost);
        if self.m_cost_kib > MAX_M_COST_KIB
            || self.p_cost > MAX_P_COST
            || work > MAX_WORK_KIB_PASSES
        {
            return Err(StoreError::ExcessiveWork {
                what,
                m_cost_kib: self.m_cost_kib,
                t_cost: self.t_cost,
                p_cost: self.p_cost,
            });
        }
        if !self.meets_minimum() {
            return Err(StoreError::WeakKdf {
                what,
                m_cost_kib: self.m_cost_kib,
                t_cost: self.t_cost,
                p_cost: self.p_cost,
            });
        }
        self.to_argon2().map_err(|_| StoreError::Corrupt {
            what: format!(
                "{what} holds invalid argon2id parameters m={} KiB t={} p={}",
                self.m_cost_kib, self.t_cost, self.p_cost
            ),
        })?;
        Ok(())
    }

    /// Checks parameters given by the caller (for a new store, a new PIN or a backup).
    pub(crate) fn check_new(&self) -> Result<(), StoreError> {
        let bad = |reason| StoreError::BadParams {
            m_cost_kib: self.m_cost_kib,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
            reason,
        };
        match self.check_limits("the caller") {
            Err(StoreError::ExcessiveWork { .. }) => {
                return Err(bad(
                    "over the limit a store accepts on open (1 GiB, 16 lanes, 16x the recommended work)",
                ));
            }
            Err(StoreError::WeakKdf { .. }) => {
                return Err(bad(
                    "under the minimum a store accepts (64 MiB of memory and 64 MiB x 2 passes of work)",
                ));
            }
            _ => {}
        }
        self.to_argon2()
            .map_err(|_| bad("argon2id needs t >= 1, 1 <= p and m >= 8*p KiB"))?;
        Ok(())
    }

    fn to_argon2(self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
    }
}

/// Length of every salt.
pub(crate) const SALT_LEN: usize = 32;

/// Derives a 32-byte key from `secret` with Argon2id. The work memory is allocated here and
/// wiped before it is freed (the argon2 crate's own zeroize feature does not wipe it).
pub(crate) fn derive_key(
    secret: &[u8],
    salt: &[u8; SALT_LEN],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, StoreError> {
    let p = params.to_argon2().map_err(|_| StoreError::BadParams {
        m_cost_kib: params.m_cost_kib,
        t_cost: params.t_cost,
        p_cost: params.p_cost,
        reason: "argon2id needs t >= 1, 1 <= p and m >= 8*p KiB",
    })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p.clone());
    let mut memory: Zeroizing<Vec<Block>> = Zeroizing::new(vec![Block::default(); p.block_count()]);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into_with_memory(secret, salt, &mut key[..], &mut memory[..])
        .map_err(|_| StoreError::BadParams {
            m_cost_kib: params.m_cost_kib,
            t_cost: params.t_cost,
            p_cost: params.p_cost,
            reason: "argon2id refused the input (secret too long?)",
        })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(KdfParams::recommended().check_limits("x").is_ok());
        assert!(KdfParams::insecure_for_tests().check_limits("x").is_ok());
        let huge = KdfParams {
            m_cost_kib: u32::MAX,
            t_cost: 1,
            p_cost: 1,
        };
        assert!(matches!(
            huge.check_limits("x"),
            Err(StoreError::ExcessiveWork { .. })
        ));
        let long = KdfParams {
            m_cost_kib: 64 * 1024,
            t_cost: 1_000_000,
            p_cost: 1,
        };
        assert!(matches!(
            long.check_limits("x"),
            Err(StoreError::ExcessiveWork { .. })
        ));
        let zero = KdfParams {
            m_cost_kib: MIN_M_COST_KIB,
            t_cost: 0,
            p_cost: 1,
        };
        assert!(matches!(
            zero.check_limits("x"),
            Err(StoreError::WeakKdf { .. })
        ));
        let no_lanes = KdfParams {
            p_cost: 0,
            ..KdfParams::minimum()
        };
        assert!(matches!(
            no_lanes.check_limits("x"),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            zero.check_new(),
            Err(StoreError::BadParams { .. })
        ));
    }

    #[test]
    fn minimum_is_enforced() {
        let min = KdfParams::minimum();
        assert_eq!((min.m_cost_kib, min.t_cost, min.p_cost), (64 * 1024, 2, 1));
        assert!(min.check_limits("x").is_ok() && min.check_new().is_ok());
        assert!(KdfParams::recommended().meets_minimum());
        for weak in [
            KdfParams { t_cost: 1, ..min },
            KdfParams {
                m_cost_kib: MIN_M_COST_KIB - 1,
                t_cost: 8,
                p_cost: 1,
            },
            // The test parameters with one more pass are not the test parameters.
            KdfParams {
                t_cost: 2,
                ..KdfParams::insecure_for_tests()
            },
        ] {
            assert!(
                matches!(
                    weak.check_limits("store header"),
                    Err(StoreError::WeakKdf { .. })
                ),
                "{weak:?}"
            );
            let e = weak.check_new().unwrap_err();
            assert!(e.to_string().contains("under the minimum"), "{e}");
        }
    }

    #[test]
    fn derivation_depends_on_everything() {
        let p = KdfParams::insecure_for_tests();
        let a = derive_key(b"123456", &[1; 32], p).unwrap();
        assert_eq!(*a, *derive_key(b"123456", &[1; 32], p).unwrap());
        assert_ne!(*a, *derive_key(b"123457", &[1; 32], p).unwrap());
        assert_ne!(*a, *derive_key(b"123456", &[2; 32], p).unwrap());
        let p2 = KdfParams { t_cost: 2, ..p };
        assert_ne!(*a, *derive_key(b"123456", &[1; 32], p2).unwrap());
    }
}
