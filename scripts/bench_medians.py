#!/usr/bin/env python3
"""Prints the median of every criterion benchmark under a target directory as a Markdown
table (criterion's reports show means; we quote medians). Ratios are against the first row
whose name contains 'floor' in the same group.
Usage: python3 scripts/bench_medians.py [TARGET_DIR/criterion]
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
rows = []
for est in sorted(root.glob("**/new/estimates.json")):
    bench = json.loads((est.parent / "benchmark.json").read_text())
    med = json.loads(est.read_text())["median"]["point_estimate"]
    rows.append((bench["group_id"], bench.get("function_id") or bench["title"], med))
floors = {g: m for g, f, m in rows if f and "floor" in f}
print("| group | benchmark | median | ratio to floor |")
print("|---|---|---|---|")
for g, f, m in rows:
    unit = f"{m / 1000:.1f} µs" if m < 1e6 else f"{m / 1e6:.2f} ms"
    ratio = f"{m / floors[g]:.2f}×" if g in floors else ""
    print(f"| {g} | {f} | {unit} | {ratio} |")
