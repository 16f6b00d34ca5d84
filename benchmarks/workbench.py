"""Workbench speed: server time to render a long coded source, and the round trip of one coding action.

Builds a throwaway project with one synthetic interview of ``--words`` words (the sample corpus's turns, repeated
under ``Interviewer:``/``Respondent:`` labels), the shipped codebook and ``--codings`` codings spread over it by
three coders (one of them the auto coder), then times through Starlette's test client (no network, no browser):

- ``render source``: GET of the source page (the transcript cut at every coding boundary, margins, data blocks);
- ``add + remove coding``: POST of a selection to code, then its removal (each in its own store transaction);
- ``project page``: GET of the project page.

Targets (issue 19): render under 300 ms, a coding action under 50 ms, on a 2-core machine.

    python benchmarks/workbench.py --words 20000 --codings 2000 --repeat 15
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.testclient import TestClient  # noqa: E402

from ipe import annotate, project  # noqa: E402
from ipe.records import Coding  # noqa: E402
from ipe.web import Settings, create_app  # noqa: E402

BASE = "http://127.0.0.1:8765"


def synthetic_interview(words: int, seed: int) -> str:
    """Turns taken from the sample interviews, alternating speakers, until ``words`` words."""
    rng = random.Random(seed)
    paragraphs = []
    for path in sorted((ROOT / "corpora" / "mash-sample").glob("*/*.txt")):
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            _, sep, speech = block.partition(": ")
            if sep and len(speech.split()) > 8:
                paragraphs.append(" ".join(speech.split()))
    out, count, n = [], 0, 0
    while count < words:
        speech = rng.choice(paragraphs)
        out.append(f"{'Interviewer' if n % 2 == 0 else 'Respondent'}: {speech}")
        count += len(speech.split()) + 1
        n += 1
    return "\n\n".join(out) + "\n"


def build(folder: Path, words: int, codings: int, seed: int) -> str:
    rng = random.Random(seed)
    source = folder / "transcripts" / "long-interview.txt"
    source.parent.mkdir(parents=True)
    source.write_text(synthetic_interview(words, seed), encoding="utf-8")
    project.init(folder / "project")
    with project.open_store(folder / "project") as store:
        project.import_sources(store, [source.parent])
        version, cb, _ = project.load_codebook(store, ROOT / "codebooks" / "mash-programme-theory.yaml")
        codes = [c.id for c in cb.codes if c.type != "theme"]
        src = store.source("long-interview")
        made = []
        while len(made) < codings:
            i = len(made)
            sentence = rng.choice(src.sentences)
            start, end = annotate.snap(src.text, sentence.start + rng.randint(0, 20), sentence.end)
            if end <= start:
                continue
            coder = ("auto", "ben", "ana")[i % 3]
            made.append(Coding(source_id=src.id, start=start, end=end, code_id=rng.choice(codes), coder=coder,
                               provenance="rule benchmark" if coder == "auto" else "benchmark",
                               codebook_version=version, quote=src.text[start:end]))
        with store.transaction("benchmark", "benchmark codings"):
            store.ensure_coder("auto", "auto")
            store.ensure_coder("ben", "human")
            store.ensure_coder("ana", "human")
            store.add_codings(made)
            store.set_meta("pseudonymised", "yes")  # synthetic text; shown as a pseudonymised project's would be
        return src.text


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def measure(words: int = 20_000, codings: int = 2_000, repeat: int = 15, seed: int = 1) -> tuple[list, float]:
    """``([(name, times in ms, target ms or None), ...], page KiB)`` for a throwaway project of that size."""
    with tempfile.TemporaryDirectory() as tmp:
        text = build(Path(tmp), words, codings, seed)
        settings = Settings(project=Path(tmp) / "project", coder="ana", port=8765)
        client = TestClient(create_app(settings), base_url=BASE)
        headers = {"Origin": BASE, "X-CSRF-Token": settings.token}
        page = client.get("/source/long-interview")
        assert page.status_code == 200, page.text[:200]
        start = text.index(" the ") + 1
        body = {"source": "long-interview", "start": start, "end": start + 3, "code": "mech-trust", "quote": "the"}

        def round_trip():
            made = client.post("/api/codings", json=body, headers=headers)
            assert made.status_code == 201, made.text
            gone = client.post(f"/api/codings/{made.json()['coding']['id']}/remove", headers=headers)
            assert gone.status_code == 200, gone.text

        results = [("render source", timed(lambda: client.get("/source/long-interview"), repeat), 300),
                   ("add + remove coding", [t / 2 for t in timed(round_trip, repeat)], 50),
                   ("project page", timed(lambda: client.get("/"), max(3, repeat // 3)), None)]
    return results, len(page.content) / 1024


def run(quick: bool = False) -> list[tuple]:
    """Rows ``(name, value, unit, budget, met)`` for benchmarks/run.py: medians of the page render and the action."""
    words, codings, repeat = (5_000, 500, 5) if quick else (20_000, 2_000, 15)
    results, _ = measure(words, codings, repeat)
    rows = []
    for name, times, target in results:
        if target is not None:
            median = statistics.median(times)
            rows.append((f"workbench {name} ({words:,} words, {codings:,} codings)", round(median, 1), "ms", target,
                         median < target))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--codings", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    results, kib = measure(args.words, args.codings, args.repeat, args.seed)
    print(f"workbench: {args.words:,} words, {args.codings:,} codings, {kib:.0f} KiB page, median of {args.repeat}")
    for name, times, target in results:
        median = statistics.median(times)
        verdict = "" if target is None else (f"  target < {target} ms: {'met' if median < target else 'MISSED'}")
        print(f"  {name:<22} {median:8.1f} ms (min {min(times):.1f}){verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
