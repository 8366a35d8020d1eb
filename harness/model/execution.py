"""How candidate code runs: the limits it runs under, what one command did, how an image build went."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from harness.model.flags import FlagKind


class Limits(BaseModel):
    """Resource limits for every candidate process of an exercise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_s: float = Field(default=120, gt=0)
    memory_mb: int = Field(default=2048, ge=64)
    pids: int = Field(default=256, ge=8)
    cpus: float = Field(default=1.0, gt=0)
    output_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    file_size_mb: int = Field(default=512, ge=1)


@dataclass(frozen=True)
class ExecResult:
    """What one command did. Limit hits are facts here; the grader decides what they cost."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    output_truncated: bool = False
    killed_by_signal: int | None = None
    #: The limits it evidently hit, as the flags they raise.
    limit_events: tuple[FlagKind, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class CandidateBuild(BaseModel):
    """How the candidate's image build went; `detail` says why it failed, or ends the build log."""

    ok: bool
    image: str | None = None
    #: `id -u` of the image's configured user (None when it could not be run).
    uid: int | None = None
    #: The image's own command: its entrypoint followed by its cmd.
    command: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    detail: str = ""


class BackendOptions(BaseModel):
    """What the pipeline prepared for a backend before the checks start."""

    #: Labels everything one grading creates, so it can all be found and removed afterwards.
    session: str
    #: The exercise image (docker backend).
    image: str | None = None
    #: The candidate's own image, for exercises that build one (docker backend).
    candidate: CandidateBuild | None = None
