"""Deploy v1, deploy v2, roll back; then re-deploy the live version and roll back again.

The rubric counts idempotence only after deploy and rollback work (`requires:
[deploy_and_rollback]`): its proof is that a rollback after the re-deploy still returns to v1.
"""

from __future__ import annotations

from contract import require
from deploying import PLAN, ROLLBACK_STEPS, DeployRun

from harness.grading import CandidateBuild, expect_none


def test_deploy_and_rollback(image: CandidateBuild, deploy_run: DeployRun | None) -> None:
    require(image)
    assert deploy_run is not None
    expect_none(deploy_run.problems(ROLLBACK_STEPS))


def test_deploy_idempotent(image: CandidateBuild, deploy_run: DeployRun | None) -> None:
    require(image)
    assert deploy_run is not None
    problems = deploy_run.problems(len(PLAN))
    expect_none([f"deploying the live version again was not a no-op: {problem}" for problem in problems])
