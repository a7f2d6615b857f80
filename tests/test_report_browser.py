"""The HTML report in a real browser: headless Chromium opens ``report.html``.

The other report tests read the HTML as text; only a browser tells whether
the page parses, loads nothing from outside the file, decodes its embedded
figures and paints something a reader can see. These tests open the page in
Debian's ``chromium`` and drive it over the DevTools protocol, through
``--remote-debugging-pipe`` (JSON messages on file descriptors 3 and 4), with
the standard library alone.

Why the protocol rather than ``--dump-dom --enable-logging=stderr``: Chromium
logs every console message to stderr at the same INFO level, so errors
cannot be told from plain logs, and it logs no failed resource load at all
(a missing image and an unreachable host both pass silently; seen with
Chromium 156). The protocol reports each of these as its own event, lists
every request the page makes, and takes the screenshot in the same browser
run, so one start of Chromium (about a second) gives every check.

Chromium is found on PATH or at ``/usr/bin/chromium``. Without it the tests
skip, except under CI (``CI=true``), where ``.ci/run`` installs it and a
missing browser is a failure rather than a silent skip.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import select
import shutil
import signal
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib import image as mpimg

from sim.catalog import Catalog
from sim.pipeline import run
from sim.report.write import write_outputs
from sim.scenario import load_scenario
from tests.conftest import FLAT_SCENARIO

WIDTH, HEIGHT = 1200, 2000
# Everything one visit may take, from starting Chromium to the screenshot; a
# healthy visit of the report takes about a second here.
TIMEOUT_S = 60.0
# How long Chromium may take to exit once asked to close (well under 1 s here).
CLOSE_S = 5.0
# Headless, as root (hence no sandbox), with no GPU. The networking flags stop
# Chromium's own calls to Google's services at start: CI machines have no
# network, and the page under test must be the only thing loading.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    f"--window-size={WIDTH},{HEIGHT}",
    "--hide-scrollbars",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Waits for every <img> to decode before the page is measured and painted;
# a broken image rejects decode(), which shows as naturalWidth 0 below.
PAGE_FACTS = """
Promise.allSettled(Array.from(document.images, (img) => img.decode())).then(
  () => JSON.stringify({
    title: document.title,
    h1: document.querySelector("h1")?.textContent ?? "",
    images: Array.from(document.images, (img) => {
      const box = img.getBoundingClientRect();
      return {
        width: img.naturalWidth,
        height: img.naturalHeight,
        box: [box.left, box.top, box.right, box.bottom],
      };
    }),
  }),
)
"""


def chromium_binary() -> str:
    """The Chromium to run; skip without one, but fail under CI.

    CI must run this test: a skip there would hide a broken report, so with
    ``CI=true`` a missing browser fails with what to install.
    """
    found = shutil.which("chromium")
    if found is None and os.access("/usr/bin/chromium", os.X_OK):
        found = "/usr/bin/chromium"
    if found is not None:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(
            "CI=true but Chromium is not installed; .ci/run installs the Debian "
            "package 'chromium' before the tests, so check that step's output"
        )
    pytest.skip(
        "Chromium is not installed (Debian: apt-get install chromium); "
        "CI installs it through .ci/run"
    )


@dataclass
class Visit:
    """What the browser saw while it opened one page."""

    problems: list[str]
    """Console errors, uncaught exceptions and failed loads, one line each."""
    requests: list[str]
    """Every URL the page asked for, in order."""
    facts: dict[str, Any]
    """The title, the first heading and each image's size and position."""
    screenshot: bytes
    """The viewport as a PNG."""


