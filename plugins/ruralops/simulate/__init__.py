"""A simulated rural credit union: its people and the batch files its systems deliver.

Reproducible by seed (same parameters, same bytes), vectorised with numpy/pandas so it grows to
a province. Each source system is one module writing the layouts declared in
``ruralops.exchange.contracts``; ``bank.simulate`` runs them for a range of business dates.
"""

from ruralops.simulate.bank import SimulationResult, simulate
from ruralops.simulate.config import CLEAN, PRESETS, Dirt

__all__ = ["CLEAN", "PRESETS", "Dirt", "SimulationResult", "simulate"]
