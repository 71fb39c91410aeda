"""What each task of ``customer_ops_nightly`` does.

The DAG file only wires these together. Each function takes the business date (derived from
the run's data interval, never the wall clock), reaches the warehouse through the Airflow
connection, records its outcome in ``ops.run_stage`` and returns a small JSON-able dict.
Imports of heavy libraries happen inside the functions so parsing the DAG stays cheap.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Callable

from ruralops.settings import BUSINESS_TIMEZONE


class RunFailed(RuntimeError):
    """The run summary was written, and the run did not succeed."""


def business_date_of(data_interval_start) -> dt.date:
    """The business date is the data interval start, read in Asia/Shanghai."""
    if data_interval_start is None:
        raise ValueError("this task needs the run's data interval; it was not given one")
    import pendulum

    return pendulum.instance(data_interval_start).in_timezone(BUSINESS_TIMEZONE).date()


def _warehouse():
    from ruralops.db.connection import from_airflow

    return from_airflow()


def stage(name: str, opens_run: bool = False) -> Callable:
    """Record success or failure of a stage in ops.run_stage, then pass the result or error on.

    The stage that opens a run forgets what an earlier run with the same run id recorded (a
    re-run of a date with ``dag.test`` reuses the id), so the summary describes this run only.
    """
    def decorate(body: Callable[..., dict]) -> Callable[..., dict]:
        @functools.wraps(body)
        def wrapper(business_date: dt.date, run_id: str) -> dict:
            from ruralops.report.run_summary import forget_run, record_stage

            warehouse = _warehouse()
            try:
                detail = body(warehouse, business_date)
            except Exception as exc:
                try:
                    record_stage(warehouse, business_date, run_id, name, "failed",
                                 {"error": f"{type(exc).__name__}: {exc}"})
                except Exception as record_error:  # the stage's own error matters more
                    print(f"could not record the failure of {name}: {record_error}")
                raise
            if opens_run:
                forget_run(warehouse, run_id)
            record_stage(warehouse, business_date, run_id, name, "success", detail)
            return detail
        return wrapper
    return decorate


def missing_critical(business_date: dt.date):
    """The critical contracts of the date with no flagged delivery yet (own folder or late)."""
    from ruralops.collect.loader import find_delivery
    from ruralops.exchange.contracts import all_contracts
    from ruralops.settings import paths

    return [c for c in all_contracts().values()
            if c.criticality == "critical" and find_delivery(c, business_date, paths().landing)[0] is None]


def missing_flags(business_date: dt.date) -> list[str]:
    """The file names of the date's critical files whose ``.ok`` flag is not there yet."""
    return [c.file_name(business_date) for c in missing_critical(business_date)]


def flags_ready(business_date: dt.date) -> bool:
    """The sensor's poke: True once every critical file's ``.ok`` flag is there.

    How long to wait is not decided here (no task reads the clock): the sensor's timeout
    (``flag_wait``) ends the wait at the latest critical deadline; the run then still collects
    what arrived, and the raw gate fails it naming the missing files."""
    from ruralops.settings import paths

    missing = missing_critical(business_date)
    if missing:
        print(f"waiting for {len(missing)} flag(s) under {paths().landing}: "
              + ", ".join(c.file_name(business_date) for c in missing))
    return not missing


RUN_TIME = dt.time(2, 0)  # the nightly run fires at 02:00 Asia/Shanghai on the morning after D
SCHEDULE = f"{RUN_TIME.minute} {RUN_TIME.hour} * * *"


def flag_wait() -> dt.timedelta:
    """How long the sensor waits from the run's start for the critical flags: until the latest
    critical file's deadline (``deadline`` in the contracts, same morning), at least 5 minutes."""
    from ruralops.exchange.contracts import all_contracts

    def after_start(deadline: str) -> dt.timedelta:
        hour, minute = (int(part) for part in deadline.split(":"))
        return dt.timedelta(hours=hour - RUN_TIME.hour, minutes=minute - RUN_TIME.minute)

    deadlines = [after_start(c.deadline) for c in all_contracts().values()
                 if c.criticality == "critical" and c.deadline]
    return max([dt.timedelta(minutes=5), *deadlines])


@stage("prepare_warehouse", opens_run=True)
def prepare_warehouse(warehouse, business_date: dt.date) -> dict:
    from ruralops.collect.checks import ensure_raw
    from ruralops.db.schema import ensure

    ensure(warehouse)
    ensure_raw(warehouse)
    return {"warehouse": warehouse.masked_url()}


@stage("collect")
def collect(warehouse, business_date: dt.date) -> dict:
    from ruralops.collect.loader import collect_date
    from ruralops.settings import paths

    outcomes = collect_date(warehouse, business_date, paths().landing, paths().quarantine,
                            progress=print)
    return {"files": [o.as_dict() for o in outcomes]}


def _gate(name: str) -> Callable:
    @stage(f"gate_{name}")
    def run(warehouse, business_date: dt.date) -> dict:
        from ruralops.quality.gates import enforce, run_gate

        result = run_gate(warehouse, name, business_date)
        print(result.describe())
        enforce(result)
        return {"checked": len(result.outcomes), "warnings": len(result.warnings)}
    return run


gate_raw = _gate("raw")
gate_leads = _gate("leads")


def _dbt_layer(layer: str) -> Callable:
    @stage(f"dbt_{layer}")
    def run(warehouse, business_date: dt.date) -> dict:
        from ruralops.warehouse.dbt_build import build_layer

        return build_layer(warehouse, layer, business_date).summary()
    return run


DBT_LAYERS = ("staging", "identity", "features", "tags", "marts")
dbt_layer = {layer: _dbt_layer(layer) for layer in DBT_LAYERS}


@stage("publish_crm")
def publish_crm(warehouse, business_date: dt.date) -> dict:
    from ruralops.publish.crm import publish_leads
    from ruralops.settings import paths

    outcome = publish_leads(warehouse, business_date, paths().outbox)
    print(outcome.line())
    return {"path": str(outcome.path), "rows": outcome.rows, "md5": outcome.md5,
            "outcome": outcome.outcome}


def summarize(business_date: dt.date, run_id: str) -> dict:
    """Build, store and print the run summary; fail the task if any stage did not succeed."""
    from ruralops.report import run_summary

    warehouse = _warehouse()
    summary = run_summary.build(warehouse, business_date, run_id)
    run_summary.store(warehouse, summary)
    print(run_summary.render(summary))
    if summary["status"] != "success":
        failed = [n for n, s in summary["stages"].items() if s["status"] != "success"]
        raise RunFailed(f"run for {business_date} did not succeed; stages not successful: {', '.join(failed)}")
    return {"status": summary["status"]}
