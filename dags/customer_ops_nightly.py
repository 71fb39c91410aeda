"""
### customer_ops_nightly

The nightly customer-data operations run of the credit union, for **one business date**: the
data interval start of the run, in Asia/Shanghai (the run at 02:00 on D+1 processes D).

1. **wait_for_flags** — every critical batch file's `.ok` flag is in the landing folder
   (reschedule mode: no worker slot is held while waiting); gives up at the latest critical
   deadline (sensor timeout), and the run goes on to record what is missing.
2. **prepare_warehouse** — schemas and ops tables exist; the PII key is in the vault.
3. **collect** — files checked against their control files and COPYed into `raw`;
   every line loaded or rejected with a reason (`ops.load_audit`, `raw.rejects`).
4. **gate_raw** — Great Expectations gate on the raw tables (`expectations/raw.yml`).
5. **transform** — dbt build per layer: staging → identity → features → tags → marts.
6. **gate_leads** — Great Expectations gate on the lead mart (`expectations/leads.yml`).
7. **publish_crm** — the CRM lead file (GBK, `|`, control file, `.ok` flag) into the outbox.
8. **summarize** — rows per stage and gate results into `ops.run_summary`, printed; runs even
   when something upstream failed, and then fails the run.

All logic lives in `ruralops.orchestrate.nightly`; this file only wires it.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task, task_group
from airflow.timetables.interval import CronDataIntervalTimetable

from ruralops.orchestrate import nightly


@dag(
    dag_id="customer_ops_nightly",
    schedule=CronDataIntervalTimetable(nightly.SCHEDULE, timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "ruralops-data-platform", "retries": 0},
    tags=["ruralops", "nightly", "customer-data"],
    doc_md=__doc__,
)
def customer_ops_nightly():
    @task
    def business_date(data_interval_start=None) -> str:
        return nightly.business_date_of(data_interval_start).isoformat()

    @task.sensor(poke_interval=300, timeout=nightly.flag_wait().total_seconds(), mode="reschedule")
    def wait_for_flags(day: str) -> bool:
        return nightly.flags_ready(pendulum.parse(day).date())

    def stage_task(task_id: str, body, **task_kwargs):
        @task(task_id=task_id, **task_kwargs)
        def run(day: str, run_id=None) -> dict:
            return body(pendulum.parse(day).date(), run_id)
        return run

    day = business_date()
    # after the sensor gave up (deadline passed), still collect and let the raw gate name what is missing
    prepare = stage_task("prepare_warehouse", nightly.prepare_warehouse, trigger_rule="all_done")(day)
    collected = stage_task("collect", nightly.collect)(day)
    raw_gate = stage_task("gate_raw", nightly.gate_raw)(day)

    @task_group(group_id="transform")
    def transform():
        previous = None
        for layer in nightly.DBT_LAYERS:
            current = stage_task(f"dbt_{layer}", nightly.dbt_layer[layer])(day)
            if previous is not None:
                previous >> current
            previous = current

    built = transform()
    leads_gate = stage_task("gate_leads", nightly.gate_leads)(day)
    published = stage_task("publish_crm", nightly.publish_crm)(day)
    summary = stage_task("summarize", nightly.summarize, trigger_rule="all_done")(day)

    wait_for_flags(day) >> prepare >> collected >> raw_gate >> built >> leads_gate >> published >> summary


customer_ops_nightly()
