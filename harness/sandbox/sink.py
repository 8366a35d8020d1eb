"""The webhook sink: a loopback HTTP receiver that records what a candidate service sends to it.

Standard library only, because the docker backend runs this very file with `python -I` in a
container joined to the service's network namespace, where it prints one JSON line per message;
the local backend runs `Sink` in a thread of the check process. Either way the sink is on the
service's loopback and nowhere else. Usage as a program: python -I sink.py PORT
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Bytes of a message's body kept: alerts are small, and a flood stays bounded (MAX_MESSAGES x MAX_BODY).
MAX_BODY = 4 * 1024
MAX_HEADERS = 30
#: Messages past this many are counted, not kept: a flood cannot exhaust the grader.
MAX_MESSAGES = 1000
#: Where services are told to send (any path is received).
URL_PATH = "/alerts"
#: The line the sink prints once it listens.
READY = {"sink": "ready"}

Record = Callable[[dict[str, Any]], None]


def _handler(record: Record) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _receive(self) -> None:
            try:
                length = max(0, min(int(self.headers.get("Content-Length") or 0), 1024 * 1024))
            except ValueError:
                length = 0
            body = self.rfile.read(length)[:MAX_BODY]
            headers = {k.lower(): v[:500] for k, v in list(self.headers.items())[:MAX_HEADERS]}
            record({"received_at": time.time(), "method": self.command, "path": self.path[:500],
                    "headers": headers, "body": body.decode("latin-1")})  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_POST = do_PUT = do_GET = _receive

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the sink's output is its record."""

    return Handler


class Sink:
    """A receiver on 127.0.0.1:`port` (0: any free port) calling `record` once per message."""

    def __init__(self, port: int, record: Record) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self._record = record
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self._capped))
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, name="opsdrill-sink", daemon=True)

    def _capped(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._count += 1
            if self._count <= MAX_MESSAGES:
                self._record(message)

    def start(self) -> Sink:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _print_line(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sink = Sink(int(sys.argv[1]), _print_line)
    _print_line(READY)
    sink.server.serve_forever()
