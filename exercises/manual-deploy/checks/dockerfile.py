"""Just enough Dockerfile reading for the static checks: instructions, build arguments, base images."""

from __future__ import annotations

import re
from dataclasses import dataclass

ARG_REF = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    argument: str


def instructions(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped (default escape character)."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        if whole:
            keyword, _, argument = whole.partition(" ")
            found.append(Instruction(keyword.upper(), argument.strip()))
    return found


def pinned_reference(reference: str) -> bool:
    """A registry image reference with a digest, or a tag that is not `latest`."""
    if "@sha256:" in reference:
        return True
    name = reference.rsplit("/", 1)[-1]
    return ":" in name and name.split(":", 1)[1] not in ("", "latest")


def base_image_problems(text: str) -> list[str]:
    """What keeps the base from being `ARG BASE_IMAGE=<pinned>` + `FROM ${BASE_IMAGE}`."""
    steps = instructions(text)
    defaults: dict[str, str] = {}
    stages: set[str] = set()
    froms = 0
    problems: list[str] = []
    for step in steps:
        if step.keyword == "ARG" and froms == 0:
            name, _, value = step.argument.partition("=")
            defaults[name.strip()] = value.strip().strip("\"'")
        elif step.keyword == "FROM":
            froms += 1
            words = [w for w in step.argument.split() if not w.startswith("--")]
            image = words[0] if words else ""
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2].lower())
            match = ARG_REF.match(image)
            if image.lower() in stages:
                continue
            if match is None or match.group(1) != "BASE_IMAGE":
                problems.append(f"FROM {image} does not take its base from ${{BASE_IMAGE}}")
    if froms == 0:
        problems.append("there is no FROM")
    default = defaults.get("BASE_IMAGE")
    if default is None:
        problems.append("there is no ARG BASE_IMAGE before the first FROM")
    elif not pinned_reference(default):
        problems.append(f"the default base image '{default or '(none)'}' is not pinned to a tag or digest")
    return problems
