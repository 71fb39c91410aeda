"""The views the raw quality gate reads: what the audit promised against what raw holds.

``ops.raw_row_counts`` is generated from the contracts (one branch per raw table); a query for
one business date is pushed down into each branch and prunes to that date's partition.
``ops.collection_check`` puts the latest audit row of each file beside the rows raw really holds,
so the gate can check lines read = loaded + rejected, row counts against control totals, and
which critical or optional files did not load. ``ops.raw_customer_formats`` turns the customer
master's formats (ID check digit, mobile pattern, dates) into booleans whose rates the gate
holds against thresholds.
"""

from __future__ import annotations

from psycopg2 import sql

from ruralops.collect.raw_tables import ensure_table
from ruralops.db.connection import Warehouse, transaction
from ruralops.exchange.contracts import all_contracts

COLLECTION_CHECK = """
create or replace view ops.collection_check as
with latest as (
    select distinct on (business_date, source, file_name) *
    from ops.load_audit
    order by business_date, source, file_name, recorded_at desc
)
select
    l.business_date, l.source, l.file_name, l.status, l.criticality, l.reason, l.note,
    l.lines_read, l.rows_loaded, l.rows_rejected, l.control_count, c.raw_rows,
    case when l.criticality = 'critical' and l.status <> 'unrecognised' then l.status end
        as critical_file_status,
    case when l.criticality <> 'critical' and l.status <> 'unrecognised' then l.status end
        as optional_file_status,
    case when l.status = 'unrecognised' then l.file_name end as unrecognised_file,
    case when l.status = 'loaded' then l.lines_read = l.rows_loaded + l.rows_rejected end as lines_balance,
    case when l.status = 'loaded' then l.lines_read = l.control_count end as control_count_matches,
    case when l.status = 'loaded' then coalesce(c.raw_rows, 0) = l.rows_loaded end as raw_rows_match,
    case when l.status = 'loaded' and l.lines_read > 0
         then round(l.rows_rejected::numeric / l.lines_read, 6) end as reject_rate
from latest l
left join ops.raw_row_counts c using (business_date, source)
"""

CUSTOMER_FORMATS = r"""
create or replace view ops.raw_customer_formats as
select
    business_date,
    customer_no,
    -- a missing value is not a valid one: every flag is false, never null, when the field is empty
    ops.is_valid_id_no(upper(id_no)) or coalesce(id_no ~ '^[0-9]{15}$', false) as id_no_valid,
    coalesce(regexp_replace(mobile, '^\+?86|[ -]', '', 'g') ~ '^1[3-9][0-9]{9}$', false) as mobile_valid,
    coalesce(birth_date ~ '^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$', false) as birth_date_valid,
    coalesce(open_date ~ '^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])$', false) as open_date_valid
from raw.core__customers
"""


def ensure_raw(warehouse: Warehouse) -> None:
    """Every contract's raw table, and the check views over them (idempotent)."""
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('ruralops.raw'))")
        contracts = list(all_contracts().values())
        for contract in contracts:
            ensure_table(cur, contract)
        branches = [sql.SQL("select {} as source, business_date, count(*) as raw_rows from {}"
                            " group by business_date").format(
                        sql.Literal(c.name), sql.Identifier(*c.raw_table.split(".")))
                    for c in contracts]
        cur.execute(sql.SQL("create or replace view ops.raw_row_counts as {}").format(
            sql.SQL(" union all ").join(branches)))
        cur.execute(COLLECTION_CHECK)
        cur.execute(CUSTOMER_FORMATS)
