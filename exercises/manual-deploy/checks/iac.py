"""Offline validation of the candidate's deployment description and CI workflow.

Schemas come with the kit's dependencies: the compose specification and the GitHub workflow
schema vendored by check-jsonschema, the Kubernetes schemas shipped by kubernetes-validate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import kubernetes_validate.utils
import yaml

from harness.grading import schema_errors

COMPOSE_FILES = [f"{folder}{name}" for folder in ("", "deploy/")
                 for name in ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")]  # fmt: skip
#: The Kubernetes release whose schemas manifests are validated against (the brief says 1.30).
KUBERNETES_VERSION = "1.30.0"
K8S_GLOBS = ["k8s/*.yaml", "k8s/*.yml", "deploy/k8s/*.yaml", "deploy/k8s/*.yml"]
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Pod"}


def load_yaml_documents(text: str) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def compose_problems(document: Any) -> list[str]:
    """Why a compose file is not a valid, production-ready description of the service."""
    errors = schema_errors(document, "compose-spec")
    if errors:
        return [f"not valid against the compose specification: {errors[0]}"]
    services = document.get("services") or {}
    if not services:
        return ["it declares no services"]
    problems = []
    for name, service in services.items():
        service = service or {}
        missing = []
        health = service.get("healthcheck") or {}
        if not health.get("test") or health.get("disable"):
            missing.append("a healthcheck")
        deploy = service.get("deploy") or {}
        limits = (deploy.get("resources") or {}).get("limits") or {}
        if not (limits.get("memory") or service.get("mem_limit")) or not (limits.get("cpus") or service.get("cpus")):
            missing.append("memory and CPU limits")
        restart = service.get("restart") or ((deploy.get("restart_policy") or {}).get("condition"))
        if not restart or str(restart) in ("no", "none"):
            missing.append("a restart policy")
        if not missing:
            return []
        problems.append(f"service '{name}' lacks {', '.join(missing)}")
    return problems


def _containers(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = document.get("spec") or {}
    pod = spec if document.get("kind") == "Pod" else ((spec.get("template") or {}).get("spec") or {})
    yield from pod.get("containers") or []


def k8s_problems(documents: list[Any], version: str = KUBERNETES_VERSION) -> list[str]:
    """Why a set of manifests is not a valid, production-ready description of the service."""
    workloads = []
    for document in documents:
        if not isinstance(document, dict):
            return ["a manifest is not a mapping"]
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            return [f"{document.get('kind', '?')} is not valid for Kubernetes {version}: {str(exc.message)[:200]}"]
        except (kubernetes_validate.InvalidSchemaError, kubernetes_validate.SchemaNotFoundError,
                kubernetes_validate.utils.VersionNotSupportedError) as exc:  # fmt: skip
            return [f"{document.get('kind', '?')} cannot be validated: {str(exc)[:200]}"]
        if document.get("kind") in WORKLOADS:
            workloads.append(document)
    if not workloads:
        return ["there is no Deployment (or other workload) to run the service"]
    for workload in workloads:
        spec = workload.get("spec") or {}
        pod_spec = spec if workload.get("kind") == "Pod" else ((spec.get("template") or {}).get("spec") or {})
        if pod_spec.get("restartPolicy", "Always") == "Never":
            return [f"{workload['kind']} restartPolicy is Never"]
        for container in _containers(workload):
            limits = (container.get("resources") or {}).get("limits") or {}
            if (
                container.get("readinessProbe")
                and container.get("livenessProbe")
                and limits.get("memory")
                and limits.get("cpu")
            ):
                return []
    return ["no container declares a readinessProbe, a livenessProbe and memory and CPU limits"]
