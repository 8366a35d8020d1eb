"""manual-deploy's iac.py: is a compose file or a set of Kubernetes manifests production-ready?"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

SOLUTION_COMPOSE = Path(__file__).resolve().parents[2] / "exercises" / "manual-deploy" / "solution" / "compose.yaml"
K8S = "1.30.0"

COMPOSE = """
services:
  churn:
    image: churn-scorer:1.4.2
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "python", "healthcheck.py"]
      interval: 5s
    deploy:
      resources:
        limits: {cpus: "1.0", memory: 1g}
"""

MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: churn}
spec:
  replicas: 2
  selector: {matchLabels: {app: churn}}
  template:
    metadata: {labels: {app: churn}}
    spec:
      containers:
        - name: churn
          image: churn-scorer:1.4.2
          ports: [{containerPort: 8000}]
          readinessProbe: {httpGet: {path: /ready, port: 8000}}
          livenessProbe: {httpGet: {path: /health, port: 8000}}
          resources:
            limits: {memory: 1Gi, cpu: "1"}
---
apiVersion: v1
kind: Service
metadata: {name: churn}
spec:
  selector: {app: churn}
  ports: [{port: 80, targetPort: 8000}]
"""


@pytest.fixture(scope="module")
def iac(grader: Callable[[str, str], ModuleType]) -> ModuleType:
    return grader("manual-deploy", "iac")


def _compose(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE)
    service = document["services"]["churn"]
    for key, value in changes.items():
        if value is None:
            service.pop(key)
        else:
            service[key] = value
    return document


def _deployment() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(MANIFESTS.split("---")[0])
    return document


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def test_load_yaml_documents_skips_empty_documents(iac: ModuleType) -> None:
    documents = iac.load_yaml_documents("---\nkind: A\n---\n# only a comment\n---\nkind: B\n")
    assert documents == [{"kind": "A"}, {"kind": "B"}]
    assert iac.load_yaml_documents("") == []


def test_load_yaml_documents_lets_a_yaml_error_through(iac: ModuleType) -> None:
    with pytest.raises(yaml.YAMLError):
        iac.load_yaml_documents("services: [churn,\n")


def test_the_solutions_compose_file_is_production_ready(iac: ModuleType) -> None:
    (document,) = iac.load_yaml_documents(SOLUTION_COMPOSE.read_text(encoding="utf-8"))
    assert iac.compose_problems(document) == []
    assert iac.compose_problems(_compose()) == []


def test_compose_limits_and_restart_may_be_given_the_short_way(iac: ModuleType) -> None:
    document = _compose(deploy=None, mem_limit="1g", cpus=1.0, restart="on-failure")
    assert iac.compose_problems(document) == []


def test_compose_names_each_missing_production_setting(iac: ModuleType) -> None:
    assert iac.compose_problems({"services": {"web": {"image": "churn-scorer:1.4.2"}}}) == [
        "service 'web' lacks a healthcheck, memory and CPU limits, a restart policy"
    ]
    assert iac.compose_problems(_compose(healthcheck=None)) == ["service 'churn' lacks a healthcheck"]
    assert iac.compose_problems(_compose(restart=None)) == ["service 'churn' lacks a restart policy"]
    assert iac.compose_problems(_compose(deploy=None)) == ["service 'churn' lacks memory and CPU limits"]


@pytest.mark.parametrize(
    "changes",
    [
        {"healthcheck": {"test": ["CMD", "true"], "disable": True}},
        {"restart": "no"},
        {"restart": None, "deploy": {"restart_policy": {"condition": "none"},
                                     "resources": {"limits": {"cpus": "1", "memory": "1g"}}}},
        {"deploy": {"resources": {"limits": {"memory": "1g"}}}},
        {"deploy": None, "mem_limit": "1g"},
    ],
    ids=["healthcheck-disabled", "restart-no", "restart-policy-none", "no-cpu-limit", "memory-only"],
)  # fmt: skip
def test_compose_refuses_settings_that_switch_the_feature_off(iac: ModuleType, changes: dict[str, Any]) -> None:
    problems = iac.compose_problems(_compose(**changes))
    assert len(problems) == 1 and problems[0].startswith("service 'churn' lacks ")


