"""Write the day's CRM lead file (GBK, '|', control file, .ok flag) into the CRM drop folder.

The file is a pure function of ``marts.fct_lead`` for the date, rows in a fixed order, so a
re-run produces the same bytes. If the same bytes are already in the outbox the file is left
alone (the CRM is not sent the date twice); if the leads changed, the file is replaced and the
publish log says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ruralops.db.connection import Warehouse, transaction
from ruralops.exchange.batchfile import md5_of, write_batch
from ruralops.exchange.contracts import all_publications
from ruralops.exchange.render import delimited_bytes

CHANNEL = "CRM"
PUBLICATION = "crm__leads"


@dataclass
class PublishOutcome:
    channel: str
    business_date: dt.date
    path: Path
    rows: int
    md5: str
    outcome: str      # written | unchanged | replaced

    def line(self) -> str:
        return f"{self.channel}: {self.rows:,} leads {self.outcome} -> {self.path}"


def lead_frame(warehouse: Warehouse, business_date: dt.date) -> pd.DataFrame:
    layout = all_publications()[PUBLICATION]
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            f"select {', '.join(layout.column_names)} from marts.fct_lead"
            " where business_date = %s and channel = %s"
            " order by branch_code, lead_score desc, lead_id",
            (business_date, CHANNEL))
        rows = cur.fetchall()
    frame = pd.DataFrame(rows, columns=layout.column_names, dtype=object)
    if not frame.empty:
        frame["business_date"] = pd.to_datetime(frame["business_date"]).dt.strftime("%Y%m%d")
    return frame


def publish_leads(warehouse: Warehouse, business_date: dt.date, outbox: Path) -> PublishOutcome:
    layout = all_publications()[PUBLICATION]
    frame = lead_frame(warehouse, business_date)
    payload = delimited_bytes(frame, layout)
    target = layout.folder(outbox, business_date) / layout.file_name(business_date)
    previous_md5 = md5_of(target) if target.exists() else None
    new_md5 = hashlib.md5(payload).hexdigest()
    if previous_md5 == new_md5 and target.with_suffix(".ok").exists():
        outcome = "unchanged"
    else:
        write_batch(target, payload, len(frame), business_date)
        outcome = "written" if previous_md5 is None else "replaced"
    result = PublishOutcome(CHANNEL, business_date, target, len(frame), new_md5, outcome)
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into ops.publish_log (business_date, channel, file_name, rows_published, md5, outcome)"
            " values (%s, %s, %s, %s, %s, %s)",
            (business_date, CHANNEL, target.name, len(frame), new_md5, outcome))
    return result
