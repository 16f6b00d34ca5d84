"""Benchmark ipe end to end on a synthetic corpus: import, sentence split, coding, store writes, CMO build, tables.

Each stage prints its seconds, words per second and peak resident memory; two reference points are measured in
the same run on the same text: (a) spaCy's blank English pass that ipe's coder runs on (tokeniser, sentencizer,
lookup lemmatiser: ``ipe.nlp.blank_pipeline()``) through ``nlp.pipe`` with ipe's batch size, and (b) a naive coder
that runs one compiled regular expression per phrase per document, as QDA tools' text search does.

Example::

    python benchmarks/run.py --quick                       # every figure at a small size, in a few minutes
    python benchmarks/run.py --words 1000000 --codes 50,500 --jobs 1
    python benchmarks/run.py --words 1000000 --codes 500 --jobs 2 --json results.jsonl
    python benchmarks/run.py --compare results.jsonl      # the targets that compare two runs
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)  # benchmark the checkout this file is in

import generate  # noqa: E402

BATCH_SIZE = 256  # ipe.project.auto_code's default
MB = 1024 * 1024


# -- measuring -------------------------------------------------------------------------------------------------------


def _reset_peak() -> bool:
    """Reset this process's peak RSS (Linux ``clear_refs``); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    """Peak RSS of this process since the last reset (VmHWM), else since it started (getrusage)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class Timers:
    """Seconds accumulated by name, by wrapping library functions (the library itself is not changed)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._undo = []

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def wrap(self, owner, attr: str, name: str) -> None:
        original = getattr(owner, attr)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - t0)

        setattr(owner, attr, timed)
        self._undo.append((owner, attr, original))

    def wrap_commit(self, store_cls, name: str) -> None:
        """Time the end of every outermost transaction (audit row and COMMIT)."""
        original = store_cls.transaction
        timers = self

        @contextlib.contextmanager
        def transaction(self, *args, **kwargs):
            outer = not self._in_transaction
            with original(self, *args, **kwargs) as tx:
                yield tx
                t0 = time.perf_counter()
            if outer:
                timers.add(name, time.perf_counter() - t0)

        store_cls.transaction = transaction
        self._undo.append((store_cls, "transaction", original))

    def take(self, *names: str) -> float:
        return sum(self.seconds.pop(n, 0.0) for n in names)

    def restore(self) -> None:
        for owner, attr, original in reversed(self._undo):
            setattr(owner, attr, original)
        self._undo.clear()


class Results:
    def __init__(self, words: int):
        self.words = words
        self.rows: list[dict] = []

    def add(self, stage: str, seconds: float, peak: float = None, children: float = None, words: int = None,
            note: str = "") -> dict:
        row = {"stage": stage, "seconds": seconds, "words": words or self.words, "peak_mb": peak,
               "children_peak_mb": children, "note": note}
        self.rows.append(row)
        return row

    def get(self, stage: str) -> dict:
        return next(r for r in self.rows if r["stage"] == stage)

    def print(self, out=sys.stdout) -> None:
        print(f"{'stage':32} {'seconds':>9} {'words/s':>11} {'peak RSS MB':>12}  note", file=out)
        for r in self.rows:
            rate = r["words"] / r["seconds"] if r["seconds"] else float("inf")
            peak = f"{r['peak_mb']:.0f}" if r["peak_mb"] is not None else ""
            if r.get("children_peak_mb"):
                peak += f" (+{r['children_peak_mb']:.0f}/worker)"
            print(f"{r['stage']:32} {r['seconds']:9.2f} {rate:11,.0f} {peak:>12}  {r['note']}", file=out)


@contextlib.contextmanager
def stage(results: Results, name: str, **kw):
    """Time a block and record its peak RSS (this process, and the largest worker process if any ran)."""
    _reset_peak()
    t0 = time.perf_counter()
    info = {}
    yield info
    seconds = time.perf_counter() - t0
    children = _children_peak_mb()
    results.add(name, seconds, _peak_mb(), children if info.get("workers") else None, **kw)


# -- reference points ------------------------------------------------------------------------------------------------


def coded_turn_texts(store, counter: dict):
    """The texts ipe's coder codes: every turn not spoken by an interviewer, source by source."""
    for src in store.iter_sources(structure=True):
        turns = [src.text[t.start:t.end] for t in src.turns if t.role != "interviewer"]
        counter["words"] = counter.get("words", 0) + sum(len(t.split()) for t in turns)
        counter["turns"] = counter.get("turns", 0) + len(turns)
        yield src.id, turns