def test_compose_one_ready_service_is_enough(iac: ModuleType) -> None:
    document = _compose()
    document["services"]["worker"] = {"image": "busybox:1.36"}
    assert iac.compose_problems(document) == []


def test_compose_must_meet_the_specification(iac: ModuleType) -> None:
    (problem,) = iac.compose_problems(_compose(replicas_please=3))
    assert problem.startswith("not valid against the compose specification: services/churn")
    assert "replicas_please" in problem
    # several YAML documents in one compose file arrive as a list
    (problem,) = iac.compose_problems([_compose(), _compose()])
    assert problem.startswith("not valid against the compose specification: (top)")
    assert iac.compose_problems({"services": {}}) == ["it declares no services"]


def test_compose_unquoted_restart_no_is_read_as_a_boolean(iac: ModuleType) -> None:
    (document,) = iac.load_yaml_documents(COMPOSE.replace("unless-stopped", "no"))
    (problem,) = iac.compose_problems(document)
    assert "restart" in problem and "not of type 'string'" in problem


def test_valid_manifests_with_probes_and_limits_pass(iac: ModuleType) -> None:
    documents = iac.load_yaml_documents(MANIFESTS)
    assert [d["kind"] for d in documents] == ["Deployment", "Service"]
    assert iac.k8s_problems(documents, K8S) == []


@pytest.mark.parametrize("missing", ["readinessProbe", "livenessProbe", "resources"])
def test_a_container_without_probes_or_limits_fails(iac: ModuleType, missing: str) -> None:
    deployment = _deployment()
    del _container(deployment)[missing]
    assert iac.k8s_problems([deployment], K8S) == [
        "no container declares a readinessProbe, a livenessProbe and memory and CPU limits"
    ]


def test_memory_without_cpu_limit_fails(iac: ModuleType) -> None:
    deployment = _deployment()
    _container(deployment)["resources"] = {"limits": {"memory": "1Gi"}, "requests": {"cpu": "500m"}}
    assert iac.k8s_problems([deployment], K8S) == [
        "no container declares a readinessProbe, a livenessProbe and memory and CPU limits"
    ]


def test_manifests_must_be_valid_kubernetes(iac: ModuleType) -> None:
    deployment = _deployment()
    deployment["spec"]["replicas"] = "two"
    (problem,) = iac.k8s_problems([deployment], K8S)
    assert problem.startswith(f"Deployment is not valid for Kubernetes {K8S}: ")
    unknown_field = _deployment()
    _container(unknown_field)["readinesProbe"] = {"httpGet": {"path": "/ready", "port": 8000}}
    (problem,) = iac.k8s_problems([unknown_field], K8S)
    assert "readinesProbe" in problem


def test_manifests_need_a_workload(iac: ModuleType) -> None:
    service = iac.load_yaml_documents(MANIFESTS)[1]
    assert iac.k8s_problems([service], K8S) == ["there is no Deployment (or other workload) to run the service"]
    assert iac.k8s_problems([], K8S) == ["there is no Deployment (or other workload) to run the service"]
    assert iac.k8s_problems(["kind: Deployment"], K8S) == ["a manifest is not a mapping"]


def test_a_pod_that_never_restarts_fails(iac: ModuleType) -> None:
    pod_spec = copy.deepcopy(_deployment()["spec"]["template"]["spec"])
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "churn"}, "spec": {**pod_spec}}
    assert iac.k8s_problems([pod], K8S) == []
    pod["spec"]["restartPolicy"] = "Never"
    assert iac.k8s_problems([pod], K8S) == ["Pod restartPolicy is Never"]
