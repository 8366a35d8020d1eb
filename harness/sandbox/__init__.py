"""Sandbox backends: where candidate code runs. Pick one with `get_backend`.

A backend's module (and the Docker SDK behind the docker one) is imported when the backend is
asked for, never by importing this package.
"""

from __future__ import annotations

import importlib

from harness.errors import BadInputError
from harness.model.execution import BackendOptions
from harness.sandbox.base import Backend, Sandbox

__all__ = ["Backend", "Sandbox", "available_backends", "backend_class", "default_backend", "get_backend"]

#: In order of preference: the strongest isolation that works here wins by default.
_BACKENDS: dict[str, str] = {
    "docker": "harness.sandbox.docker:DockerBackend",
    "local": "harness.sandbox.local:LocalBackend",
}


def backend_class(name: str) -> type[Backend]:
    target = _BACKENDS.get(name)
    if target is None:
        raise BadInputError(f"Unknown backend '{name}'; choose one of: {', '.join(_BACKENDS)}.")
    module, attribute = target.split(":")
    backend: type[Backend] = getattr(importlib.import_module(module), attribute)
    return backend


def available_backends() -> list[str]:
    return [name for name in _BACKENDS if backend_class(name).available()]


def default_backend() -> str:
    """docker when an engine answers, else local."""
    return available_backends()[0]


def get_backend(name: str, options: BackendOptions) -> Backend:
    return backend_class(name)(options)
