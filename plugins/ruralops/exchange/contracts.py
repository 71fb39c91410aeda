"""The file contracts, loaded once from contracts.yml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

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
        )
        if contracts[name].format == "fixed_width" and any(c.width is None for c in contracts[name].columns):
            raise ValueError(f"contract {name}: every fixed-width column needs a width")
    return contracts


def contract(name: str) -> Contract:
    known = {**all_contracts(), **all_publications()}
    try:
        return known[name]
    except KeyError:
        raise KeyError(f"no file contract {name!r}; known: {', '.join(sorted(known))}") from None
