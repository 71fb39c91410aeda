"""Identity resolution against the simulator's ground truth: pairwise precision, recall, F1.

Simulates a bank (default dirt, then a harsher preset), collects one business date, builds
staging and the identity layer, and compares customer_id with the true person behind every
record that has its own id: core customer numbers, e-banking users, loan applications and
wealth holdings. Prints, overall and per kind of dirt, pairwise precision / recall / F1 and
the number of true persons wrongly joined with another person (over-merge, the worse error).

    .venv/bin/python bench/identity_accuracy.py [--customers 20000] [--harsh-only]

Uses its own state folder (.ruralops/bench), so the demo database is untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RURALOPS_STATE_DIR", str(ROOT / ".ruralops" / "bench"))

DAY = dt.date(2026, 11, 1)
RECORD_KEYS = {"customer_no": "customer_no", "ebank_user_id": "ebank_user",
               "application_id": "application", "wealth_holding_id": "holding"}
HARSH = ["second_customer_no=0.10", "legacy_id15=0.5", "lowercase_x=0.5", "id_typo=0.01", "name_variant=0.5",
         "mobile_format=0.2", "family_shared_mobile=0.10", "placeholder_mobile=0.02", "missing_field=0.05"]


def _pairs(sizes):
    return int((sizes * (sizes - 1) // 2).sum())


def dirt_of_persons(keys):
    """Per person, which kinds of identity dirt their records carry (from the truth's keys)."""
    import pandas as pd

    ids = keys[keys["key_type"] == "id_no"]
    mobiles = keys[keys["key_type"] == "mobile"]
    shared = mobiles.groupby("key_value")["person_id"].nunique()
    kinds = {
        "second customer number": keys[keys["key_type"] == "customer_no"].groupby("person_id").size() > 1,
        "15-digit legacy ID": ids.assign(f=ids["key_value"].str.len() == 15).groupby("person_id")["f"].any(),
        "lower-case x": ids.assign(f=ids["key_value"].str.endswith("x")).groupby("person_id")["f"].any(),
        "mobile format": mobiles.assign(f=~mobiles["key_value"].str.fullmatch(r"1[3-9]\d{9}"))
        .groupby("person_id")["f"].any(),
        "shared or placeholder mobile": mobiles.assign(f=mobiles["key_value"].map(shared) > 1)
        .groupby("person_id")["f"].any(),
    }
    return pd.DataFrame(kinds).fillna(False)


def measure(landing: Path, truth: Path, warehouse) -> list[tuple[str, dict]]:
    import pandas as pd

    from ruralops.collect.loader import collect_date
    from ruralops.db.connection import transaction
    from ruralops.settings import paths
    from ruralops.warehouse.dbt_build import build_layer

    collect_date(warehouse, DAY, landing, paths().quarantine)
    started = time.perf_counter()
    build_layer(warehouse, "staging", DAY)
    staged = time.perf_counter()
    build_layer(warehouse, "identity", DAY)
    print(f"  staging {staged - started:.1f}s, identity (graph + resolve + models) {time.perf_counter() - staged:.1f}s")
    with transaction(warehouse) as conn, conn.cursor() as cur:
        cur.execute("select node_key, customer_id from identity.identifier_map")
        ours = pd.DataFrame(cur.fetchall(), columns=["node_key", "customer_id"])
    keys = pd.read_csv(truth / "keys.csv", dtype=str)
    records = keys[keys["key_type"].isin(list(RECORD_KEYS))].copy()
    records["node_key"] = records["key_type"].map(RECORD_KEYS) + ":" + records["key_value"]
    # the truth also knows records not delivered on this date (later holdings, cancelled users)
    records = records.drop_duplicates("node_key").merge(ours, on="node_key", how="inner")
    dirt = dirt_of_persons(keys)

    def scores(frame) -> dict:
        together = _pairs(frame.groupby(["customer_id", "person_id"]).size())
        predicted = _pairs(frame.groupby("customer_id").size())
        true = _pairs(frame.groupby("person_id").size())
        persons_per_id = frame.groupby("customer_id")["person_id"].nunique()
        over = frame[frame["customer_id"].isin(persons_per_id[persons_per_id > 1].index)]["person_id"].nunique()
        precision = together / predicted if predicted else 1.0
        recall = together / true if true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"records": len(frame), "true pairs": true, "precision": precision, "recall": recall, "f1": f1,
                "persons wrongly joined": over}

    rows = [("all records", scores(records))]
    for kind in dirt.columns:
        persons = dirt.index[dirt[kind]]
        rows.append((kind, scores(records[records["person_id"].isin(persons)])))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--harsh-only", action="store_true")
    args = parser.parse_args()

    from ruralops.db import connection, schema
    from ruralops.settings import paths
    from ruralops.simulate import simulate
    from ruralops.simulate.config import Dirt

    warehouse = connection.resolve()
    schema.ensure(warehouse)
    runs = [] if args.harsh_only else [("default dirt", [])]
    runs.append(("harsh dirt (" + ", ".join(HARSH) + ")", HARSH))
    for label, overrides in runs:
        with connection.transaction(warehouse) as conn, conn.cursor() as cur:
            cur.execute("drop schema if exists identity cascade; drop schema if exists staging cascade")
        schema.ensure(warehouse)
        landing, truth = paths().state / "landing", paths().state / "truth"
        shutil.rmtree(landing, ignore_errors=True)
        simulate(DAY, 1, args.customers, 11, landing, truth_dir=truth, dirt=Dirt().override(overrides))
        print(f"\n{label}, {args.customers:,} customers:")
        for name, s in measure(landing, truth, warehouse):
            print(f"  {name:<30} records {s['records']:>7,}  true pairs {s['true pairs']:>6,}  "
                  f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
                  f"persons wrongly joined {s['persons wrongly joined']:,}")


if __name__ == "__main__":
    main()
