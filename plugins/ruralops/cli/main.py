"""``ruralops``: manage the embedded database, simulate a bank, collect, run the nightly DAG, report.

Every command works on the database named by RURALOPS_DATABASE_URL when it is set, else on
this checkout's embedded cluster (started on demand). Errors a user can fix are printed as
one clear line and exit with status 2; a run that completes but fails exits with status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

PRESET_NAMES = ("tiny", "small", "province")  # ruralops.simulate.config.PRESETS, without the import cost


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _say(message: str) -> None:
    print(message, flush=True)


# --- db -------------------------------------------------------------------------------------

def cmd_db(args: argparse.Namespace) -> int:
    from ruralops.db import cluster, connection

    if connection.uses_external_database() and args.action in ("start", "stop"):
        _say("RURALOPS_DATABASE_URL is set: that database is used and nothing is started or stopped.")
        return 0
    if args.action == "start":
        state = cluster.start()
        _say(f"embedded PostgreSQL running on 127.0.0.1:{state.port} (data: {state.data_dir})")
    elif args.action == "stop":
        _say("stopped" if cluster.stop() else "not running")
    elif args.action == "status":
        if connection.uses_external_database():
            warehouse = connection.resolve(start_embedded=False)
            _say(f"external database: {warehouse.masked_url()}")
            return 0
        state = cluster.load_state()
        if state is None:
            _say("embedded database not created yet (ruralops db start)")
            return 3
        running = cluster.is_running(state)
        _say(f"embedded PostgreSQL {'running' if running else 'stopped'}: 127.0.0.1:{state.port}, "
             f"data {state.data_dir}, runs as {state.os_user or 'current user'}")
        return 0 if running else 3
    elif args.action == "url":
        warehouse = connection.resolve(start_embedded=False)
        _say(warehouse.url() if args.show_password else warehouse.masked_url())
    elif args.action == "psql":
        warehouse = connection.resolve()
        env = {**os.environ, "PGPASSWORD": warehouse.password}
        return subprocess.call(["psql", "-h", warehouse.host, "-p", str(warehouse.port),
                                "-U", warehouse.user, warehouse.dbname, *args.psql_args], env=env)
    return 0


# --- simulate ---------------------------------------------------------------------------------

def cmd_simulate(args: argparse.Namespace) -> int:
    from ruralops.settings import paths
    from ruralops.simulate import CLEAN, PRESETS, simulate

    preset = PRESETS[args.preset]
    dirt = (CLEAN if args.clean else preset.dirt).override(args.dirt or [])
    customers = args.customers or preset.customers
    days = args.days or preset.days
    out = args.out or paths().landing
    truth_dir = args.truth or out.parent / "truth"
    started = time.monotonic()
    result = simulate(args.start, days, customers, args.seed, out, progress=_say, dirt=dirt,
                      truth_dir=truth_dir)
    seconds = time.monotonic() - started
    _say(f"wrote {len(result.files)} files, {result.records:,} records, {result.bytes / 1e6:.1f} MB "
         f"for {len(result.dates)} business date(s) into {out} in {seconds:.1f}s "
         f"({result.records / max(seconds, 1e-9):,.0f} records/s); ground truth in {truth_dir}")
    return 0


# --- collect ---------------------------------------------------------------------------------

def cmd_collect(args: argparse.Namespace) -> int:
    from ruralops.collect.loader import collect_date
    from ruralops.db import connection, schema
    from ruralops.settings import paths

    warehouse = connection.resolve()
    schema.ensure(warehouse)
    outcomes = collect_date(warehouse, args.date, paths().landing, paths().quarantine,
                            sources=args.source, progress=_say)
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    _say(f"{len(outcomes)} file(s): " + ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
         + f"; {sum(o.rows_loaded for o in outcomes):,} rows loaded, "
           f"{sum(o.rows_rejected for o in outcomes):,} lines rejected (see raw.rejects)")
    failed = [o for o in outcomes if o.status != "loaded" and o.criticality == "critical"]
    return 1 if failed else 0


# --- run -------------------------------------------------------------------------------------

def _check_landing(business_date: dt.date) -> None:
    from ruralops.orchestrate.nightly import missing_flags
    from ruralops.settings import paths

    if missing_flags(business_date):
        raise UsageError(
            f"the landing folder {paths().landing} does not have the {business_date} files yet: "
            "simulate a bank first (ruralops simulate --start DATE --days N) or set RURALOPS_LANDING_DIR")


def cmd_run(args: argparse.Namespace) -> int:
    from ruralops.db import connection
    from ruralops.orchestrate.airflow_env import run_date
    from ruralops.report import run_summary

    warehouse = connection.resolve()
    dates = [args.date + dt.timedelta(days=i) for i in range(args.days)]
    for business_date in dates:
        _check_landing(business_date)
    worst = 0
    for business_date in dates:
        _say(f"== running customer_ops_nightly for business date {business_date} ==")
        started = time.monotonic()
        state = run_date(warehouse, business_date)
        summary = run_summary.load(warehouse, business_date)
        # The summarize task has printed the full summary above; repeat only the verdict.
        verdict = (f"summary: {summary['status']}; print it again with "
                   f"`ruralops report --date {business_date}`") if summary else "no run summary was written"
        _say(f"== {business_date}: DAG run {state} in {time.monotonic() - started:.0f}s; {verdict} ==")
        if state != "success":
            worst = 1
    return worst


# --- report ----------------------------------------------------------------------------------

def cmd_report(args: argparse.Namespace) -> int:
    import json

    from ruralops.db import connection
    from ruralops.report import run_summary

    summary = run_summary.load(connection.resolve(), args.date)
    if summary is None:
        raise UsageError(f"no run summary for {args.date}: run `ruralops run --date {args.date}` first")
    _say(json.dumps(summary, ensure_ascii=False, indent=2, default=str) if args.json
         else run_summary.render(summary))
    return 0 if summary["status"] == "success" else 1


# --- identity --------------------------------------------------------------------------------

def cmd_identity_explain(args: argparse.Namespace) -> int:
    from ruralops.db import connection
    from ruralops.identity.explain import NotFound, explain

    try:
        _say(explain(connection.resolve(), args.query))
    except NotFound as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_identity_resolve(args: argparse.Namespace) -> int:
    from ruralops.db import connection
    from ruralops.identity.resolve import resolve

    _say(resolve(connection.resolve(), args.date, full=args.full).line())
    return 0


def cmd_identity_suggestions(args: argparse.Namespace) -> int:
    from ruralops.db import connection
    from ruralops.identity.suggest import pending

    queue = pending(connection.resolve(), args.limit)
    if queue.empty:
        _say("no merge suggestions pending")
        return 0
    _say(queue.to_string(index=False, na_rep="-"))
    _say(f"decide with: ruralops identity review LEFT_CUSTOMER_NO RIGHT_CUSTOMER_NO --approve|--reject --by NAME")
    return 0


def cmd_identity_review(args: argparse.Namespace) -> int:
    from ruralops.db import connection
    from ruralops.identity.suggest import decide

    decision = "approved" if args.approve else "rejected"
    try:
        decide(connection.resolve(), args.left, args.right, decision, args.by)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    effect = "they merge on the next run" if args.approve else "the pair will not be suggested again"
    _say(f"{args.left} / {args.right}: {decision} by {args.by}; {effect}")
    return 0


def cmd_identity_match(args: argparse.Namespace) -> int:
    import pandas as pd

    from ruralops.identity.match import ROLES, match

    roles = {}
    for item in args.map:
        column, _, role = item.partition("=")
        if role not in (*ROLES, "id"):
            raise UsageError(f"--map {item}: role must be one of id, {', '.join(ROLES)}")
        roles[column] = role
    if "id" not in roles.values():
        raise UsageError("--map needs one COLUMN=id (the record's own id)")
    frame = pd.read_csv(args.input, dtype=str, keep_default_na=False)
    missing = [column for column in roles if column not in frame.columns]
    if missing:
        raise UsageError(f"{args.input} has no column(s) {', '.join(missing)}; it has {', '.join(frame.columns)}")
    records = frame[list(roles)].rename(columns={c: ("record_id" if r == "id" else r) for c, r in roles.items()})
    against = None
    if args.against_customers:
        from ruralops.db import connection
        from ruralops.db.connection import transaction
        from ruralops.db.frames import read_frame

        with transaction(connection.resolve()) as conn, conn.cursor() as cur:
            against = read_frame(cur, "select customer_no as record_id, customer_name as name, birth_date, id_no,"
                                 " mobile, address from raw.core__customers where business_date ="
                                 " (select max(business_date) from raw.core__customers)")
    pairs = match(records, against, threshold=args.threshold)
    pairs.to_csv(args.output, index=False)
    what = "customers" if against is not None else "each other"
    _say(f"{len(records):,} records matched against {what}: {len(pairs):,} pairs scoring >= {args.threshold}"
         f" written to {args.output}")
    return 0


# --- sources ---------------------------------------------------------------------------------

def cmd_sources(args: argparse.Namespace) -> int:
    from ruralops.exchange.catalogue import render_markdown

    _say(render_markdown().rstrip("\n"))
    return 0


class UsageError(RuntimeError):
    """Something the user can fix; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ruralops", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="manage the embedded PostgreSQL of this checkout")
    db.add_argument("action", choices=["start", "stop", "status", "url", "psql"])
    db.add_argument("--show-password", action="store_true",
                    help="with url: print the password instead of ***")
    db.add_argument("psql_args", nargs=argparse.REMAINDER,
                    help="with psql: arguments passed on to psql, e.g. -c 'select ...'")
    db.set_defaults(func=cmd_db)

    sim = sub.add_parser("simulate", help="write a simulated bank's batch files into the landing folder")
    sim.add_argument("--start", type=_date, required=True, help="first business date, YYYY-MM-DD")
    sim.add_argument("--preset", choices=sorted(PRESET_NAMES), default="small",
                     help="tiny (tests), small (demo, default), province (1M customers)")
    sim.add_argument("--days", type=int, help="number of business dates (default: the preset's)")
    sim.add_argument("--customers", type=int, help="number of customers (default: the preset's)")
    sim.add_argument("--seed", type=int, default=20261201, help="random seed (same seed, same bytes)")
    sim.add_argument("--dirt", action="append", metavar="KNOB=RATE",
                     help="override a dirt rate, e.g. --dirt second_customer_no=0.1 (repeatable; "
                          "knobs in docs/simulator.md)")
    sim.add_argument("--clean", action="store_true", help="start from no dirt at all")
    sim.add_argument("--out", type=Path,
                     help="landing folder (default: RURALOPS_LANDING_DIR or .ruralops/landing)")
    sim.add_argument("--truth", type=Path, help="ground-truth folder (default: 'truth' beside --out)")
    sim.set_defaults(func=cmd_simulate)

    col = sub.add_parser("collect", help="load one business date's files into raw, outside Airflow")
    col.add_argument("--date", type=_date, required=True)
    col.add_argument("--source", action="append",
                     help="a system (core) or file type (core__accounts); repeatable; default all")
    col.set_defaults(func=cmd_collect)

    run = sub.add_parser("run", help="run the nightly DAG for business date(s), in this process")
    run.add_argument("--date", type=_date, required=True, help="business date, YYYY-MM-DD")
    run.add_argument("--days", type=int, default=1, help="run this many consecutive dates (default 1)")
    run.set_defaults(func=cmd_run)

    rep = sub.add_parser("report", help="print the stored run summary of a business date")
    rep.add_argument("--date", type=_date, required=True)
    rep.add_argument("--json", action="store_true", help="print the summary as JSON")
    rep.set_defaults(func=cmd_report)

    ident = sub.add_parser("identity", help="identity resolution: explain, merge suggestions, matching")
    ident_sub = ident.add_subparsers(dest="identity_command", required=True)
    exp = ident_sub.add_parser("explain", help="a customer's identifiers, the edges that joined them, "
                                               "the limits that kept something out, merges and splits")
    exp.add_argument("query", help="a customer_id, or an identifier: customer number, ID number, mobile, "
                                   "card number, e-bank user, application, holding, device or anonymous id")
    exp.set_defaults(func=cmd_identity_explain)
    res = ident_sub.add_parser("resolve", help="re-resolve the identifier graph of a date (the nightly run does this)")
    res.add_argument("--date", required=True, type=_date, help="business date, YYYY-MM-DD")
    res.add_argument("--full", action="store_true",
                     help="resolve the whole graph instead of only what changed since the day before")
    res.set_defaults(func=cmd_identity_resolve)
    sug = ident_sub.add_parser("suggestions", help="the stewards' queue of pending merge suggestions")
    sug.add_argument("--limit", type=int, default=50)
    sug.set_defaults(func=cmd_identity_suggestions)
    rev = ident_sub.add_parser("review", help="approve or reject a merge suggestion (takes effect on the next run)")
    rev.add_argument("left", help="customer number")
    rev.add_argument("right", help="customer number")
    verdict = rev.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    rev.add_argument("--by", required=True, help="who decided (recorded with the decision)")
    rev.set_defaults(func=cmd_identity_review)
    mat = ident_sub.add_parser("match", help="score likely duplicate persons in a CSV file, or match it against customers")
    mat.add_argument("--input", required=True, help="CSV file of person records (UTF-8, header row)")
    mat.add_argument("--map", action="append", required=True, metavar="COLUMN=ROLE",
                     help="roles: id (required), name, birth_date, id_no, mobile, address; repeat per column")
    mat.add_argument("--against-customers", action="store_true",
                     help="match against the current core customers instead of within the file")
    mat.add_argument("--threshold", type=float, default=0.75)
    mat.add_argument("--output", required=True, help="CSV file for the scored pairs")
    mat.set_defaults(func=cmd_identity_match)

    src = sub.add_parser("sources", help="print the source-file catalogue (docs/sources.md) from the contracts")
    src.set_defaults(func=cmd_sources)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ruralops.db.cluster import ClusterError
    from ruralops.db.connection import ConfigurationError

    try:
        return args.func(args)
    except (UsageError, ClusterError, ConfigurationError, KeyError, ValueError) as exc:
        print(f"ruralops: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
