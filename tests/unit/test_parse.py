"""Bad input gets a clear reason and loses no line: the bulk checks and the log parsers."""

import gzip
import io
import json

import pytest

from ruralops.collect.logs import MAX_LINE_BYTES, stream_chunks
from ruralops.collect.parse import FileRejected, parse_delimited
from ruralops.exchange.contracts import contract

pytestmark = pytest.mark.unit
ACCOUNTS = contract("core__accounts")
GOOD = "6229|88|DD|101001|B1|20200101|1.00|A"


def _reasons(parsed):
    return {r.line_number: r.reason for r in parsed.rejects}


def _every_line_accounted_for(parsed):
    loaded = [number for number, _ in parsed.records()]
    rejected = [r.line_number for r in parsed.rejects]
    assert sorted(loaded + rejected) == list(range(1, parsed.lines_read + 1))


def test_an_empty_file_has_no_lines_and_nothing_to_load():
    parsed = parse_delimited(b"", ACCOUNTS)
    assert (parsed.lines_read, parsed.body, parsed.rejects) == (0, b"", [])


def test_a_utf8_byte_order_mark_on_a_gbk_file_refuses_the_file():
    with pytest.raises(FileRejected, match="byte-order mark.*contract says GBK"):
        parse_delimited(b"\xef\xbb\xbf" + GOOD.encode() + b"\n", ACCOUNTS)


def test_crlf_line_ends_load_and_are_noted():
    parsed = parse_delimited(f"{GOOD}\r\n{GOOD}\r\n".encode("gbk"), ACCOUNTS)
    assert [text for _, text in parsed.records()] == [GOOD, GOOD]
    assert parsed.notes == ["CRLF line ends"]


def test_a_lone_carriage_return_inside_a_line_is_rejected():
    parsed = parse_delimited(f"{GOOD}\n6229|88\r|DD|101001|B1|20200101|1.00|A\n".encode("gbk"), ACCOUNTS)
    assert _reasons(parsed) == {2: "control character (NUL, \\x01 or a lone CR) in line"}


def test_a_last_line_without_its_line_end_still_counts():
    parsed = parse_delimited(f"{GOOD}\n{GOOD}".encode("gbk"), ACCOUNTS)
    assert parsed.lines_read == 2 and parsed.rows_loaded == 2
    assert parsed.notes == ["no line end after the last line"]


def test_a_header_where_none_is_expected_is_rejected_as_a_line():
    header = "|".join(ACCOUNTS.column_names).upper()
    parsed = parse_delimited(f"{header}\n{GOOD}\n".encode("gbk"), ACCOUNTS)
    assert _reasons(parsed) == {1: "header line (the column names) where the contract expects none"}
    assert [n for n, _ in parsed.records()] == [2]


def test_extra_missing_columns_and_a_field_holding_the_delimiter_are_rejected():
    lines = [GOOD, GOOD + "|surplus", GOOD.rsplit("|", 1)[0], GOOD.replace("101001", "10|1001"), GOOD]
    parsed = parse_delimited(("\n".join(lines) + "\n").encode("gbk"), ACCOUNTS)
    assert _reasons(parsed) == {2: "expected 8 fields, found 9", 3: "expected 8 fields, found 7",
                                4: "expected 8 fields, found 9"}
    assert [n for n, _ in parsed.records()] == [1, 5]  # good lines keep their file line numbers
    _every_line_accounted_for(parsed)


def test_a_gbk_character_whose_second_byte_is_the_delimiter_byte_is_not_a_delimiter():
    memo_like = GOOD.replace("B1", "億")  # GBK bytes of 億 end in 0x7C, the byte of '|'
    assert "億".encode("gbk")[1:] == b"|"
    parsed = parse_delimited((memo_like + "\n").encode("gbk"), ACCOUNTS)
    assert parsed.rejects == [] and [text for _, text in parsed.records()] == [memo_like]


def test_non_gbk_bytes_reject_the_line_and_show_the_bytes():
    payload = GOOD.encode("gbk") + b"\n" + b"6229|\xff\xfe|DD|101001|B1|20200101|1.00|A\n"
    parsed = parse_delimited(payload, ACCOUNTS)
    [reject] = parsed.rejects
    assert (reject.line_number, reject.reason) == (2, "not valid GBK")
    assert "\\xff" in reject.raw_text


def test_nul_and_the_copy_quote_byte_are_rejected():
    payload = (GOOD.replace("DD", "D\x00") + "\n" + GOOD.replace("DD", "D\x01") + "\n").encode("gbk")
    assert set(_reasons(parse_delimited(payload, ACCOUNTS))) == {1, 2}


def _chunks(lines: list[bytes], name: str):
    payload = gzip.compress(b"\n".join(lines) + b"\n")
    with gzip.open(io.BytesIO(payload)) as stream:
        return list(stream_chunks(stream, contract(name)))


ACCESS = b'10.0.0.1 - - [03/Nov/2026:08:15:02 +0800] "GET /api/v1/account/balance HTTP/1.1" 200 512 "-" "RuralBank/5.2.1"'


def test_nginx_lines_parse_and_a_cut_line_is_rejected():
    [chunk] = _chunks([ACCESS, ACCESS[:40], ACCESS], "gateway__access_log")
    assert (chunk.lines, chunk.rows) == (3, 2)
    assert [(r.line_number, r.reason) for r in chunk.rejects] == [(2, "not an nginx combined log line")]
    first = chunk.csv_text.splitlines()[0].split(",")
    assert first[:5] == ["1", "10.0.0.1", "", "03/Nov/2026:08:15:02 +0800", "GET /api/v1/account/balance HTTP/1.1"]


def test_a_one_megabyte_log_line_is_rejected_with_its_length_and_the_next_line_still_loads():
    huge = b"x" * (1 << 20)
    [chunk] = _chunks([ACCESS, huge, ACCESS], "gateway__access_log")
    assert (chunk.lines, chunk.rows) == (3, 2)
    [reject] = chunk.rejects
    assert reject.line_number == 2 and f"{1 << 20:,} bytes" in reject.reason
    assert len(reject.raw_text) < MAX_LINE_BYTES  # the head is kept, not the megabyte


def test_json_that_is_not_an_object_or_not_json_is_rejected():
    good = json.dumps({"event_id": "e1", "type": "track", "event": "$pageview", "time": 1793487997000,
                       "distinct_id": "a1", "anonymous_id": "a1", "properties": {"$lib": "Android"}}).encode()
    [chunk] = _chunks([good, b"[1, 2]", b'"text"', b"{not json", b"", good], "track__events")
    assert [(r.line_number, r.reason.split(":")[0]) for r in chunk.rejects] == [
        (2, "valid JSON but a list, not an object"), (3, "valid JSON but a str, not an object"),
        (4, "not valid JSON"), (5, "empty line")]
    row = chunk.csv_text.splitlines()[0]
    assert row.startswith("1,e1,track,$pageview,1793487997000,a1,a1,,,") and '""$lib"":""Android""' in row


def test_a_byte_order_mark_on_a_json_log_is_tolerated():
    [chunk] = _chunks([b'\xef\xbb\xbf{"event_id": "e1"}'], "track__events")
    assert (chunk.rows, chunk.rejects) == (1, [])
