"""Gates and dbt tests are real checks: each passes on clean data and trips on a bad case."""

import datetime as dt

import pytest

from conftest import FIRST_DATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.exchange.batchfile import write_batch
from ruralops.exchange.contracts import contract
from ruralops.quality.gates import GateFailed, enforce, load_gate, run_gate
from ruralops.warehouse.dbt_build import LAYERS, DbtBuildFailed, build_layer

pytestmark = pytest.mark.integration
GATE_DATE = FIRST_DATE + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def built_date(warehouse, landing, tmp_path_factory):
    """GATE_DATE collected and built through every dbt layer, from clean files."""
    collect_date(warehouse, GATE_DATE, landing, tmp_path_factory.mktemp("q"))
    for layer in LAYERS:
        build_layer(warehouse, layer, GATE_DATE)
    return GATE_DATE


def test_every_declared_expectation_is_checked_and_stored(warehouse, built_date):
    result = run_gate(warehouse, "raw", built_date)
    declared = sum(len(a.expectations) for a in load_gate("raw").assets)
    assert len(result.outcomes) == declared
    assert result.passed, result.describe()
    stored = run_sql(warehouse, "select count(*) from ops.quality_results where gate = 'raw'"
                                " and business_date = %s", (built_date,))[0][0]
    assert stored == declared


def test_the_raw_gate_trips_on_invalid_id_numbers(warehouse, built_date, fresh_landing, tmp_path):
    day = built_date
    c = contract("core__customers")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    lines = data.read_bytes().decode("gbk").split("\n")[:-1]
    broken = []
    for i, line in enumerate(lines):
        fields = line.split("|")
        if i % 10 == 0:
            fields[3] = "ID-UNKNOWN"
        broken.append("|".join(fields))
    write_batch(data, ("\n".join(broken) + "\n").encode("gbk"), len(broken), day)
    collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__customers"])
    try:
        result = run_gate(warehouse, "raw", day)
        assert not result.passed
        [failure] = result.failed_critical
        assert failure.asset == "ops.raw_customer_formats" and failure.column == "id_no_valid"
        with pytest.raises(GateFailed, match="97% of ID numbers"):
            enforce(result)
    finally:
        collect_date(warehouse, day, _clean_landing(), tmp_path / "q2", sources=["core__customers"])


def _clean_landing():
    from conftest import TEST_STATE

    return TEST_STATE / "landing"


def test_the_raw_gate_trips_when_a_critical_table_has_no_rows_for_the_date(warehouse, built_date):
    result = run_gate(warehouse, "raw", dt.date(2030, 1, 1))
    assert not result.passed
    assert any("expect_table_row_count_to_be_between" in f.expectation for f in result.failed_critical)


def test_the_lead_gate_passes_on_the_mart_and_trips_on_a_clear_mobile(warehouse, built_date):
    assert run_gate(warehouse, "leads", built_date).passed
    [(lead_id, masked)] = run_sql(warehouse, "select lead_id, mobile_masked from marts.fct_lead"
                                              " where business_date = %s limit 1", (built_date,))
    run_sql(warehouse, "update marts.fct_lead set mobile_masked = '13812345678' where lead_id = %s", (lead_id,))
    try:
        result = run_gate(warehouse, "leads", built_date)
        assert [f.expectation for f in result.failed_critical] == [
            "expect_column_values_to_match_regex(mobile_masked)" + '{"regex": "^1[3-9][0-9][*]{4}[0-9]{4}$"}']
    finally:
        run_sql(warehouse, "update marts.fct_lead set mobile_masked = %s where lead_id = %s", (masked, lead_id))


def test_a_failing_dbt_test_fails_the_layer_and_names_the_test(warehouse, built_date):
    run_sql(warehouse, "insert into raw.core__accounts select * from raw.core__accounts"
                       " where business_date = %s and line_number = 1", (built_date,))
    try:
        with pytest.raises(DbtBuildFailed, match="unique_stg_core__accounts_account_no"):
            build_layer(warehouse, "staging", built_date)
    finally:
        run_sql(warehouse, "delete from raw.core__accounts where ctid in (select max(ctid) from"
                           " raw.core__accounts where business_date = %s and line_number = 1)", (built_date,))
        build_layer(warehouse, "staging", built_date)


def test_staging_tokenises_pii_and_keeps_clear_values_out(warehouse, built_date):
    [(clear_id, clear_mobile)] = run_sql(warehouse, "select id_no, mobile from raw.core__customers"
                                                    " where business_date = %s limit 1", (built_date,))
    leaks = run_sql(warehouse, """
        select count(*) from staging.stg_core__customers s
        where s::text like '%%' || %s || '%%' or s::text like '%%' || %s || '%%'""",
                    (clear_id, clear_mobile))[0][0]
    assert leaks == 0
    [(tokens,)] = run_sql(warehouse, "select count(distinct id_token) from staging.stg_core__customers")
    [(clear,)] = run_sql(warehouse, "select count(distinct ops.id_no_18(id_no)) from raw.core__customers"
                                    " where business_date = %s", (built_date,))
    assert tokens == clear > 0  # one token per distinct valid ID number: joinable, and nothing collides


def test_a_stale_gx_context_from_an_older_release_does_not_break_the_gate(warehouse, built_date):
    from ruralops.settings import paths

    stale = paths().gx_root / "raw" / "gx" / "validation_definitions"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "raw__raw__core__customers.json").write_text('{"name": "stale", "data": {"batch_definition": "daily"}}')
    (stale / "retired_definition.json").write_text("{}")
    assert run_gate(warehouse, "raw", built_date).passed
    assert "stale" not in (stale / "raw__raw__core__customers.json").read_text()
    assert not (stale / "retired_definition.json").exists()
