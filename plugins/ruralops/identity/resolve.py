"""Resolve the identifier graph into customers with stable ids, set-based from end to end.

Input: ``identity.int_identity__edges`` (dbt). Steps, all vectorised (pandas, scipy):

1. keep the edges of enabled rules; a snapshot rule's edge links only if re-stated on the
   business date (so a corrected record splits);
2. drop every edge of a blocklisted identifier and of an identifier over a cardinality limit
   (e.g. a mobile tied to two ID numbers), recording each hit in ``identity.limit_hits``;
3. connected components (scipy.sparse.csgraph) over what remains;
4. stable ids: each component keeps the ids its identifiers had last night. When a component
   holds several, the oldest survives and the others become aliases (a ``merge`` event); when
   one id's identifiers now fall in several components, the part holding most of them keeps it
   and the others get new ids (a ``split`` event). A component with no id gets one derived from
   its anchor (its smallest identifier of the strongest type), so a rebuild from an empty
   registry gives the same ids.

Output, in one transaction: ``identity.identifier_map`` (identifier -> customer_id),
``identity.registry`` (every id ever issued, with ``merged_into`` for aliases),
``identity.changes`` (new / merge / split events downstream systems read) and
``identity.limit_hits`` for the date; one row per run in ``identity.resolve_runs``.

Nightly the resolver is incremental: it re-resolves only the customers that the day's changed
edges touch (new pairs, pairs not re-stated, limit verdicts that moved, steward decisions), so
its cost follows the day's changes, not the size of the bank. The whole graph is resolved on
the first run, after a gap in dates, when the rules or blocklist change, when asked
(``ruralops identity resolve --full``) or when the day's changes reach a quarter of the map.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ruralops.db.connection import Warehouse, transaction
from ruralops.db.frames import read_frame, write_frame
from ruralops.identity import suggest
from ruralops.identity.rules import Rules, load_rules

DDL = """
create schema if not exists identity;
create table if not exists identity.registry (
    customer_id text primary key,
    anchor text not null,
    created_on date not null,
    merged_into text,                 -- set when the id became an alias of a surviving one
    merged_on date
);
create table if not exists identity.identifier_map (
    node_key text primary key,
    node_type text not null,
    customer_id text not null,
    business_date date not null
);
create index if not exists identifier_map_customer on identity.identifier_map (customer_id);
create table if not exists identity.changes (
    change_id bigserial primary key,
    business_date date not null,
    kind text not null,               -- new | merge | split
    customer_id text not null,        -- new: the id; merge: the survivor; split: the id that was split
    other_id text,                    -- merge: the id merged into customer_id; split: the new id
    identifiers bigint,
    recorded_at timestamptz not null default now()
);
create table if not exists identity.resolve_runs (
    run_id bigserial primary key,
    business_date date not null,
    mode text not null,               -- incremental | full
    reason text,                      -- why full
    fingerprint text not null,        -- of the rules and blocklist the run applied
    identifiers bigint not null,      -- in the map after the run
    re_resolved bigint not null,      -- identifiers whose customer was worked out by the run
    seconds numeric not null,
    finished_at timestamptz not null default now()
);
create table if not exists identity.limit_hits (
    business_date date not null,
    node_key text not null,
    node_type text not null,
    limit_name text not null,
    observed bigint,
    edges_cut bigint not null
);
"""


@dataclass
class ResolveResult:
    business_date: dt.date
    re_resolved: int = 0          # identifiers whose customer was worked out tonight
    customers: int = 0            # customers among them
    limit_hits: int = 0
    events: dict[str, int] = field(default_factory=dict)
    newly_cut: int = 0            # incremental: identifiers over a limit since tonight
    newly_freed: int = 0          # incremental: identifiers back under their limits
    full_reason: str | None = None  # why the whole graph was resolved; None when incremental
    identifiers: int = 0          # in the identifier map after the run
    seconds: float = 0.0

    def line(self) -> str:
        events = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.events.items())) or "no changes"
        if self.full_reason:
            how = f"full resolve ({self.full_reason}): {self.customers:,} customers"
        else:
            how = (f"incremental: {self.re_resolved:,} identifiers of {self.customers:,} customers re-resolved,"
                   f" {self.newly_cut:,} newly cut, {self.newly_freed:,} freed")
        return (f"identity {self.business_date}: {how}; {self.identifiers:,} identifiers in the map;"
                f" {self.limit_hits:,} limit hits; {events} ({self.seconds:.1f} s)")


def _limit_hits(edges: pd.DataFrame, rules: Rules, blocked: set[str]) -> pd.DataFrame:
    """(node_key, node_type, limit_name, observed) for blocklisted and over-limit identifiers.

    Node keys are long strings (tokens); they are turned into integer codes once, and every
    join, distinct and count below works on integers."""
    n = len(edges)
    codes, keys = pd.factorize(pd.concat([edges["left_key"], edges["right_key"]], ignore_index=True))
    type_codes, types = pd.factorize(pd.concat([edges["left_type"], edges["right_type"]], ignore_index=True))
    left, right, left_type, right_type = codes[:n], codes[n:], type_codes[:n], type_codes[n:]
    both = pd.DataFrame({"left_key": np.concatenate([left, right]), "right_key": np.concatenate([right, left]),
                         "left_type": np.concatenate([left_type, right_type]),
                         "right_type": np.concatenate([right_type, left_type])})
    both = both[both["left_key"] != both["right_key"]].drop_duplicates()
    type_code = {name: i for i, name in enumerate(types)}
    record_codes = tuple(type_code[t] for t in rules.record_types if t in type_code)
    hits = []
    for limit in rules.limits:
        if limit.identifier not in type_code or limit.counts not in type_code:
            continue
        reach = _reach(both, type_code[limit.identifier], type_code[limit.counts], record_codes)
        counts = reach.groupby("origin").size()
        over = counts[counts > limit.max]
        hits.append(pd.DataFrame({"node_key": keys[over.index.to_numpy()], "node_type": limit.identifier,
                                  "limit_name": limit.name, "observed": over.to_numpy()}))
    listed = pd.Series(keys[pd.Series(keys).isin(blocked).to_numpy()], dtype=object)
    hits.append(pd.DataFrame({"node_key": listed, "node_type": listed.str.split(":", n=1).str[0],
                              "limit_name": "blocklist", "observed": 1}))
    return pd.concat(hits, ignore_index=True)


def _reach(both: pd.DataFrame, identifier: int, counted_type: int, record_types: tuple[int, ...]) -> pd.DataFrame:
    """Distinct (origin, counted) pairs: the identifiers of type ``limit.counts`` each
    ``limit.identifier`` reaches directly, through a record, or through a record and the record
    it belongs to — walking through records only (a customer number, an e-bank user, a card...),
    never through another identifier that may itself be shared. So a mobile on one person's core
    record and on another person's e-bank registration reaches both ID numbers
    (mobile -> e-bank user -> customer number -> ID). Joins on three small tables, no walk that
    multiplies rows hop by hop."""
    is_record = both["left_type"].isin(record_types)
    owned = both.loc[is_record & (both["right_type"] == counted_type), ["left_key", "right_key"]] \
        .set_axis(["record", "counted"], axis=1)
    linked = both.loc[is_record & both["right_type"].isin(record_types), ["left_key", "right_key"]] \
        .set_axis(["record", "via"], axis=1)
    owners = pd.concat([owned, linked.merge(owned.rename(columns={"record": "via"}), on="via")[["record", "counted"]]]) \
        .drop_duplicates()
    start = both.loc[both["left_type"] == identifier, ["left_key", "right_key", "right_type"]]
    direct = start.loc[start["right_type"] == counted_type, ["left_key", "right_key"]].set_axis(["origin", "counted"], axis=1)
    through = start.loc[start["right_type"].isin(record_types), ["left_key", "right_key"]] \
        .set_axis(["origin", "record"], axis=1).merge(owners, on="record")[["origin", "counted"]]
    return pd.concat([direct, through]).drop_duplicates()


def _components(edges: pd.DataFrame) -> pd.DataFrame:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    codes, keys = pd.factorize(pd.concat([edges["left_key"], edges["right_key"]], ignore_index=True))
    left, right = codes[: len(edges)], codes[len(edges):]
    graph = coo_matrix((np.ones(len(left), np.int8), (left, right)), shape=(len(keys), len(keys)))
    _, labels = connected_components(graph, directed=False)
    node_type = np.empty(len(keys), dtype=object)  # a key's type is its prefix; the edges carry it
    node_type[codes] = pd.concat([edges["left_type"], edges["right_type"]], ignore_index=True).to_numpy()
    return pd.DataFrame({"node_key": keys, "component": labels, "node_type": node_type})


def _new_id(anchor: str) -> str:
    return "CU" + hashlib.md5(anchor.encode()).hexdigest()[:14].upper()


def _first_per_group(frame: pd.DataFrame, group: str, order: list[str], ascending: list[bool] | bool = True) -> pd.DataFrame:
    """The first row of each ``group`` by ``order``: sorting only the groups of more than one row.

    At a million customers nearly every group (a component's strongest identifiers, an id's
    components, a component's ids) has one row; sorting all of them by their string columns was
    most of the resolver's time."""
    tied = frame[group].duplicated(keep=False)
    first = frame[tied].sort_values(order, ascending=ascending).drop_duplicates(group)
    return pd.concat([frame[~tied], first])


def assign_ids(nodes: pd.DataFrame, previous: pd.DataFrame, registry: pd.DataFrame, rules: Rules,
               business_date: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(node map with customer_id, new registry rows, change events, ids merged into others).

    ``previous``: node_key -> customer_id of the last run; ``registry``: customer_id, created_on.
    """
    nodes = nodes.copy()
    nodes["priority"] = nodes["node_type"].map(rules.priority).fillna(99)
    # a component's anchor: its smallest identifier of the strongest type present
    strongest = nodes["priority"] == nodes.groupby("component")["priority"].transform("min")
    anchors = _first_per_group(nodes.loc[strongest, ["component", "node_key"]], "component",
                               ["component", "node_key"]).rename(columns={"node_key": "anchor"})
    known = nodes[["node_key", "component"]].merge(previous, on="node_key", how="inner")
    claims = known.groupby(["customer_id", "component"]).size().reset_index(name="members")
    claims = claims.merge(anchors, on="component")
    # each old id stays with the component holding most of its identifiers (ties: smaller anchor)
    keepers = _first_per_group(claims, "customer_id", ["customer_id", "members", "anchor"], [True, False, True])
    keepers = keepers.merge(registry[["customer_id", "created_on"]], on="customer_id", how="left")
    keepers["created_on"] = keepers["created_on"].fillna(business_date.isoformat())
    # in each component, the oldest of the ids it keeps survives
    survivors = _first_per_group(keepers, "component", ["component", "created_on", "customer_id"])
    merged = keepers[~keepers["customer_id"].isin(survivors["customer_id"])].merge(
        survivors[["component", "customer_id"]], on="component", suffixes=("", "_survivor"))
    # components that kept no id get one from their anchor
    fresh = anchors[~anchors["component"].isin(survivors["component"])].copy()
    fresh["customer_id"] = [_new_id(anchor) for anchor in fresh["anchor"]]
    taken = set(registry["customer_id"]) | set(survivors["customer_id"])
    clash = fresh["customer_id"].isin(taken)
    fresh.loc[clash, "customer_id"] = [_new_id(f"{anchor}#{business_date}") for anchor in fresh.loc[clash, "anchor"]]
    assigned = pd.concat([survivors[["component", "customer_id"]], fresh[["component", "customer_id"]]])
    node_map = nodes.merge(assigned, on="component")[["node_key", "node_type", "customer_id"]]

    component_size = nodes["component"].value_counts()
    sizes = pd.Series(assigned["component"].map(component_size).to_numpy(), index=assigned["customer_id"].to_numpy())
    # split: an old id whose identifiers now also sit in components that are not its keeper
    spread = claims[claims["customer_id"].duplicated(keep=False)]
    spilled = spread.merge(keepers[["customer_id", "component"]], on="customer_id", suffixes=("", "_kept"))
    spilled = spilled[spilled["component"] != spilled["component_kept"]].merge(
        assigned.rename(columns={"customer_id": "new_id"}), on="component")
    events = pd.concat([
        pd.DataFrame({"kind": "new", "customer_id": fresh["customer_id"], "other_id": None}),
        pd.DataFrame({"kind": "merge", "customer_id": merged["customer_id_survivor"],
                      "other_id": merged["customer_id"]}),
        pd.DataFrame({"kind": "split", "customer_id": spilled["customer_id"], "other_id": spilled["new_id"]}),
    ], ignore_index=True)
    events = events[~((events["kind"] == "new") & events["customer_id"].isin(spilled["new_id"]))]
    events["identifiers"] = events["customer_id"].map(sizes).fillna(0).astype(int)
    events.loc[events["kind"] == "split", "identifiers"] = \
        events.loc[events["kind"] == "split", "other_id"].map(sizes).fillna(0).astype(int)
    events["business_date"] = business_date.isoformat()

    added = fresh[["customer_id", "anchor"]].assign(created_on=business_date.isoformat())
    aliases = merged[["customer_id", "customer_id_survivor"]].rename(columns={"customer_id_survivor": "merged_into"})
    return node_map, added, events, aliases


# An edge links on the business date when its rule is enabled and, for a snapshot rule, the
# source re-stated it that day.
USABLE = "rule = any(%(enabled)s) and (rule <> all(%(snapshot)s) or last_seen >= %(day)s)"
# An edge whose linking changed since the day before: new, back after a gap, or not re-stated.
CHANGED = ("rule = any(%(enabled)s) and ((last_seen = %(day)s and (first_seen = %(day)s or"
           " (rule = any(%(snapshot)s) and previous_seen is distinct from %(prev)s)))"
           " or (rule = any(%(snapshot)s) and last_seen = %(prev)s))")
# Above this share of the identifier map, re-resolving everything is cheaper than the walk.
INCREMENTAL_MAX_SHARE = 0.25


def resolve(warehouse: Warehouse, business_date: dt.date, rules: Rules | None = None,
            full: bool = False) -> ResolveResult:
    """Resolve the graph for ``business_date``: only what changed since yesterday when possible.

    Incremental when the previous run resolved the day before with the same rules and blocklist
    (and ``full`` is not asked); otherwise, or when the changes reach more than a quarter of
    the identifiers, the whole graph is resolved. Both give the same map (tested)."""
    rules = rules or load_rules()
    started = time.monotonic()
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('ruralops.identity'))")
        cur.execute(DDL)
        suggest.ensure(cur)
        blocked = set(read_frame(cur, rules.blocklist_sql(), rules.blocklist_params())["node_key"])
        fingerprint = _fingerprint(rules, blocked)
        last = read_frame(cur, "select business_date, fingerprint, finished_at,"
                          " (select max(business_date) from identity.resolve_runs) as latest_date"
                          " from identity.resolve_runs order by run_id desc limit 1")
        reason = _full_reason(last, business_date, fingerprint, full)
        _graph_view(cur, business_date)
        result = None
        if reason is None:
            result = _resolve_changes(cur, rules, blocked, business_date, last.iloc[0])
            if result is None:
                reason = f"changes reach over {INCREMENTAL_MAX_SHARE:.0%} of identifiers"
        if result is None:
            result = _resolve_everything(cur, rules, blocked, business_date)
            result.full_reason = reason
        cur.execute("select count(*) from identity.identifier_map")
        result.identifiers = cur.fetchone()[0]
        result.seconds = time.monotonic() - started
        cur.execute("insert into identity.resolve_runs (business_date, mode, reason, fingerprint, identifiers,"
                    " re_resolved, seconds, finished_at) values (%s, %s, %s, %s, %s, %s, %s, clock_timestamp())",
                    (business_date, "full" if result.full_reason else "incremental", result.full_reason,
                     fingerprint, result.identifiers, result.re_resolved, round(result.seconds, 2)))
    return result


def _fingerprint(rules: Rules, blocked: set[str]) -> str:
    """What, besides the graph, decides the map: the rules and the (tokenised) blocklist."""
    spec = repr((sorted(rules.priority.items()), sorted((name, rule["kind"]) for name, rule in rules.rules.items()),
                 rules.limits, rules.record_types, sorted(blocked)))
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _full_reason(last: pd.DataFrame, business_date: dt.date, fingerprint: str, full: bool) -> str | None:
    if full:
        return "full resolve asked"
    if last.empty:
        return "first run"
    last_date = dt.date.fromisoformat(last.iloc[0]["business_date"])
    if last_date != business_date - dt.timedelta(days=1):
        return f"the last run resolved {last_date}, not the day before"
    if last.iloc[0]["latest_date"] != last.iloc[0]["business_date"]:
        # the graph already holds a later date's pairs: the day-to-day difference is not tonight's
        return f"a later date ({last.iloc[0]['latest_date']}) was resolved before"
    if last.iloc[0]["fingerprint"] != fingerprint:
        return "rules or blocklist changed"
    return None


def _graph_view(cur, business_date: dt.date) -> None:
    """``graph_edges``: the dbt graph plus the stewards' approved merges, for this transaction."""
    cur.execute("create temporary table steward_edges (left_key text, left_type text, right_key text,"
                " right_type text, rule text, first_seen date, last_seen date, previous_seen date) on commit drop")
    write_frame(cur, "steward_edges", suggest.approved_edges(cur, business_date))
    cur.execute("create or replace temporary view graph_edges as"
                " select left_key, left_type, right_key, right_type, rule, first_seen, last_seen, previous_seen"
                " from identity.int_identity__edges union all select * from steward_edges")


def _edge_params(rules: Rules, business_date: dt.date) -> dict:
    return {"enabled": list(rules.rules), "snapshot": rules.snapshot_rules, "day": business_date,
            "prev": business_date - dt.timedelta(days=1)}


def _cut(edges: pd.DataFrame, hits: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(hits with the number of edges each cut, the edges that still link)."""
    touching = edges["left_key"].isin(hits["node_key"]) | edges["right_key"].isin(hits["node_key"])
    counts = pd.concat([edges.loc[touching, "left_key"], edges.loc[touching, "right_key"]]).value_counts()
    return hits.assign(edges_cut=hits["node_key"].map(counts).fillna(0).astype(int)), edges[~touching]


def _resolve_everything(cur, rules: Rules, blocked: set[str], business_date: dt.date) -> ResolveResult:
    edges = read_frame(cur, f"select left_key, left_type, right_key, right_type from graph_edges where {USABLE}",
                       _edge_params(rules, business_date))
    hits, kept = _cut(edges, _limit_hits(edges, rules, blocked))
    # a cut identifier links nothing and belongs to no customer (explain shows the hit)
    nodes = _components(kept)
    previous = read_frame(cur, "select node_key, customer_id from identity.identifier_map")
    registry = read_frame(cur, "select customer_id, created_on from identity.registry")
    node_map, added, events, aliases = assign_ids(nodes, previous, registry, rules, business_date)
    # a fresh table, loaded before its indexes are built: far faster than COPY into indexes
    cur.execute("create table identity.identifier_map_new (like identity.identifier_map including defaults)")
    write_frame(cur, "identity.identifier_map_new", node_map.assign(business_date=business_date.isoformat()))
    cur.execute("drop table identity.identifier_map; alter table identity.identifier_map_new"
                " rename to identifier_map; alter table identity.identifier_map add primary key (node_key);"
                " create index identifier_map_customer on identity.identifier_map (customer_id)")
    _record(cur, business_date, added, events, aliases, hits)
    return ResolveResult(business_date, re_resolved=len(node_map), customers=node_map["customer_id"].nunique(),
                         limit_hits=len(hits), events=events["kind"].value_counts().to_dict())


def _resolve_changes(cur, rules: Rules, blocked: set[str], business_date: dt.date,
                     last: pd.Series) -> ResolveResult | None:
    """Re-resolve only the customers that the day's changed edges (and limit changes) touch.

    1. seeds: both ends of every edge whose linking changed since yesterday, and of steward
       decisions taken since the last run;
    2. limits are re-counted for the identifiers whose count could have moved: the seeds and
       whatever reaches a seed record through one or two records; every other identifier keeps
       yesterday's verdict;
    3. the touched set (seeds, newly cut and newly freed identifiers) grows to every identifier
       of every customer it holds and to the far end of every linking edge, until closed;
    4. components and ids over that closed subgraph, exactly as the full resolve does.
    None when the touched set grows past INCREMENTAL_MAX_SHARE of the map."""
    params = _edge_params(rules, business_date)
    prev = params["prev"]
    cur.execute(f"create temporary table seeds on commit drop as select left_key as node_key from graph_edges"
                f" where {CHANGED} union select right_key from graph_edges where {CHANGED}", params)
    cur.execute("insert into seeds select 'customer_no:' || unnest(array[left_customer_no, right_customer_no])"
                " from identity.merge_decisions where decided_at > %s except select node_key from seeds",
                (last["finished_at"],))
    # identifiers whose limit count may have moved
    kinds = sorted({limit.identifier for limit in rules.limits} | set(rules.blocklist))
    records = list(rules.record_types)
    cur.execute("create temporary table near_records (node_key text primary key) on commit drop;"
                "create temporary table recount (node_key text primary key) on commit drop")
    cur.execute("insert into near_records select node_key from seeds where split_part(node_key, ':', 1) = any(%s)"
                " on conflict do nothing", (records,))
    _add_neighbours(cur, "near_records", "near_records", records, params)
    _add_neighbours(cur, "near_records", "recount", kinds, params)
    cur.execute("insert into recount select node_key from seeds where split_part(node_key, ':', 1) = any(%s)"
                " on conflict do nothing", (kinds,))
    recount_edges = _edges_around(cur, "recount", records, params)
    recounted = _limit_hits(recount_edges, rules, blocked)
    recount_keys = set(read_frame(cur, "select node_key from recount")["node_key"])
    recounted, _ = _cut(recount_edges, recounted[recounted["node_key"].isin(recount_keys)])
    yesterday = read_frame(cur, "select node_key, node_type, limit_name, observed, edges_cut"
                           " from identity.limit_hits where business_date = %s", (prev,))
    hits = pd.concat([yesterday[~yesterday["node_key"].isin(recount_keys)], recounted], ignore_index=True)
    was_cut, is_cut = set(yesterday["node_key"]), set(hits["node_key"])
    cur.execute("create temporary table cut_today (node_key text primary key) on commit drop;"
                "create temporary table touched (node_key text primary key) on commit drop")
    write_frame(cur, "cut_today", pd.DataFrame({"node_key": sorted(is_cut)}))
    cur.execute("insert into touched select node_key from seeds union select node_key from recount")
    # the whole customers the touched identifiers belong to, and whatever still links to them
    cur.execute("select count(*) from identity.identifier_map")
    ceiling = INCREMENTAL_MAX_SHARE * cur.fetchone()[0]
    while True:
        cur.execute("insert into touched select m.node_key from identity.identifier_map m where m.customer_id in"
                    " (select t.customer_id from identity.identifier_map t join touched using (node_key))"
                    " on conflict do nothing")
        cur.execute("select count(*) from touched")
        if cur.fetchone()[0] > ceiling:
            return None
        edges = read_frame(cur, f"""select left_key, left_type, right_key, right_type from graph_edges
            where {USABLE} and (left_key in (select node_key from touched) or right_key in (select node_key from touched))
              and left_key not in (select node_key from cut_today) and right_key not in (select node_key from cut_today)""",
                           params)
        cur.execute("create temporary table ends (node_key text) on commit drop")
        write_frame(cur, "ends", pd.concat([edges["left_key"], edges["right_key"]]).drop_duplicates().to_frame("node_key"))
        cur.execute("insert into touched select node_key from ends on conflict do nothing")
        grew = cur.rowcount
        cur.execute("drop table ends")
        if not grew:
            break
    touched = read_frame(cur, "select node_key from touched")["node_key"]
    nodes = _components(edges)
    previous = read_frame(cur, "select m.node_key, m.customer_id from identity.identifier_map m join touched using (node_key)")
    candidate_ids = pd.concat([previous["customer_id"], pd.Series([_new_id(k) for k in touched])]).drop_duplicates()
    registry = _registry_rows(cur, candidate_ids)
    node_map, added, events, aliases = assign_ids(nodes, previous, registry, rules, business_date)
    cur.execute("delete from identity.identifier_map m using touched t where m.node_key = t.node_key")
    write_frame(cur, "identity.identifier_map", node_map.assign(business_date=business_date.isoformat()))
    _record(cur, business_date, added, events, aliases, hits)
    return ResolveResult(business_date, re_resolved=len(touched), customers=node_map["customer_id"].nunique(),
                         limit_hits=len(hits), events=events["kind"].value_counts().to_dict(),
                         newly_cut=len(is_cut - was_cut), newly_freed=len(was_cut - is_cut))


def _add_neighbours(cur, nodes: str, into: str, node_types: list[str], params: dict,
                    usable_only: bool = False) -> None:
    """Add to temp table ``into`` the identifiers of ``node_types`` one edge away from ``nodes``
    (any enabled edge, or only the usable ones)."""
    linking = USABLE if usable_only else "rule = any(%(enabled)s)"
    cur.execute(f"insert into {into}"
                f" select e.right_key from graph_edges e join {nodes} n on e.left_key = n.node_key"
                f" where {linking} and e.right_type = any(%(types)s)"
                f" union select e.left_key from graph_edges e join {nodes} n on e.right_key = n.node_key"
                f" where {linking} and e.left_type = any(%(types)s) on conflict do nothing",
                {**params, "types": node_types})


def _edges_around(cur, origins: str, records: list[str], params: dict) -> pd.DataFrame:
    """The usable edges a limit count of ``origins`` walks: theirs, and those of the records
    one and two records away."""
    cur.execute(f"create temporary table around (node_key text primary key) on commit drop;"
                f"insert into around select node_key from {origins}")
    for _ in range(2):
        _add_neighbours(cur, "around", "around", records, params, usable_only=True)
    return read_frame(cur, f"select left_key, left_type, right_key, right_type from graph_edges where {USABLE}"
                      " and (left_key in (select node_key from around) or right_key in (select node_key from around))",
                      params)


def _registry_rows(cur, customer_ids: pd.Series) -> pd.DataFrame:
    cur.execute("create temporary table wanted_ids (customer_id text) on commit drop")
    write_frame(cur, "wanted_ids", customer_ids.to_frame("customer_id"))
    return read_frame(cur, "select r.customer_id, r.created_on from identity.registry r join wanted_ids using (customer_id)")


def _record(cur, business_date: dt.date, added: pd.DataFrame, events: pd.DataFrame, aliases: pd.DataFrame,
            hits: pd.DataFrame) -> None:
    """Registry rows, change events, aliases and the day's limit hits."""
    write_frame(cur, "identity.registry", added)
    write_frame(cur, "identity.changes", events[["business_date", "kind", "customer_id", "other_id", "identifiers"]])
    cur.execute("create temporary table merged (customer_id text, merged_into text) on commit drop")
    write_frame(cur, "merged", aliases)
    cur.execute("update identity.registry r set merged_into = m.merged_into, merged_on = %s"
                " from merged m where r.customer_id = m.customer_id", (business_date,))
    cur.execute("delete from identity.limit_hits where business_date = %s", (business_date,))
    write_frame(cur, "identity.limit_hits", hits.assign(business_date=business_date.isoformat())
                [["business_date", "node_key", "node_type", "limit_name", "observed", "edges_cut"]])
