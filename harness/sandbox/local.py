"""The `local` backend: subprocesses on this machine, each in its own process group.

It applies rlimits, a wall-time cap and an output cap, and kills the whole process group when a
command ends, so nothing keeps running in the background. It is for a candidate grading their
own work and for authoring loops: it is NOT a security boundary (candidate code runs as the
current user and can read what that user can read). Use the docker backend for strangers' code.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness.errors import SandboxError, SubmissionPathError
from harness.model.execution import ExecResult, Limits
from harness.model.flags import FlagKind
from harness.runtime import RUNTIME_PYTHON_ENV
from harness.sandbox.base import Backend, Sandbox, finished, workspace_path
from harness.sandbox.capture import CappedReader, pipe_chunks
from harness.sandbox.local_service import Inbox, LocalService, free_port
from harness.sandbox.service import Service

#: Host variables a candidate process may see; everything else (tokens, secrets) is withheld.
PASSTHROUGH_ENV = ("LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _python_bin_dir() -> str:
    """Where candidates' `python` (and pip, ...) comes from: the exercise's runtime, which the check
    runner names in the check process's environment (`harness.runtime`); this interpreter's folder
    only where there is none (an exercise declaring no packages, or a sandbox made outside a check)."""
    return str(Path(os.environ.get(RUNTIME_PYTHON_ENV) or sys.executable).parent)


def _rlimits(limits: Limits, cpu_s: float) -> Callable[[], None]:
    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        size = limits.file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))
        cpu = int(cpu_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))

    return apply


def _kill_strays(root: Path) -> None:
    """Kill processes still working inside `root` that left the process group (setsid, daemons).

    Linux only (it reads /proc); a process that also changed its working directory away escapes:
    one more reason the local backend is not a security boundary.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return
    prefix = str(root.resolve())
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if os.readlink(entry / "cwd").startswith(prefix):  # noqa: PTH115 - /proc links, may vanish
                os.kill(int(entry.name), signal.SIGKILL)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class LocalSandbox(Sandbox):
    backend = "local"

    def __init__(self, source: Path, limits: Limits, label: str) -> None:
        self.limits = limits
        self.root = Path(tempfile.mkdtemp(prefix=f"opsdrill-{label}-"))
        self.workspace = self.root / "work"
        self.home = self.root / "home"
        self.tmp = self.root / "tmp"
        try:
            shutil.copytree(source, self.workspace, symlinks=True)
            self.home.mkdir()
            self.tmp.mkdir()
            self._services: list[LocalService] = []
        except OSError as exc:
            self.close()
            raise SandboxError(f"Could not copy the submission into a sandbox ({exc}); check disk space.") from exc
        self._closed = False

    def _env(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}
        env |= {
            "PATH": f"{_python_bin_dir()}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": str(max(int(self.limits.cpus), 1)),
            "OPENBLAS_NUM_THREADS": str(max(int(self.limits.cpus), 1)),
        }
        return env | dict(extra or {})

    def exec(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        timeout_s: float | None = None,
    ) -> ExecResult:
        wall = min(timeout_s or self.limits.wall_s, self.limits.wall_s)
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=self.workspace / workspace_path(cwd),
                env=self._env(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_rlimits(self.limits, wall),
            )
        except OSError as exc:
            return ExecResult(tuple(argv), 127, "", f"cannot start {argv[0]}: {exc}\n", 0.0)
        events: list[FlagKind] = []

        def overflow() -> None:
            if FlagKind.OUTPUT_LIMIT not in events:
                events.append(FlagKind.OUTPUT_LIMIT)
            _kill_group(proc.pid)

        pipes = [proc.stdout, proc.stderr]
        readers = [
            CappedReader(pipe_chunks(pipe), self.limits.output_bytes, overflow)
            for pipe in pipes
            if isinstance(pipe, io.BufferedReader)
        ]
        for reader in readers:
            reader.start()
        timed_out = False
        try:
            proc.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            timed_out = True
            events.append(FlagKind.TIMEOUT)
        finally:
            _kill_group(proc.pid)  # also whatever the command left running in the background
            _kill_strays(self.root)
            proc.wait()
            for reader in readers:
                reader.join(timeout=5)
            for pipe in pipes:
                if pipe is not None:
                    pipe.close()
        code = proc.returncode
        return finished(
            argv, code, stdout=readers[0].text(), stderr=readers[1].text(), started=started,
            signum=-code if code < 0 else None, timed_out=timed_out,
            output_truncated=any(r.overflowed for r in readers), events=events,
        )  # fmt: skip

    def start_service(
        self,
        argv: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str] | None = None,
        cwd: str = ".",
        sink_env: str | None = None,
    ) -> Service:
        # Services on this machine share its loopback: the asked-for port becomes a free one.
        actual = free_port()
        inbox = Inbox() if sink_env else None
        sink_vars = {sink_env: inbox.url} if sink_env and inbox else {}
        service_env = self._env({**(env or {}), **sink_vars, "PORT": str(actual)})
        try:
            service = LocalService(
                argv, actual, self.workspace / workspace_path(cwd), service_env,
                self.limits.output_bytes, _rlimits(self.limits, self.limits.wall_s), inbox,
            )  # fmt: skip
        except BaseException:
            if inbox is not None:
                inbox.close()
            raise
        self._services.append(service)
        return service

    def _resolve(self, path: str) -> Path:
        resolved = (self.workspace / workspace_path(path)).resolve()
        if not resolved.is_relative_to(self.workspace.resolve()):
            raise SubmissionPathError(f"'{path}' points outside the sandbox workspace; it cannot be used.")
        return resolved

    def read_file(self, path: str, max_bytes: int) -> bytes:
        target = self._resolve(path)
        if not target.is_file():
            raise SubmissionPathError(f"'{path}' is not a file in the sandbox.")
        if target.stat().st_size > max_bytes:
            raise SubmissionPathError(f"'{path}' is larger than {max_bytes} bytes.")
        with target.open("rb") as handle:
            return handle.read(max_bytes + 1)[:max_bytes]

    def write_file(self, path: str, data: bytes) -> None:
        target = self._resolve(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)

    def path(self, relative: str = ".") -> str:
        return str(self.workspace / workspace_path(relative))

    def exists(self, path: str) -> bool:
        try:
            return self._resolve(path).exists()
        except SandboxError:
            return False

    def close(self) -> None:
        if getattr(self, "_closed", False):
            return
        self._closed = True
        for service in getattr(self, "_services", []):
            service.stop(grace_s=0)
        _kill_strays(self.root)
        _remove_tree(self.root)


def _remove_tree(root: Path) -> None:
    """Remove a tree even where candidate code took away write permission."""
    if not root.exists():
        return
    for folder, subdirs, _files in os.walk(root):
        for name in subdirs:
            path = Path(folder) / name
            if not path.is_symlink():
                path.chmod(0o700)
    shutil.rmtree(root, ignore_errors=True)


class LocalBackend(Backend):
    name = "local"

    @classmethod
    def available(cls) -> bool:
        return True

    def create(self, source: str, *, limits: Limits, label: str) -> Sandbox:
        return LocalSandbox(Path(source), limits, label)
