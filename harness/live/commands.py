"""`opsdrill live`: open (or resume) a session, start its check runner, serve its two views."""

from __future__ import annotations

import socket
from pathlib import Path

import uvicorn
from rich.console import Console

from harness import exercise as exercise_mod
from harness.errors import BadInputError
from harness.grade import grade
from harness.live.runner import Runner
from harness.live.session import Session
from harness.live.web import create_app
from harness.report.terminal import safe
from harness.selfcheck import run_public_checks

HOST = "127.0.0.1"


def live(exercise_id: str, workspace: Path, port: int, backend: str, console: Console) -> None:
    exercise = exercise_mod.load(exercise_id)
    try:
        session = Session.open(exercise, workspace)
    except OSError as exc:
        raise BadInputError(f"Cannot prepare the workspace {workspace} ({exc.strerror or exc}).") from None
    runner = Runner(
        session,
        public=lambda ws: {check: o.status for check, o in run_public_checks(exercise, ws, backend).items()},
        grade=lambda ws: grade(exercise, ws, backend),
    )
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError:
        listener.close()
        raise BadInputError(f"Port {port} on {HOST} is taken; choose another with --port (0: a free one).") from None
    base = f"http://{HOST}:{listener.getsockname()[1]}"
    state = "resumed" if session.state.processes > 1 else "started"
    console.print(f"live session {state}: {exercise.id} in {safe(str(session.workspace))} ({backend} backend)")
    console.print(f"candidate view:   {base}/c/{session.tokens.candidate}")
    console.print(f"interviewer view: {base}/i/{session.tokens.interviewer}  (keep this one to yourself)")
    console.print(f"session record:   {safe(str(session.folder))}", highlight=False)
    runner.start()
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(session, runner), log_level="warning"))
        server.run(sockets=[listener])
    finally:
        runner.stop()
