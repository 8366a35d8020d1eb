"""Alert delivery: JSON to the webhook in $ALERT_WEBHOOK_URL, off the request path.

Payload (documented in README.md, "Alerts"):
    {"alert": "feature_drift" | "invalid_input", "feature": ..., "statistic": ..., "value": ...,
     "threshold": ..., "window": ..., "service": ..., "model_version": ..., "detected_at": ...}
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict
from datetime import datetime, timezone

from drift import Alert

log = logging.getLogger("creditrisk.alerts")
SERVICE = "credit-risk-scorer"


class AlertSender:
    def __init__(self, url: str | None, *, model_version: str, timeout_s: float, attempts: int) -> None:
        self.url, self.model_version = url, model_version
        self.timeout_s, self.attempts = timeout_s, attempts
        self._queue: queue.Queue[dict[str, object]] = queue.Queue(maxsize=1000)
        self.sent = 0
        threading.Thread(target=self._deliver_forever, name="alert-sender", daemon=True).start()

    def send(self, alert: Alert) -> None:
        payload = asdict(alert) | {
            "service": SERVICE,
            "model_version": self.model_version,
            "detected_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        log.warning("alert %s", json.dumps(payload))
        if self.url:
            try:
                self._queue.put_nowait(payload)
            except queue.Full:
                log.error("alert queue full; dropped %s for %s", alert.alert, alert.feature)

    def _deliver_forever(self) -> None:
        while True:
            self._deliver(self._queue.get())

    def _deliver(self, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(
                str(self.url), data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s):
                    self.sent += 1
                    return
            except (urllib.error.URLError, OSError) as error:
                log.error("alert delivery attempt %d failed: %s", attempt, error)
                time.sleep(0.2 * attempt)
