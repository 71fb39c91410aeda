"""The nightly incremental resolve gives exactly what a full resolve of the same night gives.

Day 1 is resolved in full. Day 2's graph is built from the simulated files, then the day is
made eventful by hand in the edge table: a record corrected so it no longer shares anything
(a split), a loan application typing one person's ID with another's mobile (a mobile newly
over its limit), a family mobile whose other holders stopped re-stating it (freed), and a
steward's approved merge. The incremental run and a full run from the same starting state must
write the same identifier map, registry, change events and limit hits. Likewise the nightly
merge-suggestion matcher, which scores only the pairs of changed records, must queue what a full
match of the same night queues.
"""

import datetime as dt

import pytest

from conftest import FIRST_DATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.identity.resolve import resolve
from ruralops.identity.suggest import decide, refresh
from ruralops.warehouse.dbt_build import _build_tag, build_layer

pytestmark = pytest.mark.integration
DAY1, DAY2 = FIRST_DATE, FIRST_DATE + dt.timedelta(days=1)
STATE = ("identifier_map", "registry", "changes", "limit_hits", "resolve_runs")
SNAPSHOT_RULES = "('core_record','core_id','core_mobile','card_owner','ebank_record','ebank_customer'," \
                 "'ebank_mobile','ebank_device','wealth_record','wealth_id')"


def _one(warehouse, sql, params=None):
    rows = run_sql(warehouse, sql, params)
    assert rows, f"the simulated bank has no case for: {sql}"
    return rows[0]


BRIDGE_MOBILE_OF: list[str] = []


def _add_bridged_ebank_user(warehouse) -> None:
    """Day 1: an e-banking user (TESTB) whose only tie to its customer is a mobile."""
    (mobile,) = _one(warehouse, """
        select right_key from identity.int_identity__edges where right_type = 'mobile' group by right_key
        having count(*) = 1 and bool_and(rule = 'core_mobile') order by right_key limit 1""")
    BRIDGE_MOBILE_OF[:] = [mobile]
    run_sql(warehouse, """
        insert into identity.int_identity__edges (left_key, left_type, right_key, right_type, rule, source,
                                                  first_seen, last_seen)
        values ('ebank_user:TESTB', 'ebank_user', 'ebank_user:TESTB', 'ebank_user', 'ebank_record', 'ebank', %(d)s, %(d)s),
               ('ebank_user:TESTB', 'ebank_user', %(m)s, 'mobile', 'ebank_mobile', 'ebank', %(d)s, %(d)s)""",
            {"d": DAY1, "m": mobile})


def _make_day_two_eventful(warehouse) -> None:
    # split: the second customer number of a two-number customer stops sharing anything
    (second,) = _one(warehouse, """
        select max(node_key) from identity.identifier_map where node_type = 'customer_no'
        group by customer_id having count(*) = 2 order by customer_id limit 1""")
    run_sql(warehouse, f"update identity.int_identity__edges set last_seen = %s where rule in {SNAPSHOT_RULES}"
                       " and %s in (left_key, right_key) and left_key <> right_key", (DAY1, second))
    # newly cut: an application types person P's ID number and the bridge mobile of another person
    # (its e-banking user hangs on that mobile alone, so the user splits off as well)
    (p_id,) = _one(warehouse, """
        select node_key from identity.identifier_map where node_type = 'id' and customer_id not in
            (select customer_id from identity.identifier_map where node_key in (%s, %s, 'ebank_user:TESTB'))
        order by customer_id limit 1""", (second, BRIDGE_MOBILE_OF[0]))
    run_sql(warehouse, "update identity.int_identity__edges set last_seen = %s, previous_seen = %s"
                       " where left_key = 'ebank_user:TESTB'", (DAY2, DAY1))  # re-stated today
    run_sql(warehouse, """
        insert into identity.int_identity__edges (left_key, left_type, right_key, right_type, rule, source,
                                                  first_seen, last_seen)
        values ('application:TEST1', 'application', 'application:TEST1', 'application', 'loan_record', 'loan', %(d)s, %(d)s),
               ('application:TEST1', 'application', %(id)s, 'id', 'loan_id', 'loan', %(d)s, %(d)s),
               ('application:TEST1', 'application', %(mobile)s, 'mobile', 'loan_mobile', 'loan', %(d)s, %(d)s)""",
            {"d": DAY2, "id": p_id, "mobile": BRIDGE_MOBILE_OF[0]})
    # freed: a family mobile cut yesterday keeps only one core record (no event edges touch it)
    (family,) = _one(warehouse, """
        select h.node_key from identity.limit_hits h where h.business_date = %s and h.limit_name = 'mobile over 1 id'
          and not exists (select 1 from identity.int_identity__edges e where h.node_key in (e.left_key, e.right_key)
                          and e.rule not in ('core_mobile', 'ebank_mobile'))
        order by h.node_key limit 1""", (DAY1,))
    run_sql(warehouse, f"""
        update identity.int_identity__edges set last_seen = %(d1)s where rule in {SNAPSHOT_RULES}
          and %(m)s in (left_key, right_key) and left_key <> (
              select min(left_key) from identity.int_identity__edges where right_key = %(m)s and rule = 'core_mobile')""",
            {"d1": DAY1, "m": family})
    # a steward approves merging two customers
    left, right = _one(warehouse, """
        select min(node_key), max(node_key) from identity.identifier_map where node_type = 'customer_no'
          and customer_id in (select customer_id from identity.identifier_map where node_type = 'customer_no'
                              group by customer_id having count(*) = 1 order by customer_id desc limit 2)""")
    decide(warehouse, left.split(":", 1)[1], right.split(":", 1)[1], "approved", "test steward")


