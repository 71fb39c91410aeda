"""Our collect of a transactions file vs a plain COPY of the same file, side by side.

Both load the same CORE_TXN file into the same embedded Postgres, in the same run:

* baseline: ``COPY ... (FORMAT csv, DELIMITER '|', ENCODING 'GBK')`` into a plain table of the
  file's columns (no checks, no lineage, no audit, no rejects);
* ours: ``collect_file`` — control file, size and MD5 checks, GBK decoding, line and field
  checks, rejects, lineage columns, the partition swap and the audit row.

The file is a simulated bank's transactions file repeated until it holds ``--rows`` lines (the
simulator's 1M-customer bank writes ~0.65M transactions a day). A second round loads the same
file with 0.1% of its lines damaged, to show what refused lines cost. Prints rows/s and ratios.

    .venv/bin/python bench/load_vs_copy.py [--rows 2100000] [--customers 200000]

Uses its own state folder (.ruralops/bench), so the demo database is untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RURALOPS_STATE_DIR", str(ROOT / ".ruralops" / "bench"))

DAY = dt.date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_100_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import numpy as np

    from ruralops.collect.loader import collect_file
    from ruralops.db import connection, schema
    from ruralops.db.connection import transaction
    from ruralops.exchange.batchfile import write_batch
    from ruralops.exchange.contracts import contract
    from ruralops.settings import paths
    from ruralops.simulate import simulate

    landing = paths().state / "landing"
    c = contract("core__transactions")
    data_file = c.folder(landing, DAY) / c.file_name(DAY)
    started = time.perf_counter()
    simulate(DAY, 1, args.customers, 1, landing)
    lines = data_file.read_bytes().splitlines(keepends=True)
    clean = b"".join((lines * (args.rows // len(lines) + 1))[: args.rows])
    print(f"simulated {args.customers:,} customers and repeated their transactions to "
          f"{args.rows:,} lines ({len(clean) / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s")

    rng = np.random.default_rng(1)
    damaged_lines = clean.splitlines(keepends=True)
    for i in rng.choice(len(damaged_lines), len(damaged_lines) // 1000, replace=False):
        damaged_lines[i] = damaged_lines[i].replace(b"|", b"", 1)  # a field lost
    damaged = b"".join(damaged_lines)
    del lines, damaged_lines
    baseline_file = paths().state / "plain_copy_input.dat"
    baseline_file.write_bytes(clean)  # the baseline always loads the clean file

    warehouse = connection.resolve()
    schema.ensure(warehouse)
    columns = ", ".join(f"{name} text" for name in c.column_names)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists bench")
        cur.execute(f"drop table if exists bench.plain_copy; create table bench.plain_copy ({columns})")

    def plain_copy() -> None:
        with transaction(warehouse) as conn, conn.cursor() as cur, open(baseline_file, "rb") as handle:
            cur.execute("truncate bench.plain_copy")
            cur.copy_expert("copy bench.plain_copy from stdin with (format csv, delimiter '|', "
                            "quote e'\\x01', encoding 'GBK')", handle, size=1 << 20)

    def ours(expect_rejects: int) -> None:
        outcome = collect_file(warehouse, c, DAY, data_file, paths().quarantine)
        assert outcome.status == "loaded" and outcome.rows_rejected == expect_rejects, outcome.line()
        assert outcome.rows_loaded == args.rows - expect_rejects, outcome.line()

    for label, payload, rejects in (("clean file", clean, 0), ("0.1% lines damaged", damaged, args.rows // 1000)):
        write_batch(data_file, payload, args.rows, DAY)
        timings: dict[str, list[float]] = {"plain COPY": [], "ruralops collect": []}
        for _ in range(args.repeat):
            for name, body in (("plain COPY", plain_copy), ("ruralops collect", lambda: ours(rejects))):
                started = time.perf_counter()
                body()
                timings[name].append(time.perf_counter() - started)
        best = {name: min(values) for name, values in timings.items()}
        print(f"\n{label}: {args.rows:,} lines, {len(payload) / 1e6:.0f} MB, best of {args.repeat}")
        for name, seconds in best.items():
            print(f"  {name:<18} {seconds:6.2f}s  {args.rows / seconds:>12,.0f} rows/s  "
                  f"{len(payload) / 1e6 / seconds:6.1f} MB/s")
        if label == "clean file":
            print(f"  ratio ours / plain COPY throughput: {best['plain COPY'] / best['ruralops collect']:.2f}")
        else:
            print(f"  ratio ours / plain COPY of the clean file: "
                  f"{best['plain COPY'] / best['ruralops collect']:.2f} (plain COPY refuses a damaged file outright)")


if __name__ == "__main__":
    main()
