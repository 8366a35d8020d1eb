"""Candidates' own images: built offline from their Dockerfile, run never as root, always cleaned up."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness import engine
from harness import exercise as exercise_mod
from harness.build.candidate import build_candidate_image
from harness.build.image import exercise_image
from harness.model.execution import BackendOptions, CandidateBuild, Limits
from harness.sandbox import get_backend
from harness.sandbox.service import HttpRequest
from harness.spec.exercise import CandidateImage

pytestmark = pytest.mark.docker
SERVER = """\
import http.server, json, os, pathlib

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"uid": os.getuid(), "wheels": pathlib.Path("/wheels.txt").read_text().split()}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""
ROOT_DOCKERFILE = """\
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
COPY wheelhouse/ /wheelhouse/
RUN ls /wheelhouse > /wheels.txt
COPY server.py /server.py
CMD ["python3", "/server.py"]
"""


@contextmanager
def built(
    tmp_path: Path, dockerfile: str, spec: CandidateImage | None = None, files: dict[str, str] | None = None
) -> Iterator[tuple[CandidateBuild, str]]:
    """The build of a project holding `dockerfile` and `files` ("a__b" is a/b), and its session;
    everything of the session is removed afterwards, and checked to be gone."""
    source = tmp_path / "project"
    source.mkdir()
    (source / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        target = source / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    exercise = exercise_mod.load("manual-deploy")
    session = f"test-{secrets.token_hex(4)}"
    build = build_candidate_image(exercise.id, source, spec or CandidateImage(), exercise.paths.image_dir, session)
    try:
        if build.ok:
            assert engine.leftovers(engine.selector(session=session)).images, "the candidate image carries the session"
        yield build, session
    finally:
        engine.remove(engine.selector(session=session))
    assert engine.leftovers(engine.selector(session=session)).empty


def _build(tmp_path: Path, dockerfile: str, spec: CandidateImage | None = None) -> CandidateBuild:
    with built(tmp_path, dockerfile, spec) as (build, _session):
        return build


def test_a_root_image_runs_as_nobody_with_only_the_kits_wheels(tmp_path: Path) -> None:
    exercise = exercise_mod.load("manual-deploy")
    planted = {"server.py": SERVER, "wheelhouse__planted-1.0-py3-none-any.whl": "not a wheel"}
    with built(tmp_path, ROOT_DOCKERFILE, files=planted) as (build, session):
        assert build.ok and build.image, build.detail
        assert build.uid == 0
        options = BackendOptions(session=session, image=exercise_image(exercise.id, exercise.paths.image_dir))
        with get_backend("docker", options).create(str(tmp_path / "project"), limits=Limits(), label="image") as box:
            service = box.start_image_service(build.image, port=8080, uid=build.uid)
            answer = service.send([HttpRequest("GET", "/", until_ok_s=30)])[0]
            service.stop()
    data = json.loads(answer.body)
    assert data["uid"] == 65534
    assert "planted-1.0-py3-none-any.whl" not in data["wheels"]
    assert any(name.startswith("scikit_learn-") for name in data["wheels"])


def test_an_image_whose_command_cannot_start_serves_nothing_and_raises_nothing(tmp_path: Path) -> None:
    """A CMD naming a program the image lacks is the candidate's doing: the service never runs (each
    request says why), it is not an error of the kit's."""
    exercise = exercise_mod.load("manual-deploy")
    dockerfile = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCMD ["uvicorn-that-is-not-installed", "app:app"]\n'
    with built(tmp_path, dockerfile) as (build, session):
        assert build.ok and build.image, build.detail
        options = BackendOptions(session=session, image=exercise_image(exercise.id, exercise.paths.image_dir))
        with get_backend("docker", options).create(str(tmp_path / "project"), limits=Limits(), label="image") as box:
            service = box.start_image_service(build.image, port=8080, uid=build.uid)
            answer = service.send([HttpRequest("GET", "/health")])[0]
            assert not service.running()
            service.stop()
    assert answer.status == 0 and answer.error.startswith("the service is not running (its command could not start")
    assert "uvicorn-that-is-not-installed" in answer.error


def test_a_replaced_command_keeps_the_images_health_check(tmp_path: Path) -> None:
    """With `command`, the image's own command does not run (nothing serves) while its health check
    does, at the kit's pace: how a check learns whether that health check looks at the service."""
    exercise = exercise_mod.load("manual-deploy")
    dockerfile = ROOT_DOCKERFILE + 'HEALTHCHECK --interval=30s --start-period=60s CMD ["true"]\n'
    with built(tmp_path, dockerfile, files={"server.py": SERVER}) as (build, session):
        assert build.ok and build.image, build.detail
        options = BackendOptions(session=session, image=exercise_image(exercise.id, exercise.paths.image_dir))
        with get_backend("docker", options).create(str(tmp_path / "project"), limits=Limits(), label="image") as box:
            service = box.start_image_service(build.image, port=8080, uid=build.uid, command=("sleep", "infinity"))
            statuses = [service.health_status()]
            while statuses[-1] != "healthy" and len(statuses) < 40:  # 20 s, well under the image's 30 s
                time.sleep(0.5)
                statuses.append(service.health_status())
            answer = service.send([HttpRequest("GET", "/")])[0]
            assert service.running()
            service.stop(grace_s=0)
    assert statuses[-1] == "healthy", statuses
    assert answer.status == 0, "the image's own command served while another ran in its place"


def test_a_named_user_is_asked_for_its_id(tmp_path: Path) -> None:
    dockerfile = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN useradd --uid 4321 app\nUSER app\n"
    assert _build(tmp_path, dockerfile).uid == 4321


def test_a_failing_step_is_a_result_not_an_exception(tmp_path: Path) -> None:
    build = _build(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo compiling && exit 3\n")
    assert not build.ok and "returned a non-zero code: 3" in build.detail and "compiling" in build.detail


def test_the_build_has_no_network(tmp_path: Path) -> None:
    fetch = "import urllib.request; urllib.request.urlopen('http://pypi.org/simple/', timeout=5)"
    build = _build(tmp_path, f'ARG BASE_IMAGE\nFROM ${{BASE_IMAGE}}\nRUN python3 -c "{fetch}"\n')
    assert not build.ok and "non-zero code" in build.detail


def test_a_build_that_outlasts_its_limit_is_stopped(tmp_path: Path) -> None:
    spec = CandidateImage(timeout_s=3)
    # A fresh step each run: the engine's cache must not answer it.
    build = _build(
        tmp_path, f"ARG BASE_IMAGE\nFROM ${{BASE_IMAGE}}\nRUN echo {secrets.token_hex(6)} && sleep 60\n", spec
    )
    assert not build.ok and "ran out of time" in build.detail
    # Cut short, not waited out: the step alone would take 60 s (a silent step once was).
    assert build.duration_s < 60
    # The step's container was killed: nothing keeps building behind the kit's back.
    assert not [c for c in engine.client().containers.list() if "sleep 60" in " ".join(c.attrs["Config"]["Cmd"] or [])]


def test_no_dockerfile_is_said_plainly(tmp_path: Path) -> None:
    exercise = exercise_mod.load("manual-deploy")
    build = build_candidate_image(exercise.id, tmp_path, CandidateImage(), exercise.paths.image_dir, "test-none")
    assert not build.ok and build.detail == "there is no Dockerfile at the project root"
