"""The service's store on both of its databases, SQLite (embedded) and a real PostgreSQL (scale-out):
who may grade a job (its lease), what happens to a job whose worker stopped, idempotent submits
racing each other, and the dispatcher sending each stored job."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.model.jobs import JobStatus, Tenant
from harness.service import open_store
from harness.service.dispatch import MAX_LOST_GRADINGS, Dispatcher
from harness.service.store import ConflictError, ServiceStore

Opener = Callable[[], ServiceStore]


@pytest.fixture(params=["sqlite", "postgresql"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens the same store again, as another process would (its own connection)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    opened: list[ServiceStore] = []

    def open_one() -> ServiceStore:
        opened.append(open_store(tmp_path / "service", url))
        return opened[-1]

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(opener: Opener) -> ServiceStore:
    return opener()


@pytest.fixture
def tenant(store: ServiceStore) -> Tenant:
    return store.create_tenant("acme", 2**20, 100)


def _submit(store: ServiceStore, tenant: Tenant, data: bytes = b"zip", key: str | None = None) -> str:
    job, _ = store.submit(tenant, "toy", "a.zip", data, idempotency_key=key)
    return job.id


def test_only_the_lease_holder_grades_and_stores(store: ServiceStore, tenant: Tenant) -> None:
    job_id = _submit(store, tenant)
    claimed = store.claim(job_id, "worker-a", lease_s=60)
    assert claimed is not None and claimed[1] == b"zip" and claimed[0].attempts == 1
    assert store.claim(job_id, "worker-b", lease_s=60) is None, "a live lease is not taken over"
    assert store.renew(job_id, "worker-a", 60) and not store.renew(job_id, "worker-b", 60)
    assert store.finish(job_id, "worker-b", JobStatus.GRADED) is None, "only the holder stores a result"
    ended = store.finish(job_id, "worker-a", JobStatus.REFUSED, reason="Not an archive.")
    assert ended is not None and ended.status is JobStatus.REFUSED
    assert store.claim(job_id, "worker-b", lease_s=60) is None, "a final job is never graded again"
    assert not store.renew(job_id, "worker-a", 60)


def test_a_job_whose_worker_stopped_is_queued_again_then_given_up(store: ServiceStore, tenant: Tenant) -> None:
    job_id = _submit(store, tenant)
    store.mark_sent(job_id)
    for attempt in range(1, MAX_LOST_GRADINGS + 1):
        claimed = store.claim(job_id, f"worker-{attempt}", lease_s=60)
        assert claimed is not None and claimed[0].attempts == attempt
        assert store.expire_leases(MAX_LOST_GRADINGS) == []  # still live
        assert store.renew(job_id, f"worker-{attempt}", lease_s=0)  # the worker's last renewal, then silence
        requeued = store.expire_leases(MAX_LOST_GRADINGS)
        job = store.job(tenant.id, job_id)
        assert job is not None
        if attempt < MAX_LOST_GRADINGS:
            assert (
                requeued == [job_id] and job.status is JobStatus.QUEUED and store.unsent(resend_after_s=60) == [job_id]
            )
            store.mark_sent(job_id)
        else:
            assert requeued == [] and job.status is JobStatus.INFRASTRUCTURE_ERROR and job.percent is None
            assert "lost 3 times" in job.reason
    # The stopped worker coming back late cannot store anything.
    assert store.finish(job_id, "worker-1", JobStatus.GRADED) is None
    # Given up, it is not sent again, however long it waits; a restart queues it for another try.
    assert store.unsent(resend_after_s=0) == []
    store.resend_all(release_running=False)
    job = store.job(tenant.id, job_id)
    assert job is not None and job.status is JobStatus.QUEUED and store.unsent(resend_after_s=60) == [job_id]


def test_racing_submits_with_one_idempotency_key_make_one_job(opener: Opener, tenant: Tenant) -> None:
    stores = [opener() for _ in range(6)]
    start = threading.Barrier(len(stores))

    def send(store: ServiceStore) -> tuple[str, bool]:
        start.wait()
        job, created = store.submit(tenant, "toy", "a.zip", b"same", idempotency_key="retry-1")
        return job.id, created

    with ThreadPoolExecutor(len(stores)) as pool:
        answers = list(pool.map(send, stores))
    assert len({job_id for job_id, _ in answers}) == 1 and sum(created for _, created in answers) == 1
    assert len(stores[0].jobs(tenant.id)) == 1
    with pytest.raises(ConflictError):
        stores[0].submit(tenant, "toy", "a.zip", b"other", idempotency_key="retry-1")


class _Recorded:
    only_workers = False

    def __init__(self) -> None:
        self.sent: list[str] = []

    def start(self) -> None: ...

    def enqueue(self, job_id: str) -> None:
        self.sent.append(job_id)

    def ready(self) -> bool:
        return True

    def stop(self) -> None: ...


def test_the_dispatcher_sends_each_job_once_and_again_when_its_worker_stopped(
    store: ServiceStore, tenant: Tenant
) -> None:
    queue = _Recorded()
    dispatcher = Dispatcher(store, queue)
    first, second = _submit(store, tenant, b"1"), _submit(store, tenant, b"2")
    assert dispatcher.round() == 2 and dispatcher.round() == 0 and queue.sent == [first, second]
    # Sent long ago and never started (the message died with a worker, or with the broker): sent again.
    assert Dispatcher(store, queue, resend_after_s=0).round() == 2 and queue.sent[-2:] == [first, second]
    assert store.claim(first, "worker-a", lease_s=0) is not None  # and it stopped at once
    assert dispatcher.round() == 1 and queue.sent[-1] == first
    # A restarted API sends what is not final again (a broker may have lost it); a job another
    # process's worker holds is left to it.
    assert store.claim(second, "worker-b", lease_s=60) is not None
    store.resend_all(release_running=False)
    assert dispatcher.round() == 1 and queue.sent[-1] == first
    # The embedded service is its store's only worker: whatever a stopped one was grading is queued.
    store.resend_all(release_running=True)
    assert dispatcher.round() == 2 and queue.sent[-2:] == [first, second]
