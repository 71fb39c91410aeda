"""The identity rules (rules.yml), loaded once: identifier types, linking rules, limits, blocklist."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("rules.yml")


@dataclass(frozen=True)
class Limit:
    identifier: str
    counts: str
    max: int
    description: str

    @property
    def name(self) -> str:
        return f"{self.identifier} over {self.max} {self.counts}"


@dataclass(frozen=True)
class Rules:
    priority: dict[str, int]
    customer_types: tuple[str, ...]
    record_types: tuple[str, ...]
    rules: dict[str, dict]
    limits: tuple[Limit, ...]
    blocklist: dict[str, tuple[str, ...]]

    @property
    def snapshot_rules(self) -> list[str]:
        return [name for name, rule in self.rules.items() if rule["kind"] == "snapshot"]

    def blocklist_sql(self) -> str:
        """Node keys of the blocklist, tokenised in the warehouse with the PII key."""
        return ("select %s || ':' || encode(hmac(convert_to(v, 'UTF8'),"
                " (select secret from vault.pii_key where key_id = 'current'), 'sha256'), 'hex') as node_key"
                " from unnest(%s::text[]) as v union all "
                "select %s || ':' || encode(hmac(convert_to(ops.id_no_18(v), 'UTF8'),"
                " (select secret from vault.pii_key where key_id = 'current'), 'sha256'), 'hex')"
                " from unnest(%s::text[]) as v where ops.id_no_18(v) is not null")

    def blocklist_params(self) -> tuple:
        return ("mobile", list(self.blocklist.get("mobile", ())), "id", list(self.blocklist.get("id", ())))


@cache
def load_rules(path: Path = RULES_FILE) -> Rules:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    identifiers = spec["identifiers"]
    limits = tuple(Limit(**entry) for entry in spec.get("limits", []))
    for limit in limits:
        for name in (limit.identifier, limit.counts):
            if name not in identifiers:
                raise ValueError(f"{path}: limit names unknown identifier type {name!r}")
    for name, rule in spec["rules"].items():
        if rule.get("kind") not in ("snapshot", "event"):
            raise ValueError(f"{path}: rule {name} needs kind snapshot or event")
    return Rules(
        priority={name: entry["priority"] for name, entry in identifiers.items()},
        customer_types=tuple(name for name, entry in identifiers.items() if entry.get("customer")),
        record_types=tuple(name for name, entry in identifiers.items() if entry.get("record")),
        rules=spec["rules"], limits=limits,
        blocklist={kind: tuple(str(v) for v in values) for kind, values in spec.get("blocklist", {}).items()},
    )
