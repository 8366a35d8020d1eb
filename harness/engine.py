"""The Docker engine, as the kit sees it: one client, labels, error translation, clean-up.

Every container, volume and network the kit creates carries `opsdrill.kit=1` and the grading
session's `opsdrill.session=<id>`, so a session's leftovers can always be found and removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import docker
import docker.errors
import requests

from harness.errors import InfrastructureError, SandboxError

KIT_LABEL = "opsdrill.kit"
SESSION_LABEL = "opsdrill.session"
SANDBOX_LABEL = "opsdrill.sandbox"
ROLE_LABEL = "opsdrill.role"
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
    return {KIT_LABEL: "1", SESSION_LABEL: session} | {f"opsdrill.{k}": v for k, v in extra.items()}


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
