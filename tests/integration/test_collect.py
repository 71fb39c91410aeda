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
    assert outcome.reason.startswith("missing at collection (deadline 2026-11-04 06:00)")
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


def _move_delivery(data, folder):
    """Move a data file with its control file and flag into another date's folder."""
    from ruralops.exchange.batchfile import control_path, flag_path

    folder.mkdir(parents=True, exist_ok=True)
    for path in (data, control_path(data), flag_path(data)):
        path.rename(folder / path.name)
    return folder / data.name


def _audit_rows(warehouse, source, day):
    return run_sql(warehouse, "select status, note from ops.load_audit where source = %s and business_date = %s"
                              " order by recorded_at", (source, day))


def test_a_late_file_in_the_next_dates_folder_loads_into_its_own_date(warehouse, fresh_landing, tmp_path):
    day, next_day = FIRST_DATE, FIRST_DATE + dt.timedelta(days=1)
    c = contract("core__accounts")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    _move_delivery(data, c.folder(fresh_landing, next_day))
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    assert outcome.status == "loaded" and outcome.notes == ["late: found in the 20261102 folder"]
    outcomes = collect_date(warehouse, next_day, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    assert [(o.business_date, o.status) for o in outcomes] == [(next_day, "loaded"), (day, "loaded")]
    assert outcomes[1].notes == ["delivered in the 20261102 folder"]
    count = run_sql(warehouse, "select count(*) from raw.core__accounts where business_date = %s", (day,))[0][0]
    assert count == outcome.rows_loaded  # loaded twice, held once


def test_a_corrected_file_delivered_later_replaces_the_bad_one_and_the_audit_shows_both(warehouse, fresh_landing, tmp_path):
    day, next_day = FIRST_DATE + dt.timedelta(days=1), FIRST_DATE + dt.timedelta(days=2)
    c = contract("core__customers")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    good = data.read_bytes()
    data.write_bytes(good[: len(good) * 4 // 5])  # truncated after the control file was written
    [bad] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["core__customers"])
    assert bad.status == "quarantined" and bad.reason.startswith("size ")
    resent = c.folder(fresh_landing, next_day) / data.name
    write_batch(resent, good, good.count(b"\n"), day)
    outcomes = collect_date(warehouse, next_day, fresh_landing, tmp_path / "q", sources=["core__customers"])
    assert [(o.business_date, o.status) for o in outcomes] == [(next_day, "loaded"), (day, "loaded")]
    statuses = [status for status, _ in _audit_rows(warehouse, "core__customers", day)]
    assert statuses[-2:] == ["quarantined", "loaded"]
    [(rows,)] = run_sql(warehouse, "select count(*) from raw.core__customers where business_date = %s", (day,))
    assert rows == good.count(b"\n")


@pytest.mark.parametrize("damage, reason", [
    (lambda data, ctl: ctl.write_bytes(ctl.read_bytes().replace(b"20261101\n", b"20261031\n")),
     "control file is for business date 2026-10-31"),
    (lambda data, ctl: ctl.write_bytes(ctl.read_bytes().replace(b"CORE_ACCT", b"CORE_ACCX")),
     "control file names CORE_ACCX_20261101.dat"),
    (lambda data, ctl: ctl.unlink(), "control file missing"),
    (lambda data, ctl: ctl.write_bytes(b"\xff\xfe garbage"), "unreadable control file"),
    (lambda data, ctl: data.unlink(), "flag present but data file missing"),
])
def test_each_whole_file_failure_quarantines_with_a_clear_reason(warehouse, fresh_landing, tmp_path, damage, reason):
    from ruralops.exchange.batchfile import control_path, flag_path

    c = contract("core__accounts")
    data = c.folder(fresh_landing, FIRST_DATE) / c.file_name(FIRST_DATE)
    damage(data, control_path(data))
    [outcome] = collect_date(warehouse, FIRST_DATE, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    assert outcome.status == "quarantined" and outcome.reason.startswith(reason), outcome.reason
    assert not flag_path(data).exists()  # moved aside with whatever else was there
    assert _audit(warehouse, "core__accounts", FIRST_DATE)[4] == outcome.reason


def test_an_unreadable_gzip_log_is_quarantined_and_a_count_mismatch_loads_nothing(warehouse, fresh_landing, tmp_path):
    import gzip

    day = FIRST_DATE
    c = contract("gateway__access_log")
    data = c.folder(fresh_landing, day) / c.file_name(day)
    collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["gateway__access_log"])
    before = run_sql(warehouse, "select count(*), min(batch_id) from raw.gateway__access_log where business_date = %s", (day,))
    lines = gzip.decompress(data.read_bytes())
    write_batch(data, gzip.compress(lines), lines.count(b"\n") + 1, day)  # one line more than delivered
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["gateway__access_log"])
    assert outcome.status == "quarantined" and "records" in outcome.reason
    assert run_sql(warehouse, "select count(*), min(batch_id) from raw.gateway__access_log"
                              " where business_date = %s", (day,)) == before  # never half a file
    write_batch(data, gzip.compress(lines)[:-20] + b"\0" * 20, lines.count(b"\n"), day)
    [outcome] = collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["gateway__access_log"])
    assert outcome.status == "quarantined" and outcome.reason.startswith("unreadable")
    assert (tmp_path / "q" / "gateway" / "20261101" / "attempt-2" / data.name).exists()  # nothing overwritten


