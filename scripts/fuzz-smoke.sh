#!/usr/bin/env bash
# Builds every cargo-fuzz target in fuzz/ with coverage instrumentation on the stable
# toolchain (the same sancov passes cargo-fuzz uses, without nightly's AddressSanitizer) and
# runs each for a few seconds. Each target asserts a property (see fuzz/fuzz_targets/), so a
# run that finds a counterexample fails. Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]
# For long runs with ASan use cargo-fuzz on a nightly toolchain: `cargo fuzz run TARGET`.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
triple=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-target/fuzz}
# RUSTFLAGS reach only the target's code because --target is given (not build scripts).
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo build --release --target "$triple" --manifest-path fuzz/Cargo.toml --bins
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
for src in fuzz/fuzz_targets/*.rs; do
  t=$(basename "$src" .rs)
  mkdir -p "$corpus/$t"
  # Seeds (fuzz/seeds/README.md): valid signed inputs a short run would not find by itself.
  if [ -d "fuzz/seeds/$t" ]; then cp fuzz/seeds/"$t"/* "$corpus/$t/"; fi
  printf '%-22s ' "$t"
  "$CARGO_TARGET_DIR/$triple/release/$t" "$corpus/$t" -max_total_time="$secs" \
    -artifact_prefix="$corpus/$t-" 2>&1 | grep -E 'DONE' | sed -E 's/^#[0-9]+[[:space:]]+DONE[[:space:]]+//; s/ corp:.*//' || {
    echo "fuzz target $t failed"; exit 1; }
done
