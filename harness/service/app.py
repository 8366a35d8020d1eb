"""The grading service's HTTP API (FastAPI; its OpenAPI description is served at /openapi.json).

Every /v1 route takes a tenant's key (`Authorization: Bearer odk_...`) and sees only that tenant's
jobs: another tenant's job is answered as unknown (404), never as forbidden. Errors are one
sentence in `detail`. Uploads pass the CLI's unpack safety before anything is queued.
"""

import contextlib
import ipaddress
import re
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, File, Form, Header, HTTPException, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from harness import __version__
from harness import exercise as exercise_mod
from harness.content import exercise_ids
from harness.errors import SubmissionError
from harness.model.jobs import Job, Tenant
from harness.model.results import Entry, EntryResult, Status
from harness.model.scorecard import Scorecard
from harness.report import gradescope, html, junit, markdown
from harness.service import metrics
from harness.service.dispatch import RESEND_AFTER_S, Dispatcher
from harness.service.store import ConflictError, LimitError, ServiceStore
from harness.service.webhooks import Deliverer
from harness.service.worker import JobQueue
from harness.unpack import MAX_TOTAL_BYTES, unpacked

#: No request body may exceed this, whatever the tenant's own limit (checked before reading it).
MAX_REQUEST_BYTES = MAX_TOTAL_BYTES
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
ARCHIVES = (".zip", ".tar.gz", ".tgz")


class ErrorBody(BaseModel):
    detail: str


class ExerciseInfo(BaseModel):
    id: str
    version: str
    title: str
    minutes: int
    maturity_start: int
    maturity_end: int
    criteria: list[str]


class ScorecardFormat(StrEnum):
    JSON = "json"
    MD = "md"
    HTML = "html"
    JUNIT = "junit"
    GRADESCOPE = "gradescope"


def _errors(*codes: int) -> dict[int | str, dict[str, object]]:
    """The error answers a /v1 route documents: 401 and 422 always, and `codes`."""
    return {code: {"model": ErrorBody} for code in (401, 422, *codes)}


