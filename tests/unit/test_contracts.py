"""File contracts are the one declaration of each layout: dbt sources and raw DDL must agree."""

from pathlib import Path

import pytest
import yaml

from ruralops.collect.raw_tables import LINEAGE_COLUMNS, add_missing_columns_sql, create_table_sql
from ruralops.exchange.contracts import all_contracts, all_publications, contract

pytestmark = pytest.mark.unit
DBT_MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def _dbt_source_columns() -> dict[str, list[str]]:
    columns = {}
    for path in DBT_MODELS.rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                columns[table["identifier"]] = [c["name"] for c in table.get("columns", [])]
    return columns


def test_every_collected_contract_has_a_dbt_source_with_the_same_columns_in_order():
    from ruralops.collect.loader import PARSERS

    declared = _dbt_source_columns()
    for name, c in all_contracts().items():
        if c.format not in PARSERS:
            continue  # not loaded into raw yet, so no dbt source either
        assert name in declared, f"{name} has no dbt source table"
        assert declared[name] == c.column_names, f"dbt source columns of {name} differ from the contract"


def test_every_dbt_source_table_has_a_contract():
    assert set(_dbt_source_columns()) <= set(all_contracts())


def test_raw_ddl_carries_lineage_and_every_column_as_text():
    c = contract("core__customers")
    ddl = create_table_sql(c)
    for column in LINEAGE_COLUMNS:
        assert column in ddl
    for name in c.column_names:
        assert f"{name} text" in ddl


def test_a_new_contract_column_is_added_never_dropped():
    c = contract("core__accounts")
    existing = set(c.column_names) - {"balance"} | {"legacy_column"}
    statements = add_missing_columns_sql(c, existing)
    assert statements == ["alter table raw.core__accounts add column balance text"]


def test_unknown_contract_names_the_known_ones():
    with pytest.raises(KeyError, match="core__customers"):
        contract("core__nope")


def test_file_names_carry_the_business_date():
    import datetime as dt

    assert contract("core__transactions").file_name(dt.date(2026, 11, 2)) == "CORE_TXN_20261102.dat"
    assert "crm__leads" in all_publications()
