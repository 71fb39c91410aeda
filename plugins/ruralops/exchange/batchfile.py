"""The data file + control file + ``.ok`` flag convention of the bank's batch exchange.

A sender writes the data file, then a control file (file name, record count, byte size, MD5,
business date), then an empty ``.ok`` flag, last, to say both are complete. A receiver waits
for the flag, then checks the data file against the control file before trusting a byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

CONTROL_ENCODING = "gbk"


@dataclass(frozen=True)
class Control:
    file_name: str
    record_count: int
    byte_size: int
    md5: str
    business_date: dt.date

    def render(self) -> bytes:
        fields = [self.file_name, str(self.record_count), str(self.byte_size), self.md5,
                  self.business_date.strftime("%Y%m%d")]
        return ("|".join(fields) + "\n").encode(CONTROL_ENCODING)

    @classmethod
    def parse(cls, raw: bytes) -> "Control":
        text = raw.decode(CONTROL_ENCODING).strip()
        fields = text.split("|")
        if len(fields) != 5:
            raise ValueError(f"control file must have 5 '|'-separated fields, found {len(fields)}")
        name, count, size, md5, date = fields
        return cls(name, int(count), int(size), md5.lower(),
                   dt.datetime.strptime(date, "%Y%m%d").date())


def control_path(data_file: Path) -> Path:
    return data_file.with_suffix(".ctl")


def flag_path(data_file: Path) -> Path:
    return data_file.with_suffix(".ok")


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomic(path: Path, payload: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_batch(data_file: Path, payload: bytes, record_count: int,
                business_date: dt.date) -> Control:
    """Write data, control and flag in that order; rewriting the same payload is byte-identical."""
    data_file.parent.mkdir(parents=True, exist_ok=True)
    flag = flag_path(data_file)
    flag.unlink(missing_ok=True)  # a receiver must never see a flag over a half-written file
    _write_atomic(data_file, payload)
    control = Control(data_file.name, record_count, len(payload),
                      hashlib.md5(payload).hexdigest(), business_date)
    _write_atomic(control_path(data_file), control.render())
    _write_atomic(flag, b"")
    return control
