"""Exercise runtimes: a Python environment per exercise, apart from the engine's own.

An exercise declares its runtime once, in its image's lock (`exercises/<id>/image/requirements.txt`,
every package pinned), and the packages only its graders import in `exercises/<id>/grader-requirements.txt`
(pinned the same way: what the lock does not already hold). The local backend runs candidate
commands with the runtime's interpreter, and the check process (pytest running the graders) runs
on it for every backend, so opsdrill itself pins none of an exercise's packages.

A runtime is a virtual environment under `~/.cache/opsdrill/runtimes/` (or `$OPSDRILL_RUNTIMES`),
named by a hash of the lock files and of the interpreter, made on first use from the wheelhouse
offline when it holds wheels (else from the package index):

- `<key>` is a symbolic link to the environment `<key>-<random>` and the only thing that says the
  runtime is ready. The environment is built at its final path (a virtual environment cannot be
  moved: its scripts name their interpreter by absolute path), then the link is made under a
  temporary name and renamed onto `<key>`, atomically. A killed build leaves an unlinked
  `<key>-<random>` that the next build removes, never a half environment that looks ready.
- Builds of one key hold an exclusive lock on `<key>.lock`: a second process asking at the same
  time waits, then finds the runtime ready.
- The check process imports `harness` (and pytest, pydantic, docker...) from the engine: the runtime
  has a `.pth` file that appends the folders named in `$OPSDRILL_ENGINE_PATH` (the engine's harness
  and site-packages, set by the check runner) AFTER the runtime's own site-packages, so the
  runtime's packages win. `python -I` ignores PYTHONPATH but still reads `.pth` files. Candidate
  commands do not get that variable, so they see the lock's packages only, as in the image; and the
  runtime does not depend on where the engine is installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import site
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import InfrastructureError

if TYPE_CHECKING:
    from harness.exercise import PublicExercise

RUNTIMES_ENV = "OPSDRILL_RUNTIMES"
#: Set by the check runner: folders (os.pathsep-separated) the runtime's `.pth` appends to sys.path.
ENGINE_PATH_ENV = "OPSDRILL_ENGINE_PATH"
#: Set by the check runner: the runtime interpreter the local backend puts first on candidates' PATH.
RUNTIME_PYTHON_ENV = "OPSDRILL_RUNTIME_PYTHON"
LOCK_FILE = Path("image") / "requirements.txt"
GRADER_REQUIREMENTS = "grader-requirements.txt"
#: Written last into a finished environment: what it was built from.
MARKER = "opsdrill-runtime.json"
#: Sorted after the other .pth files of the runtime, so the engine's folders come last on sys.path.
PTH_FILE = "zz_opsdrill_engine.pth"
PTH_LINE = (  # one line, run by `site` at start-up (no comprehension: its scope cannot see `site` there)
    "import os, site; "
    f"list(map(site.addsitedir, filter(None, os.environ.get('{ENGINE_PATH_ENV}', '').split(os.pathsep))))\n"
)
#: Bump when the layout of a runtime changes, so older ones are not reused.
FORMAT = "1"
PIP_TAIL_CHARS = 600


def runtimes_dir() -> Path:
    """`$OPSDRILL_RUNTIMES`, else ~/.cache/opsdrill/runtimes."""
    configured = os.environ.get(RUNTIMES_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "opsdrill" / "runtimes"


def requirement_files(exercise_dir: Path) -> list[Path]:
    """The files that declare an exercise's runtime: its image's lock, then its graders' packages."""
    return [path for path in (exercise_dir / LOCK_FILE, exercise_dir / GRADER_REQUIREMENTS) if path.is_file()]


def runtime_key(files: Sequence[Path]) -> str:
    """A hash of the requirement files' contents and of the interpreter the runtime is made from."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    digest.update(f"python {platform.python_implementation()} {platform.python_version()}\n".encode())
    digest.update(f"platform {sys.platform} {platform.machine()} {Path(sys.base_prefix).resolve()}\n".encode())
    for path in files:
        digest.update(f"file {path.name} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()[:20]


def engine_path() -> str:
    """The engine's folders the check process needs after the runtime's own: where `harness` is
    (a clone or an editable install), then the engine's site-packages."""
    folders = [str(Path(__file__).resolve().parent.parent), *site.getsitepackages()]
    user_site = site.getusersitepackages()
    if site.ENABLE_USER_SITE and user_site in sys.path:
        folders.append(user_site)
    return os.pathsep.join(dict.fromkeys(f for f in folders if Path(f).is_dir()))