def _state(warehouse) -> dict:
    return {
        "map": set(run_sql(warehouse, "select node_key, node_type, customer_id from identity.identifier_map")),
        "registry": set(run_sql(warehouse, "select customer_id, anchor, created_on, merged_into, merged_on"
                                           " from identity.registry")),
        "changes": sorted(run_sql(warehouse, "select kind, customer_id, coalesce(other_id, ''), identifiers"
                                             " from identity.changes where business_date = %s", (DAY2,))),
        "hits": set(run_sql(warehouse, "select node_key, limit_name, observed, edges_cut from identity.limit_hits"
                                       " where business_date = %s", (DAY2,))),
    }


@pytest.fixture(scope="module")
def day_two(warehouse, landing, tmp_path_factory):
    for day in (DAY1, DAY2):
        collect_date(warehouse, day, landing, tmp_path_factory.mktemp("q"))
        build_layer(warehouse, "staging", day)
    run_sql(warehouse, "drop schema identity cascade")  # a bank whose history starts on DAY1
    _build_tag(warehouse, "identity_graph", DAY1, full_refresh=True)
    _add_bridged_ebank_user(warehouse)
    assert resolve(warehouse, DAY1).full_reason == "first run"
    _build_tag(warehouse, "identity_graph", DAY2, full_refresh=False)
    _make_day_two_eventful(warehouse)
    run_sql(warehouse, "drop schema if exists identity_before cascade; create schema identity_before;"
            + "".join(f"create table identity_before.{t} as table identity.{t};" for t in STATE))
    yield
    run_sql(warehouse, "drop schema identity_before cascade;"
                       " delete from identity.merge_decisions where decided_by = 'test steward'")


def _restore(warehouse) -> None:
    run_sql(warehouse, "".join(f"truncate identity.{t}; insert into identity.{t} select * from identity_before.{t};"
                               for t in STATE))


def test_the_incremental_resolve_equals_a_full_one_through_splits_cuts_and_merges(warehouse, day_two):
    _restore(warehouse)
    incremental = resolve(warehouse, DAY2)
    assert incremental.full_reason is None, incremental.line()
    total = incremental.identifiers
    assert 0 < incremental.re_resolved < 0.25 * total
    assert incremental.newly_cut >= 1 and incremental.newly_freed >= 1
    assert {"merge", "split"} <= set(incremental.events), incremental.line()
    after_incremental = _state(warehouse)
    owner = dict((key, cid) for key, _, cid in after_incremental["map"])
    bridged_customer_no = run_sql(warehouse, "select left_key from identity.int_identity__edges"
                                             " where right_key = %s and rule = 'core_mobile'", (BRIDGE_MOBILE_OF[0],))
    assert BRIDGE_MOBILE_OF[0] not in owner and owner["ebank_user:TESTB"] != owner[bridged_customer_no[0][0]]

    _restore(warehouse)
    full = resolve(warehouse, DAY2, full=True)
    assert full.full_reason == "full resolve asked"
    assert _state(warehouse) == after_incremental


