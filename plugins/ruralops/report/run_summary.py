"""The run summary: rows per stage and gate results for one business date, stored and printed.

Everything is read back from the warehouse (load audit, layer tables, quality results, publish
log, stage outcomes), so the summary tells the truth even for stages that failed or never ran.
"""

from __future__ import annotations

import datetime as dt
import json

from ruralops.db.connection import Warehouse, transaction

# (label, table, filter on the business date?, stage that builds it) — the row counts a
# steward reads; a count is shown only when its stage succeeded in this run.
LAYER_COUNTS = (
    ("staging customers", "staging.stg_core__customers", False, "dbt_staging"),
    ("staging accounts", "staging.stg_core__accounts", False, "dbt_staging"),
    ("staging transactions (date)", "staging.stg_core__transactions", True, "dbt_staging"),
    ("staging e-bank registrations", "staging.stg_ebank__registrations", False, "dbt_staging"),
    ("identity customers", "identity.int_identity__customers", False, "dbt_identity"),
    ("customer tag values", "tags.fct_customer_tag", True, "dbt_tags"),
    ("leads (date)", "marts.fct_lead", True, "dbt_marts"),
)

STAGE_ORDER = ("prepare_warehouse", "collect", "gate_raw", "dbt_staging", "dbt_identity",
               "dbt_features", "dbt_tags", "dbt_marts", "gate_leads", "publish_crm")


def record_stage(warehouse: Warehouse, business_date: dt.date, run_id: str, stage: str,
                 status: str, detail: dict) -> None:
    """One row per stage and run: what the summary uses to say what ran and what broke."""
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into ops.run_stage (business_date, run_id, stage, status, detail)"
            " values (%s, %s, %s, %s, %s) on conflict (run_id, stage) do update"
            " set status = excluded.status, detail = excluded.detail, finished_at = now()",
            (business_date, run_id, stage, status, json.dumps(detail, ensure_ascii=False, default=str)))


def forget_run(warehouse: Warehouse, run_id: str) -> None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("delete from ops.run_stage where run_id = %s", (run_id,))


def _table_exists(cur, table: str) -> bool:
    cur.execute("select to_regclass(%s) is not null", (table,))
    return cur.fetchone()[0]


def build(warehouse: Warehouse, business_date: dt.date, run_id: str) -> dict:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        files = []
        cur.execute("select to_regclass('ops.collection_check') is not null")
        if cur.fetchone()[0]:  # the latest attempt per file of the date, unrecognised files too
            cur.execute(
                "select source, file_name, status, lines_read, rows_loaded, rows_rejected, reason, note"
                " from ops.collection_check where business_date = %s order by source, file_name",
                (business_date,))
            files = [dict(zip(("source", "file", "status", "lines_read", "rows_loaded",
                               "rows_rejected", "reason", "note"), row)) for row in cur.fetchall()]
        cur.execute("select stage, status, detail from ops.run_stage where run_id = %s", (run_id,))
        stages = {stage: {"status": status, "detail": detail} for stage, status, detail in cur.fetchall()}
        layers = {}
        for label, table, by_date, built_by in LAYER_COUNTS:
            built = stages.get(built_by, {}).get("status") == "success"
            if not built or not _table_exists(cur, table):
                layers[label] = None
                continue
            where = " where business_date = %s" if by_date else ""
            cur.execute(f"select count(*) from {table}{where}", (business_date,) if by_date else None)
            layers[label] = cur.fetchone()[0]
        cur.execute(
            "select gate, asset, expectation, severity, success, observed, details->>'meaning'"
            " from ops.quality_results where business_date = %s order by gate, asset, expectation",
            (business_date,))
        gates: dict[str, dict] = {}
        for gate, asset, expectation, severity, success, observed, meaning in cur.fetchall():
            entry = gates.setdefault(gate, {"checked": 0, "failed_critical": [], "warnings": []})
            entry["checked"] += 1
            if not success:
                bucket = "failed_critical" if severity == "critical" else "warnings"
                entry[bucket].append({"asset": asset, "expectation": expectation,
                                      "meaning": meaning, "observed": observed})
        for entry in gates.values():
            entry["passed"] = not entry["failed_critical"]
        cur.execute(
            "select channel, file_name, rows_published, outcome from ops.publish_log"
            " where business_date = %s order by published_at desc limit 1", (business_date,))
        row = cur.fetchone()
        published = dict(zip(("channel", "file", "rows", "outcome"), row)) if row else None
    ordered = {name: stages.get(name, {"status": "not run"}) for name in STAGE_ORDER}
    if ordered["publish_crm"]["status"] != "success":
        published = None  # an earlier attempt's file is not this run's publication
    failed = [name for name, s in ordered.items() if s["status"] != "success"]
    return {
        "business_date": business_date.isoformat(),
        "run_id": run_id,
        "status": "failed" if failed else "success",
        "stages": ordered,
        "files": files,
        "rows": layers,
        "gates": gates,
        "published": published,
    }


