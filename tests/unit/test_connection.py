"""Warehouse settings: URLs parse, passwords never print, missing binaries say what to do."""

import pytest

from ruralops.db import cluster
from ruralops.db.connection import ConfigurationError, from_url

pytestmark = pytest.mark.unit


def test_url_parses_and_the_password_never_shows():
    wh = from_url("postgresql://steward:s3cr%40t@db.bank.local:6543/warehouse")
    assert (wh.host, wh.port, wh.user, wh.password, wh.dbname) == (
        "db.bank.local", 6543, "steward", "s3cr@t", "warehouse")
    assert "s3cr" not in repr(wh) and "s3cr" not in wh.masked_url()
    assert "s3cr%40t" in wh.url()


def test_a_malformed_url_names_the_variable():
    with pytest.raises(ConfigurationError, match="RURALOPS_DATABASE_URL"):
        from_url("mysql://x@y/z")


def test_no_server_binaries_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RURALOPS_PG_BIN", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(cluster, "SEARCH_PATTERNS", [str(tmp_path / "none*")])
    with pytest.raises(cluster.ClusterError, match="apt-get install postgresql"):
        cluster.find_bin_dir()


def test_binaries_are_found_where_debian_puts_them():
    found = cluster.find_bin_dir()
    assert (found / "initdb").exists() and (found / "pg_ctl").exists()
