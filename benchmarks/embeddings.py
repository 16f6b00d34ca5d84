"""Benchmark sentence embeddings and semantic search: throughput by batch size and threads, the first (uncached)
pass over a corpus, the cached re-run, and the latency of a search answer with the model loaded.

Needs the ``ipe[semantic]`` extra. The corpus is the seeded synthetic one of ``generate.py``.

Example::

    python benchmarks/embeddings.py --words 100000
    python benchmarks/embeddings.py --words 100000 --grid-words 5000 --batch-sizes 16,32,64,128 --threads 1,2
"""

from __future__ import annotations

import argparse
import json
import os
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


def _words(texts) -> int:
    return sum(len(t.split()) for t in texts)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000, help="Corpus size for the full pass.")
    parser.add_argument("--grid-words", type=int, default=5_000, help="Words encoded per grid cell.")
    parser.add_argument("--batch-sizes", default="16,32,64,128")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, help="Reuse a corpus made by generate.py.")
    parser.add_argument("--json", type=Path, help="Append the figures as one JSON line.")
    args = parser.parse_args(argv)

    import torch

    from ipe import embeddings, project
    from ipe import search as search_module
    from ipe.passages import passages

    work = Path(tempfile.mkdtemp(prefix="ipe-embed-bench-"))
    corpus = args.corpus or work / "corpus"
    if not args.corpus:
        generate.write_corpus(corpus, args.words, seed=args.seed)
    folder = project.init(work / "project")
    figures: dict = {"words_asked": args.words, "cpus": len(os.sched_getaffinity(0))}
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus], corpus / "manifest.csv")
        project.load_codebook(store, ROOT / "codebooks" / "mash-programme-theory.yaml")
        texts = [p.text for p in passages(store)]
        figures["sentences"], figures["words"] = len(texts), _words(texts)
        print(f"corpus: {figures['sentences']:,} sentences, {figures['words']:,} words (interviewer turns left out)")

        t = time.perf_counter()
        model = embeddings.Embedder()
        figures["load_s"] = round(time.perf_counter() - t, 2)
        print(f"model load with hash check: {figures['load_s']} s")

        sample, n = [], 0
        for text in texts:
            sample.append(text)
            n += len(text.split())
            if n >= args.grid_words:
                break
        model.encode(sample[:64])  # warm up
        grid = []
        for threads in [int(x) for x in args.threads.split(",")]:
            torch.set_num_threads(threads)
            for batch in [int(x) for x in args.batch_sizes.split(",")]:
                model.batch_size = batch
                t = time.perf_counter()
                model.encode(sample)
                rate = n / (time.perf_counter() - t)
                grid.append({"threads": threads, "batch_size": batch, "words_per_s": round(rate)})
                print(f"threads {threads} batch {batch:>4}: {rate:>8,.0f} words/s")
        figures["grid"] = grid
        torch.set_num_threads(embeddings.THREADS)
        model.batch_size = embeddings.BATCH_SIZE

        t = time.perf_counter()
        embeddings.embed(store, texts, model)
        first = time.perf_counter() - t
        t = time.perf_counter()
        embeddings.embed(store, texts, model)
        cached = time.perf_counter() - t
        figures.update(first_s=round(first, 2), first_words_per_s=round(figures["words"] / first),
                       cached_s=round(cached, 2))
        print(f"first pass (embed + cache, batch {embeddings.BATCH_SIZE}): {first:.1f} s, "
              f"{figures['words'] / first:,.0f} words/s")
        print(f"cached re-run: {cached:.2f} s")

        embeddings._EMBEDDER = model
        latencies = []
        for query in ("parents not told their information was shared", "nobody joined the dots on her needs",
                      "the police rang back within the hour"):
            t = time.perf_counter()
            search_module.search(store, query, limit=20)
            latencies.append(time.perf_counter() - t)
        figures["search_s"] = [round(x, 3) for x in latencies]
        print("search answer (model loaded, vectors cached): " + ", ".join(f"{x:.2f} s" for x in latencies))
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(figures, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
