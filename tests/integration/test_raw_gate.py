"""Every expectation of the raw gate's collection and format checks has a case that trips it."""

import datetime as dt

import pytest

from conftest import FIRST_DATE, TEST_STATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.exchange.batchfile import write_batch
from ruralops.exchange.contracts import contract
from ruralops.quality.gates import run_gate

pytestmark = pytest.mark.integration
DAY = FIRST_DATE + dt.timedelta(days=2)


def _failures(result) -> set[tuple[str, str]]:
    return {(o.column or o.expectation.split("(")[0], o.severity) for o in result.outcomes if not o.success}


@pytest.fixture(scope="module")
def collected(warehouse, landing, tmp_path_factory):
    collect_date(warehouse, DAY, landing, tmp_path_factory.mktemp("q"))
    result = run_gate(warehouse, "raw", DAY)
    assert result.passed and not _failures(result), result.describe()
    return DAY


@pytest.fixture
def restore(warehouse, tmp_path):
    """After the test, collect the date again from the clean simulated files."""
    yield
    collect_date(warehouse, DAY, TEST_STATE / "landing", tmp_path / "restore-q", sources=["core", "ebank", "track"])


LATEST_AUDIT = ("ops.load_audit set {change} where business_date = %s and source = 'core__accounts'")


@pytest.mark.parametrize("tamper, failing", [
    ("delete from raw.core__accounts where business_date = %s and line_number = 1",
     {("raw_rows_match", "critical")}),
    ("update " + LATEST_AUDIT.format(change="rows_rejected = rows_rejected + 1"),
     {("lines_balance", "critical")}),
    ("update " + LATEST_AUDIT.format(change="control_count = control_count + 1"),
     {("control_count_matches", "critical")}),
    ("update raw.core__customers set mobile = '12345' where business_date = %s and line_number %% 5 = 0",
     {("mobile_valid", "warning")}),
    ("update raw.core__customers set birth_date = '1990-01-01' where business_date = %s and line_number %% 50 = 0",
     {("birth_date_valid", "warning")}),
    ("update raw.core__customers set open_date = null where business_date = %s and line_number %% 50 = 0",
     {("open_date_valid", "critical")}),
], ids=["raw rows", "lines balance", "control count", "mobile rate", "birth date rate", "open date rate"])
def test_a_tampered_table_trips_its_expectation(warehouse, collected, restore, tamper, failing):
    run_sql(warehouse, tamper, (DAY,))
    assert _failures(run_gate(warehouse, "raw", DAY)) == failing


