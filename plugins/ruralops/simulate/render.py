"""Write a simulated system's frame as a batch file (data, control, flag)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ruralops.exchange.batchfile import Control, write_batch
from ruralops.exchange.contracts import Contract
from ruralops.exchange.render import delimited_bytes


def write_file(frame: pd.DataFrame, contract: Contract, landing: Path,
               business_date: dt.date) -> Control:
    payload = delimited_bytes(frame, contract)
    target = contract.folder(landing, business_date) / contract.file_name(business_date)
    return write_batch(target, payload, len(frame), business_date)


def yyyymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y%m%d")
