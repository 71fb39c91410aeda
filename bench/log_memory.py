"""Log parsing memory stays flat as the log grows: the same parser over 1x, 4x and 16x a log.

Builds gzip nginx "combined" access logs of increasing length (a simulated bank's lines,
repeated, with one 1 MB line; the simulator cuts some lines short), streams each through the collector's parser
(``ruralops.collect.logs.stream_chunks``) and prints lines/s and the peak of Python memory
allocated while parsing (tracemalloc, measured in a second pass so timing is not slowed).

    .venv/bin/python bench/log_memory.py [--lines 250000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RURALOPS_STATE_DIR", str(ROOT / ".ruralops" / "bench"))


def _write_log(path: Path, base: list[bytes], lines: int) -> None:
    """``lines`` lines: the base log repeated, with one 1 MB line after the first copy."""
    with gzip.open(path, "wb", compresslevel=1) as out:
        written = 0
        while written < lines:
            batch = base[: lines - written - (written == 0)]
            out.write(b"\n".join(batch) + b"\n")
            if written == 0:
                out.write(b"x" * (1 << 20) + b"\n")
                written += 1
            written += len(batch)


def _parse(path: Path, contract) -> tuple[int, int, int]:
    from ruralops.collect.logs import open_stream, stream_chunks

    lines = rows = rejected = 0
    with open_stream(path, contract) as stream:
        for chunk in stream_chunks(stream, contract):
            lines, rows, rejected = lines + chunk.lines, rows + chunk.rows, rejected + len(chunk.rejects)
    return lines, rows, rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=250_000)
    args = parser.parse_args()

    from ruralops.exchange.contracts import contract
    from ruralops.simulate import simulate

    c = contract("gateway__access_log")
    day = dt.date(2026, 11, 1)
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        simulate(day, 1, 20_000, 3, landing)
        base = gzip.decompress((c.folder(landing, day) / c.file_name(day)).read_bytes()).splitlines()
        print(f"base log: {len(base):,} simulated lines, repeated to size")
        peaks = []
        for factor in (1, 4, 16):
            path = Path(tmp) / f"access_{factor}.log.gz"
            _write_log(path, base, args.lines * factor)
            started = time.perf_counter()
            lines, rows, rejected = _parse(path, c)
            seconds = time.perf_counter() - started
            tracemalloc.start()
            _parse(path, c)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peaks.append(peak)
            print(f"{lines:>11,} lines ({path.stat().st_size / 1e6:6.1f} MB gz): {rows:,} rows, {rejected:,} rejected, "
                  f"{lines / seconds:,.0f} lines/s, peak parser memory {peak / 1e6:6.1f} MB")
        print(f"peak memory 16x log / 1x log: {peaks[-1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