def test_a_quarantined_critical_file_fails_the_gate(warehouse, collected, restore, fresh_landing, tmp_path):
    c = contract("core__accounts")
    data = c.folder(fresh_landing, DAY) / c.file_name(DAY)
    data.write_bytes(data.read_bytes()[:-10] + b"0123456789")  # same size, other MD5
    collect_date(warehouse, DAY, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    result = run_gate(warehouse, "raw", DAY)
    assert ("critical_file_status", "critical") in _failures(result) and not result.passed


def test_a_missing_optional_file_only_warns(warehouse, collected, restore, fresh_landing, tmp_path):
    c = contract("ebank__registrations")
    (c.folder(fresh_landing, DAY) / c.file_name(DAY)).with_suffix(".ok").unlink()
    collect_date(warehouse, DAY, fresh_landing, tmp_path / "q", sources=["ebank"])
    result = run_gate(warehouse, "raw", DAY)
    assert _failures(result) == {("optional_file_status", "warning")} and result.passed


@pytest.mark.parametrize("bad_share, failing", [
    (0.02, {("reject_rate", "warning")}),
    (0.06, {("reject_rate", "warning"), ("reject_rate", "critical")}),
])
def test_a_file_with_many_rejected_lines_warns_then_fails(warehouse, collected, restore, fresh_landing, tmp_path,
                                                        bad_share, failing):
    c = contract("core__accounts")
    data = c.folder(fresh_landing, DAY) / c.file_name(DAY)
    lines = data.read_bytes().split(b"\n")[:-1]
    step = round(1 / bad_share)
    lines = [line + b"|surplus" if i % step == 0 else line for i, line in enumerate(lines)]
    write_batch(data, b"\n".join(lines) + b"\n", len(lines), DAY)
    collect_date(warehouse, DAY, fresh_landing, tmp_path / "q", sources=["core__accounts"])
    assert _failures(run_gate(warehouse, "raw", DAY)) == failing


def test_a_file_no_contract_names_is_reported_and_warns(warehouse, collected, restore, fresh_landing, tmp_path):
    folder = contract("core__customers").folder(fresh_landing, DAY)
    (folder / "说明.txt").write_text("手工放入的文件", encoding="utf-8")
    try:
        outcomes = collect_date(warehouse, DAY, fresh_landing, tmp_path / "q")
        [stray] = [o for o in outcomes if o.status == "unrecognised"]
        assert stray.file_name == "说明.txt" and stray.source == "core/?"
        assert _failures(run_gate(warehouse, "raw", DAY)) == {("unrecognised_file", "warning")}
    finally:
        run_sql(warehouse, "delete from ops.load_audit where business_date = %s and status = 'unrecognised'", (DAY,))


SAME_AS_LINE_1 = "(select {column} from {table} where business_date = %(day)s and line_number = 1)"


def _duplicate(table, column):
    return (f"update {table} set {column} = " + SAME_AS_LINE_1.format(table=table, column=column)
            + " where business_date = %(day)s and line_number = 2")


@pytest.mark.parametrize("tamper, failing", [
    ("update raw.core__customers set customer_no = null where business_date = %(day)s and line_number = 3",
     {("customer_no", "critical")}),
    (_duplicate("raw.core__customers", "customer_no"), {("customer_no", "critical")}),
    (_duplicate("raw.core__accounts", "account_no"), {("account_no", "critical")}),
    ("update raw.core__accounts set customer_no = null where business_date = %(day)s and line_number = 3",
     {("customer_no", "critical")}),
    ("update raw.core__accounts set balance = '1,000.00' where business_date = %(day)s and line_number = 3",
     {("balance", "critical")}),
    (_duplicate("raw.core__transactions", "txn_id"), {("txn_id", "critical")}),
    ("update raw.core__transactions set account_no = null where business_date = %(day)s and line_number = 3",
     {("account_no", "critical")}),
    ("update raw.core__transactions set amount = 'abc' where business_date = %(day)s and line_number = 3",
     {("amount", "critical")}),
    ("update raw.core__transactions set txn_time = '2026-11-03 10:00' where business_date = %(day)s"
     " and line_number <= 3", {("txn_time", "critical")}),
    ("update raw.core__transactions set channel = 'TELEPATHY' where business_date = %(day)s and line_number = 3",
     {("channel", "warning")}),
    (_duplicate("raw.ebank__registrations", "user_id"), {("user_id", "critical")}),
    ("delete from raw.ebank__registrations where business_date = %(day)s",
     {("expect_table_row_count_to_be_between", "warning"), ("raw_rows_match", "critical")}),
    ("update raw.track__events set event_id = null where business_date = %(day)s and line_number = 1",
     {("event_id", "warning")}),
    (_duplicate("raw.track__events", "event_id"), {("event_id", "critical")}),
    ("update raw.track__events set time = '2026-11-03T10:00:00' where business_date = %(day)s and line_number <= 3",
     {("time", "warning")}),
], ids=["customer_no null", "customer_no unique", "account_no unique", "account owner null", "balance format",
        "txn_id unique", "txn account null", "amount format", "txn_time format", "unknown channel",
        "user_id unique", "ebank empty", "event_id null", "event_id unique", "event time format"])
def test_each_table_expectation_trips_on_its_case(warehouse, collected, restore, tamper, failing):
    run_sql(warehouse, tamper, {"day": DAY})
    assert _failures(run_gate(warehouse, "raw", DAY)) == failing
