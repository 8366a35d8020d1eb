"""Public self-checks for unreproducible-run: a weaker subset of the hidden checks, with hints.

Passing these does not guarantee full marks; failing one means a hidden check fails too.
"""

from __future__ import annotations

import hashlib

import yaml

from harness.grading import Grading, last_line, read_requirements

TRAIN = ["python", "train.py", "--config", "config.yaml", "--out"]


def test_trains_from_the_entry_point(grading: Grading) -> None:
    sandbox = grading.sandbox("public-train")
    result = sandbox.exec([*TRAIN, "out"], timeout_s=180)
    hint = last_line(result)
    assert result.ok, f"`python train.py --config config.yaml --out out` failed: {hint}"
    for name in ("model.joblib", "metrics.json", "run.json"):
        assert sandbox.exists(f"out/{name}"), f"training must write out/{name}"


def test_same_folder_twice_gives_same_model(grading: Grading) -> None:
    sandbox = grading.sandbox("public-twice")
    digests = []
    for out, hash_seed in (("out-a", "1"), ("out-b", "2")):
        result = sandbox.exec([*TRAIN, out], env={"PYTHONHASHSEED": hash_seed}, timeout_s=180)
        assert result.ok, "training failed; fix `test_trains_from_the_entry_point` first"
        digests.append(hashlib.sha256(sandbox.read_file(f"{out}/model.joblib", 256 * 1024 * 1024)).hexdigest())
    assert digests[0] == digests[1], (
        "two runs in the same folder gave different models: look for unseeded randomness and set ordering "
        "(the hidden checks also vary the folder, time zone and clock)"
    )


def test_config_names_seed_and_data_hash(grading: Grading) -> None:
    raw = grading.submission_file("config.yaml")
    assert raw is not None, "add config.yaml with `seed`, `data.path` and `data.sha256`"
    config = yaml.safe_load(raw)
    assert isinstance(config, dict) and isinstance(config.get("seed"), int), "config.yaml needs an integer `seed`"
    data = config.get("data")
    assert isinstance(data, dict) and {"path", "sha256"} <= set(data), "config.yaml needs data.path and data.sha256"


def test_requirements_look_pinned(grading: Grading) -> None:
    raw = grading.submission_file("requirements.txt")
    assert raw is not None, "requirements.txt is missing"
    loose = read_requirements(raw.decode("utf-8", "replace")).loose
    assert not loose, f"pin these to one version with ==: {', '.join(loose[:5])}"
