"""Cards (银行卡系统): debit and credit cards, delivered as a fixed-width file."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

BIN = "622821"  # issuer prefix of the simulated union's cards


def luhn_check_digits(payload: np.ndarray) -> np.ndarray:
    """Luhn check digit for an (n, k) array of digits, vectorised."""
    digits = payload[:, ::-1].copy()
    doubled = digits[:, 0::2] * 2
    digits[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - digits.sum(axis=1) % 10) % 10


def card_numbers(serials: np.ndarray) -> np.ndarray:
    body = np.char.add(BIN, np.char.zfill(serials.astype(str), 12))
    digits = np.frombuffer("".join(body).encode("ascii"), dtype=np.uint8).reshape(-1, 18) - 48
    return np.char.add(body, luhn_check_digits(digits.astype(np.int64)).astype(str)).astype(object)


def draw_cards(records: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Most customers hold a debit card (福农卡); salaried people and merchants some credit cards."""
    n = len(records)
    secondary = records["is_secondary"].to_numpy()
    debit = rng.random(n) < np.where(secondary, 0.5, 0.85)
    credit = ~secondary & (rng.random(n) < np.where(records["occupation"].isin(["salaried", "small_merchant"]), 0.25, 0.03))
    parts = []
    for card_type, product, mask in (("DC", "FSK001", debit), ("CC", "XYK002", credit)):
        holders = records.loc[mask, ["person_id", "customer_no", "customer_name", "open_date"]].copy()
        holders["card_type"] = card_type
        holders["product_code"] = product
        parts.append(holders)
    cards = pd.concat(parts, ignore_index=True).sort_values(["customer_no", "card_type"], kind="stable")
    m = len(cards)
    cards["card_no"] = card_numbers(np.arange(1, m + 1)) if m else []
    issued = cards["open_date"] + pd.to_timedelta(rng.integers(0, 400, m), unit="D")
    cards["issued"] = issued
    cards["expiry_month"] = (issued + pd.DateOffset(years=10)).dt.strftime("%Y%m")
    cards["status"] = rng.choice(np.array(["A", "L", "C"]), m, p=[0.95, 0.02, 0.03])
    cards["holder_name"] = cards["customer_name"]
    return cards.reset_index(drop=True)


def cards_snapshot(cards: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    issued = cards[cards["issued"] <= pd.Timestamp(business_date)].copy()
    issued["issue_date"] = issued["issued"].dt.strftime("%Y%m%d")
    return issued
