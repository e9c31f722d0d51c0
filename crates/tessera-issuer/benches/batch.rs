//! Batch issuance per credential, against a bare Ed25519 signature measured in the same run,
//! in this thread's CPU time (the machine is shared: wall time would count the neighbours).
//!
//! Run: `cargo bench -p tessera-issuer --bench batch`; medians and ratios go to
//! docs/issuer.md ("Batch issuance speed").
//!
//! - `ed25519 sign (reference)`: one signature over 200 bytes, the floor of any issuance.
//! - `derive holder key`: `P_i = S + t_i·G` for one index.
//! - `check holder key`: the checks every key entering from outside gets (decode, canonical,
//!   not of small order), which batch issuance makes once per batch.
//! - `issue_batch of 32 (per batch)`: the core's `issue_batch` (checks of the device key and
//!   attributes once, then 32 × derivation, salts, tree, issuer signature); criterion's
//!   throughput line gives credentials per second.
//! - `issue one (checks per credential)`: the core's `issue` for one credential, which checks
//!   its holder key, as single issuance does.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use std::hint::black_box;
use tessera_core::batch::{BatchParams, BatchSeed, derive_holder_key, issue_batch};
use tessera_core::{IssueParams, StatusRef, issue};
use tessera_issuer::{OsRng, parse_person_json};

const NOW: u64 = 1_795_651_200;

/// This thread's CPU time in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`). The machine is shared:
/// wall time counts the time other processes hold the core, CPU time does not.
fn cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Criterion measurement in thread CPU time.
struct ThreadCpu;

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Micros
    }
}

/// Shows CPU nanoseconds as microseconds, and throughput per CPU second.
struct Micros;

impl ValueFormatter for Micros {
    fn scale_values(&self, _typical: f64, values: &mut [f64]) -> &'static str {
        values.iter_mut().for_each(|v| *v /= 1e3);
        "µs cpu"
    }
    fn scale_throughputs(&self, _typical: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match t {
            Throughput::Elements(n) => *n as f64,
            _ => 1.0,
        };
        values.iter_mut().for_each(|v| *v = n * 1e9 / *v);
        "elem/cpu-s"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn bench(c: &mut Criterion<ThreadCpu>) {
    let mut rng = OsRng::new();
    let issuer = SigningKey::from_bytes(&[3; 32]);
    let device = SigningKey::from_bytes(&[5; 32]).verifying_key();
    let person = r#"{"family_name":"林","given_name":"美华","family_name_latin":"LIN","given_name_latin":"MEIHUA","sex":2,"ethnicity":"汉","birth_date":"1990-05-17","address":"幸福路 88 号 3 单元 501 室","id_number":"110105199005171234","issuing_authority":"示范市公安局"}"#;
    let mut attributes = parse_person_json(person.as_bytes(), std::path::Path::new(".")).unwrap();
    attributes.compute_age_flags(NOW);
    let statuses: Vec<StatusRef> = (0..32)
        .map(|i| StatusRef {
            list: 0,
            index: 70_000 + 3 * i,
        })
        .collect();
    let params = BatchParams {
        device,
        not_before: NOW,
        expires: NOW + 5 * 365 * 86_400,
        statuses: &statuses,
        attributes: &attributes,
    };
    let msg = [7u8; 200];

    let mut g = c.benchmark_group("batch");
    g.bench_function("ed25519 sign (reference)", |b| {
        b.iter(|| issuer.sign(black_box(&msg)))
    });
    let seed = BatchSeed([9; 32]);
    g.bench_function("derive holder key", |b| {
        b.iter(|| derive_holder_key(black_box(&device), &seed, black_box(17)))
    });
    g.bench_function("check holder key", |b| {
        b.iter(|| tessera_core::keys::check_holder_key(black_box(device.as_bytes())).unwrap())
    });
    g.throughput(Throughput::Elements(32));
    g.bench_function("issue_batch of 32 (per batch)", |b| {
        b.iter(|| {
            let seed = BatchSeed::generate(&mut rng);
            issue_batch(&issuer, seed, black_box(&params), &mut rng).unwrap()
        })
    });
    g.throughput(Throughput::Elements(1));
    let one = IssueParams {
        holder: device,
        not_before: NOW,
        expires: NOW + 5 * 365 * 86_400,
        status: statuses[0],
        attributes: attributes.clone(),
    };
    g.bench_function("issue one (checks per credential)", |b| {
        b.iter(|| issue(&issuer, black_box(&one), &mut rng).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = bench
}
criterion_main!(benches);
