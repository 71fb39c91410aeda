"""Real-world dirt on customer records, each kind driven by a ``Dirt`` rate.

The clean person is the truth; what a source system holds is a record of that person as some
clerk typed it, years ago, at some branch. Everything here is vectorised over all records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruralops.simulate.config import Dirt

PLACEHOLDER_MOBILES = np.array(["13800000000", "13888888888", "13900000000"], dtype=object)
# Variant or homophone characters clerks and customers swap in given names.
NAME_VARIANTS = {"小": "晓", "明": "铭", "华": "化", "丽": "莉", "军": "君", "英": "瑛", "红": "宏",
                 "伟": "玮", "芳": "方", "强": "蔷", "玉": "钰", "兰": "岚", "秀": "琇", "建": "健",
                 "国": "帼", "文": "雯", "平": "萍", "海": "亥", "林": "琳", "春": "椿", "金": "锦"}


def _mask(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def legacy_id15(id18: pd.Series) -> pd.Series:
    """The 15-digit form issued before 1999: no century digits, no check character."""
    return id18.str.slice(0, 6) + id18.str.slice(8, 17)


def variant_name(names: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Swap the first given-name character that has a known variant; names without one stay."""
    result = names.copy()
    for original, variant in NAME_VARIANTS.items():
        pending = result.eq(names) & names.str.slice(1).str.contains(original, regex=False)
        if pending.any():
            result[pending] = names[pending].str.slice(0, 1) + names[pending].str.slice(1).str.replace(
                original, variant, n=1, regex=False)
    return result


def format_mobiles(mobiles: pd.Series, rng: np.random.Generator) -> pd.Series:
    """+86 prefixes, spaces and dashes, as typed at a counter."""
    style = rng.integers(0, 4, len(mobiles))
    m = mobiles
    spaced = m.str.slice(0, 3) + " " + m.str.slice(3, 7) + " " + m.str.slice(7)
    dashed = m.str.slice(0, 3) + "-" + m.str.slice(3, 7) + "-" + m.str.slice(7)
    return pd.Series(np.select([style == 0, style == 1, style == 2],
                               ["+86" + m, "+86 " + spaced, dashed], default=spaced),
                     index=mobiles.index, dtype=object)


def customer_records(people: pd.DataFrame, dirt: Dirt, rng: np.random.Generator) -> pd.DataFrame:
    """The core customer master as typed: one record per person, plus older second records.

    Columns: the core file's, plus ``person_id`` and ``is_secondary`` (truth, not delivered).
    """
    primary = people.assign(is_secondary=False)
    second = primary[_mask(rng, len(primary), dirt.second_customer_no)].copy()
    if len(second):
        next_no = len(people) + 1
        second["customer_no"] = "88" + pd.Series(np.arange(next_no, next_no + len(second))).astype(str).str.zfill(10).to_numpy()
        second["is_secondary"] = True
        branch_digit = (second["branch_code"].str.slice(-1).astype(int) % 4) + 1
        second["branch_code"] = second["branch_code"].str.slice(0, -1) + branch_digit.astype(str)
        years_earlier = rng.integers(3, 15, len(second))
        second["open_date"] = (second["open_date"] - pd.to_timedelta(years_earlier * 365, unit="D")).clip(
            lower=second["birth_date"] + pd.Timedelta(days=18 * 366))
        renamed = _mask(rng, len(second), dirt.name_variant)
        second.loc[renamed, "customer_name"] = variant_name(second.loc[renamed, "customer_name"], rng)
    records = pd.concat([primary, second], ignore_index=True)
    n = len(records)

    # Records opened before the 18-digit number (1999) may still carry the 15-digit one.
    legacy = (records["open_date"] < pd.Timestamp("2000-01-01")).to_numpy() & _mask(rng, n, dirt.legacy_id15)
    records.loc[legacy, "id_no"] = legacy_id15(records.loc[legacy, "id_no"])

    ends_x = records["id_no"].str.endswith("X")
    lower = ends_x & _mask(rng, n, dirt.lowercase_x)
    records.loc[lower, "id_no"] = records.loc[lower, "id_no"].str.slice(0, -1) + "x"
    typo = _mask(rng, n, dirt.id_typo) & (records["id_no"].str.len() == 18)
    if typo.any():
        digit = pd.Series(rng.integers(0, 10, int(typo.sum())).astype(str), index=records.index[typo])
        old = records.loc[typo, "id_no"]
        changed = old.str.slice(0, 14) + digit.where(digit != old.str.slice(14, 15), "0") + old.str.slice(15)
        records.loc[typo, "id_no"] = changed

    shared = _mask(rng, n, dirt.family_shared_mobile)
    if shared.any():
        # the mobile of another person from the same county: a spouse's or a child's
        donors = records.groupby(records["branch_code"].str.slice(0, 6))["mobile"].transform(
            lambda s: s.sample(frac=1.0, random_state=int(rng.integers(0, 2**31))).to_numpy())
        records.loc[shared, "mobile"] = donors[shared]
    placeholder = _mask(rng, n, dirt.placeholder_mobile)
    records.loc[placeholder, "mobile"] = PLACEHOLDER_MOBILES[rng.integers(0, len(PLACEHOLDER_MOBILES), int(placeholder.sum()))]
    formatted = _mask(rng, n, dirt.mobile_format) & ~placeholder
    records.loc[formatted, "mobile"] = format_mobiles(records.loc[formatted, "mobile"], rng)

    for column in ("mobile", "address", "birth_date"):
        missing = _mask(rng, n, dirt.missing_field)
        records.loc[missing, column] = None
    return records
