"""Where things live, read from the environment once.

Every path and knob comes from an environment variable with a project-local default, so a
checkout works with no configuration and a deployment overrides only what differs. Nothing
here reads a secret: secrets are read where they are used (see ``ruralops.db.connection``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BUSINESS_TIMEZONE = "Asia/Shanghai"


def _project_root() -> Path:
    """The checkout (or image folder) holding dags/, dbt_project/ and expectations/."""
    if os.environ.get("RURALOPS_HOME"):
        return Path(os.environ["RURALOPS_HOME"]).resolve()
    package_checkout = Path(__file__).resolve().parents[2]
    if (package_checkout / "dbt_project").is_dir():
        return package_checkout
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Paths:
    root: Path
    state: Path

    @property
    def dags(self) -> Path:
        return self.root / "dags"

    @property
    def dbt_project(self) -> Path:
        return self.root / "dbt_project"

    @property
    def expectations(self) -> Path:
        return self.root / "expectations"

    @property
    def landing(self) -> Path:
        return Path(os.environ.get("RURALOPS_LANDING_DIR", self.state / "landing"))

    @property
    def outbox(self) -> Path:
        return Path(os.environ.get("RURALOPS_OUTBOX_DIR", self.state / "outbox"))

    @property
    def quarantine(self) -> Path:
        return Path(os.environ.get("RURALOPS_QUARANTINE_DIR", self.state / "quarantine"))

    @property
    def airflow_home(self) -> Path:
        return Path(os.environ.get("AIRFLOW_HOME", self.state / "airflow"))

    @property
    def dbt_target(self) -> Path:
        return self.state / "dbt" / "target"

    @property
    def dbt_logs(self) -> Path:
        return self.state / "dbt" / "logs"

    @property
    def gx_root(self) -> Path:
        return self.state / "gx"

    @property
    def postgres(self) -> Path:
        return self.state / "postgres"


def paths() -> Paths:
    root = _project_root()
    state = Path(os.environ.get("RURALOPS_STATE_DIR", root / ".ruralops")).resolve()
    return Paths(root=root, state=state)
