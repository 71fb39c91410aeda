"""Event tracking (埋点): Sensors-Data-style JSON lines from the app, the WeChat mini-program
and smart teller machines (超柜).

Before login an event carries only the device's anonymous id; after login the e-banking user
id is the login id and the distinct id; the day a user registers, a ``$SignUp`` event
(``track_signup``) links the anonymous id to the login id. Some events arrive late (up to 3
days) and some twice (same ``event_id``), as real extracts do.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate.text import concat

SCREENS = np.array(["HomePage", "AccountPage", "TransferPage", "LoanYnedPage", "WealthPage"])
PRODUCTS = np.array(["YNED", "LC090", "LC180", "LC365", "ETC"])
LATE_SHARE = 0.02
DUPLICATE_SHARE = 0.01


def anonymous_ids(device_ids: pd.Series) -> pd.Series:
    return "anon-" + device_ids


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    return pd.Series(rng.integers(0, 1 << 62, n)).map("{:016x}".format).to_numpy()


def _millis(at: pd.Series) -> pd.Series:
    """Epoch milliseconds of Shanghai wall-clock times."""
    return ((at - pd.Timestamp("1970-01-01 08:00:00")) // pd.Timedelta(milliseconds=1)).astype("int64")


def events(actions: pd.DataFrame, registrations: pd.DataFrame, people: pd.DataFrame,
           records: pd.DataFrame, business_date: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """The day's events as a frame: one row per event (duplicates included), plus person_id."""
    day = pd.Timestamp(business_date)
    # app: a page view for every action of the logged-in sessions
    app = pd.DataFrame({
        "event": np.where(actions["event"] == "feature_use", "ProductView", "$pageview"),
        "at": actions["at"] + pd.Timedelta(seconds=1),
        "login_id": actions["user_id"].to_numpy(),
        "anonymous_id": anonymous_ids(actions["device_id"]).to_numpy(),
        "lib": np.where(rng.random(len(actions)) < 0.7, "Android", "iOS"),
        "person_id": actions["person_id"].to_numpy(),
    })
    # sign-ups of the day: anonymous browsing first, then $SignUp linking the ids
    registered = pd.to_datetime(registrations["registered_at"])
    new = registrations[(registered >= day) & (registered < day + pd.Timedelta(days=1))]
    new_at = pd.to_datetime(new["registered_at"])
    before = pd.DataFrame({"event": "$pageview", "at": new_at - pd.Timedelta(minutes=3),
                           "login_id": None, "anonymous_id": anonymous_ids(new["device_id"]).to_numpy(),
                           "lib": "Android", "person_id": new["person_id"].to_numpy()})
    signup = before.assign(event="$SignUp", at=new_at.to_numpy(), login_id=new["user_id"].to_numpy())
    # mini-program: anonymous visitors, customers without the app and prospects alike
    visitors = people[rng.random(len(people)) < 0.01 * (0.5 + people["digital_adoption"].to_numpy())]
    mini = pd.DataFrame({"event": "$pageview",
                         "at": day + pd.to_timedelta(rng.integers(7 * 3600, 23 * 3600, len(visitors)), unit="s"),
                         "login_id": None,
                         "anonymous_id": ("mp-" + visitors["person_id"].astype(str).str.zfill(9)).to_numpy(),
                         "lib": "MiniProgram", "person_id": visitors["person_id"].to_numpy()})
    # smart tellers: the customer number is the login id at the machine
    walk_in = records[~records["is_secondary"] & (rng.random(len(records)) < 0.003)]
    stm = pd.DataFrame({"event": "$AppClick",
                        "at": day + pd.to_timedelta(rng.integers(8 * 3600, 17 * 3600, len(walk_in)), unit="s"),
                        "login_id": walk_in["customer_no"].to_numpy(),
                        "anonymous_id": ("stm-" + walk_in["branch_code"] + "-"
                                         + pd.Series(rng.integers(1, 4, len(walk_in))).astype(str).to_numpy()).to_numpy(),
                        "lib": "STM", "person_id": walk_in["person_id"].to_numpy()})
    frame = pd.concat([app, before, signup, mini, stm], ignore_index=True)
    n = len(frame)
    late = rng.random(n) < LATE_SHARE
    frame.loc[late, "at"] = frame.loc[late, "at"] - pd.to_timedelta(rng.integers(1, 4, int(late.sum())), unit="D")
    frame["event_id"] = _hex_ids(rng, n)
    frame["screen"] = SCREENS[rng.integers(0, len(SCREENS), n)]
    frame["product_id"] = PRODUCTS[rng.integers(0, len(PRODUCTS), n)]
    frame = pd.concat([frame, frame[rng.random(n) < DUPLICATE_SHARE]], ignore_index=True)
    return frame.sort_values(["at", "event_id"], kind="stable").reset_index(drop=True)


def lines(frame: pd.DataFrame) -> pd.Series:
    """Render events as Sensors-style JSON objects, one per line."""
    signup = frame["event"] == "$SignUp"
    distinct = frame["login_id"].where(frame["login_id"].notna(), frame["anonymous_id"])
    login = ('"' + frame["login_id"].fillna("") + '"').where(frame["login_id"].notna(), "null")
    original = ('"' + frame["anonymous_id"] + '"').where(signup, "null")
    product = ('"' + frame["product_id"] + '"').where(frame["event"] == "ProductView", "null")
    def text(values) -> list:
        return pd.Series(values).astype(str).tolist()

    return concat('{"event_id":"', text(frame["event_id"]), '","type":"',
                  text(np.where(signup, "track_signup", "track")), '","event":"', text(frame["event"]),
                  '","time":', text(_millis(frame["at"])), ',"distinct_id":"', text(distinct),
                  '","anonymous_id":"', text(frame["anonymous_id"]), '","login_id":', text(login),
                  ',"original_id":', text(original), ',"properties":{"$lib":"', text(frame["lib"]),
                  '","$screen_name":"', text(frame["screen"]), '","product_id":', text(product),
                  '},"project":"ruralbank"}')
