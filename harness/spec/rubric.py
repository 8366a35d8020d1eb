"""Rubric schema (`rubrics/<id>.yaml`): checks, manual items, maturity requirements."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import ContentError
from harness.model.criteria import Criterion
from harness.spec import yamlfile

CheckId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
TEST_PREFIX = "test_"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Feedback(Strict):
    passed: str = Field(min_length=1)
    failed: str = Field(min_length=1)


class CheckSpec(Strict):
    id: CheckId
    criterion: Criterion
    points: float = Field(gt=0)
    title: str = Field(min_length=1)
    feedback: Feedback
    #: Checks that must pass for this one's points to count; it is not run when one of them did not pass.
    requires: list[CheckId] = Field(default_factory=list)


class Cap(Strict):
    """The total stays at most `max_percent` unless every check in `unless` passes (and counts)."""

    unless: list[CheckId] = Field(min_length=1)
    max_percent: float = Field(ge=0, lt=100)
    reason: str = Field(min_length=1)


class ManualItem(Strict):
    """An item an interviewer scores 0-3, each level anchored to observable behaviour."""

    id: CheckId
    criterion: Criterion
    title: str = Field(min_length=1)
    anchors: dict[int, str]

    @model_validator(mode="after")
    def _four_anchors(self) -> ManualItem:
        if sorted(self.anchors) != [0, 1, 2, 3]:
            raise ValueError("anchors must describe exactly the levels 0, 1, 2 and 3")
        return self


class Hint(Strict):
    """A hint an interviewer may release in a live session; releasing it costs `cost` points of the
    automatic total (0: free, such as a nudge on how to run the checks)."""

    id: CheckId
    text: str = Field(min_length=1)
    cost: float = Field(default=0.0, ge=0)


class Rubric(Strict):
    exercise: str
    checks: list[CheckSpec] = Field(min_length=1)
    manual: list[ManualItem] = Field(default_factory=list)
    maturity: dict[int, list[CheckId]] = Field(default_factory=dict)
    caps: list[Cap] = Field(default_factory=list)
    hints: list[Hint] = Field(default_factory=list)
    #: In a live session, the share (percent) of the final score the manual items carry; the
    #: automatic total carries the rest. Take-home and batch gradings have no manual scores.
    manual_weight_percent: float = Field(default=0.0, ge=0, le=100)

    @model_validator(mode="after")
    def _weight_needs_items(self) -> Rubric:
        if self.manual_weight_percent and not self.manual:
            raise ValueError("manual_weight_percent needs manual items to weigh")
        return self

    @property
    def max_points(self) -> float:
        return sum(check.points for check in self.checks)

    def check(self, check_id: str) -> CheckSpec:
        return next(c for c in self.checks if c.id == check_id)

    @property
    def requires(self) -> dict[str, list[str]]:
        """Each check's prerequisites (checks without any are left out)."""
        return {c.id: list(c.requires) for c in self.checks if c.requires}


def _hint(error: dict[str, Any]) -> str | None:
    loc = error["loc"]
    if "criterion" in loc:
        return f"use one of: {', '.join(c.value for c in Criterion)}."
    if "points" in loc:
        return "give every check a positive number of points."
    if loc and loc[-1] == "id":
        return "use lower-case letters, digits and underscores, starting with a letter."
    return None


def grader_tests(graders_dir: Path) -> dict[str, Path]:
    """Check ids defined by the hidden grader modules: `def test_<id>` at module level."""
    found: dict[str, Path] = {}
    for module in sorted(graders_dir.glob("test_*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"), filename=str(module))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith(TEST_PREFIX):
                check_id = node.name.removeprefix(TEST_PREFIX)
                if check_id in found:
                    raise ContentError(
                        f"{module}:{node.lineno}: test_{check_id} is also defined in {found[check_id]}; "
                        "give each grader test a unique name."
                    )
                found[check_id] = module
    return found


