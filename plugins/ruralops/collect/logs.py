"""Stream log and tracking extracts into COPY-ready chunks, in memory flat in the file size.

A log line is a record of its own (a regular expression for nginx "combined", a JSON object for
the application log and tracking events), so each is parsed on its own; but the file is never
held whole. Lines are read from the gzip stream with a length cap, and every ``CHUNK_LINES``
lines the parsed rows (as CSV for COPY) and the rejects are handed to the loader, which writes
them in the file's one transaction.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ruralops.collect.parse import Reject
from ruralops.exchange.contracts import Contract

CHUNK_LINES = 50_000
MAX_LINE_BYTES = 64 * 1024      # a longer line is rejected; its first bytes are kept for stewards
SHOWN_BYTES = 4 * 1024          # how much of an overlong line the reject row keeps

# nginx "combined": $remote_addr - $remote_user [$time_local] "$request" $status
# $body_bytes_sent "$http_referer" "$http_user_agent"; group names are the contract's columns.
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
NGINX_COMBINED = re.compile(
    r'(?P<remote_addr>\S+) \S+ (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] '
    + _QUOTED.replace("(", "(?P<request>", 1) + r' (?P<status>\d{3}) (?P<body_bytes_sent>\d+|-) '
    + _QUOTED.replace("(", "(?P<http_referer>", 1) + " "
    + _QUOTED.replace("(", "(?P<http_user_agent>", 1))


@dataclass
class Chunk:
    csv_text: str                      # rows: line_number, then the contract's columns
    lines: int = 0
    rows: int = 0
    rejects: list[Reject] = field(default_factory=list)


def open_stream(path: Path, contract: Contract) -> BinaryIO:
    return gzip.open(path, "rb") if contract.compression == "gzip" else open(path, "rb")


def _lines(handle: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """(line without its end, length in bytes); an overlong line yields its head only."""
    first = True
    while True:
        line = handle.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if first:  # a byte-order mark some shippers write before the first line
            line, first = line.removeprefix(codecs.BOM_UTF8), False
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            head, total = line[:SHOWN_BYTES], len(line)
            while line and not line.endswith(b"\n"):  # skip the rest without holding it
                line = handle.readline(MAX_LINE_BYTES + 1)
                total += len(line)
            yield head, total - (1 if line.endswith(b"\n") else 0)
            continue
        line = line.removesuffix(b"\n").removesuffix(b"\r")
        yield line, len(line)


def _parse_nginx(text: str, contract: Contract) -> list[str | None] | str:
    match = NGINX_COMBINED.fullmatch(text)
    if not match:
        return "not an nginx combined log line"
    return [None if (value := match.group(name)) == "-" and name != "request" else value
            for name in contract.column_names]


def _as_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _parse_json(text: str, contract: Contract) -> list[str | None] | str:
    try:
        record = json.loads(text)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(record, dict):
        return f"valid JSON but a {type(record).__name__}, not an object"
    row = [_as_text(record.get(c.name)) if c.type != "json" or record.get(c.name) is None
           else json.dumps(record[c.name], ensure_ascii=False, separators=(",", ":"))
           for c in contract.columns]
    if "\\u" in text:  # an escaped lone surrogate decodes, but cannot be stored as UTF-8
        try:
            "".join(value for value in row if value).encode("utf-8")
        except UnicodeEncodeError:
            return "JSON string holds a lone surrogate escape"
    return row


PARSERS: dict[str, Callable[[str, Contract], list[str | None] | str]] = {
    "nginx_combined": _parse_nginx, "json_lines": _parse_json}


def stream_chunks(handle: BinaryIO, contract: Contract) -> Iterator[Chunk]:
    """Parse the stream into chunks; every line is counted and either a row or a reject."""
    parse = PARSERS[contract.format]
    number = 0
    while True:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        chunk = Chunk("")
        for line, length in _lines(handle):
            number += 1
            chunk.lines += 1
            result = _parse_line(line, length, contract, parse)
            if isinstance(result, str):
                chunk.rejects.append(Reject(number, line.decode(contract.encoding, "backslashreplace")
                                            .replace("\x00", "\\x00"), result))
            else:
                writer.writerow([number, *result])
                chunk.rows += 1
            if chunk.lines == CHUNK_LINES:
                break
        if not chunk.lines:
            return
        chunk.csv_text = buffer.getvalue()
        yield chunk


def _parse_line(line: bytes, length: int, contract: Contract, parse) -> list[str | None] | str:
    if length > MAX_LINE_BYTES:
        return f"line of {length:,} bytes is longer than the {MAX_LINE_BYTES:,}-byte limit (first {SHOWN_BYTES:,} kept)"
    if not line.strip():
        return "empty line"
    if b"\x00" in line:
        return "NUL byte in line"
    try:
        text = line.decode(contract.encoding)
    except UnicodeDecodeError:
        return f"not valid {contract.encoding.upper()}"
    return parse(text, contract)
