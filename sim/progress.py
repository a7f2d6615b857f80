"""A progress line on stderr for long runs: elapsed time and current phase.

:class:`Progress` is a context manager around a piece of work. A
background thread draws one line, rewritten in place, that shows a
spinner, the time elapsed, the current phase and, when the phase counts
steps, a bar. It draws nothing for work shorter than ``delay_seconds``
(1 s), and nothing at all when disabled (``--quiet``) or when the stream
is not a terminal, so piped and captured output stays clean.

The phase comes from two places, whichever spoke last: :meth:`Progress.phase`
(the caller names a phase, optionally with a step count that
:meth:`Progress.advance` moves), and the INFO messages of the ``sim``
logger, where the pipeline reports its phase boundaries. While the line
is shown, the logger's handlers that write to the same stream are routed
through the progress line: it is cleared before a message is written and
redrawn after, so a message never lands in the middle of the line. On
exit the line is cleared and the handlers are put back.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

SPINNER = "|/-\\"  # plain ASCII: any terminal draws it
BAR_CELLS = 20
DEFAULT_COLUMNS = 80


class Progress:
    """Draws elapsed time and the current phase on a terminal stream.

    Args:
        stream: where to draw; ``sys.stderr`` when None.
        enabled: False draws nothing (``--quiet``).
        delay_seconds: nothing is drawn before this much time has passed.
        interval_seconds: time between redraws.
        logger_name: the logger whose INFO messages name the phase.
        clock: seconds from an arbitrary origin; injectable for tests.
        columns: the terminal width; None asks the terminal.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool = True,
        delay_seconds: float = 1.0,
        interval_seconds: float = 0.2,
        logger_name: str = "sim",
        clock: Callable[[], float] = time.monotonic,
        columns: int | None = None,
    ) -> None:
        self.stream: TextIO = sys.stderr if stream is None else stream
        self.active = enabled and _is_terminal(self.stream)
        self.delay_seconds = delay_seconds
        self.interval_seconds = interval_seconds
        self.logger = logging.getLogger(logger_name)
        self._clock = clock
        self._columns = columns
        # Re-entrant: a handler the line routes may itself log.
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._handler = _PhaseHandler(self)
        self._routed: list[logging.Handler] = []
        self._started = clock()
        self._phase = "working"
        self._steps: tuple[int, int] | None = None
        self._drawn = 0  # characters of the line now on screen

    def phase(self, name: str, steps: int | None = None) -> None:
        """Start a phase; with ``steps``, a bar shows how many are done."""
        with self._lock:
            self._phase = name
            self._steps = None if steps is None else (0, max(steps, 1))

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more steps of the current phase as done."""
        with self._lock:
            if self._steps is not None:
                done, total = self._steps
                self._steps = (min(done + steps, total), total)

    def render(self) -> str:
        """The line as it would be drawn now, before any cut to width."""
        elapsed = max(self._clock() - self._started, 0.0)
        frame = SPINNER[int(elapsed / self.interval_seconds) % len(SPINNER)]
        line = f"{frame} {_clock_text(elapsed)}  {self._phase}"
        if self._steps is not None:
            done, total = self._steps
            filled = round(BAR_CELLS * done / total)
            bar = "#" * filled + "-" * (BAR_CELLS - filled)
            line += f"  [{bar}] {done}/{total}"
        return line

    def tick(self) -> None:
        """Redraw the line, once the delay has passed."""
        with self._lock:
            self._draw_if_due()

    def __enter__(self) -> Progress:
        self._started = self._clock()
        if not self.active:
            return self
        self._route_handlers()
        self._thread = threading.Thread(
            target=self._loop, name="tcosim-progress", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.active:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()
        self._restore_handlers()

    def on_record(self, record: logging.LogRecord) -> None:
        """Write a log record above the line; an INFO message names the phase."""
        with self._lock:
            self._clear()
            for handler in self._routed:
                handler.handle(record)
            if record.levelno == logging.INFO:
                self._phase = record.getMessage().partition("\n")[0]
            self._draw_if_due()

    # -- private helpers -------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            self.tick()

    def _draw_if_due(self) -> None:
        """Draw the line if shown and due; the caller holds the lock."""
        if not self.active or self._clock() - self._started < self.delay_seconds:
            return
        text = self.render()[: self._width() - 1]
        # Spaces cover what is left of a longer previous line, without
        # relying on terminal escape codes.
        padding = " " * max(self._drawn - len(text), 0)
        self._write(f"\r{text}{padding}")
        self._drawn = len(text)

    def _clear(self) -> None:
        """Blank the line and return to its start; the caller holds the lock."""
        if self._drawn:
            self._write("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _width(self) -> int:
        if self._columns is not None:
            return self._columns
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return DEFAULT_COLUMNS
        return columns or DEFAULT_COLUMNS  # some terminals report 0

    def _route_handlers(self) -> None:
        """Pass the logger's output to this stream through the line."""
        self._routed = [
            h
            for h in self.logger.handlers
            if isinstance(h, logging.StreamHandler) and h.stream is self.stream
        ]
        for handler in self._routed:
            self.logger.removeHandler(handler)
        self.logger.addHandler(self._handler)

    def _restore_handlers(self) -> None:
        self.logger.removeHandler(self._handler)
        for handler in self._routed:
            self.logger.addHandler(handler)
        self._routed = []


class _PhaseHandler(logging.Handler):
    """Hands every record of the logger to its :class:`Progress`."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.on_record(record)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _clock_text(seconds: float) -> str:
    """``7 s`` under a minute, ``2 min 05 s`` from then on."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"
