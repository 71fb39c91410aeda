"""Schemas and the ops tables that belong to no dbt model.

dbt owns staging/identity/features/tags/marts. The loader owns ``raw``; the run bookkeeping
(load audit, quality results, publish log, run summaries) lives in ``ops``; clear PII and the
tokenisation key live in ``vault``. All DDL is idempotent so any stage may call ``ensure``.
"""

from __future__ import annotations

from ruralops.db.connection import Warehouse, transaction

SCHEMAS = ("raw", "staging", "identity", "features", "tags", "marts", "ops", "vault")

# GB 11643 resident ID numbers: 17 digits and a check character; the weighted sum mod 11
# indexes "10X98765432". Functions shared by the raw quality gate and dbt staging.
_ID_WEIGHTS = "{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}"
ID_FUNCTIONS_DDL = """
-- The ID number to link on: spaces dropped, x upper-cased, a 15-digit legacy number (issued
-- before 1999: two-digit year, no check character) widened to 18 digits; null when the result
-- fails the check digit, so a mistyped number never links two people. PL/pgSQL (one pass over
-- 17 digits): a nested SQL-function version could not be inlined and cost ~0.6 ms a row.
create or replace function ops.id_no_18(id_no text) returns text
language plpgsql immutable strict parallel safe as $$
declare
    v text := upper(translate(id_no, E' \\t', ''));
    weights int[] := '""" + _ID_WEIGHTS + """';
    total int := 0;
    check_char text;
begin
    if v ~ '^[0-9]{15}$' then
        v := left(v, 6) || '19' || substr(v, 7, 9) || '?';
    elsif v !~ '^[0-9]{17}[0-9X]$' then
        return null;
    end if;
    for i in 1..17 loop
        total := total + weights[i] * (ascii(substr(v, i, 1)) - 48);
    end loop;
    check_char := substr('10X98765432', total % 11 + 1, 1);
    if right(v, 1) = '?' then
        return left(v, 17) || check_char;
    end if;
    return case when right(v, 1) = check_char then v end;
end
$$;
-- GB 11643 resident ID number as delivered: 18 characters with the right check character.
create or replace function ops.is_valid_id_no(id_no text) returns boolean
language sql immutable parallel safe as $$
    select coalesce(length(id_no) = 18 and ops.id_no_18(id_no) = id_no, false)
$$;
-- Card numbers: 12-19 digits passing the Luhn check.
create or replace function ops.is_luhn(card_no text) returns boolean
language plpgsql immutable strict parallel safe as $$
declare
    total int := 0;
    digit int;
    n int := length(card_no);
begin
    if card_no !~ '^[0-9]{12,19}$' then
        return false;
    end if;
    for i in 1..n loop
        digit := ascii(substr(card_no, n - i + 1, 1)) - 48;
        if i % 2 = 0 then
            digit := digit * 2;
            if digit > 9 then digit := digit - 9; end if;
        end if;
        total := total + digit;
    end loop;
    return total % 10 = 0;
end
$$;
"""

OPS_DDL = """
create extension if not exists pgcrypto;

create table if not exists ops.load_audit (
    business_date date not null,
    source text not null,
    file_name text not null,
    status text not null,            -- loaded | quarantined | missing | unrecognised
    lines_read bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_rejected bigint not null default 0,
    control_count bigint,
    md5 text,
    reason text,
    batch_id text not null,
    recorded_at timestamptz not null default now()
);
create index if not exists load_audit_date on ops.load_audit (business_date, source);
alter table ops.load_audit add column if not exists note text;  -- late, CRLF, moved to quarantine...
alter table ops.load_audit add column if not exists criticality text;

create table if not exists raw.rejects (
    business_date date not null,
    source text not null,
    file_name text not null,
    line_number bigint not null,
    raw_text text,
    reason text not null,
    batch_id text not null
);
create index if not exists rejects_date on raw.rejects (business_date, source);

create table if not exists ops.quality_results (
    business_date date not null,
    gate text not null,
    asset text not null,
    expectation text not null,
    column_name text,
    severity text not null,          -- critical | warning
    success boolean not null,
    observed text,
    details jsonb,
    checked_at timestamptz not null default now(),
    primary key (business_date, gate, asset, expectation)
);

create table if not exists ops.publish_log (
    business_date date not null,
    channel text not null,
    file_name text not null,
    rows_published bigint not null,
    md5 text not null,
    outcome text not null,           -- written | unchanged | replaced
    published_at timestamptz not null default now(),
    primary key (business_date, channel, published_at)
);

create table if not exists ops.run_summary (
    business_date date primary key,
    run_id text not null,
    status text not null,            -- success | failed
    attempts integer not null default 1,
    summary jsonb not null,
    finished_at timestamptz not null default now()
);

create table if not exists vault.pii_key (
    key_id text primary key,
    secret bytea not null
);
"""


def ensure(warehouse: Warehouse) -> None:
    """Create schemas and ops tables; store the PII key in the vault if it changed."""
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(hashtext('ruralops.schema'))")
        for name in SCHEMAS:
            cur.execute(f"create schema if not exists {name}")
        cur.execute(OPS_DDL)
        cur.execute(RUN_STAGE_DDL)
        cur.execute(ID_FUNCTIONS_DDL)
        cur.execute("drop function if exists ops.gb11643_check_char(text)")  # helper of an earlier release
        if warehouse.pii_key:
            cur.execute(
                "insert into vault.pii_key (key_id, secret) values ('current', convert_to(%s, 'UTF8'))"
                " on conflict (key_id) do update set secret = excluded.secret",
                (warehouse.pii_key,),
            )
        cur.execute("select count(*) from vault.pii_key")
        if cur.fetchone()[0] == 0:
            from ruralops.db.connection import ConfigurationError

            raise ConfigurationError(
                "No PII tokenisation key: set RURALOPS_PII_KEY (a long random secret) "
                "for an external database.")


RUN_STAGE_DDL = """
create table if not exists ops.run_stage (
    business_date date not null,
    run_id text not null,
    stage text not null,
    status text not null,            -- success | failed
    detail jsonb,
    finished_at timestamptz not null default now(),
    primary key (run_id, stage)
);
"""