def test_tracking_events_are_deduplicated_within_a_file_and_against_earlier_dates(warehouse, fresh_landing, tmp_path):
    import gzip
    import json

    day, next_day = FIRST_DATE, FIRST_DATE + dt.timedelta(days=1)
    c = contract("track__events")
    first = gzip.decompress((c.folder(fresh_landing, day) / c.file_name(day)).read_bytes()).split(b"\n")[0]
    later = c.folder(fresh_landing, next_day) / c.file_name(next_day)
    lines = gzip.decompress(later.read_bytes()) + first + b"\n"
    write_batch(later, gzip.compress(lines), lines.count(b"\n"), next_day)
    collect_date(warehouse, day, fresh_landing, tmp_path / "q", sources=["track"])
    [outcome] = collect_date(warehouse, next_day, fresh_landing, tmp_path / "q", sources=["track"])
    reasons = dict(run_sql(warehouse, "select line_number, reason from raw.rejects where source = 'track__events'"
                                      " and business_date = %s", (next_day,)))
    event_id = json.loads(first)["event_id"]
    assert reasons[lines.count(b"\n")] == f"already delivered at line 1 of {c.file_name(day)}"
    assert any(r.startswith("repeat of the event at line") for r in reasons.values())  # the simulator's repeats
    assert outcome.lines_read == outcome.rows_loaded + outcome.rows_rejected
    [(copies,)] = run_sql(warehouse, "select count(*) from raw.track__events where event_id = %s", (event_id,))
    [(dupes,)] = run_sql(warehouse, "select count(*) - count(distinct event_id) from raw.track__events"
                                    " where business_date in (%s, %s)", (day, next_day))
    assert (copies, dupes) == (1, 0)


def test_an_empty_file_loads_as_an_empty_date(warehouse, fresh_landing, tmp_path):
    c = contract("crm__contacts")
    data = c.folder(fresh_landing, FIRST_DATE) / c.file_name(FIRST_DATE)
    write_batch(data, b"", 0, FIRST_DATE)
    [outcome] = collect_date(warehouse, FIRST_DATE, fresh_landing, tmp_path / "q", sources=["crm__contacts"])
    assert (outcome.status, outcome.lines_read, outcome.rows_loaded) == ("loaded", 0, 0)
    assert run_sql(warehouse, "select count(*) from raw.crm__contacts where business_date = %s", (FIRST_DATE,)) == [(0,)]


def test_the_cli_collects_a_date_with_progress_and_a_summary(warehouse, landing, capsys):
    from ruralops.cli.main import main

    assert main(["collect", "--date", FIRST_DATE.isoformat(), "--source", "core"]) == 0
    out = capsys.readouterr().out
    assert "core__transactions     loaded" in out
    assert "3 file(s): 3 loaded;" in out and "lines rejected (see raw.rejects)" in out


def test_raw_tables_are_partitioned_carry_lineage_and_only_ever_gain_columns(warehouse):
    import dataclasses

    from ruralops.collect.raw_tables import LINEAGE_COLUMNS, ensure_table
    from ruralops.db.connection import transaction
    from ruralops.exchange.contracts import Column

    base = contract("crm__optouts")
    c = dataclasses.replace(base, name="crm__ddl_probe")
    run_sql(warehouse, "drop table if exists raw.crm__ddl_probe cascade;"
                       " drop table if exists raw.crm__ddl_probe__unpartitioned;"
                       " create table raw.crm__ddl_probe (customer_no text); insert into raw.crm__ddl_probe values ('kept')")
    with transaction(warehouse) as conn, conn.cursor() as cur:
        ensure_table(cur, c)  # an old unpartitioned table is kept aside, not dropped
        grown = dataclasses.replace(c, columns=c.columns + (Column("channel", "text", "new column"),))
        ensure_table(cur, grown)
    columns = [name for (name,) in run_sql(
        warehouse, "select column_name from information_schema.columns where table_schema = 'raw'"
                   " and table_name = 'crm__ddl_probe' order by ordinal_position")]
    assert columns == [*LINEAGE_COLUMNS, *base.column_names, "loaded_at", "channel"]
    assert run_sql(warehouse, "select relkind from pg_class where relname = 'crm__ddl_probe'") == [("p",)]
    assert run_sql(warehouse, "select * from raw.crm__ddl_probe__unpartitioned") == [("kept",)]
    run_sql(warehouse, "drop table raw.crm__ddl_probe; drop table raw.crm__ddl_probe__unpartitioned")
