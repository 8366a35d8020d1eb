"""Loads the model artifact in the background and knows which one is live."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from dataclasses import dataclass
from typing import Any

import joblib

from settings import Settings

log = logging.getLogger("churn.model")


@dataclass(frozen=True)
class LoadedModel:
    estimator: Any
    version: str
    sha256: str


class ModelStore:
    """Not ready until the artifact at MODEL_PATH is loaded; keeps retrying while it is missing."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._model: LoadedModel | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._load_until_ready, name="model-loader", daemon=True)

    def load_now(self) -> None:
        data = self._settings.model_path.read_bytes()
        self._model = LoadedModel(
            joblib.load(io.BytesIO(data)), self._settings.model_version, hashlib.sha256(data).hexdigest()
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    @property
    def model(self) -> LoadedModel | None:
        return self._model

    def _load_until_ready(self) -> None:
        path = self._settings.model_path
        while not self._stop.is_set():
            try:
                data = path.read_bytes()
                estimator = joblib.load(io.BytesIO(data))
            except Exception as exc:  # a missing or unreadable artifact: stay unready, try again
                log.error("model %s not loaded (%s); retrying in %ss", path, exc, self._settings.retry_load_s)
                self._stop.wait(self._settings.retry_load_s)
                continue
            digest = hashlib.sha256(data).hexdigest()
            self._model = LoadedModel(estimator, self._settings.model_version, digest)
            log.info("model %s loaded: version %s, sha256 %s", path, self._settings.model_version, digest)
            return
