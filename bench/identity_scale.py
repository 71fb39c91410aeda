"""Identity build at scale: two nights of a simulated bank of --customers customers.

Simulates the bank (province preset size by default) for two business dates, collects them and
builds staging, then times each step of the identity layer on the first night (a full resolve:
the identifier graph (dbt), the resolver (limits, connected components, stable ids), the
merge-suggestion matcher, the identity models) and on the second night, where the resolver and
the matcher are incremental. Baselines in the same run: a full resolve and a full match of the
second night. Prints seconds per
step, the incremental/full ratio and the peak memory of this process.

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
NEXT = DAY + dt.timedelta(days=1)


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
        timed(f"simulate {args.customers:,} customers, two dates",
              lambda: simulate(DAY, 2, args.customers, 5, landing))
        for day in (DAY, NEXT):
            timed(f"collect {day}", lambda: collect_date(warehouse, day, landing, paths().quarantine))
            timed(f"dbt staging {day}", lambda: build_layer(warehouse, "staging", day))

    def night(day: dt.date):
        started = time.perf_counter()
        timed("identity graph (dbt int_identity__edges)", lambda: _build_tag(warehouse, "identity_graph", day, False))
        result = timed("resolver", lambda: resolve(warehouse, day))
        queued = timed("merge suggestions (matcher)", lambda: suggest.refresh(warehouse, day))
        timed("identity models (dbt)", lambda: _build_tag(warehouse, "identity", day, False))
        print(f"{f'identity build {day}, total':<44} {time.perf_counter() - started:8.1f}s")
        print(f"  {result.line()}\n  {queued.line()}")
        return result, queued

    print(f"first night {DAY} (full resolve):")
    night(DAY)
    print(f"second night {NEXT} (incremental resolve):")
    incremental, queued_next = night(NEXT)
    full = timed(f"baseline: full resolve of {NEXT}", lambda: resolve(warehouse, NEXT, full=True))
    print(f"  {full.line()}")
    print(f"incremental resolver / full resolver, same night: {incremental.seconds:.1f}s / {full.seconds:.1f}s"
          f" = {incremental.seconds / full.seconds:.2f}")
    full_match = timed(f"baseline: full match of {NEXT}", lambda: suggest.refresh(warehouse, NEXT, full=True))
    print(f"  {full_match.line()}")
    print(f"incremental matcher / full matcher, same night: {queued_next.seconds:.1f}s / {full_match.seconds:.1f}s"
          f" = {queued_next.seconds / full_match.seconds:.2f}")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.1f} GB")


if __name__ == "__main__":
    main()
