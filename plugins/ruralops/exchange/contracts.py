"""The file contracts, loaded once from contracts.yml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

CONTRACTS_FILE = Path(__file__).with_name("contracts.yml")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    pii: bool = False  # clear value stays in raw and vault only; staging tokenises or masks it
    width: int | None = None  # fixed-width layouts: the field's width in bytes


@dataclass(frozen=True)
class Contract:
    """One file type: where it lands, how it is encoded and laid out, and how it is loaded."""

    name: str            # <system>__<entity>, also the raw table name
    system: str
    description: str
    file: str
    encoding: str
    delimiter: str
    load: str            # snapshot | daily
    criticality: str     # critical | optional
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    format: str = "delimited"   # delimited | fixed_width | nginx_combined | json_lines
    compression: str | None = None  # gzip for log and tracking extracts
    deadline: str | None = None     # "HH:MM" local time on the day after the business date
    dedupe_days: int | None = None  # drop repeats of `key` within the file and the N dates before

    @property
    def is_log(self) -> bool:
        """Log and tracking extracts are parsed line by line as a stream, not sliced in bulk."""
        return self.format in ("nginx_combined", "json_lines")

    @property
    def record_width(self) -> int:
        """Bytes per record of a fixed-width layout (without the line end)."""
        return sum(c.width or 0 for c in self.columns)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def raw_table(self) -> str:
        return f"raw.{self.name}"

    def file_name(self, business_date: dt.date) -> str:
        return self.file.format(yyyymmdd=business_date.strftime("%Y%m%d"))

    def folder(self, landing: Path, business_date: dt.date) -> Path:
        return landing / self.system / business_date.strftime("%Y%m%d")

    def date_of(self, file_name: str) -> dt.date | None:
        """The business date a file name of this type carries, or None if it is not one of ours."""
        before, _, after = self.file.partition("{yyyymmdd}")
        middle = file_name[len(before):len(file_name) - len(after)]
        if not (file_name.startswith(before) and file_name.endswith(after)
                and len(middle) == 8 and middle.isdigit()):
            return None
        try:
            return dt.datetime.strptime(middle, "%Y%m%d").date()
        except ValueError:
            return None

    def deadline_at(self, business_date: dt.date) -> dt.datetime | None:
        """When the file must have arrived: the deadline on the morning after the business date."""
        if not self.deadline:
            return None
        hour, minute = (int(part) for part in self.deadline.split(":"))
        return dt.datetime.combine(business_date + dt.timedelta(days=1), dt.time(hour, minute),
                                   tzinfo=ZoneInfo("Asia/Shanghai"))


@cache
def _declarations() -> dict:
    return yaml.safe_load(CONTRACTS_FILE.read_text(encoding="utf-8"))


@cache
def all_contracts() -> dict[str, Contract]:
    """Inbound files: what the bank's systems deliver to us."""
    return _parse(_declarations()["sources"])


@cache
def all_publications() -> dict[str, Contract]:
    """Outbound files: what we deliver to the CRM and the channels."""
    return _parse(_declarations()["publications"])


def _parse(section: dict) -> dict[str, Contract]:
    contracts = {}
    for name, entry in section.items():
        system, _, _entity = name.partition("__")
        if system != entry["system"]:
            raise ValueError(f"contract {name}: name must start with its system {entry['system']}__")
        contracts[name] = Contract(
            name=name, system=entry["system"], description=entry["description"],
            file=entry["file"], encoding=entry["encoding"], delimiter=entry.get("delimiter", ""),
            load=entry["load"], criticality=entry["criticality"], key=tuple(entry["key"]),
            columns=tuple(Column(**c) for c in entry["columns"]),
            format=entry.get("format", "delimited"), compression=entry.get("compression"),
            deadline=entry.get("deadline"), dedupe_days=entry.get("dedupe_days"),
        )
        if contracts[name].dedupe_days and len(contracts[name].key) != 1:
            raise ValueError(f"contract {name}: dedupe_days needs a single-column key")
        if contracts[name].format == "fixed_width" and any(c.width is None for c in contracts[name].columns):
            raise ValueError(f"contract {name}: every fixed-width column needs a width")
    return contracts


def contract(name: str) -> Contract:
    known = {**all_contracts(), **all_publications()}
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"no file contract {name!r}; known: {', '.join(sorted(known))}") from None
