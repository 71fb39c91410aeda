"""Fuzzy person matching: records that share no strong identifier but look like one person.

Works on any table of person records whose columns are mapped to roles (``name``,
``birth_date``, ``id_no``, ``mobile``, ``address``; at least one besides ``id``). Vectorised:

1. **Blocking.** Candidate pairs are records that agree on a cheap key — birth date and
   surname, the first 14 digits of the ID number (region and birth date: a typo in the
   sequence or check digits still pairs), the mobile,
   or the name and the first 12 characters of the address (down to the township) — found by
   self-joins, never by
   comparing every record with every other.
2. **Scoring** each candidate pair per role, 0..1: names equal (1), one character different
   in a name of the same length — a variant character such as 国/帼 (0.8), same surname (0.3);
   ID numbers equal (1) or one digit apart (0.8); birth dates, mobiles equal (1; mobiles with
   the same last 8 digits 0.6); addresses equal (1) or the same first 10 characters (0.5).
   The score is the weighted mean over the roles both records have.

Used nightly for the stewards' merge-suggestion queue (never auto-merged) and by
``ruralops identity match`` for one-off lists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ROLES = ("name", "birth_date", "id_no", "mobile", "address")
WEIGHTS = {"name": 0.30, "birth_date": 0.20, "id_no": 0.30, "mobile": 0.10, "address": 0.10}
THRESHOLD = 0.75
MAX_BLOCK = 20  # a key shared by more records (a placeholder mobile) says nothing about identity


def normalise(records: pd.DataFrame) -> pd.DataFrame:
    """Trim, upper-case ID x, digits-only mobiles (no +86), birth dates as yyyymmdd text."""
    out = pd.DataFrame({"record_id": records["record_id"].astype(str)})
    for role in ROLES:
        if role not in records:
            continue
        values = records[role].astype("string").str.strip().replace("", pd.NA)
        if role == "id_no":
            values = values.str.upper().str.replace(r"\s", "", regex=True)
        elif role == "mobile":
            values = values.str.replace(r"[^0-9]", "", regex=True).str.replace(r"^86(1\d{10})$", r"\1", regex=True)
        elif role == "birth_date":
            values = values.str.replace(r"[^0-9]", "", regex=True)
        out[role] = values
    return out


def _blocks(records: pd.DataFrame) -> list[pd.Series]:
    keys = []
    if {"birth_date", "name"} <= set(records):
        keys.append(records["birth_date"] + "|" + records["name"].str.slice(0, 1))
    if "id_no" in records:
        keys.append(records["id_no"].where(records["id_no"].str.len() == 18).str.slice(0, 14))
    if "mobile" in records:
        keys.append(records["mobile"])
    if {"name", "address"} <= set(records):  # down to the township (province, city, county, town)
        keys.append(records["name"] + "|" + records["address"].str.slice(0, 12))
    return keys


def candidate_pairs(left: pd.DataFrame, right: pd.DataFrame | None = None,
                    focus: np.ndarray | None = None) -> pd.DataFrame:
    """(left index, right index) pairs sharing a blocking key; within one table when right is None.

    ``focus`` (within one table only): a mask of the records that changed; only pairs with at
    least one of them are formed, so the nightly cost follows the day's changes. Block sizes
    still count every record, so a pair is a candidate exactly when it would be without focus."""
    same = right is None
    right = left if same else right
    pairs = []
    for key_left, key_right in zip(_blocks(left), _blocks(right)):
        a = pd.DataFrame({"key": key_left, "i": np.arange(len(left))}).dropna()
        b = pd.DataFrame({"key": key_right, "j": np.arange(len(right))}).dropna()
        # records per key (across two tables: the mean of both sides)
        sizes = a["key"].value_counts() if same else pd.concat([a["key"], b["key"]]).value_counts() / 2
        too_big = sizes.index[sizes > MAX_BLOCK]
        a, b = a[~a["key"].isin(too_big)], b[~b["key"].isin(too_big)]
        if same and focus is not None:
            joined = a[focus[a["i"].to_numpy()]].merge(b, on="key")[["i", "j"]]
            joined = pd.DataFrame({"i": np.minimum(joined["i"], joined["j"]), "j": np.maximum(joined["i"], joined["j"])})
        else:
            joined = a.merge(b, on="key")[["i", "j"]]
        pairs.append(joined[joined["i"] < joined["j"]] if same else joined)
    if not pairs:
        return pd.DataFrame({"i": [], "j": []}, dtype=int)
    return pd.concat(pairs).drop_duplicates()


def _one_apart(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Same length and exactly one character different, compared as fixed-width UCS-4 arrays
    (numpy, no Python loop over pairs)."""
    x = a.fillna("").to_numpy(dtype=str)
    y = b.fillna("").to_numpy(dtype=str)
    if not len(x):
        return np.zeros(0, bool)
    width = max(x.dtype.itemsize, y.dtype.itemsize) // 4 or 1
    xa = x.astype(f"<U{width}").view(np.uint32).reshape(len(x), width)
    ya = y.astype(f"<U{width}").view(np.uint32).reshape(len(y), width)
    same_length = np.char.str_len(x) == np.char.str_len(y)
    return same_length & ((xa != ya).sum(axis=1) == 1) & a.notna().to_numpy() & b.notna().to_numpy()


def score_pairs(left: pd.DataFrame, right: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    a = left.iloc[pairs["i"].to_numpy()].reset_index(drop=True)
    b = right.iloc[pairs["j"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame({"left_id": a["record_id"], "right_id": b["record_id"]})
    total = np.zeros(len(out))
    weight = np.zeros(len(out))
    for role in ROLES:
        if role not in a or role not in b:
            continue
        x, y = a[role], b[role]
        present = (x.notna() & y.notna()).to_numpy()
        equal = (x == y).fillna(False).to_numpy()
        if role == "name":
            s = np.where(equal, 1.0, np.where(_one_apart(x, y), 0.8,
                         np.where((x.str.slice(0, 1) == y.str.slice(0, 1)).fillna(False).to_numpy(), 0.3, 0.0)))
        elif role == "id_no":
            s = np.where(equal, 1.0, np.where(_one_apart(x, y), 0.8, 0.0))
        elif role == "mobile":
            s = np.where(equal, 1.0, np.where((x.str.slice(-8) == y.str.slice(-8)).fillna(False).to_numpy(), 0.6, 0.0))
        elif role == "address":
            s = np.where(equal, 1.0, np.where((x.str.slice(0, 10) == y.str.slice(0, 10)).fillna(False).to_numpy(), 0.5, 0.0))
        else:
            s = equal.astype(float)
        out[f"{role}_score"] = np.where(present, s, np.nan)
        total += np.where(present, s * WEIGHTS[role], 0.0)
        weight += np.where(present, WEIGHTS[role], 0.0)
    out["score"] = np.round(np.divide(total, weight, out=np.zeros_like(total), where=weight > 0), 4)
    return out


def match(left: pd.DataFrame, right: pd.DataFrame | None = None, threshold: float = THRESHOLD,
          focus: np.ndarray | None = None) -> pd.DataFrame:
    """Scored pairs at or above ``threshold``, best first; ``right`` None dedupes ``left``
    (only pairs touching a ``focus`` record, when given)."""
    left = normalise(left)
    right_n = None if right is None else normalise(right)
    pairs = candidate_pairs(left, right_n, focus)
    scored = score_pairs(left, left if right_n is None else right_n, pairs)
    return scored[scored["score"] >= threshold].sort_values(["score", "left_id", "right_id"],
                                                            ascending=[False, True, True]).reset_index(drop=True)
