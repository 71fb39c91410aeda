"""Dirt follows its knobs, and the ground truth names the person behind every key."""

import datetime as dt
import gzip
import json
import re

import pandas as pd
import pytest
from stdnum.cn import ric

from ruralops.collect.parse import FIXED_WIDTH_SEPARATOR, parse_fixed_width
from ruralops.exchange.batchfile import Control, control_path, md5_of
from ruralops.exchange.contracts import all_contracts, contract
from ruralops.simulate import CLEAN, Dirt, simulate
from ruralops.simulate.config import PRESETS

pytestmark = pytest.mark.unit
DAY = dt.date(2026, 11, 1)
MOBILE = re.compile(r"1[3-9]\d{9}")
# every key column of every file, and the truth key type it must be found under
KEY_COLUMNS = {
    "core__customers": {"customer_no": "customer_no", "id_no": "id_no", "mobile": "mobile"},
    "core__accounts": {"account_no": "account_no", "customer_no": "customer_no"},
    "core__transactions": {"account_no": "account_no", "customer_no": "customer_no"},
    "ebank__registrations": {"user_id": "ebank_user_id", "device_id": "device_id", "mobile": "mobile",
                             "customer_no": "customer_no"},
    "loan__contracts": {"contract_no": "contract_no", "customer_no": "customer_no"},
    "loan__applications": {"application_id": "application_id", "id_no": "id_no", "mobile": "mobile"},
    "wealth__holdings": {"holding_id": "wealth_holding_id", "id_no": "id_no"},
    "crm__contacts": {"customer_no": "customer_no", "mobile": "mobile"},
    "crm__optouts": {"customer_no": "customer_no", "mobile": "mobile"},
    "crm__campaign_history": {"customer_no": "customer_no"},
    "card__cards": {"card_no": "card_no", "customer_no": "customer_no"},
    "gateway__access_log": {},
    "gateway__app_log": {"user_id": "ebank_user_id", "device_id": "device_id"},
    "track__events": {"anonymous_id": "anonymous_id", "login_id": "login_id"},
}


def _read(landing, name, day=DAY) -> pd.DataFrame:
    """A landing file as a frame of its contract's columns (logs: the JSON fields)."""
    c = contract(name)
    payload = (c.folder(landing, day) / c.file_name(day)).read_bytes()
    if c.compression == "gzip":
        payload = gzip.decompress(payload)
    if c.format == "fixed_width":
        parsed = parse_fixed_width(payload, c)
        rows = [line.split(FIXED_WIDTH_SEPARATOR) for _, line in list(parsed.records())]
    elif c.format == "json_lines":
        objects = []
        for line in payload.decode(c.encoding).splitlines():
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut short by the log shipper
        return pd.DataFrame(objects, dtype=object).reindex(columns=c.column_names)
    elif c.format == "nginx_combined":
        return pd.DataFrame(columns=c.column_names)
    else:
        rows = [line.split(c.delimiter) for line in payload.decode(c.encoding).splitlines()]
    return pd.DataFrame(rows, columns=c.column_names, dtype=object)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    root = tmp_path_factory.mktemp("bank")
    simulate(DAY, 2, 4000, 11, root / "landing")
    return root


def test_the_truth_names_the_person_behind_every_key_of_every_file(bank):
    keys = pd.read_csv(bank / "truth" / "keys.csv", dtype=str)
    known = set(zip(keys["key_type"], keys["key_value"]))
    assert set(KEY_COLUMNS) == set(all_contracts())
    for name, columns in KEY_COLUMNS.items():
        frame = _read(bank / "landing", name)
        for column, key_type in columns.items():
            values = set(frame[column].replace("", pd.NA).dropna()) if len(frame) else set()
            missing = {v for v in values if (key_type, v) not in known}
            assert not missing, f"{name}.{column}: {len(missing)} keys unknown to the truth, e.g. {sorted(missing)[:3]}"


def test_default_dirt_shows_up_at_about_its_rates(bank):
    persons = pd.read_csv(bank / "truth" / "persons.csv", dtype={"id_no": str, "mobile": str})
    customers = _read(bank / "landing", "core__customers")
    customer_count = int(persons["is_customer"].sum())
    second_share = (len(customers) - customer_count) / customer_count
    assert abs(second_share - Dirt().second_customer_no) < 0.012
    typed = customers["mobile"].replace("", pd.NA).dropna()
    odd_format = typed[~typed.str.fullmatch(MOBILE)]
    assert abs(len(odd_format) / len(typed) - Dirt().mobile_format) < 0.015
    assert (customers["mobile"] == "").mean() == pytest.approx(Dirt().missing_field, abs=0.008)
    assert customers["mobile"].isin(["13800000000", "13888888888", "13900000000"]).sum() >= 1


def test_id_numbers_are_valid_unless_deliberately_corrupted(bank):
    persons = pd.read_csv(bank / "truth" / "persons.csv", dtype={"id_no": str}).set_index("person_id")
    keys = pd.read_csv(bank / "truth" / "keys.csv", dtype=str)
    ids = keys[(keys["key_type"] == "id_no") & (keys["source"] == "core")]
    clean = persons.loc[ids["person_id"].astype(int), "id_no"].to_numpy()
    typed = ids["key_value"].to_numpy()
    for typed_id, true_id in zip(typed, clean):
        if typed_id == true_id:
            assert ric.is_valid(typed_id)
        elif len(typed_id) == 15:
            assert typed_id == true_id[:6] + true_id[8:17]  # legacy form of the same number
        elif typed_id.upper() == true_id:
            assert typed_id.endswith("x")
        else:  # a typo: one digit differs and the check character catches it
            assert sum(a != b for a, b in zip(typed_id, true_id)) == 1 and not ric.is_valid(typed_id)
    corrupted = (typed != clean).mean()
    assert 0 < corrupted < 0.1


