"""Real-browser helpers: the workbench on a free loopback port in a thread, and Debian's Chromium via Playwright."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn

from ipe.web import Settings, create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(folder, **options):
    """Serve ``folder`` on 127.0.0.1 in a thread (a bounded number of requests); yields the base URL."""
    port = free_port()
    settings = Settings(project=folder, port=port, **{"coder": "ana", "identifiable": True, **options})
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            limit_max_requests=2000, timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the workbench did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def screenshot_dir(default: Path) -> Path:
    """Where screenshots go: ``$IPE_SCREENSHOTS`` if set, else the test's own temporary folder."""
    folder = Path(os.environ.get("IPE_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Finds a phrase in the transcript's visible text (it may cross highlight boundaries) and returns the screen
# points of its first and last characters.
_LOCATE = """(words) => {
  const root = document.getElementById("transcript");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = []; let text = "";
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (n.parentElement.closest(".hid") || !n.parentElement.closest("[data-s]")) continue;
    nodes.push([n, text.length]); text += n.data;
  }
  const at = text.indexOf(words);
  if (at < 0) return null;
  const point = (i) => { for (let k = nodes.length - 1; k >= 0; k--) if (nodes[k][1] <= i) return [nodes[k][0], i - nodes[k][1]]; };
  const rect = (i) => { const [n, o] = point(i); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getBoundingClientRect(); };
  nodes[0][0].parentElement.scrollIntoView({block: "nearest"});
  const [first, last] = [rect(at), rect(at + words.length - 1)];
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}"""


def drag_select(page, words: str) -> None:
    """Select ``words`` in the transcript with the mouse, as a person would: press, drag, release."""
    page.evaluate("(w) => { const r = document.getElementById('transcript'); r.scrollIntoView(); }", words)
    points = page.evaluate(_LOCATE, words)
    assert points, f"'{words}' is not in the transcript"
    page.mouse.move(points["x1"], points["y1"])
    page.mouse.down()
    page.mouse.move((points["x1"] + points["x2"]) / 2, (points["y1"] + points["y2"]) / 2, steps=4)
    page.mouse.move(points["x2"], points["y2"], steps=4)
    page.mouse.up()
