"""The simulated bank at scale: one business date of every system for the province preset.

Prints wall time, records and bytes per second, and peak memory (target: 1M customers in
under 5 minutes and 8 GB on 2 cores).

    .venv/bin/python bench/simulate_bench.py [--customers 1000000] [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from ruralops.simulate import PRESETS, simulate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=PRESETS["province"].customers)
    parser.add_argument("--out", type=Path, default=ROOT / ".ruralops" / "bench-simulate" / "landing")
    args = parser.parse_args()
    shutil.rmtree(args.out.parent, ignore_errors=True)

    started = time.perf_counter()
    per_file: dict[str, float] = {}
    last = [started]

    def progress(message: str) -> None:
        now = time.perf_counter()
        per_file[message] = now - last[0]
        last[0] = now

    result = simulate(dt.date(2026, 11, 1), 1, args.customers, 20261201, args.out, progress=progress)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"customers:  {args.customers:,} (+10% non-customer persons), 1 business date, all systems")
    print(f"wall time:  {seconds:.1f} s")
    print(f"records:    {result.records:,}  ({result.records / seconds:,.0f} records/s)")
    print(f"bytes:      {result.bytes / 1e6:,.1f} MB  ({result.bytes / 1e6 / seconds:.1f} MB/s, gzip files compressed)")
    print(f"peak RSS:   {peak_gb:.2f} GB")
    print("slowest steps (time since the previous file, population drawing included in the first):")
    for message, spent in sorted(per_file.items(), key=lambda item: -item[1])[:6]:
        print(f"  {spent:6.1f} s  {message}")


if __name__ == "__main__":
    main()
