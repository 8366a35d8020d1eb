import shutil
from pathlib import Path

import pytest

from deploy import DeployError, Server

MODEL = Path(__file__).resolve().parent.parent / "model" / "churn.joblib"


def env(server: Server) -> dict[str, str]:
    return dict(line.split("=", 1) for line in server.env_file.read_text().splitlines())


def test_deploy_rollback_and_idempotence(tmp_path: Path) -> None:
    other = tmp_path / "other.joblib"
    shutil.copyfile(MODEL, other)
    other.write_bytes(other.read_bytes() + b"\0")  # a different artifact (joblib ignores trailing bytes)
    server = Server(tmp_path / "srv")
    server.deploy("v1", MODEL)
    server.deploy("v2", other)
    server.deploy("v2", other)
    assert env(server)["MODEL_VERSION"] == "v2" and server.history() == ["v1", "v2"]
    server.rollback()
    assert env(server) == {"MODEL_PATH": str(server.artifact("v1")), "MODEL_VERSION": "v1"}
    with pytest.raises(DeployError):
        server.rollback()


def test_refuses_a_broken_artifact_or_a_reused_version(tmp_path: Path) -> None:
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    server = Server(tmp_path / "srv")
    with pytest.raises(DeployError):
        server.deploy("v1", broken)
    server.deploy("v1", MODEL)
    changed = tmp_path / "changed.joblib"
    changed.write_bytes(MODEL.read_bytes() + b"\0")
    with pytest.raises(DeployError):
        server.deploy("v1", changed)