def test_a_second_run_of_the_same_date_or_an_earlier_one_resolves_everything(warehouse, day_two):
    _restore(warehouse)
    assert resolve(warehouse, DAY2).full_reason is None
    again = resolve(warehouse, DAY2)
    assert again.full_reason == f"the last run resolved {DAY2}, not the day before"
    earlier = resolve(warehouse, DAY1)
    assert earlier.full_reason == f"the last run resolved {DAY2}, not the day before"
    assert resolve(warehouse, DAY2).full_reason == f"a later date ({DAY2}) was resolved before"
    runs = run_sql(warehouse, "select mode, reason from identity.resolve_runs order by run_id")
    assert runs[-4:-2] == [("incremental", None), ("full", again.full_reason)]


def _queue(warehouse) -> set:
    return set(run_sql(warehouse, "select left_customer_no, right_customer_no, left_customer_id, right_customer_id,"
                                  " score from identity.merge_suggestions"))


def _copy_person(warehouse, day, source, target) -> None:
    """On ``day``, re-key customer ``target`` as a near copy of ``source``: same name, birth date
    and address, the ID number one digit apart, its own mobile."""
    run_sql(warehouse, """
        update raw.core__customers t set customer_name = s.customer_name, birth_date = s.birth_date,
               address = s.address,
               id_no = overlay(s.id_no placing case when substr(s.id_no, 15, 1) = '9' then '8' else '9' end from 15 for 1)
        from raw.core__customers s
        where s.business_date = %(d)s and t.business_date = %(d)s and s.customer_no = %(s)s and t.customer_no = %(t)s""",
            {"d": day, "s": source, "t": target})


def test_the_nightly_matcher_scores_only_changed_records_and_queues_what_a_full_match_queues(warehouse, day_two):
    _restore(warehouse)
    run_sql(warehouse, "truncate identity.merge_suggestions, identity.match_runs")
    # six single-number customers on both days, with 18-digit ID numbers
    people = [row[0] for row in run_sql(warehouse, """
        select c.customer_no from raw.core__customers c
        join raw.core__customers p on p.customer_no = c.customer_no and p.business_date = %(d1)s
        join identity.identifier_map m on m.node_key = 'customer_no:' || c.customer_no
        where c.business_date = %(d2)s and length(c.id_no) = 18 and m.customer_id in (
            select customer_id from identity.identifier_map where node_type = 'customer_no'
            group by customer_id having count(*) = 1)
        order by m.customer_id limit 6""", {"d1": DAY1, "d2": DAY2})]
    assert len(people) == 6
    a, b, c, d, e, f = people
    ab, cd, ef = (tuple(sorted(pair)) for pair in ((a, b), (c, d), (e, f)))  # the queue orders each pair
    saved = run_sql(warehouse, "select customer_name, birth_date, id_no, address, business_date, customer_no"
                               " from raw.core__customers where customer_no = any(%s)", (people,))
    try:
        _copy_person(warehouse, DAY1, c, d)   # a pair on both days: suggested on day 1, carried
        _copy_person(warehouse, DAY2, c, d)
        _copy_person(warehouse, DAY1, e, f)   # a pair on day 1 only: f is corrected on day 2
        assert refresh(warehouse, DAY1).full_reason == "first run"
        day_one = {(left, right) for left, right, *_ in _queue(warehouse)}
        assert {cd, ef} <= day_one
        assert resolve(warehouse, DAY2).full_reason is None
        _copy_person(warehouse, DAY2, a, b)   # new tonight

        nightly = refresh(warehouse, DAY2)
        assert nightly.full_reason is None and 0 < nightly.compared < 0.25 * nightly.records, nightly.line()
        queued = _queue(warehouse)
        pairs = {(left, right) for left, right, *_ in queued}
        assert ab in pairs and cd in pairs and ef not in pairs
        assert run_sql(warehouse, "select business_date from identity.merge_suggestions"
                                  " where left_customer_no = %s and right_customer_no = %s", cd) == [(DAY1,)]
        full = refresh(warehouse, DAY2, full=True)
        assert full.full_reason == "asked" and full.compared == full.records
        assert _queue(warehouse) == queued
        runs = run_sql(warehouse, "select mode, compared < records from identity.match_runs order by run_id")
        assert runs == [("full", False), ("incremental", True), ("full", False)]
    finally:
        run_sql(warehouse, "update raw.core__customers c set customer_name = v.name, birth_date = v.birth, id_no = v.id_no,"
                           " address = v.address from unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::date[],"
                           " %s::text[]) as v(name, birth, id_no, address, day, customer_no)"
                           " where c.business_date = v.day and c.customer_no = v.customer_no",
                [list(column) for column in zip(*saved)])
