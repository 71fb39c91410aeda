"""Run a quality gate for one business date and record every expectation's outcome.

The gate's YAML (expectations/<gate>.yml) is the single declaration. At run time we build a
GX file context under the state folder (one per gate, rebuilt each run) with one Postgres data source (its connection string
is the ``${RURALOPS_WAREHOUSE_SQLA_URL}`` substitution, never the literal), one query asset per
table holding the business date's rows, one suite per table and one checkpoint per gate. Results
replace that date's rows for the gate in ``ops.quality_results``; a failed critical
expectation makes ``GateResult.passed`` false and the caller fails the task.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ruralops.db.connection import Warehouse, transaction
from ruralops.settings import paths

DATASOURCE = "warehouse"


class GateFailed(RuntimeError):
    """A critical expectation failed; the message lists which."""


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict
    severity: str
    meaning: str

    @property
    def key(self) -> str:
        """Stable identity of the expectation within its asset (type + column + kwargs digest)."""
        column = self.kwargs.get("column")
        others = {k: v for k, v in self.kwargs.items() if k != "column"}
        suffix = json.dumps(others, sort_keys=True, ensure_ascii=False) if others else ""
        return f"{self.type}({column or ''}){suffix}"


@dataclass(frozen=True)
class AssetSpec:
    table: str
    date_column: str
    expectations: tuple[ExpectationSpec, ...]

    @property
    def schema(self) -> str:
        return self.table.split(".")[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".")[1]

    @property
    def asset_name(self) -> str:
        return self.table.replace(".", "__")


@dataclass(frozen=True)
class GateSpec:
    gate: str
    description: str
    assets: tuple[AssetSpec, ...]


@dataclass
class ExpectationOutcome:
    asset: str
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed: str | None
    meaning: str


@dataclass
class GateResult:
    gate: str
    business_date: dt.date
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failed_critical(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def passed(self) -> bool:
        return not self.failed_critical

    def describe(self) -> str:
        lines = [f"gate {self.gate} for {self.business_date}: "
                 f"{'PASSED' if self.passed else 'FAILED'} "
                 f"({len(self.outcomes)} expectations, {len(self.failed_critical)} critical failures, "
                 f"{len(self.warnings)} warnings)"]
        for outcome in self.failed_critical + self.warnings:
            lines.append(f"  {outcome.severity.upper():<8} {outcome.asset} {outcome.expectation}: "
                         f"{outcome.meaning} (observed {outcome.observed})")
        return "\n".join(lines)


def load_gate(gate: str, folder: Path | None = None) -> GateSpec:
    path = (folder or paths().expectations) / f"{gate}.yml"
    if not path.exists():
        raise FileNotFoundError(f"no gate declaration {path}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assets = tuple(
        AssetSpec(
            table=asset["table"], date_column=asset["date_column"],
            expectations=tuple(ExpectationSpec(
                type=e["type"], kwargs=e.get("kwargs", {}), severity=e.get("severity", "critical"),
                meaning=e["meaning"]) for e in asset["expectations"]),
        )
        for asset in spec["assets"]
    )
    for asset in assets:
        for expectation in asset.expectations:
            if expectation.severity not in ("critical", "warning"):
                raise ValueError(f"{path}: severity must be critical or warning, not {expectation.severity}")
    return GateSpec(gate=spec["gate"], description=spec.get("description", ""), assets=assets)


def _expectation_class(type_name: str):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in type_name.split("_"))
    try:
        return getattr(gxe, class_name)
    except AttributeError:
        raise ValueError(f"unknown expectation type {type_name!r}") from None


def _build_checkpoint(spec: GateSpec, warehouse: Warehouse, business_date: dt.date):
    import great_expectations as gx

    os.environ.update(warehouse.env())
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # The context is derived state: everything in it is rebuilt from expectations/<gate>.yml on
    # every run, so a changed declaration never meets stale definitions from an older one.
    project_root = paths().gx_root / spec.gate
    shutil.rmtree(project_root, ignore_errors=True)
    context = gx.get_context(mode="file", project_root_dir=str(project_root))
    # Task logs want one line per gate, not a progress bar per metric.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_or_update_postgres(
        name=DATASOURCE, connection_string="${RURALOPS_WAREHOUSE_SQLA_URL}")
    validation_definitions = []
    for asset_spec in spec.assets:
        # A query asset per table, scoped to the business date: an empty date is an empty
        # batch (row-count expectations fail, as they should) rather than "no batch found".
        try:
            datasource.delete_asset(asset_spec.asset_name)
        except LookupError:
            pass
        asset = datasource.add_query_asset(
            name=asset_spec.asset_name,
            query=f"select * from {asset_spec.table} "
                  f"where {asset_spec.date_column} = date '{business_date.isoformat()}'")
        batch_definition = asset.add_batch_definition_whole_table(name="business_date")
        suite = gx.ExpectationSuite(name=f"{spec.gate}__{asset_spec.asset_name}")
        for index, expectation in enumerate(asset_spec.expectations):
            cls = _expectation_class(expectation.type)
            suite.add_expectation(cls(**expectation.kwargs, severity=expectation.severity,
                                      meta={"key": expectation.key, "index": index,
                                            "meaning": expectation.meaning}))
        suite = context.suites.add_or_update(suite)
        validation_definitions.append(context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)))
    return context.checkpoints.add_or_update(gx.Checkpoint(
        name=f"{spec.gate}_gate", validation_definitions=validation_definitions, actions=[],
        result_format={"result_format": "SUMMARY"}))


def _observed(result: dict) -> str | None:
    detail = result.get("result") or {}
    if "observed_value" in detail:
        return str(detail["observed_value"])
    if "unexpected_count" in detail:
        sample = detail.get("partial_unexpected_list") or []
        return (f"{detail['unexpected_count']} unexpected of {detail.get('element_count')}"
                f" ({detail.get('unexpected_percent') or 0:.2f}%), e.g. {sample[:3]}")
    exception = result.get("exception_info") or {}
    if exception.get("raised_exception"):
        return f"error: {exception.get('exception_message')}"
    return None


def run_gate(warehouse: Warehouse, gate: str, business_date: dt.date) -> GateResult:
    """Validate every asset of the gate for the date, store outcomes, return the result."""
    spec = load_gate(gate)
    checkpoint = _build_checkpoint(spec, warehouse, business_date)
    run = checkpoint.run()
    result = GateResult(gate=spec.gate, business_date=business_date)
    by_suite = {a.asset_name: a for a in spec.assets}
    for validation in run.run_results.values():
        described = validation.to_json_dict()
        asset_name = described["suite_name"].split("__", 1)[1]
        asset_spec = by_suite[asset_name]
        for item in described["results"]:
            config = item["expectation_config"]
            meta = config.get("meta") or {}
            declared = asset_spec.expectations[meta["index"]]
            result.outcomes.append(ExpectationOutcome(
                asset=asset_spec.table, expectation=declared.key,
                column=declared.kwargs.get("column"), severity=declared.severity,
                success=bool(item["success"]), observed=_observed(item), meaning=declared.meaning))
    _store(warehouse, result)
    return result


def _store(warehouse: Warehouse, result: GateResult) -> None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("delete from ops.quality_results where business_date = %s and gate = %s",
                    (result.business_date, result.gate))
        for outcome in result.outcomes:
            cur.execute(
                "insert into ops.quality_results (business_date, gate, asset, expectation,"
                " column_name, severity, success, observed, details)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (result.business_date, result.gate, outcome.asset, outcome.expectation,
                 outcome.column, outcome.severity, outcome.success, outcome.observed,
                 json.dumps({"meaning": outcome.meaning}, ensure_ascii=False)))


def enforce(result: GateResult) -> None:
    """Raise when a critical expectation failed, so the gate task (and what follows) fails."""
    if not result.passed:
        raise GateFailed(result.describe())
