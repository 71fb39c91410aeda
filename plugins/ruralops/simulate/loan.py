"""Credit (信贷系统): loan contracts, and loan applications keyed by ID number and mobile.

Applications come from people as they type their own details on a phone or at a counter, not
from the core system, so they carry no customer number and may come from non-customers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate.dirt import format_mobiles
from ruralops.simulate.propensity import propensity

PRODUCTS = {
    # code: (name, annual rate range, terms in months)
    "YNED": ("悦农e贷", (0.0385, 0.0720), (12, 24, 36)),
    "NHDK": ("农户小额信用贷款", (0.0435, 0.0650), (12, 24)),
    "GSDK": ("个体工商户经营贷款", (0.0450, 0.0800), (12, 36)),
}
FIVE_TIER = np.array(["1", "2", "3", "4", "5"])  # 正常 关注 次级 可疑 损失
FIVE_TIER_SHARE = [0.93, 0.04, 0.015, 0.01, 0.005]
APPLICATION_CHANNELS = np.array(["MOBILE", "WECHAT", "COUNTER", "CM"])


def _product_for(occupation: np.ndarray) -> np.ndarray:
    return np.select([occupation == "farmer", occupation == "small_merchant"], ["NHDK", "GSDK"], "YNED")


def contracts(accounts: pd.DataFrame, people: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    """One contract per loan account open on the date.

    Terms are a fixed function of the account number, so a contract reads the same every day.
    """
    loans = accounts[(accounts["product_type"] == "LN")
                     & (accounts["open_date"] <= pd.Timestamp(business_date))]
    serial = loans["account_no"].str.slice(-9).astype(np.int64).to_numpy()
    occupation = people["occupation"].to_numpy()[loans["person_id"].to_numpy()]
    code = _product_for(occupation)
    table = pd.DataFrame([(c, name, low, high, terms) for c, (name, (low, high), terms) in PRODUCTS.items()],
                         columns=["code", "name", "low", "high", "terms"]).set_index("code").loc[code]
    fraction = (serial * 7919 % 1000) / 1000.0
    term = np.array([terms[s % len(terms)] for terms, s in zip(table["terms"], serial)], dtype=int)
    start = pd.to_datetime(loans["open_date"]).reset_index(drop=True)
    maturity = start + pd.to_timedelta(term * 30, unit="D")
    tier = FIVE_TIER[np.searchsorted(np.cumsum(FIVE_TIER_SHARE), (serial * 104729 % 1000) / 1000.0, side="right").clip(0, 4)]
    return pd.DataFrame({
        "contract_no": "HT" + loans["account_no"].str.slice(4).to_numpy(),
        "customer_no": loans["customer_no"].to_numpy(),
        "account_no": loans["account_no"].to_numpy(),
        "product_code": code,
        "product_name": table["name"].to_numpy(),
        "amount": (np.ceil(loans["balance"].to_numpy() * 1.25 / 1000) * 1000).astype(np.int64).astype(str),
        "annual_rate": pd.Series(np.round(table["low"].to_numpy() + (table["high"] - table["low"]).to_numpy() * fraction, 4)).map("{:.4f}".format).to_numpy(),
        "term_months": term.astype(str),
        "start_date": start.dt.strftime("%Y%m%d").to_numpy(),
        "maturity_date": maturity.dt.strftime("%Y%m%d").to_numpy(),
        "five_tier": tier,
        "status": np.where(maturity < pd.Timestamp(business_date), "S", "A"),
    })


def applications(people: pd.DataFrame, business_date: dt.date, rng: np.random.Generator,
                 daily_rate: float = 0.0015) -> pd.DataFrame:
    """The day's applications; who applies follows the consumer-loan propensity."""
    p = propensity(people, "consumer_loan", business_date)
    applies = rng.random(len(people)) < p * daily_rate / max(p.mean(), 1e-9)
    who = people[applies]
    n = len(who)
    code = _product_for(who["occupation"].to_numpy())
    approved_p = np.clip(0.55 + 0.3 * who["digital_adoption"].to_numpy(), 0, 0.95)
    draw = rng.random(n)
    seconds = np.sort(rng.integers(7 * 3600, 23 * 3600, n))
    id_typed = who["id_no"].where(rng.random(n) > 0.3, who["id_no"].str.replace("X", "x"))
    mobile = who["mobile"].where(rng.random(n) > 0.1, format_mobiles(who["mobile"], rng))
    return pd.DataFrame({
        "application_id": "AP" + business_date.strftime("%Y%m%d") + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7).to_numpy(),
        "id_no": id_typed.to_numpy(),
        "mobile": mobile.to_numpy(),
        "applicant_name": who["customer_name"].to_numpy(),
        "applied_at": (pd.Timestamp(business_date) + pd.to_timedelta(seconds, unit="s")).strftime("%Y%m%d%H%M%S"),
        "channel": rng.choice(APPLICATION_CHANNELS, n, p=[0.5, 0.2, 0.2, 0.1]),
        "product_code": code,
        "amount": (rng.integers(2, 30, n) * 10000).astype(str),
        "result": np.select([draw < approved_p, draw < approved_p + 0.05], ["APPROVED", "PENDING"], "REJECTED"),
        "person_id": who["person_id"].to_numpy(),
    })
