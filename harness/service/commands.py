"""What the `opsdrill serve` and `opsdrill tenant` commands do (the CLI imports this module only
when one of them runs: its libraries come with the `service` extra)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import uvicorn

from harness.model.jobs import ApiKey, Tenant
from harness.service import keys, logs, open_store
from harness.service.app import create_app
from harness.service.webhooks import Deliverer
from harness.service.worker import LocalWorkers


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    key: keys.NewKey
    webhook_secret: str


def serve(data: Path, host: str, port: int, jobs: int, backend: str) -> None:
    """The embedded default: the API, `jobs` worker threads and the webhook sender, one process."""
    logs.configure()
    store = open_store(data)
    try:
        app = create_app(store, LocalWorkers(store, backend, jobs), deliverer=Deliverer(store))
        uvicorn.run(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=5)
    finally:
        store.close()


def create_tenant(data: Path, name: str, max_upload_bytes: int, max_queued_jobs: int) -> NewTenant:
    store = open_store(data)
    try:
        tenant = store.create_tenant(name, max_upload_bytes, max_queued_jobs)
        return NewTenant(tenant, store.add_key(tenant.id), store.webhook_secret(tenant.id))
    finally:
        store.close()


def tenants(data: Path) -> list[tuple[Tenant, list[ApiKey]]]:
    store = open_store(data)
    try:
        return [(tenant, store.keys(tenant.id)) for tenant in store.tenants()]
    finally:
        store.close()


def add_key(data: Path, tenant: str) -> keys.NewKey:
    store = open_store(data)
    try:
        return store.add_key(store.find_tenant(tenant).id)
    finally:
        store.close()


def revoke_key(data: Path, key_id: str) -> None:
    store = open_store(data)
    try:
        store.revoke_key(key_id)
    finally:
        store.close()
