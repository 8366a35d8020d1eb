"""The scale-out deployment's compose file: valid against the Compose specification, and saying
what the kit understands (its commands, options, environment and content)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import yaml
from conftest import REPO, CliRunner

from harness.build.wheelhouse import WHEELHOUSE_ENV
from harness.content import CONTENT_ENV

COMPOSE = REPO / "deploy" / "compose.yaml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_the_compose_file_follows_the_compose_specification() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_compose_file_runs_the_api_redis_postgresql_and_several_workers(cli: CliRunner) -> None:
    services = _compose()["services"]
    assert set(services) == {"api", "worker", "redis", "postgres"}
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("api", "worker"):
        service = services[name]
        environment = service["environment"]
        assert (
            environment["OPSDRILL_STORE"].startswith("postgresql://")
            and "@postgres:5432/" in environment["OPSDRILL_STORE"]
        )
        assert environment["OPSDRILL_BROKER"] == "redis://redis:6379/0"
        assert {"postgres", "redis"} <= set(service["depends_on"])
        # The command and every option it uses exist, and the store and broker come from the
        # environment variables the CLI reads.
        program, command, *arguments = service["command"]
        assert program == "opsdrill"
        usage = cli(command, "--help", env={"COLUMNS": "200"})
        assert usage.returncode == 0, usage.stderr
        for option in (a for a in arguments if a.startswith("--")):
            assert option in usage.stdout, f"`opsdrill {command}` has no {option}"
        assert "OPSDRILL_STORE" in usage.stdout and "OPSDRILL_BROKER" in usage.stdout
    # Workers grade with their host's engine, from a wheelhouse the image is told of.
    worker_mounts = services["worker"]["volumes"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in worker_mounts
    dockerfile = DOCKERFILE.read_text()
    wheelhouse = next(
        line.split("=", 1)[1].split()[0] for line in dockerfile.splitlines() if WHEELHOUSE_ENV + "=" in line
    )
    assert any(mount.split(":")[1] == wheelhouse for mount in worker_mounts)


def test_the_service_image_holds_the_content_pack_where_the_engine_looks() -> None:
    dockerfile = DOCKERFILE.read_text()
    root = next(line.split("=", 1)[1].split()[0] for line in dockerfile.splitlines() if CONTENT_ENV + "=" in line)
    for part in ("exercises", "graders", "rubrics"):
        assert (REPO / part).is_dir()
        assert f"COPY {part} ./content/{part}" in dockerfile
    assert root == "/opt/opsdrill/content" and "WORKDIR /opt/opsdrill" in dockerfile
    assert 'pip install --no-cache-dir ".[scale]"' in dockerfile
