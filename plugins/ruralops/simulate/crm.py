"""CRM (客户关系管理): customer managers' contacts, the opt-out list, and past campaigns.

Past campaigns give response models their labels and effect analysis its data: who was
contacted, on which channel, who responded, applied, was approved and drew the loan, each
drawn from the true propensity (``ruralops.simulate.propensity``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate.propensity import propensity

CONTACT_CHANNELS = np.array(["PHONE", "SMS", "VISIT", "WECHAT"])
OUTCOMES = np.array(["INTERESTED", "NOT_INTERESTED", "NO_ANSWER", "APPLIED"])
OPTOUT_REASONS = np.array(["客户要求不再联系", "投诉后加入", "号码停机"])
# (code, campaign, days before the first simulated date, share of customers contacted)
PAST_CAMPAIGNS = (
    ("CL2026A", "consumer_loan", 240, 0.20),
    ("MB2026A", "mobile_banking", 150, 0.25),
    ("CL2026B", "consumer_loan", 60, 0.20),
)


def _managers(branch_code: pd.Series) -> np.ndarray:
    return ("M" + branch_code.str.slice(-4) + "0" + (branch_code.str.len() % 3 + 1).astype(str)).to_numpy()


def draw_optouts(records: pd.DataFrame, start: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    chosen = records[rng.random(len(records)) < 0.015]
    n = len(chosen)
    return pd.DataFrame({
        "customer_no": chosen["customer_no"].to_numpy(),
        "mobile": chosen["mobile"].to_numpy(),
        "opted_out": pd.Timestamp(start) - pd.to_timedelta(rng.integers(-200, 900, n), unit="D"),
        "reason": OPTOUT_REASONS[rng.integers(0, len(OPTOUT_REASONS), n)],
        "person_id": chosen["person_id"].to_numpy(),
    })


def optout_snapshot(optouts: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    known = optouts[optouts["opted_out"] <= pd.Timestamp(business_date)].copy()
    known["optout_date"] = known["opted_out"].dt.strftime("%Y%m%d")
    return known


def campaign_history(people: pd.DataFrame, records: pd.DataFrame, start: dt.date,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Every past campaign contact with its outcome funnel, on the customers' primary numbers."""
    primary = records[~records["is_secondary"]].set_index("person_id")
    parts = []
    for code, campaign, days_before, share in PAST_CAMPAIGNS:
        on = start - dt.timedelta(days=days_before)
        contacted = primary[rng.random(len(primary)) < share]
        who = people.set_index("person_id").loc[contacted.index]
        p = propensity(who.reset_index(), campaign, on)
        n = len(contacted)
        adoption = who["digital_adoption"].to_numpy()
        channel = np.where(adoption > 0.6, "SMS", np.where(adoption > 0.3, "PHONE", "VISIT"))
        responded = rng.random(n) < p
        applied = responded & (rng.random(n) < (0.6 if campaign == "consumer_loan" else 1.0))
        approved = applied & (rng.random(n) < (0.7 if campaign == "consumer_loan" else 1.0))
        drawn = approved & (rng.random(n) < (0.8 if campaign == "consumer_loan" else 0.0))
        parts.append(pd.DataFrame({
            "campaign_code": code,
            "customer_no": contacted["customer_no"].to_numpy(),
            "channel": channel,
            "contact_date": on.strftime("%Y%m%d"),
            "responded": responded.astype(int).astype(str),
            "applied": applied.astype(int).astype(str),
            "approved": approved.astype(int).astype(str),
            "drawn": drawn.astype(int).astype(str),
            "person_id": contacted.index.to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True)


def contacts(records: pd.DataFrame, business_date: dt.date, rng: np.random.Generator,
             daily_rate: float = 0.002) -> pd.DataFrame:
    """The day's customer-manager contacts (calls, texts, visits) with outcomes."""
    primary = records[~records["is_secondary"]]
    chosen = primary[rng.random(len(primary)) < daily_rate]
    n = len(chosen)
    seconds = np.sort(rng.integers(8 * 3600, 19 * 3600, n))
    return pd.DataFrame({
        "contact_id": "CT" + business_date.strftime("%Y%m%d") + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(6).to_numpy(),
        "customer_no": chosen["customer_no"].to_numpy(),
        "mobile": chosen["mobile"].to_numpy(),
        "manager_id": _managers(chosen["branch_code"]),
        "contacted_at": (pd.Timestamp(business_date) + pd.to_timedelta(seconds, unit="s")).strftime("%Y%m%d%H%M%S"),
        "channel": CONTACT_CHANNELS[rng.integers(0, len(CONTACT_CHANNELS), n)],
        "campaign_code": np.where(rng.random(n) < 0.5, "CL2026C", "MB2026B"),
        "outcome": rng.choice(OUTCOMES, n, p=[0.25, 0.35, 0.3, 0.1]),
        "person_id": chosen["person_id"].to_numpy(),
    })