def store(warehouse: Warehouse, summary: dict) -> None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute(
            "insert into ops.run_summary (business_date, run_id, status, summary) values (%s, %s, %s, %s)"
            " on conflict (business_date) do update set run_id = excluded.run_id,"
            " status = excluded.status, summary = excluded.summary,"
            " attempts = ops.run_summary.attempts + 1, finished_at = now()",
            (summary["business_date"], summary["run_id"], summary["status"],
             json.dumps(summary, ensure_ascii=False, default=str)))


def load(warehouse: Warehouse, business_date: dt.date) -> dict | None:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select summary, attempts from ops.run_summary where business_date = %s",
                    (business_date,))
        row = cur.fetchone()
    if row is None:
        return None
    summary, attempts = row
    summary["attempts"] = attempts
    return summary


def render(summary: dict) -> str:
    """Plain text for task logs and the terminal."""
    out = [f"Run summary for business date {summary['business_date']}: {summary['status'].upper()}",
           f"  run {summary['run_id']}", "", "Stages:"]
    for name in STAGE_ORDER:  # stored as JSON, whose keys come back unordered
        stage = summary["stages"].get(name, {"status": "not run"})
        note = ""
        detail = stage.get("detail") or {}
        if stage["status"] == "failed" and detail.get("error"):
            note = f"  <- {detail['error'].splitlines()[0][:200]}"
        out.append(f"  {name:<18} {stage['status']}{note}")
    out += ["", "Files collected:"]
    for f in summary["files"]:
        if f["status"] == "loaded":
            note = f"  [{f['note']}]" if f.get("note") else ""
            out.append(f"  {f['source']:<22} {f['rows_loaded']:>9,} loaded  {f['rows_rejected']:>6,} rejected{note}")
        else:
            out.append(f"  {f['source']:<22} {f['status'].upper()}: {f['reason']}")
    out += ["", "Rows per stage:"]
    for label, *_ in LAYER_COUNTS:
        count = summary["rows"].get(label)
        out.append(f"  {label:<30} {'-' if count is None else format(count, ',')}")
    out += ["", "Quality gates:"]
    if not summary["gates"]:
        out.append("  (no gate ran)")
    for gate, entry in summary["gates"].items():
        out.append(f"  {gate:<8} {'PASSED' if entry['passed'] else 'FAILED'}: {entry['checked']} checked, "
                   f"{len(entry['failed_critical'])} critical failures, {len(entry['warnings'])} warnings")
        for kind in ("failed_critical", "warnings"):
            for failure in entry[kind]:
                label = "CRITICAL" if kind == "failed_critical" else "warning"
                out.append(f"    {label} {failure['asset']} {failure['expectation']}")
                out.append(f"      {failure['meaning']} Observed: {failure['observed']}")
    out += ["", "Published:"]
    published = summary.get("published")
    out.append(f"  {published['channel']}: {published['rows']:,} leads, {published['outcome']} ({published['file']})"
               if published else "  nothing published")
    return "\n".join(out)
