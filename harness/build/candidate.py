"""Candidate images: built offline from the submission's own Dockerfile, for exercises that ship one.

The build context is a copy of the submission plus `wheelhouse/` holding exactly the wheels of the
exercise's lock (whatever folder of that name the submission had is replaced). The build has no
network, a memory cap and a time limit, and the base image comes in as the `BASE_IMAGE` build
argument. A failed build is the candidate's result, never an exception: the checks that need the
image report it. Intermediate layers stay in the engine's cache, so a re-grade builds fast.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests
import urllib3.exceptions

from harness import engine
from harness.build.image import LOCK_FILE, base_image, link_or_copy
from harness.build.wheelhouse import select_wheels
from harness.errors import InfrastructureError, SandboxError
from harness.model.execution import CandidateBuild
from harness.sandbox.container import ContainerRun
from harness.spec.exercise import CandidateImage

WHEELHOUSE = "wheelhouse"
LOG_LINES = 12
#: How the classic builder announces the container of a RUN step.
RUNNING_STEP = re.compile(r"Running in ([0-9a-f]{12,64})")
UID_TIMEOUT_S = 60


def _context(submission: Path, wheels: list[Path], into: Path) -> Path:
    context = into / "context"
    shutil.copytree(submission, context, symlinks=True)
    wheelhouse = context / WHEELHOUSE
    if wheelhouse.is_symlink() or wheelhouse.is_file():
        wheelhouse.unlink()
    elif wheelhouse.exists():
        shutil.rmtree(wheelhouse)
    wheelhouse.mkdir()
    for wheel in wheels:
        link_or_copy(wheel, wheelhouse / wheel.name)
    return context


def _stream_build(api: docker.APIClient, options: dict[str, Any], deadline: float, log: deque[str]) -> str | None:
    """Run the build, keeping the log's tail; the reason it failed, or None. The engine goes on
    building when its client leaves, so a build out of time gets its running step killed."""
    step: str | None = None
    try:
        for chunk in api.build(**options, decode=True):
            for line in str(chunk.get("stream", "")).splitlines():
                if line.strip():
                    log.append(line.strip())
                if match := RUNNING_STEP.search(line):
                    step = match.group(1)
            if "error" in chunk:
                return str(chunk["error"]).strip()
            if time.monotonic() > deadline:
                _kill(step)
                return "the build ran out of time"
    except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError):
        # urllib3's own error: a timeout while the stream is read is not wrapped by requests.
        _kill(step)
        return "the build ran out of time"
    except (docker.errors.APIError, docker.errors.DockerException) as exc:
        return f"the engine refused the build: {exc}"
    except requests.exceptions.RequestException as exc:
        # The connection to the engine broke (not a slow step: that is the timeout above).
        raise InfrastructureError(f"The Docker engine stopped answering during the image build ({exc}).") from exc
    return None


def _kill(step: str | None) -> None:
    """Kill the container of the build step that was running (the engine then abandons the build)."""
    if step is not None:
        with contextlib.suppress(docker.errors.APIError, requests.exceptions.RequestException):
            engine.client().containers.get(step).kill()


def _config(image: str) -> dict[str, Any]:
    with engine.translated("inspect the candidate's image"):
        config: dict[str, Any] = engine.client().images.get(image).attrs.get("Config") or {}
    return config


def _image_uid(image: str, config: dict[str, Any], labels: dict[str, str]) -> int | None:
    """The numeric user the image runs as: from its config when that says (no user is root, a
    number is itself), else asked of the image with `id -u` (network off, caps dropped)."""
    client = engine.client()
    user = str(config.get("User") or "").split(":", 1)[0]
    if user in ("", "root"):
        return 0
    if user.isdigit():
        return int(user)
    options = {
        "entrypoint": ["id", "-u"], "network_mode": "none", "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"],
        "mem_limit": "128m", "pids_limit": 16, "labels": labels,
    }  # fmt: skip
    try:
        with (
            engine.translated("probe the image's user"),
            ContainerRun(client, image, [], options, output_cap=1024, what="the image user probe") as probe,
        ):
            code, _timed_out = probe.start().wait(UID_TIMEOUT_S)
            output = probe.output().strip()
    except SandboxError:
        # The engine refused to run the image's `id` (none in it, a broken entrypoint): unknown.
        # An engine that stopped answering raises on, as the grading's error.
        return None
    return int(output) if code == 0 and output.isdigit() else None


def build_candidate_image(
    exercise_id: str, submission: Path, spec: CandidateImage, image_dir: Path, session: str
) -> CandidateBuild:
    started = time.monotonic()
    if not (submission / spec.dockerfile).is_file():
        return CandidateBuild(ok=False, detail=f"there is no {spec.dockerfile} at the project root")
    wheels = select_wheels(image_dir / LOCK_FILE)
    tag = f"opsdrill-candidate-{exercise_id}:{session}"
    labels = engine.labels(session, role=engine.CANDIDATE_IMAGE_ROLE)
    memory = spec.memory_mb * 1024 * 1024
    log: deque[str] = deque(maxlen=LOG_LINES)
    with tempfile.TemporaryDirectory(prefix="opsdrill-build-") as tmp:
        options = {
            "path": str(_context(submission, wheels, Path(tmp))), "dockerfile": spec.dockerfile, "tag": tag,
            "buildargs": {"BASE_IMAGE": base_image()}, "network_mode": "none", "labels": labels, "rm": True,
            "forcerm": True, "pull": False, "container_limits": {"memory": memory, "memswap": memory},
            # The stream's read timeout: a step that prints nothing still ends at the time limit.
            "timeout": max(int(spec.timeout_s), 1),
        }  # fmt: skip
        failure = _stream_build(engine.client().api, options, started + spec.timeout_s, log)
    if failure is None and not _exists(tag):
        failure = "the build finished without an image"
    tail = " | ".join(log)[-600:]
    if failure is not None:
        detail = f"{failure}{'; log: ' + tail if tail else ''}"
        return CandidateBuild(ok=False, duration_s=time.monotonic() - started, detail=detail)
    config = _config(tag)
    uid = _image_uid(tag, config, labels)
    command = [str(part) for part in [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]]
    return CandidateBuild(
        ok=True, image=tag, uid=uid, command=command, duration_s=time.monotonic() - started, detail=tail
    )


def _exists(tag: str) -> bool:
    with engine.translated("look up the candidate's image"):
        try:
            engine.client().images.get(tag)
            return True
        except docker.errors.ImageNotFound:
            return False
