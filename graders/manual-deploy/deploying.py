"""The deploy scenario: the candidate's deploy.py changes the server's state, the platform applies it.

The platform's part is what `docker compose --env-file $DEPLOY_DIR/release.env up -d` would do on
the server: start the candidate's image with the variables the release names. The deploy command
itself runs in the kit's sandbox, so candidate code never gets near the Docker engine.
"""

from __future__ import annotations

import posixpath
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from churn import Artifact

from harness.errors import SandboxError
from harness.sandbox.base import ExecResult, Sandbox
from harness.sandbox.service import HttpRequest, Service

SERVER = ".opsdrill/server"
RELEASE_ENV = "release.env"
MAX_RELEASE_BYTES = 16 * 1024
MAX_VARIABLES = 32
MAX_VALUE = 1024
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: What each step should leave live: the action, the version expected after it, observed or not.
PLAN: list[tuple[str, str, bool]] = [
    ("deploy", "v1", True),
    ("deploy", "v2", True),
    ("rollback", "v1", True),
    ("deploy", "v2", False),
    ("deploy", "v2", True),
    ("rollback", "v1", True),
]
ROLLBACK_STEPS = 3


@dataclass
class Step:
    action: str
    expected: str
    result: ExecResult
    problem: str = ""
    observed: tuple[str, str] | None = None

    def verdict(self, versions: dict[str, tuple[str, Artifact]]) -> str:
        """'' when the step did what it should, else what went wrong."""
        name, artifact = versions[self.expected]
        if not self.result.ok:
            tail = self.result.output.strip().splitlines()[-1:] or ["no output"]
            return f"`{self.action}` exited with {self.result.exit_code}: {tail[0][:200]}"
        if self.problem:
            return f"after `{self.action}`, {self.problem}"
        if self.observed is None:
            return ""
        if self.observed != (name, artifact.sha256):
            got = f"{self.observed[0]!r} (sha256 {self.observed[1][:12]})"
            return f"after `{self.action}`, /version reported {got}; expected {name!r} (sha256 {artifact.sha256[:12]})"
        return ""


@dataclass
class DeployRun:
    versions: dict[str, tuple[str, Artifact]]
    steps: list[Step] = field(default_factory=list)

    def first_problem(self, upto: int) -> str:
        """What went wrong in the first `upto` steps of PLAN ('' when they all did what they should)."""
        for step in self.steps[:upto]:
            if problem := step.verdict(self.versions):
                return problem
        return "" if len(self.steps) >= upto else "the deploy sequence stopped early"


def parse_release(text: str, deploy_dir: str) -> dict[str, str] | str:
    """release.env as variables for the container, or why it cannot be used."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not KEY.match(key) or len(value) > MAX_VALUE:
            return f"release.env has a line that is not KEY=VALUE: {line[:80]!r}"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key] = value
    if len(env) > MAX_VARIABLES:
        return f"release.env sets {len(env)} variables; at most {MAX_VARIABLES}"
    if "MODEL_PATH" not in env or "MODEL_VERSION" not in env:
        return "release.env must set MODEL_PATH and MODEL_VERSION"
    model = posixpath.normpath(env["MODEL_PATH"])
    if not model.startswith(deploy_dir.rstrip("/") + "/"):
        return f"release.env's MODEL_PATH {env['MODEL_PATH']!r} is not inside DEPLOY_DIR (the server has only that)"
    env.pop("PORT", None)
    return env


def _observe(
    box: Sandbox, start: Callable[[dict[str, str]], Service], deploy_dir: str, timeout_s: float
) -> tuple[str, str] | str:
    """Start the release release.env names and ask it what it serves: (version, sha256) or a problem."""
    try:
        text = box.read_file(f"{SERVER}/{RELEASE_ENV}", MAX_RELEASE_BYTES).decode("utf-8", "replace")
    except SandboxError:
        return f"there is no readable $DEPLOY_DIR/{RELEASE_ENV} (at most {MAX_RELEASE_BYTES} bytes)"
    env = parse_release(text, deploy_dir)
    if isinstance(env, str):
        return env
    service = start(env)
    try:
        # One prober run: poll /ready until it answers, then ask for the version.
        answer = service.send([HttpRequest("GET", "/ready", until_ok_s=timeout_s), HttpRequest("GET", "/version")])[1]
    finally:
        service.stop()
    try:
        data = answer.json()
        return (str(data["model_version"]), str(data["model_sha256"]))
    except (ValueError, KeyError, TypeError):
        return f"the release's /version answered {answer.status} {answer.body[:120]!r} {answer.error}".strip()


def run_deploys(
    box: Sandbox, start: Callable[[dict[str, str]], Service], artifacts: dict[str, Artifact], params: dict[str, Any]
) -> DeployRun:
    """Deploy `artifacts` ("v1", "v2") under fresh version names, following PLAN."""
    tag = secrets.token_hex(3)
    run = DeployRun({label: (f"2026.11.{label[1:]}-{tag}", artifact) for label, artifact in artifacts.items()})
    paths = {}
    for label, (_name, artifact) in run.versions.items():
        box.write_file(f".opsdrill/artifacts/{label}.joblib", artifact.data)
        paths[label] = box.path(f".opsdrill/artifacts/{label}.joblib")
    deploy_dir = box.path(SERVER)
    for action, expected, observe in PLAN:
        argv = ["python", "deploy.py", action]
        if action == "deploy":
            argv += ["--version", run.versions[expected][0], "--model", paths[expected]]
        step = Step(action=f"{action} {expected}" if action == "deploy" else action, expected=expected,
                    result=box.exec(argv, env={"DEPLOY_DIR": deploy_dir}, timeout_s=60))  # fmt: skip
        run.steps.append(step)
        if step.result.ok and observe:
            seen = _observe(box, start, deploy_dir, float(params["start_timeout_s"]))
            if isinstance(seen, str):
                step.problem = seen
            else:
                step.observed = seen
        if step.verdict(run.versions):
            break
    return run
