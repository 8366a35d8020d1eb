"""`opsdrill serve`: the grading service for hiring platforms (HTTP API, tenants, webhooks).

The embedded default keeps everything in one folder (`service.sqlite`: tenants, keys, jobs with
their uploads and results, webhook deliveries) and grades with worker threads of its own process.
Scaled out, the same store lives in PostgreSQL and `opsdrill worker` processes take the jobs from a
Celery broker (Redis).
"""

from __future__ import annotations

from pathlib import Path

from harness.service.store import SCHEMA, ServiceStore
from harness.store.db import open_database

STORE_FILE = "service.sqlite"
#: A tenant's limits unless its creator says otherwise.
DEFAULT_MAX_UPLOAD_BYTES = 50 * 2**20
DEFAULT_MAX_QUEUED_JOBS = 100


def open_store(data_dir: Path, url: str | None = None) -> ServiceStore:
    """The store at the database `url` (postgresql://...), else the SQLite file in `data_dir`."""
    return ServiceStore(open_database(url or data_dir / STORE_FILE, SCHEMA, "the service's store"))
