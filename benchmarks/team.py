"""Team coding latency: p50/p95 of one coding action over real HTTP with 1, 4 and 8 coders at once, on SQLite and
on PostgreSQL.

Builds a throwaway team project (one synthetic interview of ``WORDS`` words, the shipped codebook, one coder
account per simulated coder, every source assigned to all of them, not blind), serves it with uvicorn on a free
loopback port, and lets N threads, each signed in on its own session, repeat add → move → remove of a random
selection (each action sends the coding's version, as the page does). Every request's wall time is one sample.
PostgreSQL runs in a throwaway cluster (``tests/pgcluster.py``), or at ``$IPE_BENCH_DATABASE`` if set; without
the server binaries that backend is skipped with a note on stderr.

Target (issue 20): p95 under 150 ms per coding action with 8 coders, on a 2-core machine.

    python benchmarks/team.py            # prints the table; benchmarks/run.py calls run()
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from ipe import accounts, project, team  # noqa: E402
from ipe.web import Settings, create_app  # noqa: E402

WORDS = 6000
ROUNDS = 40  # add, move and remove per coder: 3 samples each
COUNTS = (1, 4, 8)
BUDGET_MS = 150.0
PASSWORD = "benchmark password"
CODES = ("comp-co-location", "mech-trust", "mech-professional-challenge")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def build(folder: Path, coders: list[str], database=None) -> Path:
    """A team project with one long interview and an account per coder."""
    from workbench import synthetic_interview

    source = folder.parent / "transcripts" / "team-interview.txt"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(synthetic_interview(WORDS, 20), encoding="utf-8")
    folder = project.init(folder, database)
    with project.open_store(folder) as store:
        project.import_sources(store, [source])
        project.load_codebook(store, ROOT / "codebooks" / "mash-programme-theory.yaml")
        accounts.add_user(store, "lead", "lead", PASSWORD, actor="benchmark")
        for name in coders:
            accounts.add_user(store, name, "coder", PASSWORD, actor="benchmark")
        team.assign(store, store.source_ids(), coders, blind=False, actor="lead")
    return folder


@contextlib.contextmanager
def serving(folder: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(Settings(project=folder, port=port, identifiable=True))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           limit_max_requests=100000, timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def coder_loop(base: str, name: str, words: list, samples: list, errors: list) -> None:
    rng = random.Random(name)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            token = _CSRF.search(http.get("/login").text).group(1)
            http.post("/login", data={"name": name, "password": PASSWORD, "csrf": token},
                      headers={"Origin": base})
            headers = {"Origin": base, "X-CSRF-Token": _TOKEN.search(http.get("/team").text).group(1),
                       "Accept": "application/json"}
            for _ in range(ROUNDS):
                i = rng.randrange(len(words) - 3)
                body = {"source": "team-interview", "start": words[i][0], "end": words[i + 2][1],
                        "code": rng.choice(CODES)}
                t = time.perf_counter()
                made = http.post("/api/codings", json=body, headers=headers)
                samples.append(time.perf_counter() - t)
                if made.status_code != 201:
                    continue  # an overlap with one's own coding: refused, still a timed action
                c = made.json()["coding"]
                t = time.perf_counter()
                moved = http.post(f"/api/codings/{c['id']}/move", headers=headers,
                                  json={"start": words[i][0], "end": words[i + 3][1], "version": c["version"]})
                samples.append(time.perf_counter() - t)
                version = moved.json()["coding"]["version"] if moved.status_code == 200 else c["version"]
                t = time.perf_counter()
                http.post(f"/api/codings/{c['id']}/remove", json={"version": version}, headers=headers)
                samples.append(time.perf_counter() - t)
    except Exception as exc:  # reported, not raised: a benchmark row says it failed
        errors.append(f"{name}: {exc!r}")


def measure(folder: Path, count: int) -> tuple[float, float, int]:
    """``(p50 ms, p95 ms, samples)`` of coding actions with ``count`` coders at once."""
    with project.open_store(folder) as store:
        text = store.source("team-interview", structure=False).text
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    samples: list[float] = []
    errors: list[str] = []
    with serving(folder) as base:
        threads = [threading.Thread(target=coder_loop, args=(base, f"coder{i}", words, samples, errors),
                                    daemon=True) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
    if errors or not samples:
        raise RuntimeError("; ".join(errors) or "no samples")
    ms = sorted(s * 1000 for s in samples)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))], len(ms)


@contextlib.contextmanager
def databases():
    """``(backend, URL or None)`` for SQLite and, when it can be had, PostgreSQL."""
    yielded = [("sqlite", None)]
    cluster = None
    url = os.environ.get("IPE_BENCH_DATABASE")
    if not url:
        try:
            from pgcluster import Cluster

            cluster = Cluster().start()
        except Exception as exc:  # no server binaries here: report SQLite only
            print(f"team benchmark: PostgreSQL skipped ({exc})", file=sys.stderr)
    try:
        if url or cluster:
            yielded.append(("postgresql", url or cluster.new_url()))
        yield yielded
    finally:
        if cluster:
            cluster.stop()


def run() -> list[tuple]:
    """Rows ``(name, value, unit, budget, met)``: p50 and p95 per backend and number of coders (budget on p95)."""
    rows = []
    coders = [f"coder{i}" for i in range(max(COUNTS))]
    with databases() as backends, tempfile.TemporaryDirectory(prefix="ipe-team-bench-") as tmp:
        for backend, database in backends:
            folder = build(Path(tmp) / backend / "proj", coders, database)
            for count in COUNTS:
                p50, p95, _ = measure(folder, count)
                rows.append((f"team {backend} {count} coder{'s' if count > 1 else ''} p50", round(p50, 1), "ms",
                             None, True))
                rows.append((f"team {backend} {count} coder{'s' if count > 1 else ''} p95", round(p95, 1), "ms",
                             BUDGET_MS, p95 < BUDGET_MS))
    return rows


if __name__ == "__main__":
    for name, value, unit, budget, met in run():
        target = f"< {budget:g} {unit}" if budget else ""
        print(f"{name:<34} {value:>8.1f} {unit}  {target:<10} {'' if budget is None else ('met' if met else 'MISSED')}")
