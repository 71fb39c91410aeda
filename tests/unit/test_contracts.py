"""File contracts are the one declaration of each layout: dbt sources and raw DDL must agree."""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from ruralops.exchange.contracts import all_contracts, all_publications, contract

pytestmark = pytest.mark.unit
DBT_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def _dbt_source_columns() -> dict[str, list[str]]:
    columns = {}
    for path in DBT_MODELS.rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source.get("schema") != "raw":
                continue  # e.g. the identity resolver's tables: not delivered files
            for table in source["tables"]:
                columns[table["identifier"]] = [c["name"] for c in table.get("columns", [])]
    return columns


def test_every_contract_has_a_dbt_source_with_the_same_columns_in_order():
    declared = _dbt_source_columns()
    for name, c in all_contracts().items():
        assert name in declared, f"{name} has no dbt source table"
        assert declared[name] == c.column_names, f"dbt source columns of {name} differ from the contract"


def test_every_dbt_source_table_has_a_contract():
    assert set(_dbt_source_columns()) <= set(all_contracts())


def test_every_source_declares_a_deadline_and_dedupe_only_on_a_single_key():
    for c in all_contracts().values():
        assert c.deadline and c.deadline_at(dt.date(2026, 11, 1)).date() == dt.date(2026, 11, 2), c.name
    assert contract("track__events").dedupe_days == 7


def test_a_file_name_gives_back_its_business_date_and_foreign_names_give_none():
    c = contract("gateway__access_log")
    assert c.date_of("access_20261102.log.gz") == dt.date(2026, 11, 2)
    for other in ("access_20261102.log", "access_2026110.log.gz", "access_20261302.log.gz", "app_20261102.log.gz"):
        assert c.date_of(other) is None


def test_a_deadline_is_shanghai_time_on_the_morning_after():
    at = contract("core__customers").deadline_at(dt.date(2026, 12, 31))
    assert at.isoformat() == "2027-01-01T04:30:00+08:00"


def test_unknown_contract_names_the_known_ones():
    with pytest.raises(KeyError, match="core__customers"):
        contract("core__nope")


def test_file_names_carry_the_business_date():
    assert contract("core__transactions").file_name(dt.date(2026, 11, 2)) == "CORE_TXN_20261102.dat"
    assert "crm__leads" in all_publications()


def test_docs_sources_md_is_generated_from_the_contracts():
    from ruralops.exchange.catalogue import render_markdown

    committed = (DBT_MODELS.parents[1] / "docs" / "sources.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "docs/sources.md is stale: run `make docs`"