def spacy_reference(store, jobs: int) -> dict:
    """(a): ``ipe.nlp.blank_pipeline()`` over the same turns, through ``nlp.pipe`` with ipe's batch size."""
    from ipe.nlp import blank_pipeline

    nlp = blank_pipeline()
    counter: dict = {}
    texts = (t for _, turns in coded_turn_texts(store, counter) for t in turns)
    tokens = 0
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=jobs):
        tokens += len(doc)
    return {**counter, "tokens": tokens}


def naive_regex_coder(store, codebook, max_words: int = 0) -> dict:
    """(b): one compiled regular expression per rule phrase, run over each document (a source's coded turns).

    Phrases and lemma rules are searched as case-insensitive whole-word literals (what a QDA tool's text search
    does); token patterns have no regular-expression equivalent and are left out, which favours this coder.
    With ``max_words`` the search stops after that many words; ``compile`` and ``search`` seconds are returned
    apart so the caller can scale the search alone.
    """
    t0 = time.perf_counter()
    regexes = []
    for code in codebook.codes:
        for phrase in code.rules.phrases + code.rules.lemmas:
            regexes.append((code.id, re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", re.IGNORECASE)))
    t1 = time.perf_counter()
    counter: dict = {}
    hits = docs = 0
    for _, turns in coded_turn_texts(store, counter):
        document = "\n\n".join(turns)
        docs += 1
        for _, rx in regexes:
            for _ in rx.finditer(document):
                hits += 1
        if max_words and counter.get("words", 0) >= max_words:
            break
    return {**counter, "hits": hits, "documents": docs, "regexes": len(regexes), "compile": t1 - t0,
            "search": time.perf_counter() - t1}


# -- the run ---------------------------------------------------------------------------------------------------------


def run(args) -> dict:
    from ipe import cmo, coding, corpus, findings, project
    from ipe.selection import Selection
    from ipe.store import Store

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ipe-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    meta = {"words_requested": args.words, "codes": args.code_counts[0], "jobs": args.jobs, "seed": args.seed,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **environment()}
    try:
        t0 = time.perf_counter()
        corpus_dir = Path(args.corpus) if args.corpus else work / "corpus"
        if not args.corpus:
            made = generate.write_corpus(corpus_dir, args.words, args.seed)
            print(f"generated {made['words']:,} words in {made['files']} files in {time.perf_counter() - t0:.1f} s"
                  f" ({corpus_dir})", flush=True)

        timers = Timers()
        timers.wrap(corpus, "split_sentences", "sentences")
        timers.wrap(Store, "write_source", "writes")
        for name in ("add_codings", "mark_coded", "delete_codings"):
            timers.wrap(Store, name, "writes")
        timers.wrap_commit(Store, "writes")
        timers.wrap(project, "load_codebook", "compile")
        timers.wrap(coding, "coding_pipeline", "compile")

        folder = project.init(work / "project")
        store = project.open_store(folder)
        manifest = corpus_dir / "manifest.csv"
        results = Results(0)
        with stage(results, "import"):
            report = project.import_sources(store, [corpus_dir], manifest if manifest.is_file() else None)
        words = sum(s["words"] for s in store.source_summaries())
        results.words = words
        for r in results.rows:
            r["words"] = words
        imp = results.get("import")
        imp["note"] = report.summary()
        results.add("  sentence split", timers.take("sentences"), note="spaCy sentencizer pass inside import")
        results.add("  store writes (import)", timers.take("writes"), note="sources, turns, sentences, commit")
        print(f"imported {words:,} words", flush=True)

        profiler = cProfile.Profile() if args.profile else None
        meta["coding_by_codes"] = {}
        for n, codes in enumerate(args.code_counts):
            codebook_path = work / f"codebook-{codes}.yaml"
            codebook_path.write_text(generate.scaled_codebook(codes, args.seed), encoding="utf-8")
            name = "coding" if n == 0 else f"coding ({codes} codes)"
            with stage(results, name, note=f"{codes} codes, jobs {args.jobs}") as info:
                info["workers"] = args.jobs > 1
                if profiler and n == len(args.code_counts) - 1:
                    profiler.enable()
                coded = project.auto_code(store, codebook_path, jobs=args.jobs, batch_size=BATCH_SIZE)
                if profiler:
                    profiler.disable()
            coding = results.get(name)
            coding["note"] += f"; {coded.codings:,} codings in {coded.turns:,} turns"
            meta["coding_by_codes"][str(codes)] = {"seconds": coding["seconds"], "codings": coded.codings}
            compile_s, writes_s = timers.take("compile"), timers.take("writes")
            if n == 0:
                results.add("  codebook load + compile", compile_s, note="YAML parsed and checked, matchers built")
                results.add("  matching + widening", coding["seconds"] - compile_s - writes_s,
                            note="spaCy pass + matchers + exclusion cues + widening")
                results.add("  store writes (coding)", writes_s, note="codings, coded marks, commit")
                results.add("store writes (total)", results.get("  store writes (import)")["seconds"] + writes_s)
            else:
                coding["note"] += f"; of it {compile_s:.1f} s codebook load + compile, {writes_s:.1f} s store writes"
            print(f"coded with {codes} codes: {coded.codings:,} codings", flush=True)

        _, cb = project.current_codebook(store)
        codes = args.code_counts[-1]
        with stage(results, "CMO build"):
            graph = cmo.build_graph(store, cb, window="turn")
        results.get("CMO build")["note"] = (f"{codes} codes; {graph.number_of_nodes()} nodes,"
                                            f" {graph.number_of_edges()} edges")
        # Every table counts the auto codings here: by default tables count only human and reviewed codings, and a
        # benchmark project has none, so the default would time empty tables.
        with stage(results, "tables"):
            made_tables = findings.all_tables(store, cb, Selection(include_auto=True))
        results.get("tables")["note"] = f"{codes} codes; {len(made_tables)} tables, auto codings included"
        timers.restore()

        with stage(results, "(a) spaCy blank pipeline") as info:
            info["workers"] = args.jobs > 1
            ref_a = spacy_reference(store, args.jobs)
        results.get("(a) spaCy blank pipeline")["note"] = (
            f"same {ref_a['turns']:,} turns ({ref_a['words']:,} words), batch {BATCH_SIZE}, n_process {args.jobs}")
        with stage(results, "(b) naive regex coder"):
            ref_b = naive_regex_coder(store, cb, args.naive_words)
        row_b = results.get("(b) naive regex coder")
        measured_words = ref_b["words"]
        if measured_words < ref_a["words"]:
            row_b["note"] = (f"search timed on the first {measured_words:,} of {ref_a['words']:,} coded words and"
                             f" scaled, plus {ref_b['compile']:.1f} s compiling; ")
            row_b["seconds"] = ref_b["compile"] + ref_b["search"] * ref_a["words"] / measured_words
        row_b["note"] += f"{ref_b['regexes']:,} regexes, {ref_b['documents']:,} documents, single process"
        store.close()
        meta["words"] = words
        meta["coded_words"] = ref_a["words"]
        meta["codings"] = coded.codings
        if profiler:
            buf = io.StringIO()
            stats = pstats.Stats(profiler, stream=buf)
            stats.dump_stats(args.profile)
            stats.sort_stats("tottime").print_stats(25)
            meta["profile"] = args.profile
            print(buf.getvalue(), file=sys.stderr)
        return {**meta, "stages": results.rows, "_results": results}
    finally:
        if args.keep:
            print(f"kept {work}")
        elif not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


def environment() -> dict:
    import spacy

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "")
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(), "spacy": spacy.__version__}


