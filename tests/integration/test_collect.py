"""Collection against the real Postgres: every line accounted for, bad files quarantined."""

import datetime as dt

import pytest

from conftest import FIRST_DATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.exchange.batchfile import write_batch
from ruralops.exchange.contracts import contract

pytestmark = pytest.mark.integration


def _audit(warehouse, source, day):
    return run_sql(warehouse,
                   "select status, lines_read, rows_loaded, rows_rejected, reason from ops.load_audit"
                   " where source = %s and business_date = %s order by recorded_at desc limit 1",
                   (source, day))[0]


def test_a_clean_date_loads_every_line_and_a_rerun_does_not_duplicate(warehouse, fresh_landing, tmp_path):
    day = FIRST_DATE
    first = collect_date(warehouse, day, fresh_landing, tmp_path / "q")
    again = collect_date(warehouse, day, fresh_landing, tmp_path / "q")
    assert [o.status for o in first] == ["loaded"] * len(first) and len(first) == 14
    for outcome in again:
        table = contract(outcome.source).raw_table
        count = run_sql(warehouse, f"select count(*) from {table} where business_date = %s", (day,))[0][0]
        assert count == outcome.rows_loaded > 0
        status, read, loaded, rejected, _ = _audit(warehouse, outcome.source, day)
        assert (status, read) == ("loaded", loaded + rejected)


def test_lineage_columns_point_back_to_the_file_line(warehouse, fresh_landing, tmp_path):
    collect_date(warehouse, FIRST_DATE, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    row = run_sql(warehouse, "select source_file, line_number, account_no from raw.core__accounts"
                             " where business_date = %s order by line_number limit 1", (FIRST_DATE,))[0]
    c = contract("core__accounts")
    first_line = (c.folder(fresh_landing, FIRST_DATE) / c.file_name(FIRST_DATE)).read_bytes().split(b"\n")[0]
    assert row[0] == c.file_name(FIRST_DATE) and row[1] == 1
    assert first_line.decode("gbk").split("|")[0] == row[2]


def test_an_md5_mismatch_quarantines_the_file_and_loads_nothing(warehouse, fresh_landing, tmp_path):
    day = FIRST_DATE + dt.timedelta(days=1)
    c = contract("core__transactions")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    payload = data.read_bytes()
    data.write_bytes(payload[: len(payload) // 2] + b"X" * (len(payload) - len(payload) // 2))
    count_sql = "select count(*) from raw.core__transactions where business_date = %s"
    before = run_sql(warehouse, count_sql, (day,))[0][0]
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__transactions"])
    assert outcome.status == "quarantined" and "MD5" in outcome.reason
    assert (tmp_path / "q" / "core" / day.strftime("%Y%m%d") / data.name).exists()
    assert not data.exists()
    assert run_sql(warehouse, count_sql, (day,))[0][0] == before  # nothing of the bad file loaded
    assert _audit(warehouse, "core__transactions", day)[0] == "quarantined"


def test_bad_lines_are_rejected_with_reasons_and_good_lines_still_load(warehouse, fresh_landing, tmp_path):
    day = FIRST_DATE
    c = contract("core__accounts")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    lines = data.read_bytes().split(b"\n")[:-1]
    lines[1] = lines[1] + b"|surplus"
    lines[2] = b"\xff\xff|not gbk"
    write_batch(data, b"\n".join(lines) + b"\n", len(lines), day)
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    assert (outcome.rows_loaded, outcome.rows_rejected) == (len(lines) - 2, 2)
    reasons = dict(run_sql(warehouse, "select line_number, reason from raw.rejects"
                                      " where source = 'core__accounts' and business_date = %s", (day,)))
    assert reasons == {2: "expected 8 fields, found 9", 3: "not valid GBK"}
    numbers = [n for (n,) in run_sql(warehouse, "select line_number from raw.core__accounts"
                                                " where business_date = %s order by 1", (day,))]
    assert numbers == [1, *range(4, len(lines) + 1)]  # each row keeps its own file line


def test_a_missing_flag_is_recorded_not_skipped(warehouse, fresh_landing, tmp_path):
    day = FIRST_DATE + dt.timedelta(days=2)
    c = contract("ebank__registrations")
    (c.folder(fresh_landing, day) / c.file_name(day)).with_suffix(".ok").unlink()
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["ebank"])
    assert outcome.status == "missing"
    assert outcome.reason.startswith("missing after its deadline 2026-11-04 06:00")
    assert outcome.reason.endswith("data file without its .ok flag")
    assert _audit(warehouse, "ebank__registrations", day)[0] == "missing"


def test_a_record_count_that_disagrees_with_the_control_file_quarantines(warehouse, fresh_landing, tmp_path):
    day = FIRST_DATE
    c = contract("core__customers")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    payload = data.read_bytes()
    write_batch(data, payload, payload.count(b"\n") + 5, day)
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__customers"])
    assert outcome.status == "quarantined" and "records" in outcome.reason


def test_a_fixed_width_card_file_and_the_log_extracts_load(warehouse, fresh_landing, tmp_path):
    outcomes = {o.source: o for o in collect_date(warehouse, FIRST_DATE, fresh_landing, tmp_path / "q",
                                                    sources=["card", "gateway", "track"])}
    cards = outcomes["card__cards"]
    assert cards.status == "loaded" and cards.rows_loaded > 0 and cards.rows_rejected == 0
    [(name, card_no)] = run_sql(warehouse, "select holder_name, card_no from raw.card__cards"
                                           " where business_date = %s and line_number = 1", (FIRST_DATE,))
    assert len(card_no) == 19 and name == name.strip() and name
    for source in ("gateway__access_log", "gateway__app_log", "track__events"):
        outcome = outcomes[source]
        assert outcome.status == "loaded" and outcome.rows_loaded > 0
        status, read, loaded, rejected, _ = _audit(warehouse, source, FIRST_DATE)
        assert (status, read, loaded, rejected) == ("loaded", outcome.lines_read, outcome.rows_loaded,
                                                     outcome.rows_rejected)
        assert read == loaded + rejected
    [(agent, status)] = run_sql(warehouse, "select http_user_agent, status from raw.gateway__access_log"
                                           " where business_date = %s and line_number = 1", (FIRST_DATE,))
    assert agent.startswith("RuralBank/") and status.isdigit()
