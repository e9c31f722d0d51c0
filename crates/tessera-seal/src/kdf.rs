//! Argon2id key derivation: cost parameters, their caps and minimum, and a derivation with
//! caller-owned, wiped work memory.

use argon2::{Algorithm, Argon2, Block, Version};
use zeroize::Zeroizing;

use crate::error::SealError;

/// Argon2id cost parameters. They are stored with the data they protect (store header,
/// backup file, sealed key file) and checked ([`KdfParams::check_cap`] or
/// [`KdfParams::check_limits`]) before any derivation.
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

/// Least memory accepted for anything new (and by the store on open): 64 MiB.
pub const MIN_M_COST_KIB: u32 = 64 * 1024;
/// Least total work (memory in KiB × passes) accepted for anything new (and by the store on
/// open): a quarter of the recommended work (64 MiB × 2 passes, about 0.1 s on the reference
/// machine).
pub const MIN_WORK_KIB_PASSES: u64 = RECOMMENDED_WORK / 4;

/// Length of every salt.
pub const SALT_LEN: usize = 32;

const RECOMMENDED_WORK: u64 =
    KdfParams::RECOMMENDED.m_cost_kib as u64 * KdfParams::RECOMMENDED.t_cost as u64;

impl KdfParams {
    /// What new wallet stores use: m = 128 MiB, t = 4, p = 1, about 0.45 s of CPU on the
    /// reference machine (measurements in docs/threat-model.md, "Wallet store").
    pub const RECOMMENDED: KdfParams = KdfParams {
        m_cost_kib: 128 * 1024,
        t_cost: 4,
        p_cost: 1,
    };

    /// The least cost accepted for anything new: m = 64 MiB, t = 2, p = 1
    /// ([`MIN_M_COST_KIB`], [`MIN_WORK_KIB_PASSES`]).
    pub const MINIMUM: KdfParams = KdfParams {
        m_cost_kib: MIN_M_COST_KIB,
        t_cost: (MIN_WORK_KIB_PASSES / MIN_M_COST_KIB as u64) as u32,
        p_cost: 1,
    };

    /// Tiny parameters (64 KiB, one pass) so tests run fast: the only ones under the minimum
    /// that are accepted, and only by builds with the `insecure-test-kdf` feature (enabled by
    /// the workspace's test crates, never by a release build of a program).
    #[cfg(feature = "insecure-test-kdf")]
    pub const INSECURE_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    /// [`KdfParams::RECOMMENDED`].
    pub fn recommended() -> Self {
        Self::RECOMMENDED
    }

    /// [`KdfParams::MINIMUM`].
    pub fn minimum() -> Self {
        Self::MINIMUM
    }

    /// [`KdfParams::INSECURE_FOR_TESTS`] (builds with the `insecure-test-kdf` feature only).
    #[cfg(feature = "insecure-test-kdf")]
    pub fn insecure_for_tests() -> Self {
        Self::INSECURE_FOR_TESTS
    }

    /// Whether these parameters meet the minimum (or are the test parameters, in a build
    /// with the `insecure-test-kdf` feature).
    pub fn meets_minimum(&self) -> bool {
        #[cfg(feature = "insecure-test-kdf")]
        if *self == Self::INSECURE_FOR_TESTS {
            return true;
        }
        self.m_cost_kib >= MIN_M_COST_KIB && self.work() >= MIN_WORK_KIB_PASSES
    }

    /// Memory in KiB × passes.
    fn work(&self) -> u64 {
        u64::from(self.m_cost_kib) * u64::from(self.t_cost)
    }

    /// Checks parameters read from `what` (a file) against the caps only: refuses work that
    /// would make a derivation take minutes or exhaust memory ([`SealError::ExcessiveWork`])
    /// and parameters Argon2id rejects ([`SealError::InvalidParams`]).
    pub fn check_cap(&self, what: &'static str) -> Result<(), SealError> {
        self.within_cap(what)?;
        self.valid(what)
    }

    /// Checks parameters read from `what` against the caps and the minimum: as
    /// [`KdfParams::check_cap`], and refuses work under the minimum ([`SealError::WeakKdf`]:
    /// the file was made by a test build or a hostile tool).
    pub fn check_limits(&self, what: &'static str) -> Result<(), SealError> {
        self.within_cap(what)?;
        if !self.meets_minimum() {
            return Err(SealError::WeakKdf {
                what,
                m_cost_kib: self.m_cost_kib,
                t_cost: self.t_cost,
                p_cost: self.p_cost,
            });
        }
        self.valid(what)
    }

    fn within_cap(&self, what: &'static str) -> Result<(), SealError> {
        if self.m_cost_kib > MAX_M_COST_KIB
            || self.p_cost > MAX_P_COST
            || self.work() > MAX_WORK_KIB_PASSES
        {
            return Err(SealError::ExcessiveWork {
                what,
                m_cost_kib: self.m_cost_kib,
                t_cost: self.t_cost,
                p_cost: self.p_cost,
            });
        }
        Ok(())
    }

