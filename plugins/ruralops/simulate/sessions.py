"""Mobile-banking sessions of a day: who opens the app, when, and what they do.

Both the gateway logs and the tracking events are views of the same sessions, so a login in
the app log has its request in the access log and its page views in the tracking extract.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

FEATURES = np.array(["balance", "transfer", "bill_pay", "loan_apply", "wealth_buy"])
FEATURE_SHARE = [0.45, 0.25, 0.15, 0.08, 0.07]


def app_sessions(registrations: pd.DataFrame, people: pd.DataFrame, business_date: dt.date,
                 rng: np.random.Generator) -> pd.DataFrame:
    """One row per action (login attempt or feature use) of every app session of the day."""
    day = pd.Timestamp(business_date)
    users = registrations[(registrations["status"] == "A") & (registrations["channel"] == "MOBILE")
                          & (pd.to_datetime(registrations["registered_at"]) < day + pd.Timedelta(days=1))]
    adoption = people["digital_adoption"].to_numpy()[users["person_id"].to_numpy()]
    sessions = rng.poisson(0.2 + 1.0 * adoption)
    owner = np.repeat(np.arange(len(users)), sessions)
    s = len(owner)
    start = day + pd.to_timedelta(rng.integers(6 * 3600, 23 * 3600, s), unit="s")
    failed_first = rng.random(s) < 0.05
    feature_count = 1 + rng.poisson(1.2, s)
    steps = 1 + failed_first + feature_count
    session = np.repeat(np.arange(s), steps)
    position = np.arange(len(session)) - np.repeat(np.cumsum(steps) - steps, steps)
    login_steps = 1 + failed_first[session]
    is_login = position < login_steps
    event = np.where(is_login, np.where(failed_first[session] & (position == 0), "login_failure", "login_success"),
                     "feature_use")
    feature = np.where(is_login, None, rng.choice(FEATURES, len(session), p=FEATURE_SHARE))
    owner_rows = users.iloc[owner[session]]
    return pd.DataFrame({
        "session": session,
        "at": start[session] + pd.to_timedelta(position * rng.integers(5, 90, len(session)), unit="s"),
        "event": event,
        "feature": feature,
        "user_id": owner_rows["user_id"].to_numpy(),
        "device_id": owner_rows["device_id"].to_numpy(),
        "person_id": owner_rows["person_id"].to_numpy(),
        "ip": _ips(owner[session], rng),
    }).sort_values(["at", "session"], kind="stable").reset_index(drop=True)


def _ips(owner: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A mobile-carrier address per user and day (the carriers' public ranges)."""
    first = np.array(["117", "112", "223", "183", "36"])[owner % 5]
    rest = (owner * 2654435761 + rng.integers(0, 1 << 16)) % (1 << 24)
    return (pd.Series(first) + "." + pd.Series((rest >> 16) & 255).astype(str) + "."
            + pd.Series((rest >> 8) & 255).astype(str) + "." + pd.Series(rest & 255).astype(str)).to_numpy()
