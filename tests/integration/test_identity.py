"""Identity resolution on the simulated bank, in the real warehouse."""

import datetime as dt

import pandas as pd
import pytest
from stdnum.cn import ric

from conftest import FIRST_DATE, TEST_STATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.identity.explain import NotFound, explain
from ruralops.warehouse.dbt_build import DbtBuildFailed, build_layer

pytestmark = pytest.mark.integration
DAY = FIRST_DATE


@pytest.fixture(scope="module")
def resolved(warehouse, landing, tmp_path_factory):
    collect_date(warehouse, DAY, landing, tmp_path_factory.mktemp("q"))
    build_layer(warehouse, "staging", DAY)
    run_sql(warehouse, "drop schema if exists identity cascade")  # a bank whose history starts on DAY
    build_layer(warehouse, "identity", DAY, full_refresh=True)
    return DAY


def _stdnum_18(value: str) -> str | None:
    """python-stdnum's check digit on the number widened to 18 digits, None when it fails.
    (Only the check digit: stdnum's validate also wants a region code it knows.)"""
    compact = ric.compact(value).upper()
    if len(compact) == 15 and compact.isdigit():
        body = compact[:6] + "19" + compact[6:]
        compact = body + ric.calc_check_digit(body + "?")  # stdnum wants a placeholder check digit
    ok = len(compact) == 18 and compact[:17].isdigit() and ric.calc_check_digit(compact) == compact[17]
    return compact if ok else None


def test_id_numbers_normalise_as_python_stdnum_reads_them(warehouse, resolved):
    rows = run_sql(warehouse, "select id_no, ops.id_no_18(id_no) from raw.core__customers"
                              " where business_date = %s and id_no is not null", (DAY,))
    assert any(len(raw) == 15 for raw, _ in rows) and any(raw.endswith("x") for raw, _ in rows)
    mismatches = [(raw, ours) for raw, ours in rows if ours != _stdnum_18(raw)]
    assert mismatches == []
    assert run_sql(warehouse, "select ops.id_no_18('11010519491231002x'), ops.id_no_18('110105491231002'),"
                              " ops.id_no_18('110105194912310021'), ops.is_luhn('6222021234567890123'),"
                              " ops.is_luhn('4539578763621486')") == [
        ("11010519491231002X", "11010519491231002X", None, False, True)]


def test_a_person_with_two_customer_numbers_is_one_customer_and_explain_shows_why(warehouse, resolved):
    keys = pd.read_csv(TEST_STATE / "truth" / "keys.csv", dtype=str)
    numbers = keys[keys["key_type"] == "customer_no"]
    twice = numbers.groupby("person_id")["key_value"].apply(list)
    twice = twice[twice.str.len() == 2]
    ids = dict(run_sql(warehouse, "select customer_no, customer_id from identity.int_identity__customers"))
    joined = [pair for pair in twice if pair[0] in ids and ids[pair[0]] == ids.get(pair[1])]
    assert len(joined) >= 0.8 * len(twice) > 0  # the rest carry an ID typo: suggestions, not merges
    first, second = joined[0]
    text = explain(warehouse, first)
    assert text.startswith(f"customer {ids[first]} (asked: {first})")
    assert f"customer_no:{first}" in text and f"customer_no:{second}" in text
    assert "rule core_id (core)" in text and f"seen {DAY}" in text
    assert explain(warehouse, ids[first]).splitlines()[1:] == text.splitlines()[1:]


def test_a_family_shared_mobile_is_kept_out_and_explained(warehouse, resolved):
    [(node_key, observed)] = run_sql(warehouse, "select node_key, observed from identity.limit_hits"
                                                " where business_date = %s and limit_name = 'mobile over 1 id'"
                                                " order by node_key limit 1", (DAY,))
    assert observed >= 2
    assert run_sql(warehouse, "select count(*) from identity.identifier_map where node_key = %s", (node_key,)) == [(0,)]
    [(customer_no,)] = run_sql(warehouse, "select e.left_key from identity.int_identity__edges e"
                                          " where e.right_key = %s and e.rule = 'core_mobile' limit 1", (node_key,))
    assert "kept out by limits:" in explain(warehouse, customer_no.split(":", 1)[1])
    with pytest.raises(NotFound, match="no customer or identifier matches"):
        explain(warehouse, "no-such-thing")