@dataclass
class DevToolsPipe:
    """A DevTools protocol client on Chromium's ``--remote-debugging-pipe``.

    Messages are JSON, each ended by a NUL byte. Replies are matched to
    commands by id; every event read on the way is kept in ``events`` so
    that nothing the page reports is lost while a command waits.
    """

    to_browser: int
    from_browser: int
    deadline: float
    events: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 0
    _buffer: bytes = b""

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str = ""
    ) -> dict[str, Any]:
        """Send one command and return its result; a protocol error fails."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method}
        message["params"] = params or {}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self.to_browser, data) :]
        except BrokenPipeError as error:
            raise AssertionError(
                "Chromium closed the DevTools pipe (it exited)"
            ) from error
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"DevTools {method} failed: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(
        self,
        method: str,
        after: int = 0,
        test: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> int:
        """The index in ``events`` of the first event called ``method`` from
        index ``after`` on whose parameters pass ``test``; reads until it
        comes."""
        seen = after
        while True:
            for index in range(seen, len(self.events)):
                event = self.events[index]
                if event["method"] == method and test(event.get("params", {})):
                    return index
            seen = len(self.events)
            reply = self._read()
            if "method" in reply:
                self.events.append(reply)

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self.from_browser], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"Chromium gave no answer within {TIMEOUT_S} s")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise AssertionError("Chromium closed the DevTools pipe (it exited)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed


def _high_fd(fd: int) -> int:
    """``fd`` moved to 10 or above, so that the dup2 onto 3 and 4 in the
    child cannot overwrite the other pipe end."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


@dataclass
class Browser:
    """A headless Chromium in its own process group, and its pipe."""

    pid: int
    pipe: DevToolsPipe


def _start(binary: str, profile: Path, log: Path, deadline: float) -> Browser:
    """Start Chromium with its DevTools pipe on descriptors 3 and 4.

    ``subprocess`` can only pass descriptors under their own numbers, so the
    child is spawned with ``os.posix_spawn``, whose file actions place the
    pipe ends on 3 and 4. The browser leads a new process group, so that
    its helper processes can be ended with it by that one id.
    """
    commands_r, commands_w = os.pipe()
    replies_r, replies_w = os.pipe()
    commands_r, replies_w = _high_fd(commands_r), _high_fd(replies_w)
    argv = [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
    try:
        pid = os.posix_spawn(
            binary,
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT, 0o644),
                (os.POSIX_SPAWN_DUP2, 1, 2),
                (os.POSIX_SPAWN_DUP2, commands_r, 3),
                (os.POSIX_SPAWN_DUP2, replies_w, 4),
            ],
            setpgroup=0,
        )
    except BaseException:
        os.close(commands_w)
        os.close(replies_r)
        raise
    finally:
        os.close(commands_r)
        os.close(replies_w)
    return Browser(pid, DevToolsPipe(commands_w, replies_r, deadline))