# -- targets ---------------------------------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


BUDGET_SECONDS = 5.0  # "tables and the CMO graph at 500 codes and 1M words in a few seconds"
BUDGET_TABLES_MB = 500
BUDGET_PEAK_MB = 1024


def budget_rows(r: dict) -> list[tuple]:
    """Rows ``(name, value, unit, budget, met)`` for the figures of a run (issue 23); ``met`` None: not applicable."""
    rows = {s["stage"]: s for s in r["stages"]}
    a = rows["(a) spaCy blank pipeline"]["seconds"]
    by_codes = r.get("coding_by_codes") or {str(r["codes"]): {"seconds": rows["coding"]["seconds"]}}
    out = []
    for codes, figures in by_codes.items():
        ratio = figures["seconds"] / a
        out.append((f"coding with {codes} codes / (a) bare spaCy pass", round(ratio, 2), "x",
                    1.5 if codes == "50" else None, ratio <= 1.5 if codes == "50" else None))
    if "50" in by_codes and "500" in by_codes:
        ratio = by_codes["500"]["seconds"] / by_codes["50"]["seconds"]
        out.append(("coding time 500 codes / 50 codes", round(ratio, 2), "x", 1.5, ratio <= 1.5))
    b = rows["(b) naive regex coder"]["seconds"]
    last = max(by_codes, key=int)
    out.append((f"coding speed-up over (b) naive regex coder ({last} codes)",
                round(b / by_codes[last]["seconds"], 1), "x", 10, b / by_codes[last]["seconds"] >= 10))
    at_scale = r["words_requested"] >= 1_000_000 and int(last) >= 500
    for name in ("CMO build", "tables"):
        seconds, peak = rows[name]["seconds"], rows[name]["peak_mb"] or 0
        out.append((f"{name} ({last} codes)", round(seconds, 2), "s", BUDGET_SECONDS,
                    seconds <= BUDGET_SECONDS if at_scale else None))
        out.append((f"{name} ({last} codes) peak RSS", round(peak), "MB", BUDGET_TABLES_MB,
                    peak <= BUDGET_TABLES_MB if at_scale else None))
    peak = max(max(s["peak_mb"] or 0, s["children_peak_mb"] or 0) for s in r["stages"])
    out.append(("peak memory, whole run", round(peak), "MB", BUDGET_PEAK_MB,
                peak <= BUDGET_PEAK_MB if r["words_requested"] >= 10_000_000 else None))
    return out


