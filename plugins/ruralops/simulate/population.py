"""The people behind the bank's records, drawn once per seed.

Hidden traits (occupation, digital adoption, activity) drive what each person does in every
source system, so files agree with each other the way real ones do.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate import vocabulary as vocab

OCCUPATIONS = np.array(["farmer", "migrant_worker", "small_merchant", "salaried", "retired"])
OCCUPATION_SHARE = np.array([0.38, 0.22, 0.12, 0.13, 0.15])
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK_CHARS = np.array(list("10X98765432"))
BRANCHES_PER_COUNTY = 4


def id_check_digits(first17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an array of 17-digit strings, vectorised."""
    digits = np.frombuffer("".join(first17).encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
    return ID_CHECK_CHARS[(digits * ID_WEIGHTS).sum(axis=1) % 11]


def _unique(draw, render, n: int) -> np.ndarray:
    """``n`` distinct values: ``render(draw(k), rows)`` for every row, redrawn for the rows that
    collide with an earlier one (a real ID number or mobile belongs to one person), vectorised."""
    rows = np.arange(n)
    values = render(draw(n), rows)
    for _ in range(100):
        repeated = np.flatnonzero(pd.Series(values).duplicated().to_numpy())
        if not len(repeated):
            return values
        values[repeated] = render(draw(len(repeated)), repeated)
    raise RuntimeError("could not draw distinct values")


def _pick(rng: np.random.Generator, values: list[str], size: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), size)]


def draw_people(n: int, as_of: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """One row per person (and, in this first simulator, one core customer each)."""
    index = np.arange(n)
    occupation = rng.choice(OCCUPATIONS, size=n, p=OCCUPATION_SHARE)
    age = np.where(occupation == "retired", rng.integers(60, 86, n), rng.integers(18, 66, n))
    birth = (pd.Timestamp(as_of) - pd.to_timedelta(age * 365.25 + rng.integers(0, 365, n), unit="D"))
    birth = birth.normalize()
    gender = rng.integers(1, 3, n)
    county = rng.integers(0, len(vocab.COUNTIES), n)
    county_code = np.array([c[0] for c in vocab.COUNTIES], dtype=object)[county]
    old_code = np.array([c[1] for c in vocab.COUNTIES], dtype=object)[county]
    code_since = np.array([c[2] for c in vocab.COUNTIES])[county]
    id_region = np.where(birth.year.to_numpy() < code_since, old_code, county_code)
    region_and_birth = id_region + pd.Series(birth.strftime("%Y%m%d")).to_numpy(dtype=object)
    parity = np.where(gender == 1, 1, 0)
    first17 = _unique(lambda size: rng.integers(0, 500, size) * 2,
                      lambda sequence, rows: region_and_birth[rows] + pd.Series(sequence + parity[rows])
                      .astype(str).str.zfill(3).to_numpy(dtype=object), n)
    id_no = first17 + id_check_digits(first17.astype(str))

    surname = _pick(rng, vocab.SURNAMES, n)
    given_len = rng.choice([1, 2], size=n, p=[0.3, 0.7])
    given = _pick(rng, vocab.GIVEN_CHARS, n) + np.where(given_len == 2, _pick(rng, vocab.GIVEN_CHARS, n), "")
    mobile = _unique(lambda size: rng.integers(3 * 10**9, 10**10, size),
                     lambda drawn, rows: "1" + pd.Series(drawn).astype(str).to_numpy(dtype=object), n)

    town = _pick(rng, vocab.TOWN_STEMS, n) + _pick(rng, vocab.TOWN_STEMS, n) + _pick(rng, vocab.TOWN_SUFFIXES, n)
    village = _pick(rng, vocab.VILLAGE_STEMS, n) + _pick(rng, vocab.VILLAGE_STEMS, n) + "村"
    city = np.array([c[3] for c in vocab.COUNTIES], dtype=object)[county]
    county_name = np.array([c[4] for c in vocab.COUNTIES], dtype=object)[county]
    group = pd.Series(rng.integers(1, 13, n)).astype(str).to_numpy(dtype=object)
    address = vocab.PROVINCE + city + county_name + town + village + group + "组"

    branch = county_code + pd.Series(rng.integers(1, BRANCHES_PER_COUNTY + 1, n)).astype(str).str.zfill(3).to_numpy(dtype=object)
    years_with_bank = np.minimum(age - 17, rng.integers(0, 30, n))
    open_date = (pd.Timestamp(as_of) - pd.to_timedelta(years_with_bank * 365 + rng.integers(1, 365, n), unit="D"))

    youth = np.clip((70 - age) / 50, 0, 1)
    adoption = np.clip(youth * np.where(occupation == "salaried", 1.0, 0.7) + rng.normal(0, 0.15, n), 0, 1)
    activity = rng.gamma(shape=1.2, scale=np.where(occupation == "small_merchant", 1.5, 0.4))
    latent_loan = rng.normal(0, 0.6, n)
    latent_mobile = rng.normal(0, 0.6, n)

    return pd.DataFrame({
        "person_id": index,
        "customer_no": "88" + pd.Series(index + 1).astype(str).str.zfill(10),
        "customer_name": surname + given,
        "id_no": id_no,
        "gender": gender.astype(str),
        "birth_date": birth,
        "mobile": mobile,
        "address": address,
        "branch_code": branch,
        "open_date": open_date.normalize(),
        "customer_type": np.where(occupation == "small_merchant", "2", "1"),
        "status": np.where(rng.random(n) < 0.02, "C", "A"),
        "occupation": occupation,
        "digital_adoption": adoption,
        "daily_activity": activity,
        "latent_loan": latent_loan,
        "latent_mobile": latent_mobile,
    })
