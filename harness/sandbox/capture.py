"""Reading a child's output (a pipe, or a container's log stream) without letting it fill memory."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator

READ_CHUNK = 65536


def pipe_chunks(pipe: io.BufferedReader) -> Iterator[bytes]:
    """What a pipe delivers, as it arrives, until it closes."""
    while chunk := pipe.read1(READ_CHUNK):
        yield chunk


class CappedReader(threading.Thread):
    """Drains one stream of chunks, keeping at most `cap` bytes; calls `on_overflow` once past it
    and stops reading. `close` runs when reading ends, however it ends. Errors of the stream end
    the reading quietly: what was read stays."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        cap: int,
        on_overflow: Callable[[], None],
        close: Callable[[], None] | None = None,
        quiet: tuple[type[BaseException], ...] = (),
    ) -> None:
        super().__init__(daemon=True)
        self._chunks, self._cap, self._on_overflow, self._close = chunks, cap, on_overflow, close
        self._quiet: tuple[type[BaseException], ...] = (OSError, ValueError, *quiet)
        self.data = bytearray()
        self.overflowed = False

    def run(self) -> None:
        try:
            with contextlib.suppress(*self._quiet):
                for chunk in self._chunks:
                    room = self._cap - len(self.data)
                    self.data += chunk[: max(room, 0)]
                    if len(chunk) > room:
                        self.overflowed = True
                        self._on_overflow()
                        return
        finally:
            if self._close is not None:
                self._close()

    def text(self) -> str:
        return self.data.decode("utf-8", "replace")
