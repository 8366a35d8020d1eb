"""What the `opsdrill serve`, `worker` and `tenant` commands do (the CLI imports this module only
when one of them runs: its libraries come with the `service` extra, Celery and psycopg with
`scale`). A store is the SQLite file in a data folder, or the PostgreSQL database at a URL."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import uvicorn

from harness.errors import BadInputError
from harness.model.jobs import ApiKey, Tenant
from harness.service import keys, logs, open_store
from harness.service.app import create_app
from harness.service.dispatch import RESEND_AFTER_S
from harness.service.webhooks import Deliverer
from harness.service.worker import LocalWorkers


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    key: keys.NewKey
    webhook_secret: str


def serve(
    data: Path, url: str | None, broker: str | None, host: str, port: int, jobs: int, backend: str | None, *,
    resend_after_s: float = RESEND_AFTER_S, allow_private_webhooks: bool = False,
) -> None:  # fmt: skip
    """The API, the dispatcher and the webhook sender; its own `jobs` worker threads (the embedded
    default), or the Celery workers behind `broker`."""
    logs.configure()
    store = open_store(data, url)
    try:
        queue = _scale_out().CeleryQueue(broker) if broker else LocalWorkers(store, backend or "local", jobs)
        app = create_app(
            store, queue, deliverer=Deliverer(store, allow_private=allow_private_webhooks),
            resend_after_s=resend_after_s, allow_private_webhooks=allow_private_webhooks,
        )  # fmt: skip
        uvicorn.run(app, host=host, port=port, log_config=None, timeout_graceful_shutdown=5)
    finally:
        store.close()


def worker(data: Path, url: str | None, broker: str, jobs: int, backend: str) -> None:
    """A Celery worker grading `jobs` submissions at a time from `broker` into the store."""
    logs.configure()
    store = open_store(data, url)
    try:
        _scale_out().run_worker(broker, store, backend, jobs)
    finally:
        store.close()


def _scale_out() -> ModuleType:
    try:
        return importlib.import_module("harness.service.broker")
    except ImportError as exc:
        raise BadInputError(
            f"Scaling out needs the kit's scale-out libraries ({exc.name} is missing): pip install 'opsdrill[scale]'."
        ) from None


def create_tenant(data: Path, url: str | None, name: str, max_upload_bytes: int, max_queued_jobs: int) -> NewTenant:
    store = open_store(data, url)
    try:
        tenant = store.create_tenant(name, max_upload_bytes, max_queued_jobs)
        return NewTenant(tenant, store.add_key(tenant.id), store.webhook_secret(tenant.id))
    finally:
        store.close()


def tenants(data: Path, url: str | None) -> list[tuple[Tenant, list[ApiKey]]]:
    store = open_store(data, url)
    try:
        return [(tenant, store.keys(tenant.id)) for tenant in store.tenants()]
    finally:
        store.close()


def add_key(data: Path, url: str | None, tenant: str) -> keys.NewKey:
    store = open_store(data, url)
    try:
        return store.add_key(store.find_tenant(tenant).id)
    finally:
        store.close()


def revoke_key(data: Path, url: str | None, key_id: str) -> None:
    store = open_store(data, url)
    try:
        store.revoke_key(key_id)
    finally:
        store.close()
