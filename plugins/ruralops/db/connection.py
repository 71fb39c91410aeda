"""How every stage reaches the warehouse.

There is one description of the warehouse, ``Warehouse``. It comes from
``RURALOPS_DATABASE_URL`` when that is set (and then nothing is started), else from the
embedded cluster of this checkout. Inside Airflow tasks it comes from the Airflow connection
``ruralops_warehouse``, which ``ruralops.orchestrate`` builds from the same source. Passwords
travel in environment variables or connection objects, never on command lines or in files
that we generate.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import quote, unquote, urlsplit

AIRFLOW_CONN_ID = "ruralops_warehouse"


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Warehouse:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    pii_key: str | None = None

    def __repr__(self) -> str:  # never print the password
        return f"Warehouse({self.masked_url()})"

    def masked_url(self) -> str:
        return f"postgresql://{self.user}:***@{self.host}:{self.port}/{self.dbname}"

    def url(self) -> str:
        """Full URL with the password: for handing to a library in-process, never for printing."""
        return (f"postgresql://{quote(self.user)}:{quote(self.password, safe='')}"
                f"@{self.host}:{self.port}/{self.dbname}")

    def connect(self):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password, dbname=self.dbname,
                                application_name="ruralops")

    def env(self) -> dict[str, str]:
        """Environment for dbt's profile and GX's config substitution.

        The PII key is deliberately absent: tokenising reads it from vault.pii_key in the
        database, so it need not travel through any tool's environment.
        """
        return {
            "RURALOPS_DB_HOST": self.host,
            "RURALOPS_DB_PORT": str(self.port),
            "RURALOPS_DB_USER": self.user,
            "RURALOPS_DB_PASSWORD": self.password,
            "RURALOPS_DB_NAME": self.dbname,
            "RURALOPS_WAREHOUSE_SQLA_URL": self.url().replace("postgresql://", "postgresql+psycopg2://", 1),
        }

    def airflow_connection_json(self) -> str:
        """The value for AIRFLOW_CONN_RURALOPS_WAREHOUSE (JSON form keeps odd passwords intact)."""
        return json.dumps({
            "conn_type": "postgres", "host": self.host, "port": self.port, "login": self.user,
            "password": self.password, "schema": self.dbname,
            "extra": {"pii_key": self.pii_key} if self.pii_key else {},
        })


def from_url(url: str, pii_key: str | None = None) -> Warehouse:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg2") or not parts.hostname:
        raise ConfigurationError(
            "RURALOPS_DATABASE_URL must look like postgresql://USER:PASSWORD@HOST:PORT/DBNAME")
    return Warehouse(host=parts.hostname, port=parts.port or 5432,
                     user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                     dbname=parts.path.lstrip("/") or "postgres", pii_key=pii_key)


def uses_external_database() -> bool:
    return bool(os.environ.get("RURALOPS_DATABASE_URL"))


def resolve(start_embedded: bool = True) -> Warehouse:
    """The warehouse for commands run outside Airflow.

    With RURALOPS_DATABASE_URL set that database is used (and RURALOPS_PII_KEY must be set);
    otherwise the embedded cluster is started if needed.
    """
    if uses_external_database():
        return from_url(os.environ["RURALOPS_DATABASE_URL"], os.environ.get("RURALOPS_PII_KEY"))
    from ruralops.db import cluster

    state = cluster.start() if start_embedded else cluster.load_state()
    if state is None:
        raise ConfigurationError("The embedded database has not been created: run `ruralops db start`.")
    return Warehouse(host="127.0.0.1", port=state.port, user=cluster.SUPERUSER,
                     password=state.password, dbname=state.database,
                     pii_key=os.environ.get("RURALOPS_PII_KEY", state.pii_key))


def from_airflow() -> Warehouse:
    """The warehouse as the running Airflow task sees it (the ``ruralops_warehouse`` connection)."""
    from airflow.sdk import Connection

    conn = Connection.get(AIRFLOW_CONN_ID)
    extra = conn.extra_dejson or {}
    return Warehouse(host=conn.host, port=int(conn.port or 5432), user=conn.login,
                     password=conn.password or "", dbname=conn.schema,
                     pii_key=os.environ.get("RURALOPS_PII_KEY") or extra.get("pii_key"))


@contextmanager
def transaction(warehouse: Warehouse) -> Iterator:
    """One connection, one transaction: commit on success, roll back on any error."""
    conn = warehouse.connect()
    try:
        with conn:
            yield conn
    finally:
        conn.close()
