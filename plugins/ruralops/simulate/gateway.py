"""Mobile-banking gateway logs: the nginx "combined" access log and the JSON application log.

Lines are built by vectorised string concatenation (no per-line Python). A share of lines is
cut short, as log shippers do under load (knob ``malformed_log_lines``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruralops.simulate.text import concat

PATHS = {
    "login_success": ("POST", "/api/v1/auth/login", 200),
    "login_failure": ("POST", "/api/v1/auth/login", 401),
    "balance": ("GET", "/api/v1/account/balance", 200),
    "transfer": ("POST", "/api/v1/transfer", 200),
    "bill_pay": ("POST", "/api/v1/bills/pay", 200),
    "loan_apply": ("GET", "/api/v1/loan/yned/apply", 200),
    "wealth_buy": ("POST", "/api/v1/wealth/order", 200),
}
AGENTS = np.array(["RuralBank/5.2.1 (Android 12; HUAWEI NOH-AN00)", "RuralBank/5.2.1 (Android 11; OPPO PDEM10)",
                   "RuralBank/5.1.9 (iOS 17.5; iPhone14,5)", "RuralBank/5.2.0 (Android 13; vivo V2217A)"])


def _cut(lines: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    cut = rng.random(len(lines)) < rate
    if cut.any():
        keep = (lines[cut].str.len() * rng.uniform(0.2, 0.8, int(cut.sum()))).astype(int)
        lines = lines.copy()
        lines[cut] = [text[:k] for text, k in zip(lines[cut], keep)]
    return lines


def access_log(actions: pd.DataFrame, rng: np.random.Generator, malformed: float) -> pd.Series:
    key = actions["feature"].where(actions["event"] == "feature_use", actions["event"])
    method = key.map({k: v[0] for k, v in PATHS.items()})
    path = key.map({k: v[1] for k, v in PATHS.items()})
    status = key.map({k: v[2] for k, v in PATHS.items()}).to_numpy()
    status = np.where((status == 200) & (rng.random(len(actions)) < 0.005), 500, status)
    hex_value = {c: i for i, c in enumerate("0123456789abcdef")}
    agent = AGENTS[(actions["device_id"].str.slice(0, 1).map(hex_value).fillna(0).astype(int) % len(AGENTS)).to_numpy()]
    lines = concat(actions["ip"], " - - [", actions["at"].dt.strftime("%d/%b/%Y:%H:%M:%S").astype(object),
                   " +0800] \"", method.astype(object), " ", path.astype(object), " HTTP/1.1\" ",
                   status.astype(str).astype(object), " ",
                   rng.integers(120, 4000, len(actions)).astype(str).astype(object),
                   " \"-\" \"", agent.astype(object), "\"")
    return _cut(lines, malformed, rng)


def app_log(actions: pd.DataFrame, rng: np.random.Generator, malformed: float) -> pd.Series:
    level = np.where(actions["event"] == "login_failure", "WARN", "INFO")
    feature = ('"' + actions["feature"].fillna("") + '"').where(actions["feature"].notna(), "null")
    lines = concat('{"ts":"', actions["at"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object),
                   '+08:00","level":"', level.astype(object), '","event":"', actions["event"].astype(object),
                   '","user_id":"', actions["user_id"], '","device_id":"', actions["device_id"],
                   '","feature":', feature.astype(object), ',"ip":"', actions["ip"], '","latency_ms":',
                   rng.integers(20, 900, len(actions)).astype(str).astype(object), "}")
    return _cut(lines, malformed, rng)
