//! Store benchmarks: durable put (flush + fsync) against flush only, get, and unlock
//! (Argon2id) at several cost settings, to choose `KdfParams::recommended`.
//!
//! Run: `cargo bench -p tessera-store --bench store` (figures in docs/threat-model.md).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tessera_store::{KdfParams, RecordKind, Secret, Store};

fn value() -> Vec<u8> {
    (0..1024u32).map(|i| (i * 31 % 251) as u8).collect()
}

fn writes(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let pin = Secret::pin("482913").unwrap();
    let mut store = Store::create(dir.path(), &pin, KdfParams::insecure_for_tests()).unwrap();
    let v = value();
    let mut group = c.benchmark_group("put_1KiB");
    let mut n = 0u64;
    group.bench_function("flush+fsync (durable)", |b| {
        b.iter(|| {
            n += 1;
            store
                .put(RecordKind::Credential, &format!("c{}", n % 500), &v)
                .unwrap();
        })
    });
    store.set_fsync_after_flush(false);
    group.bench_function("flush only (sync_file_range)", |b| {
        b.iter(|| {
            n += 1;
            store
                .put(RecordKind::Credential, &format!("c{}", n % 500), &v)
                .unwrap();
        })
    });
    group.finish();
    store.set_fsync_after_flush(true);

    c.bench_function("get_1KiB", |b| {
        b.iter(|| black_box(store.get(RecordKind::Credential, "c7").unwrap()))
    });
}

fn unlock(c: &mut Criterion) {
    let pin = Secret::pin("482913").unwrap();
    let mut group = c.benchmark_group("unlock_argon2id");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    let at = |m, t| KdfParams {
        m_cost_kib: m,
        t_cost: t,
        p_cost: 1,
    };
    let candidates = [
        ("m19MiB_t2", at(19 * 1024, 2)),
        ("m64MiB_t3", at(64 * 1024, 3)),
        ("recommended_m128MiB_t4", KdfParams::recommended()),
    ];
    for (name, params) in candidates {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::create(dir.path(), &pin, params).unwrap());
        group.bench_with_input(BenchmarkId::from_parameter(name), &params, |b, _| {
            b.iter(|| drop(black_box(Store::unlock(dir.path(), &pin).unwrap())))
        });
    }
    group.finish();
}

criterion_group!(benches, writes, unlock);
criterion_main!(benches);