def test_a_knob_moves_its_rate(tmp_path):
    simulate(DAY, 1, 3000, 5, tmp_path / "landing", dirt=Dirt().override(["second_customer_no=0.2"]))
    customers = _read(tmp_path / "landing", "core__customers")
    assert abs((len(customers) - 3000) / 3000 - 0.2) < 0.03


def test_file_incidents_are_injected_and_recorded(tmp_path):
    dirt = CLEAN.override(["truncated_file=1", "malformed_lines=0.05"])
    simulate(DAY, 1, 500, 5, tmp_path / "landing", dirt=dirt)
    c = contract("core__customers")
    data = c.folder(tmp_path / "landing", DAY) / c.file_name(DAY)
    assert Control.parse(control_path(data).read_bytes()).md5 != md5_of(data)
    incidents = pd.read_csv(tmp_path / "truth" / "incidents.csv")
    assert (incidents["incident"].str.startswith("truncated")).sum() == len(all_contracts())
    assert incidents["incident"].str.contains("malformed").any()


def test_campaign_responses_follow_the_documented_propensity(bank):
    summary = json.loads((bank / "truth" / "summary.json").read_text())
    history = _read(bank / "landing", "crm__campaign_history")
    loan_offers = history[history["campaign_code"].str.startswith("CL")]
    observed = (loan_offers["responded"] == "1").mean()
    expected = summary["campaigns_on_start_date"]["consumer_loan"]["mean_response"]
    assert abs(observed - expected) < 0.03
    assert summary["campaigns_on_start_date"]["consumer_loan"]["best_top_decile_lift"] > 1.5


def test_logs_and_tracking_follow_the_day_and_its_dirt(bank):
    app = _read(bank / "landing", "gateway__app_log")
    assert set(app["event"]) == {"login_success", "login_failure", "feature_use"}
    assert 0.01 < (app["event"] == "login_failure").mean() < 0.1
    raw = gzip.decompress((bank / "landing" / "gateway" / "20261101" / "access_20261101.log.gz").read_bytes())
    access = raw.decode().splitlines()
    combined = re.compile(r'^\S+ - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0800\] "\w+ \S+ HTTP/1\.1" \d{3} \d+ "-" "[^"]+"$')
    malformed = sum(not combined.match(line) for line in access)
    app_lines = gzip.decompress((bank / "landing" / "gateway" / "20261101" / "app_20261101.log.gz").read_bytes())
    assert len(access) == app_lines.count(b"\n")  # one request per logged action
    assert 0 < malformed < len(access) * 0.02
    events = _read(bank / "landing", "track__events")
    day_start = pd.Timestamp("2026-11-01 00:00:00") - pd.Timestamp("1970-01-01 08:00:00")
    millis = events["time"].astype("int64")
    late = millis < day_start // pd.Timedelta(milliseconds=1)
    assert 0.005 < late.mean() < 0.05 and millis[late].min() >= (day_start - pd.Timedelta(days=3)) // pd.Timedelta(milliseconds=1)
    assert events["event_id"].duplicated().sum() > 0
    assert set(events["type"]) <= {"track", "track_signup"}


def test_card_numbers_pass_luhn(bank):
    from stdnum import luhn

    cards = _read(bank / "landing", "card__cards")
    assert len(cards) > 0 and cards["card_no"].map(luhn.is_valid).all()
    assert cards["holder_name"].str.fullmatch(r"[\u4e00-\u9fff]{1,4}").all()


def test_presets_cover_tests_demo_and_province():
    assert PRESETS["tiny"].customers < PRESETS["small"].customers < PRESETS["province"].customers == 1_000_000


def test_propensities_are_written_per_date_and_match_the_formula(bank):
    from ruralops.simulate.propensity import propensity

    persons = pd.read_csv(bank / "truth" / "persons.csv", parse_dates=["birth_date"])
    day2 = pd.read_csv(bank / "truth" / "propensity_20261102.csv")
    assert len(day2) == len(persons)
    expected = propensity(persons, "consumer_loan", dt.date(2026, 11, 2))
    assert abs(day2["consumer_loan"].to_numpy() - expected).max() < 1e-5


def test_farmers_are_paid_for_their_harvest_in_harvest_months(tmp_path):
    simulate(dt.date(2026, 10, 10), 1, 3000, 5, tmp_path / "landing")
    txns = _read(tmp_path / "landing", "core__transactions", dt.date(2026, 10, 10))
    harvest = txns[txns["memo"] == "粮食收购款"]
    assert len(harvest) > 0 and (harvest["dc_flag"] == "C").all()
    assert harvest["amount"].astype(float).median() > 5 * txns["amount"].astype(float).median()


def test_pos_transactions_carry_a_merchant_category(bank):
    txns = _read(bank / "landing", "core__transactions")
    pos = txns[txns["channel"] == "POS"]
    assert len(pos) > 0 and pos["mcc"].isin(["5411", "5261", "5812", "5912"]).all()
    assert (txns.loc[txns["channel"] != "POS", "mcc"] == "").all()
    assert not (txns["memo"] == "粮食收购款").any()  # November: no harvest payments
