//! Verify from QR text to verdict, against its floor (two key decodes and two
//! `verify_strict`, the unavoidable cost of checking two Ed25519 signatures), and present +
//! encode. Run: `cargo bench -p tessera-core --bench verify`; medians and the ratio go to
//! docs/performance.md via `python3 scripts/bench_medians.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signature, Signer, VerifyingKey};
use std::hint::black_box;
use tessera_core::attributes::Purpose;
use tessera_core::testing::{Fixture, TEST_NOW as NOW};
use tessera_core::{PresentRequest, VerifyPolicy, present, text, verify_text};

fn bench(c: &mut Criterion) {
    let Fixture {
        mut rng,
        issuer,
        holder,
        trust,
        cred,
    } = Fixture::new(42);
    let policy = VerifyPolicy::at(NOW);

    // The floor: what any verifier of two Ed25519 signatures must do.
    let m1 = vec![7u8; 200];
    let m2 = vec![9u8; 420];
    let (s1, s2) = (issuer.sign(&m1), holder.sign(&m2));
    let (k1, k2) = (
        issuer.verifying_key().to_bytes(),
        holder.verifying_key().to_bytes(),
    );
    let mut g = c.benchmark_group("verify");
    g.bench_function("floor: 2 key decodes + 2 verify_strict", |b| {
        b.iter(|| {
            let a = VerifyingKey::from_bytes(black_box(&k1)).unwrap();
            let h = VerifyingKey::from_bytes(black_box(&k2)).unwrap();
            a.verify_strict(black_box(&m1), &Signature::from_bytes(&s1.to_bytes()))
                .unwrap();
            h.verify_strict(black_box(&m2), &Signature::from_bytes(&s2.to_bytes()))
                .unwrap();
        })
    });
    for purpose in [Purpose::Age18, Purpose::CheckIn] {
        let p = present(
            &cred,
            &holder,
            &PresentRequest {
                disclose: purpose.preset(),
                purpose,
                counter_code: None,
                time: NOW,
            },
            &mut rng,
        )
        .unwrap();
        let qr = text::encode(&p);
        g.bench_function(format!("verify_text {purpose}"), |b| {
            b.iter(|| verify_text(black_box(&qr), &trust, &policy).unwrap())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("present");
    for purpose in [Purpose::Age18, Purpose::Full] {
        g.bench_function(format!("present+encode {purpose}"), |b| {
            b.iter(|| {
                let p = present(
                    &cred,
                    &holder,
                    &PresentRequest {
                        disclose: purpose.preset(),
                        purpose,
                        counter_code: None,
                        time: NOW,
                    },
                    &mut rng,
                )
                .unwrap();
                text::encode(&p)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
