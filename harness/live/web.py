"""The two views of a live session, served on the loopback: the candidate's and the interviewer's,
each behind its own token (a wrong token, or none, finds nothing: 404). Pages are server-rendered;
a static script (no inline script anywhere, enforced by the Content-Security-Policy) polls the
view's state and sends the interviewer's actions. Nothing the candidate view answers names a hidden
check, a note, a manual score or a hint not yet released."""

from __future__ import annotations

import secrets
import time
from importlib import resources
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from markdown_it import MarkdownIt
from starlette.exceptions import HTTPException as StarletteHTTPException

from harness.live.runner import Runner
from harness.live.session import PACKET, Session, SessionError
from harness.live.state import SessionState
from harness.report.html import escaped
from harness.report.packet import PAGE

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PACKET_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
STATIC = {"live.js": "text/javascript", "live.css": "text/css"}


def _page(title: str, role: str, token: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{escaped(title)}</title><link rel="stylesheet" href="/static/live.css">'
        f'<script src="/static/live.js" defer></script></head>'
        f'<body data-role="{role}" data-api="/{role[0]}/{escaped(token)}">{body}</body></html>'
    )


def create_app(session: Session, runner: Runner) -> FastAPI:
    app = FastAPI(title="opsdrill live", docs_url=None, redoc_url=None, openapi_url=None)
    exercise = session.exercise
    brief = MarkdownIt("commonmark", {"html": False}).render(exercise.paths.brief.read_text(encoding="utf-8"))
    hints = {hint.id: hint for hint in exercise.rubric.hints}
    items = {item.id: item for item in exercise.rubric.manual}

    def guard(token: str, expected: str) -> None:
        if not secrets.compare_digest(token.encode(), expected.encode()):
            raise HTTPException(404, "Not found.")

    def common(state: SessionState) -> dict[str, Any]:
        public = state.latest("public")
        return {
            "exercise": exercise.spec.title,
            "elapsed_s": round(state.elapsed_s(), 1),
            "budget_s": state.budget_s,
            "finished": state.finished is not None,
            "running": runner.running == "public",
            "public": {"at": public.at, "statuses": public.statuses, "problem": public.problem} if public else None,
            "hints": [hints[h].text for h in sorted(state.hints, key=state.hints.__getitem__)],
        }

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail if exc.status_code != 404 else "Not found."}, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": "The request body is not what this action takes."}, 422)

    @app.exception_handler(SessionError)
    async def refused(request: Request, exc: SessionError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 409)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            raise HTTPException(404)
        return Response(resources.files(__package__).joinpath("static", name).read_bytes(), media_type=STATIC[name])

    @app.get("/c/{token}", response_class=HTMLResponse)
    def candidate_page(token: str) -> str:
        guard(token, session.tokens.candidate)
        return _page(exercise.spec.title, "candidate", token, _candidate_body(brief))

    @app.get("/c/{token}/state")
    def candidate_state(token: str) -> dict[str, Any]:
        guard(token, session.tokens.candidate)
        return common(session.snapshot())

    @app.get("/i/{token}", response_class=HTMLResponse)
    def interviewer_page(token: str) -> str:
        guard(token, session.tokens.interviewer)
        return _page(f"Interviewer: {exercise.spec.title}", "interviewer", token, _interviewer_body(brief))

    @app.get("/i/{token}/state")
    def interviewer_state(token: str) -> dict[str, Any]:
        guard(token, session.tokens.interviewer)
        state = session.snapshot()
        hidden = state.latest("hidden")
        return common(state) | {
            "running": runner.running,
            "pending": sorted(runner.pending()),
            "hidden": {"at": hidden.at, "statuses": hidden.statuses, "problem": hidden.problem} if hidden else None,
            "checks": {c.id: c.title for c in exercise.rubric.checks},
            "hint_list": [
                {"id": h.id, "text": h.text, "cost": h.cost, "released": h.id in state.hints} for h in hints.values()
            ],
            "notes": [{"at": n.at, "text": n.text} for n in state.notes],
            "manual": [
                {
                    "id": i.id,
                    "title": i.title,
                    "anchors": {str(k): v for k, v in i.anchors.items()},
                    "score": state.manual.get(i.id),
                }
                for i in items.values()
            ],
            "finish_problem": runner.finish_problem,
            "packet": f"/i/{token}/packet" if state.finished else None,
        }

    @app.post("/i/{token}/hints/{hint_id}")
    def release_hint(token: str, hint_id: str) -> dict[str, str]:
        guard(token, session.tokens.interviewer)
        session.release_hint(hint_id)
        return {"released": hint_id}

    @app.post("/i/{token}/notes")
    def add_note(token: str, text: Annotated[str, Body(embed=True, max_length=20_000)]) -> dict[str, str]:
        guard(token, session.tokens.interviewer)
        session.add_note(text)
        return {"added": "note"}

    @app.post("/i/{token}/manual/{item_id}")
    def score_item(token: str, item_id: str, score: Annotated[int, Body(embed=True)]) -> dict[str, Any]:
        guard(token, session.tokens.interviewer)
        session.score_manual(item_id, score)
        return {"item": item_id, "score": score}

    @app.post("/i/{token}/run/{what}")
    def run(token: str, what: str) -> dict[str, str]:
        guard(token, session.tokens.interviewer)
        if what not in {"public", "hidden", "finish"}:
            raise HTTPException(404)
        if session.state.finished is not None:
            raise SessionError("the session is finished; its packet is written.")
        if what == "finish" and session.unscored_items():
            raise SessionError(f"score the manual items first: {', '.join(session.unscored_items())}.")
        runner.request(what)
        return {"queued": what, "at": str(time.time())}

    @app.get("/i/{token}/packet")
    def packet(token: str) -> FileResponse:
        guard(token, session.tokens.interviewer)
        page = session.folder / PACKET / PAGE
        if session.state.finished is None or not page.is_file():
            raise HTTPException(404)
        # The packet is a static page with its own styles and no script at all.
        return FileResponse(page, media_type="text/html", headers={"Content-Security-Policy": PACKET_CSP})

    return app


def _candidate_body(brief: str) -> str:
    return (
        '<header><h1 id="title"></h1><p class="timer">Time: <span id="elapsed"></span> of '
        '<span id="budget"></span></p></header><main><section class="brief">'
        f'{brief}</section><aside><h2>Self-checks</h2><p id="public-when"></p><ul id="public"></ul>'
        '<h2>Hints</h2><ul id="hints"></ul></aside></main>'
    )


def _interviewer_body(brief: str) -> str:
    return (
        '<header><h1 id="title"></h1><p class="timer">Time: <span id="elapsed"></span> of '
        '<span id="budget"></span> · <span id="running"></span></p></header><main><div>'
        '<section><h2>Hidden checks</h2><p><button id="run-hidden" type="button">Run hidden checks</button> '
        '<span id="hidden-when"></span></p><ul id="hidden"></ul></section>'
        '<section><h2>Candidate\'s self-checks</h2><p id="public-when"></p><ul id="public"></ul></section>'
        '<section><h2>Hints</h2><ul id="hint-list"></ul></section>'
        '<section><h2>Notes</h2><textarea id="note-text" rows="3" maxlength="4000"></textarea>'
        '<button id="add-note" type="button">Add note</button><ul id="notes"></ul></section>'
        '<section><h2>Manual items</h2><div id="manual"></div></section>'
        '<section><h2>Finish</h2><button id="finish" type="button">Finish and write the packet</button> '
        '<span id="finish-state"></span></section></div>'
        f'<details class="brief"><summary>Brief</summary>{brief}</details></main>'
    )
