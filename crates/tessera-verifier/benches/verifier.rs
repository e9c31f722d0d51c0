//! Load test: verifying presentations from QR text with a bounded replay cache, against the
//! floor of the cryptography (two `VerifyingKey::from_bytes` + two `verify_strict`).
//!
//! `cargo bench -p tessera-verifier --bench verifier`; figures in docs/performance.md.
//! Times are per-thread CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time, so that a busy
//! shared machine does not inflate them: "per core" figures.

use cpu_time::ThreadTime;
use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::hint::black_box;
use std::time::Duration;
use tessera_core::testing::{DAY, DeterministicRng as TestRng, Fixture, TEST_NOW as NOW};
use tessera_core::{Purpose, StatusList, TrustList, text};
use tessera_verifier::{Policy, Verifier};

/// Distinct presentations cycled through; also the replay cache's capacity.
const POOL: usize = 4096;

struct Setup {
    trust: TrustList,
    status: StatusList,
    texts: Vec<String>,
}

fn setup(purpose: Purpose) -> Setup {
    // The core's test world: issuer `test.tessera`, the sample citizen, status list 1 index 42.
    let mut f = Fixture::new(0x9E37_79B9_7F4A_7C15);
    let texts = (0..POOL)
        .map(|_| text::encode(&f.show(purpose, None, NOW)))
        .collect();
    let trust = f.trust;
    let status = StatusList::new("test.tessera", 1, 2, 100_000, NOW - 3600, DAY);
    Setup {
        trust,
        status,
        texts,
    }
}

fn verifier(s: &Setup) -> Verifier {
    let mut v = Verifier::new(
        s.trust.clone(),
        Policy {
            replay_capacity: POOL,
            ..Policy::default()
        },
    );
    v.add_status_list(s.status.clone());
    v
}

/// Verifies `iters` presentations, cycling through the pool; a new verifier (empty replay
/// cache) each time the pool wraps, so every check is a first scan.
fn run_verifier(s: &Setup, iters: u64) -> Duration {
    let mut v = verifier(s);
    let start = ThreadTime::now();
    for i in 0..iters as usize {
        let idx = i % POOL;
        if idx == 0 && i > 0 {
            v = verifier(s);
        }
        let verdict = v.check_text(black_box(&s.texts[idx]), NOW + 5);
        assert!(verdict.is_valid(), "{verdict:?}");
    }
    start.elapsed()
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("verifier");
    for purpose in [Purpose::Age18, Purpose::CheckIn, Purpose::Full] {
        let s = setup(purpose);
        g.bench_function(format!("check_text/{purpose}"), |b| {
            b.iter_custom(|iters| run_verifier(&s, iters))
        });
        if purpose == Purpose::Age18 {
            g.bench_function("core_verify_text/age18", |b| {
                let policy = tessera_core::VerifyPolicy::at(NOW + 5);
                b.iter_custom(|iters| {
                    let start = ThreadTime::now();
                    for i in 0..iters as usize {
                        let t = black_box(&s.texts[i % POOL]);
                        black_box(tessera_core::verify_text(t, &s.trust, &policy).unwrap());
                    }
                    start.elapsed()
                })
            });
            eprintln!(
                "age18 presentation: {} characters of QR text",
                s.texts[0].len()
            );
        }
    }

    // The floor: what any verifier of two Ed25519 signatures must do.
    let mut rng = TestRng::new(7);
    let k1 = SigningKey::generate(&mut rng);
    let k2 = SigningKey::generate(&mut rng);
    let m1 = vec![0x5a_u8; 300];
    let m2 = vec![0xa5_u8; 200];
    let (s1, s2) = (k1.sign(&m1), k2.sign(&m2));
    let (b1, b2) = (k1.verifying_key().to_bytes(), k2.verifying_key().to_bytes());
    let (sb1, sb2) = (s1.to_bytes(), s2.to_bytes());
    g.bench_function("floor/2x(from_bytes+verify_strict)", |b| {
        b.iter_custom(|iters| {
            let start = ThreadTime::now();
            for _ in 0..iters {
                let v1 = VerifyingKey::from_bytes(black_box(&b1)).unwrap();
                let v2 = VerifyingKey::from_bytes(black_box(&b2)).unwrap();
                v1.verify_strict(black_box(&m1), &Signature::from_bytes(&sb1))
                    .unwrap();
                v2.verify_strict(black_box(&m2), &Signature::from_bytes(&sb2))
                    .unwrap();
            }
            start.elapsed()
        })
    });
    g.finish();
}

criterion_group! {
    name = load;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).sample_size(30);
    targets = benches
}
criterion_main!(load);
