"""Raw table DDL, generated from the file contracts.

Raw keeps every column as text, exactly as delivered, plus lineage: which business date,
batch, file and line a row came from. Typing happens in dbt staging, where a bad value
becomes a flagged row instead of a failed load.
"""

from __future__ import annotations

from ruralops.exchange.contracts import Contract

LINEAGE_COLUMNS = ("business_date", "batch_id", "source_file", "line_number")


def create_table_sql(contract: Contract) -> str:
    data_columns = ",\n    ".join(f"{name} text" for name in contract.column_names)
    return f"""
create table if not exists {contract.raw_table} (
    business_date date not null,
    batch_id text not null,
    source_file text not null,
    line_number bigint not null,
    {data_columns},
    loaded_at timestamptz not null default now()
);
create index if not exists {contract.name}_business_date on {contract.raw_table} (business_date);
"""


def add_missing_columns_sql(contract: Contract, existing: set[str]) -> list[str]:
    """A contract that gained a column adds it to the table; nothing is ever dropped here."""
    return [f"alter table {contract.raw_table} add column {name} text"
            for name in contract.column_names if name not in existing]


def copy_sql(contract: Contract) -> str:
    columns = ", ".join((*LINEAGE_COLUMNS, *contract.column_names))
    # CSV mode with a quote byte that never occurs: empty fields load as NULL and
    # backslashes stay literal, as the bank wrote them.
    return (f"copy {contract.raw_table} ({columns}) from stdin "
            f"with (format csv, delimiter '{contract.delimiter}', quote e'\\x01')")
