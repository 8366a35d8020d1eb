"""Exercise images: built offline from `exercises/<id>/image/`, cached by a content hash.

The folder holds the exercise's lock (`requirements.txt`) and, only where an exercise needs
something else, its own Dockerfile; otherwise the kit's `sandbox.Dockerfile` builds it. The hash
covers the Dockerfile used, every file of the image folder, the wheels the lock selects and the
base image's id, so a second grading of the same exercise builds nothing and any change to what
goes into the image builds a new one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import docker.errors

from harness.build.wheelhouse import select_wheels
from harness.engine import KIT_LABEL, client, translated
from harness.errors import ContentError, InfrastructureError

BASE_IMAGE_ENV = "OPSDRILL_BASE_IMAGE"
#: Built by scripts/build-base-image with no registry; preferred whenever it exists.
LOCAL_BASE_IMAGE = "opsdrill-base:bookworm"
#: The Dockerfiles' default, for machines that can pull.
REGISTRY_BASE_IMAGE = "python:3.11-slim-bookworm"
LOCK_FILE = "requirements.txt"
SHARED_DOCKERFILE = Path(__file__).with_name("sandbox.Dockerfile")
CHUNK = 1024 * 1024


def base_image() -> str:
    configured = os.environ.get(BASE_IMAGE_ENV)
    if configured:
        return configured
    with translated("look up the base image"):
        try:
            client().images.get(LOCAL_BASE_IMAGE)
            return LOCAL_BASE_IMAGE
        except docker.errors.ImageNotFound:
            return REGISTRY_BASE_IMAGE


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def dockerfile_of(image_dir: Path) -> Path:
    own = image_dir / "Dockerfile"
    return own if own.is_file() else SHARED_DOCKERFILE


def content_key(image_dir: Path, wheels: list[Path], base_id: str) -> str:
    digest = hashlib.sha256(f"base {base_id}\n".encode())
    digest.update(f"dockerfile {_file_digest(dockerfile_of(image_dir))}\n".encode())
    for path in sorted(p for p in image_dir.rglob("*") if p.is_file()):
        digest.update(f"file {path.relative_to(image_dir).as_posix()} {_file_digest(path)}\n".encode())
    for wheel in wheels:
        digest.update(f"wheel {wheel.name} {_file_digest(wheel)}\n".encode())
    return digest.hexdigest()


def _base_id(name: str) -> str:
    with translated("look up the base image"):
        try:
            return str(client().images.get(name).id)
        except docker.errors.ImageNotFound:
            pass
    raise InfrastructureError(
        f"Base image {name} is not on this engine and there is no registry to pull it from; "
        "build it with scripts/build-base-image (or set OPSDRILL_BASE_IMAGE)."
    )


def exercise_image(exercise_id: str, image_dir: Path) -> str:
    """The tag of the exercise's image, building it (offline) only if that exact input is new."""
    if not (image_dir / LOCK_FILE).is_file():
        raise ContentError(f"{image_dir} needs a {LOCK_FILE} (the image's pinned packages) for the docker backend.")
    wheels = select_wheels(image_dir / LOCK_FILE)
    base = base_image()
    key = content_key(image_dir, wheels, _base_id(base))
    tag = f"opsdrill-{exercise_id}:{key[:16]}"
    engine = client()
    with translated(f"look up the {exercise_id} image"):
        try:
            engine.images.get(tag)
            return tag
        except docker.errors.ImageNotFound:
            pass
    with tempfile.TemporaryDirectory(prefix="opsdrill-build-") as tmp:
        context = Path(tmp)
        shutil.copytree(image_dir, context, dirs_exist_ok=True)
        shutil.copyfile(dockerfile_of(image_dir), context / "Dockerfile")
        (context / "wheelhouse").mkdir()
        for wheel in wheels:
            link_or_copy(wheel, context / "wheelhouse" / wheel.name)
        with translated(f"build the {exercise_id} image"):
            try:
                engine.images.build(
                    path=str(context), tag=tag, buildargs={"BASE_IMAGE": base}, network_mode="none",
                    labels={KIT_LABEL: "1", "opsdrill.exercise": exercise_id, "opsdrill.content": key},
                    rm=True, forcerm=True, pull=False,
                )  # fmt: skip
            except docker.errors.BuildError as exc:
                tail = " | ".join(str(line.get("stream", "")).strip() for line in list(exc.build_log)[-4:])
                raise InfrastructureError(f"Building the {exercise_id} image failed: {tail[-400:]}") from exc
    return tag


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
