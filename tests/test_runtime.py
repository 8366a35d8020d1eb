"""Exercise runtimes (harness/runtime.py): the engine pins none of an exercise's packages; each
exercise's runtime is made once from its lock, reused, and kept apart from the engine."""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.metadata
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from harness import exercise as exercise_mod
from harness.build.wheelhouse import read_lock
from harness.errors import InfrastructureError
from harness.model.execution import BackendOptions, Limits
from harness.runtime import (
    ENGINE_PATH_ENV,
    GRADER_REQUIREMENTS,
    LOCK_FILE,
    RUNTIME_PYTHON_ENV,
    RUNTIMES_ENV,
    engine_path,
    ensure_runtime,
    requirement_files,
    runtime_key,
    runtime_python,
)
from harness.sandbox import get_backend

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
EXERCISES = sorted(p for p in (REPO / "exercises").iterdir() if (p / "exercise.yaml").is_file())
#: What an exercise's runtime holds and the engine must not pull in.
RUNTIME_ONLY = {
    "numpy", "pandas", "scikit-learn", "scipy", "joblib", "fastapi", "uvicorn", "prometheus-client",
    "httpx", "nbclient", "nbformat", "ipykernel", "kubernetes-validate",
}  # fmt: skip
#: What the check process imports from the engine when a runtime lacks it: harness and its dependencies.
ENGINE_SIDE = {"harness", "_pytest"}


def _names(requirements: list[str]) -> dict[str, Requirement]:
    parsed = (Requirement(line) for line in requirements)
    return {canonicalize_name(r.name): r for r in parsed}


