"""The image: builds offline, runs unprivileged, pinned, and healthy by its own health check.

The rubric counts these only when the image serves the production model (`requires:
[golden_predictions]`), so valid files around an image that serves nothing earn nothing.
"""

from __future__ import annotations

from conftest import DefaultRun
from contract import require
from dockerfile import base_image_problems

from harness.grading import CandidateBuild, Grading, expect_none, read_requirements


def test_image_builds(image: CandidateBuild) -> None:
    require(image)


def test_runs_as_non_root(image: CandidateBuild) -> None:
    require(image)
    assert image.uid is not None, "could not run `id -u` in the image to learn its user"
    assert image.uid != 0, "the image runs as root; add a user and switch to it with USER"


def test_pinned_build(grading: Grading) -> None:
    dockerfile = grading.submission_file("Dockerfile")
    assert dockerfile is not None, "there is no Dockerfile at the project root"
    expect_none(base_image_problems(dockerfile.decode("utf-8", "replace")))
    locks = grading.submission_glob("requirements*.txt")
    assert locks, "there is no requirements.txt to pin the image's packages"
    for lock in locks:
        loose = read_requirements((grading.submission_file(lock) or b"").decode("utf-8", "replace")).loose
        assert not loose, f"{lock} does not pin {', '.join(loose[:4])} (write name==version)"


def test_container_healthy(grading: Grading, image: CandidateBuild, default_run: DefaultRun | None) -> None:
    require(image)
    assert default_run is not None
    assert default_run.health is not None, "the image has no HEALTHCHECK, so the platform cannot tell it is healthy"
    waited = grading.params["healthy_timeout_s"]
    assert default_run.health == "healthy", (
        f"the image's HEALTHCHECK still said '{default_run.health}' {waited}s after the service answered a prediction"
    )
    assert default_run.health_unserved != "healthy", (
        "the image's HEALTHCHECK also said healthy in a container of the image where no service ran (its command "
        "replaced by `sleep`): it does not check that the service answers"
    )
