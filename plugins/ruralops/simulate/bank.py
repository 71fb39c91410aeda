"""Run the simulated bank for a range of business dates."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ruralops.exchange.batchfile import Control, control_path, flag_path, write_batch
from ruralops.exchange.contracts import Contract, contract
from ruralops.exchange.render import delimited_bytes, fixed_width_bytes
from ruralops.simulate import card, core, crm, ebank, gateway, loan, sessions, track, truth, wealth
from ruralops.simulate.config import Dirt
from ruralops.simulate.dirt import customer_records
from ruralops.simulate.population import draw_people

# How far ahead slow-moving histories (registrations, wealth purchases) are drawn: fixed, so
# the output for a date does not depend on how many days were asked for.
HORIZON_DAYS = 365
# People who are not (yet) customers: they appear in loan applications only.
PROSPECT_SHARE = 0.10

Progress = Callable[[str], None]


@dataclass
class SimulationResult:
    landing: Path
    truth: Path
    dates: list[dt.date]
    files: list[Control] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(c.record_count for c in self.files)

    @property
    def bytes(self) -> int:
        return sum(c.byte_size for c in self.files)


class _Writer:
    """Writes one system's frame as a batch file, injecting the configured file incidents."""

    def __init__(self, landing: Path, dirt: Dirt, seed: int, result: SimulationResult,
                 incidents: list[dict], say: Progress) -> None:
        self.landing, self.dirt, self.seed = landing, dirt, seed
        self.result, self.incidents, self.say = result, incidents, say

    def write(self, name: str, data: pd.DataFrame | pd.Series, business_date: dt.date) -> None:
        """``data`` is a frame of the contract's columns, or for log formats the rendered lines."""
        c = contract(name)
        rng = np.random.default_rng([self.seed, 9, business_date.toordinal(), zlib.crc32(name.encode())])
        if c.format == "delimited":
            payload = delimited_bytes(data, c)
        elif c.format == "fixed_width":
            payload = fixed_width_bytes(data, c)
        else:
            payload = ("\n".join(data.tolist()) + "\n").encode(c.encoding) if len(data) else b""
        lines = payload.split(b"\n")[:-1]
        if lines and c.format in ("delimited", "fixed_width"):
            payload = self._damage_lines(lines, c.delimiter.encode(), rng, business_date, c)
        records = payload.count(b"\n")
        if c.compression == "gzip":
            payload = gzip.compress(payload, compresslevel=6, mtime=0)  # mtime 0: same bytes every run
        target = c.folder(self.landing, business_date) / c.file_name(business_date)
        if rng.random() < self.dirt.late_file:
            late = c.folder(self.landing, business_date + dt.timedelta(days=1)) / c.file_name(business_date)
            control = write_batch(late, payload, records, business_date)
            self._incident(business_date, c.file_name(business_date), "late: delivered with the next date's files")
        else:
            control = write_batch(target, payload, records, business_date)
            if rng.random() < self.dirt.truncated_file and control.byte_size > 0:
                target.write_bytes(payload[: control.byte_size * 4 // 5])
                self._incident(business_date, target.name, "truncated after the control file was written")
            if rng.random() < self.dirt.resent_file:
                again = c.folder(self.landing, business_date + dt.timedelta(days=1)) / target.name
                again.parent.mkdir(parents=True, exist_ok=True)
                for source in (target, control_path(target), flag_path(target)):
                    shutil.copyfile(source, again.with_suffix(source.suffix))
                self._incident(business_date, target.name, "re-sent with the next date's files")
        self.result.files.append(control)
        self.say(f"{business_date:%Y-%m-%d} {name:<22} {control.record_count:>9,} rows  {control.file_name}")

    def _damage_lines(self, lines: list[bytes], delimiter: bytes, rng: np.random.Generator,
                      business_date: dt.date, c: Contract) -> bytes:
        n = len(lines)
        malformed = np.flatnonzero(rng.random(n) < self.dirt.malformed_lines)
        for i in malformed:  # a field lost: one delimiter fewer, or a fixed-width record too short
            lines[i] = lines[i].rsplit(delimiter, 1)[0] if delimiter else lines[i][:-3]
        undecodable = np.flatnonzero(rng.random(n) < self.dirt.bad_encoding_lines)
        for i in undecodable:
            lines[i] = lines[i] + b"\xff\xfe"
        if len(malformed):
            self._incident(business_date, c.file_name(business_date), f"{len(malformed)} malformed line(s)")
        if len(undecodable):
            self._incident(business_date, c.file_name(business_date), f"{len(undecodable)} line(s) not valid GBK")
        return b"\n".join(lines) + b"\n"

    def _incident(self, business_date: dt.date, file_name: str, what: str) -> None:
        self.incidents.append({"business_date": business_date.isoformat(), "file": file_name, "incident": what})


def simulate(start: dt.date, days: int, customers: int, seed: int, out: Path,
             progress: Progress | None = None, dirt: Dirt | None = None,
             truth_dir: Path | None = None) -> SimulationResult:
    """Write ``days`` business dates of batch files from ``start`` into ``out``.

    The population is drawn from (seed, start, customers); each date's files from
    (seed, date), so the same parameters always give the same bytes. Ground truth goes to
    ``truth_dir`` (default: a ``truth`` folder beside ``out``).
    """
    say = progress or (lambda _message: None)
    dirt = dirt or Dirt()
    if days < 1 or customers < 1:
        raise ValueError("days and customers must be at least 1")
    truth_dir = truth_dir or out.parent / "truth"
    prospects = int(customers * PROSPECT_SHARE)
    say(f"drawing {customers + prospects:,} people and their histories (seed {seed})...")
    people = draw_people(customers + prospects, start, np.random.default_rng([seed, 0]))
    people["is_customer"] = people["person_id"] < customers
    people.loc[~people["is_customer"], "customer_no"] = None
    horizon = start + dt.timedelta(days=HORIZON_DAYS)
    records = customer_records(people[people["is_customer"]], dirt, np.random.default_rng([seed, 4]))
    accounts = core.draw_accounts(records, np.random.default_rng([seed, 1]))
    registrations = ebank.draw_registrations(people[people["is_customer"]], horizon, np.random.default_rng([seed, 2]))
    holdings = wealth.draw_holdings(people, horizon, np.random.default_rng([seed, 5]))
    optouts = crm.draw_optouts(records, start, np.random.default_rng([seed, 6]))
    history = crm.campaign_history(people, records, start, np.random.default_rng([seed, 7]))
    cards = card.draw_cards(records, np.random.default_rng([seed, 8]))

    result = SimulationResult(landing=out, truth=truth_dir, dates=[])
    incidents: list[dict] = []
    writer = _Writer(out, dirt, seed, result, incidents, say)
    keys = truth.KeyLedger()
    keys.add("customer_no", records["customer_no"], records["person_id"], "core")
    keys.add("id_no", records["id_no"], records["person_id"], "core")
    keys.add("mobile", records["mobile"], records["person_id"], "core")
    keys.add("account_no", accounts["account_no"], accounts["person_id"], "core")
    keys.add("ebank_user_id", registrations["user_id"], registrations["person_id"], "ebank")
    keys.add("device_id", registrations["device_id"], registrations["person_id"], "ebank")
    keys.add("mobile", registrations["mobile"], registrations["person_id"], "ebank")
    keys.add("wealth_holding_id", holdings["holding_id"], holdings["person_id"], "wealth")
    keys.add("id_no", holdings["id_no"], holdings["person_id"], "wealth")
    keys.add("mobile", optouts["mobile"], optouts["person_id"], "crm")
    keys.add("card_no", cards["card_no"], cards["person_id"], "card")
    counts: dict[str, int] = {}

    for offset in range(days):
        business_date = start + dt.timedelta(days=offset)
        day_rng = np.random.default_rng([seed, 3, business_date.toordinal()])
        contracts = loan.contracts(accounts, people, business_date)
        applications = loan.applications(people, business_date, day_rng)
        contacts = crm.contacts(records, business_date, day_rng)
        actions = sessions.app_sessions(registrations, people, business_date, day_rng)
        events = track.events(actions, registrations, people, records, business_date, day_rng)
        frames = {
            "core__customers": core.customers(records, business_date),
            "core__accounts": core.accounts_snapshot(accounts, business_date, day_rng),
            "core__transactions": core.transactions(people, accounts, business_date, day_rng),
            "ebank__registrations": ebank.registrations_snapshot(registrations, business_date),
            "loan__contracts": contracts,
            "loan__applications": applications,
            "wealth__holdings": wealth.holdings_snapshot(holdings, business_date),
            "crm__contacts": contacts,
            "crm__optouts": crm.optout_snapshot(optouts, business_date),
            "crm__campaign_history": history,
            "card__cards": card.cards_snapshot(cards, business_date),
            "gateway__access_log": gateway.access_log(actions, day_rng, dirt.malformed_log_lines),
            "gateway__app_log": gateway.app_log(actions, day_rng, dirt.malformed_log_lines),
            "track__events": track.lines(events),
        }
        keys.add("application_id", applications["application_id"], applications["person_id"], "loan")
        keys.add("id_no", applications["id_no"], applications["person_id"], "loan")
        keys.add("mobile", applications["mobile"], applications["person_id"], "loan")
        keys.add("mobile", contacts["mobile"], contacts["person_id"], "crm")
        keys.add("anonymous_id", events["anonymous_id"], events["person_id"], "track")
        keys.add("login_id", events["login_id"], events["person_id"], "track")
        for name, frame in frames.items():
            writer.write(name, frame, business_date)
            counts[name] = counts.get(name, 0) + len(frame)
        truth.write_propensities(truth_dir, people, business_date)
        result.dates.append(business_date)
    loan_owner = accounts.set_index("account_no")["person_id"]
    all_contracts = loan.contracts(accounts, people, start + dt.timedelta(days=days - 1))
    keys.add("contract_no", all_contracts["contract_no"],
             loan_owner.loc[all_contracts["account_no"]].to_numpy(), "loan")
    truth.write(truth_dir, people, keys, incidents, dirt, start, days, seed, counts)
    say(f"ground truth: {truth_dir}")
    return result
