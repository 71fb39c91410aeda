"""DAG integrity: imports cleanly, owners and tags set, no database or network at parse time."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "customer_ops_nightly" in dagbag.dag_ids


def test_every_dag_has_an_owner_tags_and_docs(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no doc_md"
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), f"{dag_id}.{task.task_id} has no owner"


def test_every_stage_is_a_visible_task_in_order(dagbag):
    dag = dagbag.dags["customer_ops_nightly"]
    order = ["wait_for_flags", "prepare_warehouse", "collect", "gate_raw", "transform.dbt_staging",
             "transform.dbt_identity", "transform.dbt_features", "transform.dbt_tags",
             "transform.dbt_marts", "gate_leads", "publish_crm", "summarize"]
    for upstream, downstream in zip(order, order[1:]):
        assert upstream in dag.get_task(downstream).upstream_task_ids, f"{upstream} >> {downstream}"
    assert dag.get_task("summarize").trigger_rule == "all_done"


def test_the_flag_sensor_frees_its_slot_and_gives_up_at_the_latest_critical_deadline(dagbag):
    import datetime as dt

    from ruralops.exchange.contracts import all_contracts

    sensor = dagbag.dags["customer_ops_nightly"].get_task("wait_for_flags")
    latest = max(c.deadline for c in all_contracts().values() if c.criticality == "critical")
    hour, minute = map(int, latest.split(":"))
    assert sensor.mode == "reschedule"
    assert dt.timedelta(seconds=sensor.timeout) == dt.timedelta(hours=hour - 2, minutes=minute)  # from 02:00
    # after a timeout the run still collects, so the raw gate can name what is missing
    assert dagbag.dags["customer_ops_nightly"].get_task("prepare_warehouse").trigger_rule == "all_done"


def test_parsing_the_dag_file_opens_no_connection():
    """Import the DAG file with an audit hook that records every socket and sqlite connect."""
    probe = textwrap.dedent(f"""
        import sys, importlib.util
        import airflow.sdk  # Airflow's own import may set up its engine; our file must not connect
        events = []
        def hook(event, args):
            if event in ("socket.connect", "sqlite3.connect", "socket.getaddrinfo"):
                events.append((event, repr(args)[:120]))
        sys.addaudithook(hook)
        spec = importlib.util.spec_from_file_location("dag_under_test", {str(DAGS / 'customer_ops_nightly.py')!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print("EVENTS", events)
        print("HEAVY", sorted(m for m in ("dbt", "great_expectations", "psycopg2", "pandas") if m in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith(("EVENTS", "HEAVY")))
    assert lines["EVENTS"] == "[]"
    assert "dbt" not in lines["HEAVY"] and "great_expectations" not in lines["HEAVY"]


def test_the_run_for_a_business_date_processes_that_date():
    """The 02:00 run on D+1 has data interval [D 02:00, D+1 02:00) Shanghai: business date D."""
    import datetime as dt

    from airflow.serialization.encoders import coerce_to_core_timetable

    from ruralops.orchestrate.airflow_env import run_after_for
    from ruralops.orchestrate.nightly import business_date_of

    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(DAGS)).dags["customer_ops_nightly"]
    timetable = coerce_to_core_timetable(dag.timetable)
    for day in (dt.date(2026, 11, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1)):
        interval = timetable.infer_manual_data_interval(run_after=run_after_for(day))
        assert business_date_of(interval.start) == day
        assert (interval.end - interval.start).total_seconds() == 86400
