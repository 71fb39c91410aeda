"""Load one business date's batch files into raw, in one transaction per file.

For each file type: the ``.ok`` flag must be there, the control file must agree with the data
file (business date, byte size, MD5, record count), and then every line is either COPYed into
``raw.<system>__<entity>`` or written to ``raw.rejects`` with its reason. A file that fails a
whole-file check is moved to quarantine and loads nothing. ``ops.load_audit`` gets one row per
file and attempt, so stewards can see lines read = loaded + rejected, and why a file was refused.
Re-running a date replaces that date's rows for the file type.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from psycopg2.extras import execute_values

from ruralops.collect.parse import ParsedFile, parse_delimited, parse_fixed_width
from ruralops.collect.raw_tables import add_missing_columns_sql, copy_delimiter, copy_sql, create_table_sql
from ruralops.db.connection import Warehouse, transaction
from ruralops.exchange.batchfile import Control, control_path, flag_path
from ruralops.exchange.contracts import Contract, all_contracts


class FileRejected(Exception):
    """A whole-file failure: the file is quarantined and nothing of it is loaded."""


PARSERS = {"delimited": parse_delimited, "fixed_width": parse_fixed_width}


@dataclass
class FileOutcome:
    source: str
    file_name: str
    status: str            # loaded | quarantined | missing | not_collected
    lines_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    criticality: str = "critical"

    def line(self) -> str:
        if self.status == "loaded":
            return (f"{self.source:<22} loaded {self.rows_loaded:>9,} rows, "
                    f"rejected {self.rows_rejected:,} ({self.file_name})")
        return f"{self.source:<22} {self.status.upper()}: {self.reason} ({self.file_name})"


def contracts_for(sources: Iterable[str] | None) -> list[Contract]:
    """All contracts, or those named (a system like ``core`` or a full name like ``core__accounts``)."""
    contracts = list(all_contracts().values())
    if not sources:
        return contracts
    wanted = set(sources)
    chosen = [c for c in contracts if c.name in wanted or c.system in wanted]
    unknown = wanted - {c.name for c in chosen} - {c.system for c in chosen}
    if unknown:
        raise KeyError(f"unknown source(s): {', '.join(sorted(unknown))}")
    return chosen


def collect_date(warehouse: Warehouse, business_date: dt.date, landing: Path, quarantine: Path,
                 sources: Iterable[str] | None = None,
                 progress: Callable[[str], None] | None = None) -> list[FileOutcome]:
    say = progress or (lambda _m: None)
    outcomes = []
    for contract in contracts_for(sources):
        outcome = collect_file(warehouse, contract, business_date, landing, quarantine)
        say(outcome.line())
        outcomes.append(outcome)
    return outcomes


def collect_file(warehouse: Warehouse, contract: Contract, business_date: dt.date,
                 landing: Path, quarantine: Path) -> FileOutcome:
    data_file = contract.folder(landing, business_date) / contract.file_name(business_date)
    batch_id = f"{contract.system}-{business_date:%Y%m%d}"
    outcome = FileOutcome(contract.name, data_file.name, "missing", criticality=contract.criticality)
    if contract.format not in PARSERS:
        # Log and tracking extracts need streaming parsers (the collection issue); until then
        # the file stays in the landing folder untouched and the audit says so.
        outcome.status = "not_collected"
        outcome.reason = f"{contract.format} files are not collected yet; left in the landing folder"
        _record_audit(warehouse, business_date, outcome, batch_id, None, None)
        return outcome
    if not flag_path(data_file).exists():
        outcome.reason = f"no .ok flag in {data_file.parent}"
        _record_audit(warehouse, business_date, outcome, batch_id, None, None)
        return outcome
    try:
        payload, control = _read_verified(data_file, business_date)
        lines = _count_lines(payload)
        if lines != control.record_count:
            raise FileRejected(f"control file says {control.record_count} records, "
                               f"file has {lines} lines")
    except FileRejected as exc:
        outcome.status, outcome.reason = "quarantined", str(exc)
        _quarantine(data_file, quarantine / contract.system / f"{business_date:%Y%m%d}")
        _record_audit(warehouse, business_date, outcome, batch_id, None, None)
        return outcome
    batch_id = f"{batch_id}-{control.md5[:8]}"
    outcome.status = "loaded"
    if contract.format == "delimited" and _copy_clean_file(
            warehouse, contract, business_date, batch_id, data_file.name, payload, control):
        outcome.lines_read = outcome.rows_loaded = lines
        return outcome
    parsed = PARSERS[contract.format](payload, contract)
    _load(warehouse, contract, business_date, batch_id, data_file.name, parsed, control)
    outcome.lines_read = parsed.lines_read
    outcome.rows_loaded = len(parsed.good)
    outcome.rows_rejected = len(parsed.rejects)
    return outcome


def _count_lines(payload: bytes) -> int:
    return payload.count(b"\n") + (1 if payload and not payload.endswith(b"\n") else 0)


def _copy_clean_file(warehouse: Warehouse, contract: Contract, business_date: dt.date, batch_id: str,
                     file_name: str, payload: bytes, control: Control) -> bool:
    """Fast path: hand the file's bytes straight to COPY (Postgres decodes GBK and counts fields).

    Rows go into a temporary table whose serial column numbers them in file order, then into
    raw with their lineage, in one transaction. Any line Postgres refuses (wrong field count,
    bytes that are not GBK, an empty line) rolls the attempt back and returns False: the caller
    then takes the line-by-line path, which rejects exactly the bad lines with a reason.
    """
    import psycopg2

    columns = ", ".join(contract.column_names)
    definitions = ", ".join(f"{name} text" for name in contract.column_names)
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            _ensure_table(cur, contract)
            cur.execute(f"create temporary table incoming (line_number bigserial, {definitions}) on commit drop")
            try:
                cur.copy_expert(
                    f"copy incoming ({columns}) from stdin with (format csv, delimiter "
                    f"'{contract.delimiter}', quote e'\\x01', encoding '{contract.encoding.upper()}')",
                    io.BytesIO(payload))
            except psycopg2.DataError:  # bad field count, bad encoding, empty line (SQLSTATE 22...)
                conn.rollback()
                return False
            _clear_date(cur, contract, business_date)
            cur.execute(
                f"insert into {contract.raw_table} (business_date, batch_id, source_file, line_number, {columns})"
                f" select %s, %s, %s, line_number, {columns} from incoming order by line_number",
                (business_date, batch_id, file_name))
            _insert_audit(cur, business_date, contract.name, file_name, "loaded", control.record_count,
                          control.record_count, 0, control.record_count, control.md5, None, batch_id)
        return True
    finally:
        conn.close()


def _read_verified(data_file: Path, business_date: dt.date) -> tuple[bytes, Control]:
    if not data_file.exists():
        raise FileRejected("flag present but data file missing")
    ctl = control_path(data_file)
    if not ctl.exists():
        raise FileRejected("control file missing")
    try:
        control = Control.parse(ctl.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileRejected(f"unreadable control file: {exc}") from exc
    if control.business_date != business_date:
        raise FileRejected(f"control file is for business date {control.business_date}, "
                           f"expected {business_date}")
    if control.file_name != data_file.name:
        raise FileRejected(f"control file names {control.file_name}, expected {data_file.name}")
    payload = data_file.read_bytes()
    if len(payload) != control.byte_size:
        raise FileRejected(f"size {len(payload)} bytes, control file says {control.byte_size}")
    md5 = hashlib.md5(payload).hexdigest()
    if md5 != control.md5:
        raise FileRejected(f"MD5 {md5} does not match control file {control.md5}")
    return payload, control


def _quarantine(data_file: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (data_file, control_path(data_file), flag_path(data_file)):
        if path.exists():
            shutil.move(str(path), folder / path.name)


def _load(warehouse: Warehouse, contract: Contract, business_date: dt.date, batch_id: str,
          file_name: str, parsed: ParsedFile, control: Control) -> None:
    sep = copy_delimiter(contract)
    prefix = f"{business_date.isoformat()}{sep}{batch_id}{sep}{file_name}{sep}"
    buffer = io.StringIO("".join(f"{prefix}{number}{sep}{line}\n" for number, line in parsed.good))
    with transaction(warehouse) as conn, conn.cursor() as cur:
        _ensure_table(cur, contract)
        _clear_date(cur, contract, business_date)
        cur.copy_expert(copy_sql(contract), buffer)
        if parsed.rejects:  # one statement, however many lines were refused
            execute_values(
                cur,
                "insert into raw.rejects (business_date, source, file_name, line_number, raw_text,"
                " reason, batch_id) values %s",
                [(business_date, contract.name, file_name, r.line_number, r.raw_text, r.reason,
                  batch_id) for r in parsed.rejects], page_size=10_000)
        _insert_audit(cur, business_date, contract.name, file_name, "loaded", parsed.lines_read,
                      len(parsed.good), len(parsed.rejects), control.record_count, control.md5,
                      None, batch_id)


def _clear_date(cur, contract: Contract, business_date: dt.date) -> None:
    """Forget the date's rows and rejects of this file type: a load replaces, never appends."""
    cur.execute(f"delete from {contract.raw_table} where business_date = %s", (business_date,))
    cur.execute("delete from raw.rejects where business_date = %s and source = %s",
                (business_date, contract.name))


def _ensure_table(cur, contract: Contract) -> None:
    cur.execute(create_table_sql(contract))
    schema, table = contract.raw_table.split(".")
    cur.execute("select column_name from information_schema.columns "
                "where table_schema = %s and table_name = %s", (schema, table))
    for statement in add_missing_columns_sql(contract, {row[0] for row in cur.fetchall()}):
        cur.execute(statement)


def _record_audit(warehouse: Warehouse, business_date: dt.date, outcome: FileOutcome,
                  batch_id: str, control_count: int | None, md5: str | None) -> None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        _insert_audit(cur, business_date, outcome.source, outcome.file_name, outcome.status,
                      0, 0, 0, control_count, md5, outcome.reason, batch_id)


def _insert_audit(cur, business_date, source, file_name, status, lines_read, rows_loaded,
                  rows_rejected, control_count, md5, reason, batch_id) -> None:
    cur.execute(
        "insert into ops.load_audit (business_date, source, file_name, status, lines_read,"
        " rows_loaded, rows_rejected, control_count, md5, reason, batch_id)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (business_date, source, file_name, status, lines_read, rows_loaded, rows_rejected,
         control_count, md5, reason, batch_id))
