"""Our collect of a transactions file vs a plain COPY of the same file, side by side.

Both load the same simulated CORE_TXN file into the same embedded Postgres: the baseline is
``COPY ... (FORMAT csv, DELIMITER '|', ENCODING 'GBK')`` into a plain table of the same columns
(no checks, no lineage, no audit); ours verifies the control file and MD5, decodes GBK,
splits lines, rejects bad ones, adds lineage and writes the audit. Prints rows/s and the ratio.

    .venv/bin/python bench/load_vs_copy.py [--customers 1000000]

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
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from ruralops.collect.loader import collect_file
    from ruralops.db import connection, schema
    from ruralops.db.connection import transaction
    from ruralops.exchange.contracts import contract
    from ruralops.settings import paths
    from ruralops.simulate import simulate

    landing = paths().state / "landing"
    started = time.perf_counter()
    result = simulate(DAY, 1, args.customers, 1, landing)
    sim_seconds = time.perf_counter() - started
    c = contract("core__transactions")
    data_file = c.folder(landing, DAY) / c.file_name(DAY)
    rows = next(f.record_count for f in result.files if f.file_name == data_file.name)
    size_mb = data_file.stat().st_size / 1e6
    print(f"simulated {args.customers:,} customers in {sim_seconds:.1f}s; {data_file.name}: "
          f"{rows:,} rows, {size_mb:.1f} MB")

    warehouse = connection.resolve()
    schema.ensure(warehouse)
    columns = ", ".join(f"{name} text" for name in c.column_names)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("create schema if not exists bench")
        cur.execute(f"drop table if exists bench.plain_copy; create table bench.plain_copy ({columns})")

    def plain_copy() -> None:
        with transaction(warehouse) as conn, conn.cursor() as cur, open(data_file, "rb") as handle:
            cur.execute("truncate bench.plain_copy")
            cur.copy_expert("copy bench.plain_copy from stdin with (format csv, delimiter '|', "
                            "quote e'\\x01', encoding 'GBK')", handle)

    def ours() -> None:
        outcome = collect_file(warehouse, c, DAY, landing, paths().quarantine)
        assert outcome.status == "loaded" and outcome.rows_loaded == rows, outcome

    timings = {"plain COPY": [], "ruralops collect": []}
    for _ in range(args.repeat):
        for label, body in (("plain COPY", plain_copy), ("ruralops collect", ours)):
            started = time.perf_counter()
            body()
            timings[label].append(time.perf_counter() - started)
    best = {label: min(values) for label, values in timings.items()}
    for label, seconds in best.items():
        print(f"{label:<18} best of {args.repeat}: {seconds:6.2f}s  {rows / seconds:>12,.0f} rows/s  "
              f"{size_mb / seconds:6.1f} MB/s")
    print(f"ratio ours / plain COPY throughput: {best['plain COPY'] / best['ruralops collect']:.2f}")


if __name__ == "__main__":
    main()
