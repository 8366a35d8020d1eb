"""`opsdrill doctor`: the state of the Docker engine and of everything the kit keeps on it."""

from __future__ import annotations

from dataclasses import dataclass, field

import docker.errors

from harness import engine
from harness.build.image import LOCAL_BASE_IMAGE, base_image
from harness.build.wheelhouse import wheelhouse_dir
from harness.engine import Leftovers
from harness.runtime import ready_runtimes, runtimes_dir


@dataclass
class Diagnosis:
    engine: str
    engine_ok: bool
    base_image: str = ""
    images: list[str] = field(default_factory=list)
    wheelhouse: str = ""
    runtimes: str = ""
    leftovers: Leftovers | None = None
    removed: Leftovers | None = None


def diagnose(clean: bool = False) -> Diagnosis:
    folder = wheelhouse_dir()
    wheels = len(list(folder.glob("*.whl"))) if folder.is_dir() else 0
    wheelhouse = f"{folder} ({wheels} wheels)"
    runtimes = f"{runtimes_dir()} ({len(ready_runtimes())} ready; each is rebuilt on first use if removed)"
    if not engine.engine_answers():
        return Diagnosis(engine="no Docker engine answers (the local backend will be used)", engine_ok=False,
                         wheelhouse=wheelhouse, runtimes=runtimes)  # fmt: skip
    client = engine.client()
    version = client.version()
    images = sorted(
        tag for image in client.images.list(filters={"label": f"{engine.KIT_LABEL}=1"}) for tag in image.tags
    )
    base = base_image()
    try:
        client.images.get(base)
        base_state = f"{base} (present)"
    except docker.errors.ImageNotFound:
        base_state = f"{base} (missing: run scripts/build-base-image to build {LOCAL_BASE_IMAGE} offline)"
    kit = engine.selector()
    return Diagnosis(
        engine=f"Docker {version.get('Version', '?')} (API {version.get('ApiVersion', '?')}) answers",
        engine_ok=True,
        base_image=base_state,
        images=images,
        wheelhouse=wheelhouse,
        runtimes=runtimes,
        leftovers=engine.leftovers(kit),
        removed=engine.remove(kit) if clean else None,
    )
