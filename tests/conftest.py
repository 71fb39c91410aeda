"""Test session setup: its own state folder, embedded Postgres and Airflow home.

The session never touches the checkout's demo state (.ruralops/): everything lives under
.ruralops/test, wiped at the start. Airflow reads its configuration at import time, so the
environment is set here, before any test module imports airflow. With RURALOPS_DATABASE_URL
set, that database is used instead of the embedded one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_STATE = Path(os.environ.get("RURALOPS_TEST_STATE_DIR", ROOT / ".ruralops" / "test"))

os.environ["RURALOPS_STATE_DIR"] = str(TEST_STATE)
os.environ["RURALOPS_HOME"] = str(ROOT)
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW_HOME"] = str(TEST_STATE / "airflow")

from ruralops.orchestrate.airflow_env import configure_airflow  # noqa: E402

configure_airflow()  # before any test module imports airflow: it reads its config at import

# The business dates the simulated test bank delivers.
FIRST_DATE = dt.date(2026, 11, 1)
SIM_DAYS = 3
SIM_CUSTOMERS = 1500
SIM_SEED = 42


def _wipe_previous_session() -> None:
    if not TEST_STATE.exists():
        return
    from ruralops.db import cluster

    try:
        cluster.destroy()
    except Exception as exc:  # a broken leftover must not stop a new session
        print(f"could not destroy previous test cluster: {exc}")
    shutil.rmtree(TEST_STATE, ignore_errors=True)


def pytest_sessionstart(session) -> None:
    _wipe_previous_session()
    TEST_STATE.mkdir(parents=True, exist_ok=True)
    configure_airflow()  # recreate the (wiped) Airflow home folders


@pytest.fixture(scope="session")
def warehouse():
    """The real Postgres for the session, with schemas and ops tables in place."""
    from ruralops.db import connection, schema

    wh = connection.resolve()
    schema.ensure(wh)
    yield wh
    if not connection.uses_external_database():
        from ruralops.db import cluster

        cluster.stop()


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Path:
    """A simulated small bank for FIRST_DATE and the following days (read-only for tests)."""
    from ruralops.simulate import simulate

    out = TEST_STATE / "landing"
    simulate(FIRST_DATE, SIM_DAYS, SIM_CUSTOMERS, SIM_SEED, out)
    return out


@pytest.fixture
def fresh_landing(tmp_path, landing) -> Path:
    """A private copy of the simulated landing folder, for tests that corrupt or move files."""
    target = tmp_path / "landing"
    shutil.copytree(landing, target)
    return target


def run_sql(warehouse, sql: str, params=None) -> list[tuple]:
    from ruralops.db.connection import transaction

    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []
