"""Similarity flags: submissions that changed the starter in the same way, for a person to look at.

Never a verdict and never a score change. A submission's fingerprint is built from what it changed
relative to the starter (lines a starter file of the same path does not have, in new files too),
normalised (whitespace collapsed, blank and comment-only lines dropped) and cut into overlapping
runs of a few lines, so the shared starter never counts and a moved file still matches. Two
submissions are a pair when their fingerprints overlap enough (Jaccard); a submission is close to
the exercise's reference solution, or to one of its variants, when most of what it changed is there.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path

#: Lines per fingerprinted run of changed lines.
RUN_LINES = 4
#: A submission whose changes make fewer runs than this says too little to compare.
MIN_RUNS = 8
#: Jaccard overlap of two submissions' fingerprints from which they are a pair.
PAIR_OVERLAP = 0.6
#: Share of a submission's runs found in a reference from which it is close to that reference.
REFERENCE_SHARE = 0.7
#: Files read for fingerprints: text, at most this big; shared runs shown per flag.
MAX_FILE_BYTES = 256 * 1024
SHOWN_RUNS = 8
_SPACE = re.compile(r"\s+")
_COMMENT = ("#", "//", "--", ";")

#: A fingerprint: run hash -> [path, the run's lines] (JSON-ready; the text shows what is shared).
Fingerprint = dict[str, list[str]]


def _lines(path: Path) -> list[str] | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(_COMMENT)]


def fingerprint(submission: Path, starter: Path) -> Fingerprint:
    runs: Fingerprint = {}
    for path in sorted(p for p in submission.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(submission).as_posix()
        lines = _lines(path)
        if not lines:
            continue
        original = starter / relative
        kept = set(_lines(original) or []) if original.is_file() else set()
        changed = [line for line in lines if line not in kept]
        for start in range(max(len(changed) - RUN_LINES + 1, 1 if changed else 0)):
            text = "\n".join(changed[start : start + RUN_LINES])
            runs.setdefault(hashlib.sha256(text.encode()).hexdigest()[:16], [relative, text])
    return runs


@dataclass(frozen=True)
class Shared:
    path: str
    lines: str


@dataclass(frozen=True)
class Pair:
    first: str
    second: str
    overlap: float
    shared: list[Shared]


@dataclass(frozen=True)
class NearReference:
    candidate: str
    reference: str
    share: float
    shared: list[Shared]


def _shown(keys: set[str], runs: Fingerprint) -> list[Shared]:
    return [Shared(*runs[key]) for key in sorted(keys, key=lambda k: runs[k])[:SHOWN_RUNS]]


def pairs(prints: dict[str, Fingerprint]) -> list[Pair]:
    found = []
    for (a, first), (b, second) in combinations(sorted(prints.items()), 2):
        if min(len(first), len(second)) < MIN_RUNS:
            continue
        common = first.keys() & second.keys()
        overlap = len(common) / len(first.keys() | second.keys())
        if overlap >= PAIR_OVERLAP:
            found.append(Pair(a, b, round(overlap, 3), _shown(set(common), first)))
    return sorted(found, key=lambda p: -p.overlap)


def near_references(prints: dict[str, Fingerprint], references: dict[str, Fingerprint]) -> list[NearReference]:
    found = []
    for candidate, runs in sorted(prints.items()):
        if len(runs) < MIN_RUNS:
            continue
        for name, reference in references.items():
            common = runs.keys() & reference.keys()
            share = len(common) / len(runs)
            if share >= REFERENCE_SHARE:
                found.append(NearReference(candidate, name, round(share, 3), _shown(set(common), runs)))
    return found


def report(prints: dict[str, Fingerprint], references: dict[str, Fingerprint]) -> str:
    """similarity.json: the pairs, and the submissions close to a reference, with what they share."""
    document = {
        "note": "Similarity is for a person to look at: it is never a verdict and changes no score.",
        "pairs": [asdict(p) for p in pairs(prints)],
        "near_references": [asdict(n) for n in near_references(prints, references)],
    }
    return json.dumps(document, indent=2) + "\n"
