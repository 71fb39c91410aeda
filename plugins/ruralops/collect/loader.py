"""Load one business date's deliveries into raw, one transaction per file, losing nothing.

For each file type: the ``.ok`` flag must be there and the control file must agree with the
data file (business date, name, byte size, MD5, record count). Then every line is either COPYed
into the date's partition of ``raw.<system>__<entity>`` or written to ``raw.rejects`` with its
reason, and ``ops.load_audit`` records lines read = loaded + rejected. A file that fails a
whole-file check is moved to quarantine and loads nothing. Loading a file replaces the date's
rows for its file type, so re-running a date, a re-sent file or a corrected late file all leave
exactly one copy.

Besides the date's expected files, the date's folders are searched for what else arrived:
files of earlier dates (late or re-sent) are loaded into their own dates, and files that match
no contract are recorded as unrecognised, so nothing delivered goes unnoticed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import queue
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from psycopg2 import sql
from psycopg2.extras import execute_values

from ruralops.collect import raw_tables
from ruralops.collect.checks import ensure_raw
from ruralops.collect.logs import open_stream, stream_chunks
from ruralops.collect.parse import FileRejected, Prepared, Reject, iter_delimited, iter_fixed_width
from ruralops.db.connection import Warehouse, transaction
from ruralops.exchange.batchfile import Control, control_path, flag_path, md5_of
from ruralops.exchange.contracts import Contract, all_contracts

PARSERS = {"delimited": iter_delimited, "fixed_width": iter_fixed_width}
LATE_FOLDERS = 3  # a date's missing file is also looked for in the next three dates' folders
PROGRESS_BYTES = 20_000_000  # files larger than this get a "reading" line before their result

__all__ = ["FileRejected", "FileOutcome", "collect_date", "collect_file", "contracts_for", "find_delivery"]


@dataclass
class FileOutcome:
    source: str
    file_name: str
    business_date: dt.date
    status: str            # loaded | quarantined | missing | unrecognised
    lines_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    criticality: str = "critical"
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {**self.__dict__, "business_date": self.business_date.isoformat()}

    def line(self) -> str:
        note = f" [{'; '.join(self.notes)}]" if self.notes else ""
        if self.status == "loaded":
            rate = f", {self.lines_read / self.seconds:,.0f} lines/s" if self.seconds > 0.5 else ""
            return (f"{self.source:<22} loaded {self.rows_loaded:>9,} rows, rejected "
                    f"{self.rows_rejected:,} ({self.file_name}, {self.seconds:.1f}s{rate}){note}")
        return f"{self.source:<22} {self.status.upper()}: {self.reason} ({self.file_name}){note}"


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
    """Collect the date's files, then whatever else arrived in the date's folders."""
    say = progress or (lambda _m: None)
    contracts = contracts_for(sources)
    ensure_raw(warehouse)
    outcomes = []
    for contract in contracts:
        data_file, notes = find_delivery(contract, business_date, landing)
        if data_file is None:
            outcome = _missing(contract, business_date, landing)
            _record_audit(warehouse, outcome, None)
        else:
            if data_file.exists() and data_file.stat().st_size > PROGRESS_BYTES:
                say(f"{contract.name:<22} reading {data_file.name} ({data_file.stat().st_size / 1e6:,.0f} MB)")
            outcome = collect_file(warehouse, contract, business_date, data_file, quarantine, notes)
        say(outcome.line())
        outcomes.append(outcome)
    for contract, file_date, data_file in _other_dates_in_folders(contracts, business_date, landing):
        outcome = collect_file(warehouse, contract, file_date, data_file, quarantine,
                               [f"delivered in the {business_date:%Y%m%d} folder"])
        say(outcome.line())
        outcomes.append(outcome)
    if not sources:
        for outcome in _unrecognised(contracts, business_date, landing):
            _record_audit(warehouse, outcome, None)
            say(outcome.line())
            outcomes.append(outcome)
    return outcomes


def find_delivery(contract: Contract, business_date: dt.date, landing: Path) -> tuple[Path | None, list[str]]:
    """The date's flagged file: in its own folder, or late in one of the next dates' folders."""
    name = contract.file_name(business_date)
    expected = contract.folder(landing, business_date) / name
    if flag_path(expected).exists():
        return expected, []
    for days in range(1, LATE_FOLDERS + 1):
        later = contract.folder(landing, business_date + dt.timedelta(days=days)) / name
        if flag_path(later).exists():
            return later, [f"late: found in the {later.parent.name} folder"]
    return None, []


def _missing(contract: Contract, business_date: dt.date, landing: Path) -> FileOutcome:
    """A file not delivered when collection ran; the reason states its deadline (whether the
    deadline has passed is the sensor's business, never the clock's here)."""
    folder = contract.folder(landing, business_date)
    data_file = folder / contract.file_name(business_date)
    deadline = contract.deadline_at(business_date)
    when = f"missing at collection (deadline {deadline:%Y-%m-%d %H:%M})" if deadline else "missing at collection"
    what = "data file without its .ok flag" if data_file.exists() else f"no .ok flag in {folder}"
    return FileOutcome(contract.name, data_file.name, business_date, "missing", reason=f"{when}: {what}",
                       criticality=contract.criticality)


def _other_dates_in_folders(contracts: list[Contract], business_date: dt.date,
                            landing: Path) -> Iterable[tuple[Contract, dt.date, Path]]:
    """Flagged files of earlier dates delivered into this date's folders (late or re-sent)."""
    for contract in contracts:
        folder = contract.folder(landing, business_date)
        if not folder.is_dir():
            continue
        for flag in sorted(folder.glob("*.ok")):
            for data_file in flag.parent.glob(flag.stem + ".*"):
                file_date = contract.date_of(data_file.name)
                if file_date is not None and file_date != business_date:
                    yield contract, file_date, data_file


