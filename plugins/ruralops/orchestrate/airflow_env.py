"""Airflow from the checkout: AIRFLOW_HOME in the state folder, the warehouse as a connection.

``configure_airflow`` must run before ``airflow`` is imported in this process: Airflow reads its
configuration at import. The warehouse connection is passed as ``AIRFLOW_CONN_RURALOPS_*``
in the process environment (never on a command line, never in a file we write).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from ruralops.db.connection import AIRFLOW_CONN_ID, Warehouse
from ruralops.settings import BUSINESS_TIMEZONE, paths

DAG_ID = "customer_ops_nightly"


def configure(warehouse: Warehouse) -> dict[str, str]:
    """Set (and return) the environment Airflow needs for a run from this checkout."""
    env = configure_airflow()
    connection = {f"AIRFLOW_CONN_{AIRFLOW_CONN_ID.upper()}": warehouse.airflow_connection_json()}
    os.environ.update(connection)
    return {**env, **connection}


def configure_airflow() -> dict[str, str]:
    """Airflow's own settings for this checkout; must run before ``airflow`` is first imported."""
    p = paths()
    home = p.airflow_home
    (home / "plugins").mkdir(parents=True, exist_ok=True)
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(p.dags),
        # The ruralops package is installed; an empty plugins folder keeps Airflow from
        # importing every module of it as a would-be plugin.
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": BUSINESS_TIMEZONE,
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "RURALOPS_STATE_DIR": str(p.state),
        "RURALOPS_HOME": str(p.root),
    }
    if not os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home / 'airflow.db'}"
    os.environ.update(env)
    return env


def ensure_metadata_db() -> None:
    """Initialise Airflow's metadata database once per Airflow version (``airflow db migrate``)."""
    import importlib.metadata

    version = importlib.metadata.version("apache-airflow-core")
    marker = paths().airflow_home / f".migrated-{version}"
    if marker.exists():
        return
    print(f"initialising the Airflow metadata database in {paths().airflow_home} (first run only)...")
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run([str(airflow), "db", "migrate"], env=os.environ.copy(),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    marker.touch()


def run_after_for(business_date: dt.date):
    """The moment the scheduled run for a business date fires: 02:00 Shanghai the next day.

    dag.test() infers the data interval as the last complete interval before this moment,
    which is [D 02:00, D+1 02:00) — so the run processes business date D.
    """
    import pendulum

    next_day = business_date + dt.timedelta(days=1)
    return pendulum.datetime(next_day.year, next_day.month, next_day.day, 2, tz=BUSINESS_TIMEZONE)


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(paths().dags))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[DAG_ID]


def run_date(warehouse: Warehouse, business_date: dt.date) -> str:
    """Run the nightly DAG for one business date in this process; returns the run's state."""
    configure(warehouse)
    ensure_metadata_db()
    from airflow import settings

    if settings.Session is None:
        settings.configure_orm()
    dag = load_dag()
    moment = run_after_for(business_date)
    dag_run = dag.test(logical_date=moment, run_after=moment)
    return str(dag_run.state)
