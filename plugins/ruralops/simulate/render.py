"""Date rendering shared by the simulated systems' writers."""

from __future__ import annotations

import pandas as pd


def yyyymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y%m%d")
