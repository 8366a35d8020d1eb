"""Webhook deliveries: each job that ended with a webhook URL is POSTed to it, signed with its
tenant's secret, at least once.

The delivery is owed from the moment the result is stored (same transaction), so a service that
stops before sending sends it after its restart; a receiver may therefore see one delivery twice
and tells by the `X-Opsdrill-Delivery` id. A failed attempt (no answer, or not 2xx) is tried again
after each of `BACKOFF_S`, then abandoned.

A webhook whose host resolves to an address that is not public (loopback, private, link-local: the
service's own network) is refused, not sent, unless the service allows private webhooks.

Headers: `X-Opsdrill-Timestamp` (Unix seconds), `X-Opsdrill-Signature: sha256=<hex>` (HMAC-SHA256
of `<timestamp>.<body>` with the tenant's webhook secret), `X-Opsdrill-Delivery`, `X-Opsdrill-Job`.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

import requests

from harness.service.keys import sign
from harness.service.store import Delivery, ServiceStore

#: Pauses before the 2nd, 3rd, ... attempt of a delivery; after the last one it is abandoned.
BACKOFF_S = (2.0, 10.0, 30.0, 120.0, 600.0, 1800.0)
TIMEOUT_S = 10.0

log = logging.getLogger("opsdrill.service")


def private_address(url: str) -> str | None:
    """An address `url`'s host resolves to that is not public, if any (None too when it does not
    resolve: the attempt then fails and is tried again)."""
    parts = urlsplit(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return str(ip)
    return None


def deliver(
    store: ServiceStore, delivery: Delivery, backoff_s: Sequence[float] = BACKOFF_S, *, allow_private: bool = False
) -> bool:
    """One attempt at `delivery`; records the outcome; True when the receiver took it."""
    if not allow_private and (address := private_address(delivery.url)) is not None:
        error = f"its host resolves to {address}, which is not a public address"
        store.retry_delivery(delivery.id, error, None)
        log.warning("webhook refused", extra={"job_id": delivery.job_id, "error": error})
        return False
    body = delivery.body.encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Opsdrill-Delivery": delivery.id,
        "X-Opsdrill-Job": delivery.job_id,
        "X-Opsdrill-Timestamp": stamp,
        "X-Opsdrill-Signature": sign(store.webhook_secret(delivery.tenant_id), stamp, body),
    }
    try:
        answer = requests.post(delivery.url, data=body, headers=headers, timeout=TIMEOUT_S, allow_redirects=False)
        error = "" if 200 <= answer.status_code < 300 else f"answered {answer.status_code}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    if not error:
        store.delivered(delivery.id)
        log.info("webhook delivered", extra={"job_id": delivery.job_id, "attempt": delivery.attempts + 1})
        return True
    later = backoff_s[delivery.attempts] if delivery.attempts < len(backoff_s) else None
    store.retry_delivery(delivery.id, error, time.time() + later if later is not None else None)
    log.warning(
        "webhook failed" if later is not None else "webhook abandoned",
        extra={"job_id": delivery.job_id, "attempt": delivery.attempts + 1, "error": error},
    )
    return False


class Deliverer:
    """A thread sending what is due, every `poll_s` seconds, until stopped."""

    def __init__(
        self, store: ServiceStore, *, poll_s: float = 1.0, backoff_s: Sequence[float] = BACKOFF_S,
        allow_private: bool = False,
    ) -> None:  # fmt: skip
        self.store, self.poll_s, self.backoff_s, self.allow_private = store, poll_s, tuple(backoff_s), allow_private
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="opsdrill-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                for delivery in self.store.due_deliveries():
                    deliver(self.store, delivery, self.backoff_s, allow_private=self.allow_private)
            except Exception:
                log.exception("webhook delivery loop failed; trying again")
