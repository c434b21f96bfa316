"""Docker cannot run here, so the compose files' structure is checked instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mediamesh.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
GUIDE_VARIABLES = {
    "DYNAMODB_ENABLED",
    "DYNAMODB_ENDPOINT",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "DYNAMODB_TABLE_TRENDING",
    "DYNAMODB_TABLE_POPULAR",
    "DYNAMODB_TABLE_SEARCH_INDEX",
    "DYNAMODB_TTL_ATTRIBUTE",
    "DYNAMODB_TTL_SECONDS",
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return data


def test_dynamodb_compose_runs_amazons_image_on_8000() -> None:
    service = load("docker-compose.dynamodb.yml")["services"]["dynamodb-local"]
    assert service["image"].startswith("amazon/dynamodb-local")
    assert "8000:8000" in service["ports"]


def test_dev_compose_has_the_whole_stack() -> None:
    services = load("compose.dev.yml")["services"]
    assert {"dynamodb-local", "postgres", "redis", "discovery", "search"} <= set(services)
    assert services["dynamodb-local"]["image"].startswith("amazon/dynamodb-local")
    assert "8000:8000" in services["dynamodb-local"]["ports"]
    assert "8081:8081" in services["discovery"]["ports"]
    assert "8082:8082" in services["search"]["ports"]
    assert services["discovery"]["command"][:3] == ["mediamesh", "serve", "discovery"]
    assert services["search"]["command"][:3] == ["mediamesh", "serve", "search"]
    for name in ("discovery", "search"):  # several processes each (`serve --workers`)
        command = services[name]["command"]
        assert int(command[command.index("--workers") + 1]) >= 2, name


def test_dev_compose_configures_the_services_with_valid_guide_settings() -> None:
    services = load("compose.dev.yml")["services"]
    for name in ("discovery", "search", "setup"):
        env = services[name]["environment"]
        assert set(env) >= GUIDE_VARIABLES, name
        assert env["DYNAMODB_ENDPOINT"] == "http://dynamodb-local:8000"
        settings = Settings.model_validate({k.lower(): v for k, v in env.items()})
        assert settings.redis_url.startswith("redis://redis:")
        assert "@postgres:5432/" in settings.database_url


def test_dockerfile_installs_from_the_lock_file() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in text
    assert 'CMD ["mediamesh", "serve"' in text
    assert "ENV MEDIAMESH_WORKERS=" in text  # `serve --workers` reads it
