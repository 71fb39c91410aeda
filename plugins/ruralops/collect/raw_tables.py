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


def copy_delimiter(contract: Contract) -> str:
    """The separator of the lines handed to COPY: the file's own, or \\x1f for fixed width."""
    return contract.delimiter or "\x1f"


def copy_sql(contract: Contract) -> str:
    columns = ", ".join((*LINEAGE_COLUMNS, *contract.column_names))
    delimiter = "e'\\x1f'" if copy_delimiter(contract) == "\x1f" else f"'{contract.delimiter}'"
    # CSV mode with a quote byte that never occurs: empty fields load as NULL and
    # backslashes stay literal, as the bank wrote them.
    return (f"copy {contract.raw_table} ({columns}) from stdin "
            f"with (format csv, delimiter {delimiter}, quote e'\\x01')")
