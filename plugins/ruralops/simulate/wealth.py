"""Wealth management (理财系统): holdings keyed by ID number, as the wealth platform records them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

PRODUCTS = np.array([("LC090", "安心理财90天"), ("LC180", "稳盈理财180天"), ("LC365", "丰收理财一年期")])


def draw_holdings(people: pd.DataFrame, horizon: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """Older, retired and merchant customers hold wealth products more often."""
    age = (pd.Timestamp(horizon) - people["birth_date"]).dt.days.to_numpy() / 365.25
    likelihood = 0.04 + 0.10 * (age > 50) + 0.08 * (people["occupation"].to_numpy() == "small_merchant")
    holders = people[(rng.random(len(people)) < likelihood) & people["is_customer"].to_numpy()]
    n = len(holders)
    product = rng.integers(0, len(PRODUCTS), n)
    bought = pd.Timestamp(horizon) - pd.to_timedelta(rng.integers(1, 720, n), unit="D")
    days = np.array([90, 180, 365])[product]
    return pd.DataFrame({
        "holding_id": "WM" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(9).to_numpy(),
        "id_no": holders["id_no"].where(rng.random(n) > 0.2, holders["id_no"].str.replace("X", "x")).to_numpy(),
        "holder_name": holders["customer_name"].to_numpy(),
        "product_code": PRODUCTS[product, 0],
        "product_name": PRODUCTS[product, 1],
        "amount": (rng.integers(1, 40, n) * 5000).astype(str),
        "bought": bought,
        "matures": bought + pd.to_timedelta(days, unit="D"),
        "person_id": holders["person_id"].to_numpy(),
    })


def holdings_snapshot(holdings: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    day = pd.Timestamp(business_date)
    held = holdings[holdings["bought"] <= day].copy()
    held["buy_date"] = held["bought"].dt.strftime("%Y%m%d")
    held["maturity_date"] = held["matures"].dt.strftime("%Y%m%d")
    held["status"] = np.where(held["matures"] < day, "R", "H")  # redeemed / held
    return held
