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
``identity.limit_hits`` for the date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    identifiers: int = 0
    customers: int = 0
    edges_used: int = 0
    limit_hits: int = 0
    events: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        events = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.events.items())) or "no changes"
        return (f"identity {self.business_date}: {self.identifiers:,} identifiers -> {self.customers:,} "
                f"clusters from {self.edges_used:,} edges; {self.limit_hits:,} limit hits; {events}")


def _usable_edges(edges: pd.DataFrame, rules: Rules, business_date: dt.date) -> pd.DataFrame:
    enabled = edges["rule"].isin(rules.rules)
    snapshot = edges["rule"].isin(rules.snapshot_rules)
    current = pd.to_datetime(edges["last_seen"]).dt.date >= business_date
    return edges[enabled & (~snapshot | current)]


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


def assign_ids(nodes: pd.DataFrame, previous: pd.DataFrame, registry: pd.DataFrame, rules: Rules,
               business_date: dt.date) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(node map with customer_id, new registry rows, change events, ids merged into others).

    ``previous``: node_key -> customer_id of the last run; ``registry``: customer_id, created_on.
    """
    nodes = nodes.copy()
    nodes["priority"] = nodes["node_type"].map(rules.priority).fillna(99)
    anchors = (nodes.sort_values(["component", "priority", "node_key"])
               .drop_duplicates("component")[["component", "node_key"]].rename(columns={"node_key": "anchor"}))
    known = nodes.merge(previous, on="node_key", how="inner")
    claims = known.groupby(["customer_id", "component"]).size().reset_index(name="members")
    claims = claims.merge(anchors, on="component")
    # each old id stays with the component holding most of its identifiers (ties: smaller anchor)
    keepers = claims.sort_values(["customer_id", "members", "anchor"], ascending=[True, False, True]) \
        .drop_duplicates("customer_id")
    keepers = keepers.merge(registry[["customer_id", "created_on"]], on="customer_id", how="left")
    keepers["created_on"] = keepers["created_on"].fillna(business_date.isoformat())
    # in each component, the oldest of the ids it keeps survives
    survivors = keepers.sort_values(["component", "created_on", "customer_id"]).drop_duplicates("component")
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

    sizes = node_map.groupby("customer_id").size()
    # split: an old id whose identifiers now also sit in components that are not its keeper
    spilled = claims.merge(keepers[["customer_id", "component"]], on="customer_id", suffixes=("", "_kept"))
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

    added = fresh.merge(anchors, on=["component", "anchor"])[["customer_id", "anchor"]]
    added["created_on"] = business_date.isoformat()
    aliases = merged[["customer_id", "customer_id_survivor"]].rename(columns={"customer_id_survivor": "merged_into"})
    return node_map, added, events, aliases


def resolve(warehouse: Warehouse, business_date: dt.date, rules: Rules | None = None) -> ResolveResult:
    rules = rules or load_rules()
    result = ResolveResult(business_date)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('ruralops.identity'))")
        cur.execute(DDL)
        edges = pd.concat([
            read_frame(cur, "select left_key, left_type, right_key, right_type, rule, last_seen"
                       " from identity.int_identity__edges"),
            suggest.approved_edges(cur, business_date)], ignore_index=True)
        blocked = set(read_frame(cur, rules.blocklist_sql(), rules.blocklist_params())["node_key"])
        edges = _usable_edges(edges, rules, business_date)
        hits = _limit_hits(edges, rules, blocked)
        cut = set(hits["node_key"])
        touching = edges["left_key"].isin(cut) | edges["right_key"].isin(cut)
        hits["edges_cut"] = hits["node_key"].map(
            pd.concat([edges.loc[touching, "left_key"], edges.loc[touching, "right_key"]]).value_counts()).fillna(0)
        # a cut identifier links nothing and belongs to no customer (explain shows the hit)
        kept = edges[~touching]
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
        write_frame(cur, "identity.registry", added)
        write_frame(cur, "identity.changes", events[["business_date", "kind", "customer_id", "other_id", "identifiers"]])
        cur.execute("create temporary table merged (customer_id text, merged_into text) on commit drop")
        write_frame(cur, "merged", aliases)
        cur.execute("update identity.registry r set merged_into = m.merged_into, merged_on = %s"
                    " from merged m where r.customer_id = m.customer_id", (business_date,))
        cur.execute("delete from identity.limit_hits where business_date = %s", (business_date,))
        write_frame(cur, "identity.limit_hits", hits.assign(business_date=business_date.isoformat())
               [["business_date", "node_key", "node_type", "limit_name", "observed", "edges_cut"]])
    result.identifiers = len(node_map)
    result.customers = node_map["customer_id"].nunique()
    result.edges_used = int((kept["left_key"] != kept["right_key"]).sum())
    result.limit_hits = len(hits)
    result.events = events["kind"].value_counts().to_dict()
    return result