def _stop(browser: Browser) -> None:
    """Close the browser, wait for it, and end whatever of its group is left.

    A browser that has not exited within CLOSE_S of being asked to is
    killed with its whole process group.
    """
    deadline = time.monotonic() + CLOSE_S
    try:
        # It may already be gone; the group is ended below anyway.
        with contextlib.suppress(AssertionError, OSError):
            browser.pipe.send("Browser.close")
        while time.monotonic() < deadline:
            done, _ = os.waitpid(browser.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.killpg(browser.pid, signal.SIGKILL)
            os.waitpid(browser.pid, 0)
        # Helper processes of the group that are still closing down.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGKILL)
    finally:
        os.close(browser.pipe.to_browser)
        os.close(browser.pipe.from_browser)


def _problems(events: list[dict[str, Any]]) -> Iterator[str]:
    """One line for each console error, uncaught exception or failed load."""
    urls: dict[str, str] = {}
    for event in events:
        params = event.get("params", {})
        match event["method"]:
            case "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
            case "Network.loadingFailed":
                url = urls.get(params["requestId"], "?")
                yield f"load failed: {url[:120]}: {params['errorText']}"
            case "Runtime.consoleAPICalled" if params["type"] in ("error", "assert"):
                text = " ".join(
                    str(arg.get("value", arg.get("description", "")))
                    for arg in params["args"]
                )
                yield f"console.{params['type']}: {text}"
            case "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                text = details.get("exception", {}).get("description", details["text"])
                yield f"uncaught exception: {text}"
            case "Log.entryAdded" if params["entry"]["level"] == "error":
                entry = params["entry"]
                yield f"log error ({entry['source']}): {entry['text']}"


def visit(binary: str, url: str, scratch: Path) -> Visit:
    """Open ``url`` in a fresh headless Chromium and record what it did.

    The viewport is fixed at WIDTH x HEIGHT CSS pixels at scale 1 so that
    the screenshot has exactly that size. The page is measured and
    photographed after its load event and after every image has decoded.
    """
    deadline = time.monotonic() + TIMEOUT_S
    profile = scratch / "profile"
    profile.mkdir()
    log = scratch / "chromium.log"
    browser = _start(binary, profile, log, deadline)
    try:
        pipe = browser.pipe
        target = pipe.send("Target.createTarget", {"url": "about:blank"})
        attached = pipe.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            pipe.send(f"{domain}.enable", session=session)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        navigated = pipe.send("Page.navigate", {"url": url}, session=session)
        assert "errorText" not in navigated, f"{url}: {navigated['errorText']}"
        # The load event that counts is the first one after the top frame
        # commits to ``url``: an earlier one may still be about:blank's.
        committed = pipe.wait_for(
            "Page.frameNavigated",
            test=lambda params: (
                params["frame"]["url"] == url and "parentId" not in params["frame"]
            ),
        )
        pipe.wait_for("Page.loadEventFired", after=committed)
        evaluated = pipe.send(
            "Runtime.evaluate",
            {"expression": PAGE_FACTS, "awaitPromise": True, "returnByValue": True},
            session=session,
        )
        facts = json.loads(evaluated["result"]["value"])
        shot = pipe.send("Page.captureScreenshot", {"format": "png"}, session=session)
        events = list(pipe.events)
    except AssertionError as error:
        tail = log.read_text(errors="replace")[-2000:]
        raise AssertionError(f"{error}\nChromium's log ends with:\n{tail}") from error
    finally:
        _stop(browser)
    requests = [
        event["params"]["request"]["url"]
        for event in events
        if event["method"] == "Network.requestWillBeSent"
    ]
    return Visit(
        problems=list(_problems(events)),
        requests=requests,
        facts=facts,
        screenshot=base64.b64decode(shot["data"]),
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == PNG_SIGNATURE, "the screenshot is not a PNG"
    assert data[12:16] == b"IHDR", "the PNG does not start with its IHDR chunk"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def rgb_pixels(data: bytes) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The PNG decoded to 8-bit RGB (matplotlib reads it through Pillow)."""
    pixels = np.asarray(mpimg.imread(io.BytesIO(data), format="png"))
    if pixels.dtype != np.uint8:
        pixels = np.round(pixels * 255).astype(np.uint8)
    return pixels[..., :3]


def distinct_colours(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> int:
    """How many different RGB values the pixels hold."""
    packed = pixels.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1])
    return len(np.unique(packed))


def tiny_scenario() -> str:
    """FLAT_SCENARIO with a shorter horizon and fewer paths."""
    text = FLAT_SCENARIO
    for key, small in (("months = 36", "months = 12"), ("paths = 20", "paths = 5")):
        assert key in text, f"FLAT_SCENARIO no longer has {key!r}"
        text = text.replace(key, small)
    return text


@pytest.fixture(scope="module")
def report_visit(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Visit, Path]:
    """The flat scenario's report, built small and opened once.

    Twelve months and five paths are enough: this checks the page, not the
    numbers, and the run and its figures take most of this module's time.
    """
    binary = chromium_binary()
    folder = tmp_path_factory.mktemp("browser")
    scenario_file = folder / "flat.toml"
    scenario_file.write_text(tiny_scenario(), encoding="utf-8")
    result = run(load_scenario(scenario_file, catalog), catalog, "fluid")
    write_outputs(result, folder / "out")
    report = folder / "out" / "report.html"
    scratch = folder / "chromium"
    scratch.mkdir()
    return visit(binary, report.as_uri(), scratch), report


def test_report_opens_without_console_errors(report_visit: tuple[Visit, Path]) -> None:
    """No console error, exception or failed load, and nothing fetched.

    The report promises to be self-contained: the only URL the page may ask
    for is its own file, and every figure is a ``data:`` URI.
    """
    seen, report = report_visit
    assert seen.problems == []
    # data: URIs are left out here to keep a failure's message readable.
    not_data = [url for url in seen.requests if not url.startswith("data:")]
    assert not_data == [report.as_uri()], "the report loaded something else"
    assert len(seen.requests) > 1, "the figures' data: URIs were never loaded"


def test_report_figures_decode(report_visit: tuple[Visit, Path]) -> None:
    """Every embedded figure decodes to a real image in the browser."""
    seen, _ = report_visit
    assert seen.facts["title"] == "TCO report: flat"
    assert "flat" in seen.facts["h1"]
    images = seen.facts["images"]
    assert len(images) >= 3, "the report should embed its figures"
    broken = [i for i, img in enumerate(images) if not img["width"] * img["height"]]
    assert broken == [], f"figures that did not decode: {broken}"


def test_report_screenshot_shows_the_page(report_visit: tuple[Visit, Path]) -> None:
    """The screenshot is a WIDTH x HEIGHT PNG with the title and a figure.

    A blank or failed render is a single colour; text anti-aliasing and a
    figure's plot lines give hundreds (about 1,400 on the whole screen and
    600 in the first figure, with Chromium 156). The title sits in the top
    band of the page, so that band must hold dark pixels (about 3% of it);
    and the first figure that lies wholly in the viewport must be painted in
    many colours where the page placed it. The bounds sit far below those
    readings, so fonts and anti-aliasing of another build still pass.
    """
    seen, _ = report_visit
    assert png_size(seen.screenshot) == (WIDTH, HEIGHT)
    pixels = rgb_pixels(seen.screenshot)
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    assert distinct_colours(pixels) >= 200
    top = pixels[:150]
    dark = np.all(top < 128, axis=-1)
    assert dark.mean() > 0.005, "no dark (text) pixels where the title should be"
    in_view = [
        img
        for img in seen.facts["images"]
        if img["box"][1] >= 0 and img["box"][3] <= HEIGHT
    ]
    assert in_view, "no figure within the first screen of the report"
    left, top_y, right, bottom = (round(v) for v in in_view[0]["box"])
    figure = pixels[top_y:bottom, left:right]
    assert distinct_colours(figure) >= 100, "the first figure is not painted"


BROKEN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title></head>
<body><h1>broken</h1>
<img src="missing.png" alt="">
<img src="http://127.0.0.1:9/refused.png" alt="">
<script>
console.error("boom");
console.log("fine");
throw new Error("uncaught");
</script>
</body></html>
"""


def test_checks_catch_a_broken_page(tmp_path: Path) -> None:
    """The checks above are not vacuous: a page with a console error, an
    uncaught exception, a missing local image and a request that leaves the
    file reports each of them, and a plain console.log does not count.

    The outside request goes to port 9 on loopback, a port Chromium refuses
    to contact (net::ERR_UNSAFE_PORT), so it needs no network and no server.
    """
    binary = chromium_binary()
    page = tmp_path / "broken.html"
    page.write_text(BROKEN_PAGE, encoding="utf-8")
    scratch = tmp_path / "chromium"
    scratch.mkdir()
    seen = visit(binary, page.as_uri(), scratch)
    problems = "\n".join(seen.problems)
    assert "console.error: boom" in problems
    assert "Error: uncaught" in problems
    assert "missing.png" in problems
    assert "refused.png" in problems
    assert "fine" not in problems
    assert "http://127.0.0.1:9/refused.png" in seen.requests
