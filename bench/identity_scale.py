"""Identity build at scale: one business date of a simulated bank of --customers customers.

Simulates the bank (province preset size by default), collects the date and builds staging,
then times each step of the identity layer: the identifier graph (dbt), the resolver (limits,
connected components, stable ids), the merge-suggestion matcher, and the identity models.
Then resolves the same date again with the registry in place (a night with no new
identifiers). Prints seconds per step and the peak memory of this process.

    .venv/bin/python bench/identity_scale.py [--customers 1000000]

Uses its own state folder (.ruralops/bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RURALOPS_STATE_DIR", str(ROOT / ".ruralops" / "bench"))
DAY = dt.date(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the bench's simulated, collected and staged bank; rebuild identity only")
    args = parser.parse_args()

    from ruralops.collect.loader import collect_date
    from ruralops.db import connection, schema
    from ruralops.identity import suggest
    from ruralops.identity.resolve import resolve
    from ruralops.settings import paths
    from ruralops.simulate import simulate
    from ruralops.warehouse.dbt_build import _build_tag, build_layer

    warehouse = connection.resolve()
    with connection.transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("drop schema if exists identity cascade"
                    + ("" if args.reuse else "; drop schema if exists staging cascade"))
    schema.ensure(warehouse)
    landing = paths().state / "landing"

    def timed(label, body):
        started = time.perf_counter()
        result = body()
        print(f"{label:<44} {time.perf_counter() - started:8.1f}s", flush=True)
        return result

    if not args.reuse:
        shutil.rmtree(landing, ignore_errors=True)
        timed(f"simulate {args.customers:,} customers, one date", lambda: simulate(DAY, 1, args.customers, 5, landing))
        timed("collect", lambda: collect_date(warehouse, DAY, landing, paths().quarantine))
        timed("dbt staging", lambda: build_layer(warehouse, "staging", DAY))
    started = time.perf_counter()
    timed("identity graph (dbt int_identity__edges)", lambda: _build_tag(warehouse, "identity_graph", DAY, False))
    result = timed("resolver (limits, components, ids)", lambda: resolve(warehouse, DAY))
    queued = timed("merge suggestions (matcher)", lambda: suggest.refresh(warehouse, DAY))
    timed("identity models (dbt)", lambda: _build_tag(warehouse, "identity", DAY, False))
    print(f"{'identity build, total (first night)':<44} {time.perf_counter() - started:8.1f}s")
    print(f"  {result.line()}; {queued:,} merge suggestions")
    again = timed("resolver again, registry in place", lambda: resolve(warehouse, DAY))
    print(f"  {again.line()}")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.1f} GB")


if __name__ == "__main__":
    main()
