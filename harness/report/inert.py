"""Shared by every report: candidate-controlled text loses the control characters that drive
terminals (ANSI escapes start with one) before any format-specific escaping."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)
