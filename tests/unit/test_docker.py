"""What can be checked of the deployment files without a Docker engine (none runs here)."""

import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker" / "compose.yaml"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_runs_the_airflow_3_services_and_both_databases(compose):
    services = compose["services"]
    for name in ("warehouse-db", "airflow-db", "airflow-init", "airflow-api-server",
                 "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"):
        assert name in services, name
    commands = {name: s.get("command", [None])[0] for name, s in services.items()}
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-api-server"] == "api-server"


def test_compose_holds_no_literal_secret_and_documents_every_variable(compose):
    text = COMPOSE.read_text()
    for line in text.splitlines():
        if re.search(r"(PASSWORD|SECRET|KEY)\s*:", line) and "${" not in line:
            pytest.fail(f"literal secret in compose.yaml: {line.strip()}")
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used <= documented, f"undocumented: {used - documented}"


def test_dockerfile_copies_only_paths_that_exist():
    for line in (ROOT / "docker" / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY"):
            sources = [p for p in line.split()[1:-1] if not p.startswith("--")]
            for source in sources:
                assert (ROOT / source).exists(), source
