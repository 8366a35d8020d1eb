"""A workflow step counts with the project scripts it calls (read as text, one level deep)."""

from __future__ import annotations

from harness.check.workflows import with_called_scripts

PROJECT = {
    "ci/check.sh": b"python train.py --out a\npython train.py --out b\ncmp a/model.joblib b/model.joblib\n",
    "Makefile": b"repro:\n\tpython check_reproducible.py\n",
    "check_reproducible.py": b"import filecmp\n",
    "requirements.txt": b"numpy==2.4.6\n",
    "../outside.sh": b"cmp\n",
}


def _read(path: str) -> bytes | None:
    return PROJECT.get(path)


def test_a_called_script_counts_as_what_the_step_runs() -> None:
    text = with_called_scripts('bash ./ci/check.sh "$RUNNER_TEMP/x"', _read)
    assert "cmp a/model.joblib" in text and "python train.py" in text


def test_make_brings_the_makefile_and_python_brings_its_script() -> None:
    assert "check_reproducible.py" in with_called_scripts("make repro", _read)
    assert "import filecmp" in with_called_scripts("python check_reproducible.py --config config.yaml", _read)


def test_only_scripts_inside_the_project_are_read() -> None:
    commands = "pip install -r requirements.txt && sh ../outside.sh && python /etc/passwd"
    assert with_called_scripts(commands, _read) == commands
