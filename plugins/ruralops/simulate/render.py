"""Turn a frame into the bytes of a delimited batch file, in its contract's column order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ruralops.exchange.batchfile import Control, write_batch
from ruralops.exchange.contracts import Contract


def delimited_bytes(frame: pd.DataFrame, contract: Contract) -> bytes:
    """Join columns with the contract's delimiter (vectorised string concatenation)."""
    if frame.empty:
        return b""
    columns = [frame[name].fillna("").astype(str) for name in contract.column_names]
    line = columns[0]
    for column in columns[1:]:
        line = line + contract.delimiter + column
    return ("\n".join(line.tolist()) + "\n").encode(contract.encoding)


def write_file(frame: pd.DataFrame, contract: Contract, landing: Path,
               business_date: dt.date) -> Control:
    payload = delimited_bytes(frame, contract)
    target = contract.folder(landing, business_date) / contract.file_name(business_date)
    return write_batch(target, payload, len(frame), business_date)


def yyyymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y%m%d")