def _invalid(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors as one sentence, naming the first."""
    first = exc.errors()[0] if exc.errors() else {}
    where = " ".join(str(part) for part in first.get("loc", ()) if part != "body") or "request"
    return f"The request is not valid: {where}: {str(first.get('msg', 'malformed')).rstrip('.')}."


_ROUTER_SENTENCES = {
    404: "No such route; the routes are listed at /docs.",
    405: "This route does not take that method; see /docs.",
}


def _fail(code: int, detail: str) -> HTTPException:
    return HTTPException(status_code=code, detail=detail)


def _render(fmt: ScorecardFormat, job: Job, card: Scorecard) -> Response:
    if fmt is ScorecardFormat.JSON:
        return Response(card.model_dump_json(indent=2), media_type="application/json")
    if fmt is ScorecardFormat.MD:
        return Response(markdown.render(card), media_type="text/markdown; charset=utf-8")
    if fmt is ScorecardFormat.HTML:
        return Response(html.render(card), media_type="text/html; charset=utf-8")
    if fmt is ScorecardFormat.GRADESCOPE:
        return Response(gradescope.render(card), media_type="application/json")
    result = EntryResult(entry=Entry(candidate_id=job.id, source=job.filename), status=Status.GRADED, scorecard=card)
    return Response(junit.render(job.exercise_id, [result]), media_type="application/xml")


def _check_upload(data: bytes, filename: str) -> None:
    """Refuse (SubmissionError) what the graders could not unpack safely, before it is queued."""
    with tempfile.TemporaryDirectory(prefix="opsdrill-upload-") as holder:
        path = Path(holder) / ("upload" + next(s for s in ARCHIVES if filename.lower().endswith(s)))
        path.write_bytes(data)
        with unpacked(path):
            pass


def _webhook(url: str | None, allow_private: bool) -> str | None:
    if url is None or url == "":
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise _fail(422, "webhook_url must be an http:// or https:// URL of at most 2000 characters.")
    with contextlib.suppress(ValueError):  # a name, not an address: checked when the webhook is sent
        if not allow_private and not ipaddress.ip_address(parts.hostname).is_global:
            raise _fail(422, "webhook_url must point at a public address, not this service's own network.")
    return url


def create_app(
    store: ServiceStore, queue: JobQueue, *, deliverer: Deliverer | None = None,
    exercises: Callable[[], list[str]] = exercise_ids, resend_after_s: float = RESEND_AFTER_S,
    allow_private_webhooks: bool = False,
) -> FastAPI:  # fmt: skip
    """The API over `store`, its dispatcher handing jobs to `queue` (all started and stopped with
    the app)."""
    dispatcher = Dispatcher(store, queue, resend_after_s=resend_after_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queue.start()
        dispatcher.start()
        if deliverer is not None:
            deliverer.start()
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.stop()
            dispatcher.stop()
            queue.stop()

    app = FastAPI(
        title="opsdrill grading service", version=__version__, lifespan=lifespan,
        description="Submit MLOps exercise submissions for grading; read their scorecards.",
    )  # fmt: skip
    bearer = HTTPBearer(auto_error=False, description="A tenant's API key: `Bearer odk_...`.")

    @app.exception_handler(StarletteHTTPException)
    async def one_sentence(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        detail = str(exc.detail)
        if not detail.endswith("."):  # the router's own refusals (no such route, method) are a bare phrase
            detail = _ROUTER_SENTENCES.get(exc.status_code, f"The request was refused ({detail}).")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def one_sentence_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _invalid(exc)}, status_code=422)

    @app.middleware("http")
    async def cap_body(request: Request, call_next: Callable[[Request], object]) -> Response:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_REQUEST_BYTES:
            return JSONResponse(
                {"detail": f"The request is over {MAX_REQUEST_BYTES // 2**20} MiB; send a smaller archive."},
                status_code=413,
            )
        return await call_next(request)  # type: ignore[misc,no-any-return]

    def tenant(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Tenant:
        found = store.authenticate(credentials.credentials) if credentials else None
        if found is None:
            raise _fail(401, "Give a valid API key as `Authorization: Bearer odk_...`.")
        return found

    Caller = Annotated[Tenant, Depends(tenant)]

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], responses={503: {"model": ErrorBody}})
    def ready() -> dict[str, str]:
        """The store answers and queued jobs will be graded."""
        try:
            store.counts()
        except Exception as exc:
            raise _fail(503, f"The store does not answer ({type(exc).__name__}).") from None
        if not queue.ready() or not dispatcher.alive():
            raise _fail(503, "No worker is taking jobs.")
        return {"status": "ready"}

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def prometheus() -> Response:
        """Prometheus metrics: queue depth, jobs by state, grading durations, infrastructure errors."""
        return Response(metrics.render(store), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/v1/exercises", responses=_errors())
    def list_exercises(caller: Caller) -> list[ExerciseInfo]:
        """The exercises this service grades."""
        found = []
        for exercise_id in exercises():
            spec = exercise_mod.load(exercise_id).spec
            found.append(ExerciseInfo(
                id=spec.id, version=spec.version, title=spec.title, minutes=spec.minutes,
                maturity_start=spec.level.start, maturity_end=spec.level.end, criteria=[c.value for c in spec.criteria],
            ))  # fmt: skip
        return found

    @app.post("/v1/submissions", status_code=202, responses={200: {"model": Job}, **_errors(409, 413, 429)})
    def submit(
        caller: Caller, response: Response,
        exercise: Annotated[str, Form(description="Exercise id (see /v1/exercises).")],
        file: Annotated[UploadFile, File(description="The submission: a .zip or .tar.gz archive.")],
        webhook_url: Annotated[str | None, Form(description="Called when the result is stored.")] = None,
        idempotency_key: Annotated[
            str | None, Header(description="A key of the client's choosing: a retried upload with it grades once.")
        ] = None,
    ) -> Job:  # fmt: skip
        """Queue a submission for grading (202); the same Idempotency-Key again answers its job (200)."""
        if idempotency_key is not None and not IDEMPOTENCY_KEY.match(idempotency_key):
            raise _fail(422, "Idempotency-Key must be 1 to 200 printable ASCII characters without spaces.")
        if exercise not in exercises():
            raise _fail(422, f"No exercise has the id '{exercise[:100]}'; see /v1/exercises.")
        hook = _webhook(webhook_url, allow_private_webhooks)
        filename = (file.filename or "").strip()
        if not filename.lower().endswith(ARCHIVES) or len(filename) > 255:
            raise _fail(422, "The file must be a .zip or .tar.gz archive (its name says which).")
        if file.size is not None and file.size > caller.max_upload_bytes:
            raise _fail(413, f"The upload is over this tenant's limit of {caller.max_upload_bytes} bytes.")
        data = file.file.read(caller.max_upload_bytes + 1)
        if len(data) > caller.max_upload_bytes:
            raise _fail(413, f"The upload is over this tenant's limit of {caller.max_upload_bytes} bytes.")
        try:
            _check_upload(data, filename)
            job, created = store.submit(
                caller, exercise, filename, data, idempotency_key=idempotency_key, webhook_url=hook
            )
        except SubmissionError as exc:
            raise _fail(422, str(exc)) from None
        except ConflictError as exc:
            raise _fail(409, str(exc)) from None
        except LimitError as exc:
            raise _fail(429, str(exc)) from None
        if created:
            dispatcher.poke()
        else:
            response.status_code = 200
        return job

    @app.get("/v1/submissions", responses=_errors())
    def list_submissions(
        caller: Caller,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
    ) -> list[Job]:
        """This tenant's jobs, oldest first."""
        return store.jobs(caller.id, limit, offset)

    @app.get("/v1/submissions/{job_id}", responses=_errors(404))
    def job_status(caller: Caller, job_id: str) -> Job:
        """Where a job stands."""
        job = store.job(caller.id, job_id)
        if job is None:
            raise _fail(404, "No submission of yours has that id.")
        return job

    @app.get(
        "/v1/submissions/{job_id}/scorecard",
        response_class=Response,
        responses={
            200: {"content": {"application/json": {}, "text/markdown": {}, "text/html": {}, "application/xml": {}}},
            **_errors(404, 409),
        },
    )
    def scorecard(caller: Caller, job_id: str, format: ScorecardFormat = ScorecardFormat.JSON) -> Response:
        """The graded job's scorecard: json, md, html, junit (XML) or gradescope (results.json)."""
        job = store.job(caller.id, job_id)
        if job is None:
            raise _fail(404, "No submission of yours has that id.")
        card = store.scorecard(caller.id, job_id)
        if card is None:
            raise _fail(409, f"The submission is {job.status.value}, not graded; its scorecard is not there.")
        return _render(format, job, card)

    return app
