"""The data + control + flag convention, and parsing that loses no line."""

import datetime as dt

import pytest

from ruralops.collect.parse import parse_delimited
from ruralops.exchange.batchfile import Control, control_path, flag_path, md5_of, write_batch
from ruralops.exchange.contracts import contract

pytestmark = pytest.mark.unit
DAY = dt.date(2026, 11, 2)


def test_write_batch_writes_a_control_file_that_matches_the_data(tmp_path):
    data = tmp_path / "X_20261102.dat"
    payload = "甲|乙\n丙|丁\n".encode("gbk")
    control = write_batch(data, payload, 2, DAY)
    parsed = Control.parse(control_path(data).read_bytes())
    assert parsed == control
    assert parsed.byte_size == len(payload) and parsed.md5 == md5_of(data)
    assert flag_path(data).exists() and flag_path(data).read_bytes() == b""


def test_rewriting_the_same_payload_is_byte_identical(tmp_path):
    data = tmp_path / "X_20261102.dat"
    write_batch(data, b"a|b\n", 1, DAY)
    first = (data.read_bytes(), control_path(data).read_bytes())
    write_batch(data, b"a|b\n", 1, DAY)
    assert (data.read_bytes(), control_path(data).read_bytes()) == first


def test_a_malformed_control_file_is_refused():
    with pytest.raises(ValueError, match="5 '\\|'-separated fields"):
        Control.parse(b"X.dat|12|34\n")


def _line(fields):
    return "|".join(fields)


def test_parse_keeps_good_lines_and_rejects_bad_ones_with_reasons():
    c = contract("core__accounts")
    good = _line(["6229", "88", "DD", "101001", "B1", "20200101", "1.00", "A"])
    payload = "\n".join([good, good + "|extra", "", good + "\r"]).encode("gbk") + b"\n"
    parsed = parse_delimited(payload, c)
    assert [n for n, _ in list(parsed.records())] == [1, 4]
    assert list(parsed.records())[1][1] == good  # CRLF line end stripped
    reasons = {r.line_number: r.reason for r in parsed.rejects}
    assert reasons == {2: "expected 8 fields, found 9", 3: "empty line"}
    assert parsed.lines_read == 4


def test_an_undecodable_line_is_rejected_not_the_file():
    c = contract("core__accounts")
    good = _line(["6229", "88", "DD", "101001", "B1", "20200101", "1.00", "A"]).encode("gbk")
    payload = good + b"\n" + b"\xff\xfe|bad" + b"\n" + good + b"\n"
    parsed = parse_delimited(payload, c)
    assert [n for n, _ in list(parsed.records())] == [1, 3]
    assert parsed.rejects[0].line_number == 2 and "not valid GBK" in parsed.rejects[0].reason


def test_rendering_refuses_a_value_containing_the_delimiter():
    import pandas as pd

    from ruralops.exchange.render import delimited_bytes

    c = contract("crm__leads")
    row = {name: "x" for name in c.column_names}
    ok = delimited_bytes(pd.DataFrame([row]), c)
    assert ok.count(b"|") == len(c.columns) - 1
    with pytest.raises(ValueError, match="reason_zh"):
        delimited_bytes(pd.DataFrame([{**row, "reason_zh": "甲|乙"}]), c)


def test_fixed_width_fields_are_sliced_by_gbk_bytes_and_bad_records_rejected():
    import pandas as pd

    from ruralops.collect.parse import FIXED_WIDTH_SEPARATOR, parse_fixed_width
    from ruralops.exchange.render import fixed_width_bytes

    c = contract("card__cards")
    row = {"card_no": "6228210000000000015", "customer_no": "880000000001", "card_type": "DC",
           "product_code": "FSK001", "holder_name": "欧阳娜娜", "issue_date": "20200101",
           "expiry_month": "203001", "status": "A"}
    good = fixed_width_bytes(pd.DataFrame([row]), c)
    assert len(good) == c.record_width + 1
    payload = good + good[:-4] + b"\n" + good[:40] + b"\xff\xff" + good[42:]
    parsed = parse_fixed_width(payload, c)
    assert [line.split(FIXED_WIDTH_SEPARATOR) for _, line in list(parsed.records())] == [list(row.values())]
    assert [(r.line_number, r.reason) for r in parsed.rejects] == [
        (2, f"expected {c.record_width} bytes, found {c.record_width - 3}"), (3, "not valid GBK (or a field boundary splits a character)")]
    with pytest.raises(ValueError, match="holder_name"):
        fixed_width_bytes(pd.DataFrame([{**row, "holder_name": "名" * 11}]), c)
