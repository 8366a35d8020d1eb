"""Sandbox backends: where candidate code runs. Pick one with `get_backend`."""

from __future__ import annotations

from harness.errors import BadInputError
from harness.sandbox.base import Backend, BackendOptions, ExecResult, Sandbox
from harness.sandbox.docker import DockerBackend
from harness.sandbox.local import LocalBackend

__all__ = ["Backend", "BackendOptions", "ExecResult", "Sandbox", "available_backends", "default_backend", "get_backend"]

#: In order of preference: the strongest isolation that works here wins by default.
_BACKENDS: dict[str, type[Backend]] = {DockerBackend.name: DockerBackend, LocalBackend.name: LocalBackend}


def available_backends() -> list[str]:
    return [name for name, backend in _BACKENDS.items() if backend.available()]


def default_backend() -> str:
    """docker when an engine answers, else local."""
    return available_backends()[0]


def get_backend(name: str, options: BackendOptions) -> Backend:
    backend = _BACKENDS.get(name)
    if backend is None:
        raise BadInputError(f"Unknown backend '{name}'; choose one of: {', '.join(_BACKENDS)}.")
    return backend(options)