def runtime_python(exercise: PublicExercise, *, wheelhouse: Path | None = None) -> Path:
    """The interpreter of the exercise's runtime, made on first use (see the module's doc).

    `wheelhouse`: a folder of wheels to install from offline (the check runner passes the kit's,
    `harness.build.wheelhouse.wheelhouse_dir()`); without wheels there, from the package index.
    An exercise that declares no packages (no lock, no grader requirements) runs on this interpreter.
    """
    files = requirement_files(exercise.paths.exercise_dir)
    if not files:
        return Path(sys.executable)
    return ensure_runtime(exercise.id, files, wheelhouse=wheelhouse)


def ensure_runtime(name: str, files: Sequence[Path], *, wheelhouse: Path | None = None) -> Path:
    """The python of the runtime installing `files` (requirements files, every line name==version)."""
    root = runtimes_dir()
    key = runtime_key(files)
    home = root / key
    python = home / "bin" / "python"
    if _ready(home):
        return python
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InfrastructureError(
            f"Cannot create {root} for the {name} runtime ({exc}); set {RUNTIMES_ENV} to a writable folder."
        ) from exc
    with _exclusive(root / f"{key}.lock", name):
        if _ready(home):
            return python
        _remove_leftovers(root, key)
        _build(name, root, key, files, wheelhouse)
    return python


def ready_runtimes() -> list[str]:
    """The runtimes ready for use here, by key."""
    root = runtimes_dir()
    return sorted(path.name for path in root.iterdir() if _ready(path)) if root.is_dir() else []


def _ready(home: Path) -> bool:
    return home.is_symlink() and (home / MARKER).is_file() and (home / "bin" / "python").exists()


@contextlib.contextmanager
def _exclusive(lock_path: Path, name: str) -> Iterator[None]:
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"waiting for another opsdrill process preparing the {name} runtime")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(root: Path, key: str) -> None:
    """What a killed build of this key left: environments no link points to, temporary links.
    Only called under the key's lock, so no other process is building them."""
    home = root / key
    current = home.resolve() if home.is_symlink() else None
    for path in root.glob(f"{key}-*"):
        if path.resolve() != current:
            shutil.rmtree(path, ignore_errors=True)
    for link in root.glob(f".{key}.link-*"):
        link.unlink(missing_ok=True)
    if home.is_symlink() and not _ready(home):
        home.unlink()


def _build(name: str, root: Path, key: str, files: Sequence[Path], wheelhouse: Path | None) -> None:
    started = time.monotonic()
    _say(f"preparing the {name} runtime (first use, about a minute) in {root / key}")
    venv = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=root))
    try:
        _run(name, [sys.executable, "-m", "venv", str(venv)], "create its virtual environment")
        python = venv / "bin" / "python"
        _install(name, python, files, wheelhouse)
        _run(name, [str(python), "-m", "pip", "check", "--disable-pip-version-check"], "check its packages")
        purelib = _run(
            name,
            [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            "find its site-packages",
        )
        (Path(purelib.strip()) / PTH_FILE).write_text(PTH_LINE, encoding="utf-8")
        record = {"exercise": name, "python": sys.version, "files": [str(p) for p in files], "key": key}
        (venv / MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        link = root / f".{key}.link-{venv.name.removeprefix(key + '-')}"
        link.symlink_to(venv.name)
        link.replace(root / key)
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    _say(f"the {name} runtime is ready ({time.monotonic() - started:.0f} s)")


def _install(name: str, python: Path, files: Sequence[Path], wheelhouse: Path | None) -> None:
    """Every pinned package, without resolving further (the files are complete, as for the image)."""
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    for path in files:
        command += ["-r", str(path)]
    if wheelhouse is not None and any(wheelhouse.glob("*.whl")):
        try:
            _run(name, [*command, "--no-index", "--find-links", str(wheelhouse)], "install its packages offline")
            return
        except InfrastructureError as offline:
            _say(f"the wheelhouse {wheelhouse} cannot supply it ({offline}); trying the package index")
    _run(name, command, "install its packages")


def _run(name: str, argv: list[str], what: str) -> str:
    env = os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=False)
    except OSError as exc:
        raise InfrastructureError(f"Could not run {argv[0]} to prepare the {name} runtime ({exc}).") from exc
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-6:])[-PIP_TAIL_CHARS:]
        raise InfrastructureError(
            f"The {name} runtime could not {what} ({tail}); check the pins of its lock and "
            f"{GRADER_REQUIREMENTS}, or run scripts/wheelhouse where PyPI answers."
        )
    return done.stdout


def _say(message: str) -> None:
    print(f"opsdrill: {message}", file=sys.stderr, flush=True)