def _verdict_of(met, budget) -> str:
    if budget is None:
        return ""
    return "not applicable at this size" if met is None else _verdict(bool(met))


def other_rows(quick: bool) -> list[tuple]:
    """The embedding, search, workbench and team figures, from their own benchmark modules when present."""
    rows = []
    for module, what in (("semantic", "embeddings and search"), ("workbench", "workbench"), ("team", "team")):
        if not (HERE / f"{module}.py").is_file():
            rows.append((f"{what}: not measured: benchmarks/{module}.py missing", None, "", None, None))
            continue
        try:
            loaded = __import__(module)
            rows += loaded.run(quick) if module != "team" else loaded.run()
        except Exception as exc:  # a missing extra or server must not lose the other figures
            rows.append((f"{what}: not measured: {type(exc).__name__}: {exc}", None, "", None, None))
    return rows


def print_rows(rows: list[tuple], out=sys.stdout) -> None:
    for name, value, unit, budget, met in rows:
        if value is None:
            print(f"  {name}", file=out)
            continue
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}".rstrip("0").rstrip(".")
        limit = "" if budget is None else f"budget {'>=' if 'speed-up' in name or 'words/s' in unit else '<='}" \
                                          f" {budget:,} {unit}"
        print(f"  {name:58} {shown:>10} {unit:5} {limit:24} {_verdict_of(met, budget)}", file=out)


def _total(r: dict) -> float:
    names = ("import", "coding", "CMO build", "tables")
    return sum(s["seconds"] for s in r["stages"] if s["stage"] in names)


def _coding(r: dict) -> float:
    return next(s["seconds"] for s in r["stages"] if s["stage"] == "coding")


