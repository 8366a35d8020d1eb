"""Exercise schema (`exercises/<id>/exercise.yaml`) and variant schema (`variants/<name>/variant.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.model.criteria import Criterion
from harness.model.execution import Limits
from harness.spec import yamlfile

BackendName = Literal["local", "docker"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CandidateImage(Strict):
    """The exercise builds the candidate's own image from their Dockerfile (docker backend only)."""

    dockerfile: str = "Dockerfile"
    timeout_s: float = Field(default=300, gt=0)
    memory_mb: int = Field(default=2048, ge=256)


class LevelRange(Strict):
    start: int = Field(alias="from", ge=1, le=5)
    end: int = Field(alias="to", ge=1, le=5)


class ExerciseSpec(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: str
    minutes: int = Field(gt=0)
    level: LevelRange
    criteria: list[Criterion] = Field(min_length=1)
    backends: list[BackendName] = Field(min_length=1)
    authoritative_backend: BackendName
    entry_points: list[str] = Field(min_length=1)
    starter_max_percent: float = Field(default=20, ge=0, le=100)
    #: Starter files the candidate must not change (compared by content, flagged when changed).
    protected: list[str] = Field(default_factory=list)
    grading_timeout_s: float = Field(default=900, gt=0)
    limits: Limits = Limits()
    candidate_image: CandidateImage | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _authoritative_is_supported(self) -> ExerciseSpec:
        if self.authoritative_backend not in self.backends:
            raise ValueError("authoritative_backend must be one of the listed backends")
        return self


class Expectation(Strict):
    min_percent: float = Field(ge=0, le=100)
    max_percent: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Expectation:
        if self.min_percent > self.max_percent:
            raise ValueError("min_percent must not exceed max_percent")
        return self

    def holds(self, percent: float) -> bool:
        return self.min_percent <= percent <= self.max_percent


class VariantSpec(Strict):
    """A known submission: a base (starter or solution), files laid over it, files removed."""

    title: str
    description: str
    base: Literal["starter", "solution"]
    expect: Expectation
    delete: list[str] = Field(default_factory=list)


def load_exercise(path: Path) -> ExerciseSpec:
    spec = yamlfile.load_model(path, ExerciseSpec)
    if spec.id != path.parent.name:
        raise yamlfile.error_at(path, ["id"], f"id must match the folder name; set id: {path.parent.name}.")
    return spec


def load_variant(path: Path) -> VariantSpec:
    return yamlfile.load_model(path, VariantSpec)
