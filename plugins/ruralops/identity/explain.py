"""``ruralops identity explain``: why a customer is the identifiers it is.

Given a customer_id (an alias is followed to its survivor) or an identifier as a steward
would type it (customer number, ID number, mobile, card number, e-bank user, application or
holding id, device or anonymous id), prints the customer's identifiers, the edges that joined
them (rule, source, first and last seen), the limits that kept an identifier out, and the
merge and split events of the id. PII identifiers are shown by type and token prefix only.
"""

from __future__ import annotations

from ruralops.db.connection import Warehouse, transaction

_TOKEN = ("encode(hmac(convert_to({value}, 'UTF8'), (select secret from vault.pii_key"
          " where key_id = 'current'), 'sha256'), 'hex')")
_MOBILE = "nullif(regexp_replace(regexp_replace(%(q)s, '[^0-9]', '', 'g'), '^86(1[0-9]{10})$', E'\\\\1'), '')"
_CANDIDATES = (
    "select unnest(array["
    "'customer_no:' || %(q)s, 'ebank_user:' || %(q)s, 'application:' || %(q)s, 'holding:' || %(q)s,"
    " 'device:' || %(q)s, 'anonymous:' || %(q)s,"
    " 'id:' || " + _TOKEN.format(value="ops.id_no_18(%(q)s)") + ","
    " 'mobile:' || " + _TOKEN.format(value=_MOBILE) + ","
    " 'card:' || " + _TOKEN.format(value="%(q)s") + "])")


class NotFound(LookupError):
    """Nothing in the identity registry matches what was asked."""


def _shown(node_key: str) -> str:
    kind, _, value = node_key.partition(":")
    return f"{kind}:{value[:10]}…" if kind in ("id", "mobile", "card") else node_key


def _customer_id(cur, query: str) -> str:
    cur.execute("select customer_id from identity.identifier_map where node_key in (" + _CANDIDATES + ")",
                {"q": query})
    found = {row[0] for row in cur.fetchall()}
    if not found:
        cur.execute("select customer_id from identity.registry where customer_id = %s", (query,))
        found = {row[0] for row in cur.fetchall()}
    if not found:
        cur.execute("select node_key, limit_name, observed from identity.limit_hits where node_key in ("
                    + _CANDIDATES + ") and business_date = (select max(business_date) from identity.limit_hits)",
                    {"q": query})
        hits = cur.fetchall()
        if hits:
            raise NotFound("; ".join(f"{_shown(key)} is cut from linking: {limit} (observed {observed})"
                                     for key, limit, observed in hits))
        raise NotFound(f"no customer or identifier matches {query!r}")
    if len(found) > 1:
        raise NotFound(f"{query!r} matches several customers: {', '.join(sorted(found))}; give one customer_id")
    customer_id = found.pop()
    for _ in range(100):  # follow aliases to the surviving id
        cur.execute("select merged_into from identity.registry where customer_id = %s", (customer_id,))
        row = cur.fetchone()
        if not row or not row[0]:
            break
        customer_id = row[0]
    return customer_id


def explain(warehouse: Warehouse, query: str) -> str:
    with transaction(warehouse) as conn, conn.cursor() as cur:
        customer_id = _customer_id(cur, query.strip())
        cur.execute("select node_key, node_type from identity.identifier_map where customer_id = %s"
                    " order by node_type, node_key", (customer_id,))
        nodes = cur.fetchall()
        keys = [key for key, _ in nodes]
        cur.execute("select left_key, right_key, rule, source, first_seen, last_seen"
                    " from identity.int_identity__edges where left_key = any(%s) and right_key = any(%s)"
                    " and left_key <> right_key order by first_seen, rule", (keys, keys))
        edges = cur.fetchall()
        numbers = [key.split(":", 1)[1] for key in keys if key.startswith("customer_no:")]
        cur.execute("select to_regclass('identity.merge_decisions') is not null")
        decisions = []
        if cur.fetchone()[0]:
            cur.execute("select left_customer_no, right_customer_no, decision, decided_by, decided_at::date"
                        " from identity.merge_decisions where left_customer_no = any(%s) or right_customer_no = any(%s)"
                        " order by decided_at", (numbers, numbers))
            decisions = cur.fetchall()
        cur.execute("select h.node_key, h.limit_name, h.observed, h.business_date from identity.limit_hits h"
                    " where h.business_date = (select max(business_date) from identity.limit_hits)"
                    " and h.node_key in (select case when left_key = any(%s) then right_key else left_key end"
                    "   from identity.int_identity__edges where left_key = any(%s) or right_key = any(%s))",
                    (keys, keys, keys))
        kept_out = cur.fetchall()
        cur.execute("select customer_id, anchor, created_on, merged_into from identity.registry"
                    " where customer_id = %s or merged_into = %s order by created_on", (customer_id, customer_id))
        registry = cur.fetchall()
        cur.execute("select business_date, kind, customer_id, other_id, identifiers from identity.changes"
                    " where kind <> 'new' and (customer_id = %s or other_id = %s"
                    "   or customer_id in (select customer_id from identity.registry where merged_into = %s))"
                    " order by business_date, change_id", (customer_id, customer_id, customer_id))
        changes = cur.fetchall()
    lines = [f"customer {customer_id}" + (f" (asked: {query})" if query != customer_id else "")]
    aliases = [row[0] for row in registry if row[3] == customer_id]
    if aliases:
        lines.append(f"  aliases (merged into it): {', '.join(aliases)}")
    lines.append(f"identifiers ({len(nodes)}):")
    lines += [f"  {node_type:<12} {_shown(key)}" for key, node_type in nodes]
    lines.append(f"joined by ({len(edges)} edges):")
    lines += [f"  {_shown(left)} -- {_shown(right)}  rule {rule} ({source}), seen {first} .. {last}"
              for left, right, rule, source, first, last in edges]
    if decisions:
        lines.append("steward decisions:")
        lines += [f"  customer_no:{left} -- customer_no:{right}  {decision} by {by} on {day}"
                  + ("  (rule steward_merge)" if decision == "approved" else "  (never suggested again)")
                  for left, right, decision, by, day in decisions]
    if kept_out:
        lines.append("kept out by limits:")
        lines += [f"  {_shown(key)}: {limit} (observed {observed}, {day})" for key, limit, observed, day in kept_out]
    if changes:
        lines.append("changes:")
        lines += [f"  {day} {kind}: {cid}" + (f" <- {other}" if kind == "merge" else f" -> {other}")
                  + f" ({n} identifiers)" for day, kind, cid, other, n in changes]
    return "\n".join(lines)