def compare(records: list[dict]) -> list[str]:
    """The targets that compare runs: 500 vs 50 codes, 10M vs 1M words, 2 jobs vs 1."""
    def find(words, codes, jobs):
        found = [r for r in records if r["words_requested"] == words and r["codes"] == codes and r["jobs"] == jobs]
        return found[-1] if found else None

    out = []
    for words in sorted({r["words_requested"] for r in records}):
        for jobs in (1, 2):
            small, big = find(words, 50, jobs), find(words, 500, jobs)
            if small and big:
                ratio = _coding(big) / _coding(small)
                out.append(f"{words:,} words, jobs {jobs}: coding time 500 codes / 50 codes = {ratio:.2f}x"
                           f" (target <= 1.5x): {_verdict(ratio <= 1.5)}")
    for codes in sorted({r["codes"] for r in records}):
        for jobs in (1, 2):
            small, big = find(1_000_000, codes, jobs), find(10_000_000, codes, jobs)
            if small and big:
                ratio = _total(big) / _total(small)
                cratio = _coding(big) / _coding(small)
                out.append(f"{codes} codes, jobs {jobs}: time 10M words / 1M words = {ratio:.2f}x all stages,"
                           f" {cratio:.2f}x coding (target <= 11x): {_verdict(ratio <= 11)}")
    for codes in sorted({r["codes"] for r in records}):
        one, two = find(1_000_000, codes, 1), find(1_000_000, codes, 2)
        if one and two:
            speedup = _coding(one) / _coding(two)
            out.append(f"1,000,000 words, {codes} codes: coding speed-up jobs 2 / jobs 1 = {speedup:.2f}x"
                       f" (target >= 1.6x): {_verdict(speedup >= 1.6)}")
    return out or ["no pair of runs to compare"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--words", type=int, default=100_000, help="words of synthetic transcripts (default 100000)")
    parser.add_argument("--codes", default="50,500",
                        help="codes in the scaled codebooks, comma-separated; each codes the corpus in turn and the"
                             " last is used for the CMO graph and tables (default 50,500)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for coding, as 'ipe code --jobs' (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help="a small run: 20,000 words, naive coder on 5,000 words, small workbench and search")
    parser.add_argument("--no-others", action="store_true",
                        help="skip the embedding, search, workbench and team figures")
    parser.add_argument("--seed", type=int, default=1, help="seed of the corpus and codebook generators")
    parser.add_argument("--keep", action="store_true", help="keep the corpus, codebook and project folder")
    parser.add_argument("--workdir", help="folder for the corpus, codebook and project (default: a temp folder)")
    parser.add_argument("--corpus", help="use this corpus folder instead of generating one")
    parser.add_argument("--naive-words", type=int, default=0,
                        help="time the naive regex coder on only this many words and scale (default: all)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the coding stage into FILE (use with --jobs 1)")
    parser.add_argument("--json", metavar="FILE", help="append this run's figures to FILE (JSON lines)")
    parser.add_argument("--compare", metavar="FILE", help="only print the cross-run targets from a JSON lines FILE")
    args = parser.parse_args(argv)
    if args.compare:
        records = [json.loads(ln) for ln in Path(args.compare).read_text().splitlines() if ln.strip()]
        print("\n".join(compare(records)))
        return 0
    args.code_counts = [int(c) for c in str(args.codes).split(",") if c.strip()]
    if args.quick:
        args.words = min(args.words, 20_000)
        args.naive_words = args.naive_words or 5_000
    result = run(args)
    print(f"\nipe benchmark: {result['words']:,} words ({result['coded_words']:,} coded), codes {args.codes},"
          f" jobs {args.jobs}, seed {args.seed}; {result['date']}; {result['cpu']} x{result['cpus']};"
          f" Python {result['python']}, spaCy {result['spacy']}; load average {os.getloadavg()[0]:.1f}")
    result.pop("_results").print()
    print("\ntargets:")
    rows = budget_rows(result)
    if not args.no_others:
        rows += other_rows(args.quick)
    print_rows(rows)
    result["budgets"] = rows
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
