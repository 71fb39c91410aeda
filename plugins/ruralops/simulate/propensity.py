"""The hidden propensities behind campaign responses: a documented formula, so the best
achievable lift of any response model is known (see docs/simulator.md).

    logit P(respond to a consumer-loan offer on date d) =
        -3.4 + 1.1·[farmer or small merchant] + 0.9·digital_adoption + 0.6·[25 <= age <= 50]
        - 1.2·[retired] + 0.6·[farmer and month(d) in 3..5] + u_person
    logit P(sign up for mobile banking when offered) =
        -3.0 + 2.2·digital_adoption + 0.5·[age < 45] + v_person

u_person and v_person are fixed per person, drawn N(0, 0.6²) once per seed (``draw_people``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

CAMPAIGNS = ("consumer_loan", "mobile_banking")
PLANTING_MONTHS = (3, 4, 5)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def propensity(people: pd.DataFrame, campaign: str, on: dt.date) -> np.ndarray:
    """True response probability of every person for a campaign offered on a date."""
    age = (pd.Timestamp(on) - people["birth_date"]).dt.days.to_numpy() / 365.25
    occupation = people["occupation"].to_numpy()
    adoption = people["digital_adoption"].to_numpy()
    if campaign == "consumer_loan":
        farmer = occupation == "farmer"
        logit = (-3.4 + 1.1 * np.isin(occupation, ["farmer", "small_merchant"]) + 0.9 * adoption
                 + 0.6 * ((age >= 25) & (age <= 50)) - 1.2 * (occupation == "retired")
                 + 0.6 * (farmer & (on.month in PLANTING_MONTHS)) + people["latent_loan"].to_numpy())
    elif campaign == "mobile_banking":
        logit = -3.0 + 2.2 * adoption + 0.5 * (age < 45) + people["latent_mobile"].to_numpy()
    else:
        raise ValueError(f"unknown campaign {campaign!r}; campaigns: {', '.join(CAMPAIGNS)}")
    return _sigmoid(logit)


def best_lift(probabilities: np.ndarray, top_share: float = 0.1) -> float:
    """Response rate of the truly most likely top share over the average: no model can beat it."""
    ordered = np.sort(probabilities)[::-1]
    top = ordered[: max(1, int(len(ordered) * top_share))]
    return float(top.mean() / probabilities.mean())
