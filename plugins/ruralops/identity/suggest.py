"""The stewards' merge-suggestion queue, and their decisions.

After each resolution, core customer records that ended up in different customers but look
like one person (``ruralops.identity.match``: name, birth date, ID number one digit apart,
mobile, address) are queued in ``identity.merge_suggestions`` — never merged automatically.
A steward approves or rejects a pair (``ruralops identity review``); the decision is kept in
``identity.merge_decisions``. An approved pair becomes a ``steward_merge`` edge the resolver
uses on its next run (the ids merge, with a merge event); a rejected pair is never suggested
again. Clear values are read from raw inside this step only; the queue holds customer numbers,
ids and scores, no PII.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ruralops.db.connection import Warehouse, transaction
from ruralops.db.frames import read_frame, write_frame
from ruralops.identity.match import match

DDL = """
create table if not exists identity.merge_suggestions (
    business_date date not null,
    left_customer_no text not null,
    right_customer_no text not null,
    left_customer_id text not null,
    right_customer_id text not null,
    score numeric not null,
    name_score numeric, birth_date_score numeric, id_no_score numeric, mobile_score numeric,
    address_score numeric,
    primary key (left_customer_no, right_customer_no)
);
create table if not exists identity.merge_decisions (
    left_customer_no text not null,
    right_customer_no text not null,
    decision text not null check (decision in ('approved', 'rejected')),
    decided_by text not null,
    decided_at timestamptz not null default now(),
    primary key (left_customer_no, right_customer_no)
);
"""

RECORDS = """
select c.customer_no as record_id, c.customer_name as name, c.birth_date, c.id_no, c.mobile, c.address,
       m.customer_id
from raw.core__customers c
join identity.identifier_map m on m.node_key = 'customer_no:' || c.customer_no
where c.business_date = (select max(business_date) from raw.core__customers where business_date <= %s)
"""


def ensure(cur) -> None:
    cur.execute(DDL)


def refresh(warehouse: Warehouse, business_date: dt.date) -> int:
    """Replace the pending queue with tonight's suggestions; returns how many are pending."""
    with transaction(warehouse) as conn, conn.cursor() as cur:
        ensure(cur)
        records = read_frame(cur, RECORDS, (business_date,))
        pairs = match(records.drop(columns="customer_id"))
        owner = dict(zip(records["record_id"], records["customer_id"]))
        pairs["left_customer_id"] = pairs["left_id"].map(owner)
        pairs["right_customer_id"] = pairs["right_id"].map(owner)
        pairs = pairs[pairs["left_customer_id"] != pairs["right_customer_id"]]
        ordered = pairs["left_id"] > pairs["right_id"]
        pairs.loc[ordered, ["left_id", "right_id", "left_customer_id", "right_customer_id"]] = \
            pairs.loc[ordered, ["right_id", "left_id", "right_customer_id", "left_customer_id"]].to_numpy()
        decided = read_frame(cur, "select left_customer_no, right_customer_no from identity.merge_decisions")
        decided_keys = decided["left_customer_no"] + "|" + decided["right_customer_no"]
        pairs = pairs[~(pairs["left_id"] + "|" + pairs["right_id"]).isin(decided_keys)]
        pairs = pairs.drop_duplicates(["left_id", "right_id"])
        queue = pd.DataFrame({
            "business_date": business_date.isoformat(), "left_customer_no": pairs["left_id"],
            "right_customer_no": pairs["right_id"], "left_customer_id": pairs["left_customer_id"],
            "right_customer_id": pairs["right_customer_id"], "score": pairs["score"],
            **{f"{role}_score": pairs.get(f"{role}_score") for role in
               ("name", "birth_date", "id_no", "mobile", "address")}})
        cur.execute("truncate identity.merge_suggestions")
        write_frame(cur, "identity.merge_suggestions", queue)
        return len(queue)


def decide(warehouse: Warehouse, left: str, right: str, decision: str, by: str) -> None:
    """Record a steward's decision on a pair of customer numbers (order does not matter)."""
    left, right = sorted((left, right))
    with transaction(warehouse) as conn, conn.cursor() as cur:
        ensure(cur)
        # known to the resolver (not "on the latest raw date": a date re-run, or a later date
        # already collected, must not make tonight's suggestions undecidable)
        cur.execute("select to_regclass('identity.identifier_map') is not null")
        known = 0
        if cur.fetchone()[0]:
            cur.execute("select count(*) from identity.identifier_map where node_key in (%s, %s)",
                        (f"customer_no:{left}", f"customer_no:{right}"))
            known = cur.fetchone()[0]
        if known < 2:
            raise LookupError(f"{left} and {right} must both be resolved core customer numbers"
                              " (see: ruralops identity suggestions)")
        # under the resolver's lock and on the clock, so the next incremental resolve sees it as new
        cur.execute("select pg_advisory_xact_lock(hashtext('ruralops.identity'))")
        cur.execute("insert into identity.merge_decisions (left_customer_no, right_customer_no, decision, decided_by,"
                    " decided_at) values (%s, %s, %s, %s, clock_timestamp()) on conflict (left_customer_no,"
                    " right_customer_no) do update set decision = excluded.decision, decided_by = excluded.decided_by,"
                    " decided_at = excluded.decided_at",
                    (left, right, decision, by))
        cur.execute("delete from identity.merge_suggestions where left_customer_no = %s and right_customer_no = %s",
                    (left, right))


def approved_edges(cur, business_date: dt.date) -> pd.DataFrame:
    """Approved pairs as graph edges for the resolver (rule steward_merge)."""
    ensure(cur)
    approved = read_frame(cur, "select left_customer_no, right_customer_no from identity.merge_decisions"
                          " where decision = 'approved'")
    return pd.DataFrame({
        "left_key": "customer_no:" + approved["left_customer_no"], "left_type": "customer_no",
        "right_key": "customer_no:" + approved["right_customer_no"], "right_type": "customer_no",
        "rule": "steward_merge", "last_seen": business_date.isoformat()})


def pending(warehouse: Warehouse, limit: int = 50) -> pd.DataFrame:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        ensure(cur)
        return read_frame(cur, "select left_customer_no, right_customer_no, left_customer_id, right_customer_id,"
                          " score, name_score, birth_date_score, id_no_score, mobile_score, address_score"
                          " from identity.merge_suggestions order by score desc, left_customer_no limit %s",
                     (limit,))