def _unrecognised(contracts: list[Contract], business_date: dt.date, landing: Path) -> Iterable[FileOutcome]:
    """Files in the date's folders that no contract claims: reported, never silently skipped."""
    for system in sorted({c.system for c in contracts}):
        folder = landing / system / f"{business_date:%Y%m%d}"
        if not folder.is_dir():
            continue
        ours = [c for c in contracts if c.system == system]
        claimed = [folder / c.file_name(business_date) for c in ours]
        claimed += [path for path in folder.iterdir() if any(c.date_of(path.name) for c in ours)]
        names = {p.name for data_file in claimed for p in (data_file, control_path(data_file), flag_path(data_file))}
        for path in sorted(folder.iterdir()):
            if path.name not in names and not path.name.endswith(".part"):  # .part: still being written
                yield FileOutcome(f"{system}/?", path.name, business_date, "unrecognised",
                                  reason=f"no {system} contract names a file like this; left in {folder}",
                                  criticality="optional")


def collect_file(warehouse: Warehouse, contract: Contract, business_date: dt.date, data_file: Path,
                 quarantine: Path, notes: list[str] | None = None) -> FileOutcome:
    """Load one flagged delivery of ``contract`` for ``business_date``, or quarantine it."""
    started = time.monotonic()
    outcome = FileOutcome(contract.name, data_file.name, business_date, "loaded",
                          criticality=contract.criticality, notes=list(notes or []))
    control = None
    try:
        control = _read_control(data_file, business_date)
        if contract.is_log:
            _verify_size_and_md5(data_file, control)
            _load_stream(warehouse, contract, business_date, data_file, control, outcome)
        else:
            payload = data_file.read_bytes()
            _verify_size_and_md5(data_file, control, payload)
            lines = payload.count(b"\n") + (1 if payload and not payload.endswith(b"\n") else 0)
            if lines != control.record_count:
                raise FileRejected(f"control file says {control.record_count:,} records, file has {lines:,} lines")
            pieces = PARSERS[contract.format](payload, contract)
            _load_pieces(warehouse, contract, business_date, data_file.name, pieces, control, outcome)
    except FileRejected as exc:
        outcome.status, outcome.reason = "quarantined", str(exc)
        outcome.lines_read = outcome.rows_loaded = outcome.rows_rejected = 0
        where = _quarantine(data_file, quarantine / contract.system / f"{business_date:%Y%m%d}")
        outcome.notes.append(f"moved to {where}")
        _record_audit(warehouse, outcome, control)
    outcome.seconds = time.monotonic() - started
    return outcome


def _batch_id(contract: Contract, business_date: dt.date, control: Control) -> str:
    return f"{contract.system}-{business_date:%Y%m%d}-{control.md5[:8]}"


