"""Asking the candidate's service, through the trusted prober, and saying what came back."""

from __future__ import annotations

import time
from dataclasses import replace

from harness.sandbox.service import POLL_RUN_S, HttpRequest, HttpResponse, Service


def status_text(answer: HttpResponse | None) -> str:
    if answer is None:
        return "nothing"
    return f"{answer.status}" if answer.status else f"no answer ({answer.error})"


def poll(service: Service, request: HttpRequest, timeout_s: float) -> HttpResponse:
    """Send `request` until it gets an answer that is not a 5xx, the service stops, or time runs out;
    the last answer. The prober retries on its own for up to POLL_RUN_S per run."""
    deadline = time.monotonic() + timeout_s
    answer = HttpResponse(status=0, error=f"the container stopped within {timeout_s:.0f}s of starting")
    while (left := deadline - time.monotonic()) > 0 and service.running():
        answer = service.send([replace(request, until_ok_s=min(POLL_RUN_S, left))])[0]
        if 0 < answer.status < 500:
            break
    return answer
