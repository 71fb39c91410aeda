"""Split a batch file into loadable lines and rejects, in bulk, without losing a line.

The file is decoded once, keeping undecodable bytes as surrogate escapes so they can be found
and shown, and re-encoded as UTF-8. In UTF-8 an ASCII byte is always that ASCII character
(in GBK the second byte of a character may look like ``|``), so every check is then a numpy
pass over bytes: line ends, delimiters per line, escaped bytes, control characters. Good lines
go to COPY as they are, prefixed with their file line number; Python loops over rejected lines
only, never over the file. Large files are handled in pieces of whole lines, so the loader can
COPY one piece while the next is checked.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

from ruralops.exchange.contracts import Contract

FIXED_WIDTH_SEPARATOR = "\x1f"  # joins a fixed-width record's fields for COPY
_NEWLINE, _NUL, _QUOTE, _CR, _US = 0x0A, 0x00, 0x01, 0x0D, 0x1F


class FileRejected(Exception):
    """A whole-file failure: the file is quarantined and nothing of it is loaded."""


@dataclass
class Reject:
    line_number: int
    raw_text: str
    reason: str


@dataclass
class Prepared:
    """A file (or a piece of one) ready for COPY, and what was set aside."""

    body: bytes     # UTF-8 good lines, each "<line number><delimiter><the line>\n"
    delimiter: str
    lines_read: int
    rejects: list[Reject] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return self.lines_read - len(self.rejects)

    def records(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of every good line, for tools and tests; the loader never
        iterates lines, it hands the body to COPY."""
        for line in self.body.decode("utf-8").split("\n")[:-1]:
            number, _, text = line.partition(self.delimiter)
            yield int(number), text


def _normalise(payload: bytes, contract: Contract) -> tuple[bytes, list[str]]:
    """Byte-order mark, CRLF line ends and a missing final line end: fix what is safe, note it."""
    notes = []
    if payload.startswith(codecs.BOM_UTF8):
        if contract.encoding.replace("-", "").lower() != "utf8":
            raise FileRejected(f"file starts with a UTF-8 byte-order mark: it looks like UTF-8, "
                               f"its contract says {contract.encoding.upper()}")
        payload = payload[len(codecs.BOM_UTF8):]
        notes.append("UTF-8 byte-order mark removed")
    if b"\r\n" in payload:
        payload = payload.replace(b"\r\n", b"\n")
        notes.append("CRLF line ends")
    if payload and not payload.endswith(b"\n"):
        payload += b"\n"
        notes.append("no line end after the last line")
    return payload, notes


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = np.flatnonzero(arr == _NEWLINE)
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    return starts, ends