def _read_control(data_file: Path, business_date: dt.date) -> Control:
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
    return control


def _verify_size_and_md5(data_file: Path, control: Control, payload: bytes | None = None) -> None:
    size = len(payload) if payload is not None else data_file.stat().st_size
    if size != control.byte_size:
        raise FileRejected(f"size {size:,} bytes, control file says {control.byte_size:,}")
    md5 = hashlib.md5(payload).hexdigest() if payload is not None else md5_of(data_file)
    if md5 != control.md5:
        raise FileRejected(f"MD5 {md5} does not match control file {control.md5}")


def _ahead(items: Iterator, depth: int = 2) -> Iterator:
    """Produce ``items`` in a background thread, ``depth`` ahead of the consumer.

    Parsing a piece (Python, holding the GIL) then overlaps with COPY of the previous one
    (libpq sends without the GIL; Postgres works in its own process): two cores, both busy.
    """
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        pending.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pending.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            pending.put(exc)

    worker = threading.Thread(target=produce, name="collect-parse", daemon=True)
    worker.start()
    try:
        while (item := pending.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _load_pieces(warehouse: Warehouse, contract: Contract, business_date: dt.date, file_name: str,
                 pieces: Iterator[Prepared], control: Control, outcome: FileOutcome) -> None:
    """COPY each piece's good lines straight into the new partition, then swap it in."""
    batch_id = _batch_id(contract, business_date, control)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        raw_tables.ensure_table(cur, contract)
        incoming = raw_tables.create_incoming(cur, contract, business_date, batch_id, file_name)
        statement = None
        _replace_rejects(cur, contract, business_date, file_name, batch_id, [])
        for prepared in _ahead(pieces):
            statement = statement or raw_tables.copy_statement(
                incoming, ["line_number", *contract.column_names], prepared.delimiter).as_string(cur)
            if prepared.body:
                cur.copy_expert(statement, io.BytesIO(prepared.body), size=1 << 20)
            _insert_rejects(cur, contract, business_date, file_name, batch_id, prepared.rejects)
            outcome.lines_read += prepared.lines_read
            outcome.rows_loaded += prepared.rows_loaded
            outcome.rows_rejected += len(prepared.rejects)
            outcome.notes += prepared.notes
        raw_tables.swap_in(cur, contract, business_date, incoming)
        _insert_audit(cur, outcome, control, batch_id)


def _load_stream(warehouse: Warehouse, contract: Contract, business_date: dt.date, data_file: Path,
                 control: Control, outcome: FileOutcome) -> None:
    """Parse a log extract chunk by chunk into the new partition; the count check comes last,
    inside the transaction, so a file whose lines disagree with its control file loads nothing."""
    batch_id = _batch_id(contract, business_date, control)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        raw_tables.ensure_table(cur, contract)
        incoming = raw_tables.create_incoming(cur, contract, business_date, batch_id, data_file.name)
        statement = raw_tables.copy_statement(incoming, ["line_number", *contract.column_names], ",",
                                              quote='"').as_string(cur)
        _replace_rejects(cur, contract, business_date, data_file.name, batch_id, [])
        lines = rows = rejected = 0
        try:
            with open_stream(data_file, contract) as stream:
                for chunk in stream_chunks(stream, contract):
                    cur.copy_expert(statement, io.StringIO(chunk.csv_text), size=1 << 20)
                    _insert_rejects(cur, contract, business_date, data_file.name, batch_id, chunk.rejects)
                    lines, rows, rejected = lines + chunk.lines, rows + chunk.rows, rejected + len(chunk.rejects)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError; zlib errors too
            raise FileRejected(f"unreadable: {exc}") from exc
        if lines != control.record_count:
            raise FileRejected(f"control file says {control.record_count:,} records, file has {lines:,} lines")
        if contract.dedupe_days:
            repeats = _drop_repeats(cur, contract, business_date, incoming, data_file.name, batch_id)
            rows, rejected = rows - repeats, rejected + repeats
        raw_tables.swap_in(cur, contract, business_date, incoming)
        outcome.lines_read, outcome.rows_loaded, outcome.rows_rejected = lines, rows, rejected
        _insert_audit(cur, outcome, control, batch_id)


def _drop_repeats(cur, contract: Contract, business_date: dt.date, incoming: sql.Identifier,
                  file_name: str, batch_id: str) -> int:
    """Move repeats of the key to rejects: within the file, and of the previous dates' files.

    Only earlier dates count, so the first delivery of an event wins whatever order dates are
    re-run in. Set-based: two DELETE ... RETURNING statements feeding raw.rejects.
    """
    key = sql.Identifier(contract.key[0])
    shown = sql.SQL("(to_jsonb(i) - 'business_date' - 'batch_id' - 'source_file' - 'line_number'"
                    " - 'loaded_at')::text")
    params = {"date": business_date, "source": contract.name, "file": file_name, "batch": batch_id,
              "since": business_date - dt.timedelta(days=contract.dedupe_days)}
    within = sql.SQL("""
        with firsts as (select line_number, min(line_number) over (partition by {key}) as first_line
                        from {incoming} where {key} is not null),
        gone as (delete from {incoming} i using firsts f
                 where i.line_number = f.line_number and f.first_line < f.line_number
                 returning i.line_number, f.first_line, {shown} as raw_text)
        insert into raw.rejects (business_date, source, file_name, line_number, raw_text, reason, batch_id)
        select %(date)s, %(source)s, %(file)s, line_number, raw_text,
               'repeat of the event at line ' || first_line || ' of this file', %(batch)s from gone
    """).format(key=key, incoming=incoming, shown=shown)
    cur.execute(within, params)
    dropped = cur.rowcount
    earlier = sql.SQL("""
        with gone as (delete from {incoming} i using {parent} o
                      where o.business_date >= %(since)s and o.business_date < %(date)s and o.{key} = i.{key}
                      returning i.line_number, o.source_file, o.line_number as first_line, {shown} as raw_text)
        insert into raw.rejects (business_date, source, file_name, line_number, raw_text, reason, batch_id)
        select %(date)s, %(source)s, %(file)s, line_number, raw_text,
               'already delivered at line ' || first_line || ' of ' || source_file, %(batch)s from gone
    """).format(key=key, incoming=incoming, parent=sql.Identifier(*contract.raw_table.split(".")), shown=shown)
    cur.execute(earlier, params)
    return dropped + cur.rowcount


def _quarantine(data_file: Path, folder: Path) -> Path:
    """Move the file, its control file and flag aside; a second bad delivery never overwrites."""
    target = folder
    attempt = 1
    while (target / data_file.name).exists():
        attempt += 1
        target = folder / f"attempt-{attempt}"
    target.mkdir(parents=True, exist_ok=True)
    for path in (data_file, control_path(data_file), flag_path(data_file)):
        if path.exists():
            shutil.move(str(path), target / path.name)
    return target


def _replace_rejects(cur, contract: Contract, business_date: dt.date, file_name: str, batch_id: str,
                     rejects: list[Reject]) -> None:
    """The date's rejects of this file type are replaced with the file's, like its rows."""
    cur.execute("delete from raw.rejects where business_date = %s and source = %s",
                (business_date, contract.name))
    _insert_rejects(cur, contract, business_date, file_name, batch_id, rejects)


def _insert_rejects(cur, contract: Contract, business_date: dt.date, file_name: str, batch_id: str,
                    rejects: list[Reject]) -> None:
    if rejects:  # one statement, however many lines were refused
        execute_values(
            cur,
            "insert into raw.rejects (business_date, source, file_name, line_number, raw_text,"
            " reason, batch_id) values %s",
            [(business_date, contract.name, file_name, r.line_number, r.raw_text, r.reason, batch_id)
             for r in rejects], page_size=10_000)


def _record_audit(warehouse: Warehouse, outcome: FileOutcome, control: Control | None) -> None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        _insert_audit(cur, outcome, control, None)


def _insert_audit(cur, outcome: FileOutcome, control: Control | None, batch_id: str | None) -> None:
    cur.execute(
        "insert into ops.load_audit (business_date, source, file_name, status, lines_read,"
        " rows_loaded, rows_rejected, control_count, md5, reason, note, batch_id, criticality)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (outcome.business_date, outcome.source, outcome.file_name, outcome.status, outcome.lines_read,
         outcome.rows_loaded, outcome.rows_rejected, control.record_count if control else None,
         control.md5 if control else None, outcome.reason, "; ".join(outcome.notes) or None,
         batch_id or "-", outcome.criticality))
