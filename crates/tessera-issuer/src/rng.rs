//! A buffered reader of the operating system's random generator: one system call per 4 KiB
//! instead of one per salt (a credential needs 16 salts; at 20,000 credentials per second
//! the calls would cost more than the rest of the work).

use rand_core::{Infallible, TryCryptoRng, TryRng};
use zeroize::Zeroizing;

const BUF: usize = 4096;

/// Random bytes straight from the OS generator (getrandom), read 4 KiB at a time. The buffer
/// is wiped on drop. Like `UnwrapErr(SysRng)`, it panics if the OS generator fails.
pub struct OsRng {
    buf: Zeroizing<[u8; BUF]>,
    pos: usize,
}

impl Default for OsRng {
    fn default() -> Self {
        OsRng::new()
    }
}

impl OsRng {
    /// A generator with an empty buffer (filled on first use).
    pub fn new() -> OsRng {
        OsRng {
            buf: Zeroizing::new([0; BUF]),
            pos: BUF,
        }
    }

    fn take(&mut self, dst: &mut [u8]) {
        let mut done = 0;
        while done < dst.len() {
            if self.pos == BUF {
                #[allow(clippy::expect_used)]
                getrandom::fill(&mut self.buf[..]).expect("the OS random generator failed");
                self.pos = 0;
            }
            let n = (dst.len() - done).min(BUF - self.pos);
            dst[done..done + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            // Wipe what was handed out so the buffer never holds a copy of used bytes.
            self.buf[self.pos..self.pos + n].fill(0);
            self.pos += n;
            done += n;
        }
    }
}

impl TryRng for OsRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.take(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.take(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.take(dst);
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_across_refills_with_distinct_bytes() {
        let mut r = OsRng::new();
        let mut a = vec![0u8; 10_000];
        r.try_fill_bytes(&mut a).unwrap();
        let mut b = vec![0u8; 10_000];
        r.try_fill_bytes(&mut b).unwrap();
        assert_ne!(a, b);
        assert!(a.iter().filter(|&&x| x == 0).count() < 200);
    }
}
