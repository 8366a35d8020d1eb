"""The manifest `opsdrill submit` packs with a submission: what was packed, for which exercise."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

#: Its name at the root of a packed submission.
MANIFEST_NAME = ".opsdrill-manifest.json"


class LeftOut(BaseModel):
    """A file or folder of the project that was not packed, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str
    reason: str


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal[1] = 1
    exercise: str
    exercise_version: str
    kit_version: str
    #: When it was packed (ISO 8601, UTC).
    packed_at: str
    #: Every packed file by its path in the project (`/`-separated): the sha256 of its bytes.
    files: dict[str, str]
    left_out: list[LeftOut] = []
