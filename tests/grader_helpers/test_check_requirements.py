"""harness.check.requirements: one reading of "pinned" for every check that asks."""

from __future__ import annotations

import pytest

from harness.check.requirements import Requirements, read_requirements

HASHED = """\
joblib==1.6.0 \\
    --hash=sha256:0123456789abcdef \\
    --hash=sha256:fedcba9876543210
numpy==2.4.6 --hash=sha256:00ff
"""


def test_exact_pins_are_pinned_under_canonical_names() -> None:
    found = read_requirements(
        "NumPy==2.4.6\nscikit_learn===1.9.1\nuvicorn[standard]==0.54.0 ; python_version >= '3.11'\n"
    )
    assert found == Requirements(pinned={"numpy": "2.4.6", "scikit-learn": "1.9.1", "uvicorn": "0.54.0"}, loose=[])


def test_comments_blank_lines_and_option_lines_pin_nothing_and_are_not_loose() -> None:
    text = (
        "# the service's runtime\n\n-r base.txt\n-c constraints.txt\n--index-url https://pypi.example/simple\n"
        "--find-links wheelhouse\nfastapi==0.165.0  # the web framework\n"
    )
    assert read_requirements(text) == Requirements(pinned={"fastapi": "0.165.0"}, loose=[])


def test_continuations_and_hash_options_are_read_through() -> None:
    assert read_requirements(HASHED) == Requirements(pinned={"joblib": "1.6.0", "numpy": "2.4.6"}, loose=[])


@pytest.mark.parametrize(
    "line",
    ["pandas>=2", "pandas>=2,<3", "fastapi~=0.165", "scipy==1.*", "httpx==0.28.1,!=0.28.0", "requests",
     "mylib @ https://example.com/mylib-1.0-py3-none-any.whl", "not a requirement!", "numpy==2.4.6#no-space"],
    ids=["minimum", "range", "compatible", "wildcard", "two-specifiers", "bare-name", "url", "unparseable",
         "comment-without-space"],
)  # fmt: skip
def test_anything_but_one_exact_version_is_loose_as_written(line: str) -> None:
    assert read_requirements(f"numpy==2.4.6\n{line}\n") == Requirements(pinned={"numpy": "2.4.6"}, loose=[line])


def test_a_later_pin_of_the_same_package_wins() -> None:
    assert read_requirements("numpy==2.4.5\nnumpy==2.4.6\n").pinned == {"numpy": "2.4.6"}


def test_missing_names_the_unpinned_packages_canonically_and_sorted() -> None:
    found = read_requirements("NumPy==2.4.6\nscikit-learn==1.9.1\npandas>=2\n")
    assert found.missing(["scikit_learn", "Pandas", "numpy", "PyYAML", "pyyaml"]) == ["pandas", "pyyaml"]
    assert found.missing([]) == []


def test_a_windows_line_ending_continuation_is_joined_too() -> None:
    assert read_requirements(HASHED.replace("\n", "\r\n")).loose == []