def _per_line(positions: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of the (sorted) byte positions fall in each line: one search per line end."""
    return np.diff(np.searchsorted(positions, ends), prepend=0)


def _check_lines(body: bytes, numbers: np.ndarray, contract: Contract, delimiter: str,
                 look_for_header: bool) -> tuple[bytes, list[tuple[int, str]]]:
    """The COPY-ready good lines and (index, reason) of the bad ones, for a UTF-8 body of
    \\n-ended lines whose file line numbers are ``numbers``."""
    arr = np.frombuffer(body, np.uint8)
    starts, ends = _line_bounds(arr)
    n = len(ends)
    escaped = np.flatnonzero(arr[:-1] == 0xED) if len(arr) > 1 else np.empty(0, np.int64)
    escaped = escaped[(arr[escaped + 1] == 0xB2) | (arr[escaped + 1] == 0xB3)]  # U+DC80..U+DCFF
    undecodable = _per_line(escaped, ends) > 0
    control = _per_line(np.flatnonzero((arr == _NUL) | (arr == _QUOTE) | (arr == _CR)), ends) > 0
    fields = _per_line(np.flatnonzero(arr == ord(delimiter)), ends) + 1
    empty = ends == starts
    expected = len(contract.columns)
    bad = undecodable | control | empty | (fields != expected)
    reasons = []
    for index in np.flatnonzero(bad):
        if undecodable[index]:
            reason = f"not valid {contract.encoding.upper()}"
        elif empty[index]:
            reason = "empty line"
        elif control[index]:
            reason = "control character (NUL, \\x01 or a lone CR) in line"
        else:
            reason = f"expected {expected} fields, found {fields[index]}"
        reasons.append((int(index), reason))
    if look_for_header and n and not bad[0] and numbers[0] == 1:
        first = body[starts[0]:ends[0]].decode("utf-8").lower().split(delimiter)
        if [value.strip() for value in first] == contract.column_names:
            reasons.insert(0, (0, "header line (the column names) where the contract expects none"))
            bad[0] = True
    return _numbered(arr, starts, ends, ~bad, numbers, delimiter), reasons


def _numbered(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray, good: np.ndarray,
              numbers: np.ndarray, delimiter: str) -> bytes:
    """The good lines, each prefixed with its file line number and the delimiter, built with
    numpy (no loop over lines): COPY then fills line_number like any other column."""
    lengths = (ends - starts + 1)[good]
    if not len(lengths):
        return b""
    kept = arr if good.all() else arr[np.repeat(good, ends - starts + 1)]
    width = len(str(int(numbers[good][-1])))
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    prefix = np.empty((len(lengths), width + 1), np.uint8)
    prefix[:, :width] = numbers[good][:, None] // powers % 10 + ord("0")
    prefix[:, width] = ord(delimiter)
    line_starts = np.cumsum(lengths + width + 1) - (lengths + width + 1)
    is_prefix = np.zeros(len(kept) + prefix.size, bool)
    prefix_at = (line_starts[:, None] + np.arange(width + 1)).ravel()
    is_prefix[prefix_at] = True
    out = np.empty(len(is_prefix), np.uint8)
    out[prefix_at] = prefix.ravel()
    out[~is_prefix] = kept
    return out.tobytes()


def _shown(raw: bytes, encoding: str) -> str:
    """A rejected line as text a steward can read: bytes that do not decode shown as \\xNN."""
    return raw.decode(encoding, "backslashreplace").replace("\x00", "\\x00")


CHUNK_BYTES = 16 << 20  # files are checked in pieces of whole lines, so COPY can start early


def _pieces(payload: bytes) -> Iterator[tuple[bytes, int]]:
    """Pieces of whole lines of about CHUNK_BYTES, with the line number each starts at.
    Cutting at a \n byte is safe in GBK: no second byte of a character is 0x0A."""
    start, first = 0, 1
    while start < len(payload):
        end = payload.find(b"\n", min(start + CHUNK_BYTES, len(payload)) - 1)
        end = len(payload) if end < 0 else end + 1
        yield payload[start:end], first
        first += payload.count(b"\n", start, end)
        start = end


def iter_delimited(payload: bytes, contract: Contract) -> Iterator[Prepared]:
    """The file as Prepared pieces in line order; the first piece carries the file's notes."""
    payload, notes = _normalise(payload, contract)
    for piece, first in _pieces(payload):
        prepared = _delimited_piece(piece, first, contract)
        prepared.notes, notes = notes, []
        yield prepared


def iter_fixed_width(payload: bytes, contract: Contract) -> Iterator[Prepared]:
    payload, notes = _normalise(payload, contract)
    for piece, first in _pieces(payload):
        prepared = _fixed_width_piece(piece, first, contract)
        prepared.notes, notes = notes, []
        yield prepared


def merge(pieces: Iterable[Prepared]) -> Prepared:
    """One Prepared for a whole file (tools and tests; the loader streams the pieces)."""
    merged: Prepared | None = None
    for piece in pieces:
        if merged is None:
            merged = piece
            continue
        merged.body += piece.body
        merged.rejects += piece.rejects
        merged.lines_read += piece.lines_read
    return merged or Prepared(b"", "", 0)


def parse_delimited(payload: bytes, contract: Contract) -> Prepared:
    return merge(iter_delimited(payload, contract))


def parse_fixed_width(payload: bytes, contract: Contract) -> Prepared:
    return merge(iter_fixed_width(payload, contract))


def _delimited_piece(payload: bytes, first: int, contract: Contract) -> Prepared:
    body = payload.decode(contract.encoding, "surrogateescape").encode("utf-8", "surrogatepass")
    numbers = np.arange(first, first + body.count(b"\n"))
    ready, bad = _check_lines(body, numbers, contract, contract.delimiter, look_for_header=True)
    prepared = Prepared(ready, contract.delimiter, len(numbers))
    if bad:
        starts, ends = _line_bounds(np.frombuffer(body, np.uint8))
        for index, reason in bad:
            raw = body[starts[index]:ends[index]].decode("utf-8", "surrogatepass")
            raw_bytes = raw.encode(contract.encoding, "surrogateescape")
            prepared.rejects.append(Reject(int(numbers[index]), _shown(raw_bytes, contract.encoding), reason))
    return prepared


_PADDING = re.compile(" +(?=[\x1f\n])")


def _fixed_width_piece(payload: bytes, first: int, contract: Contract) -> Prepared:
    """Slice records by byte offsets (a GBK character is two bytes), then check them as lines.

    Records of the right byte length are cut into fields with numpy and joined by \\x1f, so the
    rest is the delimited path. A record of the wrong length, one whose field boundary splits a
    character, or one holding \\x1f itself is rejected with its reason.
    """
    arr = np.frombuffer(payload, np.uint8)
    starts, ends = _line_bounds(arr)
    width = contract.record_width
    reasons = {int(i): f"expected {width} bytes, found {ends[i] - starts[i]}"
               for i in np.flatnonzero(ends - starts != width)}
    right = np.flatnonzero(ends - starts == width)
    body = b""
    if len(right):
        if len(right) < len(ends):  # keep the bytes of right-length records (mask: one byte per byte)
            keep = np.repeat(ends - starts == width, ends - starts + 1)
            rows = arr[keep].reshape(-1, width + 1)
        else:
            rows = arr.reshape(-1, width + 1)
        holds_separator = (rows[:, :width] == _US).any(axis=1)
        for i in right[holds_separator]:
            reasons[int(i)] = "control character \\x1f in record"
        rows, right = rows[~holds_separator], right[~holds_separator]
        pieces, position = [], 0
        separator = np.full((len(rows), 1), _US, np.uint8)
        for column in contract.columns:
            pieces += [rows[:, position:position + column.width], separator]
            position += column.width
        pieces[-1] = rows[:, width:]  # the line end instead of a last separator
        text = np.concatenate(pieces, axis=1).tobytes().decode(contract.encoding, "surrogateescape")
        body = _PADDING.sub("", text).encode("utf-8", "surrogatepass")
    ready, bad = _check_lines(body, right + first, contract, FIXED_WIDTH_SEPARATOR, look_for_header=False)
    for index, reason in bad:
        if reason.startswith("not valid"):
            reason += " (or a field boundary splits a character)"
        reasons[int(right[index])] = reason
    prepared = Prepared(ready, FIXED_WIDTH_SEPARATOR, len(ends))
    for index in sorted(reasons):
        prepared.rejects.append(Reject(index + first, _shown(payload[starts[index]:ends[index]], contract.encoding),
                                       reasons[index]))
    return prepared
