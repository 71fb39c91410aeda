"""Run the simulated bank for a range of business dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ruralops.exchange.batchfile import Control
from ruralops.exchange.contracts import contract
from ruralops.simulate import core, ebank
from ruralops.simulate.population import draw_people
from ruralops.simulate.render import write_file

# How far ahead e-banking registrations are drawn: fixed, so the output for a date does not
# depend on how many days were asked for.
REGISTRATION_HORIZON_DAYS = 365

Progress = Callable[[str], None]


@dataclass
class SimulationResult:
    landing: Path
    dates: list[dt.date]
    files: list[Control] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(c.record_count for c in self.files)

    @property
    def bytes(self) -> int:
        return sum(c.byte_size for c in self.files)


def simulate(start: dt.date, days: int, customers: int, seed: int, out: Path,
             progress: Progress | None = None) -> SimulationResult:
    """Write ``days`` business dates of batch files from ``start`` into ``out``.

    The population is drawn from (seed, start, customers); each date's files from
    (seed, date), so the same parameters always give the same bytes.
    """
    say = progress or (lambda _message: None)
    if days < 1 or customers < 1:
        raise ValueError("days and customers must be at least 1")
    people = draw_people(customers, start, np.random.default_rng([seed, 0]))
    accounts = core.draw_accounts(people, np.random.default_rng([seed, 1]))
    registrations = ebank.draw_registrations(
        people, start + dt.timedelta(days=REGISTRATION_HORIZON_DAYS), np.random.default_rng([seed, 2]))
    result = SimulationResult(landing=out, dates=[])
    for offset in range(days):
        business_date = start + dt.timedelta(days=offset)
        day_rng = np.random.default_rng([seed, 3, business_date.toordinal()])
        frames = {
            "core__customers": core.customers(people, business_date),
            "core__accounts": core.accounts_snapshot(accounts, business_date, day_rng),
            "core__transactions": core.transactions(people, accounts, business_date, day_rng),
            "ebank__registrations": ebank.registrations_snapshot(registrations, business_date),
        }
        for name, frame in frames.items():
            control = write_file(frame, contract(name), out, business_date)
            result.files.append(control)
            say(f"{business_date:%Y-%m-%d} {name:<22} {control.record_count:>9,} rows  {control.file_name}")
        result.dates.append(business_date)
    return result
