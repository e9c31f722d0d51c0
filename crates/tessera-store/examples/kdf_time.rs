//! Times `Store::unlock` (Argon2id plus opening the database) for several cost settings:
//! the median wall time and the median CPU time of the calling thread (Linux
//! `/proc/thread-self/schedstat`), which a busy machine inflates less.
//!
//! `cargo run -p tessera-store --profile bench --example kdf_time [runs]`

use std::time::{Duration, Instant};

use tessera_store::{KdfParams, Secret, Store};

fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let pin = Secret::pin("482913").expect("valid pin");
    println!("params                 wall median   thread-cpu median   ({runs} unlocks each)");
    // The first row is the minimum a store accepts (`KdfParams::minimum`).
    for (m, t) in [
        (64 * 1024, 2),
        (64 * 1024, 3),
        (128 * 1024, 4),
        (128 * 1024, 3),
        (256 * 1024, 2),
    ] {
        let params = KdfParams {
            m_cost_kib: m,
            t_cost: t,
            p_cost: 1,
        };
        let dir = tempfile::tempdir().expect("temp dir");
        drop(Store::create(dir.path(), &pin, params).expect("create"));
        let mut wall = Vec::new();
        let mut cpu = Vec::new();
        for _ in 0..runs {
            let c0 = thread_cpu();
            let t0 = Instant::now();
            let store = Store::unlock(dir.path(), &pin).expect("unlock");
            wall.push(t0.elapsed());
            if let (Some(a), Some(b)) = (c0, thread_cpu()) {
                cpu.push(b - a);
            }
            drop(store);
        }
        let cpu = if cpu.is_empty() {
            "n/a".to_string()
        } else {
            format!("{:?}", median(cpu))
        };
        println!(
            "m={:>4} MiB t={t} p=1    {:>10.1?}   {cpu:>12}",
            m / 1024,
            median(wall)
        );
    }
}
