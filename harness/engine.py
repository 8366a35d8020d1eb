"""The Docker engine, as the kit sees it: one client, labels, error translation, clean-up.

Every container, volume and network the kit creates carries `opsdrill.kit=1`, the grading
session's `opsdrill.session=<id>` and its owner, `opsdrill.owner=<host>:<pid>:<start time>` (the
process that created it), so a session's leftovers can always be found and removed, and so can
those of a process that died before it could remove them (`reap`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import docker
import docker.errors
import requests

from harness.errors import InfrastructureError, SandboxError

KIT_LABEL = "opsdrill.kit"
SESSION_LABEL = "opsdrill.session"
SANDBOX_LABEL = "opsdrill.sandbox"
ROLE_LABEL = "opsdrill.role"
OWNER_LABEL = "opsdrill.owner"
#: One reaping at a time in a process (gradings run in threads).
_reaping = threading.Lock()
#: Candidates' own images belong to their grading; exercise and base images are kept.
CANDIDATE_IMAGE_ROLE = "candidate-image"
PING_TIMEOUT_S = 3
API_TIMEOUT_S = 120


@cache
def client() -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (or the default socket)."""
    with translated("connect to the Docker engine"):
        return docker.from_env(timeout=API_TIMEOUT_S)


def engine_answers() -> bool:
    try:
        probe = docker.from_env(timeout=PING_TIMEOUT_S)
        try:
            return bool(probe.ping())
        finally:
            probe.close()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
        return False


@contextlib.contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn Docker SDK and transport errors into one InfrastructureError sentence."""
    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise SandboxError(f"Could not {action}: image not found ({exc.explanation}); build it first.") from exc
    except docker.errors.APIError as exc:
        raise SandboxError(f"Could not {action}: the Docker engine said {exc.explanation or exc}.") from exc
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        raise InfrastructureError(
            f"Could not {action} ({exc}); check that the Docker engine is running (`opsdrill doctor`)."
        ) from exc


def labels(session: str, **extra: str) -> dict[str, str]:
    return {KIT_LABEL: "1", SESSION_LABEL: session, OWNER_LABEL: owner()} | {
        f"opsdrill.{k}": v for k, v in extra.items()
    }


def _start_time(pid: int) -> str:
    """When process `pid` started (clock ticks after boot), or '' when none runs or it cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The fields after the command name (which may hold spaces) start at field 3; the start time is field 22.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


@cache
def owner() -> str:
    """This process, as the resources it creates name it."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _gone(owner_label: str) -> bool:
    """Whether the process `owner_label` names ran on this host and runs no more (a pid reused by
    another process does not count: its start time differs)."""
    host, _, rest = owner_label.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or not started:
        return False
    return _start_time(int(pid)) != started


def reap() -> list[str]:
    """Remove what processes of this host that no longer run left on the engine (a grading killed
    outright, or cut off from the engine, could not remove its own); the owners reaped. Best effort:
    it never fails a grading, and what stays is reaped the next time."""
    api = client().api
    kit = {"label": [f"{KIT_LABEL}=1"]}
    try:
        # The low-level listings: no inspection per item, which fails on a container another
        # grading removes meanwhile.
        with translated("list the kit's containers, volumes and networks"):
            found = [*api.containers(all=True, filters=kit), *(api.volumes(filters=kit).get("Volumes") or []),
                     *api.networks(filters=kit)]  # fmt: skip
    except InfrastructureError:
        return []
    owners = {str((item.get("Labels") or {}).get(OWNER_LABEL, "")) for item in found}
    dead = sorted(o for o in owners if o and _gone(o))
    with _reaping:
        for gone in dead:
            # Another process may be reaping the same owner: what stays is reaped next time.
            with contextlib.suppress(InfrastructureError):
                remove(f"{OWNER_LABEL}={gone}")
    return dead


@dataclass(frozen=True)
class Leftovers:
    containers: list[str]
    volumes: list[str]
    networks: list[str]
    #: Tags of candidate images; untagging them leaves their layers as build cache.
    images: list[str]

    @property
    def empty(self) -> bool:
        return not (self.containers or self.volumes or self.networks or self.images)


def selector(session: str | None = None, sandbox: str | None = None) -> str:
    """A label filter: one sandbox, one session, or (neither given) everything of the kit."""
    if sandbox:
        return f"{SANDBOX_LABEL}={sandbox}"
    return f"{SESSION_LABEL}={session}" if session else f"{KIT_LABEL}=1"


def leftovers(label_filter: str) -> Leftovers:
    """The containers, volumes, networks and candidate images matching `label_filter` (see `selector`)."""
    engine = client()
    candidate_images = {"label": [label_filter, f"{ROLE_LABEL}={CANDIDATE_IMAGE_ROLE}"]}
    with translated("list the kit's containers, volumes and networks"):
        return Leftovers(
            containers=[str(c.name) for c in engine.containers.list(all=True, filters={"label": label_filter})],
            volumes=[str(v.name) for v in engine.volumes.list(filters={"label": label_filter})],
            networks=[str(n.name) for n in engine.networks.list(filters={"label": label_filter})],
            images=[str(tag) for i in engine.images.list(filters=candidate_images) for tag in i.tags],
        )


def remove(label_filter: str) -> Leftovers:
    """Remove what matches `label_filter`: containers first, then networks, volumes and candidate images."""
    found = leftovers(label_filter)
    engine = client()
    with translated("remove the kit's containers, volumes and networks"):
        for name in found.containers:
            with contextlib.suppress(docker.errors.NotFound):
                engine.containers.get(name).remove(force=True, v=True)
        for name in found.networks:
            with contextlib.suppress(docker.errors.NotFound):
                engine.networks.get(name).remove()
        for name in found.volumes:
            with contextlib.suppress(docker.errors.NotFound):
                engine.volumes.get(name).remove(force=True)
        for tag in found.images:
            # An untag, never a conflict: layers other images build on stay, as build cache.
            with contextlib.suppress(docker.errors.NotFound):
                engine.images.remove(tag, force=True, noprune=True)
    return found
