"""Raw tables, generated from the file contracts, and the partition swap that loads them.

Raw keeps every column as text, exactly as delivered, plus lineage: which business date,
batch, file and line a row came from, and when it was loaded. Typing happens in dbt staging,
where a bad value becomes a flagged row instead of a failed load.

Each raw table is list-partitioned by business date. A load builds the date's rows in a fresh
table whose lineage columns default to the load's constants (so COPY writes the file's own
columns straight into it, with no second pass), then swaps it in for the date's old partition,
all in the caller's transaction: readers see the old rows or the new ones, never a mix.
"""

from __future__ import annotations

import datetime as dt

from psycopg2 import sql

from ruralops.exchange.contracts import Contract

LINEAGE_COLUMNS = ("business_date", "batch_id", "source_file", "line_number")


def _ident(contract: Contract) -> sql.Identifier:
    schema, table = contract.raw_table.split(".")
    return sql.Identifier(schema, table)


def partition_name(contract: Contract, business_date: dt.date) -> str:
    return f"{contract.name}__{business_date:%Y%m%d}"


def ensure_table(cur, contract: Contract) -> None:
    """Create the partitioned raw table, or add the columns a contract gained (never drop)."""
    schema, table = contract.raw_table.split(".")
    cur.execute("select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname = %s and c.relname = %s", (schema, table))
    found = cur.fetchone()
    if found and found[0] != "p":
        # A table from before raw was partitioned: keep its rows under another name (nothing is
        # dropped) and start the partitioned one; re-collecting the dates refills it.
        cur.execute(sql.SQL("alter table {} rename to {}").format(
            _ident(contract), sql.Identifier(f"{table}__unpartitioned")))
        found = None
    if not found:
        data_columns = sql.SQL(", ").join(
            sql.SQL("{} text").format(sql.Identifier(name)) for name in contract.column_names)
        cur.execute(sql.SQL(
            "create table {} (business_date date not null, batch_id text not null,"
            " source_file text not null, line_number bigint not null, {},"
            " loaded_at timestamptz not null default now()) partition by list (business_date)"
        ).format(_ident(contract), data_columns))
        if contract.dedupe_days:
            cur.execute(sql.SQL("create index on {} ({}, business_date)").format(
                _ident(contract), sql.Identifier(contract.key[0])))
        return
    cur.execute("select column_name from information_schema.columns"
                " where table_schema = %s and table_name = %s", (schema, table))
    existing = {row[0] for row in cur.fetchall()}
    for name in contract.column_names:
        if name not in existing:
            cur.execute(sql.SQL("alter table {} add column {} text").format(
                _ident(contract), sql.Identifier(name)))


def create_incoming(cur, contract: Contract, business_date: dt.date, batch_id: str,
                    file_name: str) -> sql.Identifier:
    """A table shaped like the raw table whose lineage columns default to this load's values,
    so COPY sends only the line number and the file's own columns.

    The check constraint lets the partition attach without a scan of its rows.
    """
    incoming = sql.Identifier("raw", f"{contract.name}__incoming")
    cur.execute(sql.SQL("drop table if exists {}").format(incoming))
    cur.execute(sql.SQL(
        "create table {incoming} (like {parent} including defaults);"
        " alter table {incoming} alter business_date set default {date},"
        " alter batch_id set default {batch}, alter source_file set default {file},"
        " add constraint one_business_date check (business_date = {date})"
    ).format(incoming=incoming, parent=_ident(contract), date=sql.Literal(business_date),
             batch=sql.Literal(batch_id), file=sql.Literal(file_name)))
    return incoming


def swap_in(cur, contract: Contract, business_date: dt.date, incoming: sql.Identifier) -> None:
    """Replace the date's partition by the incoming table (the caller's transaction commits it)."""
    partition = partition_name(contract, business_date)
    cur.execute(sql.SQL("drop table if exists {}").format(sql.Identifier("raw", partition)))
    cur.execute(sql.SQL("alter table {} rename to {}").format(incoming, sql.Identifier(partition)))
    cur.execute(sql.SQL("alter table {} attach partition {} for values in ({})").format(
        _ident(contract), sql.Identifier("raw", partition), sql.Literal(business_date)))


def copy_statement(target: sql.Identifier, columns: list[str], delimiter: str, quote: str = "\x01",
                   encoding: str = "UTF8", freeze: bool = True) -> sql.Composed:
    """COPY in CSV mode. Batch files use a quote byte that never occurs in accepted lines, so
    empty fields load as NULL and quotes and backslashes stay literal, as the bank wrote them."""
    options = [sql.SQL("format csv"), sql.SQL("delimiter {}").format(sql.Literal(delimiter)),
               sql.SQL("quote {}").format(sql.Literal(quote)),
               sql.SQL("encoding {}").format(sql.Literal(encoding))]
    if freeze:
        options.append(sql.SQL("freeze"))
    return sql.SQL("copy {} ({}) from stdin with ({})").format(
        target, sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(options))
