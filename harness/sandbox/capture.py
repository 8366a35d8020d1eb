"""Reading a child's output without letting it fill memory."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

READ_CHUNK = 65536


class CappedReader(threading.Thread):
    """Drains one pipe, keeping at most `cap` bytes; calls `on_overflow` once past it."""

    def __init__(self, pipe: io.BufferedReader, cap: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self._pipe, self._cap, self._on_overflow = pipe, cap, on_overflow
        self.data = bytearray()
        self.overflowed = False

    def run(self) -> None:
        while chunk := self._pipe.read1(READ_CHUNK):
            room = self._cap - len(self.data)
            self.data += chunk[: max(room, 0)]
            if len(chunk) > room and not self.overflowed:
                self.overflowed = True
                self._on_overflow()
