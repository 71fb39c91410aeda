"""The stewards' merge-suggestion queue, and their decisions.

After each resolution, core customer records that ended up in different customers but look
like one person (``ruralops.identity.match``: name, birth date, ID number one digit apart,
mobile, address) are queued in ``identity.merge_suggestions`` — never merged automatically.
A steward approves or rejects a pair (``ruralops identity review``); the decision is kept in
``identity.merge_decisions``. An approved pair becomes a ``steward_merge`` edge the resolver
uses on its next run (the ids merge, with a merge event); a rejected pair is never suggested
again. Clear values are read from raw inside this step only; the queue holds customer numbers,
ids and scores, no PII.

Nightly the matcher is incremental: only pairs with a record that is new, changed one of its
matched fields since the previous snapshot, or whose customer the resolver re-worked tonight
are scored; the rest of the queue is carried. The whole snapshot is compared on the first run,
after a gap, when the matcher's settings change or when asked. Each run is a row in
``identity.match_runs``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

import pandas as pd

from ruralops.db.connection import Warehouse, transaction
from ruralops.db.frames import read_frame, write_frame
from ruralops.identity import match as matcher

DDL = """
create table if not exists identity.merge_suggestions (
    business_date date not null,      -- the date the pair was first suggested
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
create table if not exists identity.match_runs (
    run_id bigserial primary key,
    business_date date not null,
    snapshot_date date,               -- of raw.core__customers the run compared
    mode text not null,               -- incremental | full
    reason text,                      -- why full
    fingerprint text not null,        -- of the matcher's settings
    records bigint not null,
    compared bigint not null,         -- records whose pairs were scored
    pending bigint not null,
    seconds numeric not null,
    finished_at timestamptz not null default now()
);
"""

# The snapshot's core records with their customer, and whether each changed since the previous
# snapshot (new, a matched field differs, or the resolver re-worked its customer tonight).
RECORDS = """
select c.customer_no as record_id, c.customer_name as name, c.birth_date, c.id_no, c.mobile, c.address,
       m.customer_id,
       p.customer_no is null or m.business_date = %(business_date)s
           or (c.customer_name, c.birth_date, c.id_no, c.mobile, c.address)
              is distinct from (p.customer_name, p.birth_date, p.id_no, p.mobile, p.address) as changed
from raw.core__customers c
join identity.identifier_map m on m.node_key = 'customer_no:' || c.customer_no
left join raw.core__customers p on p.business_date = %(previous)s and p.customer_no = c.customer_no
where c.business_date = %(snapshot)s
"""


@dataclass
class SuggestResult:
    pending: int
    records: int
    compared: int
    full_reason: str | None
    seconds: float

    def line(self) -> str:
        how = f"full ({self.full_reason})" if self.full_reason else "incremental"
        return (f"merge suggestions: {self.compared:,} of {self.records:,} core records compared, {how};"
                f" {self.pending:,} pending ({self.seconds:.1f} s)")


def ensure(cur) -> None:
    cur.execute(DDL)


def refresh(warehouse: Warehouse, business_date: dt.date, full: bool = False) -> SuggestResult:
    """Bring the pending queue up to tonight: new suggestions in, settled ones out."""
    started = time.monotonic()
    with transaction(warehouse) as conn, conn.cursor() as cur:
        ensure(cur)
        cur.execute("select max(business_date) from raw.core__customers where business_date <= %s", (business_date,))
        snapshot = cur.fetchone()[0]
        cur.execute("select max(business_date) from raw.core__customers where business_date < %s", (snapshot,))
        previous = cur.fetchone()[0]
        last = read_frame(cur, "select snapshot_date, fingerprint from identity.match_runs order by run_id desc limit 1")
        reason = _full_reason(last, previous, full)
        records = read_frame(cur, RECORDS, {"business_date": business_date, "previous": previous, "snapshot": snapshot})
        changed = (records["changed"] == "t").to_numpy()
        found = _undecided_pairs(cur, records, focus=None if reason else changed)
        queued = read_frame(cur, "select * from identity.merge_suggestions")
        if reason is None:
            # pairs of two unchanged records stand as they were (scores and customers unchanged)
            unchanged = records.loc[~changed, "record_id"]
            carried = queued[queued["left_customer_no"].isin(unchanged) & queued["right_customer_no"].isin(unchanged)]
            found = pd.concat([carried.drop(columns="business_date"), found], ignore_index=True)
        # a pair already in the queue keeps the date it was first suggested
        first = queued.set_index(queued["left_customer_no"] + "|" + queued["right_customer_no"])["business_date"]
        keys = found["left_customer_no"] + "|" + found["right_customer_no"]
        found.insert(0, "business_date", keys.map(first).fillna(business_date.isoformat()).to_numpy())
        cur.execute("truncate identity.merge_suggestions")
        write_frame(cur, "identity.merge_suggestions", found)
        result = SuggestResult(pending=len(found), records=len(records),
                               compared=len(records) if reason else int(changed.sum()), full_reason=reason,
                               seconds=time.monotonic() - started)
        cur.execute("insert into identity.match_runs (business_date, snapshot_date, mode, reason, fingerprint, records,"
                    " compared, pending, seconds) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (business_date, snapshot, "full" if reason else "incremental", reason, _fingerprint(),
                     result.records, result.compared, result.pending, round(result.seconds, 2)))
        return result


def _undecided_pairs(cur, records: pd.DataFrame, focus) -> pd.DataFrame:
    """Scored pairs of records in different customers that no steward has decided, as queue rows."""
    pairs = matcher.match(records[["record_id", *matcher.ROLES]], focus=focus)
    customer_of = records.set_index("record_id")["customer_id"]
    pairs["left_customer_id"] = pairs["left_id"].map(customer_of)
    pairs["right_customer_id"] = pairs["right_id"].map(customer_of)
    pairs = pairs[pairs["left_customer_id"] != pairs["right_customer_id"]]
    ordered = pairs["left_id"] > pairs["right_id"]
    pairs.loc[ordered, ["left_id", "right_id", "left_customer_id", "right_customer_id"]] = \
        pairs.loc[ordered, ["right_id", "left_id", "right_customer_id", "left_customer_id"]].to_numpy()
    decided = read_frame(cur, "select left_customer_no, right_customer_no from identity.merge_decisions")
    decided_keys = decided["left_customer_no"] + "|" + decided["right_customer_no"]
    pairs = pairs[~(pairs["left_id"] + "|" + pairs["right_id"]).isin(decided_keys)]
    pairs = pairs.drop_duplicates(["left_id", "right_id"])
    return pd.DataFrame({
        "left_customer_no": pairs["left_id"], "right_customer_no": pairs["right_id"],
        "left_customer_id": pairs["left_customer_id"], "right_customer_id": pairs["right_customer_id"],
        "score": pairs["score"],
        **{f"{role}_score": pairs.get(f"{role}_score") for role in matcher.ROLES}})


def _fingerprint() -> str:
    settings = (matcher.ROLES, sorted(matcher.WEIGHTS.items()), matcher.THRESHOLD, matcher.MAX_BLOCK)
    return hashlib.md5(repr(settings).encode()).hexdigest()


def _full_reason(last: pd.DataFrame, previous: dt.date | None, full: bool) -> str | None:
    if full:
        return "asked"
    if last.empty:
        return "first run"
    if last.iloc[0]["fingerprint"] != _fingerprint():
        return "matcher settings changed"
    if previous is None or last.iloc[0]["snapshot_date"] != previous.isoformat():
        return f"the last run compared the snapshot of {last.iloc[0]['snapshot_date']}, not the one before"
    return None


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
