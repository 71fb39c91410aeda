"""Core banking (核心系统): customer master, accounts with balances, the day's transactions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ruralops.simulate import vocabulary as vocab
from ruralops.simulate.render import yyyymmdd

CHANNELS = np.array(["COUNTER", "ATM", "POS", "MOBILE", "WECHAT", "STM", "AGENT"])


def customers(records: pd.DataFrame, business_date: dt.date) -> pd.DataFrame:
    """The customer master as of the date: every record opened by then."""
    known = records[records["open_date"] <= pd.Timestamp(business_date)].copy()
    known["id_type"] = "01"
    known["birth_date"] = yyyymmdd(known["birth_date"])
    known["open_date"] = yyyymmdd(known["open_date"])
    return known


def draw_accounts(records: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every customer record has a demand account; primary records may also hold a time
    deposit or a loan. An older second record keeps only a small, dormant demand account."""
    n = len(records)
    primary = ~records["is_secondary"].to_numpy()
    holds_time = primary & (rng.random(n) < np.where(records["occupation"] == "retired", 0.55, 0.25))
    holds_loan = primary & (rng.random(n) < np.where(records["occupation"].isin(["farmer", "small_merchant"]), 0.3, 0.1))
    parts = []
    for product_type, code, mask, scale in (
        ("DD", "101001", np.ones(n, dtype=bool), 9.0),
        ("TD", "201003", holds_time, 10.5),
        ("LN", "501002", holds_loan, 10.8),
    ):
        owners = records.loc[mask, ["person_id", "customer_no", "branch_code", "open_date", "is_secondary"]].copy()
        owners["product_type"] = product_type
        owners["product_code"] = code
        owners["balance"] = np.round(rng.lognormal(scale, 1.1, len(owners))
                                     * np.where(owners["is_secondary"], 0.02, 1.0), 2)
        parts.append(owners)
    accounts = pd.concat(parts, ignore_index=True).sort_values(["customer_no", "product_type"], kind="stable")
    accounts["account_no"] = "6229" + pd.Series(np.arange(1, len(accounts) + 1)).astype(str).str.zfill(12).to_numpy()
    # a few accounts carry a zero balance, as dormant demand accounts do
    accounts.loc[rng.random(len(accounts)) < 0.05, "balance"] = 0.0
    accounts["status"] = "A"
    return accounts.reset_index(drop=True)


def accounts_snapshot(accounts: pd.DataFrame, business_date: dt.date,
                      rng: np.random.Generator) -> pd.DataFrame:
    opened = accounts[accounts["open_date"] <= pd.Timestamp(business_date)].copy()
    drift = np.where(opened["product_type"] == "DD", rng.normal(1.0, 0.02, len(opened)), 1.0)
    opened["balance"] = np.maximum(np.round(opened["balance"] * drift, 2), 0).map("{:.2f}".format)
    opened["open_date"] = yyyymmdd(opened["open_date"])
    return opened


HARVEST_MONTHS = (6, 9, 10)  # wheat in June, rice and maize in autumn
# POS merchant category codes: supermarket, farm supplies (农资), restaurants, pharmacy
POS_MCC = np.array(["5411", "5261", "5812", "5912"])
POS_MCC_SHARE = [0.45, 0.25, 0.2, 0.1]
HARVEST_MEMO = "粮食收购款"


def transactions(people: pd.DataFrame, accounts: pd.DataFrame, business_date: dt.date,
                 rng: np.random.Generator) -> pd.DataFrame:
    """The day's transactions on demand accounts.

    Channel mix follows digital adoption; in harvest months farmers are paid for their crop
    (large credits from grain buyers), so income is seasonal as it is in a farming county.
    """
    demand = accounts[(accounts["product_type"] == "DD")
                      & (accounts["open_date"] <= pd.Timestamp(business_date))]
    owner = people.set_index("person_id").loc[demand["person_id"]]
    activity = owner["daily_activity"].to_numpy() * np.where(demand["is_secondary"], 0.05, 1.0)
    counts = rng.poisson(activity)
    rows = np.repeat(np.arange(len(demand)), counts)
    n = len(rows)
    adoption = owner["digital_adoption"].to_numpy()[rows]
    digital = rng.random(n) < adoption
    channel = np.where(digital, rng.choice(CHANNELS[3:6], n, p=[0.55, 0.35, 0.10]),
                       rng.choice(CHANNELS[[0, 1, 2, 6]], n, p=[0.4, 0.25, 0.15, 0.2]))
    memo_table = np.array([[vocab.MEMOS[c][i % len(vocab.MEMOS[c])] for i in range(4)]
                           for c in CHANNELS], dtype=object)
    channel_pos = pd.Series(channel).map({c: i for i, c in enumerate(CHANNELS)}).to_numpy()
    memo = memo_table[channel_pos, rng.integers(0, 4, n)]
    credit = (rng.random(n) < 0.45) | (memo == "代发工资")
    amount = np.round(rng.lognormal(5.5, 1.3, n), 2)
    counterparty = np.where(credit, "PERSON", np.where(channel == "POS", "MERCHANT", "PERSON"))
    counterparty = np.where(memo == "代发工资", "EMPLOYER", counterparty)
    counterparty = np.where(memo == "新农合缴费", "GOVERNMENT", counterparty)
    counterparty = np.where(np.isin(channel, ["ATM", "AGENT"]) & ~credit, "SELF", counterparty)
    if business_date.month in HARVEST_MONTHS:
        farmer = owner["occupation"].to_numpy()[rows] == "farmer"
        sale = farmer & (rng.random(n) < 0.25)
        credit |= sale
        amount = np.where(sale, np.round(rng.lognormal(9.2, 0.6, n), 2), amount)
        memo = np.where(sale, HARVEST_MEMO, memo)
        counterparty = np.where(sale, "MERCHANT", counterparty)
    mcc = np.where(channel == "POS", rng.choice(POS_MCC, n, p=POS_MCC_SHARE), "")
    seconds = np.sort(rng.integers(6 * 3600, 22 * 3600, n))
    times = pd.Timestamp(business_date) + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame({
        "txn_id": business_date.strftime("%Y%m%d") + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(9),
        "account_no": demand["account_no"].to_numpy()[rows],
        "customer_no": demand["customer_no"].to_numpy()[rows],
        "txn_time": times.strftime("%Y%m%d%H%M%S"),
        "channel": channel,
        "dc_flag": np.where(credit, "C", "D"),
        "amount": pd.Series(amount).map("{:.2f}".format),
        "memo": memo,
        "mcc": mcc,
        "counterparty_type": counterparty,
    })