def load_rubric(path: Path, exercise_id: str, graders_dir: Path) -> Rubric:
    """Load and cross-check a rubric against the exercise id and its grader tests."""
    rubric = yamlfile.load_model(path, Rubric, _hint)
    if rubric.exercise != exercise_id:
        raise yamlfile.error_at(path, ["exercise"], f"rubric is for '{rubric.exercise}'; set exercise: {exercise_id}.")
    tests = grader_tests(graders_dir)
    for index, check in enumerate(rubric.checks):
        if check.id not in tests:
            raise yamlfile.error_at(
                path,
                ["checks", index, "id"],
                f"check '{check.id}' has no grader test; add `def test_{check.id}` to a test_*.py "
                f"in {graders_dir} or remove the check.",
            )
    ids = [check.id for check in rubric.checks]
    for index, check_id in enumerate(ids):
        if check_id in ids[:index]:
            raise yamlfile.error_at(
                path, ["checks", index, "id"], f"check id '{check_id}' is repeated; make ids unique."
            )
    for level, required in rubric.maturity.items():
        if level not in range(2, 6):
            raise yamlfile.error_at(path, ["maturity", level], f"maturity level {level} is not one of 2, 3, 4, 5.")
        unknown = sorted(set(required) - set(ids))
        if unknown:
            raise yamlfile.error_at(
                path,
                ["maturity", level],
                f"maturity level {level} names unknown checks: {', '.join(unknown)}; use ids from `checks`.",
            )
    _check_requires(path, rubric)
    for field, entries in (("manual", [item.id for item in rubric.manual]), ("hints", [h.id for h in rubric.hints])):
        for index, entry_id in enumerate(entries):
            if entry_id in entries[:index]:
                raise yamlfile.error_at(path, [field, index, "id"], f"id '{entry_id}' is repeated; make ids unique.")
    for index, cap in enumerate(rubric.caps):
        unknown = sorted(set(cap.unless) - set(ids))
        if unknown:
            raise yamlfile.error_at(
                path,
                ["caps", index, "unless"],
                f"cap names unknown checks: {', '.join(unknown)}; use ids from `checks`.",
            )
    unscored = sorted(set(tests) - set(ids))
    if unscored:
        raise yamlfile.error_at(
            path,
            ["checks"],
            f"grader tests without a rubric entry: {', '.join(unscored)}; add a check for each.",
        )
    return rubric


def _check_requires(path: Path, rubric: Rubric) -> None:
    """Prerequisites name other existing checks and never form a cycle."""
    ids = {check.id for check in rubric.checks}
    for index, check in enumerate(rubric.checks):
        unknown = sorted(set(check.requires) - ids)
        if unknown:
            raise yamlfile.error_at(
                path,
                ["checks", index, "requires"],
                f"check '{check.id}' requires unknown checks: {', '.join(unknown)}; use ids from `checks`.",
            )
        if check.id in check.requires:
            raise yamlfile.error_at(
                path, ["checks", index, "requires"], f"check '{check.id}' requires itself; remove it from requires."
            )
    requires = rubric.requires
    for index, check in enumerate(rubric.checks):
        if cycle := _cycle_from(check.id, requires):
            raise yamlfile.error_at(
                path,
                ["checks", index, "requires"],
                f"prerequisites form a cycle: {' -> '.join(cycle)}; break it so some check comes first.",
            )


def _cycle_from(start: str, requires: dict[str, list[str]]) -> list[str]:
    """A chain of prerequisites leading from `start` back to it, or [] if there is none."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, chain = stack.pop()
        for needed in requires.get(node, []):
            if needed == start:
                return [*chain, start]
            if needed not in seen:
                seen.add(needed)
                stack.append((needed, [*chain, needed]))
    return []


def prerequisite_order(check_ids: list[str], requires: dict[str, list[str]]) -> list[str]:
    """`check_ids` in their given order, except that every check comes after its prerequisites."""
    placed: list[str] = []
    done: set[str] = set()

    def place(check_id: str) -> None:
        if check_id in done:
            return
        done.add(check_id)
        for needed in requires.get(check_id, []):
            if needed in check_ids:
                place(needed)
        placed.append(check_id)

    for check_id in check_ids:
        place(check_id)
    return placed