def test_ids_survive_a_full_rebuild_and_an_empty_registry_rebuilds_the_same_ids(warehouse, resolved):
    current = dict(run_sql(warehouse, "select node_key, customer_id from identity.identifier_map"))
    build_layer(warehouse, "identity", DAY, full_refresh=True)  # dbt rebuilt, registry kept
    assert dict(run_sql(warehouse, "select node_key, customer_id from identity.identifier_map")) == current

    def from_scratch() -> dict:
        run_sql(warehouse, "drop table identity.identifier_map, identity.registry, identity.changes,"
                           " identity.limit_hits")
        build_layer(warehouse, "identity", DAY, full_refresh=True)
        return dict(run_sql(warehouse, "select node_key, customer_id from identity.identifier_map"))

    before = from_scratch()
    after = from_scratch()
    assert after == before and len(after) > 1000
    [(kinds,)] = run_sql(warehouse, "select string_agg(distinct kind, ',') from identity.changes")
    assert kinds == "new"


def test_the_golden_record_is_one_row_per_customer_with_its_sources(warehouse, resolved):
    for layer in ("features", "tags", "marts"):
        build_layer(warehouse, layer, DAY)
    [(rows, customers, sources)] = run_sql(
        warehouse, "select count(*), count(distinct customer_id), string_agg(distinct mobile_source, ',')"
                   " from marts.dim_customer")
    assert rows == customers and set(sources.split(",")) == {"core", "ebank"}
    [(merged,)] = run_sql(warehouse, "select count(*) from marts.dim_customer where customer_no_count > 1")
    assert merged > 0


def _typo_twin(warehouse, source_no: str, new_no: str) -> None:
    """A second core record of the same person: new customer number, the ID with one digit
    mistyped (check digit fails, so it cannot link), another mobile — no strong identifier."""
    run_sql(warehouse, """
        insert into raw.core__customers
        select business_date, batch_id, source_file, line_number + 100000, %(new)s, customer_name, id_type,
               overlay(id_no placing case when substr(id_no, 15, 1) = '9' then '0' else
                      (substr(id_no, 15, 1)::int + 1)::text end from 15 for 1),
               gender, birth_date, '13700000' || right(%(new)s, 3), address, branch_code, open_date,
               customer_type, status, loaded_at
        from raw.core__customers where business_date = %(day)s and customer_no = %(old)s""",
            {"new": new_no, "old": source_no, "day": DAY})


def test_a_suggestion_merges_once_approved_and_a_rejected_one_never_comes_back(warehouse, resolved):
    from ruralops.identity.suggest import decide, pending

    customers = [no for (no,) in run_sql(warehouse, "select customer_no from raw.core__customers where"
                                                    " business_date = %s and length(id_no) = 18 and status = 'A'"
                                                    " order by customer_no limit 2", (DAY,))]
    _typo_twin(warehouse, customers[0], "990000000001")
    _typo_twin(warehouse, customers[1], "990000000002")
    try:
        build_layer(warehouse, "staging", DAY)
        build_layer(warehouse, "identity", DAY)
        queue = pending(warehouse)
        pairs = set(zip(queue["left_customer_no"], queue["right_customer_no"]))
        assert {(customers[0], "990000000001"), (customers[1], "990000000002")} <= pairs
        ids = dict(run_sql(warehouse, "select customer_no, customer_id from identity.int_identity__customers"))
        assert ids[customers[0]] != ids["990000000001"]  # suggested, not merged

        with pytest.raises(LookupError, match="must both be resolved core customer numbers"):
            decide(warehouse, customers[0], "990000009999", "approved", "steward 王")  # no such customer
        decide(warehouse, "990000000001", customers[0], "approved", "steward 王")
        decide(warehouse, customers[1], "990000000002", "rejected", "steward 王")
        build_layer(warehouse, "identity", DAY)
        ids = dict(run_sql(warehouse, "select customer_no, customer_id from identity.int_identity__customers"))
        assert ids[customers[0]] == ids["990000000001"]
        assert ids[customers[1]] != ids["990000000002"]
        queue = pending(warehouse)
        assert (customers[1], "990000000002") not in set(zip(queue["left_customer_no"], queue["right_customer_no"]))
        [(kind, survivor)] = run_sql(warehouse, "select kind, customer_id from identity.changes where kind = 'merge'"
                                                " and (customer_id = %s or other_id = %s)",
                                     (ids[customers[0]], ids[customers[0]]))
        assert survivor == ids[customers[0]]
        text = explain(warehouse, customers[0])
        assert f"customer_no:{min(customers[0], '990000000001')} -- customer_no:{max(customers[0], '990000000001')}" \
               f"  approved by steward 王" in text and "(rule steward_merge)" in text
    finally:
        run_sql(warehouse, "delete from raw.core__customers where customer_no like '99000000000%%'")
        run_sql(warehouse, "delete from identity.merge_decisions")
        build_layer(warehouse, "staging", DAY)
        build_layer(warehouse, "identity", DAY)


