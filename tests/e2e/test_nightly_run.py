"""The nightly DAG end to end with dag.test(): simulated bank in, CRM lead file out."""

import datetime as dt
import hashlib
import os
import shutil

import pytest

from conftest import FIRST_DATE, run_sql
from ruralops.exchange.batchfile import Control, control_path, md5_of, write_batch
from ruralops.exchange.contracts import all_publications, contract
from ruralops.orchestrate.airflow_env import run_date
from ruralops.report import run_summary

pytestmark = pytest.mark.e2e
RUN_DATE = FIRST_DATE + dt.timedelta(days=2)  # the third simulated date: 30-day window has history


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setenv("RURALOPS_OUTBOX_DIR", str(folder))
    return folder


@pytest.fixture
def landing_dir(monkeypatch, fresh_landing):
    monkeypatch.setenv("RURALOPS_LANDING_DIR", str(fresh_landing))
    return fresh_landing


def _crm_file(outbox, day):
    layout = all_publications()["crm__leads"]
    return layout.folder(outbox, day) / layout.file_name(day)


def _table_digest(warehouse, table, day):
    """Digest of a date's rows, all columns but the load timestamp."""
    row = "(to_jsonb(t) - 'loaded_at')::text"
    rows = run_sql(warehouse, f"select md5(string_agg({row}, ',' order by {row})), count(*)"
                              f" from {table} t where business_date = %s", (day,))
    return rows[0]


def test_a_date_runs_end_to_end_and_the_crm_file_matches_the_lead_mart(warehouse, landing_dir, outbox):
    for day in (FIRST_DATE, FIRST_DATE + dt.timedelta(days=1)):
        assert run_date(warehouse, day) == "success"
    assert run_date(warehouse, RUN_DATE) == "success"

    crm = _crm_file(outbox, RUN_DATE)
    control = Control.parse(control_path(crm).read_bytes())
    assert control.md5 == md5_of(crm) and crm.with_suffix(".ok").exists()
    lines = crm.read_bytes().decode("gbk").splitlines()
    assert control.record_count == len(lines) > 0
    mart = run_sql(warehouse, "select lead_id, customer_no, mobile_masked, lead_score from marts.fct_lead"
                              " where business_date = %s", (RUN_DATE,))
    from_file = {tuple(f[i] for i in (0, 4, 6, 8)) for f in (line.split("|") for line in lines)}
    assert from_file == {(a, b, c or "", str(d)) for a, b, c, d in mart}  # no mobile: empty field

    summary = run_summary.load(warehouse, RUN_DATE)
    assert summary["status"] == "success"
    assert summary["rows"]["leads (date)"] == len(lines)
    assert summary["gates"]["raw"]["passed"] and summary["gates"]["leads"]["passed"]
    assert summary["published"]["rows"] == len(lines)


def test_running_a_date_twice_gives_the_same_tables_and_a_byte_identical_crm_file(warehouse, landing_dir, outbox):
    assert run_date(warehouse, RUN_DATE) == "success"
    crm = _crm_file(outbox, RUN_DATE)
    first_bytes = crm.read_bytes()
    first_tables = {t: _table_digest(warehouse, t, RUN_DATE)
                    for t in ("raw.core__transactions", "staging.stg_core__transactions",
                              "tags.fct_customer_tag", "marts.fct_lead")}
    shutil.rmtree(outbox)  # the second run must write the file again from the warehouse alone

    assert run_date(warehouse, RUN_DATE) == "success"
    assert crm.read_bytes() == first_bytes
    for table, digest in first_tables.items():
        assert _table_digest(warehouse, table, RUN_DATE) == digest, table
    attempts = run_summary.load(warehouse, RUN_DATE)["attempts"]
    assert attempts >= 2

    assert run_date(warehouse, RUN_DATE) == "success"  # and once more with the file in place
    outcomes = run_sql(warehouse, "select outcome from ops.publish_log where business_date = %s"
                                  " order by published_at desc limit 1", (RUN_DATE,))
    assert outcomes == [("unchanged",)]


def test_a_failing_gate_stops_publishing_and_the_summary_names_the_expectation(warehouse, landing_dir, outbox):
    day = FIRST_DATE + dt.timedelta(days=1)
    c = contract("core__accounts")
    data = c.folder(landing_dir, day) / c.file_name(day)
    lines = data.read_bytes().split(b"\n")[:-1]
    duplicated = lines + lines[:50]  # the same accounts delivered twice in one snapshot
    write_batch(data, b"\n".join(duplicated) + b"\n", len(duplicated), day)

    assert run_date(warehouse, day) == "failed"

    assert not _crm_file(outbox, day).exists()
    summary = run_summary.load(warehouse, day)
    assert summary["status"] == "failed"
    assert summary["stages"]["gate_raw"]["status"] == "failed"
    assert summary["stages"]["publish_crm"]["status"] == "not run"
    [failure] = summary["gates"]["raw"]["failed_critical"]
    assert failure["asset"] == "raw.core__accounts"
    assert failure["expectation"] == "expect_column_values_to_be_unique(account_no)"
    assert "An account number appears once" in run_summary.render(summary)
