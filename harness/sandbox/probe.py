"""The prober: sends HTTP requests to 127.0.0.1:PORT and reports the answers as JSON.

Standard library only, because the docker backend runs this very file with `python -I` inside a
prober container (the kit's image, joined to the service's network namespace); the local backend
calls `probe` directly. Usage as a program: python -I probe.py PORT BUDGET_S CONCURRENCY BATCH_JSON_PIECE...
(the batch's JSON text split over arguments, each within the kernel's per-argument limit).
A request with `repeat` N is sent N times; with CONCURRENCY > 1 that many requests are in flight at
once. Each answer says when its request was sent on the machine's monotonic clock, which a
container shares with the host, so the trusted side can line answers up with its own actions.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: Never keep more of one answer than this, whatever the request asks.
MAX_BODY = 4 * 1024 * 1024
#: Bytes read and dropped past a request's `max_body` before giving up on the answer.
DRAIN = 16 * 1024 * 1024
#: Pause between tries of a request that should be repeated until it succeeds.
POLL_S = 0.2
NOT_SENT = "not sent: the replay's time budget ran out (the service answers too slowly)"


def _drain(response: http.client.HTTPResponse) -> None:
    """Read what is left of an answer, up to DRAIN bytes, so its timing covers the whole answer."""
    left = DRAIN
    while left > 0 and (chunk := response.read(min(left, 65536))):
        left -= len(chunk)


def _send(port: int, request: dict[str, Any], deadline: float | None) -> dict[str, Any]:
    """One request; with `until_ok_s`, repeated every POLL_S while it gets no answer or a 5xx; with
    `not_before` (a time on the monotonic clock), not sent before then."""
    time.sleep(max(float(request.get("not_before", 0)) - time.monotonic(), 0.0))
    give_up = time.perf_counter() + float(request.get("until_ok_s", 0))
    while True:
        answer = _send_once(port, request, deadline)
        if 0 < answer["status"] < 500 or answer["error"] == NOT_SENT or time.perf_counter() + POLL_S > give_up:
            return answer
        time.sleep(POLL_S)


def _send_once(port: int, request: dict[str, Any], deadline: float | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": 0, "body": "", "headers": {}, "error": "", "elapsed_s": 0.0, "sent_at": 0.0}
    started = time.perf_counter()
    answer["sent_at"] = time.monotonic()
    if deadline is not None and started > deadline:
        answer["error"] = NOT_SENT
        return answer
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=request["timeout_s"])
    try:
        body = request["body"].encode("latin-1") or None
        connection.request(request["method"], request["path"], body=body, headers=request["headers"])
        response = connection.getresponse()
        content = response.read(min(int(request.get("max_body", MAX_BODY)), MAX_BODY))
        _drain(response)
        answer.update(status=response.status, body=content.decode("latin-1"), headers=dict(response.getheaders()))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        answer["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        connection.close()
    answer["elapsed_s"] = time.perf_counter() - started
    return answer


def probe(port: int, batch: list[dict[str, Any]], budget_s: float = 0, concurrency: int = 1) -> list[dict[str, Any]]:
    """Send `batch` (in order when `concurrency` is 1); with a `budget_s` (> 0), requests due after it
    ran out are not sent. One answer per request sent, repeats included, in the batch's order."""
    deadline = time.perf_counter() + budget_s if budget_s > 0 else None
    flat = [request for request in batch for _ in range(int(request.get("repeat", 1)))]
    if concurrency <= 1:
        return [_send(port, request, deadline) for request in flat]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(lambda request: _send(port, request, deadline), flat))


if __name__ == "__main__":
    port, budget, concurrency = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    json.dump(probe(port, json.loads("".join(sys.argv[4:])), budget, concurrency), sys.stdout)
