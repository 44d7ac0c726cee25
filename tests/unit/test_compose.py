"""compose.yaml describes the production shape and conforms to the Compose Specification."""

import json
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    schema = json.loads((ROOT / "tests/data/compose-spec.json").read_text())
    jsonschema.validate(_compose(), schema, cls=jsonschema.Draft7Validator)


def test_compose_has_the_production_services_with_healthchecks():
    services = _compose()["services"]
    assert {"api", "worker", "beat", "postgres", "redis"} <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    for name in ("api", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    for name in ("api", "worker", "beat"):
        env = services[name]["environment"]
        assert env["TRADEGATE_ENV"] == "production"
        assert env["TRADEGATE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["TRADEGATE_BROKER_URL"].startswith("redis://")
