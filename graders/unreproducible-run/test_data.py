"""The data is pinned by content, and the model is as good as the reference's."""

from __future__ import annotations

import re

from runs import ARTIFACT, MAX_DATA, TrainingRun, data_path, read_config, train

from harness.grading import Grading, Sandbox

MISMATCH_WORDS = re.compile(r"sha-?256|hash|checksum|digest|mismatch", re.IGNORECASE)


def _altered(content: bytes) -> bytes:
    """The same CSV with one digit changed in the middle: still valid, different bytes."""
    middle = len(content) // 2
    for index in range(middle, len(content)):
        if chr(content[index]).isdigit():
            digit = content[index] - ord("0")
            return content[:index] + str((digit + 1) % 10).encode() + content[index + 1 :]
    raise AssertionError("the data file has no digits to alter")


def test_data_hash_enforced(grading: Grading, first_run: TrainingRun) -> None:
    path = data_path(read_config(first_run.sandbox))
    assert path, "config.yaml must name the training data under data.path"

    def tamper(sandbox: Sandbox) -> None:
        sandbox.write_file(path, _altered(sandbox.read_file(path, MAX_DATA)))

    tampered = train(grading, "tampered-data", {"PYTHONHASHSEED": "11", "TZ": "UTC"}, tamper)
    assert not tampered.result.timed_out, "training on altered data did not finish in time"
    assert tampered.result.exit_code != 0, "training on altered data succeeded; it must refuse data whose hash differs"
    assert not tampered.sandbox.exists(ARTIFACT), "training on altered data still wrote a model"
    assert MISMATCH_WORDS.search(tampered.result.output), (
        "training on altered data failed without saying the data hash does not match"
    )


def _assert_auc_floor(grading: Grading, auc: float | str, margin_param: str, cause: str) -> None:
    assert isinstance(auc, float), auc
    reference, margin = float(grading.params["reference_auc"]), float(grading.params[margin_param])
    assert auc >= reference - margin, (
        f"{cause}: holdout ROC AUC {auc:.3f} is below {reference - margin:.3f} "
        f"(the reference's {reference:.3f} minus {margin:.3f})"
    )


def test_model_is_useful(grading: Grading, first_run_auc: float | str) -> None:
    _assert_auc_floor(grading, first_run_auc, "useful_auc_margin", "the model lost much of the reference's skill")


def test_quality_preserved(grading: Grading, first_run_auc: float | str) -> None:
    _assert_auc_floor(grading, first_run_auc, "auc_margin", "the model ranks churners worse than the reference")