def test_the_graph_keeps_one_row_per_pair_and_a_duplicate_fails_the_layer(warehouse, resolved):
    [(rows, pairs)] = run_sql(warehouse, "select count(*), count(distinct (left_key, right_key, rule))"
                                         " from identity.int_identity__edges")
    assert rows == pairs > 0
    run_sql(warehouse, "insert into identity.int_identity__edges select * from identity.int_identity__edges"
                       " where rule = 'core_id' order by left_key limit 1")
    try:
        with pytest.raises(DbtBuildFailed, match="unique_key_int_identity__edges"):
            build_layer(warehouse, "identity", DAY)  # the duplicate is carried into tonight's graph
    finally:
        build_layer(warehouse, "identity", DAY, full_refresh=True)
    [(rows, pairs)] = run_sql(warehouse, "select count(*), count(distinct (left_key, right_key, rule))"
                                         " from identity.int_identity__edges")
    assert rows == pairs > 0  # the rebuild of the date alone dropped the duplicate


def test_the_graph_carries_pairs_a_date_does_not_state_and_when_each_was_seen(warehouse, resolved):
    from ruralops.warehouse.dbt_build import _build_tag

    days = [DAY - dt.timedelta(days=n) for n in range(11)]
    # as if core mobiles were last stated 3 days ago (and 4 before that), and one pair of a
    # rule the sources no longer state was seen 10 to 8 days ago
    run_sql(warehouse, "update identity.int_identity__edges set first_seen = %s, last_seen = %s, previous_seen = %s"
                       " where rule = 'core_mobile'", (days[5], days[3], days[4]))
    run_sql(warehouse, "update identity.int_identity__edges set rule = 'core_id_retired', first_seen = %s,"
                       " last_seen = %s, previous_seen = null where ctid = (select min(ctid)"
                       " from identity.int_identity__edges where rule = 'core_id')", (days[10], days[8]))
    try:
        _build_tag(warehouse, "identity_graph", DAY, False)
        seen = run_sql(warehouse, "select rule, first_seen, last_seen, previous_seen, count(*)"
                                  " from identity.int_identity__edges where rule = 'core_id_retired' or (rule = 'core_mobile'"
                                  " and left_key in (select 'customer_no:' || customer_no from staging.stg_core__customers))"
                                  " group by 1, 2, 3, 4 order by 1")
        [(mobiles,)] = run_sql(warehouse, "select count(*) from staging.stg_core__customers"
                                          " where mobile_token is not null and is_mobile_valid")
        # a pair re-stated after a gap keeps first_seen, gets last_seen today and previous_seen
        # its last sighting; a pair the date does not state is carried as it was
        assert seen[0] == ("core_id_retired", days[10], days[8], None, 1)
        assert seen[1][:4] == ("core_mobile", days[5], DAY, days[3]) and len(seen) == 2
        assert 0 < seen[1][4] <= mobiles
    finally:
        build_layer(warehouse, "identity", DAY, full_refresh=True)
