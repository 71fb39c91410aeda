"""Run dbt in-process for one layer and one business date.

Airflow calls ``build_layer`` once per layer so a failing model or test stops only what
depends on it and shows where. Connection settings reach dbt's profile through environment
variables of this process; nothing with a secret is written or put on a command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field

from ruralops.db.connection import Warehouse
from ruralops.settings import paths

# The layers of the dbt project in build order: each is a folder under models/ and a dbt tag.
# The identity layer is three steps: the identifier graph (tag identity_graph), the resolver
# (ruralops.identity, Python: limits, connected components, stable ids), then the models that
# read its output (tag identity).
LAYERS = ("staging", "identity", "features", "tags", "marts")


class DbtBuildFailed(RuntimeError):
    """A dbt model or test failed; the message lists which."""


@dataclass
class NodeOutcome:
    name: str
    resource_type: str
    status: str
    message: str | None
    rows_affected: int | None


@dataclass
class LayerOutcome:
    layer: str
    nodes: list[NodeOutcome] = field(default_factory=list)
    resolved: str | None = None  # the identity resolver's one-line result, for the identity layer

    @property
    def failures(self) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.status in ("error", "fail", "runtime error")]

    def summary(self) -> dict:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[f"{node.resource_type}:{node.status}"] = counts.get(f"{node.resource_type}:{node.status}", 0) + 1
        summary = {"layer": self.layer, "counts": counts,
                   "failures": [f"{n.name}: {n.message}" for n in self.failures]}
        if self.resolved:
            summary["identity"] = self.resolved
        return summary


def _dbt_environment(warehouse: Warehouse) -> None:
    os.environ.update(warehouse.env())
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ["DBT_TARGET_PATH"] = str(paths().dbt_target)
    os.environ["DBT_LOG_PATH"] = str(paths().dbt_logs)


def run_dbt(warehouse: Warehouse, args: list[str]) -> object:
    """Invoke dbt with the project and profile of this checkout; returns dbt's result object."""
    from dbt.cli.main import dbtRunner

    _dbt_environment(warehouse)
    project = str(paths().dbt_project)
    full_args = [*args, "--project-dir", project, "--profiles-dir", project]
    result = dbtRunner().invoke(full_args)
    if result.exception is not None:
        raise DbtBuildFailed(f"dbt {' '.join(args[:1])} could not run: {result.exception}")
    return result


def build_layer(warehouse: Warehouse, layer: str, business_date: dt.date,
                full_refresh: bool = False) -> LayerOutcome:
    """``dbt build`` (seeds, models, unit and data tests) of one layer for one business date."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(LAYERS)}")
    if layer == "identity":
        from ruralops.identity import suggest
        from ruralops.identity.resolve import resolve

        graph = _build_tag(warehouse, "identity_graph", business_date, full_refresh)
        resolved = resolve(warehouse, business_date)
        suggested = suggest.refresh(warehouse, business_date)
        print(f"{resolved.line()}\n{suggested.line()}")
        outcome = _build_tag(warehouse, "identity", business_date, full_refresh)
        outcome.nodes[:0] = graph.nodes
        outcome.resolved = f"{resolved.line()}; {suggested.pending:,} merge suggestions pending"
        return outcome
    return _build_tag(warehouse, layer, business_date, full_refresh)


def _build_tag(warehouse: Warehouse, layer: str, business_date: dt.date, full_refresh: bool) -> LayerOutcome:
    args = ["build", "--select", f"tag:{layer}",
            "--vars", json.dumps({"business_date": business_date.isoformat()})]
    if full_refresh:
        args.append("--full-refresh")
    result = run_dbt(warehouse, args)
    outcome = LayerOutcome(layer)
    for node_result in result.result or []:
        node = node_result.node
        adapter = node_result.adapter_response or {}
        outcome.nodes.append(NodeOutcome(
            name=node.name, resource_type=node.resource_type,
            status=str(node_result.status), message=node_result.message,
            rows_affected=adapter.get("rows_affected") if isinstance(adapter, dict) else None,
        ))
    if outcome.failures or not result.success:
        details = "; ".join(f"{n.name}: {n.message}" for n in outcome.failures) or "see dbt log"
        raise DbtBuildFailed(f"dbt build of layer {layer} failed for {business_date}: {details}")
    return outcome
