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

    /// Tiny parameters (64 KiB, one pass) so tests run fast. Never use them for a real wallet.
    pub fn insecure_for_tests() -> Self {
        KdfParams {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }

    /// Checks parameters read from a file: refuses work that would make opening it take
    /// minutes or exhaust memory ([`StoreError::ExcessiveWork`]), and parameters Argon2id
    /// rejects ([`StoreError::Corrupt`]).
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
        if self.check_limits("the caller").is_err() {
            return Err(bad(
                "over the limit a store accepts on open (1 GiB, 16 lanes, 16x the recommended work)",
            ));
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
            m_cost_kib: 64,
            t_cost: 0,
            p_cost: 1,
        };
        assert!(matches!(
            zero.check_limits("x"),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            zero.check_new(),
            Err(StoreError::BadParams { .. })
        ));
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
