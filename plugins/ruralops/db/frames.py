"""Move query results and frames in and out of the warehouse through COPY, never row by row."""

from __future__ import annotations

import io

import pandas as pd


def read_frame(cur, query: str, params: tuple | dict = ()) -> pd.DataFrame:
    """A query's rows as a frame of text columns (empty strings and NULLs as missing)."""
    buffer = io.StringIO()
    cur.copy_expert(f"copy ({cur.mogrify(query, params).decode()}) to stdout with (format csv, header)", buffer)
    buffer.seek(0)
    return pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=[""])


def write_frame(cur, table: str, frame: pd.DataFrame) -> None:
    """Append a frame's rows to ``table`` (columns by name)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    cur.copy_expert(f"copy {table} ({', '.join(frame.columns)}) from stdin with (format csv)", buffer)
