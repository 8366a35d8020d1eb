"""The deploy scenario: the candidate's deploy.py changes the server's state, the platform applies it.

The platform's part is what `docker compose --env-file $DEPLOY_DIR/release.env up -d` would do on
the server: start the candidate's image with the variables the release names (DEPLOY_DIR mounted
read-only at the same path). The deploy command itself runs in the kit's sandbox, so candidate
code never gets near the Docker engine. Which model a release serves is told by its predictions,
so the deploy checks do not depend on the version endpoint.
"""

from __future__ import annotations

import math
import posixpath
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from churn import Artifact
from contract import Customer, answered_probabilities, predict_request

from harness.grading import ExecResult, Sandbox, SandboxError, Service, describe, last_line

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
PRODUCTION = "production"
#: How a served model that is not the expected one is named to the candidate.
SERVED = {PRODUCTION: "the production model built into the image", "v1": "v1's model", "v2": "v2's model"}


@dataclass(frozen=True)
class Fingerprints:
    """The known models' predictions on a few customers: they tell which model a container serves,
    with or without a /version endpoint."""

    customers: list[Customer]
    expected: dict[str, list[float]]

    def served(self, values: list[float]) -> str | None:
        """The label of the known model that gives `values`, if any."""
        for label, expected in self.expected.items():
            if all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(values, expected, strict=True)):
                return label
        return None


@dataclass
class Step:
    action: str
    result: ExecResult
    #: What the release left live that it should not have (none when right, or not observed).
    problems: list[str] = field(default_factory=list)

    def verdict(self) -> list[str]:
        """None when the step did what it should, else what went wrong."""
        if not self.result.ok:
            return [f"`{self.action}` exited with {self.result.exit_code}: {last_line(self.result)}"]
        return [f"after `{self.action}`, {problem}" for problem in self.problems]


@dataclass
class DeployRun:
    steps: list[Step] = field(default_factory=list)

    def problems(self, upto: int) -> list[str]:
        """What went wrong at the first of the first `upto` steps of PLAN that went wrong (none when
        they all did what they should)."""
        for step in self.steps[:upto]:
            if problems := step.verdict():
                return problems
        return [] if len(self.steps) >= upto else ["the deploy sequence stopped early"]


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


@dataclass(frozen=True)
class Server:
    """The platform's side of the server: its DEPLOY_DIR, how it starts a release, what it knows."""

    box: Sandbox
    start: Callable[[dict[str, str]], Service]
    fingerprints: Fingerprints
    timeout_s: float
    #: How long a release that answers 503 while it loads is waited for (see Service.poll).
    loading_s: float = 0.0

    @property
    def deploy_dir(self) -> str:
        return self.box.path(SERVER)

    def live_problems(self, label: str, version: str) -> list[str]:
        """Start the release release.env names; none when it is `version` and serves `label`'s model."""
        try:
            text = self.box.read_file(f"{SERVER}/{RELEASE_ENV}", MAX_RELEASE_BYTES).decode("utf-8", "replace")
        except SandboxError:
            return [f"there is no readable $DEPLOY_DIR/{RELEASE_ENV} (at most {MAX_RELEASE_BYTES} bytes)"]
        env = parse_release(text, self.deploy_dir)
        if isinstance(env, str):
            return [env]
        if env["MODEL_VERSION"] != version:
            return [f"release.env names MODEL_VERSION {env['MODEL_VERSION']!r}; expected {version!r}"]
        service = self.start(env)
        try:
            answer = service.poll(
                predict_request(self.fingerprints.customers), self.timeout_s, loading_s=self.loading_s
            )
        finally:
            service.stop()
        if answer.status != 200:
            return [f"the container started from release.env answered {describe(answer)} to a valid prediction"]
        values = answered_probabilities(answer.body, len(self.fingerprints.customers))
        if isinstance(values, str):
            return [f"the container started from release.env: {values}"]
        served = self.fingerprints.served(values)
        if served != label:
            what = SERVED.get(served or "", "predictions of no model the kit knows")
            return [f"the container started from release.env served {what}, not {label}'s model"]
        return []


def run_deploys(server: Server, artifacts: dict[str, Artifact]) -> DeployRun:
    """Deploy `artifacts` ("v1", "v2") under fresh version names, following PLAN."""
    tag = secrets.token_hex(3)
    names = {label: f"2026.11.{label[1:]}-{tag}" for label in artifacts}
    paths = {}
    for label, artifact in artifacts.items():
        server.box.write_file(f".opsdrill/artifacts/{label}.joblib", artifact.data)
        paths[label] = server.box.path(f".opsdrill/artifacts/{label}.joblib")
    run = DeployRun()
    for action, expected, observe in PLAN:
        argv = ["python", "deploy.py", action]
        if action == "deploy":
            argv += ["--version", names[expected], "--model", paths[expected]]
        result = server.box.exec(argv, env={"DEPLOY_DIR": server.deploy_dir}, timeout_s=60)
        step = Step(f"{action} {expected}" if action == "deploy" else action, result)
        run.steps.append(step)
        if result.ok and observe:
            step.problems = server.live_problems(expected, names[expected])
        if step.verdict():
            break
    return run
