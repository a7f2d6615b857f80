"""The progress line: when it draws, what it shows, and that it cleans up."""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.progress import Progress

CLEAR = "\r{}\r"


class FakeStream(io.StringIO):
    """A text stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A logger of its own, so the tests never touch the ``sim`` logger."""
    found = logging.getLogger("tcosim-test-progress")
    found.setLevel(logging.DEBUG)
    found.propagate = False
    yield found
    found.handlers[:] = []


def progress(
    stream: FakeStream,
    clock: FakeClock,
    *,
    enabled: bool = True,
    delay_seconds: float = 1.0,
    interval_seconds: float = 60.0,
    columns: int = 80,
) -> Progress:
    # A long interval: the thread never draws by itself, tests call tick().
    return Progress(
        stream,
        enabled=enabled,
        delay_seconds=delay_seconds,
        interval_seconds=interval_seconds,
        logger_name="tcosim-test-progress",
        clock=clock,
        columns=columns,
    )


def progress_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tcosim-progress"]


def test_not_a_terminal_draws_nothing(logger: logging.Logger) -> None:
    stream, clock = FakeStream(tty=False), FakeClock()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    with progress(stream, clock, delay_seconds=0) as bar:
        assert not bar.active
        assert progress_threads() == []
        clock.now = 5.0
        bar.tick()
        logger.info("simulating")
    assert stream.getvalue() == "simulating\n"
    assert logger.handlers == [handler]


def test_quiet_draws_nothing_on_a_terminal() -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    with progress(stream, clock, enabled=False, delay_seconds=0) as bar:
        clock.now = 5.0
        bar.tick()
    assert stream.getvalue() == ""


def test_nothing_before_the_delay_then_a_line_cleared_on_exit() -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    with progress(stream, clock) as bar:
        clock.now = 0.9
        bar.tick()
        assert stream.getvalue() == ""
        clock.now = 1.5
        bar.tick()
        assert stream.getvalue() == "\r| 1 s  working"
    assert stream.getvalue() == "\r| 1 s  working" + CLEAR.format(" " * 14)
    assert progress_threads() == []


def test_a_short_run_writes_nothing_at_all() -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    with progress(stream, clock) as bar:
        bar.phase("simulating")
        clock.now = 0.5
        bar.tick()
    assert stream.getvalue() == ""


def test_render_shows_elapsed_time_phase_and_steps() -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    bar = progress(stream, clock, interval_seconds=0.25)
    bar.phase("billing", steps=4)
    bar.advance()
    clock.now = 12.0  # 48 intervals: the spinner is back at its first frame
    assert bar.render() == "| 12 s  billing  [#####---------------] 1/4"
    bar.advance(9)  # never past the total
    clock.now = 125.25
    assert bar.render() == "/ 2 min 05 s  billing  [####################] 4/4"


def test_the_line_fits_the_terminal_and_covers_a_longer_one() -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    bar = progress(stream, clock, delay_seconds=0, columns=20)
    bar.phase("forecasting price paths")
    bar.tick()
    bar.phase("billing")
    bar.tick()
    # 19 characters, one short of the width, so the cursor never wraps.
    assert stream.getvalue() == "\r| 0 s  forecasting \r| 0 s  billing     "


def test_log_messages_print_above_the_line_and_name_the_phase(
    logger: logging.Logger,
) -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    with progress(stream, clock) as bar:
        assert handler not in logger.handlers  # routed through the line
        clock.now = 2.0
        bar.tick()
        logger.info("forecasting prices")
        logger.debug("one detail")  # printed, but names no phase
    assert stream.getvalue() == (
        "\r| 2 s  working"
        + CLEAR.format(" " * 14)
        + "forecasting prices\n\r| 2 s  forecasting prices"
        + CLEAR.format(" " * 25)
        + "one detail\n\r| 2 s  forecasting prices"
        + CLEAR.format(" " * 25)
    )
    assert logger.handlers == [handler]


def test_an_error_inside_clears_the_line_and_restores_logging(
    logger: logging.Logger,
) -> None:
    stream, clock = FakeStream(tty=True), FakeClock()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    with pytest.raises(RuntimeError), progress(stream, clock) as bar:
        clock.now = 3.0
        bar.tick()
        raise RuntimeError("boom")
    assert stream.getvalue().endswith(CLEAR.format(" " * 14))
    assert logger.handlers == [handler]
    assert progress_threads() == []


def test_the_thread_draws_by_itself() -> None:
    stream = FakeStream(tty=True)
    name = "tcosim-test-progress"
    with Progress(
        stream, delay_seconds=0.05, interval_seconds=0.01, logger_name=name
    ) as bar:
        bar.phase("simulating")
        deadline = time.monotonic() + 1.5
        while not stream.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "simulating" in stream.getvalue()
    drawn = stream.getvalue().rpartition("\r")[0].rpartition("\r")[2]
    assert drawn.strip() == ""  # the last thing written blanks the line
    assert progress_threads() == []


def test_run_names_its_phases(
    write_scenario: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen, phases = FakeStream(tty=True), []

    class Recording(Progress):
        def phase(self, name: str, steps: int | None = None) -> None:
            phases.append(name)
            super().phase(name, steps)

    def make(stream: Any, enabled: bool) -> Progress:
        return Recording(screen, enabled=enabled, delay_seconds=0)

    monkeypatch.setattr("sim.cli.Progress", make)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", str(write_scenario()), "--out", str(out)])
    assert result.exit_code == 0
    assert phases == ["simulating", "writing files"]
    assert "\r" not in result.stderr  # CliRunner's stderr is no terminal
    assert screen.getvalue().endswith("\r")
