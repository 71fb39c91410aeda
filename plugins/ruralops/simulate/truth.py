"""Ground truth, written apart from the landing folder (the pipeline never reads it).

- ``persons.csv``: every simulated person with the clean attributes and hidden traits;
- ``keys.csv``: the person behind every source key (customer number, ID number as typed, mobile
  as typed, account, contract, application, holding, e-bank user, device), with its source;
- ``propensity_<yyyymmdd>.csv``: each person's true response probability per campaign and date;
- ``incidents.csv``: the file incidents injected (truncated, late, re-sent, malformed lines...);
- ``summary.json``: parameters, record counts and, per campaign, the average true response
  rate and the best lift any model could achieve in the top decile.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from ruralops.simulate.config import Dirt
from ruralops.simulate.propensity import CAMPAIGNS, best_lift, propensity
from ruralops.simulate.text import concat

PERSON_COLUMNS = ["person_id", "customer_name", "id_no", "gender", "birth_date", "mobile", "address",
                  "occupation", "digital_adoption", "daily_activity", "latent_loan", "latent_mobile",
                  "is_customer"]


class KeyLedger:
    """Collects (key type, key value, person, source) as each system is written."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, key_type: str, values: pd.Series | np.ndarray, person_ids: np.ndarray, source: str) -> None:
        frame = pd.DataFrame({"key_type": key_type, "key_value": np.asarray(values, dtype=object),
                              "person_id": np.asarray(person_ids), "source": source})
        self._parts.append(frame[frame["key_value"].notna() & (frame["key_value"] != "")])

    def frame(self) -> pd.DataFrame:
        """Distinct keys in the order they were added (deterministic without a sort)."""
        if not self._parts:
            return pd.DataFrame(columns=["key_type", "key_value", "person_id", "source"])
        return pd.concat(self._parts, ignore_index=True).drop_duplicates()

    def write_csv(self, path: Path) -> None:
        keys = self.frame()
        lines = concat(keys["key_type"].astype(str), ",", keys["key_value"].astype(str), ",",
                       keys["person_id"].astype(str), ",", keys["source"].astype(str))
        path.write_text("key_type,key_value,person_id,source\n" + "\n".join(lines.tolist()) + "\n",
                        encoding="utf-8")


def write_propensities(folder: Path, people: pd.DataFrame, business_date: dt.date) -> None:
    """Every person's true response probability per campaign on the date (propensity_<d>.csv)."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = [people["person_id"].astype(str).tolist()]
    for campaign in CAMPAIGNS:
        columns += [",", np.char.mod("%.6f", propensity(people, campaign, business_date)).tolist()]
    lines = concat(*columns)
    header = "person_id," + ",".join(CAMPAIGNS) + "\n"
    (folder / f"propensity_{business_date:%Y%m%d}.csv").write_text(
        header + "\n".join(lines.tolist()) + "\n", encoding="utf-8")


def write(folder: Path, people: pd.DataFrame, keys: KeyLedger, incidents: list[dict],
          dirt: Dirt, start: dt.date, days: int, seed: int, counts: dict[str, int]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    persons = people[PERSON_COLUMNS].copy()
    persons["birth_date"] = persons["birth_date"].dt.strftime("%Y-%m-%d")
    persons.to_csv(folder / "persons.csv", index=False, float_format="%.6f")
    keys.write_csv(folder / "keys.csv")
    pd.DataFrame(incidents, columns=["business_date", "file", "incident"]).to_csv(
        folder / "incidents.csv", index=False)
    customers = people[people["is_customer"]]
    campaigns = {}
    for campaign in CAMPAIGNS:
        p = propensity(customers, campaign, start)
        campaigns[campaign] = {"mean_response": round(float(p.mean()), 6),
                               "best_top_decile_lift": round(best_lift(p), 4)}
    summary = {"start": start.isoformat(), "days": days, "seed": seed, "persons": len(people),
               "customers": int(people["is_customer"].sum()), "dirt": asdict(dirt),
               "records": counts, "campaigns_on_start_date": campaigns}
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
