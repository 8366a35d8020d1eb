"""manual-deploy's deploying.py: release.env parsing, and the deploy/rollback scenario driven through
harness.testing's FakeSandbox and FakeService (a simulated deploy.py, a simulated platform)."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from harness.model.execution import ExecResult
from harness.sandbox.service import HttpRequest, HttpResponse
from harness.testing import FakeSandbox, FakeService, completed

DEPLOY_DIR = "/srv/churn"
CUSTOMERS = [
    {"tenure_months": 3, "monthly_charges": 50.0, "support_calls_90d": 1, "contract": "one_year"},
    {"tenure_months": 40, "monthly_charges": 99.5, "support_calls_90d": 7, "contract": "month_to_month"},
]
EXPECTED = {"production": [0.11, 0.81], "v1": [0.22, 0.64], "v2": [0.31, 0.52]}


@pytest.fixture(scope="module")
def deploying(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("manual-deploy", "deploying")


# --- release.env ------------------------------------------------------------------------------------


def test_parse_release_reads_what_compose_would(deploying: ModuleType) -> None:
    text = (
        "# written by deploy.py\n\nexport MODEL_PATH=/srv/churn/releases/v2/model.joblib\n"
        "MODEL_VERSION = \"2026.11.2\"\nLOG_LEVEL='info'\nPORT=9000\n"
    )
    assert deploying.parse_release(text, DEPLOY_DIR + "/") == {
        "MODEL_PATH": "/srv/churn/releases/v2/model.joblib",
        "MODEL_VERSION": "2026.11.2",
        "LOG_LEVEL": "info",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("MODEL_VERSION=v1\n", "release.env must set MODEL_PATH and MODEL_VERSION"),
     ("MODEL_PATH=/srv/churn/m.joblib\n", "release.env must set MODEL_PATH and MODEL_VERSION"),
     ("MODEL_PATH=/srv/churn/m.joblib\nVERSION v1\n", "release.env has a line that is not KEY=VALUE: 'VERSION v1'")],
    ids=["no-path", "no-version", "not-key-value"],
)  # fmt: skip
def test_parse_release_needs_both_variables_as_key_value(deploying: ModuleType, text: str, expected: str) -> None:
    assert deploying.parse_release(text, DEPLOY_DIR) == expected


@pytest.mark.parametrize("key", ["1MODEL", "MODEL-PATH", "MODEL PATH"])
def test_parse_release_refuses_keys_a_shell_would_not_take(deploying: ModuleType, key: str) -> None:
    text = f"MODEL_PATH=/srv/churn/m.joblib\nMODEL_VERSION=v1\n{key}=x\n"
    assert deploying.parse_release(text, DEPLOY_DIR).startswith("release.env has a line that is not KEY=VALUE")


@pytest.mark.parametrize(
    "path",
    ["/srv/churn/../etc/model.joblib", "/srv/churn-old/model.joblib", "releases/v1/model.joblib", "/srv/churn"],
    ids=["dot-dot", "sibling-prefix", "relative", "the-folder-itself"],
)
def test_model_path_must_be_inside_deploy_dir(deploying: ModuleType, path: str) -> None:
    problem = deploying.parse_release(f"MODEL_PATH={path}\nMODEL_VERSION=v1\n", DEPLOY_DIR)
    assert problem == f"release.env's MODEL_PATH {path!r} is not inside DEPLOY_DIR (the server has only that)"


def test_release_size_limits(deploying: ModuleType) -> None:
    base = "MODEL_PATH=/srv/churn/m.joblib\nMODEL_VERSION=v1\n"
    many = base + "".join(f"EXTRA_{i}=x\n" for i in range(deploying.MAX_VARIABLES))
    assert deploying.parse_release(many, DEPLOY_DIR) == (
        f"release.env sets {deploying.MAX_VARIABLES + 2} variables; at most {deploying.MAX_VARIABLES}"
    )
    long_value = base + "NOTE=" + "x" * (deploying.MAX_VALUE + 1) + "\n"
    assert isinstance(deploying.parse_release(long_value, DEPLOY_DIR), str)
    assert isinstance(deploying.parse_release(base + "NOTE=" + "x" * deploying.MAX_VALUE, DEPLOY_DIR), dict)


def test_fingerprints_name_the_model_that_gave_the_values(deploying: ModuleType) -> None:
    fingerprints = deploying.Fingerprints(CUSTOMERS, EXPECTED)
    assert fingerprints.served([0.22, 0.64 + 5e-7]) == "v1"
    assert fingerprints.served(EXPECTED["production"]) == "production"
    assert fingerprints.served([0.22, 0.65]) is None


def test_problems_report_the_first_failed_step_or_an_early_stop(deploying: ModuleType) -> None:
    ok = deploying.Step("deploy v1", completed(["python", "deploy.py", "deploy"]))
    wrong = deploying.Step("rollback", completed(["python", "deploy.py", "rollback"]), problems=["it served v2"])
    crashed = deploying.Step("deploy v2", completed(["python"], 1, stderr="Traceback ...\nKeyError: 'v2'\n"))
    run = deploying.DeployRun([ok, wrong, crashed])
    assert run.problems(1) == []
    assert run.problems(3) == ["after `rollback`, it served v2"]
    assert deploying.DeployRun([ok, crashed]).problems(2) == ["`deploy v2` exited with 1: KeyError: 'v2'"]
    assert deploying.DeployRun([ok]).problems(2) == ["the deploy sequence stopped early"]


# --- the scenario, on fakes -------------------------------------------------------------------------


class DeployScript:
    """What a candidate's deploy.py does to $DEPLOY_DIR, acted out on the fake sandbox's files."""

    def __init__(self, box: FakeSandbox, *, idempotent: bool = True, model_inside: bool = True) -> None:
        self.box, self.idempotent, self.model_inside = box, idempotent, model_inside
        self.history: list[tuple[str, str]] = []

    def __call__(self, argv: tuple[str, ...]) -> ExecResult:
        assert argv[:2] == ("python", "deploy.py"), argv
        server = self.box.path(".opsdrill/server")
        if argv[2] == "deploy":
            version, model = argv[argv.index("--version") + 1], argv[argv.index("--model") + 1]
            data = self.box.read_file(model.removeprefix(self.box.path() + "/"), 1 << 20)
            self.box.write_file(f".opsdrill/server/releases/{version}/model.joblib", data)
            path = f"{server}/releases/{version}/model.joblib" if self.model_inside else model
            if not (self.idempotent and self.history and self.history[-1][0] == version):
                self.history.append((version, path))
        elif len(self.history) < 2:
            return completed(argv, 1, stderr="Traceback (most recent call last):\nDeployError: nothing to roll back\n")
        else:
            self.history.pop()
        version, path = self.history[-1]
        self.box.write_file(".opsdrill/server/release.env", f"MODEL_PATH={path}\nMODEL_VERSION={version}\n".encode())
        return completed(argv, 0, stdout=f"live: {version}\n")


def _platform(box: FakeSandbox, artifacts: dict[str, Any], started: list[FakeService]) -> Callable[..., FakeService]:
    """Start "the image" on a release: it serves the predictions of whichever model MODEL_PATH holds."""
    labels = {artifact.data: label for label, artifact in artifacts.items()}

    def start(env: dict[str, str]) -> FakeService:
        model = box.read_file(env["MODEL_PATH"].removeprefix(box.path() + "/"), 1 << 20)
        values = EXPECTED[labels.get(model, "production")]

        def handler(request: HttpRequest) -> HttpResponse:
            if (request.method, request.path) != ("POST", "/predict"):
                return HttpResponse(404)
            count = len(json.loads(request.body)["instances"])
            predictions = [{"churn": p >= 0.5, "probability": p} for p in values[:count]]
            return HttpResponse(200, json.dumps({"predictions": predictions}).encode())

        service = FakeService(handler, port=8000, env=env)
        started.append(service)
        return service

    return start


def _scenario(deploying: ModuleType, **script: bool) -> tuple[Any, FakeSandbox, list[FakeService]]:
    box = FakeSandbox(root="/sandbox")
    box.script = DeployScript(box, **script)
    artifacts = {"v1": deploying.Artifact(b"v1 model bytes", None), "v2": deploying.Artifact(b"v2 model bytes", None)}
    started: list[FakeService] = []
    fingerprints = deploying.Fingerprints(CUSTOMERS, EXPECTED)
    server = deploying.Server(box, _platform(box, artifacts, started), fingerprints, timeout_s=2.0)
    return deploying.run_deploys(server, artifacts), box, started


def test_a_correct_deploy_script_passes_every_step(deploying: ModuleType) -> None:
    run, box, started = _scenario(deploying)
    assert [step.action for step in run.steps] == [
        "deploy v1", "deploy v2", "rollback", "deploy v2", "deploy v2", "rollback",
    ]  # fmt: skip
    assert run.problems(len(deploying.PLAN)) == []
    first = box.argvs[0]
    assert first[:4] == ("python", "deploy.py", "deploy", "--version")
    assert first[first.index("--model") + 1] == "/sandbox/.opsdrill/artifacts/v1.joblib"
    assert {command.env["DEPLOY_DIR"] for command in box.commands} == {"/sandbox/.opsdrill/server"}
    observed = sum(observe for _, _, observe in deploying.PLAN)
    assert len(started) == observed and all(not service.running() for service in started)
    assert all(service.requests[0].path == "/predict" for service in started)


def test_redeploying_the_live_version_must_not_stack_it(deploying: ModuleType) -> None:
    run, _, _ = _scenario(deploying, idempotent=False)
    assert run.problems(deploying.ROLLBACK_STEPS) == []
    [problem] = run.problems(len(deploying.PLAN))
    assert problem.startswith("after `rollback`, release.env names MODEL_VERSION '2026.11.2-")
    assert "expected '2026.11.1-" in problem


def test_a_release_pointing_outside_deploy_dir_fails_at_once(deploying: ModuleType) -> None:
    run, _, started = _scenario(deploying, model_inside=False)
    assert len(run.steps) == 1 and started == []
    assert run.problems(1) == [
        "after `deploy v1`, release.env's MODEL_PATH '/sandbox/.opsdrill/artifacts/v1.joblib' is not inside "
        "DEPLOY_DIR (the server has only that)"
    ]


def test_a_failing_command_stops_the_sequence(deploying: ModuleType) -> None:
    box = FakeSandbox(script={})
    server = deploying.Server(box, lambda env: FakeService(), deploying.Fingerprints(CUSTOMERS, EXPECTED), 1.0)
    run = deploying.run_deploys(server, {"v1": deploying.Artifact(b"1", None), "v2": deploying.Artifact(b"2", None)})
    assert len(run.steps) == 1 and len(box.commands) == 1
    assert run.problems(6) == ["`deploy v1` exited with 127: python: command not found"]


def test_live_problems_explain_what_the_platform_saw(deploying: ModuleType) -> None:
    box = FakeSandbox(root="/srv")
    fingerprints = deploying.Fingerprints(CUSTOMERS, EXPECTED)

    def serving(status: int, values: list[float]) -> Callable[[dict[str, str]], FakeService]:
        body = json.dumps({"predictions": [{"churn": p >= 0.5, "probability": p} for p in values]}).encode()
        return lambda env: FakeService(lambda request: HttpResponse(status, body))

    server = deploying.Server(box, serving(200, EXPECTED["v1"]), fingerprints, 1.0)
    assert server.live_problems("v1", "a")[0].startswith("there is no readable $DEPLOY_DIR/release.env")
    box.write_file(".opsdrill/server/release.env", b"MODEL_PATH=/srv/.opsdrill/server/m\nMODEL_VERSION=a\n")
    assert server.live_problems("v1", "a") == []
    assert server.live_problems("v1", "b") == ["release.env names MODEL_VERSION 'a'; expected 'b'"]
    assert server.live_problems("v2", "a") == [
        "the container started from release.env served v1's model, not v2's model"
    ]
    strange = deploying.Server(box, serving(200, [0.5, 0.5]), fingerprints, 1.0)
    assert "served predictions of no model the kit knows" in strange.live_problems("v1", "a")[0]
    missing = deploying.Server(box, serving(404, []), fingerprints, 1.0)
    assert missing.live_problems("v1", "a") == [
        "the container started from release.env answered 404 to a valid prediction"
    ]
    short = deploying.Server(box, serving(200, [0.2]), fingerprints, 1.0)
    assert short.live_problems("v1", "a") == ["the container started from release.env: 1 predictions for 2 instances"]
    box.write_file(".opsdrill/server/release.env", b"#" * (deploying.MAX_RELEASE_BYTES + 1))
    assert server.live_problems("v1", "a")[0].startswith("there is no readable $DEPLOY_DIR/release.env")