def _runtime_pins(exercise_dir: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for path in requirement_files(exercise_dir):
        pins |= read_lock(path)
    return pins


# -- what the engine declares ------------------------------------------------------------------------


def test_engine_dependencies_pin_nothing_of_a_runtime() -> None:
    dependencies = _names(PYPROJECT["project"]["dependencies"])
    assert not set(dependencies) & RUNTIME_ONLY
    exact = [str(r) for r in dependencies.values() if any(s.operator == "==" for s in r.specifier)]
    assert exact == [], "the engine's dependencies are floors; exact versions belong to an exercise's lock"


def test_dev_extra_pins_agree_with_the_locks() -> None:
    """tests/grader_helpers import grader modules in the test process: the dev extra's copies of the
    graders' libraries must be the versions the runtimes hold."""
    runtime: dict[str, set[str]] = {}
    for folder in EXERCISES:
        for name, version in _runtime_pins(folder).items():
            runtime.setdefault(name, set()).add(version)
    for name, requirement in _names(PYPROJECT["project"]["optional-dependencies"]["dev"]).items():
        pinned = [s.version for s in requirement.specifier if s.operator == "=="]
        if pinned:
            assert name in runtime, f"dev pins {name}, which no exercise's runtime holds"
            assert runtime[name] == {pinned[0]}, f"dev pins {name}=={pinned[0]}, the locks {sorted(runtime[name])}"


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_grader_requirements_add_to_the_lock_without_contradicting_it(folder: Path) -> None:
    extra = folder / GRADER_REQUIREMENTS
    if not extra.is_file():
        pytest.skip(f"{folder.name} declares no grader requirements")
    lock = read_lock(folder / LOCK_FILE)
    added = read_lock(extra)  # every line name==version, or ContentError
    assert added and not set(added) & set(lock), "list only what the lock lacks"


def _third_party_imports(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m != "__future__"}


@pytest.mark.parametrize("folder", EXERCISES, ids=lambda p: p.name)
def test_every_package_a_grader_imports_is_in_its_runtime(folder: Path) -> None:
    graders = REPO / "graders" / folder.name
    # The graders' own modules, and the kit's exercise files a reference service imports in a sandbox.
    local = {p.stem for p in [*graders.rglob("*.py"), *folder.rglob("*.py")]}
    distributions = importlib.metadata.packages_distributions()
    pins = set(_runtime_pins(folder)) | set(_names(PYPROJECT["project"]["dependencies"]))
    missing = []
    for source in sorted([*graders.rglob("*.py"), *(folder / "checks").glob("*.py")]):
        for module in sorted(_third_party_imports(source) - local - ENGINE_SIDE):
            names = {canonicalize_name(d) for d in distributions.get(module, [])}
            if not names & pins:
                missing.append(f"{source.relative_to(REPO)} imports {module}")
    assert missing == [], f"declare these in exercises/{folder.name}/{GRADER_REQUIREMENTS} (or the lock)"


# -- keys and the engine's side ------------------------------------------------------------------------


def test_key_follows_the_lock_files(tmp_path: Path) -> None:
    lock, extra = tmp_path / "lock.txt", tmp_path / GRADER_REQUIREMENTS
    lock.write_text("a==1\n")
    extra.write_text("b==2\n")
    first = runtime_key([lock])
    assert runtime_key([lock]) == first
    assert runtime_key([lock, extra]) != first
    lock.write_text("a==1.1\n")
    assert runtime_key([lock]) != first


def test_an_exercise_declaring_no_packages_runs_on_this_interpreter(toy_root: Path) -> None:
    assert runtime_python(exercise_mod.load("toy")) == Path(sys.executable)


def test_engine_path_names_where_harness_is() -> None:
    folders = engine_path().split(os.pathsep)
    assert folders[0] == str(REPO) or (Path(folders[0]) / "harness").is_dir()


# -- building runtimes (offline, from wheels made here) --------------------------------------------------


def make_wheel(folder: Path, name: str, version: str) -> Path:
    """A minimal pure-Python wheel: package `name` with VERSION = version."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def runtimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runtimes"
    monkeypatch.setenv(RUNTIMES_ENV, str(folder))
    return folder


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    for version in ("1.0", "2.0"):
        make_wheel(folder, "opsdrill_probe", version)
    return folder


def _lock(tmp_path: Path, text: str, name: str = "requirements.txt") -> Path:
    path = tmp_path / "locks" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _probe(python: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    program = "import sys, opsdrill_probe; print(opsdrill_probe.VERSION); import harness; print(harness.__file__)"
    return subprocess.run([str(python), "-I", "-c", program], capture_output=True, text=True, env=env, check=False)


@pytest.mark.slow
def test_runtime_is_built_once_then_reused(
    runtimes: Path, wheels: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = _lock(tmp_path, "opsdrill-probe==1.0\n")
    python = ensure_runtime("probe", [lock], wheelhouse=wheels)
    assert "preparing the probe runtime (first use" in capsys.readouterr().err
    assert python.parent.parent == runtimes / runtime_key([lock]) and python.parent.parent.is_symlink()
    target = python.parent.parent.resolve()
    again = ensure_runtime("probe", [lock], wheelhouse=wheels)
    assert again == python and python.parent.parent.resolve() == target
    assert capsys.readouterr().err == "", "a ready runtime is not rebuilt"
    other = ensure_runtime("probe", [_lock(tmp_path, "opsdrill-probe==2.0\n", "other.txt")], wheelhouse=wheels)
    assert other != python
    assert _probe(other, {ENGINE_PATH_ENV: engine_path()}).stdout.splitlines()[0] == "2.0"
    assert _probe(python, {ENGINE_PATH_ENV: engine_path()}).stdout.splitlines()[0] == "1.0"


@pytest.mark.slow
def test_check_process_sees_the_engine_after_the_runtime(runtimes: Path, wheels: Path, tmp_path: Path) -> None:
    python = ensure_runtime("probe", [_lock(tmp_path, "opsdrill-probe==1.0\n")], wheelhouse=wheels)
    seen = _probe(python, {ENGINE_PATH_ENV: engine_path()})
    assert seen.returncode == 0, seen.stderr
    assert Path(seen.stdout.splitlines()[1]).parent.parent == Path(engine_path().split(os.pathsep)[0])
    order = subprocess.run(
        [str(python), "-I", "-c", "import sys; print('\\n'.join(sys.path))"],
        capture_output=True, text=True, env={ENGINE_PATH_ENV: engine_path()}, check=True,
    ).stdout.splitlines()  # fmt: skip
    own = next(i for i, p in enumerate(order) if p.startswith(str(runtimes)))
    assert all(order.index(p) > own for p in engine_path().split(os.pathsep) if p in order)
    # Without the variable (a candidate's command), only the runtime's packages are there.
    alone = _probe(python, {})
    assert "No module named 'harness'" in alone.stderr


@pytest.mark.slow
def test_two_processes_asking_at_once_build_one_runtime(runtimes: Path, wheels: Path, tmp_path: Path) -> None:
    lock = _lock(tmp_path, "opsdrill-probe==1.0\n")
    program = (
        "import sys; from pathlib import Path; from harness.runtime import ensure_runtime; "
        "print(ensure_runtime('probe', [Path(sys.argv[1])], wheelhouse=Path(sys.argv[2])))"
    )
    env = os.environ | {RUNTIMES_ENV: str(runtimes)}
    argv = [sys.executable, "-c", program, str(lock), str(wheels)]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in "ab"]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), outputs
    assert len({out.strip() for out, _err in outputs}) == 1
    assert sum("preparing the probe runtime (first use" in err for _out, err in outputs) == 1
    assert len(list(runtimes.glob(f"{runtime_key([lock])}-*"))) == 1


@pytest.mark.slow
def test_failed_or_killed_build_never_looks_ready(
    runtimes: Path, wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = _lock(tmp_path, "opsdrill-probe==3.0\n")  # not in the wheelhouse, and no index
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    with pytest.raises(InfrastructureError, match="could not install its packages"):
        ensure_runtime("probe", [lock], wheelhouse=wheels)
    key = runtime_key([lock])
    assert not (runtimes / key).exists() and not list(runtimes.glob(f"{key}-*"))
    # A build killed half-way leaves an environment no link points to: the next build removes it.
    lock.write_text("opsdrill-probe==1.0\n")
    key = runtime_key([lock])
    (runtimes / f"{key}-killed" / "bin").mkdir(parents=True)
    python = ensure_runtime("probe", [lock], wheelhouse=wheels)
    assert not (runtimes / f"{key}-killed").exists()
    assert _probe(python, {ENGINE_PATH_ENV: engine_path()}).returncode == 0


@pytest.mark.slow
def test_local_sandbox_runs_candidates_on_the_runtime(
    runtimes: Path, wheels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = ensure_runtime("probe", [_lock(tmp_path, "opsdrill-probe==1.0\n")], wheelhouse=wheels)
    monkeypatch.setenv(RUNTIME_PYTHON_ENV, str(python))
    monkeypatch.setenv(ENGINE_PATH_ENV, engine_path())  # the check process has it; candidates do not
    source = tmp_path / "submission"
    source.mkdir()
    limits = Limits(wall_s=60, memory_mb=1024, pids=64, output_bytes=65536, file_size_mb=8)
    with get_backend("local", BackendOptions(session="test")).create(str(source), limits=limits, label="rt") as box:
        ran = box.exec(["python", "-c", "import sys, opsdrill_probe; print(sys.executable)"])
        assert ran.ok and ran.stdout.strip() == str(python), ran.stderr
        engine_only = box.exec(["python", "-c", "import typer"])
        assert not engine_only.ok and "No module named 'typer'" in engine_only.stderr
