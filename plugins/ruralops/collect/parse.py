"""Split a delimited batch file into loadable lines and rejects, without losing any line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ruralops.exchange.contracts import Contract


@dataclass
class Reject:
    line_number: int
    raw_text: str
    reason: str


@dataclass
class ParsedFile:
    good: list[tuple[int, str]] = field(default_factory=list)  # (line number, decoded line)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def lines_read(self) -> int:
        return len(self.good) + len(self.rejects)


def _decode_lines(payload: bytes, encoding: str) -> tuple[list[str | None], list[bytes]]:
    """Decode in one go when the file is clean; line by line only when it is not."""
    raw_lines = payload.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    try:
        text = payload.decode(encoding)
        lines: list[str | None] = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return lines, raw_lines
    except UnicodeDecodeError:
        decoded: list[str | None] = []
        for raw in raw_lines:
            try:
                decoded.append(raw.decode(encoding))
            except UnicodeDecodeError:
                decoded.append(None)
        return decoded, raw_lines


def parse_delimited(payload: bytes, contract: Contract) -> ParsedFile:
    expected = len(contract.columns) - 1
    delimiter = contract.delimiter
    lines, raw_lines = _decode_lines(payload, contract.encoding)
    parsed = ParsedFile()
    for number, line in enumerate(lines, start=1):
        if line is None:
            parsed.rejects.append(Reject(number, raw_lines[number - 1].decode(contract.encoding, "replace"),
                                         f"not valid {contract.encoding}"))
            continue
        line = line.removesuffix("\r")
        if not line.strip():
            parsed.rejects.append(Reject(number, line, "empty line"))
            continue
        found = line.count(delimiter)
        if found != expected:
            parsed.rejects.append(Reject(
                number, line, f"expected {expected + 1} fields, found {found + 1}"))
            continue
        if "\x01" in line:
            parsed.rejects.append(Reject(number, line, "control character \\x01 in line"))
            continue
        parsed.good.append((number, line))
    return parsed


FIXED_WIDTH_SEPARATOR = "\x1f"  # joins decoded fixed-width fields for COPY; never occurs in text


def parse_fixed_width(payload: bytes, contract: Contract) -> ParsedFile:
    """Slice each record by byte offsets (GBK characters are two bytes), then decode each field.

    A record of the wrong byte length or with undecodable bytes is rejected with its reason.
    """
    width = contract.record_width
    offsets = []
    position = 0
    for column in contract.columns:
        offsets.append((position, position + column.width))
        position += column.width
    raw_lines = payload.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    parsed = ParsedFile()
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.removesuffix(b"\r")
        if len(raw) != width:
            parsed.rejects.append(Reject(number, raw.decode(contract.encoding, "replace"),
                                         f"expected {width} bytes, found {len(raw)}"))
            continue
        try:
            fields = [raw[start:end].decode(contract.encoding).rstrip(" ") for start, end in offsets]
        except UnicodeDecodeError:
            parsed.rejects.append(Reject(number, raw.decode(contract.encoding, "replace"),
                                         f"not valid {contract.encoding}"))
            continue
        line = FIXED_WIDTH_SEPARATOR.join(fields)
        if "\x01" in line or line.count(FIXED_WIDTH_SEPARATOR) != len(fields) - 1:
            parsed.rejects.append(Reject(number, raw.decode(contract.encoding, "replace"),
                                         "control character in record"))
            continue
        parsed.good.append((number, line))
    return parsed