    fn valid(&self, what: &'static str) -> Result<(), SealError> {
        self.to_argon2().map_err(|_| SealError::InvalidParams {
            what,
            m_cost_kib: self.m_cost_kib,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
        })?;
        Ok(())
    }

    /// Checks parameters given by the caller for something new (a store, a PIN, a backup, a
    /// key file): within the caps, at least the minimum, accepted by Argon2id
    /// ([`SealError::BadParams`] names the rule).
    pub fn check_new(&self) -> Result<(), SealError> {
        let bad = |reason| SealError::BadParams {
            m_cost_kib: self.m_cost_kib,
            t_cost: self.t_cost,
            p_cost: self.p_cost,
            reason,
        };
        match self.check_limits("the caller") {
            Err(SealError::ExcessiveWork { .. }) => Err(bad(
                "over the limit accepted on open (1 GiB, 16 lanes, 16x the recommended work)",
            )),
            Err(SealError::WeakKdf { .. }) => Err(bad(
                "under the minimum accepted (64 MiB of memory and 64 MiB x 2 passes of work)",
            )),
            Err(_) => Err(bad("argon2id needs t >= 1, 1 <= p and m >= 8*p KiB")),
            Ok(()) => Ok(()),
        }
    }

    fn to_argon2(self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
    }
}

/// Derives a 32-byte key from `secret` with Argon2id. The work memory is allocated here and
/// wiped before it is freed (the argon2 crate's own zeroize feature does not wipe it).
///
/// It checks only what Argon2id needs: check parameters read from a file with
/// [`KdfParams::check_cap`] or [`KdfParams::check_limits`] first.
pub fn derive_key(
    secret: &[u8],
    salt: &[u8; SALT_LEN],
    params: KdfParams,
) -> Result<Zeroizing<[u8; 32]>, SealError> {
    let bad = |reason| SealError::BadParams {
        m_cost_kib: params.m_cost_kib,
        t_cost: params.t_cost,
        p_cost: params.p_cost,
        reason,
    };
    let p = params
        .to_argon2()
        .map_err(|_| bad("argon2id needs t >= 1, 1 <= p and m >= 8*p KiB"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p.clone());
    let mut memory: Zeroizing<Vec<Block>> = Zeroizing::new(vec![Block::default(); p.block_count()]);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into_with_memory(secret, salt, &mut key[..], &mut memory[..])
        .map_err(|_| bad("argon2id refused the input (secret too long?)"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps() {
        assert!(KdfParams::recommended().check_limits("x").is_ok());
        assert!(KdfParams::insecure_for_tests().check_limits("x").is_ok());
        for greedy in [
            KdfParams {
                m_cost_kib: u32::MAX,
                t_cost: 1,
                p_cost: 1,
            },
            KdfParams {
                m_cost_kib: 64 * 1024,
                t_cost: 1_000_000,
                p_cost: 1,
            },
            // Within the issuer's old per-field caps, twice the work cap.
            KdfParams {
                m_cost_kib: MAX_M_COST_KIB,
                t_cost: 16,
                p_cost: 1,
            },
            KdfParams {
                p_cost: MAX_P_COST + 1,
                ..KdfParams::minimum()
            },
        ] {
            for r in [greedy.check_cap("x"), greedy.check_limits("x")] {
                assert!(
                    matches!(r, Err(SealError::ExcessiveWork { .. })),
                    "{greedy:?}"
                );
            }
            let e = greedy.check_new().unwrap_err();
            assert!(e.to_string().contains("over the limit"), "{e}");
        }
        // The most the issuer program ever wrote: --kdf-mib 1024, 3 passes.
        let issuer_max = KdfParams {
            m_cost_kib: MAX_M_COST_KIB,
            t_cost: 3,
            p_cost: 1,
        };
        assert!(issuer_max.check_limits("x").is_ok());
    }

    #[test]
    fn invalid_and_weak() {
        let zero = KdfParams {
            t_cost: 0,
            ..KdfParams::minimum()
        };
        assert!(matches!(
            zero.check_limits("x"),
            Err(SealError::WeakKdf { .. })
        ));
        assert!(matches!(
            zero.check_cap("x"),
            Err(SealError::InvalidParams { .. })
        ));
        let no_lanes = KdfParams {
            p_cost: 0,
            ..KdfParams::minimum()
        };
        let e = no_lanes.check_limits("store header").unwrap_err();
        assert!(matches!(e, SealError::InvalidParams { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "store header holds invalid argon2id parameters m=65536 KiB t=2 p=0"
        );
        assert!(matches!(
            no_lanes.check_new(),
            Err(SealError::BadParams { .. })
        ));
    }

    #[test]
    fn minimum_is_enforced_on_new_and_by_check_limits() {
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
                matches!(weak.check_limits("x"), Err(SealError::WeakKdf { .. })),
                "{weak:?}"
            );
            // Under the minimum but within the caps: check_cap lets it through.
            assert!(weak.check_cap("x").is_ok(), "{weak:?}");
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
        let bad = KdfParams { p_cost: 0, ..p };
        assert!(matches!(
            derive_key(b"123456", &[1; 32], bad),
            Err(SealError::BadParams { .. })
        ));
    }
}
