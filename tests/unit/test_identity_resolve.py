"""The resolver's set-based steps on small graphs: limits, components and stable ids."""

import datetime as dt

import pandas as pd
import pytest

from ruralops.identity.resolve import _components, _limit_hits, _new_id, assign_ids
from ruralops.identity.rules import load_rules

pytestmark = pytest.mark.unit
RULES = load_rules()
DAY = dt.date(2026, 11, 2)


def _edges(*pairs):
    rows = [(left, left.split(":")[0], right, right.split(":")[0]) for left, right in pairs]
    return pd.DataFrame(rows, columns=["left_key", "left_type", "right_key", "right_type"])


def _resolve(pairs, previous=None, registry=None):
    nodes = _components(_edges(*pairs))
    previous = previous if previous is not None else pd.DataFrame(columns=["node_key", "customer_id"])
    registry = registry if registry is not None else pd.DataFrame(columns=["customer_id", "created_on"])
    node_map, added, events, aliases = assign_ids(nodes, previous, registry, RULES, DAY)
    return dict(zip(node_map["node_key"], node_map["customer_id"])), added, events, aliases


def test_a_mobile_tied_to_two_id_numbers_is_cut_and_one_id_is_not():
    edges = _edges(("customer_no:1", "id:A"), ("customer_no:1", "mobile:M"),
                   ("customer_no:2", "id:B"), ("customer_no:2", "mobile:M"),   # family shares M
                   ("customer_no:3", "id:C"), ("customer_no:3", "mobile:N"),
                   ("customer_no:4", "id:C"), ("customer_no:4", "mobile:N"))   # one person, two numbers
    hits = _limit_hits(edges, RULES, blocked=set())
    assert list(hits["node_key"]) == ["mobile:M"] and list(hits["observed"]) == [2]


def test_a_mobile_is_traced_through_records_to_every_id_it_touches():
    # A typed B's mobile on A's core record; B registered e-banking with it (no ID on e-banking)
    edges = _edges(("customer_no:A", "id:IA"), ("customer_no:A", "mobile:M"),
                   ("ebank_user:UB", "mobile:M"), ("ebank_user:UB", "customer_no:B"), ("customer_no:B", "id:IB"))
    hits = _limit_hits(edges, RULES, blocked=set())
    assert list(zip(hits["node_key"], hits["observed"])) == [("mobile:M", 2)]


def test_a_blocklisted_placeholder_is_cut_even_on_one_customer():
    hits = _limit_hits(_edges(("customer_no:1", "mobile:P")), RULES, blocked={"mobile:P"})
    assert list(zip(hits["node_key"], hits["limit_name"])) == [("mobile:P", "blocklist")]


def test_a_device_shared_by_three_users_is_cut():
    edges = _edges(*[(f"ebank_user:U{i}", "device:D") for i in range(3)], ("ebank_user:U9", "device:E"))
    assert list(_limit_hits(edges, RULES, set())["node_key"]) == ["device:D"]


def test_ids_come_from_the_anchor_so_a_rebuild_from_scratch_gives_the_same_ids():
    pairs = [("customer_no:1", "id:A"), ("customer_no:2", "id:A"), ("ebank_user:U", "customer_no:2")]
    first, added, events, _ = _resolve(pairs)
    again, _, _, _ = _resolve(list(reversed(pairs)))
    assert first == again and set(first.values()) == {_new_id("customer_no:1")}
    assert list(events["kind"]) == ["new"] and list(added["anchor"]) == ["customer_no:1"]


def test_a_merge_keeps_the_oldest_id_and_makes_the_other_an_alias():
    previous = pd.DataFrame({"node_key": ["customer_no:1", "id:A", "customer_no:2", "id:B"],
                             "customer_id": ["CU_OLD", "CU_OLD", "CU_NEW", "CU_NEW"]})
    registry = pd.DataFrame({"customer_id": ["CU_OLD", "CU_NEW"], "created_on": ["2026-01-01", "2026-06-01"]})
    # tonight a loan application ties customer 2 to ID A: one person after all
    mapping, added, events, aliases = _resolve(
        [("customer_no:1", "id:A"), ("customer_no:2", "id:B"), ("application:X", "id:A"),
         ("application:X", "customer_no:2")], previous, registry)
    assert set(mapping.values()) == {"CU_OLD"} and added.empty
    assert events[["kind", "customer_id", "other_id"]].values.tolist() == [["merge", "CU_OLD", "CU_NEW"]]
    assert aliases.values.tolist() == [["CU_NEW", "CU_OLD"]]


def test_a_split_leaves_the_id_with_the_larger_part_and_gives_the_rest_a_new_one():
    previous = pd.DataFrame({"node_key": ["customer_no:1", "id:A", "ebank_user:U", "customer_no:2", "card:K"],
                             "customer_id": ["CU1"] * 5})
    registry = pd.DataFrame({"customer_id": ["CU1"], "created_on": ["2026-01-01"]})
    # the record that joined customer 2 was corrected: 2 and its card stand alone now
    mapping, added, events, aliases = _resolve(
        [("customer_no:1", "id:A"), ("ebank_user:U", "customer_no:1"), ("customer_no:2", "card:K")],
        previous, registry)
    assert mapping["customer_no:1"] == mapping["id:A"] == "CU1"
    assert mapping["customer_no:2"] == mapping["card:K"] == _new_id("customer_no:2")
    assert events[["kind", "customer_id", "other_id", "identifiers"]].values.tolist() == [
        ["split", "CU1", _new_id("customer_no:2"), 2]]
    assert aliases.empty and list(added["customer_id"]) == [_new_id("customer_no:2")]


def test_ids_stay_put_when_nothing_changes():
    previous = pd.DataFrame({"node_key": ["customer_no:1", "id:A"], "customer_id": ["CU_KEPT", "CU_KEPT"]})
    registry = pd.DataFrame({"customer_id": ["CU_KEPT"], "created_on": ["2026-01-01"]})
    mapping, added, events, _ = _resolve([("customer_no:1", "id:A")], previous, registry)
    assert set(mapping.values()) == {"CU_KEPT"} and added.empty and events.empty
