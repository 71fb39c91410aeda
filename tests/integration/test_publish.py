"""Publishing reads only the lead mart and never sends a date twice."""

import datetime as dt

import pytest

from conftest import FIRST_DATE, run_sql
from ruralops.collect.loader import collect_date
from ruralops.publish.crm import publish_leads
from ruralops.warehouse.dbt_build import LAYERS, build_layer

pytestmark = pytest.mark.integration


def test_publishing_twice_writes_once_and_a_changed_mart_replaces_the_file(warehouse, landing, tmp_path):
    day = FIRST_DATE
    collect_date(warehouse, day, landing, tmp_path / "q")
    for layer in LAYERS:
        build_layer(warehouse, layer, day)
    first = publish_leads(warehouse, day, tmp_path / "outbox")
    second = publish_leads(warehouse, day, tmp_path / "outbox")
    assert (first.outcome, second.outcome) == ("written", "unchanged")
    assert first.md5 == second.md5 and first.rows > 0

    [(lead_id,)] = run_sql(warehouse, "select min(lead_id) from marts.fct_lead where business_date = %s", (day,))
    run_sql(warehouse, "update marts.fct_lead set lead_score = 0 where lead_id = %s returning 1", (lead_id,))
    third = publish_leads(warehouse, day, tmp_path / "outbox")
    assert third.outcome == "replaced" and third.md5 != first.md5
    build_layer(warehouse, "marts", day)
