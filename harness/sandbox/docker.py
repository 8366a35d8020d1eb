"""The `docker` backend: the isolation boundary for untrusted submissions.

Each sandbox is a labelled volume holding a fresh copy of the submission. Every command runs in
its own short-lived container on that volume: no network, a non-root user, a read-only root
filesystem except the workspace and a size-capped /tmp, memory / CPU / pids / file-size limits,
a wall-time and an output cap. The container is removed when the command ends, so nothing
outlives it. Files move in and out through the engine's archive API, never through host paths.
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import tarfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import requests
from docker.models.containers import Container
from docker.types import LogConfig, Ulimit

from harness import engine
from harness.errors import SandboxError, SubmissionPathError
from harness.model.execution import ExecResult, Limits
from harness.sandbox.base import Backend, Sandbox, workspace_path
from harness.sandbox.container import ContainerRun
from harness.sandbox.docker_service import SINK_URL, DockerService
from harness.sandbox.service import Service

CANDIDATE_UID = 10001
#: Who runs an image whose own user is root or unknown.
NOBODY = "65534:65534"
#: How often the platform runs an image's own HEALTHCHECK command (its test, the kit's timing).
HEALTH_INTERVAL_NS = 1_000_000_000
HEALTH_TIMEOUT_NS = 3_000_000_000
CONTAINER_TMP = "/tmp"  # noqa: S108 - inside the container: its own tmpfs
WORKSPACE_ROOT = PurePosixPath("/workspace")
TMPFS_MB = 256
PATH = "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"
#: Go's os.FileMode bits in the engine's stat of a path.
GO_MODE_DIR = 1 << 31
GO_MODE_SYMLINK = 1 << 27
#: Bytes a log stream may hold beyond the cap before the daemon rotates it.
LOG_MAX = "16m"


def _tar_of(source: Path, arcname: str) -> bytes:
    """The folder as a tar under `arcname`, every entry owned by the candidate user."""
    buffer = io.BytesIO()

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = CANDIDATE_UID
        info.uname = info.gname = "candidate"
        return info

    def root_readable(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info = owned(info)
        if info.name == arcname:
            # The copy's root is traversable by a service image whose user is not the candidate's.
            info.mode |= 0o755
        return info

    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(source, arcname=arcname, filter=root_readable)
    return buffer.getvalue()


def _single_file_tar(relative: PurePosixPath, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for parent in reversed(relative.parents[:-1]):
            folder = tarfile.TarInfo(str(parent))
            folder.type, folder.mode = tarfile.DIRTYPE, 0o755
            folder.uid = folder.gid = CANDIDATE_UID
            archive.addfile(folder)
        info = tarfile.TarInfo(str(relative))
        info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
        info.uid = info.gid = CANDIDATE_UID
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class DockerSandbox(Sandbox):
    backend = "docker"

    def __init__(self, image: str, source: Path, limits: Limits, label: str, session: str) -> None:
        self.image, self.limits, self.session = image, limits, session
        # tmpfs lives in the container's memory: keep it under the memory limit so it fills first.
        self.tmpfs_mb = min(TMPFS_MB, limits.memory_mb // 2)
        self.sandbox_id = f"{label}-{secrets.token_hex(4)}"
        self.labels = engine.labels(session, sandbox=self.sandbox_id)
        # The volume is mounted at /workspace; the submission goes in a folder named per sandbox,
        # created by the copy (so owned by the candidate), and two sandboxes never share a path.
        self.root = WORKSPACE_ROOT / self.sandbox_id
        self._engine = engine.client()
        self._closed = False
        with engine.translated("create a sandbox volume"):
            self.volume = self._engine.volumes.create(labels=self.labels)
        try:
            with engine.translated("create the sandbox's file holder"):
                self.holder: Container = self._engine.containers.create(
                    image, command=["true"], user=f"{CANDIDATE_UID}:{CANDIDATE_UID}", network_disabled=True,
                    labels=self.labels, volumes={self.volume.name: {"bind": str(WORKSPACE_ROOT), "mode": "rw"}},
                )  # fmt: skip
            with engine.translated("copy the submission into the sandbox"):
                self.holder.put_archive(str(WORKSPACE_ROOT), _tar_of(source, self.sandbox_id))
        except BaseException:
            self.close()
            raise

    def _isolation(self) -> dict[str, Any]:
        """What every candidate container gets: no network, read-only root, /tmp tmpfs, limits, no caps."""
        limits = self.limits
        memory = f"{limits.memory_mb}m"
        file_size = limits.file_size_mb * 1024 * 1024
        return {
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {CONTAINER_TMP: f"rw,exec,nosuid,nodev,size={self.tmpfs_mb}m,mode=1777"},
            "mem_limit": memory,
            "memswap_limit": memory,
            "pids_limit": limits.pids,
            "nano_cpus": int(limits.cpus * 1e9),
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "ulimits": [Ulimit(name="fsize", soft=file_size, hard=file_size), Ulimit(name="core", soft=0, hard=0)],
            "labels": self.labels,
            "log_config": LogConfig(type="json-file", config={"max-size": LOG_MAX, "max-file": "1"}),
            "stdin_open": False,
            "tty": False,
        }

    def _run_options(self, env: Mapping[str, str], cwd: PurePosixPath) -> dict[str, Any]:
        """A command of the exercise image: the candidate user, the workspace writable, docker-init."""
        threads = str(max(int(self.limits.cpus), 1))
        base_env = {
            "PATH": PATH, "HOME": CONTAINER_TMP, "TMPDIR": CONTAINER_TMP, "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
        }  # fmt: skip
        return self._isolation() | {
            "working_dir": str(cwd),
            "environment": base_env | dict(env),
            "user": f"{CANDIDATE_UID}:{CANDIDATE_UID}",
            "volumes": {self.volume.name: {"bind": str(WORKSPACE_ROOT), "mode": "rw"}},
            "init": True,
        }

    def exec(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        timeout_s: float | None = None,
    ) -> ExecResult:
        wall = min(timeout_s or self.limits.wall_s, self.limits.wall_s)
        options = self._run_options(env or {}, self.root / workspace_path(cwd))
        with ContainerRun(
            self._engine, self.image, argv, options, output_cap=self.limits.output_bytes, what="a sandbox command"
        ) as run:
            run.start(follow=True)
            return run.result(*run.wait(wall))

    def start_service(
        self,
        argv: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        sink_env: str | None = None,
    ) -> Service:
        sink = {sink_env: SINK_URL} if sink_env else {}
        options = self._run_options({**(env or {}), **sink, "PORT": str(port)}, self.root / workspace_path(cwd))
        labels = dict(options["labels"]) | {"opsdrill.role": "service"}
        options["labels"] = labels
        return DockerService(
            self._engine, self.image, argv, port, options, labels, self.limits.output_bytes, with_sink=bool(sink_env)
        )

    def start_image_service(
        self, image: str, *, port: int, env: Mapping[str, str] | None = None, uid: int | None = None,
        command: Sequence[str] | None = None,
    ) -> Service:  # fmt: skip
        labels = self.labels | {"opsdrill.role": "service"}
        # The image's own environment, working folder and command; no init process, so the command
        # is PID 1 and gets SIGTERM itself, as in production.
        options = self._isolation() | {
            "environment": {**(env or {}), "PORT": str(port)},
            "user": NOBODY if not uid else None,
            "volumes": {self.volume.name: {"bind": str(WORKSPACE_ROOT), "mode": "ro"}},
            "labels": labels,
        }
        if command:
            # A replaced entrypoint takes none of the image's command as arguments.
            options["entrypoint"] = list(command)
        health = self._healthcheck(image)
        if health is not None:
            options["healthcheck"] = health
        return DockerService(
            self._engine, image, (), port, options, labels, self.limits.output_bytes, prober_image=self.image
        )

    def _healthcheck(self, image: str) -> dict[str, Any] | None:
        """The image's own HEALTHCHECK test, run at the kit's pace (every second) instead of its own."""
        with engine.translated("inspect the candidate image"):
            config = self._engine.images.get(image).attrs.get("Config") or {}
        test = (config.get("Healthcheck") or {}).get("Test") or []
        if not test or test[0] == "NONE":
            return None
        return {"test": test, "interval": HEALTH_INTERVAL_NS, "timeout": HEALTH_TIMEOUT_NS, "retries": 3}

    def path(self, relative: str = ".") -> str:
        return str(self.root / workspace_path(relative))

    def _stat(self, path: str) -> dict[str, Any] | None:
        """The engine's stat of a workspace path (HEAD on the archive endpoint: no body), or None."""
        api = self._engine.api
        # The SDK has no stat-only call; this is the URL its get_archive uses.
        url = f"{api.base_url}/v{api.api_version}/containers/{self.holder.id}/archive"
        try:
            response = api.head(url, params={"path": str(self.root / workspace_path(path))})
        except requests.exceptions.RequestException as exc:
            raise SandboxError(f"Could not look at '{path}' in the sandbox ({exc}).") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SandboxError(f"Could not look at '{path}' in the sandbox (engine answered {response.status_code}).")
        encoded = response.headers.get("X-Docker-Container-Path-Stat", "")
        stat: dict[str, Any] = json.loads(base64.b64decode(encoded)) if encoded else {}
        return stat

    def read_file(self, path: str, max_bytes: int) -> bytes:
        stat = self._stat(path)
        if stat is None:
            raise SubmissionPathError(f"'{path}' is not a file in the sandbox.")
        mode = int(stat.get("mode", 0))
        if mode & (GO_MODE_DIR | GO_MODE_SYMLINK) or stat.get("linkTarget"):
            raise SubmissionPathError(f"'{path}' is not a regular file in the sandbox.")
        if int(stat.get("size", 0)) > max_bytes:
            raise SubmissionPathError(f"'{path}' is larger than {max_bytes} bytes.")
        with engine.translated(f"read '{path}' from the sandbox"):
            stream, _stat = self.holder.get_archive(str(self.root / workspace_path(path)))
            buffer = b"".join(stream)  # consumed whole, so the connection is released
        with tarfile.open(fileobj=io.BytesIO(buffer)) as archive:
            member = archive.next()
            handle = archive.extractfile(member) if member is not None and member.isfile() else None
            if handle is None:
                raise SubmissionPathError(f"'{path}' is not a regular file in the sandbox.")
            return handle.read(max_bytes)

    def write_file(self, path: str, data: bytes) -> None:
        relative = workspace_path(path)
        with engine.translated(f"write '{path}' into the sandbox"):
            self.holder.put_archive(str(self.root), _single_file_tar(relative, data))

    def exists(self, path: str) -> bool:
        return self._stat(path) is not None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        engine.remove(engine.selector(sandbox=self.sandbox_id))


class DockerBackend(Backend):
    name = "docker"

    @classmethod
    def available(cls) -> bool:
        return engine.engine_answers()

    def create(self, source: str, *, limits: Limits, label: str) -> Sandbox:
        if self.options.image is None:
            raise SandboxError("The docker backend needs the exercise image; grade through `opsdrill grade`.")
        return DockerSandbox(self.options.image, Path(source), limits, label, self.options.session)
