"""A one-line progress display for long imports (only on a terminal).

``Progress(stream)`` rewrites one line on ``stream`` with the counts given to
:meth:`update`, at most ten times a second; when ``stream`` is not a TTY (a
pipe, a log file, CI) it writes nothing, so logs stay clean.
"""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, label: str = "import", enabled: bool | None = None,
                 interval: float = 0.1):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.label = label
        self.interval = interval
        self.counts: dict[str, int] = {}
        self._last = 0.0
        self._width = 0
        self._started = time.perf_counter()

    def update(self, **counts: int) -> None:
        self.counts.update(counts)
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._draw()

    def line(self) -> str:
        parts = ", ".join(f"{n:,} {name}" for name, n in self.counts.items())
        return f"{self.label}: {parts} ({time.perf_counter() - self._started:.1f} s)"

    def _draw(self) -> None:
        text = self.line()
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def done(self) -> None:
        """Draw the final counts and end the line."""
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
