"""E-banking (电子银行): mobile-banking and WeChat registrations."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate.render import yyyymmdd

HISTORY_START = pd.Timestamp("2015-01-01")


def draw_registrations(people: pd.DataFrame, horizon: dt.date,
                       rng: np.random.Generator) -> pd.DataFrame:
    """Who registers, and when: likelier and earlier with higher digital adoption."""
    adoption = people["digital_adoption"].to_numpy()
    registers = rng.random(len(people)) < adoption * 0.8
    chosen = people[registers]
    opened = chosen["open_date"].to_numpy()
    span_days = (pd.Timestamp(horizon) - chosen["open_date"]).dt.days.clip(lower=1).to_numpy()
    lateness = rng.beta(1.0, 1.0 + 3.0 * chosen["digital_adoption"].to_numpy())
    offset = (span_days * lateness).astype(int)
    registered = (pd.to_datetime(opened) + pd.to_timedelta(offset, unit="D")
                  + pd.to_timedelta(rng.integers(7 * 3600, 23 * 3600, len(chosen)), unit="s"))
    registered = pd.DatetimeIndex(np.maximum(registered.values, HISTORY_START.to_datetime64()))
    n = len(chosen)
    return pd.DataFrame({
        "person_id": chosen["person_id"].to_numpy(),
        "user_id": "EB" + pd.Series(chosen["person_id"].to_numpy() + 1).astype(str).str.zfill(10).to_numpy(),
        "customer_no": chosen["customer_no"].to_numpy(),
        "channel": np.where(rng.random(n) < 0.75, "MOBILE", "WECHAT"),
        "mobile": chosen["mobile"].to_numpy(),
        "device_id": pd.Series(rng.integers(0, 16**12, n)).map("{:012x}".format).to_numpy(),
        "registered_at": registered,
        "status": np.where(rng.random(n) < 0.03, "C", "A"),
    })


def registrations_snapshot(registrations: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    cutoff = pd.Timestamp(business_date) + pd.Timedelta(days=1)
    known = registrations[registrations["registered_at"] < cutoff].copy()
    known["registered_at"] = pd.to_datetime(known["registered_at"]).dt.strftime("%Y%m%d%H%M%S")
    return known
