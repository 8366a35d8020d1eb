"""harness.build.wheelhouse: the wheels an image lock asks for, picked by name and exact version."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.build.wheelhouse import WHEELHOUSE_ENV, read_lock, select_wheels, wheelhouse_dir
from harness.errors import ContentError, InfrastructureError

LOCK = "# runtime\nnumpy==2.4.6\nscikit-learn==1.9.1  # the model\n\nTyping_Extensions==4.16.0\n"
WHEELS = [
    "numpy-2.4.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "scikit_learn-1.9.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "scikit_learn-1.9.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "typing_extensions-4.16.0-py3-none-any.whl",
    "typing_extensions-4.15.0-py3-none-any.whl",
    "pandas-3.1.1-cp311-cp311-manylinux_2_17_x86_64.whl",
    "not-a-wheel.whl",
]


def _house(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "wheelhouse"
    folder.mkdir()
    for name in names:
        (folder / name).write_bytes(b"PK")
    return folder


def _lock(tmp_path: Path, text: str = LOCK) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_lock_gives_canonical_names_and_versions(tmp_path: Path) -> None:
    assert read_lock(_lock(tmp_path)) == {"numpy": "2.4.6", "scikit-learn": "1.9.1", "typing-extensions": "4.16.0"}


@pytest.mark.parametrize("line", ["numpy>=2", "numpy", "numpy==2.4.6,!=2.4.5", "numpy===2.4.6", "numpy = 2"])
def test_read_lock_refuses_anything_but_name_equals_version(tmp_path: Path, line: str) -> None:
    with pytest.raises(ContentError, match=r"requirements\.txt:2: "):
        read_lock(_lock(tmp_path, f"scipy==1.17.1\n{line}\n"))


def test_select_wheels_picks_the_locked_version_of_each_package(tmp_path: Path) -> None:
    folder = _house(tmp_path, WHEELS)
    assert [p.name for p in select_wheels(_lock(tmp_path), folder)] == [
        "numpy-2.4.6-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "scikit_learn-1.9.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "typing_extensions-4.16.0-py3-none-any.whl",
    ]


def test_select_wheels_names_what_is_missing(tmp_path: Path) -> None:
    folder = _house(tmp_path, [w for w in WHEELS if not w.startswith(("numpy-2.4.6", "typing_extensions-4.16"))])
    with pytest.raises(InfrastructureError, match=r"lacks numpy==2\.4\.6, typing-extensions==4\.16\.0;"):
        select_wheels(_lock(tmp_path), folder)


def test_select_wheels_shortens_a_long_missing_list(tmp_path: Path) -> None:
    lock = _lock(tmp_path, "".join(f"pkg{i}==1.0\n" for i in range(6)))
    with pytest.raises(InfrastructureError, match=r"lacks pkg0==1\.0, pkg1==1\.0, pkg2==1\.0, pkg3==1\.0 and 2 more"):
        select_wheels(lock, _house(tmp_path, []))


def test_a_missing_wheelhouse_folder_means_every_wheel_is_missing(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match=r"scikit-learn==1\.9\.1"):
        select_wheels(_lock(tmp_path), tmp_path / "nowhere")


def test_the_wheelhouse_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WHEELHOUSE_ENV, str(tmp_path))
    assert wheelhouse_dir() == tmp_path
    monkeypatch.delenv(WHEELHOUSE_ENV)
    assert wheelhouse_dir() == Path.home() / ".cache" / "opsdrill" / "wheelhouse"


def test_a_lock_version_matches_its_normalised_wheel(tmp_path: Path) -> None:
    folder = _house(tmp_path, ["joblib-1.6.0-py3-none-any.whl"])
    assert [p.name for p in select_wheels(_lock(tmp_path, "joblib==1.6\n"), folder)] == [
        "joblib-1.6.0-py3-none-any.whl"
    ]
