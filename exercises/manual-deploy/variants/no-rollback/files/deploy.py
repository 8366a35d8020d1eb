"""Versioned deployments of the churn model, with rollback.

    python deploy.py deploy --version v2 --model path/to/churn.joblib
    python deploy.py rollback
    python deploy.py status

State lives in $DEPLOY_DIR on the server:
    releases/<version>/model.joblib   immutable artifact of each version ever deployed
    history.json                      the stack of live versions, newest last
    release.env                       what the service runs now (MODEL_PATH, MODEL_VERSION);
                                      `docker compose --env-file $DEPLOY_DIR/release.env up -d` applies it
Every write is a temp file plus rename, so a crash never leaves a half-written release.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import joblib
import numpy as np

from features import encode

VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SMOKE_CUSTOMER = {"tenure_months": 12, "monthly_charges": 70.0, "support_calls_90d": 1, "contract": "one_year"}


class DeployError(Exception):
    """A refused command; the message says what to do."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temp, path)


class Server:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.releases = root / "releases"
        self.history_file = root / "history.json"
        self.env_file = root / "release.env"

    def history(self) -> list[str]:
        if not self.history_file.exists():
            return []
        return list(json.loads(self.history_file.read_text()))

    def artifact(self, version: str) -> Path:
        return self.releases / version / "model.joblib"

    def _activate(self, history: list[str]) -> None:
        current = history[-1]
        write_atomic(self.env_file, f"MODEL_PATH={self.artifact(current)}\nMODEL_VERSION={current}\n")
        write_atomic(self.history_file, json.dumps(history))

    def deploy(self, version: str, model: Path) -> str:
        if not VERSION.match(version):
            raise DeployError(f"version '{version}' must be letters, digits, '.', '_' or '-' (at most 64)")
        if not model.is_file():
            raise DeployError(f"no model artifact at {model}")
        smoke_test(model)
        self.releases.mkdir(parents=True, exist_ok=True)
        target = self.artifact(version)
        if target.exists() and sha256(target) != sha256(model):
            raise DeployError(f"version {version} was already deployed with another artifact; pick a new version")
        history = self.history()
        if history and history[-1] == version:
            return f"{version} is already live; nothing to do"
        if not target.exists():
            staging = Path(tempfile.mkdtemp(dir=self.releases, prefix=f".{version}."))
            staging.chmod(0o755)  # the service's user reads it, whoever runs the deploy
            shutil.copyfile(model, staging / "model.joblib")
            staging.rename(target.parent)
        self._activate(history + [version])
        return f"{version} is live (sha256 {sha256(target)[:12]})"

    def rollback(self) -> str:
        raise DeployError("rollback is not supported yet: deploy the previous version again")

    def status(self) -> str:
        history = self.history()
        return f"live: {history[-1]}; history: {' '.join(history)}" if history else "nothing deployed yet"


def smoke_test(model: Path) -> None:
    """Refuse an artifact that does not load or cannot score one customer."""
    try:
        probability = joblib.load(model).predict_proba(np.array([encode(SMOKE_CUSTOMER)]))[0, 1]
    except Exception as exc:
        raise DeployError(f"{model} is not a working churn model ({exc})") from exc
    if not 0.0 <= probability <= 1.0:
        raise DeployError(f"{model} returned a probability of {probability}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    deploy = commands.add_parser("deploy", help="make a model version live")
    deploy.add_argument("--version", required=True)
    deploy.add_argument("--model", required=True, type=Path)
    commands.add_parser("rollback", help="go back to the release before the live one")
    commands.add_parser("status", help="show the live version and the history")
    args = parser.parse_args(argv)
    root = os.environ.get("DEPLOY_DIR")
    if not root:
        print("DEPLOY_DIR is not set; point it at the server's deployment folder.", file=sys.stderr)
        return 2
    server = Server(Path(root))
    try:
        if args.command == "deploy":
            print(server.deploy(args.version, args.model))
        elif args.command == "rollback":
            print(server.rollback())
        else:
            print(server.status())
    except DeployError as exc:
        print(f"deploy: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
